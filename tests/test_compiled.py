"""The compiled backend against the numpy reference core: its exp, its sums, and whole
training runs on every kind of network the core supports."""

import dataclasses
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from nets import XOR_INPUTS, XOR_TARGETS, random_patterns, skip_and_tied, xor_221

from backprop86 import (
    ConfigError,
    ErrorFunction,
    LearningRule,
    Patterns,
    TrainConfig,
    layered,
    train,
)
from backprop86.backends import numba as compiled
from backprop86.backends.numba import codegen
from backprop86.core.criteria import OutputSummary
from backprop86.plan.setup import setup
from backprop86.run.experiment import run

pytestmark = pytest.mark.skipif(not compiled.available(), reason="numba not installed")
kernel = pytest.importorskip("backprop86.backends.numba.kernel")  # the compiled loops; needs numba

MONITOR = ("correct_side", "within_0.4", "within_0.1", "error_below_0.05")


def test_logistic_is_within_4_ulp_of_numpy_and_saturates_like_it():
    numba = pytest.importorskip("numba")
    logistic = numba.njit(lambda a, start, n: kernel.logistic(a, start, n))  # compiled
    x = np.concatenate([np.linspace(-700, 700, 200_001), np.linspace(-40, 40, 100_001),
                        [0.0, -0.0, 1e-300, -1e-300, 36.7, -36.7]])
    want = 1.0 / (1.0 + np.exp(-x))
    got = x.copy()
    logistic(got, 0, got.size)
    assert (np.abs(got - want) <= 4 * np.spacing(want)).all()
    with np.errstate(over="ignore"):
        edge = np.array([-1e4, -745.0, -709.9, 709.9, 745.0, 1e4, np.inf, -np.inf])
        ref = 1.0 / (1.0 + np.exp(-edge))
    got = edge.copy()
    logistic(got, 0, got.size)
    # Below -709.78 the numpy core gives exactly 0 (exp overflows); above +709 exactly 1.
    assert np.array_equal(got, ref)
    whole, part = x[:21].copy(), x[:21].copy()
    logistic(whole, 0, 21)
    logistic(part, 3, 13)  # a start and a length that are not whole vectors
    assert np.array_equal(part[3:16], whole[3:16])  # a number's bits, wherever it sits
    assert np.array_equal(part[:3], x[:3]) and np.array_equal(part[16:], x[16:21])


@pytest.mark.parametrize("n", [1, 3, 4, 7, 64, 104])
def test_sums_are_accurate_and_the_fixed_ones_in_their_stated_order(n):
    rng = np.random.default_rng(n)
    a, b = rng.normal(size=n + 3), rng.normal(size=n + 5)
    want = math.fsum(a[3:] * b[5:])  # offsets into flat arrays, as the kernel uses them
    assert kernel.dot4(a, 3, b, 5, n) == pytest.approx(want, rel=1e-13, abs=1e-15)
    assert kernel.total(a, 3, n) == pytest.approx(math.fsum(a[3:]), rel=1e-13, abs=1e-15)
    # Four partial sums over p mod 4, the remainder into the first: a stated order.
    five = np.random.default_rng(5).normal(size=5) * 10.0 ** np.arange(5)
    assert kernel.total(five, 0, 5) == ((five[0] + five[4]) + five[1]) + (five[2] + five[3])
    ones = np.ones(5)
    assert kernel.dot4(five, 0, ones, 0, 5) == kernel.total(five, 0, 5)
    # The sums of long rows, in LLVM's order: accurate, that is all one can ask.
    assert kernel.sum_of_squares(a, 3, n) == pytest.approx(math.fsum(a[3:] ** 2), rel=1e-13)
    grad = np.full(6, np.nan)
    half = (n + 4) // 2
    kernel.set_row_totals(grad, 2, b, 1, 2, half)
    want = [math.fsum(b[1 + j * half:1 + (j + 1) * half]) for j in range(2)]
    assert grad[2:4] == pytest.approx(want, rel=1e-13, abs=1e-15)
    assert np.isnan(grad[[0, 1, 4, 5]]).all()  # only the rows' own entries are set


