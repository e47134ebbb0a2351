"""The learning rule: gradient descent with momentum (Nature eq. 9), its schedule, decay and
update timing."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

MODES = ("batch", "pattern")
ORDERS = ("fixed", "shuffled")


@dataclass(frozen=True)
class Phase:
    """From sweep ``start`` on (0-based count of weight changes made), use ``eps`` and
    ``alpha``."""

    start: int
    eps: float
    alpha: float


@dataclass(frozen=True)
class LearningRule:
    """dw(t) = -eps dE/dw(t) + alpha dw(t-1) (Nature eq. 9), one change per sweep by default.

    Parameters
    ----------
    phases : learning rate and momentum by sweep; the first phase starts at sweep 0.
        Family trees use two (Nature Fig. 4 caption).
    weight_decay : after each weight change every weight, biases included, is multiplied
        by ``1 - weight_decay`` (Nature Fig. 4 caption: 0.2 %, i.e. 0.002).
    decay_start : sweep from which the decay applies (0: from the first change).
    mode : ``"batch"``: accumulate dE/dw over all cases, change once per sweep (Nature
        p. 535, the paper's rule); ``"pattern"``: change after every case, an ablation
        for the PDP chapter, which does not say which it used (PAPER_FACTS B.0).
    pattern_order : in ``pattern`` mode, cases in their listed order (``fixed``) or in a
        fresh order each sweep drawn from the network's seed (``shuffled``).
    """

    phases: tuple[Phase, ...]
    weight_decay: float = 0.0
    decay_start: int = 0
    mode: str = "batch"
    pattern_order: str = "fixed"

    def __post_init__(self):
        phases = tuple(p if isinstance(p, Phase) else Phase(*p) for p in self.phases)
        object.__setattr__(self, "phases", phases)
        if not phases or phases[0].start != 0:
            raise ConfigError("schedule", "the first phase must start at sweep 0",
                              "[[0, eps, alpha], [start, eps, alpha], ...]")
        for a, b in zip(phases, phases[1:]):
            if b.start <= a.start:
                raise ConfigError("schedule", f"phase starts {a.start}, {b.start} not increasing",
                                  "strictly increasing start sweeps")
        for p in phases:
            if not 0 < p.eps < math.inf:
                raise ConfigError("eps", f"{p.eps!r}", "a finite learning rate > 0")
            if not 0 <= p.alpha < 1:
                raise ConfigError("alpha", f"{p.alpha!r}", "a momentum in [0, 1)")
        if not 0 <= self.weight_decay < 1:
            raise ConfigError("weight_decay", f"{self.weight_decay!r}", "a fraction in [0, 1)")
        if self.decay_start < 0:
            raise ConfigError("decay_start", f"{self.decay_start!r}", "a sweep >= 0")
        if self.mode not in MODES:
            raise ConfigError("mode", f"unknown {self.mode!r}", ", ".join(MODES))
        if self.pattern_order not in ORDERS:
            raise ConfigError("pattern_order", f"unknown {self.pattern_order!r}",
                              ", ".join(ORDERS))

    @classmethod
    def constant(cls, eps: float, alpha: float, **kwargs) -> "LearningRule":
        return cls(phases=(Phase(0, eps, alpha),), **kwargs)

    def at(self, sweep: int) -> Phase:
        """The phase in force for the weight change made at ``sweep``."""
        current = self.phases[0]
        for p in self.phases[1:]:
            if p.start <= sweep:
                current = p
        return current

    def decays_at(self, sweep: int) -> bool:
        return self.weight_decay > 0 and sweep >= self.decay_start

    def per_sweep(self, budget: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`at` and :meth:`decays_at` for every sweep 0..budget at once.

        Returns
        -------
        eps, alpha : (budget + 1,) float; decays : (budget + 1,) bool.
        """
        sweeps = np.arange(budget + 1)
        current = np.searchsorted([p.start for p in self.phases], sweeps, side="right") - 1
        eps = np.array([p.eps for p in self.phases])[current]
        alpha = np.array([p.alpha for p in self.phases])[current]
        decays = (self.weight_decay > 0) & (sweeps >= self.decay_start)
        return eps, alpha, decays
