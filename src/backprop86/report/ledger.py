"""The claims ledger (``backprop86/data/claims.yaml``): load it and check every row.

A row that is incomplete, names an unknown table, statistic or rule, or gives a rule the
wrong parameters is refused with a :class:`~backprop86.errors.ConfigError` naming the row
and the key. Whether the runs, columns and figures it names exist is checked against a
plan by :mod:`.references`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import yaml

from ..errors import ConfigError
from ..tasks import TASKS
from ..tasks.base import CONFIDENCE
from .rules import RULES

PAPERS = ("Nature", "PDP")
# Table -> statistics it offers (see backprop86.report.measure).
STATISTICS = {
    "runs": ("percentile_of_paper", "share", "median", "mean"),
    "summary": ("share", "median"),
    "structure": ("share",),
    "paper_weights": ("values", "all"),
}
SUBSETS = ("all", "converged", "not_converged")
OPS = ("==", "!=", "<", "<=", ">", ">=", "in")
CRITERION = "{criterion}"
ID = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
CLAIM_KEYS = ("id", "task", "paper", "where", "claim", "quantity", "paper_value",
              "paper_text", "confidence", "measure", "verdict", "why", "figures")
ABLATION_KEYS = ("id", "task", "title", "question", "groups", "measures")


@dataclass(frozen=True)
class Condition:
    """``column op value``; ``column`` may contain ``{criterion}``."""

    column: str
    op: str
    value: Any

    def text(self) -> str:
        return f"{self.column} {self.op} {plain(self.value)}"


@dataclass(frozen=True)
class Reading:
    """One reading of an ambiguous paper number: the paper's value divided by
    ``divide_by`` (e.g. presentations read as single patterns: divide by the cases)."""

    name: str
    divide_by: float


@dataclass(frozen=True)
class Measure:
    """How a quantity is measured from the tables.

    Attributes
    ----------
    table : ``runs``, ``summary``, ``structure`` or ``paper_weights``.
    statistic : one of :data:`STATISTICS` for the table.
    run : ``TASK/LABEL`` of the config (None for a printed net, and in an ablation's
        measures, which apply to every run of the ablation).
    net : a printed net of :data:`backprop86.tasks.PRINTED_NETS` (table paper_weights).
    criteria : the criteria it is measured under, substituted for ``{criterion}`` in the
        column and the conditions (summary: the row's criterion); empty for none.
    column : the column the statistic reads (not needed for a share with conditions).
    subset : the networks it is over: all, converged (met the run's stop criterion) or
        not_converged.
    where : conditions, all of which a network must meet to count in a share.
    cases : paper_weights: the cases (labels) to read; empty for every case.
    readings : percentile_of_paper: the readings of the paper's value.
    reference_run : the run a ``shares_ordered`` verdict compares with.
    label : what a context line or an ablation row calls it.
    """

    table: str
    statistic: str
    run: str | None = None
    net: str | None = None
    criteria: tuple[str, ...] = ()
    column: str | None = None
    subset: str = "all"
    where: tuple[Condition, ...] = ()
    cases: tuple[str, ...] = ()
    readings: tuple[Reading, ...] = (Reading("sweeps", 1.0),)
    reference_run: str | None = None
    label: str = ""

    def columns(self) -> list[str]:
        """Every column it reads, with ``{criterion}`` left in."""
        return ([self.column] if self.column else []) + [c.column for c in self.where]

    def text(self) -> str:
        """The measurement in words, for the report."""
        where = f"run `{self.run}`" if self.run else f"printed net `{self.net}`"
        parts = [f"table `{self.table}`", where]
        if self.criteria:
            parts.append("criterion " + ", ".join(f"`{c}`" for c in self.criteria))
        if self.column:
            parts.append(f"column `{self.column}`")
        if self.where:
            parts.append("where " + " and ".join(f"`{c.text()}`" for c in self.where))
        if self.subset != "all":
            parts.append(f"{self.subset.replace('_', ' ')} networks")
        if self.cases:
            parts.append("cases " + ", ".join(self.cases))
        parts.append(f"statistic `{self.statistic}`")
        return "; ".join(parts)


@dataclass(frozen=True)
class Claim:
    """One row of the ledger (see the header of ``claims.yaml``)."""

    id: str
    task: str
    paper: str
    where: str
    claim: str
    quantity: str
    paper_value: Any
    paper_text: str
    confidence: str
    measure: Measure
    rule: str
    params: Mapping[str, Any]
    why: str
    figures: tuple[str, ...]
    context: tuple[Measure, ...] = ()

    @property
    def source(self) -> str:
        return f"{self.paper} {self.where}"


@dataclass(frozen=True)
class Group:
    baseline: str
    arms: tuple[str, ...]

    @property
    def runs(self) -> tuple[str, ...]:
        return (self.baseline, *self.arms)


@dataclass(frozen=True)
class Observation:
    """An outside report an ablation tests: ``value`` of measure number ``measure``."""

    text: str
    measure: int
    value: float


@dataclass(frozen=True)
class Ablation:
    id: str
    task: str
    title: str
    question: str
    groups: tuple[Group, ...]
    measures: tuple[Measure, ...]
    observation: Observation | None = None

    @property
    def runs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for g in self.groups for r in g.runs))


@dataclass(frozen=True)
class Ledger:
    claims: tuple[Claim, ...]
    ablations: tuple[Ablation, ...]

    def tasks(self) -> list[str]:
        """Tasks in the order of :data:`backprop86.tasks.TASKS`."""
        named = {c.task for c in self.claims} | {a.task for a in self.ablations}
        return [t for t in TASKS if t in named]

    def runs(self) -> list[str]:
        """Every run the ledger names, in order of first mention."""
        names = []
        for c in self.claims:
            for m in (c.measure, *c.context):
                names += [r for r in (m.run, m.reference_run) if r]
        for a in self.ablations:
            names += list(a.runs)
        return list(dict.fromkeys(names))


def plain(value) -> str:
    """A ledger value as YAML would write it in flow style: ``true``, ``[a, b]``."""
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(plain(v) for v in value) + "]"
    return str(value)


# ---- loading -------------------------------------------------------------------------------

def default_path() -> Path:
    return Path(str(resources.files("backprop86") / "data" / "claims.yaml"))


def load_ledger(path: str | Path | None = None) -> Ledger:
    """Read and check the ledger (the package's own unless ``path`` is given)."""
    path = Path(path) if path else default_path()
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), f"not YAML ({exc})") from None
    return parse_ledger(data)


def parse_ledger(data: Mapping) -> Ledger:
    if not isinstance(data, Mapping) or set(data) - {"claims", "ablations"}:
        raise ConfigError("ledger", "not a mapping of claims and ablations",
                          "keys claims, ablations")
    claims = tuple(_claim(row, i) for i, row in enumerate(data.get("claims") or []))
    ablations = tuple(_ablation(row, i) for i, row in enumerate(data.get("ablations") or []))
    if not claims:
        raise ConfigError("claims", "empty", "at least one claim")
    _unique([c.id for c in claims], "claims")
    _unique([a.id for a in ablations], "ablations")
    return Ledger(claims, ablations)


def _unique(ids, where):
    seen = set()
    for i in ids:
        if i in seen:
            raise ConfigError(f"{where}.{i}", "id used twice", "unique ids")
        seen.add(i)


def _require(row: Mapping, keys, where: str, optional=()) -> None:
    if not isinstance(row, Mapping):
        raise ConfigError(where, f"{row!r} is not a mapping")
    for key in keys:
        if key not in row:
            raise ConfigError(f"{where}.{key}", "missing")
        value = row[key]
        if key not in ("paper_value", "figures") and (value is None or value == ""):
            raise ConfigError(f"{where}.{key}", "empty")
    unknown = set(row) - set(keys) - set(optional)
    if unknown:
        raise ConfigError(f"{where}.{sorted(unknown)[0]}", "unknown key",
                          ", ".join([*keys, *optional]))


def _text(value, where) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(where, f"{value!r}", "a non-empty string")
    return " ".join(value.split())


def _task(value, where) -> str:
    if value not in TASKS:
        raise ConfigError(where, f"unknown task {value!r}", ", ".join(TASKS))
    return value


def _claim(row: Mapping, i: int) -> Claim:
    where = f"claims[{row.get('id', i) if isinstance(row, Mapping) else i}]"
    _require(row, CLAIM_KEYS, where, optional=("context",))
    if not ID.match(str(row["id"])):
        raise ConfigError(f"{where}.id", f"{row['id']!r}", "lower-case letters, digits, . -")
    task = _task(row["task"], f"{where}.task")
    if row["paper"] not in PAPERS:
        raise ConfigError(f"{where}.paper", f"{row['paper']!r}", ", ".join(PAPERS))
    if row["confidence"] not in CONFIDENCE or row["confidence"] == "UNCONFIRMED":
        raise ConfigError(f"{where}.confidence", f"{row['confidence']!r}",
                          "P-img, P-txt, S, D (an UNCONFIRMED value is not a claim)")
    measure = _measure(row["measure"], f"{where}.measure", needs_run=True)
    verdict = row["verdict"]
    _require(verdict, ("rule", "params"), f"{where}.verdict")
    rule, params = verdict["rule"], verdict["params"]
    _check_rule(rule, params, measure, row["paper_value"], f"{where}.verdict")
    figures = row["figures"] or []
    if not isinstance(figures, list) or not all(isinstance(f, str) for f in figures):
        raise ConfigError(f"{where}.figures", f"{figures!r}", "a list of figure names")
    context = row.get("context") or []
    if not isinstance(context, list):
        raise ConfigError(f"{where}.context", f"{context!r}", "a list of measures")
    context = tuple(_measure(m, f"{where}.context[{j}]", needs_run=True, needs_label=True)
                    for j, m in enumerate(context))
    for j, m in enumerate(context):
        if m.statistic == "percentile_of_paper":
            raise ConfigError(f"{where}.context[{j}].statistic", "percentile_of_paper",
                              "share, median, mean (no paper value in a context line)")
    return Claim(id=row["id"], task=task, paper=row["paper"],
                 where=_text(row["where"], f"{where}.where"),
                 claim=_text(row["claim"], f"{where}.claim"),
                 quantity=_text(row["quantity"], f"{where}.quantity"),
                 paper_value=row["paper_value"],
                 paper_text=_text(str(row["paper_text"]), f"{where}.paper_text"),
                 confidence=row["confidence"], measure=measure, rule=rule, params=dict(params),
                 why=_text(row["why"], f"{where}.why"), figures=tuple(figures),
                 context=context)


def _measure(row: Mapping, where: str, needs_run: bool, needs_label: bool = False) -> Measure:
    optional = ("run", "net", "criterion", "column", "subset", "where", "cases", "readings",
                "reference_run", "label")
    _require(row, ("table", "statistic"), where, optional=optional)
    table, statistic = row["table"], row["statistic"]
    if table not in STATISTICS:
        raise ConfigError(f"{where}.table", f"unknown {table!r}", ", ".join(STATISTICS))
    if statistic not in STATISTICS[table]:
        raise ConfigError(f"{where}.statistic", f"{statistic!r} for table {table}",
                          ", ".join(STATISTICS[table]))
    run, net = row.get("run"), row.get("net")
    if table == "paper_weights":
        if not isinstance(net, str) or run:
            raise ConfigError(f"{where}.net", f"{net!r}", "a printed net, and no run")
    elif needs_run and not (isinstance(run, str) and "/" in run):
        raise ConfigError(f"{where}.run", f"{run!r}", "TASK/LABEL of a run of the config")
    elif not needs_run and run:
        raise ConfigError(f"{where}.run", "given in an ablation measure",
                          "no run: the ablation's groups name them")
    criteria = row.get("criterion") or []
    criteria = [criteria] if isinstance(criteria, str) else list(criteria)
    column = row.get("column")
    conditions = tuple(_condition(c, f"{where}.where[{j}]")
                       for j, c in enumerate(row.get("where") or []))
    subset = row.get("subset", "all")
    if subset not in SUBSETS:
        raise ConfigError(f"{where}.subset", f"{subset!r}", ", ".join(SUBSETS))
    if table in ("summary", "structure") and subset == "not_converged":
        raise ConfigError(f"{where}.subset", "not_converged", f"all, converged for {table}")
    if statistic == "share" and table == "runs":
        if not conditions:
            raise ConfigError(f"{where}.where", "missing", "conditions for a share")
    elif not column:
        raise ConfigError(f"{where}.column", "missing")
    elif conditions:
        raise ConfigError(f"{where}.where", "given", "only for a share of the runs table")
    uses = " ".join([column or ""] + [c.column for c in conditions])
    if table == "summary":
        if len(criteria) != 1:
            raise ConfigError(f"{where}.criterion", f"{criteria!r}", "one criterion (the row)")
    elif criteria and CRITERION not in uses:
        raise ConfigError(f"{where}.criterion", "given, but no column uses {criterion}")
    elif CRITERION in uses and not criteria:
        raise ConfigError(f"{where}.criterion", "missing, but a column uses {criterion}")
    readings = row.get("readings")
    if readings is not None:
        if statistic != "percentile_of_paper":
            raise ConfigError(f"{where}.readings", "given", "only with percentile_of_paper")
        readings = tuple(_reading(r, f"{where}.readings[{j}]") for j, r in enumerate(readings))
        if not readings:
            raise ConfigError(f"{where}.readings", "empty")
    label = row.get("label", "")
    if needs_label and not label:
        raise ConfigError(f"{where}.label", "missing")
    cases = row.get("cases") or []
    if cases and table != "paper_weights":
        raise ConfigError(f"{where}.cases", "given", "only for table paper_weights")
    return Measure(table=table, statistic=statistic, run=run, net=net,
                   criteria=tuple(criteria), column=column, subset=subset, where=conditions,
                   cases=tuple(str(c) for c in cases),
                   readings=readings or (Reading("sweeps", 1.0),),
                   reference_run=row.get("reference_run"), label=str(label))


def _condition(row, where: str) -> Condition:
    if not isinstance(row, list) or len(row) != 3:
        raise ConfigError(where, f"{row!r}", "[column, op, value]")
    column, op, value = row
    if op not in OPS:
        raise ConfigError(where, f"operator {op!r}", " ".join(OPS))
    if op == "in" and not isinstance(value, list):
        raise ConfigError(where, f"{value!r} after in", "a list")
    return Condition(str(column), op, value)


def _reading(row, where: str) -> Reading:
    _require(row, ("name", "divide_by"), where)
    d = row["divide_by"]
    if isinstance(d, bool) or not isinstance(d, (int, float)) or not d > 0:
        raise ConfigError(f"{where}.divide_by", f"{d!r}", "a number > 0")
    return Reading(_text(row["name"], f"{where}.name"), float(d))


def _number(x) -> bool:
    return not isinstance(x, bool) and isinstance(x, (int, float)) and math.isfinite(x)


_KIND_CHECKS = {
    "interval": lambda v: (isinstance(v, list) and len(v) == 2 and all(map(_number, v))
                           and 0 <= v[0] <= v[1] <= 1),
    "factor": lambda v: _number(v) and v >= 1,
    "share": lambda v: _number(v) and 0 <= v <= 1,
    "positive": lambda v: _number(v) and v > 0,
    "bool": lambda v: isinstance(v, bool),
    "order": lambda v: v in ("less", "greater"),
    "text": lambda v: isinstance(v, str) and bool(v.strip()),
}


def _check_rule(rule, params, measure: Measure, paper_value, where: str) -> None:
    if rule not in RULES:
        raise ConfigError(f"{where}.rule", f"unknown {rule!r}", ", ".join(RULES))
    spec = RULES[rule]
    if not isinstance(params, Mapping) or set(params) != set(spec.params):
        got = sorted(params) if isinstance(params, Mapping) else params
        raise ConfigError(f"{where}.params", f"{got!r} for rule {rule}",
                          ", ".join(spec.params))
    for name, kind in spec.params.items():
        if not _KIND_CHECKS[kind](params[name]):
            raise ConfigError(f"{where}.params.{name}", f"{params[name]!r}", f"a {kind}")
    statistic = "percentile" if measure.statistic == "percentile_of_paper" else measure.statistic
    if statistic not in spec.statistics:
        raise ConfigError(f"{where}.rule", f"{rule} cannot judge statistic {measure.statistic}",
                          ", ".join(spec.statistics))
    if spec.needs_paper_value and not (_number(paper_value) and paper_value > 0):
        raise ConfigError(f"{where}.paper_value", f"{paper_value!r}",
                          f"a number > 0 for rule {rule}")
    if rule == "shares_ordered" and not measure.reference_run:
        raise ConfigError(f"{where.rsplit('.', 1)[0]}.measure.reference_run", "missing",
                          "the run to compare with")
    if rule == "share_in_range" and params["low"] > params["high"]:
        raise ConfigError(f"{where}.params", "low > high")
    if rule in ("share_at_least",) and params["partly_min"] > params["min"]:
        raise ConfigError(f"{where}.params", "partly_min > min")
    if rule == "within_tolerance" and params["partly_tol"] < params["tol"]:
        raise ConfigError(f"{where}.params", "partly_tol < tol")


def _ablation(row: Mapping, i: int) -> Ablation:
    where = f"ablations[{row.get('id', i) if isinstance(row, Mapping) else i}]"
    _require(row, ABLATION_KEYS, where, optional=("observation",))
    if not ID.match(str(row["id"])):
        raise ConfigError(f"{where}.id", f"{row['id']!r}", "lower-case letters, digits, . -")
    groups = []
    for j, g in enumerate(row["groups"]):
        _require(g, ("baseline", "arms"), f"{where}.groups[{j}]")
        arms = g["arms"]
        if not isinstance(arms, list) or not arms:
            raise ConfigError(f"{where}.groups[{j}].arms", f"{arms!r}", "a list of runs")
        for r in [g["baseline"], *arms]:
            if not (isinstance(r, str) and r.startswith(f"{row['task']}/")):
                raise ConfigError(f"{where}.groups[{j}]", f"run {r!r}",
                                  f"runs of task {row['task']}: {row['task']}/LABEL")
        groups.append(Group(g["baseline"], tuple(arms)))
    measures = tuple(_measure(m, f"{where}.measures[{j}]", needs_run=False, needs_label=True)
                     for j, m in enumerate(row["measures"]))
    for j, m in enumerate(measures):
        if m.table != "runs" or m.statistic not in ("share", "median", "mean") or m.criteria:
            raise ConfigError(f"{where}.measures[{j}]", f"{m.table} {m.statistic}",
                              "table runs, statistic share, median or mean, no criterion")
    observation = None
    if row.get("observation") is not None:
        o = row["observation"]
        _require(o, ("text", "measure", "value"), f"{where}.observation")
        if not (isinstance(o["measure"], int) and 0 <= o["measure"] < len(measures)):
            raise ConfigError(f"{where}.observation.measure", f"{o['measure']!r}",
                              f"an index 0..{len(measures) - 1}")
        if not _number(o["value"]):
            raise ConfigError(f"{where}.observation.value", f"{o['value']!r}", "a number")
        observation = Observation(_text(o["text"], f"{where}.observation.text"),
                                  o["measure"], float(o["value"]))
    return Ablation(id=row["id"], task=_task(row["task"], f"{where}.task"),
                    title=_text(row["title"], f"{where}.title"),
                    question=_text(row["question"], f"{where}.question"),
                    groups=tuple(groups), measures=measures, observation=observation)
