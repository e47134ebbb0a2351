"""What the pipeline trains: the config's runs, and the points of its named grids
(:mod:`.grids`), checked through the package, cut into chunks of seeds (one training job
each).

Everything the command line would refuse is refused here first, so that a bad config stops
the pipeline before any job starts, with one line naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

from ..compiled import check_backend
from ..diagnostics import Diagnosis, diagnosis_of
from ..errors import ConfigError
from ..experiment import parse_seeds, resolve_settings, train_config
from ..tasks import get_task
from .grids import Grid, GridPoint, expand, point_label
from .schema import check_schema


@dataclass(frozen=True)
class Run:
    """One named run of the config: a task variant, its overrides and its seeds.

    Attributes
    ----------
    name : ``TASK/LABEL`` as in the config.
    task, label : the two parts of the name; ``label`` fills the tables' variant column.
    variant : the task's variant that is trained (the label itself unless an ablation).
    overrides : settings that differ from the variant's paper defaults.
    settings : the resolved settings (defaults with the overrides applied).
    seeds : every seed, in order.
    chunk_size : seeds per training job.
    paper_sweeps, paper_sweeps_source : what the paper reports for this variant (None
        and "" when it reports nothing).
    """

    name: str
    task: str
    label: str
    variant: str
    overrides: dict = field(hash=False)
    settings: dict = field(hash=False)
    seeds: tuple[int, ...]
    chunk_size: int
    paper_sweeps: int | None = None
    paper_sweeps_source: str = ""

    @property
    def n_chunks(self) -> int:
        return -(-len(self.seeds) // self.chunk_size)

    @property
    def chunk_ids(self) -> list[str]:
        """Zero-padded chunk numbers, the ``chunk`` wildcard of the training rule."""
        return [chunk_id(i) for i in range(self.n_chunks)]

    def chunk_seeds(self, chunk: str | int) -> tuple[int, ...]:
        i = int(chunk)
        if not 0 <= i < self.n_chunks:
            raise ConfigError("chunk", f"{chunk!r} not in run {self.name}",
                              f"0 to {self.n_chunks - 1}")
        return self.seeds[i * self.chunk_size:(i + 1) * self.chunk_size]

    def set_args(self) -> list[str]:
        """The overrides as ``KEY=VALUE`` arguments of ``backprop86 train --set``."""
        return [f"{key}={yaml_value(value)}" for key, value in self.overrides.items()]


@dataclass(frozen=True)
class Plan:
    """Every run of a config, in config order, and how the tables are written.

    ``runs`` are the config's runs (the default target trains them); ``grids`` the named
    grids, whose points are trained only when asked for (the ``grids`` target);
    ``diagnosis`` the per-layer diagnosis, if the config has one; ``backend`` trains them
    (``numpy`` or ``numba``, see :mod:`backprop86.compiled`).
    """

    runs: tuple[Run, ...]
    parquet: bool = True
    backend: str = "numpy"
    grids: tuple[Grid, ...] = ()
    diagnosis: Diagnosis | None = None

    @property
    def grid_runs(self) -> tuple[Run, ...]:
        """The runs of every grid's points, each once (grids may share points)."""
        unique = {p.run.label: p.run for g in self.grids for p in g.points}
        return tuple(unique.values())

    def run(self, task: str, label: str) -> Run:
        """The config's run, or a grid point's run, of that task and label."""
        for r in (*self.runs, *self.grid_runs):
            if r.task == task and r.label == label:
                return r
        raise ConfigError("runs", f"no run {task}/{label}", ", ".join(r.name for r in self.runs))

    def grid(self, name: str) -> Grid:
        for g in self.grids:
            if g.name == name:
                return g
        raise ConfigError("grids", f"no grid {name!r}", ", ".join(g.name for g in self.grids))

    def chunks(self, runs: tuple[Run, ...] | None = None) -> list[tuple[Run, str]]:
        """Every (run, chunk id) of ``runs`` (default: the config's runs, in order)."""
        return [(r, c) for r in (self.runs if runs is None else runs) for c in r.chunk_ids]

    def run_meta(self, runs: tuple[Run, ...] | None = None) -> list[dict[str, Any]]:
        """Per run of ``runs`` (default: the config's runs), what the summary needs beyond
        the runs table (plain data)."""
        return [{"task": r.task, "variant": r.label, "base_variant": r.variant,
                 "seeds": len(r.seeds), "budget": r.settings["budget"],
                 "stop": r.settings["stop"], "criteria": list(_monitored(r.settings)),
                 "paper_sweeps": r.paper_sweeps,
                 "paper_sweeps_source": r.paper_sweeps_source}
                for r in (self.runs if runs is None else runs)]

    def chunk_meta(self) -> list[dict[str, Any]]:
        """Per training job, in :meth:`chunks` order: which run and which seeds."""
        out = []
        for r, c in self.chunks():
            seeds = r.chunk_seeds(c)
            out.append({"task": r.task, "variant": r.label, "chunk": int(c),
                        "seeds": len(seeds), "first_seed": seeds[0], "last_seed": seeds[-1]})
        return out


