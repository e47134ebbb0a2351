"""Intermediate values (PDP Fig. 8, Tables 6-7): the cases, Fig. 8's printed first two layers
give Table 7's singleton and hidden units, the level count, and a short training."""

from itertools import permutations

import numpy as np

from backprop86.plan.setup import setup
from backprop86.run.experiment import run
from backprop86.tasks import intermediate as iv


def test_the_cases_and_the_net_are_table_6_and_fig_8():
    np.testing.assert_array_equal(iv.patterns().targets, np.eye(4))
    spec = setup("intermediate", "2-1-4-4").spec
    assert spec.groups == {"input": 2, "singleton": 1, "hidden": 4, "output": 4}
    assert {(p.source, p.target) for p in spec.projections} == {
        ("input", "singleton"), ("singleton", "hidden"), ("hidden", "output")}


def test_the_printed_first_layers_give_table_7():
    printed = iv.printed_first_layers()
    s, h = printed["singleton"][:, 0], printed["hidden"]
    # The singleton orders the cases as Table 7 does, on four levels.
    assert iv.case_order(s[None])[0] == iv.TABLE7_ORDER
    assert iv.levels(s[None])[0] == 4
    # Every hidden value printed as 0 or 1 is on that side of 0.5, and every value is
    # within 0.4 of the printed one (Table 7 prints one decimal of rounded values).
    table = iv.TABLE7[:, 1:]
    binary = (table == 0) | (table == 1)
    assert ((h > 0.5) == (table > 0.5))[binary].all()
    assert np.abs(h - table).max() < 0.4
    assert np.abs(s - iv.TABLE7[:, 0]).max() < 0.15


def test_levels_count_gaps_of_at_least_a_tenth():
    values = np.array([[0.0, 0.2, 0.6, 1.0], [0.0, 0.05, 0.95, 1.0], [0.5] * 4])
    np.testing.assert_array_equal(iv.levels(values), [4, 2, 1])
    np.testing.assert_array_equal(iv.graded_levels(values), [2, 0, 1])


def test_training_and_its_scores():
    table, _ = run("intermediate", "2-1-4-4", range(12), {"budget": 3000})
    solved = table[table["converged"]]
    assert len(solved) >= 6 and (solved["n_right"] == 4).all()
    assert (solved["singleton_levels"] == 4).all()
    assert set(table["singleton_order"]) <= {"<".join(p) for p in permutations(iv.LABELS)}
