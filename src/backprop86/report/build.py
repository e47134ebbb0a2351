"""From the tables, the plan and the ledger to the report's files (nothing is written
here: the command line writes them atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ConfigError
from ..figures import FIGURES, figure_stem
from ..plan.plan import Plan
from ..tables.collect import read_runs
from . import markdown, outputs, provenance
from .assess import assess_ablation, assess_claim
from .ledger import Ledger, load_ledger
from .measure import Tables
from .references import check_references

REPORT = "report.md"
CLAIMS = "claims.csv"
ABLATIONS = "ablations.csv"
TASK_CLAIMS = "claims/{task}.csv"


def report_files(ledger: Ledger) -> list[str]:
    """The files the report writes, relative to its folder (the rule's outputs)."""
    return [REPORT, CLAIMS, ABLATIONS] + [TASK_CLAIMS.format(task=t) for t in ledger.tasks()]


def read_tables(folder: Path) -> Tables:
    """The pipeline's tables in ``folder`` (the runs table typed)."""
    return Tables(runs=read_runs(folder / "runs.csv"),
                  summary=pd.read_csv(folder / "summary.csv"),
                  structure=pd.read_csv(folder / "structure.csv"),
                  paper_weights=pd.read_csv(folder / "paper_weights.csv", dtype={"case": str}),
                  timings=pd.read_csv(folder / "timings.csv"))


def run_settings(plan: Plan) -> dict[str, dict[str, Any]]:
    """Per run of the plan: its variant, resolved settings and number of seeds."""
    return {r.name: {"variant": r.variant, "settings": r.settings, "seeds": len(r.seeds)}
            for r in plan.runs}


def figure_links(ledger: Ledger, root: Path, out: Path) -> dict[tuple[str, str], str]:
    """(figure, task) -> link relative to the report, for every figure a claim names whose
    PNG exists under ``root``."""
    links = {}
    for c in ledger.claims:
        for name in c.figures:
            if name not in FIGURES:
                continue
            png = root / f"{figure_stem(name, c.task)}.png"
            if png.exists():
                links[(name, c.task)] = markdown.relative(str(png), str(out))
    return links


def build_report(tables: Tables, plan: Plan, out: Path, root: Path,
                 ledger_path: str | None = None) -> dict[Path, Any]:
    """Every file of the report: path -> Markdown text or table."""
    ledger = load_ledger(ledger_path)
    problems = check_references(ledger, plan, require_runs=False)
    if problems:
        raise ConfigError("ledger", problems[0] + (f" (and {len(problems) - 1} more)"
                                                   if len(problems) > 1 else ""))
    claims = [assess_claim(c, tables) for c in ledger.claims]
    settings = run_settings(plan)
    ablations = [assess_ablation(a, tables, settings) for a in ledger.ablations]
    lines = markdown.provenance(
        provenance.versions(), provenance.git_commit(root), provenance.config_text(plan.config),
        provenance.task_times(tables.timings), provenance.run_times(tables.timings))
    text = markdown.render(claims, ablations, figure_links(ledger, root, out), lines)
    files: dict[Path, Any] = {out / REPORT: text,
                              out / CLAIMS: outputs.claims_table(claims),
                              out / ABLATIONS: outputs.ablations_table(ablations)}
    for task in ledger.tasks():
        files[out / TASK_CLAIMS.format(task=task)] = outputs.task_claims(claims, task)
    return files

