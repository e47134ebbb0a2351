"""One and two weight changes of a 2-2-1 net, worked out case by case with scalar
arithmetic (Nature eqs 1-9), against the core's vectorised trainer."""

import math

import numpy as np
from nets import XOR_INPUTS, XOR_TARGETS, xor_221

from backprop86 import LearningRule, Patterns, TrainConfig, train

W1 = [[0.2, -0.1], [0.4, 0.3]]   # hidden <- input, rows are hidden units
B1 = [0.1, -0.2]
W2 = [0.3, -0.25]                # output <- hidden
B2 = 0.05
EPS, ALPHA = 0.5, 0.9


def sigma(x):
    return 1.0 / (1.0 + math.exp(-x))


def gradients_by_hand(w1, b1, w2, b2):
    g_w1 = [[0.0, 0.0], [0.0, 0.0]]
    g_b1 = [0.0, 0.0]
    g_w2 = [0.0, 0.0]
    g_b2 = 0.0
    for x, (d,) in zip(XOR_INPUTS, XOR_TARGETS):
        h = [sigma(w1[j][0] * x[0] + w1[j][1] * x[1] + b1[j]) for j in range(2)]  # eqs 1-2
        y = sigma(w2[0] * h[0] + w2[1] * h[1] + b2)
        d_out = (y - d) * y * (1 - y)                                             # eqs 4-5
        for j in range(2):
            d_hid = d_out * w2[j] * h[j] * (1 - h[j])                              # eqs 5, 7
            g_w2[j] += d_out * h[j]                                                # eq. 6
            g_b1[j] += d_hid                       # the bias: a weight from an always-on unit
            for i in range(2):
                g_w1[j][i] += d_hid * x[i]
        g_b2 += d_out
    return g_w1, g_b1, g_w2, g_b2


def step(params, velocity):
    grads = gradients_by_hand(*params)
    new_params, new_velocity = [], []
    for p, v, g in zip(params, velocity, grads):
        p, v, g = np.array(p, float), np.array(v, float), np.array(g, float)
        v = -EPS * g + ALPHA * v                                                   # eq. 9
        new_params.append(p + v)
        new_velocity.append(v)
    return new_params, new_velocity


def test_two_updates_match_hand_computation():
    params = [np.array(W1), np.array(B1), np.array(W2), np.array(B2)]
    velocity = [np.zeros_like(p) for p in params]
    after_one, velocity = step(params, velocity)
    after_two, _ = step(after_one, velocity)

    initial = {"hidden<-input": np.array([W1]), "hidden.bias": np.array([B1]),
               "output<-hidden": np.array([[W2]]), "output.bias": np.array([[B2]])}
    config = TrainConfig(rule=LearningRule.constant(EPS, ALPHA), budget=2, stop="budget",
                         snapshot_sweeps=(1,))
    rec = train(xor_221(), Patterns({"input": XOR_INPUTS}, XOR_TARGETS), config, [0],
                task="xor", initial=initial)

    for got, want in ((rec.snapshots[1], after_one), (rec.final, after_two)):
        np.testing.assert_allclose(got["hidden<-input"][0], want[0], rtol=0, atol=1e-15)
        np.testing.assert_allclose(got["hidden.bias"][0], want[1], rtol=0, atol=1e-15)
        np.testing.assert_allclose(got["output<-hidden"][0, 0], want[2], rtol=0, atol=1e-15)
        np.testing.assert_allclose(got["output.bias"][0, 0], want[3], rtol=0, atol=1e-15)
    assert rec.sweeps[0] == 2


def test_first_change_of_an_all_zero_net_is_worked_out_on_paper():
    # With every weight zero, every unit is at 0.5 on every case. The output delta is
    # (0.5 - d) * 0.25 = +0.125 for d = 0 and -0.125 for d = 1; summed over XOR's cases
    # (0, 1, 1, 0) it is 0, so the output bias gets no change; the hidden units get no error
    # back through zero weights. The only non-zero gradient is none: the net cannot leave
    # this point, which is why the papers start from small random weights (Nature p. 535).
    zero = {"hidden<-input": np.zeros((1, 2, 2)), "hidden.bias": np.zeros((1, 2)),
            "output<-hidden": np.zeros((1, 1, 2)), "output.bias": np.zeros((1, 1))}
    config = TrainConfig(rule=LearningRule.constant(EPS, ALPHA), budget=1, stop="budget")
    rec = train(xor_221(), Patterns({"input": XOR_INPUTS}, XOR_TARGETS), config, [0],
                task="xor", initial=zero)
    for name, w in rec.final.items():
        assert np.array_equal(w, zero[name]), name
    # E = 1/2 * 4 * 0.5^2 = 0.5 (Nature eq. 3, a sum over cases).
    assert rec.error_curve(0)[0] == 0.5


def test_weight_decay_and_schedule_by_hand():
    # One change with eps 0.5 then decay: w <- (w - eps g) * (1 - 0.002); the second change
    # uses the second phase's eps and alpha.
    params = [np.array(W1), np.array(B1), np.array(W2), np.array(B2)]
    rule = LearningRule(phases=((0, 0.5, 0.5), (1, 0.25, 0.9)), weight_decay=0.002)
    g = gradients_by_hand(*params)
    v1 = [-0.5 * np.array(gi) for gi in g]
    p1 = [(p + v) * 0.998 for p, v in zip(params, v1)]
    g2 = gradients_by_hand(*p1)
    v2 = [-0.25 * np.array(gi) + 0.9 * v for gi, v in zip(g2, v1)]
    p2 = [(p + v) * 0.998 for p, v in zip(p1, v2)]

    initial = {"hidden<-input": np.array([W1]), "hidden.bias": np.array([B1]),
               "output<-hidden": np.array([[W2]]), "output.bias": np.array([[B2]])}
    rec = train(xor_221(), Patterns({"input": XOR_INPUTS}, XOR_TARGETS),
                TrainConfig(rule=rule, budget=2, stop="budget"), [0], task="xor",
                initial=initial)
    np.testing.assert_allclose(rec.final["hidden<-input"][0], p2[0], atol=1e-15)
    np.testing.assert_allclose(rec.final["output.bias"][0, 0], p2[3], atol=1e-15)
