"""T-C (PDP Figs 13-15): the stimuli, the patches, the tied net, Fig. 15's detector counts
from hand-built fields, the kinds of field, and a short training that keeps the tied
weights one array."""

import numpy as np
import pytest

from backprop86.core.propagation import forward
from backprop86.errors import ConfigError
from backprop86.plan.setup import setup
from backprop86.run.experiment import run
from backprop86.tasks import t_c


def test_the_stimuli_are_five_squares_in_four_orientations():
    assert t_c.case_labels() == ("T0", "T90", "T180", "T270", "C0", "C90", "C180", "C270")
    for name in t_c.LETTERS:
        blocks = [t_c.letter(name, a) for a in t_c.ORIENTATIONS]
        assert all(b.sum() == 5 for b in blocks)
        assert len({b.tobytes() + bytes(b.shape) for b in blocks}) == 4


def test_every_position_sees_its_own_patch_wrapping_round():
    retina = t_c.place(t_c.letter("T", 0), 6, (5, 5))  # rows and columns 5, 0, 1
    p = t_c.patches(retina)
    assert p.shape == (36, 9) and p.sum() == 5 * 9  # every square in 9 patches
    # The patch centred on (0, 0) spans rows and columns 5, 0, 1: the whole T.
    np.testing.assert_array_equal(p[0].reshape(3, 3), t_c.letter("T", 0))
    # The one centred on (1, 1) spans rows and columns 0, 1, 2: the T's stem, at its left.
    np.testing.assert_array_equal(p[7].reshape(3, 3), [[1, 0, 0], [1, 0, 0], [0, 0, 0]])


def _count_on(field, bias, letter, angle, side=7):
    patches = t_c.patches(t_c.place(t_c.letter(letter, angle), side, (2, 2)))
    return int((patches @ field.ravel() + bias > 0).sum())


def test_fig15_compactness_counts():
    # "the C ... turns off 20 such detectors whereas the T turns off 21 of them"
    compact = -2 * np.ones((3, 3))
    for angle in t_c.ORIENTATIONS:
        assert 49 - _count_on(compact, 1.0, "T", angle) == 21
        assert 49 - _count_on(compact, 1.0, "C", angle) == 20


def test_the_kinds_of_field():
    kinds, match = t_c.kind_of(np.array([
        [[-1, -1, -1], [-1, 2, -1], [-1, -1, -1]],      # Fig. 15 A
        [[1, -1, -1], [1, -1, -1], [1, -1, -1]],        # a bar off the centre: other
        [[1, 1, 1], [-1, -1, -1], [-1, -1, -1]],        # the same, across: other
        [[-1, 1, -1], [-1, 1, -1], [-1, 1, -1]],        # B, vertical
        [[1, -1, -1], [-1, 1, -1], [-1, -1, 1]],        # C
        [[-2, -2, -2], [-2, -2, -2], [-2, -2, -2]],     # D
        [[2, -2, 2], [-2, 2, -2], [2, -2, 2]],          # on both diagonals: other
    ], dtype=float))
    assert kinds == ["on_centre", "other", "other", "bar", "diagonal", "compactness",
                     "other"]
    assert match[0] == pytest.approx(1.0) and match[-1] < t_c.MATCH


def test_the_net_ties_every_receptive_field():
    ready = setup("t_c", "tied", {"retina": 5})
    spec = ready.spec
    assert len(spec.groups) == 25 + 25 + 1 and spec.bias_groups == ("output",)
    assert {p.weights for p in spec.projections if p.target.startswith("h_")} == {"rf"}
    assert len({p.weights for p in spec.projections if p.target == "output"}) == 25
    assert spec.parameter_shapes()["rf"] == (1, 10)
    assert ready.patterns.n_cases == 8 * 25
    tied = setup("t_c", "tied", {"retina": 5, "output_weights": "tied",
                                 "positions": "one"}).spec
    assert {p.weights for p in tied.projections if p.target == "output"} == {"out"}
    for key, value in (("retina", 4), ("positions", "some"), ("output_weights", 2)):
        with pytest.raises(ConfigError, match=f"settings.{key}"):
            setup("t_c", "tied", {key: value})


def test_a_tied_field_acts_alike_at_every_position():
    ready = setup("t_c", "tied", {"retina": 7, "positions": "one"})
    rng = np.random.default_rng(0)
    params = {k: rng.normal(size=(1, *s)) for k, s in ready.spec.parameter_shapes().items()}
    act = forward(ready.spec, params, ready.presented.input_columns())
    # An empty patch gives the same activity wherever it is and whatever the case; the
    # same patch content at another place gives the same activity too.
    seen = {}
    for g, patches in ready.presented.inputs.items():
        for case, patch in enumerate(patches):
            h = float(act[g.replace("patch_", "h_")][0, 0, case])
            assert seen.setdefault(patch.tobytes(), h) == pytest.approx(h, abs=1e-12)
    assert len(seen) < 7 * 7 * 8 / 2


def test_training_and_its_scores():
    table, records = run("t_c", "tied", range(3), {"retina": 5, "budget": 200})
    assert set(records.final) == {"rf", "output.bias"} | {f"output<-h_{i}_{j}"
                                                            for i in range(5)
                                                            for j in range(5)}
    assert set(table["rf_kind"]) <= set(t_c.KINDS)
    assert ((table["n_right"] >= 0) & (table["n_right"] <= 200)).all()
    assert {f"rf_{i}{j}" for i in range(3) for j in range(3)} <= set(table.columns)
