"""Unit behaviour of the logistic, the error function, criteria and the records files."""

import warnings

import numpy as np
import pandas as pd
from nets import XOR_INPUTS, XOR_TARGETS, xor_221

from backprop86 import (
    EnsembleRecords,
    ErrorFunction,
    LearningRule,
    Patterns,
    TrainConfig,
    train,
)
from backprop86.core.activations import logistic
from backprop86.core.criteria import parse


def test_logistic_is_exact_and_silent_at_any_net_input():
    x = np.array([-1e6, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = logistic(x)
    np.testing.assert_allclose(y[2:7], 1 / (1 + np.exp(-x[2:7])), rtol=1e-15)
    assert y[0] == 0.0 and y[-1] == 1.0 and y[4] == 0.5


def test_error_is_half_sum_of_squares_and_mean_divides_by_cases_and_outputs():
    y = np.array([[[0.2, 0.9, 0.6]]])        # K=1, one output, three cases
    d = np.array([[0.0, 1.0, 1.0]])
    e_sum, g_sum = ErrorFunction("sum")(y, d)
    assert np.isclose(e_sum[0], 0.5 * (0.04 + 0.01 + 0.16))
    np.testing.assert_allclose(g_sum[0, 0], [0.2, -0.1, -0.4])
    e_mean, g_mean = ErrorFunction("mean")(y, d)
    assert np.isclose(e_mean[0], e_sum[0] / 3)
    np.testing.assert_allclose(g_mean, g_sum / 3)


def test_margin_zeroes_error_beyond_the_bounds():
    y = np.array([[[0.85, 0.7, 0.1, 0.3]]])
    d = np.array([[1.0, 1.0, 0.0, 0.0]])
    _, to_bound = ErrorFunction(margin=(0.8, 0.2))(y, d)
    np.testing.assert_allclose(to_bound[0, 0], [0.0, 0.7 - 0.8, 0.0, 0.3 - 0.2])
    _, to_target = ErrorFunction(margin=(0.8, 0.2), margin_mode="to_target")(y, d)
    np.testing.assert_allclose(to_target[0, 0], [0.0, 0.7 - 1.0, 0.0, 0.3])


def test_criteria_on_known_outputs():
    y = np.array([[[0.45, 0.95]], [[0.55, 0.85]]])   # two networks, one output, two cases
    d = np.array([[1.0, 1.0]])
    error = np.array([0.2, 0.05])
    assert list(parse("correct_side")(y, d, error, None)) == [False, True]
    assert list(parse("within_0.2")(y, d, error, None)) == [False, False]
    assert list(parse("within_0.5")(y, d, error, None)) == [False, True]
    assert list(parse("error_below_0.1")(y, d, error, None)) == [False, True]
    mask = np.array([[False, True], [True, True]])    # case 0 held out for network 0
    assert list(parse("correct_side")(y, d, error, mask)) == [True, True]


def test_censored_networks_are_kept_and_records_round_trip(tmp_path):
    config = TrainConfig(rule=LearningRule.constant(0.5, 0.9), budget=30, stop="within_0.1",
                         monitor=("correct_side",), snapshot_sweeps=(10,))
    rec = train(xor_221(), Patterns({"input": XOR_INPUTS}, XOR_TARGETS), config, [1, 2, 3],
                task="xor")
    assert (rec.sweeps == 30).all() and not rec.converged.any()
    table = rec.table()
    assert list(table.columns) == ["seed", "stop", "sweeps", "converged", "final_error",
                                   "sweeps_to_correct_side", "sweeps_to_within_0.1"]
    assert table["sweeps_to_within_0.1"].isna().all()
    assert len(rec.error_curve(0)) == 31
    assert rec.activity["hidden"].shape == (3, 4, 2)
    rec.save_arrays(tmp_path / "r.npz")
    back = EnsembleRecords.load_arrays(tmp_path / "r.npz")
    pd.testing.assert_frame_equal(back.table(), table)
    for n in rec.final:
        assert np.array_equal(back.snapshots[10][n], rec.snapshots[10][n])
    assert back.meta["network"]["groups"] == {"input": 2, "hidden": 2, "output": 1}


def test_per_sweep_schedule_is_at_and_decays_at_for_every_sweep():
    rule = LearningRule(((0, 0.005, 0.5), (20, 0.01, 0.9), (35, 0.1, 0.0)),
                        weight_decay=0.002, decay_start=30)
    eps, alpha, decays = rule.per_sweep(50)
    assert len(eps) == len(alpha) == len(decays) == 51
    for s in range(51):
        assert (eps[s], alpha[s]) == (rule.at(s).eps, rule.at(s).alpha)
        assert decays[s] == rule.decays_at(s)
    assert not LearningRule.constant(0.5, 0.9).per_sweep(3)[2].any()


def test_snapshot_of_networks_that_stopped_before_it_in_every_block():
    """A snapshot sweep that some blocks never reach (all their networks stopped before)
    is still recorded for every network, stopped ones holding their final weights, the
    same whatever the blocking."""
    spec = xor_221()
    pats = Patterns({"input": XOR_INPUTS}, XOR_TARGETS)
    config = TrainConfig(rule=LearningRule.constant(0.5, 0.9), budget=600,
                         stop="correct_side", monitor=("correct_side",),
                         snapshot_sweeps=(300, 900))
    whole = train(spec, pats, config, range(8), task="xor", block_size=8)
    blocked = train(spec, pats, config, range(8), task="xor", block_size=1, workers=2)
    stopped = whole.sweeps < 300
    assert stopped.any() and not stopped.all()
    assert list(whole.snapshots) == list(blocked.snapshots) == [300]  # 900 > budget
    for n in whole.final:
        assert np.array_equal(whole.snapshots[300][n][stopped], whole.final[n][stopped])
        assert np.array_equal(whole.snapshots[300][n], blocked.snapshots[300][n])
    assert np.array_equal(whole.error_values, blocked.error_values)
