"""Family trees (Nature Figs 2-4): the facts against Fig. 2 read by hand, the held-out
splits, every score on hand-made activities or weights, and a short smoke training."""

import dataclasses

import numpy as np
import pytest

from backprop86.core.trainer import train
from backprop86.errors import ConfigError
from backprop86.plan.setup import resolve_settings, train_config
from backprop86.run.experiment import run
from backprop86.tasks import family_trees as ft
from backprop86.tasks import get_variant
from backprop86.tasks.family_trees import data

# ---- Nature Fig. 2, read by hand (not derived): every English fact ----------------------
ENGLISH_FACTS = {
    "Christopher": {"wife": "Penelope", "son": "Arthur", "daughter": "Victoria"},
    "Penelope": {"husband": "Christopher", "son": "Arthur", "daughter": "Victoria"},
    "Andrew": {"wife": "Christine", "son": "James", "daughter": "Jennifer"},
    "Christine": {"husband": "Andrew", "son": "James", "daughter": "Jennifer"},
    "Arthur": {"father": "Christopher", "mother": "Penelope", "wife": "Margaret",
               "sister": "Victoria", "nephew": "Colin", "niece": "Charlotte"},
    "Margaret": {"husband": "Arthur", "nephew": "Colin", "niece": "Charlotte"},
    "Victoria": {"father": "Christopher", "mother": "Penelope", "husband": "James",
                 "son": "Colin", "daughter": "Charlotte", "brother": "Arthur"},
    "James": {"father": "Andrew", "mother": "Christine", "wife": "Victoria", "son": "Colin",
              "daughter": "Charlotte", "sister": "Jennifer"},
    "Jennifer": {"father": "Andrew", "mother": "Christine", "husband": "Charles",
                 "brother": "James", "nephew": "Colin", "niece": "Charlotte"},
    "Charles": {"wife": "Jennifer", "nephew": "Colin", "niece": "Charlotte"},
    "Colin": {"father": "James", "mother": "Victoria", "uncle": "Arthur Charles",
              "aunt": "Jennifer Margaret", "sister": "Charlotte"},
    "Charlotte": {"father": "James", "mother": "Victoria", "uncle": "Arthur Charles",
                  "aunt": "Jennifer Margaret", "brother": "Colin"},
}
ITALIAN_OF = {"Christopher": "Roberto", "Penelope": "Maria", "Andrew": "Pierro",
              "Christine": "Francesca", "Arthur": "Emilio", "Margaret": "Gina",
              "Victoria": "Lucia", "James": "Marco", "Jennifer": "Angela", "Charles": "Tomaso",
              "Colin": "Alfonso", "Charlotte": "Sophia"}
PER_TREE = {"father": 6, "mother": 6, "son": 6, "daughter": 6, "husband": 5, "wife": 5,
            "nephew": 4, "niece": 4, "brother": 3, "sister": 3, "uncle": 2, "aunt": 2}
FIG4_COLUMNS = ["Christopher", "Andrew", "Arthur", "James", "Charles", "Colin", "Penelope",
                "Christine", "Victoria", "Jennifer", "Margaret", "Charlotte"]
GENERATION = {"Christopher": 1, "Penelope": 1, "Andrew": 1, "Christine": 1, "Arthur": 2,
              "Margaret": 2, "Victoria": 2, "James": 2, "Jennifer": 2, "Charles": 2,
              "Colin": 3, "Charlotte": 3}
BRANCH = {"Christopher": "left", "Penelope": "left", "Arthur": "left", "Margaret": "left",
          "Victoria": "left", "Andrew": "right", "Christine": "right", "James": "right",
          "Jennifer": "right", "Charles": "right", "Colin": "both", "Charlotte": "both"}


def _as_sets(facts):
    return {(p, r): set(a) for (p, r), a in facts.items()}


def test_english_facts_are_fig2():
    expected = {(p, r): set(a.split()) for p, rel in ENGLISH_FACTS.items()
                for r, a in rel.items()}
    assert _as_sets(data.relations(data.ENGLISH)) == expected


