"""XOR with the AND input (PDP Table 2): the patterns as printed, a hand-built solution
without hidden units, training with and without the AND input, and the scores."""

import numpy as np

from backprop86.core.propagation import forward
from backprop86.run.experiment import run
from backprop86.tasks import xor_and


def test_the_patterns_are_table_2_and_table_1():
    three = xor_and.patterns(3)
    assert three.labels == ("000", "010", "100", "111")  # PDP Table 2
    assert xor_and.patterns(2).labels == ("00", "01", "10", "11")  # PDP Table 1
    np.testing.assert_array_equal(three.targets[:, 0], [0, 1, 1, 0])


def test_a_net_without_hidden_units_can_compute_table_2():
    spec, pats = xor_and.TASK.variants["3-1"].build({})
    y = forward(spec, xor_and.separating_weights(10.0), pats.input_columns())["output"]
    np.testing.assert_array_equal(y[0, 0] > 0.5, [False, True, True, False])


def test_with_the_and_input_every_net_learns_and_without_it_none_does():
    learned, _ = run("xor_and", "3-1", range(50))
    assert learned["converged"].all() and (learned["n_right"] == 4).all()
    # The AND weight overrides the two others (the only way to separate the cases).
    assert (learned["w_and"] < -(learned["w_x1"] + learned["w_x2"] + learned["bias"])).all()
    plain, _ = run("xor_and", "2-1", range(50), {"budget": 2000})
    assert not plain["converged"].any() and (plain["n_right"] < 4).all()
    assert set(plain.columns) >= {"output_00", "output_11", "w_x1", "w_x2", "bias"}
    assert "w_and" not in plain
