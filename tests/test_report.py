"""The report: verdict rules on hand-made values, statistics against the summary table,
and the whole report from a small real training (a few seeds, short budgets)."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from backprop86.atomic import write_table
from backprop86.plan.plan import make_plan
from backprop86.plan.schema import load_schema
from backprop86.report.build import build_report, read_tables, report_files
from backprop86.report.ledger import Condition, load_ledger
from backprop86.report.measure import Tables, percentile_of_paper, runs_share
from backprop86.report.rules import (
    NOT_COMPARABLE,
    NOT_REPRODUCED,
    PARTLY,
    REPRODUCED,
    judge,
)
from backprop86.report.values import Value
from backprop86.run.experiment import run
from backprop86.tables.collect import read_runs, typed
from backprop86.tables.probes import paper_weights_table
from backprop86.tables.structure import summarise_structure
from backprop86.tables.summary import summarise
from backprop86.tasks import TASKS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "src/backprop86/data/config.schema.yaml"


def share(count, n, low, high, **kw):
    return Value("share", count / n, low, high, n=n, count=count, **kw)


# ---- verdict rules -------------------------------------------------------------------------

PCT = {"typical": [0.1, 0.9], "plausible": [0.01, 0.99]}


@pytest.mark.parametrize("p, verdict", [(0.5, REPRODUCED), (0.1, REPRODUCED),
                                        (0.05, PARTLY), (0.995, NOT_REPRODUCED),
                                        (0.0, NOT_REPRODUCED)])
def test_percentile_rule(p, verdict):
    v = Value("percentile", p, p, p, n=100, count=int(100 * p))
    assert judge("percentile", PCT, v, 1425).verdict == verdict


def test_within_interval_rule():
    v = Value("median", 3.0, 2.0, 3.5, n=50)
    assert judge("within_interval", {"factor": 2}, v, 3.2).verdict == REPRODUCED
    assert judge("within_interval", {"factor": 2}, v, 5.0).verdict == PARTLY
    assert judge("within_interval", {"factor": 2}, v, 7.0).verdict == NOT_REPRODUCED


def test_share_rules():
    at_least = {"min": 0.5, "partly_min": 0.1}
    assert judge("share_at_least", at_least, share(80, 100, 0.71, 0.87), True).verdict \
        == REPRODUCED
    assert judge("share_at_least", at_least, share(52, 100, 0.42, 0.62), True).verdict \
        == PARTLY
    assert judge("share_at_least", at_least, share(5, 100, 0.02, 0.11), True).verdict \
        == NOT_REPRODUCED
    in_range = {"low": 0.002, "high": 0.01, "factor": 3}
    assert judge("share_in_range", in_range, share(5, 1000, 0.002, 0.012), None).verdict \
        == REPRODUCED
    assert judge("share_in_range", in_range, share(25, 1000, 0.017, 0.037), None).verdict \
        == PARTLY
    assert judge("share_in_range", in_range, share(80, 1000, 0.065, 0.098), None).verdict \
        == NOT_REPRODUCED


def test_shares_ordered_rule():
    ref = share(30, 100, 0.22, 0.40)
    extra = {"reference": ref, "reference_run": "xor/eps-0.25"}
    order = {"order": "less"}
    assert judge("shares_ordered", order, share(2, 100, 0.005, 0.07, extra=extra),
                 True).verdict == REPRODUCED
    assert judge("shares_ordered", order, share(25, 100, 0.18, 0.34, extra=extra),
                 True).verdict == PARTLY
    assert judge("shares_ordered", order, share(40, 100, 0.31, 0.50, extra=extra),
                 True).verdict == NOT_REPRODUCED
    none = {"reference": share(0, 100, 0.0, 0.04), "reference_run": "xor/eps-0.25"}
    assert judge("shares_ordered", order, share(0, 100, 0.0, 0.04, extra=none),
                 True).verdict == NOT_COMPARABLE


def test_boolean_tolerance_and_not_comparable_rules():
    assert judge("boolean", {"expected": True}, Value("all", True, n=4), True).verdict \
        == REPRODUCED
    assert judge("boolean", {"expected": True}, Value("all", False, n=4), True).verdict \
        == NOT_REPRODUCED
    tol = {"tol": 0.01, "partly_tol": 0.05}
    assert judge("within_tolerance", tol, Value("values", [0.5, 0.505], n=2), 0.5).verdict \
        == REPRODUCED
    assert judge("within_tolerance", tol, Value("values", [0.5, 0.53], n=2), 0.5).verdict \
        == PARTLY
    assert judge("within_tolerance", tol, Value("values", [0.6], n=1), 0.5).verdict \
        == NOT_REPRODUCED
    v = judge("not_comparable", {"reason": "no sweeps printed"}, Value("median", 5.0, 4, 6,
                                                                      n=9), None)
    assert v.verdict == NOT_COMPARABLE and v.reason == "no sweeps printed"


def test_missing_empty_and_lower_bound_values_are_not_comparable():
    at_least = {"min": 0.5, "partly_min": 0.1}
    assert judge("share_at_least", at_least, Value("share", missing="run x not trained"),
                 True).verdict == NOT_COMPARABLE
    assert judge("share_at_least", at_least, Value("share", math.nan, n=0), True).verdict \
        == NOT_COMPARABLE
    assert judge("percentile", PCT, Value("percentile", 0.4, 0.3, 0.5, n=9,
                                          lower_bound=True), 99).verdict == NOT_COMPARABLE


# ---- statistics ----------------------------------------------------------------------------

def _runs(sweeps, budget, task="xor", label="2-2-1"):
    """A typed runs table of one run: sweeps_to_within_0.1 per seed (None = censored)."""
    n = len(sweeps)
    text = pd.DataFrame({
        "task": task, "variant": label, "base_variant": "2-2-1", "seed": range(n),
        "stop": "within_0.1", "sweeps": [s if s is not None else budget for s in sweeps],
        "converged": [s is not None for s in sweeps], "final_error": 0.01,
        "sweeps_to_within_0.1": ["" if s is None else str(s) for s in sweeps],
        "outcome": ["solved" if s is not None else "plateau" for s in sweeps]}).astype(str)
    text.loc[[s is None for s in sweeps], "sweeps_to_within_0.1"] = ""
    return typed(text)


def _meta(runs, budget, paper=None):
    return [{"task": "xor", "variant": "2-2-1", "base_variant": "2-2-1", "seeds": len(runs),
             "budget": budget, "stop": "within_0.1", "criteria": ["within_0.1"],
             "paper_sweeps": paper, "paper_sweeps_source": "test"}]


def _tables(runs, summary):
    return Tables(runs, summary, pd.DataFrame(), pd.DataFrame())


def test_percentile_of_paper_equals_the_summary_share_within_the_paper():
    rng = np.random.default_rng(6)
    sweeps = [int(x) if x < 900 else None for x in rng.integers(100, 1000, size=60)]
    runs = _runs(sweeps, budget=1000)
    summary = summarise(runs, _meta(runs, 1000, paper=558))
    v = percentile_of_paper(_tables(runs, summary), "xor/2-2-1", "sweeps_to_within_0.1", 558)
    row = summary.iloc[0]
    assert v.value == pytest.approx(row["within_paper_share"])
    assert (v.low, v.high) == pytest.approx((row["within_paper_low"], row["within_paper_high"]))
    assert v.extra["median"] == row["sweeps_median"]
    assert (v.extra["median_low"], v.extra["median_high"]) == \
        (row["sweeps_median_low"], row["sweeps_median_high"])
    assert v.extra["converged"] == row["converged"] and not v.lower_bound


def test_share_counts_censored_runs_as_failing_and_flags_lower_bounds():
    runs = _runs([100, 200, None, 400], budget=500)
    tables = _tables(runs, summarise(runs, _meta(runs, 500)))
    within = Condition("sweeps_to_within_0.1", "<=", 300)
    v = runs_share(tables, "xor/2-2-1", [within])
    assert (v.count, v.n, v.lower_bound) == (2, 4, False)
    beyond = runs_share(tables, "xor/2-2-1", [Condition("sweeps_to_within_0.1", "<=", 9000)])
    assert (beyond.count, beyond.lower_bound) == (3, True)
    stuck = runs_share(tables, "xor/2-2-1", [Condition("outcome", "in", ["plateau"])])
    assert stuck.count == 1
    assert runs_share(tables, "xor/absent", [within]).missing


# ---- the whole report, from a small real training ---------------------------------------

SMALL = {
    "seeds": 8, "chunk_size": 8,
    "runs": {
        "xor/2-2-1": {"settings": {"budget": 1500}},
        "xor/2-1-1": {"settings": {"budget": 1500}},
        "xor/eps-0.25": {"variant": "2-2-1", "settings": {"eps": 0.25, "budget": 1500}},
        "xor/2-2-1-per-pattern": {"variant": "2-2-1",
                                  "settings": {"mode": "pattern", "budget": 1500}},
        "symmetry/6-2-1": {"seeds": 3, "settings": {"budget": 150}},
    },
}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The tables of SMALL in results/tables/ of a temporary folder, and its plan."""
    root = tmp_path_factory.mktemp("report")
    plan = make_plan(SMALL, load_schema(SCHEMA))
    tables = []
    for r in plan.runs:
        table, _ = run(r.task, r.variant, r.seeds, r.overrides, label=r.label)
        tables.append(table)
    folder = root / "results" / "tables"
    folder.mkdir(parents=True)
    text = pd.concat(tables, ignore_index=True)
    text.to_csv(folder / "runs.csv", index=False)
    runs = read_runs(folder / "runs.csv")
    write_table(summarise(runs, plan.run_meta()), folder / "summary.csv")
    docs = {name: t.score_columns for name, t in TASKS.items()}
    write_table(summarise_structure(runs, docs), folder / "structure.csv")
    write_table(paper_weights_table(), folder / "paper_weights.csv")
    timings = pd.DataFrame([{"task": r.task, "variant": r.label, "chunk": 0,
                             "seeds": len(r.seeds), "wall_s": 1.0, "cpu_s": 1.0}
                            for r in plan.runs])
    write_table(timings, folder / "timings.csv")
    return root, plan


