"""The compiled loops of the numba backend (see :mod:`backprop86.compiled`): the logistic,
two fixed-order sums and the kernel that trains a block of networks.

Imported only when the numba backend runs, so that numba (and LLVM) is not loaded by
anything else: the numpy core, the tables, the figures, the report.
"""

from __future__ import annotations

import math

import numba
import numpy as np

# How the kernel is compiled. ``contract`` lets LLVM fuse a * b + c into one FMA, which is
# faster and at least as accurate; no flag that reorders sums (``reassoc``) is set, so the
# compiled code fixes each network's order of operations. The tests also run the kernel's
# source in the Python interpreter (``_kernel.py_func``) as a check on the compiled code.
_jit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
_inline = numba.njit(inline="always", error_model="numpy", fastmath={"contract"})

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
