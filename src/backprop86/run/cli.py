"""The ``backprop86`` command: list the tasks and train seeds of one (for people), and the
commands the pipeline's rules call, one per job kind (``backprop86 --help`` lists them).

Every error a user can cause is one line, ``backprop86: error: <field>: <problem>;
allowed: <what>``, with exit status 2. A command imports what it needs when it runs, so
that a training job never loads the plotting libraries.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata
from pathlib import Path

import yaml

from ..backends import BACKENDS
from ..errors import ConfigError

TABLE_NAMES = ("runs", "summary", "structure", "timings", "readme")


def _progress(label: str, quiet: bool):
    if quiet:
        return None

    last_tenth = [-1]

    # One line per tenth of the seeds, not per network: a default run trains ~10^4 of them.
    def report(done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        if tenth > last_tenth[0]:
            last_tenth[0] = tenth
            print(f"{label}: {done}/{total} seeds done", file=sys.stderr, flush=True)
    return report


def _parse_overrides(pairs: list[str]) -> dict:
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError("--set", f"cannot read {pair!r}", "KEY=VALUE, VALUE in YAML")
        try:
            overrides[key] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ConfigError(f"--set {key}", f"cannot read value {value!r}", "YAML") from None
    return overrides


def _writable(folder: str) -> Path:
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise ConfigError("--out", f"cannot write to {str(out)!r} ({exc.strerror})",
                          "a writable folder") from None
    return out


def _save_chunk(table, records, out: Path, quiet: bool) -> None:
    from ..atomic import write_table

    records.save_arrays(out / "records.npz")
    write_table(table, out / "runs.csv")
    if not quiet:
        converged = table["converged"].mean()
        print(f"{table['task'].iloc[0]}: {len(table)} seeds, {converged:.1%} met "
              f"{table['stop'].iloc[0]}; wrote {out / 'runs.csv'} and {out / 'records.npz'}",
              file=sys.stderr)


def cmd_train(args) -> None:
    from ..plan.plan import parse_seeds
    from .experiment import run

    seeds = parse_seeds(args.seeds)
    if any(s < 0 for s in args.snapshot_sweeps or ()):
        raise ConfigError("--snapshot-sweeps", f"{min(args.snapshot_sweeps)}",
                          "whole numbers of sweeps >= 0")
    out = _writable(args.out)
    label = args.label or None
    table, records = run(args.task, args.variant, seeds, _parse_overrides(args.set or []),
                         label=label, snapshot_sweeps=args.snapshot_sweeps or (),
                         progress=_progress(f"{args.task}/{label or args.variant or ''}",
                                            args.quiet),
                         backend=args.backend)
    _save_chunk(table, records, out, args.quiet)


def cmd_tasks(args) -> None:
    from ..tasks import TASKS

    if args.task and args.task not in TASKS:
        raise ConfigError("task", f"unknown {args.task!r}", ", ".join(TASKS))
    listing = {}
    for task in TASKS.values():
        listing[task.name] = {
            "title": task.title, "source": task.source, "default_variant": task.default_variant,
            "variants": {
                v.name: {
                    "description": v.description,
                    "defaults": {k: {"value": s.value, "source": s.source,
                                     "confidence": s.confidence, **({"note": s.note}
                                                                    if s.note else {})}
                                 for k, s in v.settings().items()},
                } for v in task.variants.values()},
        }
    if args.json:
        print(json.dumps(listing, indent=2))
        return
    for name, task in listing.items():
        if args.task and name != args.task:
            continue
        print(f"{name}: {task['title']} ({task['source']})")
        for vname, variant in task["variants"].items():
            mark = " (default)" if vname == task["default_variant"] else ""
            print(f"  {vname}{mark}: {variant['description']}")
            if args.verbose:
                for key, d in variant["defaults"].items():
                    print(f"    {key} = {json.dumps(d['value'])}  [{d['confidence']}] "
                          f"{d['source']}")


# ---- the pipeline's commands ---------------------------------------------------------------

def cmd_plan(args) -> None:
    from ..plan.plan import make_plan, write_plan
    from ..plan.schema import check_config_file, load_schema

    if (args.configfile is None) == (args.config_json is None):
        raise ConfigError("plan", "needs the config", "one of --configfile and --config-json")
    if args.config_json is not None:
        try:
            config = json.loads(args.config_json)
        except ValueError as exc:
            raise ConfigError("--config-json", f"not JSON ({exc})", "a JSON object") from None
    else:
        if not Path(args.configfile).is_file():
            raise ConfigError("--configfile", f"cannot read {args.configfile!r}",
                              "a YAML config file")
        check_config_file(args.configfile)
        config = yaml.safe_load(Path(args.configfile).read_text())
    plan = make_plan(config or {}, load_schema(args.schema) if args.schema else None)
    if args.out:
        write_plan(plan, args.out)
    print(f"plan: {len(plan.runs)} runs, {len(plan.chunks())} training jobs, "
          f"{len(plan.grids)} grids", file=sys.stderr)


def _read_plan(path: str):
    from ..plan.plan import read_plan

    return read_plan(path)


def cmd_train_chunk(args) -> None:
    from .experiment import run_chunk

    plan = _read_plan(args.plan)
    task, _, label = args.run.partition("/")
    run = plan.run(task, label)
    if args.expect and plan.chunk_fingerprint(run) != args.expect:
        raise ConfigError(args.plan, f"run {run.name} is not the one this job was planned "
                          "for (another config was planned since)", "rerun snakemake")
    out = _writable(args.out)
    table, records = run_chunk(run, args.chunk, backend=plan.backend,
                               progress=_progress(f"{run.name} chunk {args.chunk}",
                                                  args.quiet))
    _save_chunk(table, records, out, args.quiet)


def cmd_table(args) -> None:
    from ..atomic import write_text
    from ..tables.collect import check_complete, collect_runs, read_runs, write_runs
    from ..tables.columns import tables_readme
    from ..tables.output import write_formats
    from ..tasks import TASKS

    plan = _read_plan(args.plan)
    paths = {"csv": args.out, **({"parquet": args.parquet} if args.parquet else {})}
    if args.name == "runs":
        runs = collect_runs(args.inputs, order=[(r.task, r.label) for r in plan.runs])
        check_complete(runs, {(r.task, r.label): len(r.seeds) for r in plan.runs}, args.out)
        write_runs(runs, args.out, args.parquet)
        print(f"{len(runs)} rows from {len(args.inputs)} chunks", file=sys.stderr)
        return
    if args.name == "readme":
        scores = {task: TASKS[task].score_columns for task in sorted(plan.tasks)}
        write_text(args.out, tables_readme(scores, parquet=plan.parquet))
        return
    if args.name == "timings":
        from ..tables.timings import timings_table

        table = timings_table(args.inputs, plan.chunk_meta())
    elif args.name == "summary":
        from ..tables.summary import summarise

        table = summarise(read_runs(args.inputs[0]), plan.run_meta())
    else:
        from ..tables.structure import summarise_structure

        table = summarise_structure(read_runs(args.inputs[0]),
                                    {name: task.score_columns for name, task in TASKS.items()})
    write_formats(table, paths)
    print(f"{args.name}: {len(table)} rows", file=sys.stderr)


def cmd_figure_data(args) -> None:
    from ..tables.collect import read_runs
    from ..tables.figure_data import build, write

    tables = build(read_runs(args.runs), args.records)
    write(tables, args.out)
    for name, table in tables.items():
        print(f"{name}: {len(table)} rows", file=sys.stderr)


def cmd_figure(args) -> None:
    from ..figures import FIGURES
    from ..figures.render import draw, table_paths

    if args.name not in FIGURES:
        raise ConfigError("figure", f"unknown {args.name!r}", ", ".join(FIGURES))
    written = draw(args.name, table_paths(args.runs, args.data), args.out, args.task)
    print("wrote " + ", ".join(map(str, written)), file=sys.stderr)


def cmd_diagnose(args) -> None:
    from ..atomic import write_table
    from .diagnostics import train_diagnosis

    plan = _read_plan(args.plan)
    if plan.diagnosis is None:
        raise ConfigError("diagnosis", "missing", "a diagnosis section in the config")
    table = train_diagnosis(plan.diagnosis)
    write_table(table, args.out)
    print(f"{len(plan.diagnosis.arms)} arms x {len(plan.diagnosis.seeds)} seeds: "
          f"{len(table)} rows", file=sys.stderr)


def cmd_diagnosis_figure(args) -> None:
    from ..figures.diagnosis import draw_diagnosis

    draw_diagnosis(args.table, args.out)


def cmd_grid_tables(args) -> None:
    from ..atomic import write_table
    from ..tables.grids import grid_tables

    plan = _read_plan(args.plan)
    grid = plan.grid(args.grid)
    tables = grid_tables(grid, args.chunks)
    for name, table in tables.items():
        write_table(table, Path(args.out) / f"{name}.csv")
    print(f"grid {grid.name}: {len(tables['runs'])} networks, {len(grid.points)} points",
          file=sys.stderr)


def cmd_what_it_takes(args) -> None:
    from ..atomic import write_text
    from ..report.reproduce import what_it_takes

    plan = _read_plan(args.plan)
    out = Path(args.out)
    text = what_it_takes(plan.grids, Path(args.grids), out,
                         Path(args.diagnosis) if args.diagnosis else None,
                         Path(args.figure) if args.figure else None, args.ledger)
    write_text(out, text)


def cmd_paper_weights(args) -> None:
    from ..atomic import write_table
    from ..tables.probes import paper_weights_table

    table = paper_weights_table()
    write_table(table, args.out)
    print(f"{len(table)} rows, {table['net'].nunique()} printed nets", file=sys.stderr)


def cmd_report(args) -> None:
    from ..atomic import write_table, write_text
    from ..report.build import build_report, read_tables

    plan = _read_plan(args.plan)
    files = build_report(read_tables(Path(args.tables)), plan, Path(args.out),
                         Path(args.root), args.ledger)
    for path, content in files.items():
        if isinstance(content, str):
            write_text(path, content)
        else:
            write_table(content, path)
    print(f"wrote {len(files)} files to {args.out}", file=sys.stderr)


# Options several commands share.
PLAN = (("--plan",), {"required": True, "help": "the plan file (results/plan.json)"})
OUT_STEM = (("--out",), {"required": True, "help": "output path without suffix"})
LEDGER = (("--ledger",), {"help": "a claims ledger other than the package's"})
QUIET = (("--quiet",), {"action": "store_true", "help": "no progress messages"})

# Every command: its name, its help line, what it does (None: the help line), the function
# that runs it and its arguments as (names, argparse options). The pipeline's rules run
# the commands after ``tasks``, each named in its help line.
COMMANDS = (
    ("train", "train many seeds of a task and write their records",
     "Train one network per seed with the paper's rule; write OUT/runs.csv (a row per "
     "seed) and OUT/records.npz (the arrays; see docs/records.md).", cmd_train, (
         (("task",), {"help": "task name (see 'backprop86 tasks')"}),
         (("--variant",), {"help": "variant of the task (default: the paper's network)"}),
         (("--seeds",), {"required": True, "help": "seeds, e.g. 0-999 (inclusive) or 1,5,9"}),
         (("--out",), {"required": True, "help": "output folder"}),
         (("--set",), {"action": "append", "metavar": "KEY=VALUE",
                       "help": "override a setting (YAML value), e.g. --set eps=0.25; "
                               "repeatable"}),
         (("--label",), {"help": "name for the variant column (e.g. an ablation's name)"}),
         (("--snapshot-sweeps",), {"type": int, "nargs": "*", "metavar": "SWEEP",
                                   "help": "also record all weights at these sweeps"}),
         QUIET,
         (("--backend",), {"choices": tuple(BACKENDS), "default": "numpy",
                           "help": "numpy: the reference core (default); numba: the "
                                   "compiled kernel, equal to rounding and several times "
                                   "faster (batch mode)"}))),
    ("tasks", "list tasks, variants and their paper defaults",
     "List every task and variant with its defaults, each with its citation and "
     "confidence tag.", cmd_tasks, (
         (("task",), {"nargs": "?", "help": "only this task"}),
         (("-v", "--verbose"), {"action": "store_true", "help": "show every default"}),
         (("--json",), {"action": "store_true", "help": "machine-readable listing"}))),
    ("plan", "check a pipeline config and write its plan",
     "Check a config (against the schema, then every run, grid and diagnosis through the "
     "package) and write the resolved plan, as the Snakefile writes results/plan.json for "
     "every job to read.", cmd_plan, (
         (("--configfile",), {"help": "a YAML config file"}),
         (("--config-json",), {"help": "the config as JSON"}),
         (("--schema",), {"help": "the JSON schema to check it against (default: the "
                                  "package's, backprop86/data/config.schema.yaml)"}),
         (("--out",), {"help": "the plan file to write (JSON); without it, only check"}))),
    ("train-chunk", "train one chunk of a planned run (rule train_chunk)", None,
     cmd_train_chunk, (
         PLAN,
         (("--run",), {"required": True, "help": "TASK/LABEL of the run"}),
         (("--chunk",), {"required": True, "help": "the chunk's number"}),
         (("--out",), {"required": True, "help": "output folder"}),
         (("--expect",), {"help": "refuse unless the run and backend in the plan have this "
                                  "fingerprint (the job's, when it was planned)"}),
         QUIET)),
    ("table", "write one table of results/tables/ (the table rules)",
     "runs: gather chunk runs.csv files; summary, structure: from the runs table; timings: "
     "from the training jobs' benchmark files; readme: document every column.", cmd_table, (
         (("name",), {"choices": TABLE_NAMES}),
         PLAN,
         (("--out",), {"required": True, "help": "the CSV (or README) to write"}),
         (("--parquet",), {"help": "also write the table as this Parquet file"}),
         (("inputs",), {"nargs": "*", "help": "the chunk tables, the runs table or the "
                                             "benchmark files"}))),
    ("figure-data", "write the figures' tables (rule figure_data)", None, cmd_figure_data, (
        (("--runs",), {"required": True, "help": "the runs table (runs.csv)"}),
        (("--out",), {"required": True, "help": "folder for the tables"}),
        (("records",), {"nargs": "+", "help": "the records.npz files of those runs"}))),
    ("figure", "draw one figure from its tables (the figure rules)", None, cmd_figure, (
        (("name",), {"help": "the figure (backprop86.figures.FIGURES)"}),
        (("--task",), {"help": "the task, for a figure drawn per task"}),
        (("--runs",), {"required": True, "help": "the runs table (runs.csv)"}),
        (("--data",), {"required": True, "help": "folder of the figure-data tables"}),
        OUT_STEM)),
    ("diagnose", "train the config's diagnosis (rule diagnosis)", None, cmd_diagnose, (
        PLAN, (("--out",), {"required": True, "help": "the table to write (CSV)"}))),
    ("diagnosis-figure", "draw the diagnosis (rule diagnosis_figure)", None,
     cmd_diagnosis_figure, ((("table",), {"help": "the diagnosis table"}), OUT_STEM)),
    ("grid-tables", "write one grid's tables (rule grid_tables)", None, cmd_grid_tables, (
        PLAN,
        (("--grid",), {"required": True, "help": "the grid's name"}),
        (("--out",), {"required": True, "help": "folder of the grid's tables"}),
        (("chunks",), {"nargs": "+", "help": "the chunk runs.csv files of its points"}))),
    ("what-it-takes", "write results/report/what_it_takes.md (rule what_it_takes)", None,
     cmd_what_it_takes, (
         PLAN,
         (("--grids",), {"required": True, "help": "folder of the grid tables"}),
         (("--out",), {"required": True, "help": "the Markdown file to write"}),
         (("--diagnosis",), {"help": "the diagnosis table (CSV)"}),
         (("--figure",), {"help": "the diagnosis figure (PNG) to show"}),
         LEDGER)),
    ("paper-weights", "run the papers' printed nets (rule paper_weights_table)", None,
     cmd_paper_weights, ((("--out",), {"required": True, "help": "the CSV to write"}),)),
    ("report", "write the paper-comparison report (rule report)", None, cmd_report, (
        PLAN,
        (("--tables",), {"required": True, "help": "folder of the pipeline's tables"}),
        (("--out",), {"required": True, "help": "folder to write the report to"}),
        LEDGER,
        (("--root",), {"default": ".", "help": "the workflow folder (figures, git)"}))),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backprop86",
        description="Reproduce Rumelhart, Hinton & Williams (1986) with one backprop core.")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {metadata.version('backprop86')}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_line, description, run, arguments in COMMANDS:
        command = sub.add_parser(name, help=help_line, description=description or help_line)
        for names, options in arguments:
            command.add_argument(*names, **options)
        command.set_defaults(func=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except ConfigError as exc:
        print(f"backprop86: error: {exc}", file=sys.stderr)
        return 2
    return 0
