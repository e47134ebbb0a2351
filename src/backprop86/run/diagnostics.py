"""Per-layer diagnostics across training, through the trainer's observer: where does the
learning signal die?

At log-spaced sweeps, for every parameter array and every layer (a non-input group: the
weights into it and its biases), over the still-training networks:

* ``weight_norm`` |w| and ``grad_norm`` |dE/dw| (Frobenius norms);
* ``grad_step`` eps |dE/dw|, the gradient's share of one weight change, beside
  ``decay_step`` d |w|, what the weight decay takes off in the same change (0 while the
  decay is off);
* ``balance_norm`` eps |dE/dw| / ((1 - alpha) d), the weight size at which the decay
  balances the gradient: with momentum alpha a steady gradient builds steps of
  eps |g| / (1 - alpha), and the decay takes d |w| per change, so weights larger than
  this shrink whatever the gradient says (absent while the decay is off);
* ``activity_sd`` per layer: each unit's standard deviation over the training cases,
  averaged over the units (0: the layer says the same thing for every case, so it passes
  nothing about the input on);
* for the output layer, over the training cases: ``output_on`` and ``output_off``, the
  mean output of the units that should be on and off, and ``stuck_share``, the share of
  should-be-on outputs below :data:`STUCK_BELOW`.

Each quantity is summarised over the networks by its mean, median and 10 % and 90 %
quantiles. The pipeline's ``diagnosis`` rule trains the config's diagnosis
(:class:`backprop86.plan.plan.Diagnosis`) with ``backprop86 diagnose``.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from ..core.network import NetworkSpec, bias_name
from ..core.rule import LearningRule
from ..core.trainer import train
from ..errors import ConfigError
from ..plan.plan import Diagnosis
from ..plan.setup import setup

# An output that should be on and sits below this is "stuck at the off level": the
# Nature Fig. 4 margin drives off units to 0.2, and a unit within 0.05 of that has not
# moved towards its on target at all.
STUCK_BELOW = 0.25
POINTS_PER_DECADE = 10
QUANTILES = (0.1, 0.9)
ALL = "all"  # the ``param`` of a layer's totals (its weights and biases together)
COLUMNS = {
    "task": "task",
    "variant": "the diagnosed variant",
    "arm": "the arm (config diagnosis.arms): settings changed from the variant's defaults",
    "sweep": "sweep (weight changes made before it); the gradient is the one of this sweep",
    "layer": "the receiving group; empty for the rule's eps, alpha and weight_decay",
    "param": f"a parameter array, '{ALL}' for the layer's arrays together, empty for a "
             "layer-level quantity",
    "quantity": "weight_norm, grad_norm, grad_step, decay_step, balance_norm, activity_sd, "
                "output_on, output_off, stuck_share, eps, alpha, weight_decay (see "
                "backprop86.run.diagnostics)",
    "networks": "the still-training networks the statistics are over",
    "mean": "mean over the networks",
    "median": "median over the networks",
    "q10": "10 % quantile over the networks",
    "q90": "90 % quantile over the networks",
}


def record_sweeps(budget: int, per_decade: int = POINTS_PER_DECADE) -> tuple[int, ...]:
    """Sweeps 0, 1 and about ``per_decade`` log-spaced sweeps per decade up to the last
    weight change (``budget - 1``), which is always included."""
    if budget < 1:
        return ()
    last = budget - 1
    if last == 0:
        return (0,)
    n = int(np.ceil(np.log10(last) * per_decade)) + 1
    sweeps = np.unique(np.round(np.logspace(0, np.log10(last), n)).astype(int))
    return tuple(sorted({0, *sweeps.tolist(), last}))


def layers(spec: NetworkSpec) -> dict[str, tuple[str, ...]]:
    """Every non-input group and the parameter arrays into it (weights, then bias)."""
    out = {}
    for g in spec.order:
        if g in spec.inputs:
            continue
        names = list(dict.fromkeys(p.weights for p in spec.incoming(g)))
        if g in spec.bias_groups:
            names.append(bias_name(g))
        out[g] = tuple(names)
    return out


def _norms(arrays: Mapping[str, np.ndarray], names: Iterable[str]) -> np.ndarray:
    """Per network, the Frobenius norm of the named arrays together, (n,)."""
    total = 0.0
    for name in names:
        a = arrays[name]
        total = total + (a.reshape(a.shape[0], -1) ** 2).sum(axis=1)
    return np.sqrt(total)


class LayerObserver:
    """A trainer observer that records per-layer quantities at chosen sweeps.

    Parameters
    ----------
    spec : the network.
    rule : the learning rule (its eps, alpha and decay at each sweep).
    targets : (P, n_output) the targets, shared by every network (as in ``Patterns``).
    sweeps : the sweeps to record.
    case_mask : seeds (n,) -> (n, P) bool training cases, or None for all cases.

    Notes
    -----
    The trainer calls it per block of networks (from several threads with
    ``workers > 1``), so values are gathered per network under a lock and summarised by
    :meth:`table` once training is over.
    """

    def __init__(self, spec: NetworkSpec, rule: LearningRule, targets: np.ndarray,
                 sweeps: Iterable[int],
                 case_mask: Callable[[np.ndarray], np.ndarray] | None = None):
        self.spec, self.rule = spec, rule
        self.on = np.asarray(targets).T > 0.5  # (n_output, P), as the outputs are
        self.sweeps = frozenset(int(s) for s in sweeps)
        self.case_mask = case_mask
        self.layers = layers(spec)
        self._values: dict[tuple, list[np.ndarray]] = defaultdict(list)
        self._lock = threading.Lock()

    def __call__(self, sweep, seeds, params, grads, activity, output) -> None:
        if sweep not in self.sweeps:
            return
        # The output group's activity, not ``output``: in the sweep in which some networks
        # stop, the trainer passes ``output`` before dropping their rows.
        output = activity[self.spec.output]
        phase = self.rule.at(sweep)
        decay = self.rule.weight_decay if self.rule.decays_at(sweep) else 0.0
        n = len(seeds)
        mask = (np.ones((n, self.on.shape[1]), dtype=bool) if self.case_mask is None
                else np.asarray(self.case_mask(np.asarray(seeds)), dtype=bool))
        rows: dict[tuple, np.ndarray] = {}
        for layer, names in self.layers.items():
            for name in (*names, ALL):
                members = names if name == ALL else (name,)
                w, g = _norms(params, members), _norms(grads, members)
                rows[(layer, name, "weight_norm")] = w
                rows[(layer, name, "grad_norm")] = g
                rows[(layer, name, "grad_step")] = phase.eps * g
                rows[(layer, name, "decay_step")] = decay * w
                if decay > 0:
                    rows[(layer, name, "balance_norm")] = \
                        phase.eps * g / ((1.0 - phase.alpha) * decay)
            rows[(layer, "", "activity_sd")] = _spread(activity[layer], mask)
        on = self.on[None] & mask[:, None, :]
        off = ~self.on[None] & mask[:, None, :]
        rows[(self.spec.output, "", "output_on")] = _masked_mean(output, on)
        rows[(self.spec.output, "", "output_off")] = _masked_mean(output, off)
        rows[(self.spec.output, "", "stuck_share")] = _masked_mean(
            (output < STUCK_BELOW).astype(float), on)
        for quantity, value in (("eps", phase.eps), ("alpha", phase.alpha),
                                ("weight_decay", decay)):
            rows[("", "", quantity)] = np.full(n, float(value))
        with self._lock:
            for key, values in rows.items():
                self._values[(sweep, *key)].append(values)

    def table(self) -> pd.DataFrame:
        """One row per (sweep, layer, param, quantity) recorded: the networks, mean,
        median and 10 % / 90 % quantiles over them. Sweeps in order; within a sweep,
        layers in the network's order from the inputs."""
        rows = []
        for key in sorted(self._values, key=lambda k: k[0]):
            sweep, layer, param, quantity = key
            x = np.concatenate(self._values[key])
            q10, q90 = np.quantile(x, QUANTILES)
            rows.append({"sweep": sweep, "layer": layer, "param": param,
                         "quantity": quantity, "networks": x.size, "mean": x.mean(),
                         "median": np.median(x), "q10": q10, "q90": q90})
        return pd.DataFrame(rows, columns=["sweep", "layer", "param", "quantity", "networks",
                                           "mean", "median", "q10", "q90"])


