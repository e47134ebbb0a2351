# Config validation, wildcard constraints and input functions shared by the rules. The
# config is resolved once into the plan, written to results/plan.json when it changes,
# which every job reads; training and statistics live in the backprop86 package, and
# every rule runs one `backprop86 <command>`.
import copy
import re
import sys

from snakemake.utils import update_config

from backprop86.errors import ConfigError
from backprop86.plan.fingerprint import fingerprint_of
from backprop86.plan.plan import grid_fingerprint, make_plan, write_plan
from backprop86.plan.schema import check_config_file, load_schema, retyped
from backprop86.tables.chunks import chunk_problem

PLAN_FILE = "results/plan.json"
CHUNK = "results/runs/{task}/{variant}/chunk-{chunk}"
BENCHMARK = "results/benchmarks/train/{task}/{variant}/chunk-{chunk}.tsv"
TABLES = ("runs", "summary", "structure", "timings")
GRID_DIR = "results/tables/grids/{grid}"
GRID_TABLES = ("runs", "summary", "structure")


wildcard_constraints:
    task=r"[a-z][a-z0-9_]*",
    variant=r"[A-Za-z0-9][A-Za-z0-9._+-]*",
    chunk=r"\d+",
    grid=r"[A-Za-z0-9][A-Za-z0-9_-]*",


def validated_plan(config):
    """The checked plan of the config (its files, the schema, then every run through the
    package), or exit with one line naming the bad key: a config mistake needs no
    traceback. The main process then writes the plan file if the plan changed, and sets
    aside every chunk that is not a finished one, so that it is trained again."""
    try:
        for path in workflow.configfiles:
            check_config_file(path)
        typed = copy.deepcopy(config)
        update_config(typed, retyped(workflow.config_settings.overwrite_config or {}))
        plan = make_plan(typed, load_schema())
    except ConfigError as exc:
        sys.exit(f"config error: {exc}")
    if workflow.is_main_process:
        write_plan(plan, PLAN_FILE)
        set_aside_bad_chunks(plan)
    return plan


def set_aside_bad_chunks(plan):
    """Rename the files of every planned chunk that is damaged (its two files unreadable
    or not of each other: backprop86.tables.chunks) to *.corrupt, saying so in one line:
    the chunk is then trained again, and nothing reads the bad files."""
    for r, c in plan.chunks((*plan.runs, *plan.grid_runs)):
        folder = CHUNK.format(task=r.task, variant=r.label, chunk=c)
        problem = chunk_problem(folder, r.task, r.label)
        if problem:
            for name in ("runs.csv", "records.npz"):
                os.replace(f"{folder}/{name}", f"{folder}/{name}.corrupt")
            print(
                f"corrupt chunk: {problem}; set aside as *.corrupt, trained again",
                file=sys.stderr,
            )


def planned_chunks():
    """Wildcard constraints of train_chunk that admit the planned chunks only, so that a
    target of another is refused at once, as one Snakemake cannot make; each label only
    after its task, each chunk only after its run (fixed-width lookbehinds)."""
    runs = (*PLAN.runs, *PLAN.grid_runs)
    labels = "|".join(f"(?<={re.escape(r.task)}/){re.escape(r.label)}" for r in runs)
    chunks = "|".join(
        f"(?<={re.escape(f'{r.task}/{r.label}/chunk-')})(?:{'|'.join(r.chunk_ids)})"
        for r in runs
    )
    return {"variant": f"(?:{labels})", "chunk": f"(?:{chunks})"}


def plan_input():
    """The plan file as an input that never reruns a job by its time alone: a job reruns
    when what it reads of the plan changes (its `fingerprint` param)."""
    return ancient(PLAN_FILE)


def chunk_run(wildcards):
    return PLAN.run(wildcards.task, wildcards.variant)


def run_fingerprint(wildcards):
    """What decides a chunk's networks: its run's settings, seeds and chunking, and the
    backend (`backprop86 train-chunk --expect` checks the plan file against it)."""
    return PLAN.chunk_fingerprint(chunk_run(wildcards))


def chunk_files(template):
    """``template`` filled in for every chunk of every run, in config order."""
    return [
        template.format(task=r.task, variant=r.label, chunk=c) for r, c in PLAN.chunks()
    ]


def table_paths(name):
    """A table's files by format: csv always, parquet if configured."""
    paths = {"csv": f"results/tables/{name}.csv"}
    if PLAN.parquet:
        paths["parquet"] = f"results/tables/{name}.parquet"
    return paths


def table_outputs(name):
    """What the job writing table ``name`` outputs: its files, the CSV marked for the
    report with its caption (the path is relative to the .smk file calling this)."""
    paths = table_paths(name)
    caption = f"../report/{name}.rst"
    paths["csv"] = report(paths["csv"], caption=caption, category="Tables")
    return paths


def parquet_option(wildcards, output):
    return f"--parquet {output.parquet}" if PLAN.parquet else ""


def final_targets():
    """Every chunk's files, every table in every format, and the tables' README. The
    chunks are targets themselves (not only inputs of the tables) so that a deleted
    chunk is trained again even though the tables made from it are still there."""
    chunks = chunk_files(f"{CHUNK}/runs.csv") + chunk_files(f"{CHUNK}/records.npz")
    tables = [f for name in TABLES for f in table_paths(name).values()]
    return chunks + tables + ["results/tables/README.md"]


# ---- grids (workflow/rules/grids.smk) ----


def grid_chunk_files(wildcards):
    """The chunk runs tables of every point of a grid, in point order."""
    runs = tuple(p.run for p in PLAN.grid(wildcards.grid).points)
    return [
        f"{CHUNK}/runs.csv".format(task=r.task, variant=r.label, chunk=c)
        for r, c in PLAN.chunks(runs)
    ]


def grid_targets():
    """Every grid's tables."""
    return [
        f"{GRID_DIR.format(grid=g.name)}/{t}.csv"
        for g in PLAN.grids
        for t in GRID_TABLES
    ]
