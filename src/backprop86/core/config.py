"""Everything about one training run except the network and the patterns."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..errors import ConfigError
from . import criteria
from .loss import ErrorFunction
from .rule import LearningRule


@dataclass(frozen=True)
class TrainConfig:
    """Everything about one training run except the network and the patterns.

    Parameters
    ----------
    rule : the learning rule (eq. 9, schedule, decay, update timing).
    error : the error function (eq. 3, reduction, margin).
    budget : the most sweeps (weight changes in batch mode) a network gets.
    stop : name of the criterion that stops a network; it must be in ``monitor``
        unless it is ``budget``.
    monitor : names of the criteria whose first sweep is recorded.
    init_range : initial weights uniform in [-r, r] (Nature Fig. 1 caption: 0.3).
    snapshot_sweeps : sweeps at which all weights are recorded.
    """

    rule: LearningRule
    error: ErrorFunction = ErrorFunction()
    budget: int = 10_000
    stop: str = "correct_side"
    monitor: tuple[str, ...] = ("correct_side",)
    init_range: float = 0.3
    snapshot_sweeps: tuple[int, ...] = ()

    def __post_init__(self):
        if not isinstance(self.budget, int) or self.budget < 0:
            raise ConfigError("budget", f"{self.budget!r}", "a whole number of sweeps >= 0")
        if not 0 < self.init_range < math.inf:
            raise ConfigError("init_range", f"{self.init_range!r}", "a finite number > 0")
        for s in self.snapshot_sweeps:
            if isinstance(s, bool) or not isinstance(s, int) or s < 0:
                raise ConfigError("snapshot_sweeps", f"{s!r}", "whole numbers of sweeps >= 0")
        monitor = tuple(dict.fromkeys(self.monitor))
        for key, names in (("monitor", monitor), ("stop", (self.stop,))):
            for name in names:
                try:
                    criteria.parse(name)
                except ConfigError as exc:
                    raise ConfigError(key, exc.problem, exc.allowed) from None
        if self.stop not in monitor and self.stop != "budget":
            monitor = (*monitor, self.stop)
        object.__setattr__(self, "monitor", monitor)

    @property
    def stop_index(self) -> int | None:
        """The position of the stopping criterion in ``monitor``; None for ``budget``."""
        return None if self.stop == "budget" else self.monitor.index(self.stop)

    def snapshots(self) -> list[int]:
        """The snapshot sweeps within the budget, each once, in order."""
        return sorted(s for s in set(self.snapshot_sweeps) if s <= self.budget)

    def to_dict(self) -> dict:
        """The config as plain data (the ``config`` of a record file's metadata)."""
        d = asdict(self)
        d["rule"]["phases"] = [list(p.values()) for p in d["rule"]["phases"]]
        return d
