"""Symmetry task: patterns, the printed nets of Nature Fig. 1 and PDP Fig. 9, the mirror
structure scores on known weights, a smoke run."""

import numpy as np
import pytest

from backprop86.core.propagation import forward
from backprop86.errors import ConfigError
from backprop86.run.experiment import run
from backprop86.tasks import TASKS, symmetry

PRINTED = {"nature_fig1": symmetry.NATURE_FIG1_WEIGHTS, "pdp_fig9": symmetry.PDP_FIG9_WEIGHTS}


def _params(weights):
    return {k: np.asarray(v, dtype=float) for k, v in weights.items()}


def _outputs(weights):
    spec, pats = symmetry.TASK.variants["6-2-1"].build({})
    activity = forward(spec, _params(weights), {"input": pats.inputs["input"].T})
    return activity["output"][0, 0], pats


def test_patterns_all_64_vectors_eight_symmetric():
    pats = symmetry.patterns()
    x = pats.inputs["input"]
    assert x.shape == (64, 6) and len({tuple(r) for r in x}) == 64
    on = pats.targets[:, 0] == 1
    assert on.sum() == 8
    assert (x[on] == x[on][:, ::-1]).all()
    assert not (x[~on] == x[~on][:, ::-1]).all(axis=1).any()
    assert set(np.unique(pats.targets)) == {0.0, 1.0}


def test_variant_defaults_cite_the_caption():
    variant = TASKS["symmetry"].variants["6-2-1"]
    s = variant.settings()
    assert (s["eps"].value, s["alpha"].value, s["init_range"].value) == (0.1, 0.9, 0.3)
    assert all(s[k].confidence == "P-txt" for k in ("eps", "alpha", "init_range"))
    assert s["budget"].value >= 50_000
    spec, _ = variant.build({})
    assert spec.groups == {"input": 6, "hidden": 2, "output": 1}
    assert spec.parameter_shapes() == {"hidden<-input": (2, 6), "output<-hidden": (1, 2),
                                       "hidden.bias": (2,), "output.bias": (1,)}


@pytest.mark.parametrize("name", PRINTED)
def test_printed_weights_have_the_package_shapes(name):
    shapes = {k: v.shape for k, v in _params(PRINTED[name]).items()}
    assert shapes == {"hidden<-input": (1, 2, 6), "output<-hidden": (1, 1, 2),
                      "hidden.bias": (1, 2), "output.bias": (1, 1)}


def test_nature_fig1_classifies_all_64():
    # PAPER_FACTS A.1 [D]: symmetric inputs give 0.881, the others 0.083-0.156, E = 0.346.
    y, pats = _outputs(symmetry.NATURE_FIG1_WEIGHTS)
    on = pats.targets[:, 0] == 1
    assert np.allclose(y[on], 0.881, atol=0.001)
    assert y[~on].max() == pytest.approx(0.156, abs=0.001)
    assert y[~on].min() == pytest.approx(0.083, abs=0.001)
    assert 0.5 * ((y - pats.targets[:, 0]) ** 2).sum() == pytest.approx(0.346, abs=0.001)


def test_pdp_fig9_classifies_all_64():
    # PAPER_FACTS B.4 [D]: symmetric 0.857-0.872, the others 0.072-0.169, E = 0.354.
    y, pats = _outputs(symmetry.PDP_FIG9_WEIGHTS)
    on = pats.targets[:, 0] == 1
    assert y[on].min() > 0.856 and y[on].max() < 0.873
    assert y[~on].min() > 0.071 and y[~on].max() < 0.170
    assert 0.5 * ((y - pats.targets[:, 0]) ** 2).sum() == pytest.approx(0.354, abs=0.001)


@pytest.mark.parametrize("name", PRINTED)
def test_printed_nets_are_antisymmetric_124_sign_flipped_copies(name):
    scores = symmetry.weight_scores(_params(PRINTED[name]))
    assert scores["antisymmetric_124"][0]
    assert scores["sign_flipped_copies"][0]
    assert scores["hidden_cosine"][0] < -0.999
    for h in ("h1", "h2"):
        assert scores[f"{h}_antisymmetry"][0] > 0.99
        assert scores[f"{h}_ratio_mid"][0] == pytest.approx(2.0, rel=0.02)
        assert scores[f"{h}_ratio_large"][0] == pytest.approx(4.0, rel=0.02)


