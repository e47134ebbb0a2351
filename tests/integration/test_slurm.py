"""The pipeline on a real (one-node) SLURM cluster, through Snakemake's SLURM executor
plugin: scripts/slurm/ installs and starts the cluster, profiles/slurm/ configures the
run, sacct proves the jobs went through SLURM, and the runs table must be byte for byte
the one of a local run.

Needs root (apt-get, daemons); skipped, with the evidence, only when not root or when the
Debian mirrors cannot be reached. Any other failure to bring the cluster up is a failure.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest

pytestmark = pytest.mark.slurm

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "slurm"
PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"
RUNS_TABLE = Path("results/tables/runs.csv")

# install.sh's exit codes for "cannot be done here", as opposed to "broken".
EXIT_NOT_ROOT, EXIT_NO_MIRROR = 2, 3

# Generous (config/test.yaml takes ~5 min through SLURM here, ~1.5 min locally), but
# short enough that a hanging run fails well inside CI's time.
INSTALL_TIMEOUT = 1200
START_TIMEOUT = 300
PIPELINE_TIMEOUT = 1200


def _run(cmd, timeout, **kwargs):
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


def _tail(proc, lines=25):
    text = (proc.stdout or "") + (proc.stderr or "")
    return "\n".join(text.strip().splitlines()[-lines:])


def _cluster_answers():
    """True if a cluster is already up (node idle or busy, sacct working)."""
    try:
        state = _run(["sinfo", "-h", "-n", "localhost", "-o", "%T"], 10).stdout.strip()
        sacct = _run(["sacct", "-n", "-X", "-S", "now-1hours"], 10).returncode
    except (OSError, subprocess.TimeoutExpired):
        return False
    return state in {"idle", "mixed", "allocated"} and sacct == 0


@pytest.fixture(scope="session")
def slurm_cluster():
    """A running one-node cluster; stopped afterwards if this session started it."""
    if os.geteuid() != 0:
        pytest.skip(
            f"SLURM test cluster needs root (apt-get install, daemons): running as uid "
            f"{os.geteuid()} ({os.environ.get('USER', '?')})"
        )
    install = _run(["bash", str(SCRIPTS / "install.sh")], INSTALL_TIMEOUT)
    if install.returncode in (EXIT_NOT_ROOT, EXIT_NO_MIRROR):
        evidence = _tail(install)
        print(evidence)
        pytest.skip(f"SLURM packages cannot be installed here:\n{evidence}")
    if install.returncode != 0:
        pytest.fail(f"scripts/slurm/install.sh failed:\n{_tail(install)}")

    was_up = _cluster_answers()
    start = _run(["bash", str(SCRIPTS / "start.sh")], START_TIMEOUT)
    if start.returncode != 0:
        pytest.fail(f"scripts/slurm/start.sh failed:\n{_tail(start, 40)}")
    yield
    if not was_up:
        _run(["bash", str(SCRIPTS / "stop.sh")], 120)


def _sacct(*args):
    proc = _run(["sacct", "-n", "-P", *args], 30)
    assert proc.returncode == 0, f"sacct failed: {_tail(proc)}"
    return [line.split("|") for line in proc.stdout.splitlines() if line]


def _wait_for_sacct(jobid, timeout=60):
    """sacct's view of a finished job; slurmdbd may lag slurmctld by a moment."""
    deadline = time.monotonic() + timeout
    while True:
        rows = _sacct("-X", "-j", jobid, "-o", "JobID,State,ExitCode,NodeList")
        if rows and rows[0][1] not in {"PENDING", "RUNNING", "COMPLETING"}:
            return rows[0]
        assert time.monotonic() < deadline, f"job {jobid} not finished in sacct: {rows}"
        time.sleep(1)


def test_trivial_job_runs_and_is_accounted(slurm_cluster, tmp_path):
    name = f"bp86-{uuid.uuid4().hex[:8]}"
    # --wait: sbatch returns when the job has ended, with its exit status.
    proc = _run(
        ["sbatch", "--parsable", "--wait", "-J", name, "-o", str(tmp_path / "out.txt"),
         "--wrap", "hostname"],
        120,
    )
    if proc.returncode != 0:
        pytest.fail(f"sbatch --wrap hostname failed:\n{_tail(proc)}")
    jobid = proc.stdout.strip().split(";")[0]
    # (Not the partition: slurmdbd 22.05 leaves it empty for some jobs that start
    # and end within the same second.)
    _, state, exit_code, nodes = _wait_for_sacct(jobid)
    assert (state, exit_code, nodes) == ("COMPLETED", "0:0", "localhost")
    assert (tmp_path / "out.txt").read_text().strip()


