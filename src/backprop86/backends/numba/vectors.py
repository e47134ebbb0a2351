"""The numba kernel's matrix products and long sums as explicit LLVM vector code (numba
intrinsics): a projection's share of its targets' net inputs or deltas
(:func:`add_products_rows`, which also starts from the bias and ends with the units'
slope), its weight gradient (:func:`add_outer_sums`), the bias gradients
(:func:`set_row_totals`), the error (:func:`sum_of_squares`; :func:`output_errors` with
the output deltas and the criteria's misses in the same pass), and the logistic
(:func:`logistic`, the same numbers as LLVM made of the scalar code it replaced, from two
operations fewer per vector).

LLVM's loop vectoriser widens only innermost loops. Here the loop over a projection's
sources (or a gradient's patterns) sits inside the loop over patterns (or weights), so that
a block of sums stays in registers while it runs: 6 target rows x 2 vectors of patterns for
the products, 4 x 6 weights for the gradient. Written as scalar loops, the same work runs
much slower (benchmarks/README.md measures both).

Input rows that are 0 over a whole block of patterns (one-hot inputs) are skipped: their
terms are exact zeros, so the sums' bits stay those of the stated order.

Every sum's order is stated, never LLVM's choice, and tests/test_vectors.py checks each
against an exact emulation of it. A vector has 8 lanes on a CPU with AVX-512 and 4
elsewhere; the products' bits do not depend on it, the sums' do (their lanes are partial
sums). Imported only by :mod:`.kernel`, with numba.
"""
from __future__ import annotations

import math

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

# How add_products_rows starts each sum (else from a bias: its index in the weights) and
# what it does to the sums at the end: nothing, or multiply them by the units' slope.
FROM_OUT, FROM_ZERO = -2, -1
KEEP, LOGISTIC_SLOPE, TANH_SLOPE = 0, 1, 2

PRODUCT_ROWS, PRODUCT_VECTORS = 6, 2  # a block of products: rows x vectors of patterns
GRADIENT_ROWS, GRADIENT_SOURCES = 4, 6  # a block of gradient sums: delta x activity rows
TOTAL_ROWS = 6  # rows of bias gradients summed at once
SQUARE_VECTORS = 4  # vectors of squares summed at once, one partial sum each

_I32, _I64 = ir.IntType(32), ir.IntType(64)

# exp(z) = 2^k e^r with k = round(z / ln 2) and |r| <= ln(2) / 2 (Cody and Waite): ln 2 in two
# parts so that z - k ln 2 is exact to double precision, e^r by its Taylor series to r^13 /
# 13! (the remainder is below 1e-17 for |r| <= 0.35), and 2^k built from its exponent bits.
# Plain vector arithmetic (libm's exp is one call per number); within 4 ulp of numpy's exp
# over |z| < 700 (tests/test_compiled.py).
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_TAYLOR = tuple(1.0 / math.factorial(n) for n in range(14))
# The logistic of a net input below -EXP_OVERFLOW is exactly 0, as in the numpy core (whose
# exp overflows to inf there); the exponent is clamped so that 2^k stays a normal number.
_EXP_OVERFLOW = 709.782712893384
_Z_LOW, _Z_HIGH = -708.0, 709.0
# k = round(z / ln 2) without a float-to-integer conversion: adding 1.5 * 2^52 + 1023 rounds
# to an integer whose low 11 bits are those of k + 1023, the exponent field of 2^k: shifted
# up by 52 they are 2^k's bits. (1023 in the shifter, not added after: one operation less.)
_SHIFTER = 1.5 * 2.0 ** 52 + 1023


def _float_arrays(*arrays) -> bool:
    return all(isinstance(a, types.Array) and a.dtype == types.float64 and a.ndim == 1
               for a in arrays)