def test_long_rows_ask_llvm_for_512_bit_vectors_and_short_ones_do_not():
    numba = pytest.importorskip("numba")

    def asks(x):
        kernel.wide_vectors()
        return x + 1.0

    compiled_asks = numba.njit(asks)  # not cached: numba shows the IR of fresh code only
    assert compiled_asks(1.0) == 2.0 and asks(1.0) == 2.0  # in Python, wide_vectors is a no-op
    ir = "".join(compiled_asks.inspect_llvm().values())
    assert '"prefer-vector-width"="512"' in ir
    program = compiled.program.Program.of(layered([6, 2, 1]))
    assert "wide_vectors()" in codegen.source(program, codegen.LONG_ROWS)
    assert "wide_vectors()" not in codegen.source(program, codegen.LONG_ROWS - 1)


def test_misses_agree_with_the_numpy_criteria_nan_included():
    rng = np.random.default_rng(3)
    n_out, n_cases, start = 3, 13, 2 * 13  # two rows of other units before the outputs
    y = rng.random((n_out + 2) * n_cases)
    t = (rng.random(n_out * n_cases) < 0.5).astype(float)
    m = (rng.random(n_cases) < 0.8).astype(float)
    outputs = y[start:].reshape(n_out, n_cases)
    targets = t.reshape(n_out, n_cases)
    summary = OutputSummary(outputs[None], targets[None], None, m[None] > 0)  # (K, O, P)
    gap, all_correct = kernel.misses(y, t, m, start, n_out, n_cases)
    assert gap == summary.max_abs_error[0]
    assert all_correct == summary.all_correct_side[0]
    y[start + 5] = np.nan  # a diverged network: no "within" criterion holds, as in numpy
    gap, _ = kernel.misses(y, t, m, start, n_out, n_cases)
    assert np.isnan(gap)


@pytest.mark.parametrize("n_d, n_a, n", [(1, 1, 1), (2, 4, 16), (3, 6, 104), (6, 24, 17),
                                         (5, 3, 64)])
def test_outer_sums_add_each_rows_products_to_its_weight(n_d, n_a, n):
    rng = np.random.default_rng(n_d * 100 + n_a)
    d = rng.normal(size=7 + n_d * n)  # rows at offsets, as the kernel's flat arrays
    a = rng.normal(size=2 + n_a * n)
    stride, base = n_a + 3, 5
    grad = rng.normal(size=base + n_d * stride)
    want = grad.copy()
    for j in range(n_d):
        for k in range(n_a):
            want[base + j * stride + k] += math.fsum(d[7 + j * n:7 + (j + 1) * n]
                                                     * a[2 + k * n:2 + (k + 1) * n])
    kernel.add_outer_sums(grad, base, stride, d, 7, n_d, a, 2, n_a, n, kernel._NO_WORDS, -1)
    assert grad == pytest.approx(want, rel=1e-13, abs=1e-14)


CASES = {
    "xor": (xor_221, None, LearningRule.constant(0.5, 0.9), ErrorFunction(), None),
    "six-two-one-mean": (lambda: layered([6, 2, 1]), 64, LearningRule.constant(0.1, 0.9),
                         ErrorFunction("mean"), None),
    "skip-tied-margin-decay-schedule": (
        skip_and_tied, 12, LearningRule(((0, 0.3, 0.5), (30, 0.5, 0.9)), weight_decay=0.001,
                                        decay_start=40),
        ErrorFunction(margin=(0.8, 0.2)), None),
    "margin-to-target-masked": (
        skip_and_tied, 12, LearningRule.constant(0.4, 0.8),
        ErrorFunction("mean", margin=(0.8, 0.2), margin_mode="to_target"), "mask"),
    "tanh": (lambda: dataclasses.replace(layered([3, 4, 2]), activation="tanh"), 8,
             LearningRule.constant(0.05, 0.5), ErrorFunction(), None),
}