def test_italian_tree_is_the_english_one_renamed():
    italian = _as_sets(data.relations(data.ITALIAN))
    mapped = {(ITALIAN_OF[p], r): {ITALIAN_OF[a] for a in ans.split()}
              for p, rel in ENGLISH_FACTS.items() for r, ans in rel.items()}
    assert italian == mapped
    assert italian["Alfonso", "aunt"] == {"Angela", "Gina"}
    assert italian["Lucia", "husband"] == {"Marco"}
    assert italian["Roberto", "daughter"] == {"Lucia"}


def test_case_and_answer_counts():
    assert len(ft.CASES) == 104
    assert sum(len(a) for _, _, a in ft.CASES) == 112
    two = {(p, r) for p, r, a in ft.CASES if len(a) == 2}
    assert two == {(p, r) for p in ("Colin", "Charlotte", "Alfonso", "Sophia")
                   for r in ("uncle", "aunt")}
    for nationality in ("English", "Italian"):
        tree = {p.name for p in ft.PERSONS if p.nationality == nationality}
        counts = {r: sum(1 for p, rr, _ in ft.CASES if rr == r and p in tree)
                  for r in ft.RELATIONS}
        assert counts == PER_TREE
    assert ft.RELATIONS == ("father", "mother", "husband", "wife", "son", "daughter",
                            "uncle", "aunt", "brother", "sister", "nephew", "niece")


def test_unit_order_and_attributes():
    assert list(data.PEOPLE[:12]) == FIG4_COLUMNS
    assert list(data.PEOPLE[12:]) == [ITALIAN_OF[p] for p in FIG4_COLUMNS]
    for p in ft.PERSONS:
        english = p.name if p.nationality == "English" else p.counterpart
        assert p.generation == GENERATION[english]
        assert p.branch == BRANCH[english]
        assert p.nationality == ("English" if p.name in ITALIAN_OF else "Italian")
        assert data.PEOPLE.index(p.counterpart) == (data.PEOPLE.index(p.name) + 12) % 24


def test_patterns_and_network():
    pats = ft.patterns()
    assert pats.inputs["person"].shape == (104, 24)
    assert pats.inputs["relation"].shape == (104, 12)
    assert (pats.inputs["person"].sum(axis=1) == 1).all()
    assert (pats.inputs["relation"].sum(axis=1) == 1).all()
    assert pats.targets.sum() == 112
    colin_aunt = ft.LABELS.index("Colin aunt")
    on = {data.PEOPLE[i] for i in np.flatnonzero(pats.targets[colin_aunt])}
    assert on == {"Jennifer", "Margaret"}
    settings = resolve_settings(get_variant("family_trees")[1])
    spec = ft.network(settings)
    assert spec.groups == {"person": 24, "relation": 12, "person_code": 6,
                           "relation_code": 6, "central": 12, "answer_code": 6, "output": 24}
    # weights 24*6 + 12*6 + 6*12 + 6*12 + 12*6 + 6*24, biases 6+6+12+6+24
    assert spec.n_parameters() == 576 + 54
    no_bias = ft.network({**settings, "biases": False})
    assert no_bias.n_parameters() == 576
    with pytest.raises(ConfigError, match="settings.biases"):
        ft.network({**settings, "biases": "yes"})


# ---- held-out cases -----------------------------------------------------------------------
def _settings(variant="paper", **overrides):
    return resolve_settings(get_variant("family_trees", variant)[1], overrides)


def test_fixed_split_is_the_documented_four_for_every_seed():
    mask = ft.case_mask(_settings(), np.array([0, 1, 7, 99]))
    assert mask.shape == (4, 104)
    assert (mask == mask[0]).all()
    held = {ft.CASES[c][:2] for c in np.flatnonzero(~mask[0])}
    assert held == {("Arthur", "father"), ("Lucia", "husband"), ("Andrew", "daughter"),
                    ("Alfonso", "sister")}
    assert not ft.TWO_ANSWER[~mask[0]].any()
    trained = {ft.CASES[c][:2] for c in np.flatnonzero(mask[0])}
    # the converse facts the module's comment promises stay in training
    assert {("Christopher", "son"), ("Marco", "wife"), ("Jennifer", "father"),
            ("Sophia", "brother")} <= trained


