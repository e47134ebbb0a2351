"""What the pipeline trains: the config's runs, checked through the package, cut into
chunks of seeds (one training job each).

Everything the command line would refuse is refused here first, so that a bad config stops
the pipeline before any job starts, with one line naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

from ..errors import ConfigError
from ..experiment import parse_seeds, resolve_settings, train_config
from ..tasks import get_task
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
    """Every run of a config, in config order, and how the tables are written."""

    runs: tuple[Run, ...]
    parquet: bool = True

    def run(self, task: str, label: str) -> Run:
        for r in self.runs:
            if r.task == task and r.label == label:
                return r
        raise ConfigError("runs", f"no run {task}/{label}", ", ".join(r.name for r in self.runs))

    def chunks(self) -> list[tuple[Run, str]]:
        """Every (run, chunk id), runs in config order."""
        return [(r, c) for r in self.runs for c in r.chunk_ids]

    def run_meta(self) -> list[dict[str, Any]]:
        """Per run, what the summary needs beyond the runs table (plain data)."""
        return [{"task": r.task, "variant": r.label, "base_variant": r.variant,
                 "seeds": len(r.seeds), "budget": r.settings["budget"],
                 "stop": r.settings["stop"], "criteria": list(_monitored(r.settings)),
                 "paper_sweeps": r.paper_sweeps,
                 "paper_sweeps_source": r.paper_sweeps_source} for r in self.runs]

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


def _run(name: str, spec: Mapping | None, default_seeds, default_chunk) -> Run:
    where = f"runs.{name}"
    spec = spec or {}
    task, label = name.split("/", 1)
    t, v = _variant(task, label, spec, where)
    overrides = dict(spec.get("settings") or {})
    settings = resolve_settings(v, overrides, where=f"{where}.settings")
    train_config(settings, where=f"{where}.settings")
    try:
        v.build(settings)  # variant settings (sizes, splits) are checked when building
    except ConfigError as exc:
        raise exc.under(f"{where}.settings") from None
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
    return Plan(runs=runs, parquet=(config.get("tables") or {}).get("parquet", True))
