"""The compiled pieces of the numba backend (see :mod:`backprop86.compiled`): the logistic,
the sums, the error and criteria, the weight change, and the passes of a general network.
:mod:`backprop86.codegen` puts them together into the kernel that trains a block of networks.

Imported only when the numba backend runs, so that numba (and LLVM) is not loaded by
anything else: the numpy core, the tables, the figures, the report.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .codegen import LONG_ROWS

# How the kernel is compiled. ``contract`` lets LLVM fuse a * b + c into one FMA, which is
# faster and at least as accurate. Only :func:`dot` may also reorder its sum (``reassoc``),
# so that LLVM vectorises it (4-5 times faster, the weight gradient's whole cost): its order
# is then LLVM's, fixed in the compiled code, so a network's bits still depend only on its
# seed and settings on a given machine. The tests also run the kernel's source in the
# Python interpreter (``kernel.py_func``) as a check on the compiled code.
#
# Every function takes flat arrays and offsets into them, never slices: a slice is a new
# array whose reference count is kept by atomic operations, which cost more than a tiny
# network's arithmetic. An activity or delta array is (U P,), unit u's patterns at u P.
# Indices are unsigned (``_u``): numba checks a signed index for a negative value, and that
# check, on an offset LLVM cannot prove positive, stops it vectorising the loop.
_u = np.uint64
_jit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
_inline = numba.njit(inline="always", error_model="numpy", fastmath={"contract"})
_reordered = numba.njit(cache=True, nogil=True, error_model="numpy",
                        fastmath={"contract", "reassoc"})

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
_SHIFTER = 1.5 * 2.0 ** 52
_SHIFTER_BITS = 0x4338000000000000  # the bits of _SHIFTER as a float64


@_inline
def logistic(a, start, n, scale):
    """In place, y = 1 / (1 + exp(-x)) for every x of ``a[start : start + n]``.

    ``scale`` is int64 scratch of at least n numbers (it holds the bits of 2^k).
    """
    shifted = scale.view(np.float64)
    base = _u(start)
    for p in range(_u(n)):
        z = -a[base + p]
        zc = min(max(z, _Z_LOW), _Z_HIGH)
        # k = round(zc / ln 2) without a float-to-int conversion, which AVX2 lacks and
        # which would stop LLVM vectorising this loop: adding 1.5 * 2^52 rounds to an
        # integer that lands in the low bits of the sum.
        kd = zc * _LOG2E + _SHIFTER
        k = kd - _SHIFTER
        r = (zc - k * _LN2_HI) - k * _LN2_LO
        # Estrin's scheme: four dependent steps instead of Horner's thirteen, which matters
        # when a row is a single vector (4 patterns).
        r2 = r * r
        r4 = r2 * r2
        q = (((_C0 + _C1 * r) + (_C2 + _C3 * r) * r2)
             + ((_C4 + _C5 * r) + (_C6 + _C7 * r) * r2) * r4) \
            + (((_C8 + _C9 * r) + (_C10 + _C11 * r) * r2)
               + (_C12 + _C13 * r) * r4) * (r4 * r4)
        shifted[p] = kd
        a[base + p] = q if z <= _EXP_OVERFLOW else np.inf  # so y = 1 / (1 + inf) = 0
    for p in range(_u(n)):  # the bits of kd hold k + those of 1.5 * 2^52; make them 2^k's
        scale[p] = (scale[p] - _SHIFTER_BITS + 1023) << 52
    for p in range(_u(n)):  # no branch, so that LLVM vectorises the division too
        a[base + p] = 1.0 / (1.0 + a[base + p] * shifted[p])


@_reordered
def dot(a, i, b, j, n):
    """sum_p a[i + p] b[j + p] over p < n, vectorised by LLVM in an order of its choosing
    (see ``_reordered``)."""
    s = 0.0
    ia, jb = _u(i), _u(j)
    for p in range(_u(n)):
        s += a[ia + p] * b[jb + p]
    return s


@_inline
def dot4(a, i, b, j, n):
    """sum_p a[i + p] b[j + p] over p < n in four interleaved partial sums over p mod 4,
    the rest into the first (a fixed order); inline, so cheaper than :func:`dot` for short
    rows."""
    s0 = s1 = s2 = s3 = 0.0
    a0, a1, a2, a3 = _u(i), _u(i + 1), _u(i + 2), _u(i + 3)
    b0, b1, b2, b3 = _u(j), _u(j + 1), _u(j + 2), _u(j + 3)
    m = n - n % 4
    for p in range(_u(0), _u(m), _u(4)):
        s0 += a[a0 + p] * b[b0 + p]
        s1 += a[a1 + p] * b[b1 + p]
        s2 += a[a2 + p] * b[b2 + p]
        s3 += a[a3 + p] * b[b3 + p]
    for p in range(_u(m), _u(n)):
        s0 += a[a0 + p] * b[b0 + p]
    return (s0 + s1) + (s2 + s3)


@_inline
def total(a, i, n):
    """sum_p a[i + p] over p < n, in the order of :func:`dot4`."""
    s0 = s1 = s2 = s3 = 0.0
    a0, a1, a2, a3 = _u(i), _u(i + 1), _u(i + 2), _u(i + 3)
    m = n - n % 4
    for p in range(_u(0), _u(m), _u(4)):
        s0 += a[a0 + p]
        s1 += a[a1 + p]
        s2 += a[a2 + p]
        s3 += a[a3 + p]
    for p in range(_u(m), _u(n)):
        s0 += a[a0 + p]
    return (s0 + s1) + (s2 + s3)


@_inline
def residuals(y, t, m, r, start, n_out, n_cases, margin, on_above, off_below, to_bound,
              error_scale):
    """r = dE/dy of eq. 3 for the output units at ``start`` of y and r (t: their targets,
    (n_out P,)), times the case mask ``m`` and the reduction's ``error_scale`` (1 for the
    paper's sum). Under a margin, a unit beyond its bound has no error; otherwise its
    target is the bound (``to_bound``) or the 0/1 value. No branch on the data, so that
    LLVM vectorises the loop.
    """
    for j in range(n_out):
        row, t_row = _u(start + j * n_cases), _u(j * n_cases)
        for p in range(_u(n_cases)):
            y_, t_ = y[row + p], t[t_row + p]
            if margin:
                on = t_ >= 0.5
                sat = y_ >= on_above if on else y_ <= off_below
                bound = (on_above if on else off_below) if to_bound else t_
                diff = 0.0 if sat else y_ - bound
            else:
                diff = y_ - t_
            r[row + p] = (diff * m[p]) * error_scale


@_inline
def misses(y, t, m, start, n_out, n_cases):
    """max |y - t| over the output units at ``start`` and the training cases, and whether
    every one of them is on the right side of 0.5 (the ``within`` and ``correct_side``
    criteria)."""
    gap = 0.0
    wrong = 0
    for j in range(n_out):
        row, t_row = _u(start + j * n_cases), _u(j * n_cases)
        for p in range(_u(n_cases)):
            y_, t_ = y[row + p], t[t_row + p]
            g = abs(y_ - t_) * m[p]
            gap = g if g > gap else gap
            wrong += (m[p] != 0.0) & ((y_ > 0.5) != (t_ > 0.5))
    return gap, wrong == 0


@_inline
def add_products(out, row, w, first, stride, src, r0, n, n_cases):
    """out[row + p] += sum_k w[first + k stride] src[r0 + k P + p] for k < n, in order of k.

    Four source rows per pass over the row (one load and store of it, not four): the same
    operations in the same order as one row at a time, so the same bits.
    """
    o = _u(row)
    k = 0
    while k + 4 <= n:
        w0, w1 = w[first + k * stride], w[first + (k + 1) * stride]
        w2, w3 = w[first + (k + 2) * stride], w[first + (k + 3) * stride]
        b0, b1 = _u(r0 + k * n_cases), _u(r0 + (k + 1) * n_cases)
        b2, b3 = _u(r0 + (k + 2) * n_cases), _u(r0 + (k + 3) * n_cases)
        for p in range(_u(n_cases)):
            out[o + p] = ((((out[o + p] + w0 * src[b0 + p]) + w1 * src[b1 + p])
                           + w2 * src[b2 + p]) + w3 * src[b3 + p])
        k += 4
    while k < n:
        wk, b = w[first + k * stride], _u(r0 + k * n_cases)
        for p in range(_u(n_cases)):
            out[o + p] += wk * src[b + p]
        k += 1


@_inline
def fill(a, start, n, value):
    """a[start : start + n] = value."""
    base = _u(start)
    for p in range(_u(n)):
        a[base + p] = value


@_inline
def activate(a, start, n, scale, tanh):
    """In place, the units' activation function of every net input in a[start : start + n]."""
    if tanh:
        base = _u(start)
        for p in range(_u(n)):
            a[base + p] = np.tanh(a[base + p])
    else:
        logistic(a, start, n, scale)