class _Vectors:
    """LLVM IR for vectors of float64 in one compiled function: loads and stores at an
    index of a flat array, masked for a last part-filled vector, FMAs and loops."""

    def __init__(self, context, builder, signature, args):
        self.builder, self._context = builder, context
        self._signature, self._args = signature, args
        # The CPU the code is compiled for (numba's target machine), not the one running
        # this Python.
        self.width = 8 if "+avx512f" in context.codegen()._tm_features else 4
        self.vector = ir.VectorType(ir.DoubleType(), self.width)
        self.lanes = ir.VectorType(_I64, self.width)
        masks = ir.VectorType(ir.IntType(1), self.width)
        suffix = f"v{self.width}f64"
        self._fma = self._declare(f"llvm.fma.{suffix}", self.vector, *[self.vector] * 3)
        self._masked_load = self._declare(f"llvm.masked.load.{suffix}.p0", self.vector,
                                          self.vector.as_pointer(), _I32, masks, self.vector)
        self._masked_store = self._declare(f"llvm.masked.store.{suffix}.p0", ir.VoidType(),
                                           self.vector, self.vector.as_pointer(), _I32, masks)
        self.zeros = ir.Constant(self.vector, [0.0] * self.width)

    def _declare(self, name, result, *arguments):
        return cgutils.get_or_insert_function(self.builder.module,
                                              ir.FunctionType(result, arguments), name)

    def integer(self, k):
        """Argument k, an integer, as an i64."""
        return self._context.cast(self.builder, self._args[k], self._signature.args[k],
                                  types.int64)

    def data(self, k):
        """The data pointer of argument k, an array."""
        array = self._context.make_array(self._signature.args[k])
        return array(self._context, self.builder, value=self._args[k]).data

    @staticmethod
    def const(value):
        return ir.Constant(_I64, value)

    def add(self, *terms):
        total = terms[0]
        for term in terms[1:]:
            total = self.builder.add(total, self.const(term) if isinstance(term, int) else term)
        return total

    def mul(self, a, b):
        return self.builder.mul(a, b)

    def splat(self, value, kind=None):
        kind = kind or self.vector
        b = self.builder
        first = b.insert_element(ir.Constant(kind, ir.Undefined), value, ir.Constant(_I32, 0))
        return b.shuffle_vector(first, ir.Constant(kind, ir.Undefined),
                                ir.Constant(ir.VectorType(_I32, self.width), [0] * self.width))

    def mask(self, p, n):
        """A mask of the lanes of the vector at pattern p that are below n."""
        left = self.splat(self.builder.sub(n, p), self.lanes)
        lanes = ir.Constant(self.lanes, list(range(self.width)))
        return self.builder.icmp_unsigned("<", lanes, left)

    def first_lanes(self, count):
        """A mask of the first ``count`` lanes (None, no mask, for all of them)."""
        if count == self.width:
            return None
        return ir.Constant(ir.VectorType(ir.IntType(1), self.width),
                           [i < count for i in range(self.width)])

    def _at(self, base, index):
        return self.builder.bitcast(self.builder.gep(base, [index]), self.vector.as_pointer())

    def load(self, base, index, mask=None):
        """The vector at base[index]; masked-off lanes read as 0."""
        if mask is None:
            return self.builder.load(self._at(base, index), align=8)
        return self.builder.call(self._masked_load, [self._at(base, index),
                                                     ir.Constant(_I32, 8), mask, self.zeros])

    def store(self, value, base, index, mask=None):
        """base[index] = value; masked-off lanes leave memory untouched."""
        if mask is None:
            self.builder.store(value, self._at(base, index), align=8)
        else:
            self.builder.call(self._masked_store, [value, self._at(base, index),
                                                   ir.Constant(_I32, 8), mask])

    def fma(self, a, b, c):
        """a b + c, rounded once."""
        return self.builder.call(self._fma, [a, b, c])

    def absolute(self, value):
        """|value|, lane by lane: the sign bits cleared."""
        b = self.builder
        bits = b.and_(b.bitcast(value, self.lanes),
                      ir.Constant(self.lanes, [2 ** 63 - 1] * self.width))
        return b.bitcast(bits, self.vector)

    def lanes_max(self, value):
        """The largest lane of a vector of signed integers."""
        b = self.builder
        return self._halves(
            value, lambda x, y: b.select(b.icmp_signed(">", x, y), x, y))

    def lanes_sum(self, value):
        """The sum of a vector of integers' lanes."""
        return self._halves(value, self.builder.add)

    def halves_sum(self, value):
        """The lanes' sum in a stated order: the upper half added to the lower, lane by
        lane, until one is left: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))."""
        return self._halves(value, self.builder.fadd)

    def halves_sums(self, values):
        """The :meth:`halves_sum` of each of up to ``width`` vectors, as lane i of one
        vector for ``values[i]`` (lanes past them 0): the same additions, in the same
        order, done for all the vectors at once. Each round pairs the vectors and adds
        the lower half of every vector's part to its upper half, two shuffles and one
        addition for two vectors, where one at a time took a shuffle and an addition for
        every round of each."""
        b, width = self.builder, self.width
        # Each entry: a vector, and the values whose partial sums its parts hold, a part
        # per value, in lane order; a part is ``part`` lanes. Pairing keeps that order:
        # value i ends in lane i.
        parts = [(values[i] if i < len(values) else self.zeros, [i]) for i in range(width)]
        part = width
        while part > 1:
            half = part // 2
            paired = []
            for (x, x_values), (y, y_values) in zip(parts[0::2], parts[1::2]):
                low = [q * part + i for q in range(len(x_values)) for i in range(half)]
                low += [width + q * part + i for q in range(len(y_values)) for i in range(half)]
                high = [lane + half for lane in low]
                paired.append((b.fadd(self._shuffle(x, y, low), self._shuffle(x, y, high)),
                               x_values + y_values))
            parts, part = paired, half
        return parts[0][0]

    def _shuffle(self, x, y, lanes):
        return self.builder.shuffle_vector(x, y, ir.Constant(ir.VectorType(_I32, len(lanes)),
                                                             lanes))

    def _halves(self, value, combine):
        """combine(lower half, upper half) of ``value`` until one lane is left."""
        b, n = self.builder, self.width
        while n > 1:
            n //= 2
            low = b.shuffle_vector(value, value, ir.Constant(ir.VectorType(_I32, n),
                                                             list(range(n))))
            high = b.shuffle_vector(value, value, ir.Constant(ir.VectorType(_I32, n),
                                                              list(range(n, 2 * n))))
            value = combine(low, high)
        return b.extract_element(value, ir.Constant(_I32, 0))

    def slope(self, y, tanh):
        """The units' dy/dx from their outputs y: y (1 - y), or fma(-y, y, 1) where the i1
        ``tanh`` is set."""
        b = self.builder
        ones = ir.Constant(self.vector, [1.0] * self.width)
        return b.select(tanh, self.fma(b.fneg(y), y, ones), b.fmul(y, b.fsub(ones, y)))

    def square_sums(self):
        """``SQUARE_VECTORS`` partial sums of squares, at 0: vector q of each group of
        whole vectors goes to sum q, the others to sum 0 (:meth:`vectors_of` with
        ``group=SQUARE_VECTORS``)."""
        sums = [row[0] for row in self.registers(SQUARE_VECTORS, 1)]
        for at in sums:
            self.builder.store(self.zeros, at)
        return sums

    def total_of(self, sums):
        """((s0 + s1) + (s2 + s3)) of :meth:`square_sums`, then its lanes' halves."""
        partial = [self.builder.load(at) for at in sums]
        while len(partial) > 1:
            partial = [self.builder.fadd(partial[i], partial[i + 1])
                       for i in range(0, len(partial), 2)]
        return self.halves_sum(partial[0])

    def logistic(self, x):
        """1 / (1 + exp(-x)) lane by lane: the exp above, Estrin's scheme for its
        polynomial (four dependent steps, not Horner's thirteen), each a + b c one FMA;
        exactly 0 below -_EXP_OVERFLOW."""
        b, fma = self.builder, self.fma

        def c(value):
            return ir.Constant(self.vector, [float(value)] * self.width)

        # z = -x, clamped, never formed: x is clamped and negated inside the FMAs (exact).
        x_in = x
        x = b.select(b.fcmp_ordered(">", x, c(-_Z_LOW)), c(-_Z_LOW), x)
        x = b.select(b.fcmp_ordered("<", x, c(-_Z_HIGH)), c(-_Z_HIGH), x)
        kd = fma(x, c(-_LOG2E), c(_SHIFTER))
        minus_k = b.fsub(c(_SHIFTER), kd)
        r = fma(minus_k, c(_LN2_LO), fma(minus_k, c(_LN2_HI), b.fneg(x)))
        r2 = b.fmul(r, r)
        r4 = b.fmul(r2, r2)
        t = [fma(r, c(_TAYLOR[i + 1]), c(_TAYLOR[i])) for i in range(2, 14, 2)]
        first_two = b.fadd(r, c(_TAYLOR[0]))  # 1 + 1 r: no multiply by 1 (LLVM folded it too)
        low = fma(r4, fma(r2, t[2], t[1]), fma(r2, t[0], first_two))
        high = fma(t[5], r4, fma(r2, t[4], t[3]))
        q = fma(b.fmul(r4, r4), high, low)
        two_k = b.bitcast(b.shl(b.bitcast(kd, self.lanes), ir.Constant(self.lanes, [
            52] * self.width)), self.vector)
        y = b.fdiv(c(1.0), fma(q, two_k, c(1.0)))
        return b.select(b.fcmp_ordered(">=", x_in, c(-_EXP_OVERFLOW)), y, c(0.0))

    def registers(self, rows, columns, kind=None):
        """rows x columns stack slots, which LLVM keeps in registers."""
        return [[cgutils.alloca_once(self.builder, kind or self.vector)
                 for _ in range(columns)] for _ in range(rows)]

    def blocks(self, n, size, body):
        """body(start, count) over [0, n) in blocks of ``size``, then one of the rest (a
        count known when compiled, so that each block size gets its own straight code)."""
        b = self.builder
        whole = b.sub(n, b.urem(n, self.const(size)))
        with cgutils.for_range_slice(b, self.const(0), whole, self.const(size),
                                     intp=_I64) as (start, _):
            body(start, size)
        rest = b.urem(n, self.const(size))
        for count in range(1, size):
            with b.if_then(b.icmp_unsigned("==", rest, self.const(count))):
                body(whole, count)

    def set_bits(self, bits, body):
        """body(i) for every bit i set in the i64 ``bits``, in increasing order of i."""
        b = self.builder
        cttz = self._declare("llvm.cttz.i64", _I64, _I64, ir.IntType(1))
        left = cgutils.alloca_once_value(b, bits)
        test, run, done = (b.append_basic_block(name) for name in ("bits", "bit", "no_bits"))
        b.branch(test)
        b.position_at_end(test)
        now = b.load(left)
        b.cbranch(b.icmp_unsigned("!=", now, self.const(0)), run, done)
        b.position_at_end(run)
        b.store(b.and_(now, b.sub(now, self.const(1))), left)  # the lowest bit cleared
        body(b.call(cttz, [now, ir.Constant(ir.IntType(1), 1)]))
        b.branch(test)
        b.position_at_end(done)

    def word(self, data, index):
        """The i64 at data[index]."""
        return self.builder.load(self.builder.gep(data, [index]))

    def vectors_of(self, n, body, group=1):
        """body(p, count, mask) over the patterns [0, n): ``group`` whole vectors at a
        time, then single ones, then a last part-filled one under a mask."""
        b, width = self.builder, self.width
        whole = b.sub(n, b.urem(n, self.const(width)))
        start = self.const(0)
        if group > 1:
            start = b.sub(n, b.urem(n, self.const(group * width)))
            with cgutils.for_range_slice(b, self.const(0), start, self.const(group * width),
                                         intp=_I64) as (p, _):
                body(p, group, None)
        with cgutils.for_range_slice(b, start, whole, self.const(width), intp=_I64) as (p, _):
            body(p, 1, None)
        with cgutils.for_range_slice(b, whole, n, self.const(width), intp=_I64) as (p, _):
            body(p, 1, self.mask(p, n))


