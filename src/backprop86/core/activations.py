"""The logistic unit (Nature eq. 2) and its derivative written in terms of the output."""

import numpy as np


def logistic(net: np.ndarray) -> np.ndarray:
    """y = 1 / (1 + exp(-net)), for any net input, without overflow warnings.

    For net below about -709, exp(-net) overflows to inf and y is exactly 0, the correctly
    rounded value; the overflow is expected, so its warning is silenced. Four elementwise
    passes into one buffer: the logistic is the core's largest elementwise cost.

    Parameters
    ----------
    net : ndarray, any shape

    Returns
    -------
    ndarray, same shape as ``net``, values in [0, 1].
    """
    y = np.negative(net)
    with np.errstate(over="ignore"):
        np.exp(y, out=y)
    y += 1.0
    return np.reciprocal(y, out=y)


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