@_inline
def slope(d, a, start, n, tanh):
    """In place, d *= dy/dx over [start, start + n): y (1 - y) for logistic units (eq. 5),
    1 - y^2 for tanh."""
    base = _u(start)
    if tanh:
        for p in range(_u(n)):
            d[base + p] *= 1.0 - a[base + p] * a[base + p]
    else:
        for p in range(_u(n)):
            d[base + p] *= a[base + p] * (1.0 - a[base + p])


@_inline
def note_criteria(first, i, s, error, all_correct, max_abs, kinds, values):
    """first[i, m] = s for every criterion m that holds at sweep s for the first time."""
    for m in range(kinds.shape[0]):
        kind = kinds[m]
        if kind == 1:
            hit = error < values[m]
        elif kind == 2:
            hit = all_correct
        elif kind == 3:
            hit = max_abs < values[m]
        else:
            hit = False
        if hit and first[i, m] < 0:
            first[i, m] = s


@_inline
def change_weights(w, v, grad, eps, alpha, decay, decay_factor):
    """Eq. 9: v = alpha v - eps dE/dw, w += v; then w *= decay_factor if ``decay``."""
    for x in range(w.shape[0]):
        v[x] = alpha * v[x] - eps * grad[x]
        w[x] += v[x]
        if decay:
            w[x] *= decay_factor