def _build(root, plan):
    tables = read_tables(root / "results" / "tables")
    return build_report(tables, plan, root / "results" / "report", root)


def test_report_covers_every_claim_with_verdict_interval_and_seeds(small):
    root, plan = small
    files = _build(root, plan)
    out = root / "results" / "report"
    assert sorted(str(p.relative_to(out)) for p in files) == sorted(report_files(load_ledger()))
    text = files[out / "report.md"]
    claims = files[out / "claims.csv"]
    ledger = load_ledger()
    headline = claims[claims["headline"]]
    assert list(headline["claim"]) == [c.id for c in ledger.claims]
    assert set(headline["verdict"]) <= {REPRODUCED, PARTLY, NOT_REPRODUCED, NOT_COMPARABLE}
    for c in ledger.claims:
        assert f'<a id="{c.id}"></a>' in text and f"[{c.id}](#{c.id})" in text
    # Printed nets are measured whatever was trained.
    printed = headline.set_index("claim").loc[["xor-fig5-half", "symmetry-nature-fig1-net"]]
    assert (printed["verdict"] == REPRODUCED).all()
    # Trained claims carry their interval and sample; untrained ones say why not.
    sweeps = claims[claims["claim"] == "xor-2-1-1-sweeps"]
    assert list(sweeps["criterion"]) == ["correct_side", "within_0.4", "within_0.2",
                                         "within_0.1"]
    assert (sweeps["n"] == 8).all() and (sweeps["low"] <= sweeps["value"]).all()
    parity = headline.set_index("claim").loc["parity-4-presentations"]
    assert parity["verdict"] == NOT_COMPARABLE and "not trained" in parity["reason"]
    # A share's verdict follows from its numbers (8 seeds: a wide interval).
    stuck = headline.set_index("claim").loc["xor-local-minima-rate"]
    assert f"of {int(stuck['n'])})" in stuck["ours"]
    # The per-pattern ablation says what it changed and compares with its baseline.
    assert "`xor/2-2-1-per-pattern` (8 seeds) changes mode batch -> pattern" in text
    ablations = files[out / "ablations.csv"]
    arm = ablations[ablations["run"] == "xor/2-2-1-per-pattern"]
    assert len(arm) == 4 and arm["comparison"].str.contains(
        "higher|lower|no clear difference").all()
    assert "## Provenance" in text and "numpy" in text and "xor/2-2-1-per-pattern" in text


