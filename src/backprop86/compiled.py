"""The compiled backend (numba): each network's whole batch-training loop in machine code.

The numpy core (:mod:`propagation`, :mod:`trainer`) is the reference. It spends most of a
sweep in Python and in numpy's per-call overhead, which dominates for these tiny networks and
for the few slow networks that train long after the rest have stopped. This backend runs the
same rule (Nature eqs 1-9: forward pass, eq. 3 error with its reduction and margin, the
criteria, backward pass, eq. 9 change with the schedule and decay) as plain loops over one
network at a time, compiled by numba.

It computes the same quantities in another order (no BLAS), so its numbers agree with the
numpy core to rounding (about 1e-12 after thousands of sweeps), not bit for bit. Its own
results are deterministic: a network's bits depend only on its seed and the settings, never
on the block, the ensemble or the number of threads, because every network is a separate
sequential loop.

Supported: any feed-forward :class:`~backprop86.network.NetworkSpec` (tied weights included),
logistic or tanh units, batch mode, case masks, snapshots. Per-pattern mode and observers
stay on the numpy core; :func:`supports` says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .network import NetworkSpec, bias_name

try:  # numba is a dependency of the package, but the numpy core must work without it
    import numba
except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None

BACKENDS = ("numpy", "numba")

# Criterion kinds as the kernel sees them (see criteria.Criterion).
KIND_CODES = {"budget": 0, "error_below": 1, "correct_side": 2, "within": 3}

# Sweeps per kernel call are chosen so that the error trace of one call holds about this
# many numbers (8 MB); between calls finished networks leave the block.
TRACE_ELEMENTS = 1 << 20


def available() -> bool:
    return numba is not None


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


# How the kernel is compiled. ``contract`` lets LLVM fuse a * b + c into one FMA, which is
# faster and at least as accurate; no flag that reorders sums (``reassoc``) is set, so the
# compiled code fixes each network's order of operations. The tests also run the kernel's
# source in the Python interpreter (``_kernel.py_func``) as a check on the compiled code.
# Without numba the functions stay plain Python so that this module imports; the backend
# itself then refuses to run (check_backend).
if numba is not None:
    _jit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
    _inline = numba.njit(inline="always", error_model="numpy", fastmath={"contract"})
else:  # pragma: no cover
    def _jit(function):
        return function
    _inline = _jit

# exp(z) = 2^k e^r with k = round(z / ln 2) and |r| <= ln(2) / 2 (Cody and Waite): ln 2 in two
# parts so that z - k ln 2 is exact to double precision, e^r by its Taylor series to r^13 /
# 13! (the remainder is below 1e-17 for |r| <= 0.35), and 2^k built from its exponent bits.
# Written as plain arithmetic so that LLVM vectorises it (libm's exp is one call per
# number); within 4 ulp of numpy's exp over |z| < 700 (tests/test_compiled.py).
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_TAYLOR = tuple(1.0 / math.factorial(n) for n in range(14))
(_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13) = _TAYLOR
# The logistic of a net input below -EXP_OVERFLOW is exactly 0, as in the numpy core (whose
# exp overflows to inf there); the exponent is clamped so that 2^k stays a normal number.
_EXP_OVERFLOW = 709.782712893384
_Z_LOW, _Z_HIGH = -708.0, 709.0


@_inline
def logistic_row(row, scale):
    """In place, y = 1 / (1 + exp(-x)) for every x of the 1-d ``row``.

    ``scale`` is int64 scratch of the same length (it holds the bits of 2^k).
    """
    n = row.shape[0]
    for p in range(n):
        z = -row[p]
        zc = min(max(z, _Z_LOW), _Z_HIGH)
        k = np.floor(zc * _LOG2E + 0.5)
        r = (zc - k * _LN2_HI) - k * _LN2_LO
        # Estrin's scheme: four dependent steps instead of Horner's thirteen, which matters
        # when a row is a single vector (4 patterns).
        r2 = r * r
        r4 = r2 * r2
        q = (((_C0 + _C1 * r) + (_C2 + _C3 * r) * r2)
             + ((_C4 + _C5 * r) + (_C6 + _C7 * r) * r2) * r4) \
            + (((_C8 + _C9 * r) + (_C10 + _C11 * r) * r2)
               + (_C12 + _C13 * r) * r4) * (r4 * r4)
        scale[p] = (np.int64(k) + 1023) << 52
        row[p] = q if z <= _EXP_OVERFLOW else -1.0  # -1: a marker for y = 0 below
    two_k = scale.view(np.float64)
    for p in range(n):
        e = row[p] * two_k[p]
        row[p] = 1.0 / (1.0 + e) if e >= 0.0 else 0.0


@_inline
def dot(a, b):
    """sum_p a[p] b[p] in four interleaved partial sums (a fixed order; faster than one)."""
    n = a.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    m = n - n % 4
    for p in range(0, m, 4):
        s0 += a[p] * b[p]
        s1 += a[p + 1] * b[p + 1]
        s2 += a[p + 2] * b[p + 2]
        s3 += a[p + 3] * b[p + 3]
    for p in range(m, n):
        s0 += a[p] * b[p]
    return (s0 + s1) + (s2 + s3)


@_inline
def total(a):
    """sum_p a[p], in the order of :func:`dot`."""
    n = a.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    m = n - n % 4
    for p in range(0, m, 4):
        s0 += a[p]
        s1 += a[p + 1]
        s2 += a[p + 2]
        s3 += a[p + 3]
    for p in range(m, n):
        s0 += a[p]
    return (s0 + s1) + (s2 + s3)


@_jit
def _kernel(theta, velocity, first, done, stopped, final_error, final_activity, trace,
            sweep_from, sweep_to, budget, template, targets, mask, n_train,
            offset, size, compute, incoming, source, weight, outgoing, out_target, out_weight,
            bias, tanh, mean, margin, on_above, off_below, to_bound,
            eps, alpha, decays, decay_factor, kinds, values, stop_index):
    """Sweeps ``sweep_from`` .. ``sweep_to - 1`` of every network not yet ``done``.

    Per network i and sweep s: forward pass, error and its output derivative, the criteria
    (``first[i, m]`` gets s the first time criterion m holds), then, unless the network
    stops here (its stop criterion met, or s == budget), the backward pass and one weight
    change. ``trace[i, s - sweep_from]`` gets the error. A network that stops records
    ``stopped[i] = s``, its error and its activities, and is ``done``.

    Shapes: theta, velocity (n, W); first (n, M); template (U, P) with the input rows
    filled; targets (n_out, P); mask (n, P) 1.0 for training cases; trace (n, S);
    final_activity (n, U, P); eps, alpha, decays (budget + 1,).
    """
    n = theta.shape[0]
    n_units, n_cases = template.shape
    n_compute = compute.shape[0]
    out = compute[n_compute - 1]
    o0, n_out = offset[out], size[out]
    for i in range(n):
        if done[i]:
            continue
        w = theta[i]
        v = velocity[i]
        act = template.copy()
        delta = np.zeros((n_units, n_cases))
        grad = np.zeros(w.shape[0])
        scale = np.empty(size.max() * n_cases, dtype=np.int64)
        error_scale = 1.0 / (n_train[i] * n_out) if mean else 1.0
        for s in range(sweep_from, sweep_to):
            # Forward pass (eqs 1-2).
            for c in range(n_compute):
                g = compute[c]
                g0, gn = offset[g], size[g]
                for j in range(gn):
                    row = act[g0 + j]
                    b = w[bias[g] + j] if bias[g] >= 0 else 0.0
                    for p in range(n_cases):
                        row[p] = b
                    for q in range(incoming[c], incoming[c + 1]):
                        src = source[q]
                        s0, sn = offset[src], size[src]
                        base = weight[q] + j * sn
                        for k in range(sn):
                            wk = w[base + k]
                            a = act[s0 + k]
                            for p in range(n_cases):
                                row[p] += wk * a[p]
                # The whole group at once: its rows are contiguous in act.
                block = act[g0:g0 + gn].reshape(gn * n_cases)
                if tanh:
                    for p in range(block.shape[0]):
                        block[p] = np.tanh(block[p])
                else:
                    logistic_row(block, scale[:gn * n_cases])
            # Error (eq. 3), its derivative into delta's output rows, and the criteria.
            error = 0.0
            max_abs = 0.0
            all_correct = True
            for j in range(n_out):
                y_row = act[o0 + j]
                d_row = delta[o0 + j]
                for p in range(n_cases):
                    y, d, m = y_row[p], targets[j, p], mask[i, p]
                    r = y - d
                    if margin:
                        on = d >= 0.5
                        if on:
                            sat = y >= on_above
                            t = on_above if to_bound else d
                        else:
                            sat = y <= off_below
                            t = off_below if to_bound else d
                        r = 0.0 if sat else y - t
                    r = r * m
                    if mean:
                        r = r * error_scale
                    error += r * r
                    d_row[p] = r
                    gap = abs(y - d) * m
                    if gap > max_abs:
                        max_abs = gap
                    if m != 0.0 and (y > 0.5) != (d > 0.5):
                        all_correct = False
            error = 0.5 * error / error_scale if mean else 0.5 * error
            trace[i, s - sweep_from] = error
            for m_ in range(kinds.shape[0]):
                kind = kinds[m_]
                if kind == 1:
                    hit = error < values[m_]
                elif kind == 2:
                    hit = all_correct
                elif kind == 3:
                    hit = max_abs < values[m_]
                else:
                    hit = False
                if hit and first[i, m_] < 0:
                    first[i, m_] = s
            if (stop_index >= 0 and first[i, stop_index] >= 0) or s == budget:
                done[i] = True
                stopped[i] = s
                final_error[i] = error
                final_activity[i] = act
                break
            # Backward pass (eqs 4-7): deltas of the output, then of each earlier group.
            for c in range(n_compute - 1, -1, -1):
                g = compute[c]
                g0, gn = offset[g], size[g]
                for j in range(gn):
                    d_row = delta[g0 + j]
                    if c != n_compute - 1:
                        for p in range(n_cases):
                            d_row[p] = 0.0
                        for q in range(outgoing[c], outgoing[c + 1]):
                            t = out_target[q]
                            t0, tn = offset[t], size[t]
                            for k in range(tn):
                                wk = w[out_weight[q] + k * gn + j]
                                dt = delta[t0 + k]
                                for p in range(n_cases):
                                    d_row[p] += wk * dt[p]
                    y_row = act[g0 + j]
                    if tanh:
                        for p in range(n_cases):
                            d_row[p] *= 1.0 - y_row[p] * y_row[p]
                    else:
                        for p in range(n_cases):
                            d_row[p] *= y_row[p] * (1.0 - y_row[p])
            # Gradients (eq. 6; tied weights sum over their uses) and the change (eq. 9).
            grad[:] = 0.0
            for c in range(n_compute):
                g = compute[c]
                g0, gn = offset[g], size[g]
                for j in range(gn):
                    d_row = delta[g0 + j]
                    for q in range(incoming[c], incoming[c + 1]):
                        src = source[q]
                        s0, sn = offset[src], size[src]
                        base = weight[q] + j * sn
                        for k in range(sn):
                            grad[base + k] += dot(d_row, act[s0 + k])
                    if bias[g] >= 0:
                        grad[bias[g] + j] = total(d_row)
            e, al = eps[s], alpha[s]
            for x in range(w.shape[0]):
                v[x] = al * v[x] - e * grad[x]
                w[x] += v[x]
                if decays[s]:
                    w[x] *= decay_factor




def rule_arrays(rule, budget: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """eps, alpha and whether the decay applies, at each sweep 0..budget, from the rule."""
    sweeps = np.arange(budget + 1)
    eps = np.empty(budget + 1)
    alpha = np.empty(budget + 1)
    for phase in sorted(rule.phases, key=lambda ph: ph.start):
        eps[sweeps >= phase.start] = phase.eps
        alpha[sweeps >= phase.start] = phase.alpha
    decays = (rule.weight_decay > 0) & (sweeps >= rule.decay_start)
    return eps, alpha, decays


def train_block(spec: NetworkSpec, patterns, config, seeds: np.ndarray,
                case_mask: np.ndarray | None, initial: dict[str, np.ndarray], progress):
    """:func:`backprop86.trainer.train` on one block of networks, with the compiled kernel.

    Returns the same :class:`~backprop86.records.EnsembleRecords` as the numpy core.
    """
    from . import criteria as criteria_mod
    from .records import EnsembleRecords

    check_backend("numba")
    program = Program.of(spec)
    k, n_cases = len(seeds), patterns.n_cases
    rec = EnsembleRecords.empty(spec, seeds, config, n_cases, initial)
    template = np.zeros((program.n_units, n_cases))
    for i, g in enumerate(spec.inputs):  # input groups come first in the program
        template[program.offset[i]:program.offset[i] + program.size[i]] = \
            np.asarray(patterns.inputs[g], dtype=np.float64).T
    targets = np.ascontiguousarray(np.asarray(patterns.targets, dtype=np.float64).T)
    mask = np.ones((k, n_cases)) if case_mask is None else case_mask.astype(np.float64)
    n_train = mask.sum(axis=1)
    rule = config.rule
    eps, alpha, decays = rule_arrays(rule, config.budget)
    monitors = [criteria_mod.parse(name) for name in config.monitor]
    kinds = np.array([KIND_CODES[c.kind] for c in monitors], dtype=np.int64)
    values = np.array([c.value or 0.0 for c in monitors], dtype=np.float64)
    stop_index = config.monitor.index(config.stop) if config.stop != "budget" else -1
    error = config.error
    margin = error.margin is not None
    on_above, off_below = error.margin if margin else (1.0, 0.0)

    live = np.arange(k)
    theta = program.flatten(initial)
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
        final_activity = np.zeros((n, program.n_units, n_cases))
        trace = np.full((n, end - sweep), np.nan)  # each network's errors side by side
        _kernel(
            theta, velocity, first, done, stopped, final_error, final_activity, trace,
            sweep, end, config.budget, template, targets, mask, n_train,
            program.offset, program.size, program.compute, program.incoming, program.source,
            program.weight, program.outgoing, program.out_target, program.out_weight,
            program.bias, program.tanh, error.reduction == "mean", margin, on_above,
            off_below, error.margin_mode == "to_bound", eps, alpha, decays,
            1.0 - rule.weight_decay, kinds, values, stop_index)
        rec.store_trace_block(live, sweep, trace)
        for m in range(len(monitors)):
            rec.first_sweep[m][live] = first[:, m]
        if done.any():
            activity = {g: final_activity[:, program.offset[i]:program.offset[i]
                                          + program.size[i]]
                        for i, g in enumerate([*spec.inputs, *spec.order])
                        if g in spec.order}
            rec.finish(live[done], stopped[done], final_error[done],
                       program.unflatten(theta), activity, done)
            keep = ~done
            live, theta, velocity, first = live[keep], theta[keep], velocity[keep], first[keep]
            mask, n_train = mask[keep], n_train[keep]
            if len(live):
                progress(k - len(live), k)
        sweep = end
    progress(k, k)
    rec.fill_snapshots()
    return rec