# The passes of any network, walking the index arrays of a compiled.Program (``net``). The
# kernel of a small network has its own, written out for its shapes by backprop86.codegen.

@_inline
def forward(w, act, scale, tanh, net, n_cases):
    """Eqs 1-2 for every non-input group, in order; the input rows of act are filled."""
    offset, size, compute, incoming, source, weight, _, _, _, bias = net
    for c in range(compute.shape[0]):
        g = compute[c]
        g0, gn = offset[g], size[g]
        for j in range(gn):
            row = (g0 + j) * n_cases
            fill(act, row, n_cases, w[bias[g] + j] if bias[g] >= 0 else 0.0)
            for q in range(incoming[c], incoming[c + 1]):
                sn = size[source[q]]
                add_products(act, row, w, weight[q] + j * sn, 1, act,
                             offset[source[q]] * n_cases, sn, n_cases)
        # The whole group at once: its rows are contiguous.
        activate(act, g0 * n_cases, gn * n_cases, scale, tanh)


@_inline
def backward(w, act, delta, tanh, net, n_cases):
    """Eqs 4-7: delta's output rows hold dE/dy; make them dE/dx, then those of each
    earlier group, back to the first."""
    offset, size, compute, _, _, _, outgoing, out_target, out_weight, _ = net
    n_compute = compute.shape[0]
    for c in range(n_compute - 1, -1, -1):
        g = compute[c]
        g0, gn = offset[g], size[g]
        for j in range(gn):
            row = (g0 + j) * n_cases
            if c != n_compute - 1:
                fill(delta, row, n_cases, 0.0)
                for q in range(outgoing[c], outgoing[c + 1]):
                    t = out_target[q]
                    add_products(delta, row, w, out_weight[q] + j, gn, delta,
                                 offset[t] * n_cases, size[t], n_cases)
            slope(delta, act, row, n_cases, tanh)


@_inline
def gradient(act, delta, grad, net, n_cases):
    """Eq. 6, dE/dw for every weight; tied weights sum over their uses."""
    offset, size, compute, incoming, source, weight, _, _, _, bias = net
    long_rows = n_cases >= LONG_ROWS
    grad[:] = 0.0
    for c in range(compute.shape[0]):
        g = compute[c]
        g0, gn = offset[g], size[g]
        for j in range(gn):
            row = (g0 + j) * n_cases
            for q in range(incoming[c], incoming[c + 1]):
                s0, sn = offset[source[q]], size[source[q]]
                base = weight[q] + j * sn
                for k in range(sn):
                    a0 = (s0 + k) * n_cases
                    grad[base + k] += (dot(delta, row, act, a0, n_cases) if long_rows
                                       else dot4(delta, row, act, a0, n_cases))
            if bias[g] >= 0:
                grad[bias[g] + j] = total(delta, row, n_cases)
