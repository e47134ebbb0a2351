"""Named parameter grids: expand a grid of the config into its points, name each point's
run, and gather a grid's results into tables keyed by the swept settings.

A grid (config key ``grids.NAME``) takes a task variant, ``base`` settings that every
point shares (the conditions of the search, such as a held-out protocol or a shorter
budget; empty: the paper's settings), and ``axes``: for each setting, the values to try.
``mode`` says how the axes combine:

* ``one_at_a_time``: the base point, then every value of every axis with all other
  settings at the base (one setting moved at a time: what "the fewest settings moved"
  needs first);
* ``product``: every combination of the axes' values (pairs and more, for claims no
  single change recovers).

Every point is an ordinary run of the pipeline (trained by the same rule, written to the
same records and tables), labelled ``grid-<hash>`` from its task, variant, settings,
seeds and chunking, so a point that two grids share is trained once. Grid tables add, to
the columns of the runs, summary and structure tables, which grid and point a row belongs
to, the grid's base, which settings the point moves from it, and one column
``set_<setting>`` per axis (:mod:`backprop86.tables.grids`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import yaml

from ..errors import ConfigError

MODES = ("one_at_a_time", "product")
LABEL_PREFIX = "grid-"
HASH_CHARS = 10  # 40 bits: collisions among a config's few hundred points are negligible


@dataclass(frozen=True)
class GridPoint:
    """One point of a grid.

    Attributes
    ----------
    run : the :class:`~backprop86.plan.plan.Run` that trains it (label ``grid-...``).
    values : every axis's value at this point (the base value where not moved).
    moved : the axes whose value differs from the base, in axis order.
    """

    run: Any
    values: Mapping[str, Any]
    moved: tuple[str, ...]


@dataclass(frozen=True)
class Grid:
    """A named grid of the config and its points, in expansion order."""

    name: str
    task: str
    variant: str
    mode: str
    base: Mapping[str, Any]
    axes: Mapping[str, tuple]
    points: tuple[GridPoint, ...]

    @property
    def base_point(self) -> GridPoint | None:
        """The point that moves nothing from the base, if the grid has one."""
        return next((p for p in self.points if not p.moved), None)

    def base_text(self) -> str:
        """``budget: 3000; split: random``: the base settings (empty: the paper's)."""
        return "; ".join(f"{k}: {value_text(v)}" for k, v in self.base.items())

    def labels(self) -> list[str]:
        return [p.run.label for p in self.points]


def expand(mode: str, base: Mapping[str, Any], axes: Mapping[str, Sequence],
           defaults: Mapping[str, Any], where: str) -> list[tuple[dict, tuple[str, ...], str]]:
    """The points of a grid as (overrides, settings moved from the base, config key to
    blame for a bad point).

    Parameters
    ----------
    mode : one of :data:`MODES`.
    base : settings every point shares.
    axes : setting -> the values to try, in order.
    defaults : the variant's paper defaults (resolved values), for the base values of the
        axes the base does not set.
    where : the grid's config key, for error messages.

    Returns
    -------
    list of (overrides of the paper defaults, axes whose value differs from the base,
    key): points with identical settings are kept once, at their first position.
    """
    if mode not in MODES:
        raise ConfigError(f"{where}.mode", f"unknown {mode!r}", ", ".join(MODES))
    for key, values in axes.items():
        if key not in defaults:
            raise ConfigError(f"{where}.axes.{key}", "unknown setting",
                              ", ".join(sorted(defaults)))
        if not isinstance(values, (list, tuple)) or not values:
            raise ConfigError(f"{where}.axes.{key}", f"{values!r}", "a non-empty list of values")
    start = {**{k: defaults[k] for k in axes}, **base}
    if mode == "one_at_a_time":
        combos = [({}, f"{where}.base")]
        combos += [({key: v}, f"{where}.axes.{key}")
                   for key, values in axes.items() for v in values if v != start[key]]
    else:
        combos = [(dict(zip(axes, values)), f"{where}.axes")
                  for values in itertools.product(*axes.values())]
    points, seen = [], set()
    for change, key in combos:
        overrides = {**base, **change}
        moved = tuple(k for k in axes if k in change and change[k] != start[k])
        signature = canonical(overrides, defaults)
        if signature in seen:
            continue
        seen.add(signature)
        points.append((overrides, moved, key))
    return points


def canonical(overrides: Mapping[str, Any], defaults: Mapping[str, Any]) -> str:
    """The overrides that differ from the defaults, as sorted JSON: equal for two points
    that train the same networks however their settings were written."""
    differing = {k: v for k, v in overrides.items() if v != defaults.get(k)}
    return json.dumps(differing, sort_keys=True, default=str)


def point_label(task: str, variant: str, overrides: Mapping[str, Any],
                defaults: Mapping[str, Any], seeds: Sequence[int], chunk_size: int) -> str:
    """``grid-<hash>``: a label fixed by the task, variant, settings, seeds and chunking
    alone (the chunking too, so that two grids sharing a point agree on its chunks)."""
    key = json.dumps([task, variant, canonical(overrides, defaults), list(seeds),
                      chunk_size])
    return LABEL_PREFIX + hashlib.sha1(key.encode()).hexdigest()[:HASH_CHARS]


def value_text(value: Any) -> str:
    """A setting's value as one-line YAML (``[[0, 0.005, 0.5], [20, 0.1, 0.9]]``, ``0.0``,
    ``null``), as it is written in the config and the tables."""
    text = yaml.safe_dump(value, default_flow_style=True, width=float("inf")).strip()
    if text.endswith("\n..."):
        text = text[:-4].strip()
    elif text.endswith("..."):  # a plain scalar ends its document explicitly
        text = text[:-3].strip()
    return text


def moved_text(point: GridPoint) -> str:
    """``weight_decay: 0.0; init_range: 1.0``: the settings moved and their values."""
    return "; ".join(f"{k}: {value_text(point.values[k])}" for k in point.moved)
