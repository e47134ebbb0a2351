"""Claims to verdicts and ablations to comparisons, from the tables.

A claim measured under several criteria (or several readings of the paper's number)
gets a verdict under each; its headline verdict is the best of them, and the report
names the criterion it holds under: the papers do not say which criterion they used, so
a claim is reproduced when it holds under one we record, and the others are shown beside
it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .ledger import Ablation, Claim, Group, Measure
from .measure import Tables, measure
from .rules import Verdict, best, judge
from .values import Value, number, percent


@dataclass(frozen=True)
class Entry:
    """A claim's value and verdict under one criterion or reading."""

    value: Value
    verdict: Verdict


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    entries: tuple[Entry, ...]
    headline: int
    context: tuple[tuple[Measure, Value], ...]
    budget: int | None = None  # sweeps the measured run was given, if it was trained

    @property
    def main(self) -> Entry:
        return self.entries[self.headline]


def assess_claim(claim: Claim, tables: Tables) -> ClaimResult:
    values = measure(tables, claim.measure, claim.paper_value)
    entries = tuple(Entry(v, judge(claim.rule, claim.params, v, claim.paper_value))
                    for v in values)
    headline = best([e.verdict for e in entries])
    context = tuple((m, v) for m in claim.context for v in measure(tables, m))
    budget = tables.budgets.get(claim.measure.run) if claim.measure.run else None
    return ClaimResult(claim, entries, headline, context, budget)


# ---- ablations -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ArmRow:
    """One run's value of one measure, and how it compares with the group's baseline."""

    run: str
    value: Value
    comparison: str


@dataclass(frozen=True)
class GroupResult:
    group: Group
    changes: Mapping[str, str]  # arm -> the settings it changes, in words
    seeds: Mapping[str, int]
    rows: tuple[tuple[Measure, tuple[ArmRow, ...]], ...]
    observation: str


@dataclass(frozen=True)
class AblationResult:
    ablation: Ablation
    groups: tuple[GroupResult, ...]


def compare(arm: Value, baseline: Value) -> str:
    """How an arm's value stands against the baseline's, by their 95 % intervals."""
    if not arm.ok or not baseline.ok:
        return "not measured"
    if arm.lower_bound or baseline.lower_bound:
        return "not comparable (a lower bound)"
    if not (arm.has_interval and baseline.has_interval):
        return "no interval"
    if arm.low > baseline.high:
        return "higher (95 % intervals apart)"
    if arm.high < baseline.low:
        return "lower (95 % intervals apart)"
    return "no clear difference (95 % intervals overlap)"


def settings_change(arm: Mapping[str, Any] | None, baseline: Mapping[str, Any] | None) -> str:
    """The settings where ``arm`` differs from ``baseline``, e.g. ``reduction sum -> mean``."""
    if arm is None or baseline is None:
        return "not in this configuration"
    keys = [k for k in arm if arm.get(k) != baseline.get(k)]
    if not keys:
        return "nothing"
    return "; ".join(f"{k} {_setting(baseline.get(k))} -> {_setting(arm.get(k))}" for k in keys)


def _setting(v) -> str:
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_setting(x) for x in v) + "]"
    if isinstance(v, bool) or v is None:
        return str(v).lower()
    if isinstance(v, (int, float)):
        return number(v, 4) if isinstance(v, float) and not float(v).is_integer() else str(v)
    return str(v)


def _observation(ablation: Ablation, rows) -> str:
    """Whether the outside observation fits the baseline and each arm (the observed value
    inside the run's 95 % interval)."""
    obs = ablation.observation
    if obs is None:
        return ""
    m, arm_rows = rows[obs.measure]
    fits = {}
    for row in arm_rows:
        v = row.value
        if not v.ok or not v.has_interval:
            return (f"The observation that {obs.text} cannot be tested here: "
                    f"{row.run} was not measured.")
        if v.lower_bound:
            return (f"The observation that {obs.text} cannot be tested here: {row.run} "
                    "stopped before that sweep, so its share is only a lower bound.")
        fits[row.run] = v.low <= obs.value <= v.high
    baseline, arms = arm_rows[0].run, [r.run for r in arm_rows[1:]]
    fitting = [a for a in arms if fits[a]]
    observed = percent(obs.value) if m.statistic == "share" else number(obs.value)
    lead = (f"The observation that {obs.text}, i.e. {observed} for \"{m.label}\", ")
    if fitting and not fits[baseline]:
        return (lead + f"fits {', '.join(fitting)} and not {baseline} (the observed value "
                "lies in the 95 % interval of the first only): the change explains it.")
    if fits[baseline] and not fitting:
        return lead + (f"fits {baseline} and none of the arms: the change does not explain "
                       "it.")
    if fits[baseline]:
        return lead + (f"fits {baseline} and {', '.join(fitting)} alike: the change is not "
                       "needed to explain it.")
    return lead + "fits none of these runs: the change does not explain it."


def assess_ablation(ablation: Ablation, tables: Tables,
                    settings: Mapping[str, Mapping[str, Any]]) -> AblationResult:
    """Measure every run of every group; ``settings`` maps a run to its resolved settings
    (with ``variant`` and ``seeds``)."""
    groups = []
    for g in ablation.groups:
        rows = []
        for m in ablation.measures:
            values = {r: measure(tables, m, run=r)[0] for r in g.runs}
            base = values[g.baseline]
            arms = tuple(ArmRow(r, values[r], "baseline" if r == g.baseline
                                else compare(values[r], base)) for r in g.runs)
            rows.append((m, arms))
        base_settings = _resolved(settings.get(g.baseline))
        changes = {a: settings_change(_resolved(settings.get(a)), base_settings)
                   for a in g.arms}
        seeds = {r: int(settings[r]["seeds"]) for r in g.runs if r in settings}
        groups.append(GroupResult(g, changes, seeds, tuple(rows),
                                  _observation(ablation, rows)))
    return AblationResult(ablation, tuple(groups))


def _resolved(entry: Mapping[str, Any] | None) -> dict | None:
    if entry is None:
        return None
    return {"variant": entry["variant"], **entry["settings"]}