def _patterns(spec, n_cases):
    if n_cases is None:
        return Patterns({"input": XOR_INPUTS}, XOR_TARGETS)
    return random_patterns(spec, n_cases, np.random.default_rng(11))


def test_threads_sharing_a_count_take_every_number_once():
    """The kernel's threads share networks by an atomic count: each number is taken by
    exactly one thread, however the threads interleave."""
    numba = pytest.importorskip("numba")

    @numba.njit(nogil=True)
    def take_all(counter, n, taken):
        count = 0
        while True:
            i = kernel.take_next(counter)
            if i >= n:
                return count
            taken[i] += 1
            count += 1

    n = 2_000_000
    counter, taken = np.zeros(1, dtype=np.int64), np.zeros(n, dtype=np.int64)
    take_all(np.zeros(1, dtype=np.int64), 0, taken)  # compile
    with ThreadPoolExecutor(3) as pool:
        counts = [f.result() for f in [pool.submit(take_all, counter, n, taken)
                                       for _ in range(3)]]
    assert sum(counts) == n and (taken == 1).all()
    python_counter = np.zeros(1, dtype=np.int64)  # the interpreter's version, for the tests
    assert [kernel.take_next(python_counter) for _ in range(3)] == [0, 1, 2]


def test_groups_computed_once_per_distinct_input_pattern_give_the_same_bits(monkeypatch):
    """A first layer whose inputs repeat (80 cases, 10 distinct patterns) is computed once
    per distinct pattern; the records are those of the computation for every case."""
    spec = layered([6, 8, 5])
    rng = np.random.default_rng(3)
    kinds = rng.integers(0, 2, size=(10, 6)).astype(float)
    pats = Patterns({"input": kinds[rng.integers(0, 10, size=80)]},
                    rng.integers(0, 2, size=(80, 5)).astype(float))
    program = compiled.program.Program.of(spec)
    template = np.zeros((program.n_units, 80))
    template[:6] = pats.inputs["input"].T
    distinct, compact = compiled.program.distinct_inputs(program, template, 80)
    assert distinct[0] >= 0 and distinct[1] == -1  # the hidden layer, not the output
    assert distinct[distinct[0]] == len(np.unique(pats.inputs["input"], axis=0))
    config = TrainConfig(rule=LearningRule.constant(0.3, 0.9), budget=300, stop="budget",
                         monitor=MONITOR)
    got = train(spec, pats, config, range(6), task="distinct", backend="numba", workers=2)
    monkeypatch.setattr(compiled.stepper, "distinct_inputs", lambda program, template, n: (
        np.full(len(program.compute), -1, dtype=np.int64), np.zeros(0)))
    every = train(spec, pats, config, range(6), task="distinct", backend="numba")
    for n in every.final:
        assert np.array_equal(got.final[n], every.final[n])
    for g in every.activity:
        assert np.array_equal(got.activity[g], every.activity[g])
    assert np.array_equal(got.error_values, every.error_values)


