"""The logistic unit (Nature eq. 2) and its derivative written in terms of the output."""

import numpy as np


def logistic(net: np.ndarray) -> np.ndarray:
    """y = 1 / (1 + exp(-net)), for any net input, without overflow warnings.

    ``exp`` is only ever taken of ``-|net|`` (never positive), so it cannot overflow;
    both branches are then exact rewrites of the same formula.

    Parameters
    ----------
    net : ndarray, any shape

    Returns
    -------
    ndarray, same shape as ``net``, values in [0, 1].
    """
    e = np.exp(-np.abs(net))
    return np.where(net >= 0, 1.0, e) / (1.0 + e)


def logistic_slope(y: np.ndarray) -> np.ndarray:
    """dy/dnet of the logistic, from its output: y (1 - y) (Nature eq. 5)."""
    return y * (1.0 - y)


def tanh_unit(net: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, an ablation only: the papers use the logistic."""
    return np.tanh(net)


def tanh_slope(y: np.ndarray) -> np.ndarray:
    return 1.0 - y * y


ACTIVATIONS = {
    "logistic": (logistic, logistic_slope),
    "tanh": (tanh_unit, tanh_slope),
}
