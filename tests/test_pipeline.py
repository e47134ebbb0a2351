"""The Snakemake pipeline end to end, on config/test.yaml, in temporary copies of the
workflow: targets and tables, nothing to redo, partial reruns, chunking, interruption,
bad configs and the linter.

Snakemake runs as a subprocess from the environment running the tests (its bin folder is
put first on PATH, so the rules find ``backprop86``).
"""

from __future__ import annotations

import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from backprop86.plan.plan import make_plan
from backprop86.plan.schema import load_schema
from backprop86.tables import columns
from backprop86.tables.collect import read_runs
from backprop86.tasks import TASKS

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TEST_CONFIG = "config/test.yaml"
TABLES = ("runs", "summary", "structure", "timings")


def _env():
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def snakemake(workdir: Path, *args: str, expect_ok: bool = True) -> str:
    """Run snakemake in ``workdir``; return its output (stdout and stderr)."""
    exe = shutil.which("snakemake", path=str(BIN)) or shutil.which("snakemake")
    assert exe, "snakemake is not installed in the test environment"
    proc = subprocess.run([exe, *args], cwd=workdir, env=_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)
    if expect_ok:
        assert proc.returncode == 0, proc.stdout[-3000:]
    return proc.stdout


def copy_workflow(dest: Path) -> Path:
    """A runnable copy of the workflow (without results) in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "Snakefile", dest / "Snakefile")
    for folder in ("workflow", "config"):
        shutil.copytree(ROOT / folder, dest / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "profiles" / "default", dest / "profiles" / "default")
    return dest


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a snakemake run or dry run."""
    match = re.search(r"Job stats:\n.*?\n-+\s+-+\n(.*?)\n\s*\n", output, re.S)
    if not match:
        return {}
    rows = (line.split() for line in match.group(1).splitlines())
    return {job: int(count) for job, count in rows if job != "total"}


def load_config(workdir: Path, name: str = TEST_CONFIG) -> dict:
    with open(workdir / name) as fh:
        return yaml.safe_load(fh)


def plan_of(config: dict):
    return make_plan(config, load_schema())


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Path:
    """The whole pipeline run once on config/test.yaml."""
    work = copy_workflow(tmp_path_factory.mktemp("pipeline"))
    snakemake(work, "--cores", "2", "--configfile", TEST_CONFIG)
    return work


SMALL_SEEDS = 4


