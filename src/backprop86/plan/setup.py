"""The one setup of a task variant: its paper defaults with overrides applied, checked, and
turned into what the core trains (the network, the patterns as presented, the training
config and each network's training cases). Training, the diagnosis, the printed nets and
the figure data all start here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from ..core.config import TrainConfig
from ..core.loss import MARGIN_MODES, REDUCTIONS, ErrorFunction
from ..core.network import NetworkSpec
from ..core.patterns import INPUT_CODINGS, Patterns, encode_inputs
from ..core.rule import MODES, ORDERS, LearningRule, Phase
from ..errors import ConfigError
from ..tasks import get_variant
from ..tasks.base import Task, Variant


def resolve_settings(variant: Variant, overrides: Mapping[str, Any] | None = None,
                     where: str = "settings") -> dict[str, Any]:
    """The variant's defaults with ``overrides`` applied; an unknown key, a bad value
    (:data:`CHECKS`) or an override that would have no effect is refused."""
    defaults = variant.settings()
    overrides = dict(overrides or {})
    for key in overrides:
        if key not in defaults:
            raise ConfigError(f"{where}.{key}", f"unknown setting for variant {variant.name!r}",
                              ", ".join(sorted(defaults)))
    settings = {k: s.value for k, s in defaults.items()}
    settings.update(overrides)
    check_settings(settings, where)
    if settings["schedule"] is not None:
        for key in ("eps", "alpha"):
            if key in overrides and overrides[key] != defaults[key].value:
                raise ConfigError(f"{where}.{key}", f"{overrides[key]!r} would have no effect: "
                                  "the schedule sets eps and alpha",
                                  "schedule: null to use eps and alpha, or a schedule")
    return settings


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _phase(row) -> bool:
    return isinstance(row, (list, tuple)) and len(row) == 3 and _whole(row[0]) and \
        row[0] >= 0 and _number(row[1]) and row[1] > 0 and _number(row[2]) and \
        0 <= row[2] < 1


def _criteria(value) -> bool:
    names = [value] if isinstance(value, str) else value
    return isinstance(names, list) and bool(names) and all(isinstance(n, str) for n in names)


# The most sweeps a run may be given: a network's error trace holds a number per sweep.
MAX_BUDGET = 10_000_000

# One table of the rule's settings: what each must be, and the words for it. (The core
# checks names too, such as the criteria; a variant checks its own settings.)
CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "eps": (lambda v: _number(v) and v > 0, "a finite learning rate > 0"),
    "alpha": (lambda v: _number(v) and 0 <= v < 1, "a momentum in [0, 1)"),
    "schedule": (lambda v: v is None or (isinstance(v, list) and bool(v)
                                         and all(_phase(r) for r in v)),
                 "null, or [[start_sweep, eps, alpha], ...]: whole start sweeps >= 0, the "
                 "first 0, eps > 0, alpha in [0, 1)"),
    "weight_decay": (lambda v: _number(v) and 0 <= v < 1, "a fraction in [0, 1)"),
    "decay_start": (lambda v: _whole(v) and v >= 0, "a whole number of sweeps >= 0"),
    "mode": (lambda v: v in MODES, ", ".join(MODES)),
    "pattern_order": (lambda v: v in ORDERS, ", ".join(ORDERS)),
    "reduction": (lambda v: v in REDUCTIONS, ", ".join(REDUCTIONS)),
    "margin": (lambda v: v is None or (isinstance(v, list) and len(v) == 2
                                       and all(_number(x) for x in v)
                                       and 0 <= v[1] < v[0] <= 1),
               "null, or [on_above, off_below] with 0 <= off_below < on_above <= 1"),
    "margin_mode": (lambda v: v in MARGIN_MODES, ", ".join(MARGIN_MODES)),
    "init_range": (lambda v: _number(v) and v > 0, "a finite number > 0"),
    "input_coding": (lambda v: v in INPUT_CODINGS, ", ".join(INPUT_CODINGS)),
    "budget": (lambda v: _whole(v) and 1 <= v <= MAX_BUDGET,
               f"a whole number of sweeps from 1 to {MAX_BUDGET:,}"),
    "stop": (lambda v: isinstance(v, str), "a criterion name (backprop86.core.criteria)"),
    "monitor": (_criteria, "a criterion name, or a list of them"),
}


def check_settings(settings: Mapping[str, Any], where: str = "settings") -> None:
    """Refuse the first setting of :data:`CHECKS` whose value is not allowed, naming it."""
    for key, (ok, allowed) in CHECKS.items():
        value = settings[key]
        if ok(value):
            continue
        problem = f"{value!r}"
        if isinstance(value, str) and _reads_as_number(value):
            problem = (f"{value!r} is text, not a number (YAML reads a number like 1e-5 as "
                       "text: write 1.0e-5)")
        raise ConfigError(f"{where}.{key}", problem, allowed)


def _reads_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def train_config(settings: Mapping[str, Any], where: str = "settings",
                 snapshot_sweeps: Iterable[int] = ()) -> TrainConfig:
    """Turn resolved settings (checked by :func:`check_settings`) into the core's
    :class:`TrainConfig`."""
    check_settings(settings, where)
    try:
        if settings["schedule"]:
            phases = tuple(Phase(s, float(e), float(a)) for s, e, a in settings["schedule"])
        else:
            phases = (Phase(0, settings["eps"], settings["alpha"]),)
        rule = LearningRule(phases=phases, weight_decay=settings["weight_decay"],
                            decay_start=settings["decay_start"], mode=settings["mode"],
                            pattern_order=settings["pattern_order"])
        margin = settings["margin"]
        error = ErrorFunction(reduction=settings["reduction"],
                              margin=tuple(margin) if margin is not None else None,
                              margin_mode=settings["margin_mode"])
        monitor = settings["monitor"]
        return TrainConfig(rule=rule, error=error, budget=settings["budget"],
                           stop=settings["stop"],
                           monitor=(monitor,) if isinstance(monitor, str) else tuple(monitor),
                           init_range=settings["init_range"],
                           snapshot_sweeps=tuple(snapshot_sweeps))
    except ConfigError as exc:
        raise exc.under(where) from None


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
