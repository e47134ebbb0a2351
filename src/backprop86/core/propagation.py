"""Forward and backward passes of an ensemble of K networks (Nature eqs 1-7).

Internal layout: activities of a group are ``(K, n_units, n_patterns)`` (units by patterns,
so a projection is ``W @ a`` exactly as in the papers). Input groups may instead be shared
by all K networks, with shape ``(n_units, n_patterns)``: the projection from a shared input
group is then one matrix product for the whole ensemble.
"""

from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS
from .network import NetworkSpec, bias_name


def _project(activity: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Net input to a target group from one source group.

    Parameters
    ----------
    activity : (n_source, P) shared by every network, or (K, n_source, P)
    weights : (K, n_target, n_source)

    Returns
    -------
    (K, n_target, P)
    """
    # One BLAS call per network, of a shape that never contains K: a single
    # (K n_target, n_source) product would be faster, but OpenBLAS may then sum in another
    # order for another K, and a seed's bits would depend on its ensemble.
    return np.matmul(weights, activity)


def _weight_gradient(delta: np.ndarray, activity: np.ndarray) -> np.ndarray:
    """dE/dW = sum over patterns of delta_target * activity_source (Nature eq. 6).

    Parameters
    ----------
    delta : (K, n_target, P), dE/dx of the target units
    activity : (n_source, P) shared, or (K, n_source, P)

    Returns
    -------
    (K, n_target, n_source)
    """
    # Per network, for the same reason as in _project (seen: 64 patterns, 1 ulp).
    return np.matmul(delta, np.swapaxes(activity, -1, -2))


def forward(spec: NetworkSpec, params: dict[str, np.ndarray],
            inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Activities of every group (Nature eqs 1-2).

    Parameters
    ----------
    spec : the architecture.
    params : weight arrays ``(K, n_target, n_source)`` and bias arrays ``(K, n_units)``.
    inputs : for each input group, ``(n_units, P)`` shared or ``(K, n_units, P)``.

    Returns
    -------
    dict of group name to activity; non-input groups are ``(K, n_units, P)``, input groups
    are returned as given.
    """
    squash = ACTIVATIONS[spec.activation][0]
    activity = dict(inputs)
    for group in spec.order:
        net = None
        for p in spec.incoming(group):
            contribution = _project(activity[p.source], params[p.weights])
            if net is None:
                net = contribution  # a fresh array, so the sums below may go in place
            else:
                net += contribution
        if group in spec.bias_groups:
            net += params[bias_name(group)][:, :, None]
        activity[group] = squash(net)
    return activity


def backward(spec: NetworkSpec, params: dict[str, np.ndarray],
             activity: dict[str, np.ndarray], output_error: np.ndarray) -> dict[str, np.ndarray]:
    """Gradient of the error with respect to every parameter (Nature eqs 4-7).

    Parameters
    ----------
    spec, params : as for :func:`forward`.
    activity : the result of :func:`forward` with the same parameters.
    output_error : (K, n_output, P), dE/dy of the output units (eq. 4, already weighted).

    Returns
    -------
    dict of parameter name to dE/dw, each shaped like the parameter. Tied weights get the
    sum of the gradients of all their uses.
    """
    slope = ACTIVATIONS[spec.activation][1]
    delta: dict[str, np.ndarray] = {}
    grads: dict[str, np.ndarray] = {}
    for group in reversed(spec.order):
        if group == spec.output:
            delta[group] = output_error * slope(activity[group])  # eq. 5
        else:
            d_y = None
            for p in spec.outgoing(group):  # eq. 7
                back = np.matmul(params[p.weights].transpose(0, 2, 1), delta[p.target])
                d_y = back if d_y is None else d_y + back
            d_y *= slope(activity[group])  # eq. 5, in place: d_y is this function's own
            delta[group] = d_y
        for p in spec.incoming(group):
            g = _weight_gradient(delta[group], activity[p.source])
            grads[p.weights] = g if p.weights not in grads else grads[p.weights] + g
        if group in spec.bias_groups:
            grads[bias_name(group)] = delta[group].sum(axis=2)
    return grads
