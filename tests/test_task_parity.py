"""Parity task: patterns, the count-threshold score on known networks, a smoke run."""

import numpy as np
import pytest

from backprop86.core.propagation import forward
from backprop86.errors import ConfigError
from backprop86.plan.setup import resolve_settings
from backprop86.run.experiment import run
from backprop86.tasks import TASKS, parity


def build(variant):
    """The variant's network and patterns at its paper defaults."""
    return variant.build(resolve_settings(variant))


def _forward(n, params):
    spec, pats = build(parity.TASK.variants[str(n)])
    params = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    return forward(spec, params, {"input": pats.inputs["input"].T}), pats


def _counts(n):
    return parity.inputs(n).sum(axis=1).astype(int)


@pytest.mark.parametrize("n", parity.SIZES)
def test_patterns_are_all_vectors_with_odd_parity_targets(n):
    pats = parity.patterns(n)
    x = pats.inputs["input"]
    assert x.shape == (2 ** n, n)
    assert len({tuple(r) for r in x}) == 2 ** n
    assert set(np.unique(x)) == {0.0, 1.0}
    assert pats.targets.shape == (2 ** n, 1)
    assert pats.targets.sum() == 2 ** (n - 1)
    assert (pats.targets[:, 0] == x.sum(axis=1) % 2).all()
    assert pats.targets[0, 0] == 0 and pats.targets[1, 0] == 1  # 0...0 even, 0...01 odd


def test_registry_variants_and_default():
    task = TASKS["parity"]
    assert list(task.variants) == [str(n) for n in range(2, 9)]
    assert task.default_variant == "4"
    for variant in task.variants.values():
        spec, _ = build(variant)
        n = int(variant.name)
        assert spec.groups == {"input": n, "hidden": n, "output": 1}
        assert len(spec.projections) == 2  # no direct input-output connections


@pytest.mark.parametrize("n", [2, 4, 6])
def test_fig6_paradigm_computes_parity_and_is_the_threshold_solution(n):
    activity, pats = _forward(n, parity.fig6_weights(n, gain=20.0))
    y = activity["output"][0, 0]
    assert ((y > 0.5) == (pats.targets[:, 0] > 0.5)).all()
    units = parity.threshold_units(activity["hidden"].transpose(0, 2, 1), _counts(n))
    assert units["is_threshold"].all()
    assert (units["direction"] == 1).all()
    assert units["threshold"][0].tolist() == list(range(1, n + 1))
    assert parity.has_threshold_solution(units["is_threshold"], units["threshold"]).all()


def test_table3_codes_are_inverted_thresholds_3_1_4_2():
    units = parity.threshold_units(parity.table3_activity(), _counts(4))
    assert units["is_threshold"].all()
    assert (units["direction"] == -1).all()
    assert units["threshold"][0].tolist() == [3, 1, 4, 2]
    assert parity.has_threshold_solution(units["is_threshold"], units["threshold"])[0]


def test_table3_outputs_are_parity():
    assert all(out == count % 2 for count, (_, out) in parity.PDP_TABLE3.items())


def test_inverted_permuted_network_is_still_the_solution():
    w = parity.fig6_weights(4, gain=20.0)
    order = [2, 0, 3, 1]
    flipped = {
        "hidden<-input": -w["hidden<-input"][:, order],
        "hidden.bias": -w["hidden.bias"][:, order],
        # Inverting a hidden unit flips its output weight and moves it into the bias.
        "output<-hidden": -w["output<-hidden"][:, :, order],
        "output.bias": w["output.bias"] + w["output<-hidden"].sum(axis=2),
    }
    activity, pats = _forward(4, flipped)
    assert ((activity["output"][0, 0] > 0.5) == (pats.targets[:, 0] > 0.5)).all()
    units = parity.threshold_units(activity["hidden"].transpose(0, 2, 1), _counts(4))
    assert (units["direction"] == -1).all()
    assert units["threshold"][0].tolist() == [3, 1, 4, 2]
    assert parity.has_threshold_solution(units["is_threshold"], units["threshold"])[0]


def test_units_that_read_particular_inputs_are_not_threshold_units():
    x = parity.inputs(4)
    # Unit 1 copies input 1; unit 2 is on for one input pattern only; unit 3 is constant;
    # unit 4 rises then falls with the count (not monotonic).
    count = x.sum(axis=1)
    act = np.stack([x[:, 0], (count == 1) & (x[:, 3] == 1), np.full(16, 0.9),
                    (count == 2).astype(float)], axis=1)[None]
    units = parity.threshold_units(act.astype(float), _counts(4))
    assert not units["is_threshold"].any()
    assert (units["threshold"] == -1).all() and (units["direction"] == 0).all()
    assert not parity.has_threshold_solution(units["is_threshold"], units["threshold"])[0]


