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

from ..errors import ConfigError

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
        return self.met(OutputSummary(y, d, error, case_mask))

    def met(self, summary: "OutputSummary") -> np.ndarray:
        """Whether each network meets the criterion, from a shared summary of its outputs."""
        if self.kind == "budget":
            return np.zeros(summary.error.shape[0], dtype=bool)
        if self.kind == "error_below":
            return summary.error < self.value
        if self.kind == "correct_side":
            return summary.all_correct_side
        return summary.max_abs_error < self.value


class OutputSummary:
    """Per-network summaries of the outputs that the criteria share, each computed once.

    ``within_<tol>`` holds exactly when max |y - d| < tol, so one maximum per network
    serves every tolerance; held-out cases count as perfect.
    """

    def __init__(self, y, d, error, case_mask):
        self.y, self.d, self.error, self.case_mask = y, d, error, case_mask
        self._max_abs_error = self._all_correct_side = None

    @property
    def max_abs_error(self) -> np.ndarray:
        if self._max_abs_error is None:
            diff = np.abs(self.y - self.d)
            if self.case_mask is not None:
                diff *= self.case_mask[:, None, :]
            self._max_abs_error = diff.max(axis=(1, 2))
        return self._max_abs_error

    @property
    def all_correct_side(self) -> np.ndarray:
        if self._all_correct_side is None:
            wrong = (self.y > 0.5) != (self.d > 0.5)
            if self.case_mask is not None:
                wrong &= self.case_mask[:, None, :]
            self._all_correct_side = ~wrong.any(axis=(1, 2))
        return self._all_correct_side


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
