"""Nature Fig. 5: a synchronous iterative net run for three iterations is the layered net it
unrolls into, the same weights between every pair of layers. Checked against a plain loop
over time steps (an independent oracle): the same states at every step, gradients equal to
finite differences, and training with the average gradient of each set of corresponding
weights (Nature p. 536) keeps them equal and equals the core's tied weights.

The drawing: units 1 and 2 joined by w1 (1 -> 2) and w2 (2 -> 1), units 2 and 3 by w3
(2 -> 3) and w4 (3 -> 2); every unit's bias is the weight from an always-on unit, the same at
every step. Each unit at each step is a group of one unit, so that every connection of the
drawing is a projection, and corresponding ones name one weight array. The error is
measured on one unit that reads the three states of the last step (the core's nets have
one output group).
"""

import numpy as np
import pytest

from backprop86 import ErrorFunction, LearningRule, Patterns, TrainConfig, backward, forward, train
from backprop86.core.network import NetworkSpec, Projection

STEPS = 3
# (source unit, target unit, weight name) of Nature Fig. 5, units 0-based.
LINKS = ((0, 1, "w1"), (1, 0, "w2"), (1, 2, "w3"), (2, 1, "w4"))
UNITS = 3


def unit(u: int, t: int) -> str:
    return f"u{u + 1}_t{t}"


def unrolled(tied: bool = True) -> NetworkSpec:
    """Layers t = 0..3 of three units and the readout. With ``tied`` the weights between
    every pair of layers are one array per link (and one bias per unit); without it every
    layer has its own."""
    groups = {"one": 1, **{unit(u, t): 1 for t in range(STEPS + 1) for u in range(UNITS)},
              "readout": 1}
    projections = []
    for t in range(1, STEPS + 1):
        tag = "" if tied else f"@{t}"
        projections += [Projection(unit(a, t - 1), unit(b, t), name + tag)
                        for a, b, name in LINKS]
        projections += [Projection("one", unit(u, t), f"b{u + 1}{tag}") for u in range(UNITS)]
    projections += [Projection(unit(u, STEPS), "readout", f"r{u + 1}") for u in range(UNITS)]
    return NetworkSpec(groups=groups, inputs=("one", *(unit(u, 0) for u in range(UNITS))),
                       output="readout", projections=tuple(projections),
                       bias_groups=("readout",))


def iterate(weights: dict[str, float], state: np.ndarray) -> list[np.ndarray]:
    """The iterative net itself: all units change at once from the previous states.

    Parameters
    ----------
    weights : w1..w4 and the biases b1..b3.
    state : (cases, 3) states at t = 0.

    Returns
    -------
    the states at t = 0..3, each (cases, 3).
    """
    w = np.zeros((UNITS, UNITS))
    for a, b, name in LINKS:
        w[b, a] = weights[name]
    bias = np.array([weights[f"b{u + 1}"] for u in range(UNITS)])
    states = [state]
    for _ in range(STEPS):
        states.append(1 / (1 + np.exp(-(states[-1] @ w.T + bias))))
    return states


def _cases(rng, n=6):
    state = rng.random((n, UNITS))
    inputs = {"one": np.ones((n, 1)), **{unit(u, 0): state[:, u:u + 1] for u in range(UNITS)}}
    return state, Patterns(inputs, (rng.random((n, 1)) < 0.5).astype(float))


def _tied_params(rng, k=1):
    names = [n for _, _, n in LINKS] + [f"b{u + 1}" for u in range(UNITS)] + \
        [f"r{u + 1}" for u in range(UNITS)]
    params = {n: rng.uniform(-2, 2, size=(k, 1, 1)) for n in names}
    params["readout.bias"] = rng.uniform(-2, 2, size=(k, 1))
    return params


def test_the_unrolled_net_computes_what_the_iterative_net_does(rng):
    state, pats = _cases(rng)
    params = _tied_params(rng)
    spec = unrolled()
    act = forward(spec, params, pats.input_columns())
    states = iterate({n: float(v.ravel()[0]) for n, v in params.items()}, state)
    for t in range(1, STEPS + 1):
        for u in range(UNITS):
            np.testing.assert_allclose(act[unit(u, t)][0, 0], states[t][:, u], rtol=1e-14)
    assert set(spec.parameter_shapes()) == set(params)  # one array per link of the drawing


def test_its_gradients_are_finite_differences_summed_over_steps(rng):
    _, pats = _cases(rng)
    params = _tied_params(rng)
    spec = unrolled()
    error = ErrorFunction("sum")
    inputs, targets = pats.input_columns(), pats.target_columns()
    act = forward(spec, params, inputs)
    grads = backward(spec, params, act, error(act[spec.output], targets)[1])
    h = 1e-6
    for name, w in params.items():
        at = (0,) * w.ndim
        saved = w[at]
        w[at] = saved + h
        up = error(forward(spec, params, inputs)[spec.output], targets)[0][0]
        w[at] = saved - h
        down = error(forward(spec, params, inputs)[spec.output], targets)[0][0]
        w[at] = saved
        assert grads[name][at] == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-9)


def test_averaged_changes_keep_corresponding_weights_equal_and_match_tied_weights(rng):
    _, pats = _cases(rng)
    eps, alpha, sweeps = 0.5, 0.9, 40
    start = _tied_params(rng)
    free = unrolled(tied=False)
    # Every layer's copy starts from the same weights (Nature p. 536).
    params = {n: start[n.split("@")[0]].copy() for n in free.parameter_shapes()}
    assert len(params) == 7 * STEPS + 4
    sets = {}
    for n in params:
        sets.setdefault(n.split("@")[0], []).append(n)
    # The core's tied arrays get the sum of their uses' gradients: with eps / 3 that is
    # the change eps times the average makes. The readout, used once, changes at eps / 3
    # in both.
    rate = {name: eps if len(members) == STEPS else eps / STEPS
            for name, members in sets.items()}
    change = {n: np.zeros_like(w) for n, w in params.items()}
    error = ErrorFunction("sum")
    inputs, targets = pats.input_columns(), pats.target_columns()
    for _ in range(sweeps):
        act = forward(free, params, inputs)
        grads = backward(free, params, act, error(act[free.output], targets)[1])
        for name, members in sets.items():
            average = np.mean([grads[n] for n in members], axis=0)
            for n in members:  # eq. 9 with the set's average gradient
                change[n] = -rate[name] * average + alpha * change[n]
                params[n] = params[n] + change[n]
        for members in sets.values():
            assert all(np.array_equal(params[n], params[members[0]]) for n in members)

    config = TrainConfig(rule=LearningRule.constant(eps=eps / STEPS, alpha=alpha),
                         budget=sweeps, stop="within_0.1", monitor=("within_0.1",))
    records = train(unrolled(), pats, config, seeds=[0], task="fig5", initial=start)
    assert records.sweeps[0] == sweeps  # as long as the loop above
    for name, members in sets.items():
        np.testing.assert_allclose(records.final[name], params[members[0]], rtol=1e-12)
    assert sum(len(m) == STEPS for m in sets.values()) == 7  # w1-w4, b1-b3 in every step