def test_report_is_deterministic_and_the_command_line_writes_it(small, tmp_path):
    root, plan = small
    first = _build(root, plan)
    again = _build(root, plan)
    md = root / "results" / "report" / "report.md"
    assert first[md] == again[md]
    out = tmp_path / "report"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    plan_file = tmp_path / "plan.json"
    for args in (["plan", "--config-json", json.dumps(SMALL), "--schema", str(SCHEMA),
                  "--out", str(plan_file)],
                 ["report", "--plan", str(plan_file), "--tables", str(root / "results/tables"),
                  "--out", str(out), "--root", str(root)]):
        proc = subprocess.run([sys.executable, "-m", "backprop86", *args],
                              capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
    assert (out / "report.md").read_text() == first[md]
    for name in report_files(load_ledger()):
        assert (out / name).stat().st_size > 0


def test_a_ledger_naming_a_column_no_run_has_is_refused(small, tmp_path):
    root, plan = small
    data = yaml.safe_load((ROOT / "src/backprop86/data/claims.yaml").read_text())
    data["claims"][1]["measure"]["where"][0][0] = "no_such_column"
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(data))
    tables = read_tables(root / "results" / "tables")
    with pytest.raises(Exception, match="no_such_column"):
        build_report(tables, plan, tmp_path / "out", root, str(path))


def test_the_report_rule_is_in_the_workflow(tmp_path):
    """A dry run of the pipeline on config/test.yaml schedules the report (the Snakefile
    must include workflow/rules/report.smk and ask for REPORT_TARGETS)."""
    shutil.copy2(ROOT / "Snakefile", tmp_path / "Snakefile")
    for folder in ("workflow", "config"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    exe = shutil.which("snakemake", path=str(Path(sys.executable).parent))
    assert exe, "snakemake is not installed in the test environment"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                 f"{os.environ.get('PATH', '')}"}
    proc = subprocess.run([exe, "-n", "--cores", "1", "--configfile", "config/test.yaml"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "rule report:" in proc.stdout and "rule paper_weights_table:" in proc.stdout