def small_config(work: Path, chunk_size: int) -> str:
    """config/test.yaml cut to its first run, with 4 seeds, as config/small.yaml."""
    config = load_config(work)
    first = next(iter(config["runs"]))
    config["runs"] = {first: config["runs"][first]}
    config.update(seeds=SMALL_SEEDS, chunk_size=chunk_size)
    (work / "config" / "small.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return "config/small.yaml"


@pytest.fixture(scope="module")
def chunked_runs(tmp_path_factory) -> dict[int, bytes]:
    """The runs table of the small config trained with chunk sizes 1 and 1000."""
    out = {}
    for size in (1, 1000):
        work = copy_workflow(tmp_path_factory.mktemp(f"chunk{size}"))
        config = small_config(work, size)
        snakemake(work, "results/tables/runs.csv", "--cores", "2", "--configfile", config)
        out[size] = (work / "results/tables/runs.csv").read_bytes()
    return out


# ---- the whole pipeline -------------------------------------------------------------------

def test_every_target_exists(pipeline):
    plan = plan_of(load_config(pipeline))
    for name in TABLES:
        assert (pipeline / f"results/tables/{name}.csv").stat().st_size > 0
        assert (pipeline / f"results/tables/{name}.parquet").exists() == plan.parquet
    assert (pipeline / "results/tables/README.md").exists()
    for run, chunk in plan.chunks():
        folder = pipeline / f"results/runs/{run.task}/{run.label}/chunk-{chunk}"
        assert (folder / "runs.csv").exists() and (folder / "records.npz").exists()
        log = pipeline / f"logs/train/{run.task}/{run.label}/chunk-{chunk}.log"
        # Training shows its progress, and how many seeds it trained when it ends.
        assert re.search(rf"\b{len(run.chunk_seeds(chunk))} seeds\b", log.read_text())


def test_runs_table(pipeline):
    plan = plan_of(load_config(pipeline))
    runs = read_runs(pipeline / "results/tables/runs.csv")
    expected = [(r.task, r.label, s) for r in plan.runs for s in r.seeds]
    assert list(zip(runs["task"], runs["variant"], runs["seed"])) == expected
    for r in plan.runs:
        rows = runs[(runs["task"] == r.task) & (runs["variant"] == r.label)]
        assert (rows["base_variant"] == r.variant).all()
        assert (rows["sweeps"] <= r.settings["budget"]).all() and (rows["sweeps"] >= 0).all()
    documented_scores = {c for t in TASKS.values() for c in t.score_columns}
    for column in runs.columns:
        assert columns.documented("runs", column) or column in documented_scores, column
    # The Parquet copy holds the same values.
    parquet = pd.read_parquet(pipeline / "results/tables/runs.parquet")
    pd.testing.assert_frame_equal(parquet, runs, check_dtype=False)


def test_summary_table(pipeline):
    plan = plan_of(load_config(pipeline))
    summary = pd.read_csv(pipeline / "results/tables/summary.csv")
    runs = read_runs(pipeline / "results/tables/runs.csv")
    assert list(summary.columns) == list(columns.SUMMARY)
    expected = [(r.task, r.label, c) for r in plan.runs for c in r.settings["monitor"]]
    assert list(zip(summary["task"], summary["variant"], summary["criterion"])) == expected
    assert (summary["converged"] <= summary["seeds"]).all()
    # Every share is known where it is defined, and lies in its interval inside [0, 1].
    assert summary["converged_share"].notna().all()
    assert (summary["within_paper_share"].notna() == summary["paper_sweeps"].notna()).all()
    for low, mid, high in [("converged_low", "converged_share", "converged_high"),
                           ("within_paper_low", "within_paper_share", "within_paper_high")]:
        part = summary[summary[mid].notna()]
        assert ((0 <= part[low]) & (part[low] <= part[mid]) & (part[mid] <= part[high])
                & (part[high] <= 1)).all()
    met = summary[summary["converged"] > 0]
    assert (met["sweeps_min"] <= met["sweeps_q1"]).all()
    assert (met["sweeps_q1"] <= met["sweeps_median"]).all()
    assert (met["sweeps_median"] <= met["sweeps_q3"]).all()
    assert (met["sweeps_q3"] <= met["sweeps_max"]).all()
    assert (met["sweeps_median_low"] <= met["sweeps_median"]).all()
    assert (met["sweeps_median"] <= met["sweeps_median_high"]).all()
    # The stop criterion's count is the runs table's converged column.
    stops = summary[summary["is_stop"]].set_index(["task", "variant"])["converged"]
    counted = runs.groupby(["task", "variant"])["converged"].sum()
    for key, value in stops.items():
        assert counted[key] == value


def test_structure_and_timings_tables(pipeline):
    plan = plan_of(load_config(pipeline))
    structure = pd.read_csv(pipeline / "results/tables/structure.csv", keep_default_na=False,
                            na_values=[""])
    assert list(structure.columns) == list(columns.STRUCTURE)
    assert set(zip(structure["task"], structure["variant"])) == \
        {(r.task, r.label) for r in plan.runs if TASKS[r.task].score_columns}
    shares = structure["share"].dropna()
    assert ((0 <= shares) & (shares <= 1)).all()
    seeds = {(r.task, r.label): len(r.seeds) for r in plan.runs}
    assert all(n <= seeds[(t, v)] for t, v, n in
               zip(structure["task"], structure["variant"], structure["n"]))
    assert set(structure["kind"]) <= {"numeric", "boolean", "category", "text"}

    timings = pd.read_csv(pipeline / "results/tables/timings.csv")
    assert list(timings.columns) == list(columns.TIMINGS)
    assert len(timings) == len(plan.chunks())
    assert timings["seeds"].sum() == sum(len(r.seeds) for r in plan.runs)
    assert (timings["wall_s"] > 0).all()


def test_readme_documents_every_column(pipeline):
    readme = (pipeline / "results/tables/README.md").read_text()
    for name in TABLES:
        table = pd.read_csv(pipeline / f"results/tables/{name}.csv", nrows=1)
        for column in table.columns:
            if name == "runs" and column.startswith("sweeps_to_"):
                column = "sweeps_to_<criterion>"
            assert f"`{column}`" in readme, (name, column)


def test_the_plan_file_is_the_plan(pipeline):
    """Every job reads results/plan.json: the config resolved once, as the package makes
    it (and as the Snakefile made it to plan the jobs)."""
    written = json.loads((pipeline / "results/plan.json").read_text())
    assert written == json.loads(json.dumps(plan_of(load_config(pipeline)).to_dict()))


def test_every_rule_runs_one_backprop86_command():
    commands = 0
    for path in sorted((ROOT / "workflow/rules").glob("*.smk")):
        text = path.read_text()
        assert not re.search(r"^\s*(script|run|notebook|wrapper):", text, re.M), path.name
        for indent, command in re.findall(r"^( *)shell:\n((?:\1 +.+\n)+)", text, re.M):
            assert "backprop86 " in command, (path.name, command)
            commands += 1
    assert commands == len(re.findall(r"^\s*shell:", "".join(
        p.read_text() for p in (ROOT / "workflow/rules").glob("*.smk")), re.M)) > 10


# ---- reruns ----------------------------------------------------------------------------

def test_second_run_has_nothing_to_do(pipeline):
    out = snakemake(pipeline, "-n", "--configfile", TEST_CONFIG)
    assert "Nothing to be done" in out, out[-2000:]


def test_deleting_a_chunk_reruns_only_it_and_what_follows(pipeline):
    plan = plan_of(load_config(pipeline))
    run, chunk = plan.chunks()[1]
    before = {n: (pipeline / f"results/tables/{n}.csv").read_bytes()
              for n in ("runs", "summary", "structure")}
    (pipeline / f"results/runs/{run.task}/{run.label}/chunk-{chunk}/runs.csv").unlink()
    planned = job_counts(snakemake(pipeline, "-n", "--configfile", TEST_CONFIG))
    # Exactly one chunk is trained again; everything else planned is made from the tables.
    assert planned.pop("train_chunk") == 1
    assert {"runs_table", "summary_table", "structure_table", "timings_table",
            "all"} <= set(planned)
    assert all(n == 1 for n in planned.values()), planned
    snakemake(pipeline, "--cores", "2", "--configfile", TEST_CONFIG)
    for name, content in before.items():
        assert (pipeline / f"results/tables/{name}.csv").read_bytes() == content, name


def test_a_changed_run_retrains_only_itself(pipeline):
    """A change to one run's settings rewrites the plan and retrains that run's chunks
    alone: the other jobs read the plan too, but rerun only when what they read of it
    changes."""
    config = load_config(pipeline)
    name = "xor/2-1-1"
    config["runs"][name]["settings"]["budget"] += 1
    (pipeline / "config" / "changed.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    planned = job_counts(snakemake(pipeline, "-n", "--configfile", "config/changed.yaml"))
    run = plan_of(config).run(*name.split("/"))
    assert planned["train_chunk"] == run.n_chunks
    assert "figure_xor_decision_surfaces" in planned and "report" in planned
    written = json.loads((pipeline / "results/plan.json").read_text())
    assert written == json.loads(json.dumps(plan_of(config).to_dict()))
    # A job planned for one config refuses the plan of another.
    chunk = pipeline / "results/runs/xor/2-1-1/chunk-0000"
    old = plan_of(load_config(pipeline)).chunk_fingerprint(
        plan_of(load_config(pipeline)).run("xor", "2-1-1"))
    proc = subprocess.run([str(BIN / "backprop86"), "train-chunk", "--plan",
                           "results/plan.json", "--run", name, "--chunk", "0", "--expect",
                           old, "--out", str(chunk)], cwd=pipeline, env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "is not the one this job was planned for" in proc.stderr
    snakemake(pipeline, "-n", "--configfile", TEST_CONFIG)  # the plan of the test config
    assert json.loads((pipeline / "results/plan.json").read_text()) == \
        json.loads(json.dumps(plan_of(load_config(pipeline)).to_dict()))


# ---- determinism -----------------------------------------------------------------------

def test_chunk_size_does_not_change_a_digit(chunked_runs):
    assert chunked_runs[1] == chunked_runs[1000]
    assert len(chunked_runs[1].splitlines()) == 1 + SMALL_SEEDS


TABLE_TARGETS = [f"results/tables/{n}.csv" for n in ("runs", "summary", "structure")]


@pytest.fixture(scope="module")
def small_tables(tmp_path_factory) -> dict[str, bytes]:
    """The runs, summary and structure tables of the small config (chunks of 1 seed),
    trained without interruption."""
    work = copy_workflow(tmp_path_factory.mktemp("uninterrupted"))
    config = small_config(work, chunk_size=1)
    snakemake(work, *TABLE_TARGETS, "--cores", "2", "--configfile", config)
    return {t: (work / t).read_bytes() for t in TABLE_TARGETS}


def test_killed_runs_resume_to_the_same_results(tmp_path, small_tables):
    """Kill the run and its jobs hard (as a power cut would) at seeded random moments,
    three times, each time after restarting it; then let it finish: the finished chunks
    are kept, nothing half-written is used, and the tables equal an uninterrupted run's
    byte for byte."""
    work = copy_workflow(tmp_path)
    config = small_config(work, chunk_size=1)
    exe = shutil.which("snakemake", path=str(BIN)) or shutil.which("snakemake")
    rng = random.Random(1986)
    for _ in range(3):
        proc = subprocess.Popen([exe, *TABLE_TARGETS, "--cores", "2", "--configfile", config],
                                cwd=work, env=_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(1.0, 8.0))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        snakemake(work, "--unlock", "--configfile", config)  # a hard kill leaves the lock
    snakemake(work, *TABLE_TARGETS, "--cores", "2", "--configfile", config)
    for target, content in small_tables.items():
        assert (work / target).read_bytes() == content, target
    assert not glob.glob(str(work / "results/runs/*/*/chunk-*/.*.tmp"))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _first_line_only(path: Path) -> None:
    path.write_text(path.read_text().splitlines()[0] + "\n")


def _noise(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(path.stat().st_size))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


# Ways a chunk's file can be damaged (a full disk, a copy cut short, a stray write).
DAMAGE = (("runs.csv", _first_line_only), ("runs.csv", _noise), ("runs.csv", _empty),
          ("records.npz", _truncate), ("records.npz", _noise))


def test_damaged_chunks_are_set_aside_and_trained_again(pipeline):
    """Damage one chunk in each way: the next run names each bad file in one line, sets
    it aside and trains its chunk again, and the tables come out as they were."""
    before = {n: (pipeline / f"results/tables/{n}.csv").read_bytes()
              for n in ("runs", "summary", "structure")}
    chunks = plan_of(load_config(pipeline)).chunks()
    damaged = []
    for (run, chunk), (name, damage) in zip(chunks, DAMAGE):
        path = pipeline / f"results/runs/{run.task}/{run.label}/chunk-{chunk}/{name}"
        damage(path)
        damaged.append(path.relative_to(pipeline))
    out = snakemake(pipeline, "--cores", "2", "--configfile", TEST_CONFIG)
    reports = [line for line in out.splitlines() if line.startswith("corrupt chunk:")]
    assert len(reports) == len(DAMAGE), reports
    for path, line in zip(damaged, reports):
        assert line.startswith(f"corrupt chunk: {path}"), line
        assert (pipeline / f"{path}.corrupt").exists()
    assert job_counts(out)["train_chunk"] == len(DAMAGE)
    for name, content in before.items():
        assert (pipeline / f"results/tables/{name}.csv").read_bytes() == content, name


def test_chunks_of_another_config_are_out_of_date_not_damaged(pipeline):
    """Planning another config (the default one, whose runs have other seeds) sets no
    chunk of this one aside: they are only out of date."""
    aside = set(glob.glob(str(pipeline / "results/runs/*/*/chunk-*/*.corrupt")))
    out = snakemake(pipeline, "-n")
    assert "corrupt chunk" not in out
    assert set(glob.glob(str(pipeline / "results/runs/*/*/chunk-*/*.corrupt"))) == aside
    snakemake(pipeline, "-n", "--configfile", TEST_CONFIG)  # the test config's plan again


def test_only_planned_chunks_can_be_asked_for(pipeline):
    for target in ("results/runs/xor/2-2-1/chunk-0099/runs.csv",
                   "results/runs/xor/nosuch/chunk-0000/runs.csv"):
        out = snakemake(pipeline, target, "-n", "--configfile", TEST_CONFIG,
                        expect_ok=False)
        assert f"No rule to produce {target}" in out and "Traceback" not in out, out[-2000:]


def test_config_mappings_on_the_command_line_are_typed(pipeline):
    out = snakemake(pipeline, "-n", "--configfile", TEST_CONFIG, "--config",
                    "tables={parquet: false}")
    assert "config error" not in out
    assert json.loads((pipeline / "results/plan.json").read_text())["parquet"] is False
    snakemake(pipeline, "-n", "--configfile", TEST_CONFIG)  # the test config's plan again


# ---- bad input -------------------------------------------------------------------------

BAD_CONFIGS = {
    "schema": ({"chunk_size": 0}, "chunk_size"),
    "unknown task": ({"runs": {"nosuch/2-2-1": {}}}, "runs.nosuch/2-2-1"),
    "unknown variant": ({"runs": {"xor/9-9-9": {}}}, "runs.xor/9-9-9"),
    "negative learning rate": ({"runs": {"xor/2-2-1": {"settings": {"eps": -0.5}}}},
                               "runs.xor/2-2-1.settings.eps"),
    "seeds backwards": ({"seeds": "9-3"}, "seeds"),
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_config_stops_before_any_job_with_one_line(tmp_path, case):
    change, key = BAD_CONFIGS[case]
    work = copy_workflow(tmp_path)
    config = {**load_config(work), **change}
    (work / "config" / "bad.yaml").write_text(yaml.safe_dump(config))
    proc = subprocess.run([shutil.which("snakemake", path=str(BIN)) or "snakemake",
                           "--cores", "1", "--configfile", "config/bad.yaml"], cwd=work,
                          env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    errors = [line for line in (proc.stdout + proc.stderr).splitlines()
              if line.startswith("config error:")]
    assert len(errors) == 1 and errors[0].startswith(f"config error: {key}:"), proc.stderr
    assert "allowed:" in errors[0]
    assert "Traceback" not in proc.stderr
    assert not (work / "results").exists()


def test_a_run_given_twice_in_a_config_file_stops_the_pipeline(tmp_path):
    """YAML keeps the last of two equal keys: the first run would be lost silently."""
    work = copy_workflow(tmp_path)
    text = (work / TEST_CONFIG).read_text()
    (work / "config" / "twice.yaml").write_text(
        text + "  xor/2-2-1:\n    settings: {budget: 5}\n")
    proc = subprocess.run([shutil.which("snakemake", path=str(BIN)) or "snakemake", "-n",
                           "--configfile", "config/twice.yaml"], cwd=work, env=_env(),
                          capture_output=True, text=True, timeout=120)
    errors = [line for line in (proc.stdout + proc.stderr).splitlines()
              if line.startswith("config error:")]
    assert proc.returncode != 0 and len(errors) == 1, proc.stderr[-2000:]
    assert errors[0].startswith("config error: runs.xor/2-2-1: given twice")
    assert "Traceback" not in proc.stderr


# ---- style -----------------------------------------------------------------------------

def test_lint_is_clean(tmp_path):
    """On the default config, which must therefore be valid."""
    out = snakemake(copy_workflow(tmp_path), "--lint")
    assert "Congratulations, your workflow is in a good condition!" in out, out[-3000:]


def test_snakefiles_are_formatted():
    exe = shutil.which("snakefmt", path=str(BIN)) or shutil.which("snakefmt")
    assert exe, "snakefmt is not installed in the test environment"
    files = [ROOT / "Snakefile", *sorted((ROOT / "workflow/rules").glob("*.smk"))]
    proc = subprocess.run([exe, "--check", *map(str, files)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
