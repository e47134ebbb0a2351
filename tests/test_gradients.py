"""Back-propagated gradients against central finite differences (an independent oracle)."""

import numpy as np
import pytest
from nets import random_patterns, skip_and_tied, xor_221

from backprop86 import ErrorFunction, backward, forward, layered

ERRORS = [
    ErrorFunction("sum"),
    ErrorFunction("mean"),
    ErrorFunction("sum", margin=(0.8, 0.2)),
    ErrorFunction("mean", margin=(0.8, 0.2), margin_mode="to_target"),
]


def _error(spec, params, inputs, targets, error_fn, mask):
    y = forward(spec, params, inputs)[spec.output]
    return error_fn(y, targets, mask)[0]


@pytest.mark.parametrize("error_fn", ERRORS, ids=lambda e: f"{e.reduction}-{e.margin}-{e.margin_mode}")
@pytest.mark.parametrize("make_spec", [xor_221, skip_and_tied, lambda: layered([4, 3, 3, 2])],
                         ids=["xor", "skip-tied", "two-hidden"])
@pytest.mark.parametrize("masked", [False, True])
def test_gradient_matches_finite_differences(make_spec, error_fn, masked, rng):
    spec = make_spec()
    k, n_cases = 3, 6
    pats = random_patterns(spec, n_cases, rng)
    params = {n: rng.uniform(-2, 2, size=(k, *s)) for n, s in spec.parameter_shapes().items()}
    inputs = {g: pats.inputs[g].T.copy() for g in spec.inputs}
    targets = pats.targets.T.copy()
    mask = rng.random((k, n_cases)) < 0.7 if masked else None

    activity = forward(spec, params, inputs)
    _, d_error = error_fn(activity[spec.output], targets, mask)
    grads = backward(spec, params, activity, d_error)

    h = 1e-6
    for name, w in params.items():
        numeric = np.zeros_like(w)
        for index in np.ndindex(w.shape):
            saved = w[index]
            w[index] = saved + h
            up = _error(spec, params, inputs, targets, error_fn, mask)[index[0]]
            w[index] = saved - h
            down = _error(spec, params, inputs, targets, error_fn, mask)[index[0]]
            w[index] = saved
            numeric[index] = (up - down) / (2 * h)
        scale = np.maximum(np.abs(numeric), np.abs(grads[name]))
        ok = np.abs(numeric - grads[name]) <= 1e-6 * np.maximum(scale, 1e-3)
        assert ok.all(), (name, numeric[~ok], grads[name][~ok])


def test_tied_gradient_is_sum_over_uses(rng):
    spec = skip_and_tied()
    pats = random_patterns(spec, 5, rng)
    params = {n: rng.uniform(-1, 1, size=(1, *s)) for n, s in spec.parameter_shapes().items()}
    inputs = {g: pats.inputs[g].T.copy() for g in spec.inputs}
    activity = forward(spec, params, inputs)
    _, d_error = ErrorFunction()(activity["out"], pats.targets.T, None)
    grads = backward(spec, params, activity, d_error)
    # Untie: give each use its own copy of the same values; the tied gradient is their sum.
    from backprop86 import NetworkSpec, Projection
    untied = NetworkSpec(spec.groups, spec.inputs, spec.output, tuple(
        Projection(p.source, p.target) for p in spec.projections))
    params_u = {untied_name: None for untied_name in untied.parameter_shapes()}
    for p, q in zip(spec.projections, untied.projections):
        params_u[q.weights] = params[p.weights]
    for n in params:
        if n.endswith(".bias"):
            params_u[n] = params[n]
    act_u = forward(untied, params_u, inputs)
    _, d_u = ErrorFunction()(act_u["out"], pats.targets.T, None)
    grads_u = backward(untied, params_u, act_u, d_u)
    np.testing.assert_allclose(grads["shared"], grads_u["ha<-a"] + grads_u["hb<-b"], rtol=1e-12)
