"""Negation (PDP Table 9, Fig. 12): the cases, the net built from Fig. 12 solves them the
caption's way, the score tells three exclusive-ors from other solutions, and a short
training."""

import numpy as np

from backprop86.core.propagation import forward
from backprop86.plan.setup import setup
from backprop86.run.experiment import run
from backprop86.tasks import negation as ng


def test_the_cases_are_table_9():
    table9 = {"0000": "000", "0101": "101", "1000": "111", "1011": "100", "1111": "000"}
    for case, out in table9.items():
        row = ng.TARGETS[ng.LABELS.index(case)]
        assert "".join(str(int(b)) for b in row) == out


def _activity(params):
    ready = setup("negation", "3-3")
    act = forward(ready.spec, params, ready.presented.input_columns())
    return {g: a.transpose(0, 2, 1) for g, a in act.items() if g != "input"}


def test_the_fig12_net_solves_it_with_three_exclusive_ors():
    params = ng.three_xors_weights()
    act = _activity(params)
    assert ((act["output"][0] > 0.5) == (ng.TARGETS > 0.5)).all()
    assert ng.xor_pairs(act["hidden"]).all()
    # Its biases are the printed ones, its weights of the printed magnitudes.
    np.testing.assert_array_equal(params["hidden.bias"][0], [-8, 2, 2])
    np.testing.assert_array_equal(params["output.bias"][0], [-1, 6, 6])
    used = np.concatenate([w[w != 0] for k, w in params.items() if "<-" in k])
    assert set(np.abs(used)) <= {4.0, 6.0, 10.0}


def test_the_score_refuses_a_unit_that_mixes_inputs():
    params = ng.three_xors_weights()
    params["hidden<-input"][0, 1, 3] = -6.0  # hidden 2 now also reads x3
    pairs = ng.xor_pairs(_activity(params)["hidden"])
    np.testing.assert_array_equal(pairs[0], [True, False, True])
    flat = {k: np.zeros_like(v) for k, v in params.items()}  # every unit at 0.5
    assert not ng.xor_pairs(_activity(flat)["hidden"]).any()


def test_training_and_its_scores():
    table, _ = run("negation", "3-3", range(16), {"budget": 2000})
    solved = table[table["converged"]]
    assert len(solved) >= 8 and (solved["n_right"] == 16).all()
    assert solved["three_xors"].any()
    assert (table["three_xors"] == (table["xor_pairs"] == 3)).all()
    assert set(table["outcome"]) <= {"solved", "plateau", "slow"}