def test_random_split_per_seed():
    settings = _settings("random-split")
    seeds = np.arange(50)
    mask = ft.case_mask(settings, seeds)
    assert ((~mask).sum(axis=1) == 4).all()
    assert not ft.TWO_ANSWER[np.nonzero(~mask)[1]].any()
    assert len({tuple(np.flatnonzero(~m)) for m in mask}) == 50
    # a network's split depends on its seed alone
    assert (ft.case_mask(settings, np.array([31]))[0] == mask[31]).all()
    assert (ft.case_mask(settings, seeds) == mask).all()
    with_two = ft.case_mask({**settings, "holdout_two_answer": True}, np.arange(200))
    assert ft.TWO_ANSWER[np.nonzero(~with_two)[1]].any()
    assert not (~ft.case_mask({**settings, "n_test": 0}, seeds)).any()


@pytest.mark.parametrize("overrides, field", [
    ({"split": "odd"}, "settings.split"),
    ({"n_test": 3}, "settings.n_test"),
    ({"split": "random", "n_test": 97}, "settings.n_test"),
    ({"split": "random", "n_test": 2.0}, "settings.n_test"),
    ({"split": "random", "holdout_two_answer": "no"}, "settings.holdout_two_answer"),
])
def test_bad_split_settings(overrides, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        ft.case_mask(_settings(**overrides), np.array([0]))
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        run("family_trees", None, [0], {**overrides, "budget": 1})


# ---- scores on hand-made activities and weights ----------------------------------------
def test_answers_correct_strict_and_lenient():
    targets = np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0]], dtype=float)
    outputs = np.array([[[0.9, 0.7, 0.1, 0.2],    # both answers on, rest off
                         [0.3, 0.1, 0.4, 0.2],    # right unit most active, below 0.5
                         [0.6, 0.1, 0.8, 0.2]]])  # right unit top, a wrong one above 0.5
    strict, lenient = ft.answers_correct(outputs, targets)
    assert strict.tolist() == [[True, False, False]]
    assert lenient.tolist() == [[True, True, True]]
    wrong = np.array([[[0.1, 0.2, 0.3, 0.9]] * 3])
    strict, lenient = ft.answers_correct(wrong, targets)
    assert not strict.any() and not lenient.any()


def _attribute_codes():
    """(1, 24, 6) codes: unit 1 nationality, unit 2 generation, unit 6 branch."""
    codes = np.full((1, 24, 6), 0.5)
    for i, p in enumerate(ft.PERSONS):
        codes[0, i, 0] = 0.9 if p.nationality == "English" else 0.1
        codes[0, i, 1] = {1: 0.8, 2: 0.5, 3: 0.2}[p.generation]
        codes[0, i, 5] = {"left": 0.9, "right": 0.1, "both": 0.5}[p.branch]
    return codes


def test_separation_on_hand_made_codes():
    codes = _attribute_codes()
    nat = ft.separation(codes, ft.ATTRIBUTES["nationality"])[0]
    assert nat[0] == pytest.approx(1.0) and nat[1] == pytest.approx(0.0, abs=1e-12)
    assert nat[2] == 0.0  # a constant unit separates nothing
    gen = ft.separation(codes, ft.ATTRIBUTES["generation"])[0]
    assert gen[1] == pytest.approx(1.0) and gen[0] == pytest.approx(0.0, abs=1e-12)
    assert ft.separation(codes, ft.ATTRIBUTES["branch"])[0][5] == pytest.approx(1.0)
    # half the class separated: activity 1 for English men, 0 for everyone else
    half = np.array([[[1.0] if (p.nationality, p.sex) == ("English", "male") else [0.0]
                      for p in ft.PERSONS]])
    # between SS = 12 (1/4)^2 * 2 = 1.5, total SS = 6 - 24 (1/4)^2 = 4.5
    assert ft.separation(half, ft.ATTRIBUTES["nationality"])[0, 0] == pytest.approx(1 / 3)


