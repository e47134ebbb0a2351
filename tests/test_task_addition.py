"""Binary addition (PDP Figs 10-11, Table 8): the sums, the Fig. 10 net read from its caption,
Table 8's units, the networks as drawn, and a short training with its scores."""

import numpy as np
import pytest

from backprop86.core.propagation import forward
from backprop86.errors import ConfigError
from backprop86.plan.setup import setup
from backprop86.run.experiment import run
from backprop86.tasks import addition as ad


def test_the_cases_are_every_sum_of_two_2_bit_numbers():
    assert len(ad.LABELS) == 16 and ad.LABELS[0] == "00+00" and ad.LABELS[-1] == "11+11"
    sums = ad.TARGETS @ np.array([4, 2, 1])
    np.testing.assert_array_equal(sums, ad.A + ad.B)
    # Fig. 10's order: units 1 and 3 are the high-order bits, 2 and 4 the low-order ones.
    np.testing.assert_array_equal(ad.INPUTS[ad.LABELS.index("01+10")], [0, 1, 1, 0])


def test_the_fig10_net_adds_every_pair():
    ready = setup("addition", "fig10")
    params = ad.fig10_weights(ad.FIG10_GAIN)
    act = forward(ready.spec, params, ready.presented.input_columns())
    out = act["output"][0].T
    assert ((out > 0.5) == (ad.TARGETS > 0.5)).all()
    # Its hidden units are the carries.
    assert ad.computes(act["h1"][:, 0], ad.LOW_CARRY)[0]
    assert ad.computes(act["h2"][:, 0], ad.HIGH_CARRY)[0]


def test_table8_is_read_as_three_kinds_of_unit():
    for j, function in enumerate(ad.TABLE8_UNITS.values()):
        np.testing.assert_array_equal(ad.PDP_TABLE8_CODES[:, j].astype(bool), function)


def test_the_networks_as_drawn():
    spec = setup("addition", "fig11").spec
    links = {(p.source, p.target) for p in spec.projections}
    assert {("h1", "h2"), ("h1", "h3"), ("h2", "h3"), ("input", "output")} <= links
    assert spec.groups == {"input": 4, "h1": 1, "h2": 1, "h3": 1, "output": 3}
    none = setup("addition", "fig11", {"hidden_links": "none"}).spec
    assert not any(p.source.startswith("h") and p.target.startswith("h")
                   for p in none.projections)
    with pytest.raises(ConfigError, match="settings.hidden_links"):
        setup("addition", "fig10", {"hidden_links": "some"})


def test_training_and_its_scores():
    table, _ = run("addition", "fig11", range(12), {"budget": 2000})
    assert table["converged"].any() and not table["converged"].all()
    solved = table[table["converged"]]
    assert (solved["n_right"] == 16).all() and (solved["outcome"] == "solved").all()
    assert set(table["outcome"]) <= {"solved", "plateau", "slow"}
    assert ((table["table8_units"] >= 0) & (table["table8_units"] <= 3)).all()
