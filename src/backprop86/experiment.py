"""From a task, a variant, settings overrides and seeds to a tidy per-seed table and the
arrays. This is the one entry point the command line and the pipeline call."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import ConfigError
from .loss import ErrorFunction
from .records import EnsembleRecords
from .rule import LearningRule, Phase
from .tasks import get_variant
from .tasks.base import Variant
from .trainer import Patterns, TrainConfig, train

INPUT_CODINGS = ("binary", "bipolar")


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


def encode_inputs(patterns: Patterns, coding: str) -> Patterns:
    """Inputs as 0/1 (the papers) or as -1/+1 (an ablation); targets stay 0/1."""
    if coding == "binary":
        return patterns
    inputs = {g: 2.0 * np.asarray(a, dtype=float) - 1.0 for g, a in patterns.inputs.items()}
    return Patterns(inputs, patterns.targets, patterns.labels)


def run(task: str, variant: str | None, seeds: Iterable[int],
        overrides: Mapping[str, Any] | None = None, *, label: str | None = None,
        snapshot_sweeps: Iterable[int] = (),
        progress: Callable[[int, int], None] | None = None,
        backend: str = "numpy") -> tuple[pd.DataFrame, EnsembleRecords]:
    """Train ``seeds`` of a task variant and score every network.

    Parameters
    ----------
    task, variant : names from :data:`backprop86.tasks.TASKS` (variant None: the default).
    seeds : the networks to train, one per seed.
    overrides : settings that differ from the variant's paper defaults.
    label : the name this run goes by in the ``variant`` column (for example a named
        ablation such as ``mean-loss``); defaults to the variant's name.
    backend : ``numpy`` (the reference core) or ``numba`` (the compiled kernel, equal to
        rounding); see :func:`backprop86.trainer.train`.

    Returns
    -------
    table : one row per seed: task, variant, base_variant, seed, stop, sweeps, converged,
        final_error, sweeps_to_<criterion> for every monitored criterion, then the task's
        structure scores.
    records : the core's arrays for the same networks.
    """
    t, v = get_variant(task, variant)
    settings = resolve_settings(v, overrides)
    spec, patterns = v.build(settings)
    patterns = encode_inputs(patterns, settings["input_coding"])
    config = train_config(settings, snapshot_sweeps=snapshot_sweeps)
    seeds = np.asarray(list(seeds), dtype=np.int64)
    mask = v.case_mask(settings, seeds, t.name) if v.case_mask else None
    records = train(spec, patterns, config, seeds, task=t.name, case_mask=mask,
                    progress=progress, backend=backend)
    records.meta["settings"] = _plain(settings)
    records.meta["task"], records.meta["variant"] = t.name, label or v.name
    scores = v.score(settings, spec, patterns, records).reset_index(drop=True)
    table = records.table()
    table.insert(0, "task", t.name)
    table.insert(1, "variant", label or v.name)
    table.insert(2, "base_variant", v.name)
    return pd.concat([table, scores], axis=1), records


def _plain(value):
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


SEED_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")


def parse_seeds(text: str) -> list[int]:
    """``"0-999"`` (inclusive), ``"3"`` or ``"1,5,9"`` to a list of seeds."""
    allowed = "A-B with 0 <= A <= B, or whole numbers >= 0 separated by commas"
    m = SEED_RANGE.match(text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if a > b:
            raise ConfigError("seeds", f"{text!r} runs backwards", allowed)
        return list(range(a, b + 1))
    try:
        seeds = [int(s) for s in text.split(",")]
    except ValueError:
        raise ConfigError("seeds", f"cannot read {text!r}", allowed) from None
    if any(s < 0 for s in seeds):
        raise ConfigError("seeds", f"{text!r} has a negative seed", allowed)
    if len(set(seeds)) != len(seeds):
        raise ConfigError("seeds", f"{text!r} repeats a seed", allowed)
    return seeds
