"""The numba kernel's explicit vector code (backprop86.backends.numba.vectors) against an exact emulation of
the order each docstring states: every FMA rounded once (through fractions), every add in
float64. Bits, not tolerances: the order is what makes a network's bits independent of how
it was batched and of which kernel (written-out or general) trained it."""

import os
import platform
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from backprop86.backends import numba as compiled

pytestmark = pytest.mark.skipif(not compiled.available(), reason="numba not installed")
numba = pytest.importorskip("numba")
kernel = pytest.importorskip("backprop86.backends.numba.kernel")
vectors = pytest.importorskip("backprop86.backends.numba.vectors")


def fma(a, b, c):
    """a b + c rounded once: Fraction arithmetic is exact, float() of it rounds correctly."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


FOUR_LANES = "BACKPROP86_TEST_FOUR_LANES"  # set in this file's run for a CPU without AVX-512


def width() -> int:
    from numba.core.registry import cpu_target
    return 8 if "+avx512f" in cpu_target.target_context.codegen()._tm_features else 4


def halves_sum(lanes):
    lanes = list(lanes)
    while len(lanes) > 1:
        half = len(lanes) // 2
        lanes = [lanes[i] + lanes[i + half] for i in range(half)]
    return lanes[0]


def lane_sums(terms, w, step):
    """Lane l folds terms l, l + w, ... in order with ``step``; then the halves."""
    lanes = [0.0] * w
    for p, term in enumerate(terms):
        lanes[p % w] = step(lanes[p % w], term)
    return halves_sum(lanes)


def bits(value):
    return int(np.float64(value).view(np.uint64))


def from_bits(integer):
    return float(np.uint64(integer % 2 ** 64).view(np.float64))


def emulated_logistic(xi):
    """vectors._Vectors.logistic of one number, operation by operation."""
    v = vectors
    x = -v._Z_LOW if xi > -v._Z_LOW else xi
    x = -v._Z_HIGH if x < -v._Z_HIGH else x
    kd = fma(x, -v._LOG2E, v._SHIFTER)
    minus_k = v._SHIFTER - kd
    r = fma(minus_k, v._LN2_LO, fma(minus_k, v._LN2_HI, -x))
    r2 = r * r
    r4 = r2 * r2
    c = v._TAYLOR
    t = [fma(r, c[i + 1], c[i]) for i in range(2, 14, 2)]
    low = fma(r4, fma(r2, t[2], t[1]), fma(r2, t[0], r + c[0]))
    q = fma(r4 * r4, fma(t[5], r4, fma(r2, t[4], t[3])), low)
    two_k = from_bits(bits(kd) << 52)
    y = 1.0 / fma(q, two_k, 1.0)
    return y if xi >= -v._EXP_OVERFLOW else 0.0


def test_the_logistic_computes_what_it_did_before_with_two_operations_less():
    """The shifter holds the exponent bias and -x is never formed: the same numbers as
    the earlier form (z = -x clamped, k from a plain shifter, the bias added to 2^k's bits,
    as LLVM compiled the numpy-core-like scalar loop), on the whole range."""
    v = vectors

    def earlier(xi):
        z = min(max(-xi, v._Z_LOW), v._Z_HIGH)
        shifter = 1.5 * 2.0 ** 52
        kd = fma(z, v._LOG2E, shifter)
        minus_k = -(kd - shifter)
        r = fma(minus_k, v._LN2_LO, fma(minus_k, v._LN2_HI, z))
        r2, c = r * r, v._TAYLOR
        r4 = r2 * r2
        t = [fma(r, c[i + 1], c[i]) for i in range(2, 14, 2)]
        low = fma(r4, fma(r2, t[2], t[1]), fma(r2, t[0], r + c[0]))
        q = fma(r4 * r4, fma(t[5], r4, fma(r2, t[4], t[3])), low)
        two_k = from_bits((bits(kd) << 52) + ((1023 - 0x4338000000000000) << 52))
        y = 1.0 / fma(q, two_k, 1.0)
        return y if xi >= -v._EXP_OVERFLOW else 0.0

    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(-40, 40, 1500), rng.uniform(-745, 745, 500),
                        [-709.9, -709.0, -708.5, 708.0, 708.5, 709.0, 0.0, -0.0, 1e-300]])
    assert [bits(emulated_logistic(xi)) for xi in x] == [bits(earlier(xi)) for xi in x]


@numba.njit
def _products(out, row, n_rows, w, first, row_stride, stride, src, r0, n, n_cases, start,
              act, finish, active, a0):
    kernel.add_products_rows(out, row, n_rows, w, first, row_stride, stride, src, r0, n,
                             n_cases, start, act, finish, active, a0)


@numba.njit
def _outer(grad, base, stride, d, d0, n_d, a, a0, n_a, n, active, u0):
    kernel.add_outer_sums(grad, base, stride, d, d0, n_d, a, a0, n_a, n, active, u0)


EVERY = np.zeros(1, dtype=np.int64)  # with start -1: no activity words, every term summed


def sparse_rows(rng, n_rows, n_cases):
    """(n_rows, n_cases) of normal numbers, most of them 0 and some rows 0 over whole
    vectors: inputs such as the one-hot rows of family trees."""
    rows = rng.normal(size=(n_rows, n_cases)) * (rng.random((n_rows, n_cases)) < 0.3)
    w = width()
    for k in range(n_rows):
        for v in range(0, n_cases, w):
            if rng.random() < 0.5:
                rows[k, v:v + w] = 0.0
    rows[rows == 0.0] = rng.choice([0.0, -0.0], size=(rows == 0.0).sum())
    return rows


def activity(rows, by_vector):
    """kernel.input_activity's words for (n_rows, n_cases) ``rows``: per vector of
    patterns, the bits of the rows not all 0 there (``by_vector``), or per row, the bits
    of its vectors not all 0."""
    w = width()
    vectors = [rows[:, v:v + w] != 0.0 for v in range(0, rows.shape[1], w)]
    if by_vector:
        return np.array([sum(1 << k for k in range(rows.shape[0]) if x[k].any())
                         for x in vectors], dtype=np.int64)
    return np.array([sum(1 << v for v, x in enumerate(vectors) if x[k].any())
                     for k in range(rows.shape[0])], dtype=np.int64)


@numba.njit
def _totals(grad, base, d, d0, n_d, n):
    kernel.set_row_totals(grad, base, d, d0, n_d, n)


@numba.njit
def _squares(a, start, n):
    return kernel.sum_of_squares(a, start, n)


@pytest.mark.parametrize("n_rows, n, n_cases", [(6, 24, 104), (13, 5, 19), (1, 1, 3),
                                                 (7, 4, 16), (2, 0, 9)])
@pytest.mark.parametrize("start, finish", [("out", "keep"), ("zero", "logistic slope"),
                                           ("bias", "tanh slope"), ("bias", "keep")])
@pytest.mark.parametrize("sparse", [False, True])
def test_products_are_each_a_chain_of_fmas_in_order_of_source(n_rows, n, n_cases, start,
                                                              finish, sparse):
    """With ``sparse`` inputs, the same chains: the terms the code skips are exact 0."""
    rng = np.random.default_rng(n_rows * 100 + n)
    # Weights of row j at 3 + j, source k at stride n_rows (transposed, as in the backward
    # pass), biases after them; the target rows after a gap; untouched entries must keep
    # their NaN.
    w = rng.normal(size=3 + n_rows * max(n, 1) + n_rows)
    bias = 3 + n_rows * max(n, 1)
    src = rng.normal(size=(n + 1) * n_cases)
    active, a0 = EVERY, -1
    if sparse:
        rows = sparse_rows(rng, n, n_cases)
        src[n_cases:] = rows.reshape(-1)
        active, a0 = np.concatenate([[-7, -7], activity(rows, by_vector=True)]), 2
    act = rng.uniform(-1, 1, size=(n_rows + 3) * n_cases)
    out = np.full((n_rows + 3) * n_cases, np.nan)
    out[2 * n_cases:(2 + n_rows) * n_cases] = rng.normal(size=n_rows * n_cases)
    want = out.copy()
    for j in range(n_rows):
        for p in range(n_cases):
            at = (2 + j) * n_cases + p
            x = {"out": want[at], "zero": 0.0, "bias": w[bias + j]}[start]
            for k in range(n):
                x = fma(w[3 + j + k * n_rows], src[(1 + k) * n_cases + p], x)
            y = act[at]
            if finish == "logistic slope":
                x = x * (y * (1.0 - y))
            elif finish == "tanh slope":
                x = x * fma(-y, y, 1.0)
            want[at] = x
    codes = {"out": vectors.FROM_OUT, "zero": vectors.FROM_ZERO, "bias": bias,
             "keep": vectors.KEEP, "logistic slope": vectors.LOGISTIC_SLOPE,
             "tanh slope": vectors.TANH_SLOPE}
    _products(out, 2 * n_cases, n_rows, w, 3, 1, n_rows, src, n_cases, n, n_cases,
              codes[start], act, codes[finish], active, a0)
    assert np.array_equal(out, want, equal_nan=True)
    assert np.array_equal(np.signbit(out), np.signbit(want))


@pytest.mark.parametrize("n_d, n_a, n", [(6, 24, 104), (5, 7, 13), (1, 1, 1), (4, 6, 16)])
@pytest.mark.parametrize("sparse", [False, True])
def test_weight_gradients_sum_lanes_of_fmas_then_halves(n_d, n_a, n, sparse):
    """With ``sparse`` activities, the same sums: the vectors the code skips are exact 0."""
    rng = np.random.default_rng(n_d * 100 + n_a)
    d = rng.normal(size=(n_d + 1) * n)
    a = rng.normal(size=(n_a + 2) * n) * 10.0 ** rng.integers(-8, 8, size=(n_a + 2) * n)
    active, u0 = EVERY, -1
    if sparse:
        rows = sparse_rows(rng, n_a, n)
        a[2 * n:] = rows.reshape(-1)
        active, u0 = np.concatenate([[-7], activity(rows, by_vector=False)]), 1
    stride = n_a + 1
    grad = rng.normal(size=2 + n_d * stride)
    want = grad.copy()
    w = width()
    for j in range(n_d):
        for k in range(n_a):
            pairs = [(d[(1 + j) * n + p], a[(2 + k) * n + p]) for p in range(n)]
            want[2 + j * stride + k] += lane_sums(pairs, w, lambda s, t: fma(t[0], t[1], s))
    _outer(grad, 2, stride, d, n, n_d, a, 2 * n, n_a, n, active, u0)
    assert np.array_equal(grad, want)
    assert np.array_equal(np.signbit(grad), np.signbit(want))


@numba.njit
def _input_activity(act, net, n_cases):
    return kernel.input_activity(act, net, n_cases)


@pytest.mark.parametrize("n_cases", [13, 104, 1000])
def test_input_activity_marks_the_rows_and_vectors_that_are_not_all_zero(n_cases):
    """Words for each input group: its units' bits per vector of patterns (none over 64
    units), its vectors' bits per unit (none over 64 vectors); none for other groups."""
    from backprop86 import NetworkSpec, Projection
    from backprop86.backends.numba.program import Program

    program = Program.of(NetworkSpec(
        groups={"few": 24, "many": 70, "hidden": 3, "out": 2}, inputs=("few", "many"),
        output="out", projections=(Projection("few", "hidden"), Projection("many", "hidden"),
                                   Projection("hidden", "out"))))
    rng = np.random.default_rng(n_cases)
    act = np.zeros(program.n_units * n_cases)
    rows = {}
    for g, size in enumerate(program.size[:2]):
        rows[g] = sparse_rows(rng, int(size), n_cases)
        start = int(program.offset[g]) * n_cases
        act[start:start + rows[g].size] = rows[g].reshape(-1)
    act[int(program.offset[2]) * n_cases:] = 1.0  # computed rows: never read
    words = _input_activity(act, program.net, n_cases)
    n_groups = len(program.size)
    many_vectors = -(-n_cases // width()) > 64
    for g in range(n_groups):
        by_vector, by_unit = words[g], words[n_groups + g]
        if g >= 2:
            assert by_vector == by_unit == -1
            continue
        if program.size[g] > 64:
            assert by_vector == -1
        else:
            want = activity(rows[g], by_vector=True)
            assert np.array_equal(words[by_vector:by_vector + want.size], want)
        if many_vectors:
            assert by_unit == -1
        else:
            want = activity(rows[g], by_vector=False)
            assert np.array_equal(words[by_unit:by_unit + want.size], want)


@pytest.mark.parametrize("n_d, n", [(54, 104), (7, 13), (1, 3)])
def test_bias_gradients_sum_lanes_then_halves(n_d, n):
    rng = np.random.default_rng(n)
    d = rng.normal(size=(n_d + 1) * n) * 10.0 ** rng.integers(-8, 8, size=(n_d + 1) * n)
    grad = np.full(n_d + 2, np.nan)
    want = grad.copy()
    for j in range(n_d):
        want[1 + j] = lane_sums(d[(1 + j) * n:(2 + j) * n], width(), lambda s, t: s + t)
    _totals(grad, 1, d, n, n_d, n)
    assert np.array_equal(grad, want, equal_nan=True)


def emulated_squares(a):
    """sum of a's squares in vectors._Vectors' order: vector v of whole groups of four to
    partial sum v mod 4, the rest to partial sum 0, lane by lane; then the halves."""
    w, n = width(), len(a)
    vectors = [list(a[v * w:(v + 1) * w]) for v in range((n + w - 1) // w)]
    vectors[-1] += [0.0] * (w - len(vectors[-1]))
    grouped = n // (4 * w) * 4
    partial = [[0.0] * w for _ in range(4)]
    for v, values in enumerate(vectors):
        lanes = partial[v % 4 if v < grouped else 0]
        for lane, x in enumerate(values):
            lanes[lane] = fma(x, x, lanes[lane])
    return halves_sum([(s0 + s1) + (s2 + s3) for s0, s1, s2, s3 in zip(*partial)])


@pytest.mark.parametrize("n", [2496, 104, 77, 5])
def test_sum_of_squares_keeps_four_partial_sums_of_vectors(n):
    rng = np.random.default_rng(n)
    a = rng.normal(size=n + 3) * 10.0 ** rng.integers(-8, 8, size=n + 3)
    assert _squares(a, 3, n) == emulated_squares(a[3:])


@numba.njit
def _output(y, t, m, d, start, n, margin, on_above, off_below, to_bound, scale, tanh):
    return kernel.output_errors(y, t, m, d, start, n, margin, on_above, off_below, to_bound,
                                scale, tanh)


@pytest.mark.parametrize("n", [2496, 77, 5])
@pytest.mark.parametrize("margin, to_bound, tanh", [(False, False, False), (True, True, False),
                                                    (True, False, True)])
def test_output_errors_are_residuals_squares_misses_and_slopes_in_one_pass(
        n, margin, to_bound, tanh):
    rng = np.random.default_rng(n)
    on_above, off_below, scale = 0.8, 0.2, 1.0 / 3.0
    y = rng.uniform(0, 1, n + 2)
    edges = rng.random(n + 2) < 0.15  # exactly at the thresholds, for the comparisons
    y[edges] = rng.choice([0.5, on_above, off_below], size=edges.sum())
    t = (rng.random(n) < 0.3) * 1.0
    m = (rng.random(n) < 0.9) * 1.0
    d = np.full(n + 2, np.nan)
    want_d = d.copy()
    gap, wrong, residual = 0.0, 0, []
    for i in range(n):
        yi, ti, mi = y[2 + i], t[i], m[i]
        diff = yi - ti
        if margin:
            on = ti >= 0.5
            beyond = yi >= on_above if on else yi <= off_below
            bound = (on_above if on else off_below) if to_bound else ti
            diff = 0.0 if beyond else yi - bound
        r = (diff * mi) * scale
        residual.append(r)
        want_d[2 + i] = r * (fma(-yi, yi, 1.0) if tanh else yi * (1.0 - yi))
        gap = max(gap, abs(yi - ti) * mi)
        wrong += mi != 0.0 and (yi > 0.5) != (ti > 0.5)
    got = _output(y, t, m, d, 2, n, margin, on_above, off_below, to_bound, scale, tanh)
    assert np.array_equal(d, want_d, equal_nan=True)
    assert got == (emulated_squares(residual), gap, wrong == 0)
    assert wrong > 0 or n == 5
    m[:] = np.where((y[2:] > 0.5) == (t > 0.5), m, 0.0)  # every training case right
    assert _output(y, t, m, d, 2, n, margin, on_above, off_below, to_bound, scale, tanh)[2]


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="an x86 target")
def test_a_cpu_without_avx512_gets_four_lanes_in_the_same_stated_orders(tmp_path):
    """This file again, compiled for a CPU with AVX2 and no AVX-512 (numba's target, so
    any x86 machine can run it): the other vector width, checked by the same
    emulations."""
    if os.environ.get(FOUR_LANES):
        assert width() == 4
        return
    env = {**os.environ, FOUR_LANES: "1", "NUMBA_CPU_NAME": "haswell",
           "NUMBA_CPU_FEATURES": "+avx,+avx2,+fma,+popcnt,+sse4.2",
           "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           __file__], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout


@numba.njit
def _logistic(a, start, n):
    kernel.logistic(a, start, n)


def test_the_logistic_is_its_stated_exp_and_one_division():
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(-40, 40, 600), rng.uniform(-709.7, 709.7, 200),
                        [-709.9, -745.0, 0.0, -0.0, 708.5, -708.5, 1e-300]])

    got = x.copy()
    _logistic(got, 0, got.size)
    want = np.array([emulated_logistic(xi) for xi in x])
    assert np.array_equal(got.view(np.int64), want.view(np.int64))
