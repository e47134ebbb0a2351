"""Write the report as GitHub Markdown: a summary table, a section per task (each claim
with the paper's value, ours with its interval and sample, the verdict and its rule, the
figures beside it; then the task's ablations), and the provenance."""

from __future__ import annotations

import os
from collections import Counter
from typing import Mapping, Sequence

import pandas as pd

from ..tasks import TASKS
from ..tasks.base import CONFIDENCE
from .assess import AblationResult, ClaimResult, GroupResult
from .ledger import Measure, plain
from .rules import NOT_COMPARABLE, REPRODUCED, VERDICTS, describe
from .values import Value, number, share_text

TITLE = "Rumelhart, Hinton & Williams (1986), reproduced: claims and verdicts"
MARK = {"reproduced": "reproduced", "partly": "partly", "not reproduced": "**not reproduced**",
        "not comparable": "not comparable"}


def cell(text) -> str:
    """Text fit for a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: Sequence[str], rows: Sequence[Sequence]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _params(params: Mapping) -> str:
    return ", ".join(f"{k} {plain(v)}" for k, v in params.items())


def _label(result: ClaimResult) -> str:
    """Which criterion the headline holds under, when there are several to choose from."""
    if len(result.entries) < 2 or result.main.verdict.verdict == NOT_COMPARABLE:
        return ""
    return f" (under {result.main.value.label})"


# ---- summary -------------------------------------------------------------------------------

def summary(results: Sequence[ClaimResult]) -> list[str]:
    counts = Counter(r.main.verdict.verdict for r in results)
    tally = ", ".join(f"{counts[v]} {v}" for v in VERDICTS)
    lines = ["## Summary", "", f"{len(results)} claims: {tally}.", ""]
    rows = []
    for r in results:
        c = r.claim
        rows.append([f"[{c.id}](#{c.id})", c.quantity, f"{c.source} [{c.confidence}]",
                     c.paper_text, r.main.value.text() + _label(r),
                     MARK[r.main.verdict.verdict]])
    return lines + table(["claim", "quantity", "source", "paper", "ours (95 % interval, n)",
                          "verdict"], rows)


def reading_guide() -> list[str]:
    return [
        "## How to read this report", "",
        "Every number of ours is computed by the pipeline from `results/tables/` (runs, "
        "summary, structure, paper_weights); the papers' numbers, their sources and "
        "confidence tags, and the rule that turns each measurement into a verdict are in "
        "the claims ledger, `src/backprop86/data/claims.yaml`.", "",
        "* **Intervals** are 95 %: Wilson intervals for shares, percentile-bootstrap "
        "intervals (2,000 resamples, fixed seed) for medians and means. *n* is the number "
        "of networks (seeds) a number is over.",
        "* **Verdicts**: reproduced, partly, not reproduced, or not comparable (with the "
        "reason). Each verdict is printed with its rule and the rule's parameters.",
        "* **Single runs.** Where a paper reports one run (for instance 1,425 sweeps), the "
        "verdict places it in the distribution of our runs: its percentile is the share of "
        "our networks that met the criterion within that many sweeps (networks that never "
        "met it count as slower); the sweeps-to-solution figure is that distribution "
        "function.",
        "* **Criteria.** The papers do not state their stopping criterion. Sweeps are shown "
        "under every criterion we record (`correct_side`: every output on the right side "
        "of 0.5; `within_x`: every output within x of its target); the headline verdict is "
        "the best over them, and the criterion it holds under (the closest to the paper's) "
        "is named. Where the paper says \"presentations\", both readings (sweeps, or "
        "single patterns) are shown the same way.",
        "* **Confidence tags** (PAPER_FACTS.md): "
        + "; ".join(f"{k}: {v}" for k, v in CONFIDENCE.items() if k != "UNCONFIRMED") + ".",
        "* **What it takes to reproduce.** For every claim the printed recipe misses, the "
        "smallest change that recovers it is in [what_it_takes.md](what_it_takes.md), "
        "written by the grids target (`snakemake --cores all grids`), with the diagnosis "
        "of family trees (`figures/family_trees/diagnosis.png`).",
        "",
    ]


# ---- one claim -----------------------------------------------------------------------------

def _percentile_rows(result: ClaimResult) -> list[str]:
    rows = []
    for e in result.entries:
        v = e.value
        if not v.ok:
            rows.append([v.label, "n/a", "n/a", "n/a", v.missing])
            continue
        x = v.extra
        rows.append([
            v.label, f"{x['converged']} of {v.n}",
            f"{number(x['median'])} [{number(x['median_low'])}, {number(x['median_high'])}]",
            f"{number(x['threshold'])}: {share_text(v.value, v.low, v.high)}"
            + (" (lower bound)" if v.lower_bound else ""),
            e.verdict.verdict])
    return table(["criterion", "met it", "median sweeps [95 %]",
                  "paper's value: percentile among ours [95 %]", "verdict"], rows)


def _closest(result: ClaimResult) -> str:
    """The criterion (and reading) under which the paper's single run is nearest our
    median: the likeliest reading of the paper's unstated criterion."""
    usable = [e.value for e in result.entries if e.value.ok and not e.value.lower_bound]
    if not usable:
        return "* **Closest to the paper:** none measurable here."
    v = min(usable, key=lambda x: abs(x.value - 0.5))
    return (f"* **Closest to the paper:** {v.label}, where the paper's value is at "
            f"percentile {share_text(v.value, v.low, v.high)} of ours (nearest our "
            "median).")