def test_counterpart_ratio_on_hand_made_codes():
    codes = _attribute_codes()
    same = codes.copy()
    same[:, :, 0] = 0.5
    assert ft.counterpart_ratio(same)[0] == pytest.approx(0.0)
    # nationality only: counterpart pairs are 1 apart, as are the 144 English-Italian
    # pairs among the 276, the other pairs 0 apart: ratio 276 / 144
    only = np.zeros((1, 24, 1))
    only[0, :12, 0] = 1.0
    assert ft.counterpart_ratio(only)[0] == pytest.approx(276 / 144)
    assert np.isnan(ft.counterpart_ratio(np.zeros((1, 24, 6)))[0])


def test_score_on_hand_made_weights():
    """A net whose person_code copies nationality, generation and branch into units 1, 2
    and 6, scored after zero sweeps (the scores read the final = initial weights)."""
    t, v = get_variant("family_trees", "paper")
    settings = resolve_settings(v)
    spec, pats = v.build(settings)
    shapes = spec.parameter_shapes()
    params = {n: np.zeros((1, *s)) for n, s in shapes.items()}
    w = params["person_code<-person"][0]
    for i, p in enumerate(ft.PERSONS):
        w[0, i] = 6.0 if p.nationality == "English" else -6.0
        w[1, i] = {1: 4.0, 2: 0.0, 3: -4.0}[p.generation]
        w[5, i] = {"left": 5.0, "right": -5.0, "both": 0.0}[p.branch]
    config = dataclasses.replace(train_config(settings), budget=0)  # the core allows none
    records = train(spec, pats, config, [0], task=t.name, initial=params,
                    case_mask=v.case_mask(settings, np.array([0]), t.name))
    row = v.score(settings, spec, pats, records).iloc[0]
    assert row["nationality_separation"] == pytest.approx(1.0)
    assert row["nationality_unit"] == 1
    assert row["generation_separation"] == pytest.approx(1.0)
    assert row["generation_unit"] == 2
    assert row["branch_separation"] == pytest.approx(1.0)
    assert row["branch_unit"] == 6
    assert row["person_code_range"] == pytest.approx(2 * (1 / (1 + np.exp(-6.0))) - 1)
    # zero sweeps: the final weights are the initial ones, and so are their scores
    for name in ("nationality_separation", "counterpart_ratio", "person_code_range"):
        assert row[name] == row[f"{name}_initial"]
    # every output is 0.5 (zero weights and biases): strict fails, lenient picks unit 0
    assert row["test_strict"] == 0 and row["train_strict"] == 0
    first_unit_right = int(pats.targets[:, 0].sum())  # cases whose answers include unit 0
    assert row["test_lenient"] + row["train_lenient"] == first_unit_right
    assert row["n_test"] == 4 and row["train_output_on"] == pytest.approx(0.5)


# ---- smoke training ---------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["paper", "random-split"])
def test_smoke_training(variant):
    table, records = run("family_trees", variant, [0, 1, 2], {"budget": 50})
    assert set(ft.SCORE_COLUMNS) <= set(table.columns)
    assert len(table) == 3 and (table["sweeps"] == 50).all()
    assert (table["n_test"] == 4).all()
    assert (table["test_strict"] + table["train_strict"]
            <= 104).all() and (table["test_lenient"] <= 4).all()
    for i in range(3):
        curve = records.error_curve(i)
        assert curve[-1] < curve[0]
    # the person code does not depend on the relationship, and the score's weight-based
    # code is the recorded activity
    act = records.activity["person_code"]
    pats = ft.patterns()
    who = pats.inputs["person"].argmax(axis=1)
    first = [int(np.flatnonzero(who == u)[0]) for u in range(24)]
    codes = ft.person_codes(records.final["person_code<-person"],
                            records.final["person_code.bias"], np.eye(24), lambda x:
                            1 / (1 + np.exp(-x)))
    assert np.allclose(codes, act[:, first])
    assert np.allclose(act, act[:, first][:, who])
    again, _ = run("family_trees", variant, [2], {"budget": 50})
    assert again.iloc[0]["held_out"] == table.iloc[2]["held_out"]
    assert again.iloc[0]["final_error"] == table.iloc[2]["final_error"]
    if variant == "paper":
        assert set(table["held_out"]) == {"Andrew daughter; Arthur father; Alfonso sister; "
                                          "Lucia husband"}
    else:
        assert table["held_out"].nunique() == 3
