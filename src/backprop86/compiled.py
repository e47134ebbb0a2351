"""The compiled backend (numba): each network's whole batch-training loop in machine code.

The numpy core (:mod:`propagation`, :mod:`trainer`) is the reference. It spends most of a
sweep in Python and in numpy's per-call overhead, which dominates for these tiny networks and
for the few slow networks that train long after the rest have stopped. This backend runs the
same rule (Nature eqs 1-9: forward pass, eq. 3 error with its reduction and margin, the
criteria, backward pass, eq. 9 change with the schedule and decay) as plain loops over one
network at a time, compiled by numba.

It computes the same quantities in another order (no BLAS), so its numbers agree with the
numpy core to rounding (about 1e-12 after thousands of sweeps), not bit for bit. Its own
results are deterministic: a network's bits depend only on its seed and the settings (and
the machine's instruction set), never on the block, the ensemble or the number of threads,
because every network is a separate sequential loop.

The compiled pieces are in :mod:`backprop86.kernel`, imported only when this backend runs;
:mod:`backprop86.codegen` writes the kernel around them (its passes written out for the
shapes of a small network); this module checks the choice, flattens the network into index
arrays and turns the kernel's output into the core's records.

Supported: any feed-forward :class:`~backprop86.network.NetworkSpec` (tied weights included),
logistic or tanh units, batch mode, case masks, snapshots. Per-pattern mode and observers
stay on the numpy core; :func:`supports` says which.
"""

from __future__ import annotations

import importlib.util
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from . import codegen
from .errors import ConfigError
from .network import NetworkSpec, bias_name

BACKENDS = ("numpy", "numba")

# Criterion kinds as the kernel sees them (see criteria.Criterion).
KIND_CODES = {"budget": 0, "error_below": 1, "correct_side": 2, "within": 3}

# Sweeps per kernel call are chosen so that the error trace of one call holds about this
# many numbers (8 MB); between calls finished networks leave the block.
TRACE_ELEMENTS = 1 << 20


def available() -> bool:
    """Whether numba is installed (it is loaded only when the backend runs:
    :mod:`backprop86.kernel`)."""
    return importlib.util.find_spec("numba") is not None


def check_backend(backend: str) -> None:
    """Refuse an unknown backend, or ``numba`` where numba is not installed."""
    if backend not in BACKENDS:
        raise ConfigError("backend", f"unknown {backend!r}", ", ".join(BACKENDS))
    if backend == "numba" and not available():
        raise ConfigError("backend", "numba is not installed",
                          "numpy, or install numba (pip install numba)")


def supports(mode: str, observer) -> bool:
    """Whether this backend can train a run: batch mode without an observer."""
    return mode == "batch" and observer is None


