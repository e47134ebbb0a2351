"""The compiled pieces of the numba backend (:mod:`backprop86.backends.numba`): the
logistic, the sums, the error and criteria, the weight change, and the passes of a general
network. :mod:`.codegen` puts them together into the kernel that trains a block of
networks. The matrix products and long sums are written here as Python (the tests'
reference) and compiled from the explicit vector code of :mod:`.vectors`.

Imported only when the numba backend runs, so that numba (and LLVM) is not loaded by
anything else: the numpy core, the tables, the figures, the report.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic, overload

from . import vectors
from .codegen import LONG_ROWS

# How the kernel is compiled. ``contract`` lets LLVM fuse a * b + c into one FMA, which is
# faster and at least as accurate; nothing may be reordered. The matrix products and the
# sums over long rows are explicit vector code (:mod:`.vectors`) with a stated order, so
# a network's bits depend only on its seed and settings on a given machine
# (and on whether it has AVX-512). The tests also run the kernel's source in the Python
# interpreter (``kernel.py_func``) as a check on the compiled code.
#
# Every function takes flat arrays and offsets into them, never slices: a slice is a new
# array whose reference count is kept by atomic operations, which cost more than a tiny
# network's arithmetic. An activity or delta array is (U P,), unit u's patterns at u P.
# Indices are unsigned (``_u``): numba checks a signed index for a negative value, and that
# check, on an offset LLVM cannot prove positive, stops it vectorising the loop.
_u = np.uint64
_jit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
_inline = numba.njit(inline="always", error_model="numpy", fastmath={"contract"})

def _bit_cast(source, target):
    """A numba intrinsic that reads a ``source`` number's bits as a ``target`` number of
    the same width (no conversion)."""
    @intrinsic
    def cast(typingctx, x):
        if x == source:
            def codegen(context, builder, signature, args):
                return builder.bitcast(args[0], context.get_value_type(target))
            return target(source), codegen
        return None
    return cast


def wide_vectors():
    """In a compiled function, a request to LLVM for 512-bit vectors in it; in the Python
    interpreter, nothing.

    On CPUs with AVX-512, LLVM prefers 256-bit vectors unless told otherwise (the
    ``prefer-256-bit`` tuning). Over rows of 16 patterns or more, 512-bit vectors train
    faster (family trees and symmetry: benchmarks/README.md). The
    request is an attribute of the calling function, set where it is compiled, not a
    setting of the process (``NUMBA_CPU_FEATURES``). A CPU without AVX-512 ignores it.
    """


def _function_attributes(function, *attributes):
    """Make ``function`` (a no-op in Python) give, when compiled, the LLVM function that
    calls it the named ``attributes``."""
    @intrinsic
    def add(typingctx):
        def codegen(context, builder, signature, args):
            for name in attributes:  # set.add: llvmlite refuses attributes with a value
                set.add(builder.function.attributes, name)
            return context.get_dummy_value()
        return types.none(), codegen

    # Inline, so that the intrinsic is compiled into the caller, not a function of its own.
    overload(function, inline="always")(lambda: lambda: add())


_function_attributes(wide_vectors, '"prefer-vector-width"="512"')


def _compiled_as(vector_code):
    """Make the decorated function, run by Python as written (the tests' reference), run
    ``vector_code`` (a :mod:`.vectors` intrinsic) where it is compiled."""
    def register(function):
        # A call, not inline="always": numba's inliner refuses *args.
        overload(function)(lambda *args: lambda *args: vector_code(*args))
        return function
    return register


@intrinsic
def _take_next(typingctx, counter):
    """counter[0] + 1 into counter[0], atomically; the value before."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, value=args[0])
        return builder.atomic_rmw("add", array.data, ir.Constant(ir.IntType(64), 1),
                                  "monotonic")
    return types.int64(counter), codegen


@_compiled_as(_take_next)
def take_next(counter):
    """The next of a count that threads share: counter[0], which goes up by one. Compiled,
    one atomic addition, so that threads running one kernel over the same networks each
    take a network no other does, until none is left (the fastest thread takes the most).
    In Python (tests), single-threaded, a plain addition."""
    taken = int(counter[0])
    counter[0] = taken + 1
    return taken


_bits = _bit_cast(types.float64, types.int64)  # a float64's bits as an int64
_from_bits = _bit_cast(types.int64, types.float64)  # and back


@_compiled_as(vectors.logistic)
def logistic(a, start, n):
    """In place, y = 1 / (1 + exp(-x)) for every x of ``a[start : start + n]``.

    Compiled, explicit vector code (:meth:`vectors._Vectors.logistic`: its own exp, a
    vector at a time, within 4 ulp of numpy's). In Python (tests), numpy's exp, as in the
    numpy core.
    """
    with np.errstate(over="ignore"):
        a[start:start + n] = 1.0 / (1.0 + np.exp(-a[start:start + n]))


@_compiled_as(vectors.add_outer_sums)
def add_outer_sums(grad, base, stride, d, d0, n_d, a, a0, n_a, n, active, u0):
    """grad[base + j stride + k] += sum_p d[d0 + j n + p] a[a0 + k n + p] for j < n_d,
    k < n_a, p < n: a projection's weight gradient (eq. 6), rows of n patterns.

    Compiled, explicit vector code (:func:`vectors.add_outer_sums`): each sum in lanes of
    patterns p = l (mod width), FMAs in order of p, the lanes then added in a stated
    order; a block of 4 x 6 sums in registers at once. The order is the code's, so the
    bits are the same from every caller (written-out kernel or general). If ``u0`` >= 0,
    the rows of ``a`` are input patterns and ``active[u0 + k]`` marks the vectors where
    row k is not all 0 (:func:`input_activity`); the others are skipped, which leaves
    every sum's bits as they were (their terms are exact zeros). In Python (tests),
    numpy's dot over every pattern: the same sums to within rounding.
    """
    for j in range(n_d):
        row = d[d0 + j * n:d0 + (j + 1) * n]
        for k in range(n_a):
            grad[base + j * stride + k] += np.dot(row, a[a0 + k * n:a0 + (k + 1) * n])


@_compiled_as(vectors.set_row_totals)
def set_row_totals(grad, base, d, d0, n_d, n):
    """grad[base + j] = sum_p d[d0 + j n + p] for j < n_d, p < n: the bias gradients of
    n_d units (eq. 6 with an always-on source), rows of n patterns. Compiled, explicit
    vector code in a stated order (:func:`vectors.set_row_totals`); :func:`total` is for
    short rows. In Python (tests), numpy's sum."""
    for j in range(n_d):
        grad[base + j] = np.sum(d[d0 + j * n:d0 + (j + 1) * n])


@_compiled_as(vectors.sum_of_squares)
def sum_of_squares(a, start, n):
    """sum_p a[start + p]^2 over p < n: the error of a long output (:func:`dot4` for short
    ones). Compiled, explicit vector code in a stated order (:func:`vectors.sum_of_squares`).
    In Python (tests), numpy's dot."""
    return float(np.dot(a[start:start + n], a[start:start + n]))


_NO_WORDS = np.zeros(0, dtype=np.int64)  # no input_activity: every source or vector


@_compiled_as(vectors.width)
def vector_width():
    """The lanes of the vector code (8 with AVX-512, else 4); in Python (tests), 8."""
    return 8


@_inline
def input_activity(act, net, n_cases):
    """Where the input patterns are 0, for :func:`add_products_rows` and
    :func:`add_outer_sums` to skip (inputs are often one-hot: in any 16 patterns of family
    trees, 2-5 of the 24 person units are ever on).

    Returns an int64 array: for group g, word g is where its words of sources start (or
    -1: not an input group, or over 64 units), word n_groups + g where its words of
    vectors start (or -1: not an input group, or over 64 vectors of patterns). Source
    words: bit k of word (start + v) is set if unit k of the group is not 0 in some
    pattern of vector v (patterns v W .. v W + W - 1, W = :func:`vector_width`). Vector
    words: bit v of word (start + k) likewise, for unit k.
    """
    offset, size, compute = net[0], net[1], net[2]
    n_groups = offset.shape[0]
    lanes = vector_width()
    n_vectors = (n_cases + lanes - 1) // lanes
    is_input = np.ones(n_groups, dtype=np.bool_)
    is_input[compute] = False
    words = np.full(2 * n_groups, -1, dtype=np.int64)
    n_words = 2 * n_groups
    for g in range(n_groups):
        if is_input[g] and size[g] <= 64:
            words[g] = n_words
            n_words += n_vectors
        if is_input[g] and n_vectors <= 64:
            words[n_groups + g] = n_words
            n_words += size[g]
    active = np.zeros(n_words, dtype=np.int64)
    active[:2 * n_groups] = words
    for g in range(n_groups):
        for k in range(size[g] if is_input[g] else 0):
            row = (offset[g] + k) * n_cases
            for p in range(n_cases):
                if act[row + p] != 0.0:
                    if words[g] >= 0:
                        active[words[g] + p // lanes] |= np.int64(1) << k
                    if words[n_groups + g] >= 0:
                        active[words[n_groups + g] + k] |= np.int64(1) << (p // lanes)
    return active


@_inline
def dot4(a, i, b, j, n):
    """sum_p a[i + p] b[j + p] over p < n in four interleaved partial sums over p mod 4,
    the rest into the first (a fixed order); inline, so cheaper than
    :func:`add_outer_sums` for short rows."""
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
    criteria).

    The maximum is taken over the numbers' bits, which order as the numbers do for
    non-negative doubles: an integer maximum vectorises where a float one may not (LLVM
    would need leave to ignore NaN). A NaN gap wins, as in numpy's max: ``within`` fails.
    """
    gap = 0
    wrong = 0
    for j in range(n_out):
        row, t_row = _u(start + j * n_cases), _u(j * n_cases)
        for p in range(_u(n_cases)):
            y_, t_ = y[row + p], t[t_row + p]
            gap = max(gap, _bits(abs(y_ - t_) * m[p]))
            wrong += (m[p] != 0.0) & ((y_ > 0.5) != (t_ > 0.5))
    return _from_bits(gap), wrong == 0


@_compiled_as(vectors.add_products_rows)
def add_products_rows(out, row, n_rows, w, first, row_stride, stride, src, r0, n, n_cases,
                      start, act, finish, active, a0):
    """A projection's share of its target units' net inputs (eqs 1) or deltas (eq. 7):
    out[row + j P + p] = x_j(p) + sum_k w[first + j row_stride + k stride] src[r0 + k P + p]
    for j < n_rows, p < P (= n_cases), the terms in order of k.

    x_j(p) is out's own value if ``start`` is ``vectors.FROM_OUT``, 0 if it is
    ``vectors.FROM_ZERO``, else the bias w[start + j]. Then ``finish``: ``vectors.KEEP``
    leaves the sums; ``LOGISTIC_SLOPE`` and ``TANH_SLOPE`` multiply them by the slope of the
    units, y (1 - y) or 1 - y^2, y = act[row + j P + p] (eq. 7's last factor, eq. 5's for
    logistic units), without another pass over them.

    Compiled, each term is one FMA: x = fma(w, s, x), k = 0, 1, ..., a chain whose bits
    depend on nothing else (not the vector width, not the blocking), so the written-out
    passes of codegen, FMAs in the same order, give the same bits. It is explicit vector
    code (:func:`vectors.add_products_rows`): six rows times two vectors of patterns
    summed in registers over all k. If ``a0`` >= 0, the rows of ``src`` are input
    patterns and ``active[a0 + v]`` marks the sources that are not all 0 in vector v
    (:func:`input_activity`); a block of vectors skips the others, whose terms
    fma(w, 0, x) = x change nothing but the sign of a sum that is exactly 0 (which the
    logistic does not see). In Python (tests), every source, and a * b + c rounds twice:
    the same sums to within rounding, not the same bits.
    """
    for j in range(n_rows):
        o = row + j * n_cases
        if start == vectors.FROM_ZERO:
            out[o:o + n_cases] = 0.0
        elif start >= 0:
            out[o:o + n_cases] = w[start + j]
        for k in range(n):
            s = r0 + k * n_cases
            out[o:o + n_cases] += w[first + j * row_stride + k * stride] * src[s:s + n_cases]
        if finish != vectors.KEEP:
            slope(out, act, o, n_cases, finish == vectors.TANH_SLOPE)


@_compiled_as(vectors.output_errors)
def output_errors(y, t, m, d, start, n, margin, on_above, off_below, to_bound, error_scale,
                  tanh):
    """For the output rows, flat: :func:`residuals` into d[start : start + n] (t, m: the
    targets and the case mask, (n,)), their :func:`sum_of_squares`, the :func:`misses` of y,
    then d times the units' :func:`slope`, so that d holds dE/dx (eq. 5). Returns (the sum
    of squares, the largest gap, whether every case is on the right side).

    Compiled, all in one pass over the rows (:func:`vectors.output_errors`), the squares
    summed in the order of :func:`sum_of_squares`: the same bits as these four passes,
    which, over 24 rows of 104 patterns (family trees), took four times as long. Rows of
    fewer than ``LONG_ROWS`` patterns use the four functions themselves (the kernel's
    squares are then :func:`dot4`'s).
    """
    residuals(y, t, m, d, start, 1, n, margin, on_above, off_below, to_bound, error_scale)
    squares = sum_of_squares(d, start, n)
    gap, all_correct = misses(y, t, m, start, 1, n)
    slope(d, y, start, n, tanh)
    return squares, gap, all_correct


@_inline
def activate(a, start, n, tanh):
    """In place, the units' activation function of every net input in a[start : start + n]."""
    if tanh:
        base = _u(start)
        for p in range(_u(n)):
            a[base + p] = np.tanh(a[base + p])
    else:
        logistic(a, start, n)


@_inline
def slope(d, a, start, n, tanh):
    """In place, d *= dy/dx over [start, start + n): y (1 - y) for logistic units (eq. 5),
    1 - y^2 for tanh. Not a product's last step: an output's (:func:`output_errors`)."""
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


# The passes of any network, walking the index arrays of a program.Program (``net``). The
# kernel of a small network has its own, written out for its shapes by .codegen.

@_inline
def forward(w, act, tanh, net, n_cases, active, distinct, compact):
    """Eqs 1-2 for every non-input group, in order; the input rows of act are filled, and
    ``active`` says where they are 0 (:func:`input_activity`).

    A group fed by input groups alone, whose sources take few distinct patterns (family
    trees: 24 people in 104 cases), is computed once per distinct pattern in ``compact``
    and copied to each case (``distinct``: see :func:`.program.distinct_inputs`):
    the same sums and logistic of the same numbers, so the same bits, in a fraction of
    the work.
    """
    offset, size, compute, incoming, source, weight, _, _, _, bias = net
    for c in range(compute.shape[0]):
        g = compute[c]
        g0, gn = offset[g], size[g]
        at = distinct[c]
        # Where this group's sums and its sources' rows are, and their patterns: in act,
        # or in compact (its distinct patterns, none all 0: no words of input activity).
        out, row, n, words = act, g0 * n_cases, n_cases, active
        if at >= 0:
            out, row, n, words = compact, distinct[at + 1], distinct[at], _NO_WORDS
        for q in range(incoming[c], incoming[c + 1]):
            sn = size[source[q]]
            # The first projection (every group has one: network._validate) starts from the
            # bias; later ones add to the sums.
            start = vectors.FROM_OUT
            if q == incoming[c]:
                start = bias[g] if bias[g] >= 0 else vectors.FROM_ZERO
            src0, a0 = offset[source[q]] * n_cases, active[source[q]]
            if at >= 0:
                src0, a0 = distinct[at + 3 + q - incoming[c]], -1
            add_products_rows(out, row, gn, w, weight[q], sn, 1, out, src0, sn, n, start, out,
                              vectors.KEEP, words, a0)
        # The whole group at once: its rows are contiguous. (In the products' registers
        # instead, the logistic made a family-trees sweep slower.)
        activate(out, row, gn * n, tanh)
        if at >= 0:
            copy_cases(act, g0 * n_cases, compact, row, n, gn, distinct, distinct[at + 2],
                       n_cases)


@_inline
def copy_cases(act, a0, compact, c0, n, rows, distinct, m0, n_cases):
    """act[a0 + j P + p] = compact[c0 + j n + distinct[m0 + p]] for j < rows, p < P: each
    case's values from its distinct pattern's."""
    for j in range(rows):
        to, source = _u(a0 + j * n_cases), _u(c0 + j * n)
        for p in range(_u(n_cases)):
            act[to + p] = compact[source + _u(distinct[_u(m0) + p])]


@_inline
def backward(w, act, delta, tanh, net, n_cases):
    """Eqs 4-7: delta's output rows hold dE/dx (:func:`output_errors`); fill those of
    each earlier group, back to the first."""
    offset, size, compute, _, _, _, outgoing, out_target, out_weight, _ = net
    kind = vectors.TANH_SLOPE if tanh else vectors.LOGISTIC_SLOPE
    for c in range(compute.shape[0] - 2, -1, -1):
        g = compute[c]
        g0, gn = offset[g], size[g]
        # Every group but the output feeds another (network._validate). The first
        # projection starts from 0; the last multiplies by the units' slope.
        for q in range(outgoing[c], outgoing[c + 1]):
            t = out_target[q]
            start = vectors.FROM_ZERO if q == outgoing[c] else vectors.FROM_OUT
            last = kind if q == outgoing[c + 1] - 1 else vectors.KEEP
            add_products_rows(delta, g0 * n_cases, gn, w, out_weight[q], 1, gn, delta,
                              offset[t] * n_cases, size[t], n_cases, start, act, last,
                              _NO_WORDS, -1)


@_inline
def gradient(act, delta, grad, net, n_cases, active):
    """Eq. 6, dE/dw for every weight; tied weights sum over their uses. ``active``: where
    the input rows are 0 (:func:`input_activity`)."""
    offset, size, compute, incoming, source, weight, _, _, _, bias = net
    n_groups = offset.shape[0]
    long_rows = n_cases >= LONG_ROWS
    grad[:] = 0.0
    for c in range(compute.shape[0]):
        g = compute[c]
        g0, gn = offset[g], size[g]
        for q in range(incoming[c], incoming[c + 1]):
            s0, sn = offset[source[q]] * n_cases, size[source[q]]
            if long_rows:
                add_outer_sums(grad, weight[q], sn, delta, g0 * n_cases, gn, act, s0, sn,
                               n_cases, active, active[n_groups + source[q]])
            else:
                for j in range(gn):
                    for k in range(sn):
                        grad[weight[q] + j * sn + k] += dot4(delta, (g0 + j) * n_cases, act,
                                                             s0 + k * n_cases, n_cases)
        if bias[g] >= 0 and long_rows:
            set_row_totals(grad, bias[g], delta, g0 * n_cases, gn, n_cases)
        elif bias[g] >= 0:
            for j in range(gn):
                grad[bias[g] + j] = total(delta, (g0 + j) * n_cases, n_cases)