@pytest.mark.parametrize("case", CASES)
def test_training_matches_the_numpy_core_to_rounding(case):
    make_spec, n_cases, rule, error, masked = CASES[case]
    spec = make_spec()
    pats = _patterns(spec, n_cases)
    k = 12
    mask = None
    if masked:
        mask = np.ones((k, pats.n_cases), dtype=bool)
        mask[np.arange(k), np.arange(k) % pats.n_cases] = False
    config = TrainConfig(rule=rule, error=error, budget=150, stop="budget", monitor=MONITOR,
                         snapshot_sweeps=(0, 7, 100))
    ref = train(spec, pats, config, range(k), task=case, case_mask=mask)
    got = train(spec, pats, config, range(k), task=case, case_mask=mask, backend="numba")
    assert ref.meta["backend"] == "numpy" and got.meta["backend"] == "numba"
    for n in ref.final:
        np.testing.assert_allclose(got.final[n], ref.final[n], rtol=0, atol=1e-10)
        assert np.array_equal(got.initial[n], ref.initial[n])
        for sweep in (0, 7, 100):
            np.testing.assert_allclose(got.snapshots[sweep][n], ref.snapshots[sweep][n],
                                       rtol=0, atol=1e-10)
    for g in ref.activity:
        np.testing.assert_allclose(got.activity[g], ref.activity[g], rtol=0, atol=1e-10)
    np.testing.assert_allclose(got.error_values, ref.error_values, rtol=1e-9, atol=1e-12)
    assert np.array_equal(got.error_offsets, ref.error_offsets)
    assert np.array_equal(got.sweeps, ref.sweeps)


def test_stopping_and_censoring_match_the_numpy_core():
    """Every network stops at the same sweep (or is censored at the budget) with the same
    first sweeps of every criterion; an exact tie with a threshold could differ by one
    sweep, which these 200 seeds do not meet."""
    spec = xor_221()
    pats = Patterns({"input": XOR_INPUTS}, XOR_TARGETS)
    config = TrainConfig(rule=LearningRule.constant(0.5, 0.9), budget=3000, stop="within_0.1",
                         monitor=MONITOR)
    ref = train(spec, pats, config, range(200), task="xor")
    got = train(spec, pats, config, range(200), task="xor", backend="numba")
    assert 0 < ref.converged.sum() < 200  # some converge, some are censored
    assert np.array_equal(got.converged, ref.converged)
    assert np.array_equal(got.sweeps, ref.sweeps)
    for a, b in zip(got.first_sweep, ref.first_sweep):
        assert np.array_equal(a, b)
    np.testing.assert_allclose(got.final_error, ref.final_error, rtol=1e-8, atol=1e-12)


def test_a_task_run_gives_the_same_table_up_to_rounding():
    ref, _ = run("family_trees", "paper", range(4), {"budget": 60})
    got, records = run("family_trees", "paper", range(4), {"budget": 60}, backend="numba")
    assert records.meta["backend"] == "numba"
    assert list(got.columns) == list(ref.columns)
    numeric = ref.select_dtypes("number").columns
    np.testing.assert_allclose(got[numeric].astype(float), ref[numeric].astype(float),
                               rtol=1e-9, atol=1e-12)


def test_a_net_of_many_tied_projections_takes_the_general_passes():
    """T-C's retina, a projection per patch and per hidden unit: written out, its kernel
    would take minutes to compile; its general passes agree with the numpy core."""
    settings = {"retina": 5, "positions": "one", "budget": 150}
    ready = setup("t_c", "tied", settings)
    program = compiled.program.Program.of(ready.spec)
    # Small enough in parameters and patterns to be written out, but for its projections.
    assert program.n_params <= codegen.SMALL_NETWORK
    assert ready.patterns.n_cases <= codegen.SHORT_ROWS
    assert len(ready.spec.projections) > codegen.WRITTEN_PROJECTIONS
    assert not codegen.is_small(program, ready.patterns.n_cases)
    ref, _ = run("t_c", "tied", range(3), settings)
    got, records = run("t_c", "tied", range(3), settings, backend="numba")
    assert records.meta["backend"] == "numba"
    numeric = ref.select_dtypes("number").columns
    np.testing.assert_allclose(got[numeric].astype(float), ref[numeric].astype(float),
                               rtol=1e-9, atol=1e-12)


