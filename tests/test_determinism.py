"""A seed's results are the same bits alone, among many, or in any chunking, with either
backend (the numpy reference core and the compiled numba kernel)."""

import numpy as np
import pytest
from nets import XOR_INPUTS, XOR_TARGETS, random_patterns, skip_and_tied, xor_221

from backprop86 import ErrorFunction, LearningRule, Patterns, TrainConfig, train
from backprop86.backends import numba as compiled
from backprop86.run.experiment import run

MONITOR = ("correct_side", "within_0.4", "within_0.1")
BACKENDS = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(
    not compiled.available(), reason="numba not installed"))]


def _assert_same_network(a, i, b, j):
    for n in a.final:
        assert np.array_equal(a.final[n][i], b.final[n][j]), n
        assert np.array_equal(a.initial[n][i], b.initial[n][j]), n
    for g in a.activity:
        assert np.array_equal(a.activity[g][i], b.activity[g][j]), g
    assert np.array_equal(a.error_curve(i), b.error_curve(j))
    assert a.sweeps[i] == b.sweeps[j]
    for fa, fb in zip(a.first_sweep, b.first_sweep):
        assert fa[i] == fb[j]


def symmetry_like():
    from backprop86 import layered
    return layered([6, 2, 1])


CASES = {
    # 64 patterns: long enough sums that a BLAS call whose shape contains K would sum in
    # another order for another K (it did, before the core made every call per network).
    "six-two-one-64": (symmetry_like, 64, LearningRule.constant(0.1, 0.9), ErrorFunction()),
    "xor-batch": (xor_221, None, LearningRule.constant(0.5, 0.9), ErrorFunction()),
    "skip-tied-margin-mean": (skip_and_tied, 12,
                              LearningRule(((0, 0.3, 0.5), (30, 0.5, 0.9)), weight_decay=0.001),
                              ErrorFunction("mean", margin=(0.8, 0.2))),
    "xor-pattern-shuffled": (xor_221, None,
                             LearningRule.constant(0.5, 0.9, mode="pattern",
                                                   pattern_order="shuffled"), ErrorFunction()),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES)
def test_same_bits_across_ensemble_sizes_and_chunks(case, backend):
    make_spec, n_cases, rule, error = CASES[case]
    spec = make_spec()
    if n_cases is None:
        pats = Patterns({"input": XOR_INPUTS}, XOR_TARGETS)
    else:
        pats = random_patterns(spec, n_cases, np.random.default_rng(7))
    config = TrainConfig(rule=rule, error=error, budget=400, stop="within_0.1",
                         monitor=MONITOR, snapshot_sweeps=(5, 50))
    seeds = np.arange(64)
    whole = train(spec, pats, config, seeds, task=case, block_size=64, backend=backend)
    blocked = train(spec, pats, config, seeds, task=case, block_size=5, workers=2,
                    backend=backend)
    for s in seeds:
        _assert_same_network(whole, int(s), blocked, int(s))
    for chunk in ([0], [17, 3], list(range(40, 64)), [63, 0, 31]):
        part = train(spec, pats, config, chunk, task=case, backend=backend)
        for j, s in enumerate(chunk):
            _assert_same_network(whole, int(s), part, j)
            for sweep in (5, 50):
                for n in whole.final:
                    assert np.array_equal(whole.snapshots[sweep][n][s],
                                          part.snapshots[sweep][n][j])


@pytest.mark.parametrize("backend", BACKENDS)
def test_case_mask_rows_belong_to_their_seed(backend):
    spec = xor_221()
    pats = Patterns({"input": XOR_INPUTS}, XOR_TARGETS)
    config = TrainConfig(rule=LearningRule.constant(0.5, 0.9), budget=200, stop="correct_side")
    mask = np.ones((6, 4), dtype=bool)
    mask[np.arange(6), np.arange(6) % 4] = False
    whole = train(spec, pats, config, range(6), task="xor", case_mask=mask, backend=backend)
    alone = train(spec, pats, config, [4], task="xor", case_mask=mask[[4]], backend=backend)
    _assert_same_network(whole, 4, alone, 0)


def test_initial_weights_depend_on_task_and_seed_only():
    spec = xor_221()
    pats = Patterns({"input": XOR_INPUTS}, XOR_TARGETS)
    config = TrainConfig(rule=LearningRule.constant(0.5, 0.9), budget=0, stop="budget")
    a = train(spec, pats, config, [5, 6], task="xor")
    b = train(spec, pats, config, [6], task="xor")
    c = train(spec, pats, config, [6], task="parity")
    for n in a.initial:
        assert np.array_equal(a.initial[n][1], b.initial[n][0])
        assert not np.array_equal(b.initial[n][0], c.initial[n][0])
        assert np.abs(a.initial[n]).max() <= 0.3


@pytest.mark.parametrize("task, variant, budget", [
    ("xor", "2-1-1", 300), ("parity", "3", 300), ("encoder", "4-2-4", 300),
    ("symmetry", "6-2-1", 100), ("family_trees", "paper", 30),
    ("family_trees", "random-split", 30)])
def test_a_seeds_row_does_not_depend_on_its_batch(task, variant, budget):
    """Every number of a seed's row of the runs table (its scores too, whose arithmetic
    on a batch could depend on the batch) is the same text trained alone as among
    others."""
    whole, _ = run(task, variant, [0, 1, 2], {"budget": budget})
    for i, seed in enumerate((0, 1, 2)):
        alone, _ = run(task, variant, [seed], {"budget": budget})
        assert whole.iloc[[i]].to_csv(index=False) == alone.to_csv(index=False), seed
