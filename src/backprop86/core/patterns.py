"""The cases of a task: input patterns per input group and target outputs, shared by every
network, and their layout for the passes of :mod:`.propagation`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from ..errors import ConfigError
from .network import NetworkSpec


@dataclass(frozen=True)
class Patterns:
    """The cases of a task, shared by every network.

    Parameters
    ----------
    inputs : for each input group, an array ``(P, n_units)``.
    targets : ``(P, n_output)`` desired outputs, 0 or 1.
    labels : optional name of each case, length P.
    """

    inputs: Mapping[str, np.ndarray]
    targets: np.ndarray
    labels: tuple[str, ...] = field(default=())

    @property
    def n_cases(self) -> int:
        return self.targets.shape[0]

    def check(self, spec: NetworkSpec) -> None:
        """Refuse patterns that do not fit ``spec``'s input and output groups."""
        for g in spec.inputs:
            if g not in self.inputs:
                raise ConfigError("patterns.inputs", f"no patterns for input group {g!r}",
                                  ", ".join(spec.inputs))
            a = np.asarray(self.inputs[g])
            if a.shape != (self.n_cases, spec.groups[g]):
                raise ConfigError(f"patterns.inputs.{g}", f"shape {a.shape}",
                                  f"({self.n_cases}, {spec.groups[g]})")
        if self.targets.shape[1:] != (spec.groups[spec.output],):
            raise ConfigError("patterns.targets", f"shape {self.targets.shape}",
                              f"(P, {spec.groups[spec.output]})")

    def input_columns(self) -> dict[str, np.ndarray]:
        """Every input group as the passes take it: ``(n_units, P)`` float64, C-contiguous
        (units by cases, so that a projection is ``W @ a`` as in the papers)."""
        return {g: columns(a) for g, a in self.inputs.items()}

    def target_columns(self) -> np.ndarray:
        """The targets as ``(n_output, P)`` float64, C-contiguous, as the outputs are."""
        return columns(self.targets)


# How inputs are presented: 0/1 as in the papers, or -1/+1 (an ablation).
INPUT_CODINGS = ("binary", "bipolar")


def encode_inputs(patterns: Patterns, coding: str) -> Patterns:
    """The patterns with their inputs as 0/1 (``binary``, the papers) or as -1/+1
    (``bipolar``, an ablation); targets stay 0/1."""
    if coding not in INPUT_CODINGS:
        raise ConfigError("input_coding", f"unknown {coding!r}", ", ".join(INPUT_CODINGS))
    if coding == "binary":
        return patterns
    inputs = {g: 2.0 * np.asarray(a, dtype=float) - 1.0 for g, a in patterns.inputs.items()}
    return Patterns(inputs, patterns.targets, patterns.labels)


def columns(rows: np.ndarray) -> np.ndarray:
    """A ``(P, n)`` array of cases by units as ``(n, P)`` float64, C-contiguous."""
    return np.ascontiguousarray(np.asarray(rows, dtype=np.float64).T)
