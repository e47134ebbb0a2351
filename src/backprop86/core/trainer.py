"""Train an ensemble of K networks, one per seed: the block loop every backend shares, and the
numpy reference backend.

The ensemble is cut into blocks of networks. A backend trains a block through a *stepper*
(:class:`Stepper`): it trains the block's still-training networks over a segment of sweeps
and reports what happened (:class:`Segment`). The loop around it (:func:`train_block`) is
the same for every backend: it records snapshots, error traces and first sweeps, finishes
the networks that stopped and drops them from the live set, and reports progress. The
numpy reference (:class:`ReferenceStepper`, :data:`REFERENCE`) trains one sweep per
segment with the passes of :mod:`.propagation`; a compiled backend may train many.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, NamedTuple, Protocol

import numpy as np

from ..errors import ConfigError
from . import criteria
from .config import TrainConfig
from .network import NetworkSpec
from .patterns import Patterns
from .propagation import backward, forward
from .records import EnsembleRecords
from .rule import LearningRule
from .seeding import initial_weights, pattern_orders

Observer = Callable[[int, np.ndarray, dict, dict, dict, np.ndarray], None]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Block:
    """One block of networks for a backend to train.

    Attributes
    ----------
    spec, patterns, config : the network, the cases and the run's settings.
    records : the block's records (:meth:`EnsembleRecords.block`): the initial weights in,
        every result out.
    task : the task name (with a seed, it seeds per-pattern orders).
    case_mask : (n, P) bool training cases of the block's networks, or None for all.
    observer : called once per sweep of batch training (see :func:`train`), or None.
    threads : threads the backend may use for this block.
    """

    spec: NetworkSpec
    patterns: Patterns
    config: TrainConfig
    records: EnsembleRecords
    task: str
    case_mask: np.ndarray | None
    observer: Observer | None = None
    threads: int = 1


class Segment(NamedTuple):
    """What a stepper reports after training the live networks of a block over sweeps
    ``start .. end - 1``, each until it stopped.

    Attributes
    ----------
    trace : (n, end - start) each network's error at each sweep; entries past the sweep a
        network stopped at are ignored.
    first : (n, M) the first sweep at which each monitored criterion held, -1 if not yet.
    done : (n,) whether the network stopped (met the stop criterion, or reached the budget).
    stopped : (n,) the sweep a done network stopped at.
    final_error : (n,) the error of a done network when it stopped.
    """

    trace: np.ndarray
    first: np.ndarray
    done: np.ndarray
    stopped: np.ndarray
    final_error: np.ndarray


class Stepper(Protocol):
    """How a backend trains the live networks of one block, segment by segment."""

    def segment_end(self, sweep: int) -> int:
        """The sweep the next segment should end before (the loop may end it sooner)."""

    def run(self, start: int, end: int, rows: np.ndarray) -> Segment:
        """Train the live networks (``rows`` of the block's records) over sweeps
        ``start .. end - 1``, each until it stops."""

    def weights(self) -> dict[str, np.ndarray]:
        """``{name: (n, ...)}``: the live networks' weights; a network done in the last
        segment has the weights it stopped with."""

    def activity(self) -> dict[str, np.ndarray] | None:
        """``{group: (n, units, P)}``: every non-input group's activity at the last sweep
        evaluated, or None when the stepper wrote done networks' activities into the
        records itself."""

    def carry_on(self, keep: np.ndarray) -> None:
        """Drop the networks not in ``keep`` (n,) bool and go on to the next segment."""


@dataclass(frozen=True)
class Backend:
    """A way to train blocks of networks.

    Attributes
    ----------
    name : recorded in ``meta["backend"]`` of the records.
    stepper : makes the stepper of a :class:`Block`.
    supports : whether it can train a run (its config and observer); a run it cannot
        train is trained by :data:`REFERENCE`.
    one_block : train every network in one block whose threads share its networks (else
        blocks of :func:`default_block_size` networks, side by side, one thread each).
    """

    name: str
    stepper: Callable[[Block], Stepper]
    supports: Callable[[TrainConfig, Observer | None], bool]
    one_block: bool = False


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
          progress: Progress | None = None, observer: Observer | None = None,
          block_size: int | None = None, workers: int = 1,
          backend: Backend | None = None) -> EnsembleRecords:
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
    block_size : networks trained together in one block (default: :func:`default_block_size`,
        or all K for a ``one_block`` backend).
    workers : threads: blocks trained side by side, one per thread, or for a ``one_block``
        backend the threads that share its one block.
    backend : the :class:`Backend` (default :data:`REFERENCE`, the numpy core). A run the
        backend cannot train (:attr:`Backend.supports`) is trained by the reference; the
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
            raise ConfigError("case_mask", f"shape {case_mask.shape}",
                              f"({k}, {patterns.n_cases})")

    backend = backend or REFERENCE
    if not backend.supports(config, observer):
        backend = REFERENCE
    if block_size is None:
        block_size = (max(k, 1) if backend.one_block
                      else default_block_size(spec, patterns.n_cases))
    if block_size < 1 or workers < 1:
        raise ConfigError("block_size" if block_size < 1 else "workers",
                          f"{min(block_size, workers)}", "a whole number >= 1")
    bounds = [(i, min(i + block_size, k)) for i in range(0, k, block_size)]
    finished = np.zeros(len(bounds), dtype=np.int64)
    lock = threading.Lock()
    # Every block writes its networks' rows of these, in place.
    records = EnsembleRecords.empty(spec, seeds, config, patterns.n_cases, initial)
    threads = workers if backend.one_block else 1

    def train_one(b: int) -> EnsembleRecords:
        start, stop = bounds[b]
        block = Block(spec, patterns, config, records.block(start, stop), task,
                      None if case_mask is None else case_mask[start:stop], observer, threads)

        def block_progress(n_done: int, _total: int) -> None:
            if progress is not None:
                with lock:
                    finished[b] = n_done
                    progress(int(finished.sum()), k)

        train_block(block, backend.stepper(block), block_progress)
        return block.records

    if backend.one_block or workers == 1 or len(bounds) == 1:
        parts = [train_one(b) for b in range(len(bounds))]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(train_one, range(len(bounds))))
    records.close(parts)
    records.meta["backend"] = backend.name
    return records


def train_block(block: Block, stepper: Stepper, progress: Progress) -> None:
    """Train every network of ``block`` with ``stepper``, from the initial weights of its
    records into them: the loop every backend shares.

    A segment never runs past a snapshot sweep, so that every snapshot is taken at the
    start of a segment, of the networks still training then.
    """
    rec, config = block.records, block.config
    k = len(rec.seeds)
    snapshots = config.snapshots()
    live = np.arange(k)
    sweep = 0
    while len(live):
        if sweep in snapshots:
            rec.store_snapshot(sweep, live, stepper.weights())
        end = min(config.budget + 1, stepper.segment_end(sweep),
                  *(s for s in snapshots if s > sweep))
        segment = stepper.run(sweep, end, live)
        rec.store_trace(live, sweep, segment.trace)
        for m, column in enumerate(rec.first_sweep):
            column[live] = segment.first[:, m]
        done = segment.done
        if done.any():
            rec.finish(live[done], segment.stopped[done], segment.final_error[done],
                       stepper.weights(), stepper.activity(), done)
        stepper.carry_on(~done)
        if done.any():
            live = live[~done]
            if len(live):
                progress(k - len(live), k)
        sweep = end
    progress(k, k)


class ReferenceStepper:
    """The numpy reference: one sweep per segment, every network of the block at once
    (:mod:`.propagation`), batch or per-pattern changes (:class:`~.rule.LearningRule`).

    A sweep's weight change is made once the networks that stopped at it have left (in
    :meth:`carry_on`), so that they keep the weights they stopped with.
    """

    def __init__(self, block: Block):
        self.block = block
        spec, config = block.spec, block.config
        columns = block.patterns.input_columns()
        self.inputs = {g: columns[g] for g in spec.inputs}
        self.targets = block.patterns.target_columns()
        self.monitors = [criteria.parse(n) for n in config.monitor]
        self.stop_index = config.stop_index
        self.seeds = block.records.seeds
        self.params = {n: a.copy() for n, a in block.records.initial.items()}
        self.velocity = {n: np.zeros_like(a) for n, a in self.params.items()}
        self.mask = block.case_mask
        self.n_train = (self.mask.sum(axis=1) if self.mask is not None
                        else block.patterns.n_cases)
        self.first = np.full((len(self.seeds), len(self.monitors)), -1, dtype=np.int64)
        self._activity: dict[str, np.ndarray] = {}
        self._d_error: np.ndarray | None = None
        self._sweep = -1

    def segment_end(self, sweep: int) -> int:
        return sweep + 1

    def run(self, start: int, end: int, rows: np.ndarray) -> Segment:
        spec, config = self.block.spec, self.block.config
        activity = forward(spec, self.params, self.inputs)
        y = activity[spec.output]
        error, d_error = config.error(y, self.targets, self.mask, self.n_train)
        summary = criteria.OutputSummary(y, self.targets, error, self.mask)
        for c, criterion in enumerate(self.monitors):
            self.first[criterion.met(summary) & (self.first[:, c] < 0), c] = start
        if self.stop_index is not None:
            done = self.first[:, self.stop_index] >= 0
        else:
            done = np.zeros(len(error), dtype=bool)
        if start == config.budget:
            done[:] = True
        self._activity, self._d_error, self._sweep = activity, d_error, start
        return Segment(trace=error[:, None], first=self.first, done=done,
                       stopped=np.full(len(error), start), final_error=error)

    def weights(self) -> dict[str, np.ndarray]:
        return self.params

    def activity(self) -> dict[str, np.ndarray]:
        return self._activity

    def carry_on(self, keep: np.ndarray) -> None:
        activity, d_error = self._activity, self._d_error
        if not keep.all():
            self.params = {n: a[keep] for n, a in self.params.items()}
            self.velocity = {n: a[keep] for n, a in self.velocity.items()}
            activity = {g: a[keep] if g not in self.inputs else a for g, a in activity.items()}
            d_error = d_error[keep]
            self.first, self.seeds = self.first[keep], self.seeds[keep]
            if self.mask is not None:
                self.mask, self.n_train = self.mask[keep], self.n_train[keep]
            if not keep.any():
                return
        self._change(activity, d_error, self._sweep)

    def _change(self, activity, d_error, sweep: int) -> None:
        """The weight change of ``sweep``, batch (eq. 9 with the sweep's gradient) or one
        per case."""
        spec, config = self.block.spec, self.block.config
        if config.rule.mode == "batch":
            grads = backward(spec, self.params, activity, d_error)
            if self.block.observer is not None:
                self.block.observer(sweep, self.seeds, self.params, grads, activity,
                                    activity[spec.output])
            change_weights(self.params, self.velocity, grads, config.rule, sweep)
        else:
            self._pattern_sweep(sweep)

    def _pattern_sweep(self, sweep: int) -> None:
        """One sweep of per-pattern weight changes (an ablation, see LearningRule.mode)."""
        spec, config = self.block.spec, self.block.config
        n_patterns = self.targets.shape[1]
        mask, seeds = self.mask, self.seeds
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
            order = pattern_orders(self.block.task, seeds, sweep, cases.shape[1])
            cases = np.take_along_axis(cases, order, axis=1)
        for step in range(cases.shape[1]):
            case = cases[:, step]
            x = {g: a.T[case][:, :, None] for g, a in self.inputs.items()}
            activity = forward(spec, self.params, x)
            d = self.targets.T[case][:, :, None]
            _, d_error = config.error(activity[spec.output], d, None, self.n_train)
            grads = backward(spec, self.params, activity, d_error)
            change_weights(self.params, self.velocity, grads, config.rule, sweep)


def change_weights(params, velocity, grads, rule: LearningRule, sweep: int) -> None:
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


REFERENCE = Backend("numpy", ReferenceStepper, lambda config, observer: True)