def test_printed_nets_order_the_pairs_differently():
    nature = symmetry.weight_scores(_params(symmetry.NATURE_FIG1_WEIGHTS))
    pdp = symmetry.weight_scores(_params(symmetry.PDP_FIG9_WEIGHTS))
    assert nature["h1_pair_order"][0] == "outer>inner>middle"
    assert pdp["h1_pair_order"][0] == "inner>middle>outer"


def test_antisymmetry_index_known_values():
    w = np.array([[[1.0, 2.0, 4.0, -4.0, -2.0, -1.0],   # exact: 1
                   [1.0, 2.0, 4.0, 4.0, 2.0, 1.0],      # mirror-symmetric: 0
                   [1.0, 0.0, 4.0, -4.0, 2.0, -1.0],    # middle pair one-sided: 0 there
                   [3.0, 2.0, 4.0, -4.0, -2.0, -1.0]]])  # outer pair 3 vs -1: 0.5 there
    index = symmetry.antisymmetry_index(w)[0]
    assert index == pytest.approx([1.0, 0.0, 2 / 3, 2.5 / 3])


def test_ratios_are_up_to_a_permutation_of_the_pairs():
    base = np.array([1.0, 2.0, 4.0])
    for perm in ([0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0]):
        a = 3.0 * base[perm]
        w = np.concatenate([a, -a[::-1]])[None, None, :]
        assert symmetry.is_antisymmetric_124(w)[0, 0]
        assert symmetry.magnitude_ratios(symmetry.pair_magnitudes(w))[0, 0] == \
            pytest.approx([1.0, 2.0, 4.0])


def _net(left, right, out=(-9.0, -9.0), bias=(-1.0, -1.0)):
    return {"hidden<-input": np.array([[left, right]], dtype=float),
            "output<-hidden": np.array([[out]], dtype=float),
            "hidden.bias": np.array([bias], dtype=float),
            "output.bias": np.array([[6.0]])}


def test_hand_made_non_solutions_score_as_such():
    solution = [4.0, 8.0, 16.0, -16.0, -8.0, -4.0]
    cases = {
        # Equal magnitudes 1:1:1: antisymmetric but not 1:2:4.
        "equal": _net([5, 5, 5, -5, -5, -5], [-5, -5, -5, 5, 5, 5]),
        # The 2:3:4 code: antisymmetric, ratios 1 : 1.5 : 2.
        "234": _net([2, 3, 4, -4, -3, -2], [-2, -3, -4, 4, 3, 2]),
        # 1:2:4 magnitudes but mirror weights of the same sign.
        "symmetric": _net([4, 8, 16, 16, 8, 4], [-4, -8, -16, -16, -8, -4]),
    }
    for name, params in cases.items():
        scores = symmetry.weight_scores(params)
        assert not scores["antisymmetric_124"][0], name
    # A 1:2:4 net whose hidden units are copies, not flipped copies.
    copies = symmetry.weight_scores(_net(solution, solution))
    assert copies["antisymmetric_124"][0] and not copies["sign_flipped_copies"][0]
    # Flipped copies whose output weights (or biases) differ in sign are not the papers'.
    flipped = [-v for v in solution]
    assert symmetry.weight_scores(_net(solution, flipped))["sign_flipped_copies"][0]
    assert not symmetry.weight_scores(
        _net(solution, flipped, out=(-9.0, 9.0)))["sign_flipped_copies"][0]
    assert not symmetry.weight_scores(
        _net(solution, flipped, bias=(-1.0, 1.0)))["sign_flipped_copies"][0]


def test_ratio_tolerance_edge():
    inside = 1.0 + symmetry.RATIO_TOLERANCE - 0.01
    outside = 1.0 + symmetry.RATIO_TOLERANCE + 0.01
    for factor, expected in ((inside, True), (outside, False)):
        a = np.array([1.0, 2.0 * factor, 4.0])
        w = np.concatenate([a, -a[::-1]])[None, None, :]
        assert symmetry.is_antisymmetric_124(w)[0, 0] == expected


def test_bad_weight_shape_is_a_config_error():
    with pytest.raises(ConfigError, match="weights"):
        symmetry.antisymmetry_index(np.zeros((1, 2, 5)))


def test_smoke_run():
    table, records = run("symmetry", None, [0, 1, 2], {"budget": 200})
    assert [c for c in table.columns if c in symmetry.SCORE_COLUMNS] == \
        list(symmetry.SCORE_COLUMNS)
    assert len(table) == 3
    assert table["hidden_cosine"].between(-1, 1).all()
    assert records.final["hidden<-input"].shape == (3, 2, 6)
