"""Encoder task: patterns, the hidden-code scores on known codes and networks, a smoke run."""

import numpy as np
import pytest

from backprop86.core.propagation import forward
from backprop86.errors import ConfigError
from backprop86.plan.setup import resolve_settings
from backprop86.run.experiment import run
from backprop86.tasks import TASKS, encoder


def build(variant):
    """The variant's network and patterns at its paper defaults."""
    return variant.build(resolve_settings(variant))


@pytest.mark.parametrize("name", list(encoder.SIZES))
def test_patterns_are_one_hot_to_themselves(name):
    n, h = encoder.SIZES[name]
    spec, pats = build(encoder.TASK.variants[name])
    x = pats.inputs["input"]
    assert x.shape == (n, n)
    assert (x.sum(axis=1) == 1).all() and (x.sum(axis=0) == 1).all()
    assert (pats.targets == x).all()
    assert spec.groups == {"input": n, "hidden": h, "output": n}
    assert len(spec.projections) == 2


def test_registry_default_and_unconfirmed_rule():
    task = TASKS["encoder"]
    assert task.default_variant == "8-3-8"
    assert set(task.variants) == {"8-3-8", "4-2-4", "16-4-16"}
    s = task.variants["8-3-8"].settings()
    assert (s["eps"].value, s["alpha"].value) == (0.5, 0.9)
    assert s["eps"].confidence == s["alpha"].confidence == "UNCONFIRMED"


def test_table5_scores_8_distinct_4_binary_4_intermediate():
    scores = encoder.code_scores(encoder.PDP_TABLE5_CODES[None])
    assert scores["codes_distinct"][0]
    assert scores["min_code_distance"][0] == pytest.approx(0.5)
    assert scores["n_binary_codes"][0] == 4
    assert scores["n_intermediate_codes"][0] == 4


def test_table5_codes_are_the_printed_ones():
    # PAPER_FACTS B.3: the .5 level appears in the codes of inputs 1, 6, 7 and 8.
    has_half = (encoder.PDP_TABLE5_CODES == 0.5).any(axis=1)
    assert np.flatnonzero(has_half).tolist() == [0, 5, 6, 7]
    assert set(np.unique(encoder.PDP_TABLE5_CODES)) == {0.0, 0.5, 1.0}


@pytest.mark.parametrize("name", list(encoder.SIZES))
def test_binary_code_network_solves_the_task_with_binary_distinct_codes(name):
    n, h = encoder.SIZES[name]
    spec, pats = build(encoder.TASK.variants[name])
    params = encoder.binary_code_weights(n, h, gain=12.0)
    activity = forward(spec, params, {"input": pats.inputs["input"].T})
    y = activity["output"][0]
    assert (np.abs(y - pats.targets.T) < 0.1).all()
    scores = encoder.code_scores(activity["hidden"].transpose(0, 2, 1))
    assert scores["codes_distinct"][0]
    assert scores["n_binary_codes"][0] == n and scores["n_intermediate_codes"][0] == 0


def test_repeated_and_near_codes_are_not_distinct():
    codes = np.array([encoder.PDP_TABLE5_CODES] * 3)
    codes[1, 2] = codes[1, 1]  # two inputs share a code
    codes[2, 2] = codes[2, 1] + [0.0, 0.0, encoder.DISTINCT_RESOLUTION - 0.01]
    scores = encoder.code_scores(codes)
    assert scores["codes_distinct"].tolist() == [True, False, False]
    assert scores["min_code_distance"][1] == 0.0


def test_binary_band_edges():
    codes = np.array([[[0.19, 0.81], [0.2, 0.9], [0.85, 0.8], [0.0, 1.0]]])
    scores = encoder.code_scores(codes)
    assert scores["n_binary_codes"][0] == 2  # 0.2 and 0.8 count as intermediate
    assert scores["n_intermediate_codes"][0] == 2


def test_bad_codes_shape_is_a_config_error():
    with pytest.raises(ConfigError, match="codes"):
        encoder.code_scores(np.zeros((8, 3)))
    with pytest.raises(ConfigError, match="n_hidden"):
        encoder.binary_code_weights(8, 2, gain=1.0)


@pytest.mark.parametrize("variant", list(encoder.TASK.variants))
def test_smoke_run_every_variant(variant):
    table, records = run("encoder", variant, [0, 1], {"budget": 200})
    n, h = encoder.SIZES[variant]
    assert [c for c in table.columns if c in encoder.SCORE_COLUMNS] == \
        list(encoder.SCORE_COLUMNS)
    assert (table["n_binary_codes"] + table["n_intermediate_codes"] == n).all()
    # The code table itself stays available in the records.
    assert records.activity["hidden"].shape == (2, n, h)


def test_hidden_setting_defaults_to_log2_n_and_sizes_the_layer():
    for name, (n, h) in encoder.SIZES.items():
        assert encoder.TASK.variants[name].settings()["hidden"].value == h
    _, records = run("encoder", "8-3-8", [0], {"hidden": 2, "budget": 10})
    assert records.activity["hidden"].shape == (1, 8, 2)
    with pytest.raises(ConfigError, match=r"hidden: 9; allowed: .*1\.\.8"):
        run("encoder", "8-3-8", [0], {"hidden": 9, "budget": 1})
