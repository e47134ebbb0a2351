"""The report's tables: every claim's measurements and verdicts, and every ablation's
numbers, tidy, beside report.md; and per task the claims in brief, for the Snakemake
HTML report (one table beside the task's figures)."""

from __future__ import annotations

import json
from typing import Sequence

import pandas as pd

from .assess import AblationResult, ClaimResult

CLAIM_COLUMNS = {
    "claim": "claim id (ledger)",
    "task": "task",
    "source": "paper and figure, table or page",
    "confidence": "confidence tag of the paper's value (PAPER_FACTS.md)",
    "quantity": "what is compared",
    "paper": "the paper's value, as printed",
    "measure": "how we measure it (table, run, criterion, column, statistic)",
    "criterion": "the criterion (or reading of the paper's value) of this row; empty if one",
    "headline": "whether this row gives the claim's verdict (the best over criteria)",
    "statistic": "share, percentile, median, mean, values or all",
    "value": "our value (a share or percentile as a fraction)",
    "low": "95 % interval, lower end",
    "high": "95 % interval, upper end",
    "n": "networks (or printed cases) the value is over",
    "count": "for a share or percentile: networks counted",
    "ours": "our value as the report writes it",
    "verdict": "reproduced, partly, not reproduced or not comparable",
    "reason": "why, from the numbers",
    "rule": "the verdict rule (backprop86.report.rules)",
    "params": "its parameters (JSON)",
}

ABLATION_COLUMNS = {
    "ablation": "ablation id (ledger)",
    "task": "task",
    "baseline": "the run the arms are compared with",
    "run": "the run of this row",
    "changes": "settings the run changes from the baseline",
    "seeds": "networks trained in the run",
    "measure": "what is measured",
    "statistic": "share, median or mean",
    "value": "the value (a share as a fraction)",
    "low": "95 % interval, lower end",
    "high": "95 % interval, upper end",
    "n": "networks the value is over",
    "ours": "the value as the report writes it",
    "comparison": "against the baseline, by the 95 % intervals",
}


def _number(x):
    return x if isinstance(x, (int, float)) and not isinstance(x, bool) else pd.NA


def claims_table(results: Sequence[ClaimResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        c = r.claim
        for i, e in enumerate(r.entries):
            v = e.value
            rows.append({
                "claim": c.id, "task": c.task, "source": c.source,
                "confidence": c.confidence, "quantity": c.quantity, "paper": c.paper_text,
                "measure": c.measure.text(), "criterion": v.label, "headline": i == r.headline,
                "statistic": v.statistic,
                "value": v.value if isinstance(v.value, (bool, int, float)) or v.value is None
                else json.dumps(v.value),
                "low": v.low, "high": v.high, "n": v.n if v.ok else pd.NA,
                "count": v.count, "ours": v.text(), "verdict": e.verdict.verdict,
                "reason": e.verdict.reason, "rule": c.rule,
                "params": json.dumps(dict(c.params), sort_keys=True)})
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))


def task_claims(results: Sequence[ClaimResult], task: str) -> pd.DataFrame:
    """One row per claim of ``task``: its headline, for the HTML report."""
    rows = []
    for r in results:
        if r.claim.task != task:
            continue
        c, e = r.claim, r.main
        rows.append({"claim": c.id, "source": f"{c.source} [{c.confidence}]",
                     "quantity": c.quantity, "paper": c.paper_text,
                     "ours (95 % interval, n)": e.value.text()
                     + (f" (under {e.value.label})" if len(r.entries) > 1 else ""),
                     "verdict": e.verdict.verdict, "why": e.verdict.reason})
    return pd.DataFrame(rows, columns=["claim", "source", "quantity", "paper",
                                       "ours (95 % interval, n)", "verdict", "why"])


def ablations_table(results: Sequence[AblationResult]) -> pd.DataFrame:
    rows = []
    for a in results:
        for g in a.groups:
            for m, arm_rows in g.rows:
                for row in arm_rows:
                    v = row.value
                    rows.append({
                        "ablation": a.ablation.id, "task": a.ablation.task,
                        "baseline": g.group.baseline, "run": row.run,
                        "changes": g.changes.get(row.run, ""),
                        "seeds": g.seeds.get(row.run, pd.NA), "measure": m.label,
                        "statistic": v.statistic, "value": _number(v.value),
                        "low": v.low, "high": v.high, "n": v.n if v.ok else pd.NA,
                        "ours": v.text(), "comparison": row.comparison})
    return pd.DataFrame(rows, columns=list(ABLATION_COLUMNS))