@dataclass(frozen=True)
class Program:
    """A :class:`NetworkSpec` flattened into index arrays for the kernel.

    Units of every group share one activity array ``(U, P)``: group g occupies rows
    ``offset[g] : offset[g] + size[g]``, input groups first. Parameters of one network are
    one vector: each weight array row-major (target unit, source unit), then the biases, in
    :meth:`NetworkSpec.parameter_shapes` order.

    Attributes
    ----------
    offset, size : (G,) rows of each group.
    compute : (C,) indices of the non-input groups in forward order; the last is the output.
    incoming : (C + 1,) projections into ``compute[c]`` are ``incoming[c] : incoming[c+1]``
        of ``source``, ``weight``.
    source, weight : (Q,) source group and weight-vector offset of each projection.
    outgoing : (C + 1,) projections out of ``compute[c]`` are ``outgoing[c] : outgoing[c+1]``
        of ``out_target``, ``out_weight``.
    out_target, out_weight : (R,) target group and weight-vector offset.
    bias : (G,) offset of the group's biases in the vector, -1 for none.
    slices : parameter name to (start, stop, shape) in the vector.
    tanh : whether units are tanh (an ablation) instead of logistic.
    """

    offset: np.ndarray
    size: np.ndarray
    compute: np.ndarray
    incoming: np.ndarray
    source: np.ndarray
    weight: np.ndarray
    outgoing: np.ndarray
    out_target: np.ndarray
    out_weight: np.ndarray
    bias: np.ndarray
    slices: dict
    tanh: bool
    n_units: int
    n_params: int

    @classmethod
    def of(cls, spec: NetworkSpec) -> "Program":
        names = list(spec.inputs) + list(spec.order)
        index = {g: i for i, g in enumerate(names)}
        size = np.array([spec.groups[g] for g in names], dtype=np.int64)
        offset = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
        slices, start = {}, 0
        for name, shape in spec.parameter_shapes().items():
            stop = start + int(np.prod(shape))
            slices[name] = (start, stop, shape)
            start = stop
        incoming, source, weight = [0], [], []
        outgoing, out_target, out_weight = [0], [], []
        for g in spec.order:
            for p in spec.incoming(g):
                source.append(index[p.source])
                weight.append(slices[p.weights][0])
            incoming.append(len(source))
            for p in spec.outgoing(g):
                out_target.append(index[p.target])
                out_weight.append(slices[p.weights][0])
            outgoing.append(len(out_target))
        bias = np.full(len(names), -1, dtype=np.int64)
        for g in spec.bias_groups:
            bias[index[g]] = slices[bias_name(g)][0]

        def ints(values):
            return np.asarray(values, dtype=np.int64)

        return cls(offset=offset, size=size,
                   compute=ints([index[g] for g in spec.order]), incoming=ints(incoming),
                   source=ints(source), weight=ints(weight), outgoing=ints(outgoing),
                   out_target=ints(out_target), out_weight=ints(out_weight), bias=bias,
                   slices=slices, tanh=spec.activation == "tanh",
                   n_units=int(size.sum()), n_params=start)

    @property
    def net(self) -> tuple:
        """The index arrays, in the order the kernel's passes unpack them."""
        return (self.offset, self.size, self.compute, self.incoming, self.source,
                self.weight, self.outgoing, self.out_target, self.out_weight, self.bias)

    def flatten(self, params: dict[str, np.ndarray]) -> np.ndarray:
        """``{name: (K, ...)}`` to one C-contiguous ``(K, n_params)`` array."""
        k = next(iter(params.values())).shape[0]
        flat = np.empty((k, self.n_params))
        for name, (start, stop, _) in self.slices.items():
            flat[:, start:stop] = params[name].reshape(k, -1)
        return flat

    def unflatten(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """The inverse of :meth:`flatten`."""
        return {name: flat[:, start:stop].reshape((flat.shape[0], *shape)).copy()
                for name, (start, stop, shape) in self.slices.items()}


def distinct_inputs(program: Program, template: np.ndarray, n_cases: int):
    """Which groups the kernel computes once per distinct input pattern, and their work
    rows: a group fed by input groups alone (the first layer) whose sources take at most
    half as many distinct patterns as there are cases (family trees: the 24 people and
    12 relations of 104 cases). Logistic units only: a tanh's sign of an exact 0, which a
    sum over the distinct pattern may give where the full one gave the other, would show.

    Parameters
    ----------
    template : (U, P) the activities with the input rows filled.

    Returns
    -------
    distinct : int64. ``distinct[c]`` for each computed group c (``program.compute``) is
        -1, or where its record starts: the number n of distinct patterns, the start of
        its rows in ``compact`` (size[g] rows of n), the start of its case map in
        ``distinct`` (case p is distinct pattern ``distinct[map + p]``), then, for each
        projection into the group in order, the start of its source's rows in
        ``compact``.
    compact : float64, the source rows (their distinct patterns, never written) and the
        groups' rows.
    """
    n_compute = len(program.compute)
    distinct, compact = [-1] * n_compute, []
    if program.tanh or codegen.is_small(program, n_cases):  # written-out passes: not read
        return np.array(distinct, dtype=np.int64), np.zeros(0)
    inputs = set(range(len(program.offset))) - set(program.compute.tolist())
    for c, g in enumerate(program.compute):
        projections = range(program.incoming[c], program.incoming[c + 1])
        sources = [int(program.source[q]) for q in projections]
        if not set(sources) <= inputs:
            continue
        rows = [template[program.offset[s]:program.offset[s] + program.size[s]]
                for s in sources]
        _, first, case_map = np.unique(np.concatenate(rows).T, axis=0, return_index=True,
                                       return_inverse=True)
        if 2 * len(first) > n_cases:
            continue
        starts = []
        for block in rows:
            starts.append(len(compact))
            compact.extend(block[:, first].reshape(-1))
        out = len(compact)
        compact.extend([0.0] * (int(program.size[g]) * len(first)))
        distinct[c] = len(distinct)
        head = [len(first), out, len(distinct) + 3 + len(starts), *starts]
        distinct += head + case_map.reshape(-1).tolist()
    return np.array(distinct, dtype=np.int64), np.array(compact, dtype=np.float64)


def _run_in_threads(kernel, args, threads: int) -> None:
    """kernel(*args) in ``threads`` threads at once (this one among them), all sharing the
    arrays; the kernel releases the GIL."""
    if threads <= 1:
        kernel(*args)
        return
    with ThreadPoolExecutor(max_workers=threads - 1) as pool:
        others = [pool.submit(kernel, *args) for _ in range(threads - 1)]
        kernel(*args)
        for other in others:
            other.result()  # its exception, if any


def train_block(spec: NetworkSpec, patterns, config, rec, case_mask: np.ndarray | None,
                progress, workers: int = 1) -> None:
    """:func:`backprop86.trainer.train` on one block of networks, with the compiled kernel,
    from the initial weights of ``rec`` (the block's :meth:`EnsembleRecords.block
    <backprop86.records.EnsembleRecords.block>`), into which its results go, as the numpy
    core's do.

    ``workers`` threads run the kernel on the block at once, each taking the next network
    not yet taken until none is left: a thread that the machine slows takes fewer, and
    the threads finish within one network of each other (blocks handed out whole, as
    before 2026-11-30, finished up to a block apart).
    """
    from . import criteria as criteria_mod

    check_backend("numba")
    program = Program.of(spec)
    k, n_cases = len(rec.seeds), patterns.n_cases
    kernel = codegen.kernel_for(program, n_cases)  # loads numba
    template = np.zeros((program.n_units, n_cases))
    for i, g in enumerate(spec.inputs):  # input groups come first in the program
        template[program.offset[i]:program.offset[i] + program.size[i]] = \
            np.asarray(patterns.inputs[g], dtype=np.float64).T
    targets = np.ascontiguousarray(np.asarray(patterns.targets, dtype=np.float64).T)
    distinct, compact = distinct_inputs(program, template, n_cases)
    mask = np.ones((k, n_cases)) if case_mask is None else case_mask.astype(np.float64)
    n_train = mask.sum(axis=1)
    rule = config.rule
    eps, alpha, decays = rule.per_sweep(config.budget)
    monitors = [criteria_mod.parse(name) for name in config.monitor]
    kinds = np.array([KIND_CODES[c.kind] for c in monitors], dtype=np.int64)
    values = np.array([c.value or 0.0 for c in monitors], dtype=np.float64)
    stop_index = config.monitor.index(config.stop) if config.stop != "budget" else -1
    error = config.error
    margin = error.margin is not None
    on_above, off_below = error.margin if margin else (1.0, 0.0)

    live = np.arange(k)
    theta = program.flatten(rec.initial)
    velocity = np.zeros_like(theta)
    first = np.full((k, len(monitors)), -1, dtype=np.int64)
    snapshots = sorted(s for s in set(config.snapshot_sweeps) if s <= config.budget)
    sweep = 0
    while len(live):
        if sweep in snapshots:
            rec.store_snapshot(sweep, live, program.unflatten(theta))
        end = min(config.budget + 1, sweep + max(1, TRACE_ELEMENTS // len(live)),
                  *(s for s in snapshots if s > sweep))
        n = len(live)
        done = np.zeros(n, dtype=bool)
        stopped = np.full(n, -1, dtype=np.int64)
        final_error = np.full(n, np.nan)
        trace = np.full((n, end - sweep), np.nan)  # each network's errors side by side
        args = (theta, velocity, first, done, stopped, final_error, rec.all_activity, live,
                trace, sweep, end, config.budget,
                template.reshape(-1), targets.reshape(-1), mask, n_train, program.net,
                program.tanh, error.reduction == "mean", margin, on_above, off_below,
                error.margin_mode == "to_bound", eps, alpha, decays, 1.0 - rule.weight_decay,
                kinds, values, stop_index, np.zeros(1, dtype=np.int64), distinct, compact)
        codegen.compile_once(kernel, args)
        _run_in_threads(kernel, args, min(workers, n))
        rec.store_trace_block(live, sweep, trace)
        for m in range(len(monitors)):
            rec.first_sweep[m][live] = first[:, m]
        if done.any():  # the kernel wrote their activities
            rec.finish(live[done], stopped[done], final_error[done],
                       program.unflatten(theta), None, done)
            keep = ~done
            live, theta, velocity, first = live[keep], theta[keep], velocity[keep], first[keep]
            mask, n_train = mask[keep], n_train[keep]
            if len(live):
                progress(k - len(live), k)
        sweep = end
    progress(k, k)