def chunk_id(i: int) -> str:
    return f"{i:04d}"


def seeds_arg(seeds) -> str:
    """Seeds as ``backprop86 train --seeds`` takes them: ``A-B`` when contiguous."""
    seeds = list(seeds)
    if seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]}"
    return ",".join(map(str, seeds))


def yaml_value(value: Any) -> str:
    """A settings value as one-line YAML that reads back equal (the CLI parses ``--set``
    values as YAML, which for example takes ``1e-05`` for a string)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=float("inf")).strip()
    if text.endswith("\n..."):
        text = text[:-4].strip()
    elif text.endswith("..."):  # a plain scalar ends its document explicitly
        text = text[:-3].strip()
    if yaml.safe_load(text) != value:
        raise ConfigError("settings", f"cannot pass {value!r} on the command line",
                          "numbers, strings, booleans, null and lists of them")
    return text


def _monitored(settings) -> tuple[str, ...]:
    monitor = settings["monitor"]
    return (monitor,) if isinstance(monitor, str) else tuple(monitor)


def _seeds(value, key: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return tuple(range(value))
    try:
        return tuple(parse_seeds(value))
    except ConfigError as exc:
        raise ConfigError(key, exc.problem, exc.allowed) from None


def _variant(task: str, label: str, spec: Mapping, where: str):
    try:
        t = get_task(task)
    except ConfigError as exc:
        raise ConfigError(where, f"unknown task {task!r}", exc.allowed) from None
    if "variant" in spec:
        name = spec["variant"]
        if name not in t.variants:
            raise ConfigError(f"{where}.variant", f"unknown {name!r} for task {task!r}",
                              ", ".join(t.variants))
        if label in t.variants and label != name:
            raise ConfigError(f"{where}.variant", f"{name!r}, but the label names variant "
                              f"{label!r}", f"{label}, or a label that is not a variant name")
        return t, t.variants[name]
    if label not in t.variants:
        raise ConfigError(where, f"{label!r} is not a variant of {task!r}, so the run must "
                          "say which variant it changes",
                          f"a label among {', '.join(t.variants)}, or a 'variant:' key")
    return t, t.variants[label]


def _run(name: str, spec: Mapping | None, default_seeds, default_chunk,
         where: str | None = None) -> Run:
    where = where or f"runs.{name}"
    spec = spec or {}
    task, label = name.split("/", 1)
    t, v = _variant(task, label, spec, where)
    overrides = dict(spec.get("settings") or {})
    settings = resolve_settings(v, overrides, where=f"{where}.settings")
    train_config(settings, where=f"{where}.settings")
    try:
        v.build(settings)  # variant settings (sizes, splits) are checked when building
    except ConfigError as exc:
        # Variants name a bad setting ``settings.KEY`` already: keep one ``settings``.
        field = exc.field.removeprefix("settings.")
        raise ConfigError(field, exc.problem, exc.allowed).under(f"{where}.settings") from None
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(f"{where}.settings", f"cannot build the network ({exc})") from None
    for key, value in overrides.items():
        try:
            yaml_value(value)
        except ConfigError as exc:
            raise exc.under(f"{where}.settings.{key}") from None
    seeds = _seeds(spec["seeds"], f"{where}.seeds") if "seeds" in spec else default_seeds
    paper = v.paper_sweeps
    return Run(name=name, task=t.name, label=label, variant=v.name, overrides=overrides,
               settings=settings, seeds=seeds, chunk_size=spec.get("chunk_size", default_chunk),
               paper_sweeps=None if paper is None else int(paper.value),
               paper_sweeps_source="" if paper is None else paper.source)


def make_plan(config: Mapping[str, Any], schema: Mapping[str, Any]) -> Plan:
    """Check ``config`` (against ``schema``, then every run through the package) and
    return what to train.

    Raises
    ------
    ConfigError
        at the first problem, naming the key (``runs.xor/2-2-1.settings.eps``) and what is
        allowed.
    """
    check_schema(config, schema)
    default_seeds = _seeds(config["seeds"], "seeds")
    runs = tuple(_run(name, spec, default_seeds, config["chunk_size"])
                 for name, spec in config["runs"].items())
    grids = make_grids(config)
    labels = {r.name for r in runs}
    for g in grids:
        for p in g.points:
            if p.run.name in labels:
                raise ConfigError(f"runs.{p.run.name}", "the label of a grid point of "
                                  f"grids.{g.name}", "a label not starting with 'grid-'")
    backend = config.get("backend", "numpy")
    check_backend(backend)
    return Plan(runs=runs, parquet=(config.get("tables") or {}).get("parquet", True),
                backend=backend, grids=grids, diagnosis=diagnosis_of(config))


def make_grids(config: Mapping[str, Any]) -> tuple[Grid, ...]:
    """Every named grid of ``config`` (its ``grids``, ``seeds`` and ``chunk_size`` keys,
    already checked against the schema) with its points, each checked as a run is.

    Raises
    ------
    ConfigError
        at the first bad grid or point, naming the key (``grids.NAME.axes.eps``).
    """
    grids = config.get("grids") or {}
    if not grids:
        return ()
    default_seeds = _seeds(config["seeds"], "seeds")
    return tuple(_grid(name, spec, default_seeds, config["chunk_size"])
                 for name, spec in grids.items())


def _grid(name: str, spec: Mapping, default_seeds, default_chunk) -> Grid:
    where = f"grids.{name}"
    try:
        t = get_task(spec["task"])
    except ConfigError as exc:
        raise ConfigError(f"{where}.task", f"unknown task {spec['task']!r}",
                          exc.allowed) from None
    t, v = _variant(t.name, "", {"variant": spec.get("variant") or t.default_variant}, where)
    base = dict(spec.get("base") or {})
    resolve_settings(v, base, where=f"{where}.base")
    defaults = {k: s.value for k, s in v.settings().items()}
    seeds = _seeds(spec["seeds"], f"{where}.seeds") if "seeds" in spec else default_seeds
    chunk = spec.get("chunk_size", default_chunk)
    mode = spec.get("mode", "one_at_a_time")
    axes = dict(spec.get("axes") or {})
    points = []
    for overrides, moved, key in expand(mode, base, axes, defaults, where):
        label = point_label(t.name, v.name, overrides, defaults, seeds, chunk)
        # Only what differs from the defaults is passed on, so that the same point is
        # the same job (the same command) whichever grid lists it and however.
        differing = {k: val for k, val in overrides.items() if val != defaults[k]}
        run_spec = {"variant": v.name, "settings": differing, "chunk_size": chunk}
        try:
            run = _run(f"{t.name}/{label}", run_spec, seeds, chunk, where=key)
        except ConfigError as exc:
            raise _point_error(exc, key, moved, overrides) from None
        values = {k: overrides.get(k, defaults[k]) for k in axes}
        points.append(GridPoint(run=run, values=values, moved=moved))
    return Grid(name=name, task=t.name, variant=v.name, mode=mode, base=base,
                axes={k: tuple(vals) for k, vals in axes.items()}, points=tuple(points))


def _point_error(exc: ConfigError, key: str, moved, overrides) -> ConfigError:
    """A grid point's error under the grid key that causes it: ``grids.N.axes.eps`` for a
    value of one axis, ``grids.N.base.eps`` for the base, ``grids.N.axes.eps`` with the
    combination named for a product point."""
    inner = f"{key}.settings"
    tail = exc.field[len(inner):] if exc.field.startswith(inner) else ""
    single_axis = not key.endswith((".base", ".axes"))
    field = key if single_axis else key + tail
    problem = exc.problem
    if key.endswith(".axes") and moved:
        problem += " (at " + ", ".join(f"{k} {yaml_value(overrides[k])}" for k in moved) + ")"
    return ConfigError(field, problem, exc.allowed)
