"""Train an ensemble of K networks at once, one per seed, vectorised over a leading axis."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import numpy as np

from . import compiled
from . import criteria as criteria_mod
from .errors import ConfigError
from .loss import ErrorFunction
from .network import NetworkSpec
from .propagation import backward, forward
from .records import EnsembleRecords
from .rule import LearningRule
from .seeding import initial_weights, pattern_orders


Observer = Callable[[int, np.ndarray, dict, dict, dict, np.ndarray], None]


@dataclass(frozen=True)
class Patterns:
    """The cases of a task, shared by every network.

    Parameters
    ----------
    inputs : for each input group, an array ``(P, n_units)``.
    targets : ``(P, n_output)`` desired outputs, 0 or 1.
    labels : optional name of each case, length P.
    """

    inputs: Mapping[str, np.ndarray]
    targets: np.ndarray
    labels: tuple[str, ...] = field(default=())

    @property
    def n_cases(self) -> int:
        return self.targets.shape[0]

    def check(self, spec: NetworkSpec) -> None:
        for g in spec.inputs:
            if g not in self.inputs:
                raise ConfigError("patterns.inputs", f"no patterns for input group {g!r}",
                                  ", ".join(spec.inputs))
            a = np.asarray(self.inputs[g])
            if a.shape != (self.n_cases, spec.groups[g]):
                raise ConfigError(f"patterns.inputs.{g}", f"shape {a.shape}",
                                  f"({self.n_cases}, {spec.groups[g]})")
        if self.targets.shape[1:] != (spec.groups[spec.output],):
            raise ConfigError("patterns.targets", f"shape {self.targets.shape}",
                              f"(P, {spec.groups[spec.output]})")


@dataclass(frozen=True)
class TrainConfig:
    """Everything about one training run except the network and the patterns.

    Parameters
    ----------
    rule : the learning rule (eq. 9, schedule, decay, update timing).
    error : the error function (eq. 3, reduction, margin).
    budget : the most sweeps (weight changes in batch mode) a network gets.
    stop : name of the criterion that stops a network; it must be in ``monitor``
        unless it is ``budget``.
    monitor : names of the criteria whose first sweep is recorded.
    init_range : initial weights uniform in [-r, r] (Nature Fig. 1 caption: 0.3).
    snapshot_sweeps : sweeps at which all weights are recorded.
    """

    rule: LearningRule
    error: ErrorFunction = ErrorFunction()
    budget: int = 10_000
    stop: str = "correct_side"
    monitor: tuple[str, ...] = ("correct_side",)
    init_range: float = 0.3
    snapshot_sweeps: tuple[int, ...] = ()

    def __post_init__(self):
        if not isinstance(self.budget, int) or self.budget < 0:
            raise ConfigError("budget", f"{self.budget!r}", "a whole number of sweeps >= 0")
        if not self.init_range > 0:
            raise ConfigError("init_range", f"{self.init_range!r}", "a number > 0")
        monitor = tuple(dict.fromkeys(self.monitor))
        for field, names in (("monitor", monitor), ("stop", (self.stop,))):
            for name in names:
                try:
                    criteria_mod.parse(name)
                except ConfigError as exc:
                    raise ConfigError(field, exc.problem, exc.allowed) from None
        if self.stop not in monitor and self.stop != "budget":
            monitor = (*monitor, self.stop)
        object.__setattr__(self, "monitor", monitor)


# Networks are trained in blocks whose largest activity array holds about this many
# numbers (half a megabyte), so that a sweep's arrays stay in cache. Networks are
# independent, so blocking never changes a result.
BLOCK_ELEMENTS = 65_536


def default_block_size(spec: NetworkSpec, n_cases: int) -> int:
    """Networks per block: the most that keep the largest group's activities in cache."""
    largest = max(spec.groups[g] for g in spec.order) * n_cases
    return max(1, BLOCK_ELEMENTS // largest)


def train(spec: NetworkSpec, patterns: Patterns, config: TrainConfig, seeds: Iterable[int],
          *, task: str, case_mask: np.ndarray | None = None,
          initial: Mapping[str, np.ndarray] | None = None,
          progress: Callable[[int, int], None] | None = None,
          observer: "Observer | None" = None,
          block_size: int | None = None, workers: int = 1,
          backend: str = "numpy") -> EnsembleRecords:
    """Train one network per seed, all at once.

    Each network stops changing at the first sweep at which it meets ``config.stop``; that
    sweep is recorded. Networks that have not met it after ``config.budget`` sweeps are
    recorded as not converged (censored), never dropped. A network's results depend only on
    its seed, never on which other networks train beside it.

    Parameters
    ----------
    spec : the architecture.
    patterns : the cases, shared by every network.
    config : learning rule, error, budget and criteria.
    seeds : one seed per network (K of them).
    task : task name; with each seed it seeds the initial weights.
    case_mask : (K, P) bool, the training cases of each network (held-out cases are
        propagated and recorded but add nothing to the error); None means all.
    initial : initial weights ``{name: (K, ...)}``; drawn from (task, seed) when None.
    progress : called as ``progress(n_finished, K)`` whenever networks finish.
    observer : called once per sweep of batch training, after the gradient and before the
        weight change, as ``observer(sweep, seeds, params, grads, activity, output)``: the
        still-training networks' seeds (n,), weights and gradients ``{name: (n, ...)}``,
        activities ``{group: (n, units, P)}`` and outputs ``(n, n_output, P)``. It must not
        change them. Used for diagnostics (weight and gradient norms by layer); with
        ``workers > 1`` it is called from several threads on disjoint networks.
    block_size : networks trained together in one block (default: :func:`default_block_size`
        for numpy; all K for numba).
    workers : threads. numpy: blocks trained at once, one per thread (numpy releases the
        GIL); numba: threads that train one block together, each taking the next network
        not yet taken (:func:`compiled.train_block`), the blocks in turn.
    backend : ``numpy``, the reference core, or ``numba``, the compiled kernel of
        :mod:`backprop86.compiled` (the same rule, equal to rounding, several times faster).
        Runs the kernel cannot train (per-pattern mode, an observer) use numpy; the
        backend used is ``meta["backend"]`` of the records.

    Returns
    -------
    EnsembleRecords
    """
    patterns.check(spec)
    seeds = np.asarray(list(seeds), dtype=np.int64)
    k = len(seeds)
    shapes = spec.parameter_shapes()
    if initial is None:
        initial = initial_weights(shapes, task, seeds, config.init_range)
    initial = {n: np.array(initial[n], dtype=np.float64) for n in shapes}
    if case_mask is not None:
        case_mask = np.asarray(case_mask, dtype=bool)
        if case_mask.shape != (k, patterns.n_cases):
            raise ConfigError("case_mask", f"shape {case_mask.shape}", f"({k}, {patterns.n_cases})")

    compiled.check_backend(backend)
    if backend == "numba" and not compiled.supports(config.rule.mode, observer):
        backend = "numpy"
    if block_size is None:
        if backend == "numba":
            block_size = max(k, 1)
        else:
            block_size = default_block_size(spec, patterns.n_cases)
    if block_size < 1 or workers < 1:
        raise ConfigError("block_size" if block_size < 1 else "workers",
                          f"{min(block_size, workers)}", "a whole number >= 1")
    blocks = [(i, min(i + block_size, k)) for i in range(0, k, block_size)]
    done = np.zeros(len(blocks), dtype=np.int64)
    lock = threading.Lock()
    # Every block writes its networks' rows of these, in place.
    records = EnsembleRecords.empty(spec, seeds, config, patterns.n_cases, initial)

    def train_one(b: int) -> EnsembleRecords:
        start, stop = blocks[b]
        rec = records.block(start, stop)

        def block_progress(n_done: int, _total: int) -> None:
            if progress is not None:
                with lock:
                    done[b] = n_done
                    progress(int(done.sum()), k)

        block_mask = None if case_mask is None else case_mask[start:stop]
        if backend == "numba":
            compiled.train_block(spec, patterns, config, rec, block_mask, block_progress,
                                 workers)
        else:
            _train_block(spec, patterns, config, rec, task, block_mask, block_progress,
                         observer)
        return rec

    if workers == 1 or len(blocks) == 1 or backend == "numba":
        parts = [train_one(b) for b in range(len(blocks))]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(train_one, range(len(blocks))))
    records.close(parts)
    records.meta["backend"] = backend
    return records


