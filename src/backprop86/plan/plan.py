"""What the pipeline trains: the config's runs, the points of its named grids
(:mod:`.grids`) and its diagnosis, each checked through the package and cut into chunks of
seeds (one training job each), resolved once into a :class:`Plan` and written to a file
(``results/plan.json``, by the Snakefile when it starts) that every job reads.

Everything the package would refuse is refused here first, so that a bad config stops the
pipeline before any job starts, with one line naming the key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .. import backends
from ..atomic import write_text
from ..errors import ConfigError
from ..tasks import get_task
from .fingerprint import fingerprint_of
from .grids import Grid, GridPoint, expand, point_label, value_text
from .schema import check_schema, load_schema
from .setup import setup

# The version of the plan file; a file of another version is refused.
PLAN_FORMAT = 1


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

    @property
    def criteria(self) -> tuple[str, ...]:
        """The monitored criteria."""
        monitor = self.settings["monitor"]
        return (monitor,) if isinstance(monitor, str) else tuple(monitor)

    def meta(self) -> dict[str, Any]:
        """What the summary needs of the run beyond the runs table (plain data)."""
        return {"task": self.task, "variant": self.label, "base_variant": self.variant,
                "seeds": len(self.seeds), "budget": self.settings["budget"],
                "stop": self.settings["stop"], "criteria": list(self.criteria),
                "paper_sweeps": self.paper_sweeps,
                "paper_sweeps_source": self.paper_sweeps_source}

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "task": self.task, "label": self.label,
                "variant": self.variant, "overrides": self.overrides,
                "settings": self.settings, "seeds": list(self.seeds),
                "chunk_size": self.chunk_size, "paper_sweeps": self.paper_sweeps,
                "paper_sweeps_source": self.paper_sweeps_source}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Run":
        return cls(**{**d, "seeds": tuple(d["seeds"])})

    def fingerprint(self) -> str:
        """A hash of everything that decides the run's networks and tables."""
        return fingerprint_of(self.to_dict())