def _entry_rows(result: ClaimResult) -> list[str]:
    rows = [[e.value.label or "-", e.value.text(), e.verdict.verdict] for e in result.entries]
    return table(["criterion", "ours (95 % interval, n)", "verdict"], rows)


def _context(pairs: Sequence[tuple[Measure, Value]]) -> list[str]:
    lines = []
    for m, v in pairs:
        label = m.label + (f" ({v.label})" if v.label else "")
        lines.append(f"* {label} (`{m.run}`): {v.text()}")
    return lines


def claim_section(result: ClaimResult, figures: Mapping[str, str],
                  shown: set[str]) -> list[str]:
    """A claim: its text, the paper's value, ours, the verdict and rule, the figures
    (each figure drawn at its first claim, linked after)."""
    c, main = result.claim, result.main
    lines = [f'<a id="{c.id}"></a>', "", f"### {c.id}: {c.quantity}", "",
             f"> {c.claim} ({c.source}; confidence {c.confidence}: "
             f"{CONFIDENCE[c.confidence]})", "",
             f"* **Paper:** {c.paper_text}",
             f"* **Measured:** {c.measure.text()}" + (
                 f"; reference run `{c.measure.reference_run}`" if c.measure.reference_run
                 else "") + (f"; the run's budget: {number(result.budget)} sweeps"
                             if result.budget is not None else ""),
             f"* **Ours:** {main.value.text()}{_label(result)}",
             f"* **Verdict: {main.verdict.verdict}**{_label(result)}: {main.verdict.reason}.",
             f"* **Rule** `{c.rule}` ({_params(c.params)}): {describe(c.rule, c.params)}."]
    if main.value.statistic == "percentile" and len(result.entries) > 1:
        lines.append(_closest(result))
    if main.verdict.verdict not in (REPRODUCED,):
        lines.append(f"* **Why ours may differ:** {c.why}")
    lines += _context(result.context)
    lines.append("")
    if len(result.entries) > 1:
        lines += (_percentile_rows(result) if main.value.statistic == "percentile"
                  else _entry_rows(result))
    above = [n for n in c.figures if n in figures and n in shown]
    for name in c.figures:
        if name in figures and name not in shown:
            lines += [f"![{c.task}: {name}]({figures[name]})", ""]
            shown.add(name)
    if above:
        lines += ["Figures above: " + ", ".join(f"[{n}]({figures[n]})" for n in above) + ".",
                  ""]
    return lines


# ---- ablations -----------------------------------------------------------------------------

COMPARED = {"higher": "higher on", "lower": "lower on",
            "no clear difference": "not clearly different on",
            "not measured": "not measured on", "not comparable": "not comparable on",
            "no interval": "without an interval on"}