def _spread(a: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per network, each unit's sd over its training cases, averaged over units.

    ``a`` is (n, units, P), ``mask`` (n, P)."""
    m = mask[:, None, :]
    count = mask.sum(axis=1)[:, None]
    mean = (a * m).sum(axis=2) / count
    var = (((a - mean[:, :, None]) ** 2) * m).sum(axis=2) / count
    return np.sqrt(var).mean(axis=1)


def _masked_mean(a: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Per network, the mean of ``a`` (n, units, P) where ``where`` holds; NaN if nowhere."""
    count = where.sum(axis=(1, 2))
    total = (a * where).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def diagnose(task: str, variant: str | None, seeds: Iterable[int],
             overrides: Mapping[str, Any] | None = None, *,
             sweeps: Iterable[int] | None = None, where: str = "settings") -> pd.DataFrame:
    """Train ``seeds`` of a task variant as :func:`backprop86.run.experiment.run` does,
    on the numpy reference core, with a :class:`LayerObserver`, and return its table.

    Parameters
    ----------
    task, variant : names from :data:`backprop86.tasks.TASKS` (variant None: the default).
    seeds : the networks.
    overrides : settings that differ from the variant's defaults.
    sweeps : the sweeps to record (default :func:`record_sweeps` of the budget).
    where : the config key of ``overrides``, for error messages.
    """
    ready = setup(task, variant, overrides, where=where)
    if ready.config.rule.mode != "batch":
        raise ConfigError(f"{where}.mode", f"{ready.config.rule.mode!r}: the observer sees "
                          "batch training only", "batch")
    seeds = np.asarray(list(seeds), dtype=np.int64)
    observer = LayerObserver(ready.spec, ready.config.rule, ready.patterns.targets,
                             record_sweeps(ready.config.budget) if sweeps is None else sweeps,
                             ready.case_mask if ready.variant.case_mask else None)
    train(ready.spec, ready.presented, ready.config, seeds, task=ready.task.name,
          case_mask=ready.case_mask(seeds), observer=observer)
    return observer.table()


def train_diagnosis(diagnosis: Diagnosis) -> pd.DataFrame:
    """Every arm's :func:`diagnose` table, with task, variant and arm columns."""
    parts = []
    for arm, overrides in diagnosis.arms.items():
        part = diagnose(diagnosis.task, diagnosis.variant, diagnosis.seeds, overrides,
                        where=f"diagnosis.arms.{arm}")
        part.insert(0, "arm", arm)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table.insert(0, "variant", diagnosis.variant)
    table.insert(0, "task", diagnosis.task)
    return table[list(COLUMNS)]