def _words(array) -> bool:
    return isinstance(array, types.Array) and array.dtype == types.int64 and array.ndim == 1


@intrinsic
def width(typingctx):
    """The number of lanes of the vector code: 8 on a CPU with AVX-512, else 4."""
    def codegen(context, builder, signature, args):
        return ir.Constant(_I64, _Vectors(context, builder, signature, args).width)
    return types.int64(), codegen


@intrinsic
def add_products_rows(typingctx, out, row, n_rows, w, first, row_stride, stride, src, r0,
                      n, n_cases, start, act, finish, active, a0):
    """out[row + j P + p] = fma(w[first + j row_stride + k stride], src[r0 + k P + p], ...)
    for k = 0, 1, ..., n - 1 in turn from out's value, 0 or a bias (``start``), then
    (``finish``) times y (1 - y) or fma(-y, y, 1), for j < n_rows and p < P = n_cases; see
    :func:`.kernel.add_products_rows`. If a0 >= 0, bit k of active[a0 + v] says
    whether source k has a pattern other than 0 in vector v, and a block of vectors skips
    the sources that have none: their terms are fma(w, 0, x) = x."""
    if not (_float_arrays(out, w, src, act) and _words(active)):
        return None

    def codegen(context, builder, signature, args):
        v = _Vectors(context, builder, signature, args)
        out_data, w_data, src_data, act_data = v.data(0), v.data(3), v.data(7), v.data(12)
        active_data = v.data(14)
        row, n_rows, first, row_stride, stride, r0, n, n_cases, start, finish, a0 = (
            v.integer(k) for k in (1, 2, 4, 5, 6, 8, 9, 10, 11, 13, 15))
        every_source = builder.icmp_signed("<", a0, v.const(0))
        sums = v.registers(PRODUCT_ROWS, PRODUCT_VECTORS)
        from_out = builder.icmp_signed("==", start, v.const(FROM_OUT))
        has_bias = builder.icmp_signed(">=", start, v.const(0))
        bias_at = builder.select(has_bias, start, v.const(0))  # a safe index if unused

        def block(j, rows, p, vectors, mask):
            places = [[v.add(row, v.mul(v.add(j, r), n_cases), p, q * v.width)
                       for q in range(vectors)] for r in range(rows)]
            with builder.if_else(from_out) as (old, new):
                with old:
                    for r in range(rows):
                        for q in range(vectors):
                            builder.store(v.load(out_data, places[r][q], mask), sums[r][q])
                with new:
                    for r in range(rows):
                        bias = builder.load(builder.gep(w_data, [v.add(bias_at, j, r)]))
                        bias = v.splat(builder.select(has_bias, bias, ir.Constant(
                            ir.DoubleType(), 0.0)))
                        for q in range(vectors):
                            builder.store(bias, sums[r][q])
            def add_source(k):
                source = v.add(r0, v.mul(k, n_cases), p)
                xs = [v.load(src_data, v.add(source, q * v.width), mask)
                      for q in range(vectors)]
                for r in range(rows):
                    at = v.add(first, v.mul(v.add(j, r), row_stride), v.mul(k, stride))
                    weight = v.splat(builder.load(builder.gep(w_data, [at])))
                    for q in range(vectors):
                        builder.store(v.fma(weight, xs[q], builder.load(sums[r][q])),
                                      sums[r][q])

            with builder.if_else(every_source) as (every, some):
                with every:
                    with cgutils.for_range(builder, n, intp=_I64) as loop:
                        add_source(loop.index)
                with some:
                    at = v.add(a0, builder.udiv(p, v.const(v.width)))
                    bits = v.word(active_data, at)
                    for q in range(1, vectors):
                        bits = builder.or_(bits, v.word(active_data, v.add(at, q)))
                    v.set_bits(bits, add_source)
            with builder.if_then(builder.icmp_signed("!=", finish, v.const(KEEP))):
                tanh = builder.icmp_signed("==", finish, v.const(TANH_SLOPE))
                for r in range(rows):
                    for q in range(vectors):
                        slope = v.slope(v.load(act_data, places[r][q], mask), tanh)
                        builder.store(builder.fmul(builder.load(sums[r][q]), slope),
                                      sums[r][q])
            for r in range(rows):
                for q in range(vectors):
                    v.store(builder.load(sums[r][q]), out_data, places[r][q], mask)

        v.blocks(n_rows, PRODUCT_ROWS, lambda j, rows: v.vectors_of(
            n_cases, lambda p, vectors, mask: block(j, rows, p, vectors, mask),
            group=PRODUCT_VECTORS))
        return context.get_dummy_value()

    return types.none(out, row, n_rows, w, first, row_stride, stride, src, r0, n, n_cases,
                      start, act, finish, active, a0), codegen


