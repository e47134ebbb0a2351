"""The one setup of a task variant: its paper defaults with overrides applied, checked, and
turned into what the core trains (the network, the patterns as presented, the training
config and each network's training cases). Training, the diagnosis, the printed nets and
the figure data all start here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np

from ..core.config import TrainConfig
from ..core.loss import ErrorFunction
from ..core.network import NetworkSpec
from ..core.patterns import INPUT_CODINGS, Patterns, encode_inputs
from ..core.rule import LearningRule, Phase
from ..errors import ConfigError
from ..tasks import get_variant
from ..tasks.base import Task, Variant


def resolve_settings(variant: Variant, overrides: Mapping[str, Any] | None = None,
                     where: str = "settings") -> dict[str, Any]:
    """The variant's defaults with ``overrides`` applied; an unknown key is refused."""
    defaults = variant.settings()
    overrides = dict(overrides or {})
    for key in overrides:
        if key not in defaults:
            raise ConfigError(f"{where}.{key}", f"unknown setting for variant {variant.name!r}",
                              ", ".join(sorted(defaults)))
    settings = {k: s.value for k, s in defaults.items()}
    settings.update(overrides)
    if settings["input_coding"] not in INPUT_CODINGS:
        raise ConfigError(f"{where}.input_coding", f"unknown {settings['input_coding']!r}",
                          ", ".join(INPUT_CODINGS))
    return settings


def _number(settings, key, where):
    value = settings[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}.{key}", f"{value!r} is not a number", "a number")
    return value


def train_config(settings: Mapping[str, Any], where: str = "settings",
                 snapshot_sweeps: Iterable[int] = ()) -> TrainConfig:
    """Turn resolved settings into the core's :class:`TrainConfig` (validating them)."""
    try:
        if settings["schedule"]:
            phases = tuple(Phase(int(s), float(e), float(a)) for s, e, a in settings["schedule"])
        else:
            phases = (Phase(0, _number(settings, "eps", where),
                            _number(settings, "alpha", where)),)
        rule = LearningRule(phases=phases,
                            weight_decay=_number(settings, "weight_decay", where),
                            decay_start=int(settings["decay_start"]),
                            mode=settings["mode"], pattern_order=settings["pattern_order"])
        margin = settings["margin"]
        error = ErrorFunction(reduction=settings["reduction"],
                              margin=tuple(margin) if margin is not None else None,
                              margin_mode=settings["margin_mode"])
        budget = settings["budget"]
        if isinstance(budget, bool) or not isinstance(budget, int):
            raise ConfigError("budget", f"{budget!r}", "a whole number of sweeps >= 0")
        monitor = settings["monitor"]
        if isinstance(monitor, str):
            monitor = [monitor]
        return TrainConfig(rule=rule, error=error, budget=budget, stop=settings["stop"],
                           monitor=tuple(monitor),
                           init_range=_number(settings, "init_range", where),
                           snapshot_sweeps=tuple(int(s) for s in snapshot_sweeps))
    except ConfigError as exc:
        raise exc.under(where) from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(where, f"cannot read settings ({exc})") from None


@dataclass(frozen=True)
class Setup:
    """A task variant made ready to train.

    Attributes
    ----------
    task, variant : the task and the variant trained.
    settings : the resolved settings (defaults with the overrides applied).
    spec : the network.
    patterns : the cases as the task defines them (inputs 0/1).
    presented : the cases as the network sees them (the ``input_coding`` applied).
    config : the core's training config.
    """

    task: Task
    variant: Variant
    settings: dict
    spec: NetworkSpec
    patterns: Patterns
    presented: Patterns
    config: TrainConfig

    def case_mask(self, seeds) -> np.ndarray | None:
        """(K, P) bool, each network's training cases; None when every network trains
        on every case."""
        if self.variant.case_mask is None:
            return None
        return self.variant.case_mask(self.settings, np.asarray(seeds, dtype=np.int64),
                                      self.task.name)


def setup(task: str, variant: str | None = None, overrides: Mapping[str, Any] | None = None,
          *, where: str = "settings", snapshot_sweeps: Iterable[int] = ()) -> Setup:
    """The setup of a task variant (None: the task's default) with ``overrides`` of its
    paper defaults (or a run's whole resolved settings, which resolve to themselves).

    Raises
    ------
    ConfigError
        naming the setting under ``where`` (``runs.xor/2-2-1.settings.eps``).
    """
    t, v = get_variant(task, variant)
    settings = resolve_settings(v, overrides, where=where)
    config = train_config(settings, where=where, snapshot_sweeps=snapshot_sweeps)
    try:
        spec, patterns = v.build(settings)
    except ConfigError as exc:
        # Variants name a bad setting ``settings.KEY`` already: keep one ``settings``.
        field = exc.field.removeprefix("settings.")
        raise ConfigError(field, exc.problem, exc.allowed).under(where) from None
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(where, f"cannot build the network ({exc})") from None
    return Setup(t, v, settings, spec, patterns,
                 encode_inputs(patterns, settings["input_coding"]), config)