def _copy_workflow(dest):
    dest.mkdir()
    shutil.copy2(ROOT / "Snakefile", dest / "Snakefile")
    for name in ("workflow", "config", "profiles"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name)
    return dest


def _snakemake(workdir, *args):
    """Snakemake of this interpreter, so the jobs SLURM runs use the same environment
    (jobs inherit the environment of sbatch, PATH included, for the `backprop86` CLI)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("SNAKEMAKE_PROFILE", None)
    started = time.monotonic()
    try:
        proc = _run(
            [sys.executable, "-m", "snakemake", *args],
            PIPELINE_TIMEOUT,
            cwd=workdir,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(
            f"snakemake {' '.join(args)} did not finish in {PIPELINE_TIMEOUT}s; the SLURM "
            f"plugin hangs like this when sacct cannot answer (see scripts/slurm/README.md)"
        )
    return proc, time.monotonic() - started


def _group_components(group):
    import yaml

    return yaml.safe_load(PROFILE.read_text())["group-components"][group]


def test_pipeline_on_slurm_matches_local(slurm_cluster, tmp_path):
    if not (ROOT / "Snakefile").is_file():
        pytest.skip("no Snakefile at the repository root yet: the pipeline has not landed")
    if not (ROOT / "config" / "test.yaml").is_file():
        pytest.skip("no config/test.yaml yet: the pipeline's test config has not landed")
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        pytest.fail(
            "snakemake-executor-plugin-slurm is not installed in this environment "
            f"({sys.executable}); it belongs in the project's test dependencies"
        )

    # --- on SLURM, with the shipped profile, exactly as a site would run it
    on_slurm = _copy_workflow(tmp_path / "slurm")
    since = datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
    proc, seconds = _snakemake(
        on_slurm, "--workflow-profile", "profiles/slurm", "--configfile", "config/test.yaml"
    )
    if proc.returncode != 0:
        pytest.fail(f"snakemake on SLURM failed after {seconds:.0f}s:\n{_tail(proc, 60)}")

    # Every cluster job of this run (its working directory is ours alone) finished
    # cleanly in SLURM's accounting; the plugin names the rule in the job comment.
    jobs = [
        row
        for row in _sacct("-X", "-S", since, "-o", "JobID,State,ExitCode,Comment,WorkDir")
        if Path(row[4]) == on_slurm
    ]
    assert jobs, f"sacct shows no job run from {on_slurm}: the run did not use SLURM"
    bad = [row for row in jobs if (row[1], row[2]) != ("COMPLETED", "0:0")]
    assert not bad, f"cluster jobs that did not complete cleanly: {bad}"
    train = [row[0] for row in jobs if "train_chunk" in row[3]]
    assert train, f"no train_chunk job in sacct: {jobs}"

    # Grouping: a grouped training job runs one job step per chunk inside its
    # allocation, so there must be fewer cluster jobs than chunks.
    steps = [
        row[0]
        for row in _sacct("-S", since, "-o", "JobID")
        if "." in row[0]
        and row[0].split(".")[0] in train
        and row[0].split(".")[1] not in {"batch", "extern"}
    ]
    chunks, per_job = len(steps), _group_components("train")
    if chunks > 1:
        assert len(train) < chunks, (
            f"{chunks} training chunks went out as {len(train)} cluster jobs: "
            f"group-components train={per_job} in {PROFILE.name} had no effect"
        )

    # --- locally, the same config
    local = _copy_workflow(tmp_path / "local")
    proc, _ = _snakemake(local, "--cores", "2", "--configfile", "config/test.yaml")
    if proc.returncode != 0:
        pytest.fail(f"local snakemake failed:\n{_tail(proc, 60)}")

    slurm_table = (on_slurm / RUNS_TABLE).read_bytes()
    local_table = (local / RUNS_TABLE).read_bytes()
    if slurm_table != local_table:
        a, b = slurm_table.splitlines(), local_table.splitlines()
        first = next(
            (i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b))
        )
        pytest.fail(
            f"{RUNS_TABLE} differs between SLURM and local runs ({len(a)} vs {len(b)} "
            f"lines); first difference at line {first + 1}:\n"
            f"  slurm: {a[first] if first < len(a) else '<end>'!r}\n"
            f"  local: {b[first] if first < len(b) else '<end>'!r}"
        )