@intrinsic
def add_outer_sums(typingctx, grad, base, stride, d, d0, n_d, a, a0, n_a, n, active, u0):
    """grad[base + j stride + k] += sum_p d[d0 + j n + p] a[a0 + k n + p] for j < n_d,
    k < n_a: lane l of a vector sums the patterns p = l (mod width) by FMAs in order of p,
    the lanes are then added by :meth:`_Vectors.halves_sum` (a row of sums at once:
    :meth:`_Vectors.halves_sums`). If u0 >= 0, bit v of active[u0 + k] says whether row k
    of a has a pattern other than 0 in vector v, and a block of rows skips the vectors
    where all its rows are 0: a lane's FMAs start from +0, and fma(d, 0, s) = s for every
    such s."""
    if not (_float_arrays(grad, d, a) and _words(active)):
        return None

    def codegen(context, builder, signature, args):
        v = _Vectors(context, builder, signature, args)
        grad_data, d_data, a_data, active_data = v.data(0), v.data(3), v.data(6), v.data(10)
        base, stride, d0, n_d, a0, n_a, n, u0 = (
            v.integer(k) for k in (1, 2, 4, 5, 7, 8, 9, 11))
        every_vector = builder.icmp_signed("<", u0, v.const(0))
        whole = builder.sub(n, builder.urem(n, v.const(v.width)))
        sums = v.registers(GRADIENT_ROWS, GRADIENT_SOURCES)

        def block(j, rows, k, sources):
            for r in range(rows):
                for c in range(sources):
                    builder.store(v.zeros, sums[r][c])

            def patterns(p, _, mask):
                ds = [v.load(d_data, v.add(d0, v.mul(v.add(j, r), n), p), mask)
                      for r in range(rows)]
                acts = [v.load(a_data, v.add(a0, v.mul(v.add(k, c), n), p), mask)
                        for c in range(sources)]
                for r in range(rows):
                    for c in range(sources):
                        builder.store(v.fma(ds[r], acts[c], builder.load(sums[r][c])),
                                      sums[r][c])

            def vector(index):
                p = v.mul(index, v.const(v.width))
                with builder.if_else(builder.icmp_unsigned("<", p, whole)) as (full, part):
                    with full:
                        patterns(p, 1, None)
                    with part:
                        patterns(p, 1, v.mask(p, n))

            with builder.if_else(every_vector) as (every, some):
                with every:
                    v.vectors_of(n, patterns)
                with some:
                    bits = v.word(active_data, v.add(u0, k))
                    for c in range(1, sources):
                        bits = builder.or_(bits, v.word(active_data, v.add(u0, k, c)))
                    v.set_bits(bits, vector)
            for r in range(rows):  # a row's sums are side by side in grad
                for c in range(0, sources, v.width):
                    count = min(v.width, sources - c)
                    totals = v.halves_sums([builder.load(sums[r][c + i]) for i in range(count)])
                    at = v.add(base, v.mul(v.add(j, r), stride), k, c)
                    lanes = v.first_lanes(count)
                    v.store(builder.fadd(v.load(grad_data, at, lanes), totals), grad_data, at,
                            lanes)

        v.blocks(n_d, GRADIENT_ROWS, lambda j, rows: v.blocks(
            n_a, GRADIENT_SOURCES, lambda k, sources: block(j, rows, k, sources)))
        return context.get_dummy_value()

    return types.none(grad, base, stride, d, d0, n_d, a, a0, n_a, n, active, u0), codegen


