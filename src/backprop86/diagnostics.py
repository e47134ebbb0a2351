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
quantiles. Command line (the pipeline's ``diagnosis`` rule)::

    python -m backprop86.diagnostics --config-json CONFIG --out TABLE.csv
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import ConfigError
from .experiment import encode_inputs, parse_seeds, resolve_settings, train_config
from .network import NetworkSpec, bias_name
from .rule import LearningRule
from .tasks import get_task, get_variant
from .trainer import train

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
                "backprop86.diagnostics)",
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
    """Train ``seeds`` of a task variant as :func:`backprop86.experiment.run` does, with a
    :class:`LayerObserver`, and return its table.

    Parameters
    ----------
    task, variant : names from :data:`backprop86.tasks.TASKS` (variant None: the default).
    seeds : the networks.
    overrides : settings that differ from the variant's defaults.
    sweeps : the sweeps to record (default :func:`record_sweeps` of the budget).
    where : the config key of ``overrides``, for error messages.
    """
    t, v = get_variant(task, variant)
    settings = resolve_settings(v, overrides, where=where)
    spec, patterns = v.build(settings)
    patterns = encode_inputs(patterns, settings["input_coding"])
    config = train_config(settings, where=where)
    if config.rule.mode != "batch":
        raise ConfigError(f"{where}.mode", f"{config.rule.mode!r}: the observer sees batch "
                          "training only", "batch")
    seeds = np.asarray(list(seeds), dtype=np.int64)
    mask_of = ((lambda s: v.case_mask(settings, s, t.name)) if v.case_mask else None)
    observer = LayerObserver(spec, config.rule, patterns.targets,
                             record_sweeps(config.budget) if sweeps is None else sweeps,
                             mask_of)
    train(spec, patterns, config, seeds, task=t.name,
          case_mask=mask_of(seeds) if mask_of else None, observer=observer)
    return observer.table()


# ---- the config's diagnosis ----------------------------------------------------------------

@dataclass(frozen=True)
class Diagnosis:
    """The config's ``diagnosis``: one task variant, trained in several arms."""

    task: str
    variant: str
    seeds: tuple[int, ...]
    arms: Mapping[str, Mapping[str, Any]]

    def table(self) -> pd.DataFrame:
        """Every arm's :func:`diagnose` table, with task, variant and arm columns."""
        parts = []
        for arm, overrides in self.arms.items():
            part = diagnose(self.task, self.variant, self.seeds, overrides,
                            where=f"diagnosis.arms.{arm}")
            part.insert(0, "arm", arm)
            parts.append(part)
        table = pd.concat(parts, ignore_index=True)
        table.insert(0, "variant", self.variant)
        table.insert(0, "task", self.task)
        return table[list(COLUMNS)]


def diagnosis_of(config: Mapping[str, Any]) -> Diagnosis | None:
    """The config's diagnosis (key ``diagnosis``, checked against the schema), each arm's
    settings checked as a run's are; None when the config has none."""
    spec = config.get("diagnosis")
    if not spec:
        return None
    where = "diagnosis"
    try:
        t = get_task(spec["task"])
    except ConfigError as exc:
        raise ConfigError(f"{where}.task", f"unknown task {spec['task']!r}",
                          exc.allowed) from None
    name = spec.get("variant") or t.default_variant
    if name not in t.variants:
        raise ConfigError(f"{where}.variant", f"unknown {name!r} for task {t.name!r}",
                          ", ".join(t.variants))
    v = t.variants[name]
    seeds_spec = spec.get("seeds", config.get("seeds"))
    try:
        seeds = (tuple(range(seeds_spec)) if isinstance(seeds_spec, int)
                 else tuple(parse_seeds(seeds_spec)))
    except ConfigError as exc:
        raise ConfigError(f"{where}.seeds", exc.problem, exc.allowed) from None
    arms = {}
    for arm, overrides in spec["arms"].items():
        key = f"{where}.arms.{arm}"
        settings = resolve_settings(v, overrides or {}, where=key)
        rule = train_config(settings, where=key).rule
        if rule.mode != "batch":
            raise ConfigError(f"{key}.mode", f"{rule.mode!r}: the observer sees batch "
                              "training only", "batch")
        try:
            v.build(settings)
        except ConfigError as exc:
            raise exc.under(key) from None
        arms[arm] = dict(overrides or {})
    return Diagnosis(t.name, v.name, seeds, arms)


def main(argv=None) -> int:
    from .atomic import write_table

    parser = argparse.ArgumentParser(prog="python -m backprop86.diagnostics",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--config-json", required=True,
                        help="JSON with the config's diagnosis (and seeds)")
    parser.add_argument("--out", required=True, help="the table to write (CSV)")
    args = parser.parse_args(argv)
    try:
        diagnosis = diagnosis_of(json.loads(args.config_json))
        if diagnosis is None:
            raise ConfigError("diagnosis", "missing", "a diagnosis section in the config")
        table = diagnosis.table()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_table(table, args.out)
    print(f"{len(diagnosis.arms)} arms x {len(diagnosis.seeds)} seeds: {len(table)} rows",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