def _train_block(spec, patterns, config, rec: EnsembleRecords, task, case_mask, progress,
                 observer=None) -> None:
    """:func:`train` on one block of networks, all of whose arrays are in memory at once,
    from the initial weights of ``rec`` (the block's :meth:`EnsembleRecords.block`), into
    which its results go."""
    seeds = rec.seeds
    k = len(seeds)
    shapes = spec.parameter_shapes()
    inputs = {g: np.ascontiguousarray(np.asarray(patterns.inputs[g], dtype=np.float64).T)
              for g in spec.inputs}
    targets = np.ascontiguousarray(np.asarray(patterns.targets, dtype=np.float64).T)
    monitors = [criteria_mod.parse(n) for n in config.monitor]
    stop_index = config.monitor.index(config.stop) if config.stop != "budget" else None
    snapshots = set(config.snapshot_sweeps)

    live = np.arange(k)
    params = {n: a.copy() for n, a in rec.initial.items()}
    velocity = {n: np.zeros_like(a) for n, a in params.items()}
    mask = case_mask
    trace: list[np.ndarray] = []
    trace_start = 0
    n_train = mask.sum(axis=1) if mask is not None else patterns.n_cases

    for sweep in range(config.budget + 1):
        activity = forward(spec, params, inputs)
        y = activity[spec.output]
        error, d_error = config.error(y, targets, mask, n_train)
        trace.append(error)
        summary = criteria_mod.OutputSummary(y, targets, error, mask)
        for c, criterion in enumerate(monitors):
            hit = criterion.met(summary)
            column = rec.first_sweep[c]
            new = hit & (column[live] < 0)
            column[live[new]] = sweep
        if sweep in snapshots:
            rec.store_snapshot(sweep, live, params)

        if stop_index is not None:
            done = rec.first_sweep[stop_index][live] >= 0
        else:
            done = np.zeros(len(live), dtype=bool)
        if sweep == config.budget:
            done[:] = True
        if done.any():
            rec.store_trace(live, trace, trace_start)
            trace, trace_start = [], sweep + 1
            rec.finish(live[done], sweep, error[done], params, activity, done)
            keep = ~done
            live = live[keep]
            if not len(live):
                break
            params = {n: a[keep] for n, a in params.items()}
            velocity = {n: a[keep] for n, a in velocity.items()}
            activity = {g: a[keep] if g not in inputs else a for g, a in activity.items()}
            d_error = d_error[keep]
            if mask is not None:
                mask = mask[keep]
                n_train = n_train[keep]
            if len(live):
                progress(k - len(live), k)

        if config.rule.mode == "batch":
            grads = backward(spec, params, activity, d_error)
            if observer is not None:
                observer(sweep, seeds[live], params, grads, activity, activity[spec.output])
            _change_weights(params, velocity, grads, config.rule, sweep)
        else:
            _pattern_sweep(spec, params, velocity, inputs, targets, mask, n_train, config,
                           task, seeds[live], sweep)

    progress(k, k)