@intrinsic
def set_row_totals(typingctx, grad, base, d, d0, n_d, n):
    """grad[base + j] = sum_p d[d0 + j n + p] for j < n_d: lane l of a vector sums the
    patterns p = l (mod width) in order of p, the lanes are then added by
    :meth:`_Vectors.halves_sum`."""
    if not _float_arrays(grad, d):
        return None

    def codegen(context, builder, signature, args):
        v = _Vectors(context, builder, signature, args)
        grad_data, d_data = v.data(0), v.data(2)
        base, d0, n_d, n = (v.integer(k) for k in (1, 3, 4, 5))
        sums = v.registers(TOTAL_ROWS, 1)

        def block(j, rows):
            for r in range(rows):
                builder.store(v.zeros, sums[r][0])

            def patterns(p, _, mask):
                for r in range(rows):
                    value = v.load(d_data, v.add(d0, v.mul(v.add(j, r), n), p), mask)
                    builder.store(builder.fadd(builder.load(sums[r][0]), value), sums[r][0])

            v.vectors_of(n, patterns)
            for r in range(0, rows, v.width):  # the rows' totals are side by side in grad
                count = min(v.width, rows - r)
                totals = v.halves_sums([builder.load(sums[r + i][0]) for i in range(count)])
                v.store(totals, grad_data, v.add(base, j, r), v.first_lanes(count))

        v.blocks(n_d, TOTAL_ROWS, block)
        return context.get_dummy_value()

    return types.none(grad, base, d, d0, n_d, n), codegen


