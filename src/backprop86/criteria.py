"""Named stopping criteria. The papers do not state theirs (PAPER_FACTS E.3, E.4), so
training records the first sweep at which each of several criteria holds.

A criterion is named by a string that is also its column name in the tables:

``correct_side``
    every output on the correct side of 0.5, on every training case;
``within_<tol>``
    every output within ``tol`` of its target (``within_0.4``, ``within_0.2``, ``within_0.1``);
``error_below_<value>``
    the error E (as the run measures it) is below ``value``;
``budget``
    never met: train for the whole sweep budget (a fixed number of sweeps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConfigError

ALLOWED = "correct_side, within_<tol>, error_below_<value>, budget"


@dataclass(frozen=True)
class Criterion:
    """A test applied to every network after each sweep.

    ``kind`` is one of ``correct_side``, ``within``, ``error_below``, ``budget``;
    ``value`` is the tolerance or error bound where the kind takes one.
    """

    kind: str
    value: float = 0.0

    @property
    def name(self) -> str:
        if self.kind in ("within", "error_below"):
            return f"{self.kind}_{self.value:g}"
        return self.kind

    def __call__(self, y: np.ndarray, d: np.ndarray, error: np.ndarray,
                 case_mask: np.ndarray | None) -> np.ndarray:
        """Whether each network meets the criterion.

        Parameters
        ----------
        y : (K, n_output, P) outputs; d : (n_output, P) or (K, n_output, P) targets;
        error : (K,) the run's error; case_mask : (K, P) bool training cases, or None.

        Returns
        -------
        (K,) bool
        """
        if self.kind == "budget":
            return np.zeros(y.shape[0], dtype=bool)
        if self.kind == "error_below":
            return error < self.value
        if self.kind == "correct_side":
            ok = (y > 0.5) == (d > 0.5)
        else:
            ok = np.abs(y - d) < self.value
        if case_mask is not None:
            ok = ok | ~case_mask[:, None, :]
        return ok.all(axis=(1, 2))


def parse(name: str) -> Criterion:
    """The criterion a name stands for; a bad name raises :class:`ConfigError`."""
    if name in ("correct_side", "budget"):
        return Criterion(name)
    for kind in ("within", "error_below"):
        if name.startswith(kind + "_"):
            try:
                value = float(name[len(kind) + 1:])
            except ValueError:
                break
            if not value > 0 or (kind == "within" and value > 1):
                break
            return Criterion(kind, value)
    raise ConfigError("criterion", f"unknown {name!r}", ALLOWED)