def test_spread_within_a_count_is_tolerated_only_up_to_the_constant():
    base = parity.table3_activity()[0]
    counts = _counts(4)
    # Move one count-2 case of unit 1 (on at count 2) towards off, just inside and outside.
    case = np.flatnonzero(counts == 2)[0]
    inside, outside = base.copy(), base.copy()
    inside[case, 0] -= parity.COUNT_SPREAD - 0.01
    outside[case, 0] -= parity.COUNT_SPREAD + 0.01
    units = parity.threshold_units(np.stack([inside, outside]), counts)
    assert units["is_threshold"][:, 0].tolist() == [True, False]
    assert units["is_threshold"][:, 1:].all()


def test_a_unit_that_crosses_the_switch_level_twice_is_not_a_threshold_unit():
    counts = _counts(3)
    # Count means 0.3, 0.52, 0.49, 0.9: monotonic within the slack, but it crosses 0.5 at
    # count 1, falls back under it at count 2 and crosses again at 3. Mirrored: falling.
    means = np.array([0.3, 0.52, 0.49, 0.9])
    act = np.stack([means[counts], 1.0 - means[counts]], axis=1)[None]
    units = parity.threshold_units(act, counts)
    assert not units["is_threshold"].any()
    # The same unit without the dip is a threshold unit at count 1, in both directions.
    means = np.array([0.3, 0.52, 0.55, 0.9])
    act = np.stack([means[counts], 1.0 - means[counts]], axis=1)[None]
    units = parity.threshold_units(act, counts)
    assert units["direction"][0].tolist() == [1, -1]
    assert units["threshold"][0].tolist() == [1, 1]


def test_duplicate_thresholds_are_not_the_solution():
    # Four increasing threshold units, thresholds 1, 1, 2, 3: every unit passes, the net not.
    counts = _counts(4)
    act = np.stack([(counts >= t).astype(float) for t in (1, 1, 2, 3)], axis=1)[None]
    units = parity.threshold_units(act, counts)
    assert units["is_threshold"].all()
    assert units["threshold"][0].tolist() == [1, 1, 2, 3]
    assert not parity.has_threshold_solution(units["is_threshold"], units["threshold"])[0]


def test_bad_activity_shape_is_a_config_error():
    with pytest.raises(ConfigError, match="activity"):
        parity.threshold_units(np.zeros((1, 15, 4)), _counts(4))


def test_score_columns_are_documented():
    for n in parity.SIZES:
        for column in ("count_threshold", "direction", "threshold"):
            assert f"h{n}_{column}" in parity.SCORE_COLUMNS


@pytest.mark.parametrize("variant", list(parity.TASK.variants))
def test_smoke_run_every_variant(variant):
    table, records = run("parity", variant, [0, 1], {"budget": 50})
    n = int(variant)
    expected = [f"h{j}_{c}" for j in range(1, n + 1)
                for c in ("count_threshold", "direction", "threshold")]
    expected += ["n_count_threshold_units", "threshold_solution"]
    score_cols = [c for c in table.columns if c in parity.SCORE_COLUMNS]
    assert score_cols == expected
    assert len(table) == 2
    assert records.activity["hidden"].shape == (2, 2 ** n, n)


def test_hidden_setting_sizes_the_layer_and_only_n_units_can_be_the_solution():
    table, records = run("parity", "4", [0, 1], {"hidden": 5, "budget": 20})
    assert records.activity["hidden"].shape == (2, 16, 5)
    assert "h5_count_threshold" in table.columns
    # Fig. 6 read with thresholds 1..3 on 3 units, for 4 inputs: not the solution.
    is_threshold = np.ones((1, 3), dtype=bool)
    assert parity.has_threshold_solution(is_threshold, np.array([[1, 2, 3]]))
    assert not parity.has_threshold_solution(is_threshold, np.array([[1, 2, 3]]), n_inputs=4)


@pytest.mark.parametrize("value", [0, 9, 2.5, True, "four"])
def test_bad_hidden_setting_is_a_one_line_config_error(value):
    with pytest.raises(ConfigError, match=r"hidden: .*allowed: a whole number of hidden "
                                          r"units 1\.\.8"):
        run("parity", "4", [0], {"hidden": value, "budget": 1})