@intrinsic
def sum_of_squares(typingctx, a, start, n):
    """sum_p a[start + p]^2 over p < n: vector q of every ``SQUARE_VECTORS`` in turn goes to
    partial sum q by FMAs, lane by lane; then ((s0 + s1) + (s2 + s3)), then its lanes by
    :meth:`_Vectors.halves_sum`."""
    if not _float_arrays(a):
        return None

    def codegen(context, builder, signature, args):
        v = _Vectors(context, builder, signature, args)
        a_data, start, n = v.data(0), v.integer(1), v.integer(2)
        sums = v.square_sums()

        def vectors(p, count, mask):
            for q in range(count):
                x = v.load(a_data, v.add(start, p, q * v.width), mask)
                builder.store(v.fma(x, x, builder.load(sums[q])), sums[q])

        v.vectors_of(n, vectors, group=SQUARE_VECTORS)
        return v.total_of(sums)

    return types.float64(a, start, n), codegen


@intrinsic
def output_errors(typingctx, y, t, m, d, start, n, margin, on_above, off_below, to_bound,
                  error_scale, tanh):
    """One pass over the output rows y[start + i], i < n, with targets t[i] and case mask
    m[i] (both (n,)): d[start + i] = r_i times the units' slope, r_i = dE/dy of eq. 3 (see
    :func:`.kernel.output_errors`); returns (sum_i r_i^2, max_i |y - t| m, whether
    no training case is on the wrong side of 0.5). The squares are summed in the order of
    :func:`sum_of_squares`; a maximum and a count have no order."""
    if not _float_arrays(y, t, m, d):
        return None

    def codegen(context, builder, signature, args):
        v = _Vectors(context, builder, signature, args)
        y_data, t_data, m_data, d_data = (v.data(k) for k in range(4))
        start, n = v.integer(4), v.integer(5)
        margin, to_bound, tanh = (context.cast(builder, args[k], signature.args[k],
                                               types.boolean) for k in (6, 9, 11))
        on_above, off_below, error_scale = (
            v.splat(context.cast(builder, args[k], signature.args[k], types.float64))
            for k in (7, 8, 10))
        halves = ir.Constant(v.vector, [0.5] * v.width)
        int_zeros = ir.Constant(v.lanes, [0] * v.width)
        sums = v.square_sums()
        gap, wrong = v.registers(1, 2, v.lanes)[0]
        builder.store(int_zeros, gap)
        builder.store(int_zeros, wrong)

        def vectors(p, count, mask, with_margin):
            for q in range(count):
                at = v.add(p, q * v.width)
                out = v.add(start, at)
                y_, t_, m_ = (v.load(y_data, out, mask), v.load(t_data, at, mask),
                              v.load(m_data, at, mask))
                diff = builder.fsub(y_, t_)
                distance = builder.fmul(v.absolute(diff), m_)
                if with_margin:  # as kernel.residuals
                    on = builder.fcmp_ordered(">=", t_, halves)
                    beyond = builder.select(on, builder.fcmp_ordered(">=", y_, on_above),
                                            builder.fcmp_ordered("<=", y_, off_below))
                    bound = builder.select(to_bound,
                                           builder.select(on, on_above, off_below), t_)
                    diff = builder.select(beyond, v.zeros, builder.fsub(y_, bound))
                r = builder.fmul(builder.fmul(diff, m_), error_scale)
                builder.store(v.fma(r, r, builder.load(sums[q])), sums[q])
                bits = builder.bitcast(distance, v.lanes)
                old = builder.load(gap)
                builder.store(builder.select(builder.icmp_signed(">", bits, old), bits, old),
                              gap)
                miss = builder.and_(builder.fcmp_unordered("!=", m_, v.zeros), builder.xor(
                    builder.fcmp_ordered(">", y_, halves), builder.fcmp_ordered(">", t_, halves)))
                builder.store(builder.add(builder.load(wrong), builder.zext(miss, v.lanes)),
                              wrong)
                v.store(builder.fmul(r, v.slope(y_, tanh)), d_data, out, mask)

        # A loop with a margin and one without, so that neither tests the flag per vector.
        with builder.if_else(margin) as (yes, no):
            for branch, with_margin in ((yes, True), (no, False)):
                with branch:
                    v.vectors_of(n, lambda p, count, mask: vectors(p, count, mask, with_margin),
                                 group=SQUARE_VECTORS)
        largest = v.lanes_max(builder.load(gap))
        misses = v.lanes_sum(builder.load(wrong))
        result = (v.total_of(sums), builder.bitcast(largest, ir.DoubleType()),
                  builder.icmp_signed("==", misses, v.const(0)))
        return context.make_tuple(builder, signature.return_type, result)

    result = types.Tuple((types.float64, types.float64, types.boolean))
    return result(y, t, m, d, start, n, margin, on_above, off_below, to_bound, error_scale,
                  tanh), codegen


@intrinsic
def logistic(typingctx, a, start, n):
    """In place, a[start + p] = :meth:`_Vectors.logistic` of it, for p < n."""
    if not _float_arrays(a):
        return None

    def codegen(context, builder, signature, args):
        v = _Vectors(context, builder, signature, args)
        a_data, start, n = v.data(0), v.integer(1), v.integer(2)

        def vectors(p, _, mask):
            at = v.add(start, p)
            v.store(v.logistic(v.load(a_data, at, mask)), a_data, at, mask)

        v.vectors_of(n, vectors)
        return context.get_dummy_value()

    return types.none(a, start, n), codegen
