"""The backends: ways to train a block of networks, each behind the core's block-training
interface (:class:`~backprop86.core.trainer.Backend`, whose
:class:`~backprop86.core.trainer.Stepper` trains a block segment by segment inside the
core's one block loop).

* ``numpy``: the core's reference (:data:`backprop86.core.trainer.REFERENCE`);
* ``numba``: the compiled kernel (:mod:`.numba`), the same rule, equal to rounding.

A backend imports the core only. The command line and the pipeline choose one by name
(:func:`get`); nothing below them does.
"""

from __future__ import annotations

from ..core.trainer import REFERENCE, Backend
from ..errors import ConfigError
from . import numba

BACKENDS: dict[str, Backend] = {"numpy": REFERENCE, "numba": numba.NUMBA}


def check(name: str) -> None:
    """Refuse an unknown backend, or ``numba`` where numba is not installed."""
    if name not in BACKENDS:
        raise ConfigError("backend", f"unknown {name!r}", ", ".join(BACKENDS))
    if name == "numba" and not numba.available():
        raise ConfigError("backend", "numba is not installed",
                          "numpy, or install numba (pip install numba)")


def get(name: str) -> Backend:
    """The backend called ``name`` (checked by :func:`check`)."""
    check(name)
    return BACKENDS[name]


__all__ = ["BACKENDS", "Backend", "check", "get"]