def _change_weights(params, velocity, grads, rule: LearningRule, sweep: int) -> None:
    """One weight change, in place: dw = -eps g + alpha dw_prev; then the optional decay."""
    phase = rule.at(sweep)
    decay = 1.0 - rule.weight_decay if rule.decays_at(sweep) else None
    for name, w in params.items():
        v = velocity[name]
        v *= phase.alpha
        v -= phase.eps * grads[name]
        w += v
        if decay is not None:
            w *= decay


def _pattern_sweep(spec, params, velocity, inputs, targets, mask, n_train, config, task,
                   seeds, sweep) -> None:
    """One sweep of per-pattern weight changes (an ablation, see LearningRule.mode)."""
    n_patterns = targets.shape[1]
    if mask is None:
        cases = np.broadcast_to(np.arange(n_patterns), (len(seeds), n_patterns))
    else:
        counts = mask.sum(axis=1)
        if (counts != counts[0]).any():
            raise ConfigError("case_mask", "networks hold out different numbers of cases",
                              "the same number of training cases for every network in "
                              "pattern mode")
        cases = np.nonzero(mask)[1].reshape(len(seeds), -1)
    if config.rule.pattern_order == "shuffled":
        order = pattern_orders(task, seeds, sweep, cases.shape[1])
        cases = np.take_along_axis(cases, order, axis=1)
    for step in range(cases.shape[1]):
        case = cases[:, step]
        x = {g: a.T[case][:, :, None] for g, a in inputs.items()}
        activity = forward(spec, params, x)
        d = targets.T[case][:, :, None]
        _, d_error = config.error(activity[spec.output], d, None, n_train)
        grads = backward(spec, params, activity, d_error)
        _change_weights(params, velocity, grads, config.rule, sweep)
