"""The PDP chapter's printed XOR weights, run forward, behave as printed (PAPER_FACTS B.1)."""

import numpy as np

from backprop86 import forward
from backprop86.tasks import get_variant
from backprop86.tasks.xor import PDP_FIG3_WEIGHTS, PDP_FIG5_WEIGHTS, classify


def _outputs(variant, weights):
    _, v = get_variant("xor", variant)
    spec, pats = v.build({})
    params = {n: np.array(w, dtype=float) for n, w in weights.items()}
    assert set(params) == set(spec.parameter_shapes())
    y = forward(spec, params, {"input": pats.inputs["input"].T})["output"]
    return y[0, 0]


def test_fig3_two_one_one_net_solves_xor():
    y = _outputs("2-1-1", PDP_FIG3_WEIGHTS)
    # Printed behaviour: about 0.10, 0.88, 0.88, 0.11 on 00, 01, 10, 11.
    np.testing.assert_allclose(y, [0.103, 0.877, 0.877, 0.109], atol=0.002)


def test_fig5_net_is_the_local_minimum():
    y = _outputs("2-2-1", PDP_FIG5_WEIGHTS)
    # Printed: 0.5 whenever the right input is on (01 and 11); right on 00 and 10.
    np.testing.assert_allclose(y[[1, 3]], 0.5, atol=0.001)
    assert y[0] < 0.1 and y[2] > 0.89
    assert classify(y, converged=False, error_curve=np.full(100, 0.25)) == "fig5_minimum"
    assert classify(_outputs("2-1-1", PDP_FIG3_WEIGHTS), True, np.zeros(3)) == "solved"