@dataclass(frozen=True)
class Diagnosis:
    """The config's ``diagnosis``: one task variant, trained in several arms (settings
    changed from the variant's defaults) with a per-layer observer."""

    task: str
    variant: str
    seeds: tuple[int, ...]
    arms: Mapping[str, Mapping[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "variant": self.variant, "seeds": list(self.seeds),
                "arms": {a: dict(o) for a, o in self.arms.items()}}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Diagnosis":
        return cls(d["task"], d["variant"], tuple(d["seeds"]), d["arms"])

    def fingerprint(self) -> str:
        return fingerprint_of(self.to_dict())


@dataclass(frozen=True)
class Plan:
    """Every run of a config, in config order, and how the tables are written.

    ``runs`` are the config's runs (the default target trains them); ``grids`` the named
    grids, whose points are trained only when asked for (the ``grids`` target);
    ``diagnosis`` the per-layer diagnosis, if the config has one; ``backend`` trains them
    (``numpy`` or ``numba``, see :mod:`backprop86.backends`); ``config`` is the config the
    plan was made from, as given (for the report's provenance).
    """

    runs: tuple[Run, ...]
    parquet: bool = True
    backend: str = "numpy"
    grids: tuple[Grid, ...] = ()
    diagnosis: Diagnosis | None = None
    config: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def grid_runs(self) -> tuple[Run, ...]:
        """The runs of every grid's points, each once (grids may share points)."""
        unique = {p.run.label: p.run for g in self.grids for p in g.points}
        return tuple(unique.values())

    @property
    def tasks(self) -> list[str]:
        """The tasks of the config's runs, each once, in config order."""
        return list(dict.fromkeys(r.task for r in self.runs))

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
        """:meth:`Run.meta` of every run of ``runs`` (default: the config's runs)."""
        return [r.meta() for r in (self.runs if runs is None else runs)]

    def chunk_fingerprint(self, run: Run) -> str:
        """What decides the networks of a run's chunks: the run and the backend."""
        return f"{run.fingerprint()}-{self.backend}"

    def chunk_meta(self) -> list[dict[str, Any]]:
        """Per training job, in :meth:`chunks` order: which run and which seeds."""
        out = []
        for r, c in self.chunks():
            seeds = r.chunk_seeds(c)
            out.append({"task": r.task, "variant": r.label, "chunk": int(c),
                        "seeds": len(seeds), "first_seed": seeds[0], "last_seed": seeds[-1]})
        return out

    # ---- the plan file -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"format": PLAN_FORMAT, "backend": self.backend, "parquet": self.parquet,
                "runs": [r.to_dict() for r in self.runs],
                "grids": [_grid_dict(g) for g in self.grids],
                "diagnosis": None if self.diagnosis is None else self.diagnosis.to_dict(),
                "config": dict(self.config)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Plan":
        return cls(runs=tuple(Run.from_dict(r) for r in d["runs"]), parquet=d["parquet"],
                   backend=d["backend"], grids=tuple(_grid_of(g) for g in d["grids"]),
                   diagnosis=None if d["diagnosis"] is None
                   else Diagnosis.from_dict(d["diagnosis"]),
                   config=d["config"])

    def fingerprint(self) -> str:
        """A hash of the whole plan: equal for two configs that plan the same work."""
        return fingerprint_of(self.to_dict())


def write_plan(plan: Plan, path: str | Path) -> bool:
    """Write the plan file, atomically, unless it holds this plan already (so that its
    time stamp says when the plan last changed). Returns whether it wrote."""
    text = json.dumps(plan.to_dict(), indent=1) + "\n"
    try:
        if Path(path).read_text() == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_text(path, text)
    return True


def read_plan(path: str | Path) -> Plan:
    """Read a plan file written by :func:`write_plan`.

    Raises
    ------
    ConfigError
        naming the file, when it is missing, unreadable or of another format.
    """
    allowed = "a plan written by 'backprop86 plan'"
    try:
        with open(path) as fh:
            data = json.load(fh)
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read ({exc.strerror})", allowed) from None
    except ValueError as exc:
        raise ConfigError(str(path), f"not a plan file ({exc})", allowed) from None
    if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
        raise ConfigError(str(path), "not a plan file of this version", allowed)
    try:
        return Plan.from_dict(data)
    except (KeyError, TypeError) as exc:
        raise ConfigError(str(path), f"not a plan file (no {exc})", allowed) from None


def _grid_dict(g: Grid) -> dict[str, Any]:
    return {"name": g.name, "task": g.task, "variant": g.variant, "mode": g.mode,
            "base": dict(g.base), "axes": {k: list(v) for k, v in g.axes.items()},
            "points": [{"run": p.run.to_dict(), "values": dict(p.values),
                        "moved": list(p.moved)} for p in g.points]}


def _grid_of(d: Mapping[str, Any]) -> Grid:
    points = tuple(GridPoint(run=Run.from_dict(p["run"]), values=p["values"],
                             moved=tuple(p["moved"])) for p in d["points"])
    return Grid(name=d["name"], task=d["task"], variant=d["variant"], mode=d["mode"],
                base=d["base"], axes={k: tuple(v) for k, v in d["axes"].items()},
                points=points)


def grid_fingerprint(grid: Grid) -> str:
    """A hash of a grid and its points' runs."""
    return fingerprint_of(_grid_dict(grid))


# ---- making the plan ---------------------------------------------------------------------

def chunk_id(i: int) -> str:
    return f"{i:04d}"


SEED_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
# The most seeds one run may have (a chunk of them is one training job), and the largest
# seed (seeds are 64-bit integers in the records).
MAX_SEEDS = 1_000_000
MAX_SEED = 2 ** 63 - 1


def parse_seeds(text: str) -> list[int]:
    """``"0-999"`` (inclusive), ``"3"`` or ``"1,5,9"`` to a list of seeds: at most
    :data:`MAX_SEEDS` of them, each from 0 to :data:`MAX_SEED`."""
    allowed = ("A-B with 0 <= A <= B < 2^63, or whole numbers from 0 to 2^63 - 1 separated "
               f"by commas; at most {MAX_SEEDS:,} seeds")
    m = SEED_RANGE.match(text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if a > b:
            raise ConfigError("seeds", f"{text!r} runs backwards", allowed)
        seeds = range(a, b + 1)
    else:
        try:
            seeds = [int(s) for s in text.split(",")]
        except ValueError:
            raise ConfigError("seeds", f"cannot read {text!r}", allowed) from None
    if len(seeds) > MAX_SEEDS:
        raise ConfigError("seeds", f"{text!r} is {len(seeds):,} seeds", allowed)
    if min(seeds) < 0 or max(seeds) > MAX_SEED:
        raise ConfigError("seeds", f"{text!r} has a seed out of range", allowed)
    if isinstance(seeds, list) and len(set(seeds)) != len(seeds):
        raise ConfigError("seeds", f"{text!r} repeats a seed", allowed)
    return list(seeds)


def _seeds(value, key: str) -> tuple[int, ...]:
    try:
        if isinstance(value, int):
            if not 1 <= value <= MAX_SEEDS:
                raise ConfigError(key, f"{value:,} seeds", f"1 to {MAX_SEEDS:,} seeds, or a "
                                  "string of seeds (config/README.md)")
            return tuple(range(value))
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


def _plain_data(value: Any, where: str) -> None:
    """Refuse a setting the plan file cannot hold as it is (it must read back equal)."""
    if json.loads(json.dumps(value)) != value:
        raise ConfigError(where, f"cannot store {value!r} in the plan",
                          "numbers, strings, booleans, null and lists of them")


def _run(name: str, spec: Mapping | None, default_seeds, default_chunk,
         where: str | None = None) -> Run:
    where = where or f"runs.{name}"
    spec = spec or {}
    task, label = name.split("/", 1)
    t, v = _variant(task, label, spec, where)
    overrides = dict(spec.get("settings") or {})
    for key, value in overrides.items():
        try:
            _plain_data(value, key)
        except ConfigError as exc:
            raise exc.under(f"{where}.settings") from None
    ready = setup(t.name, v.name, overrides, where=f"{where}.settings")
    seeds = _seeds(spec["seeds"], f"{where}.seeds") if "seeds" in spec else default_seeds
    paper = v.paper_sweeps
    return Run(name=name, task=t.name, label=label, variant=v.name, overrides=overrides,
               settings=ready.settings, seeds=seeds,
               chunk_size=spec.get("chunk_size", default_chunk),
               paper_sweeps=None if paper is None else int(paper.value),
               paper_sweeps_source="" if paper is None else paper.source)


def make_plan(config: Mapping[str, Any], schema: Mapping[str, Any] | None = None) -> Plan:
    """Check ``config`` (against ``schema``, by default the pipeline config's, then every
    run through the package) and return what to train.

    Raises
    ------
    ConfigError
        at the first problem, naming the key (``runs.xor/2-2-1.settings.eps``) and what is
        allowed.
    """
    check_schema(config, load_schema() if schema is None else schema)
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
    backends.check(backend)
    return Plan(runs=runs, parquet=(config.get("tables") or {}).get("parquet", True),
                backend=backend, grids=grids, diagnosis=diagnosis_of(config),
                config=config)


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
    setup(t.name, v.name, base, where=f"{where}.base")
    defaults = {k: s.value for k, s in v.settings().items()}
    seeds = _seeds(spec["seeds"], f"{where}.seeds") if "seeds" in spec else default_seeds
    chunk = spec.get("chunk_size", default_chunk)
    mode = spec.get("mode", "one_at_a_time")
    axes = dict(spec.get("axes") or {})
    points = []
    for overrides, moved, key in expand(mode, base, axes, defaults, where):
        label = point_label(t.name, v.name, overrides, defaults, seeds, chunk)
        # Only what differs from the defaults is passed on, so that the same point is
        # the same job (the same run) whichever grid lists it and however.
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
        problem += " (at " + ", ".join(f"{k} {value_text(overrides[k])}" for k in moved) + ")"
    return ConfigError(field, problem, exc.allowed)


def diagnosis_of(config: Mapping[str, Any]) -> Diagnosis | None:
    """The config's diagnosis (key ``diagnosis``, checked against the schema), each arm's
    settings checked as a run's are; None when the config has none."""
    spec = config.get("diagnosis")
    if not spec:
        return None
    where = "diagnosis"
    try:
        t = get_task(spec["task"])
    except ConfigError as exc:
        raise ConfigError(f"{where}.task", f"unknown task {spec['task']!r}",
                          exc.allowed) from None
    name = spec.get("variant") or t.default_variant
    if name not in t.variants:
        raise ConfigError(f"{where}.variant", f"unknown {name!r} for task {t.name!r}",
                          ", ".join(t.variants))
    seeds = _seeds(spec.get("seeds", config.get("seeds")), f"{where}.seeds")
    arms = {}
    for arm, overrides in spec["arms"].items():
        key = f"{where}.arms.{arm}"
        ready = setup(t.name, name, overrides or {}, where=key)
        if ready.config.rule.mode != "batch":
            raise ConfigError(f"{key}.mode", f"{ready.config.rule.mode!r}: the observer sees "
                              "batch training only", "batch")
        arms[arm] = dict(overrides or {})
    return Diagnosis(t.name, name, seeds, arms)