def _group(g: GroupResult) -> list[str]:
    runs = g.group.runs
    if not any(r in g.seeds for r in runs):
        return ["Not trained in this configuration: " + ", ".join(f"`{r}`" for r in runs)
                + ".", ""]

    def name(r: str) -> str:
        return f"`{r}` ({g.seeds[r]} seeds)" if r in g.seeds else f"`{r}` (not trained)"
    arms = [name(a) + (f" changes {g.changes[a]}" if a in g.seeds else "")
            for a in g.group.arms]
    lines = [f"Baseline {name(g.group.baseline)}; " + "; ".join(arms) + ".", ""]
    rows = []
    for m, arm_rows in g.rows:
        rows.append([m.label] + [r.value.text() + ("" if r.run == g.group.baseline
                                                     else f"; {r.comparison}")
                                 for r in arm_rows])
    lines += table(["measure"] + [f"`{r}`" for r in runs], rows)
    for a in g.group.arms:
        by_kind: dict[str, list[str]] = {}
        for m, arm_rows in g.rows:
            row = next(r for r in arm_rows if r.run == a)
            by_kind.setdefault(row.comparison.split(" (")[0], []).append(m.label)
        said = "; ".join(f"{COMPARED[kind]} " + ", ".join(f'"{x}"' for x in labels)
                         for kind, labels in by_kind.items())
        lines += [f"Against the baseline, `{a}` is {said}.", ""]
    if g.observation:
        lines += [g.observation, ""]
    return lines


def ablation_section(result: AblationResult) -> list[str]:
    a = result.ablation
    lines = [f'<a id="{a.id}"></a>', "", f"#### {a.title}", "", a.question, ""]
    for g in result.groups:
        lines += _group(g)
    return lines


# ---- provenance ----------------------------------------------------------------------------

def provenance(versions: Mapping[str, str], commit: str, config: str,
               task_times: pd.DataFrame, run_times: pd.DataFrame) -> list[str]:
    lines = ["## Provenance", "", f"* git commit: `{commit}`"]
    lines += [f"* {name}: {version}" for name, version in versions.items()]
    lines += ["", "Training time (Snakemake benchmarks; measured, so it changes from run to "
              "run):", ""]
    rows = [[t, int(j), int(s), f"{w:.1f}", f"{c:.1f}"] for t, j, s, w, c in
            task_times[["task", "jobs", "seeds", "wall_s", "cpu_s"]].itertuples(index=False)]
    total = task_times[["jobs", "seeds", "wall_s", "cpu_s"]].sum()
    rows.append(["all", int(total["jobs"]), int(total["seeds"]), f"{total['wall_s']:.1f}",
                 f"{total['cpu_s']:.1f}"])
    lines += table(["task", "jobs", "networks", "wall-clock s (sum over jobs)", "CPU s"], rows)
    rows = [[f"{t}/{v}", int(s), f"{w:.1f}", f"{c:.1f}"] for t, v, s, w, c in
            run_times[["task", "variant", "seeds", "wall_s", "cpu_s"]].itertuples(index=False)]
    lines += ["<details><summary>Per run</summary>", ""]
    lines += table(["run", "networks", "wall-clock s", "CPU s"], rows)
    lines += ["</details>", "", "The config:", "", "```yaml", config.rstrip(), "```", ""]
    return lines


# ---- the whole report ----------------------------------------------------------------------

def render(claims: Sequence[ClaimResult], ablations: Sequence[AblationResult],
           figures: Mapping[tuple[str, str], str], provenance_lines: Sequence[str]) -> str:
    """The report. ``figures`` maps (figure name, task) to a path relative to the report."""
    lines = [f"# {TITLE}", "",
             "Generated by the pipeline (`snakemake`); do not edit by hand.", ""]
    lines += summary(claims) + reading_guide()
    tasks = list(dict.fromkeys([r.claim.task for r in claims]
                               + [a.ablation.task for a in ablations]))
    for task in sorted(tasks, key=list(TASKS).index):
        t = TASKS[task]
        mine = [r for r in claims if r.claim.task == task]
        counts = Counter(r.main.verdict.verdict for r in mine)
        lines += [f"## {t.title}", "", f"{t.source}. {len(mine)} claims: "
                  + ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v]) + ".", ""]
        shown: set[str] = set()
        task_figures = {n: p for (n, tk), p in figures.items() if tk == task}
        for r in mine:
            lines += claim_section(r, task_figures, shown)
        abl = [a for a in ablations if a.ablation.task == task]
        if abl:
            lines += ["### Ablations", ""]
            for a in abl:
                lines += ablation_section(a)
    lines += list(provenance_lines)
    return "\n".join(lines).rstrip() + "\n"


def relative(path: str, start: str) -> str:
    """``path`` relative to the folder ``start``, with forward slashes (for links)."""
    return os.path.relpath(path, start).replace(os.sep, "/")