def test_per_pattern_runs_and_observers_stay_on_numpy():
    spec = xor_221()
    pats = Patterns({"input": XOR_INPUTS}, XOR_TARGETS)
    per_pattern = TrainConfig(rule=LearningRule.constant(0.5, 0.9, mode="pattern"), budget=5,
                              stop="budget")
    assert train(spec, pats, per_pattern, [0], task="xor",
                 backend="numba").meta["backend"] == "numpy"
    batch = TrainConfig(rule=LearningRule.constant(0.5, 0.9), budget=5, stop="budget")
    seen = []
    rec = train(spec, pats, batch, [0], task="xor", backend="numba",
                observer=lambda sweep, *rest: seen.append(sweep))
    assert rec.meta["backend"] == "numpy" and seen == [0, 1, 2, 3, 4]


def test_unknown_backend_is_a_one_line_config_error():
    spec = xor_221()
    pats = Patterns({"input": XOR_INPUTS}, XOR_TARGETS)
    config = TrainConfig(rule=LearningRule.constant(0.5, 0.9), budget=1, stop="budget")
    with pytest.raises(ConfigError, match=r"^backend: unknown 'cuda'; allowed: numpy, numba$"):
        train(spec, pats, config, [0], task="xor", backend="cuda")


def test_the_python_kernel_agrees_with_the_compiled_one():
    """The kernel's own source, run by the Python interpreter, is an independent check on
    what numba made of it."""
    spec = skip_and_tied()
    pats = _patterns(spec, 12)  # the shapes of a case above: its kernel is compiled already
    config = TrainConfig(rule=LearningRule(((0, 0.3, 0.5), (3, 0.5, 0.9)), weight_decay=0.01),
                         error=ErrorFunction(margin=(0.8, 0.2)), budget=6, stop="budget",
                         monitor=MONITOR)
    fast = train(spec, pats, config, range(3), task="py", backend="numba")
    with pytest.MonkeyPatch.context() as patch:
        compiled_kernel = codegen.kernel_for
        patch.setattr(codegen, "kernel_for", lambda *a: compiled_kernel(*a).py_func)
        patch.setattr(codegen, "compile_once", lambda *a: None)
        slow = train(spec, pats, config, range(3), task="py", backend="numba")
    for n in fast.final:
        np.testing.assert_allclose(slow.final[n], fast.final[n], rtol=0, atol=1e-13)
    np.testing.assert_allclose(slow.error_values, fast.error_values, rtol=1e-12)


@pytest.mark.parametrize("case", ["xor", "six-two-one-mean", "skip-tied-margin-decay-schedule",
                                  "tanh"])
def test_written_out_passes_give_the_bits_of_the_general_ones(case, monkeypatch):
    """A small network's kernel spells its passes out (codegen); a large one's walks index
    arrays (kernel.py). The same operations in the same order: the same bits."""
    make_spec, n_cases, rule, error, _ = CASES[case]
    spec = make_spec()
    pats = _patterns(spec, n_cases)
    assert codegen.is_small(compiled.program.Program.of(spec), pats.n_cases)
    config = TrainConfig(rule=rule, error=error, budget=120, stop="budget", monitor=MONITOR)
    written = train(spec, pats, config, range(6), task=case, backend="numba")
    monkeypatch.setattr(codegen, "SMALL_NETWORK", 0)
    assert not codegen.is_small(compiled.program.Program.of(spec), pats.n_cases)
    general = train(spec, pats, config, range(6), task=case, backend="numba")
    for n in written.final:
        assert np.array_equal(written.final[n], general.final[n])
    assert np.array_equal(written.error_values, general.error_values)


def test_kernel_sources_are_kept_by_a_hash_of_their_text(tmp_path, monkeypatch):
    monkeypatch.setenv(codegen.CACHE_VARIABLE, str(tmp_path))
    program = compiled.program.Program.of(xor_221())
    text = codegen.source(program, 4)
    assert "def forward(" in text and "for p in range(4):" in text  # written out
    assert codegen.source(program, 4) == text and codegen.source(program, 8) != text
    path = codegen._write("k", text)
    assert path.parent == tmp_path and path.read_text() == text
    stamp = path.stat().st_mtime_ns
    assert codegen._write("k", text) == path and path.stat().st_mtime_ns == stamp  # kept
