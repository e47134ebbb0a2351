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
                    print(f"    {key} = {json.dumps(d['value'])}  [{d['confidence']}] {d['source']}")


# ---- the pipeline's commands ---------------------------------------------------------------

def cmd_plan(args) -> None:
    from ..plan.plan import make_plan, write_plan
    from ..plan.schema import load_schema

    if args.config_json is not None:
        config = json.loads(args.config_json)
    else:
        try:
            with open(args.configfile) as fh:
                config = yaml.safe_load(fh)
        except OSError as exc:
            raise ConfigError("--configfile", f"cannot read {args.configfile!r} "
                              f"({exc.strerror})", "a YAML config file") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise ConfigError("--configfile", f"not YAML{where}",
                              "a YAML config file") from None
    plan = make_plan(config or {}, load_schema(args.schema) if args.schema else {})
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
    from ..tables.collect import collect_runs, read_runs, write_runs
    from ..tables.columns import tables_readme
    from ..tables.output import write_formats
    from ..tasks import TASKS

    plan = _read_plan(args.plan)
    paths = {"csv": args.out, **({"parquet": args.parquet} if args.parquet else {})}
    if args.name == "runs":
        runs = collect_runs(args.inputs, order=[(r.task, r.label) for r in plan.runs])
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backprop86",
        description="Reproduce Rumelhart, Hinton & Williams (1986) with one backprop core.")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {metadata.version('backprop86')}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = sub.add_parser("train", help="train many seeds of a task and write their records",
                       description="Train one network per seed with the paper's rule; write "
                       "OUT/runs.csv (a row per seed) and OUT/records.npz (the arrays; see "
                       "docs/records.md).")
    t.add_argument("task", help="task name (see 'backprop86 tasks')")
    t.add_argument("--variant", help="variant of the task (default: the paper's network)")
    t.add_argument("--seeds", required=True, help="seeds, e.g. 0-999 (inclusive) or 1,5,9")
    t.add_argument("--out", required=True, help="output folder")
    t.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a setting (YAML value), e.g. --set eps=0.25; repeatable")
    t.add_argument("--label", help="name for the variant column (e.g. an ablation's name)")
    t.add_argument("--snapshot-sweeps", type=int, nargs="*", metavar="SWEEP",
                   help="also record all weights at these sweeps")
    t.add_argument("--quiet", action="store_true", help="no progress messages")
    t.add_argument("--backend", choices=tuple(BACKENDS), default="numpy",
                   help="numpy: the reference core (default); numba: the compiled kernel, "
                        "equal to rounding and several times faster (batch mode)")
    t.set_defaults(func=cmd_train)

    ls = sub.add_parser("tasks", help="list tasks, variants and their paper defaults",
                        description="List every task and variant with its defaults, each "
                        "with its citation and confidence tag.")
    ls.add_argument("task", nargs="?", help="only this task")
    ls.add_argument("-v", "--verbose", action="store_true", help="show every default")
    ls.add_argument("--json", action="store_true", help="machine-readable listing")
    ls.set_defaults(func=cmd_tasks)

    p = sub.add_parser("plan", help="check a pipeline config and write its plan",
                       description="Check a config (against the schema, then every run, grid "
                       "and diagnosis through the package) and write the resolved plan that "
                       "every later job of the pipeline reads (rule plan).")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--configfile", help="a YAML config file")
    source.add_argument("--config-json", help="the config as JSON")
    p.add_argument("--schema", help="check the config against this JSON schema first")
    p.add_argument("--out", help="the plan file to write (JSON); without it, only check")
    p.set_defaults(func=cmd_plan)

    c = sub.add_parser("train-chunk",
                       help="train one chunk of a planned run (rule train_chunk)")
    c.add_argument("--plan", required=True, help="the plan file")
    c.add_argument("--run", required=True, help="TASK/LABEL of the run")
    c.add_argument("--chunk", required=True, help="the chunk's number")
    c.add_argument("--out", required=True, help="output folder")
    c.add_argument("--expect", help="refuse unless the run and backend in the plan have "
                                    "this fingerprint (the job's, when it was planned)")
    c.add_argument("--quiet", action="store_true", help="no progress messages")
    c.set_defaults(func=cmd_train_chunk)

    tb = sub.add_parser("table", help="write one table of results/tables/ (the table rules)",
                        description="runs: gather chunk runs.csv files; summary, structure: "
                        "from the runs table; timings: from the training jobs' benchmark "
                        "files; readme: document every column.")
    tb.add_argument("name", choices=TABLE_NAMES)
    tb.add_argument("--plan", required=True, help="the plan file")
    tb.add_argument("--out", required=True, help="the CSV (or README) to write")
    tb.add_argument("--parquet", help="also write the table as this Parquet file")
    tb.add_argument("inputs", nargs="*", help="the chunk tables, the runs table or the "
                                              "benchmark files")
    tb.set_defaults(func=cmd_table)

    fd = sub.add_parser("figure-data", help="write the figures' tables (rule figure_data)")
    fd.add_argument("--runs", required=True, help="the runs table (runs.csv)")
    fd.add_argument("--out", required=True, help="folder for the tables")
    fd.add_argument("records", nargs="+", help="the records.npz files of those runs")
    fd.set_defaults(func=cmd_figure_data)

    f = sub.add_parser("figure", help="draw one figure from its tables (the figure rules)")
    f.add_argument("name", help="the figure (backprop86.figures.FIGURES)")
    f.add_argument("--task", help="the task, for a figure drawn per task")
    f.add_argument("--runs", required=True, help="the runs table (runs.csv)")
    f.add_argument("--data", required=True, help="folder of the figure-data tables")
    f.add_argument("--out", required=True, help="output path without suffix")
    f.set_defaults(func=cmd_figure)

    d = sub.add_parser("diagnose", help="train the config's diagnosis (rule diagnosis)")
    d.add_argument("--plan", required=True, help="the plan file")
    d.add_argument("--out", required=True, help="the table to write (CSV)")
    d.set_defaults(func=cmd_diagnose)

    df = sub.add_parser("diagnosis-figure", help="draw the diagnosis (rule diagnosis_figure)")
    df.add_argument("table", help="the diagnosis table")
    df.add_argument("--out", required=True, help="output path without suffix")
    df.set_defaults(func=cmd_diagnosis_figure)

    g = sub.add_parser("grid-tables", help="write one grid's tables (rule grid_tables)")
    g.add_argument("--plan", required=True, help="the plan file")
    g.add_argument("--grid", required=True, help="the grid's name")
    g.add_argument("--out", required=True, help="folder of the grid's tables")
    g.add_argument("chunks", nargs="+", help="the chunk runs.csv files of its points")
    g.set_defaults(func=cmd_grid_tables)

    w = sub.add_parser("what-it-takes", help="write results/report/what_it_takes.md "
                                             "(rule what_it_takes)")
    w.add_argument("--plan", required=True, help="the plan file")
    w.add_argument("--grids", required=True, help="folder of the grid tables")
    w.add_argument("--out", required=True, help="the Markdown file to write")
    w.add_argument("--diagnosis", help="the diagnosis table (CSV)")
    w.add_argument("--figure", help="the diagnosis figure (PNG) to show")
    w.add_argument("--ledger", help="a claims ledger other than the package's")
    w.set_defaults(func=cmd_what_it_takes)

    pw = sub.add_parser("paper-weights", help="run the papers' printed nets "
                                              "(rule paper_weights_table)")
    pw.add_argument("--out", required=True, help="the CSV to write")
    pw.set_defaults(func=cmd_paper_weights)

    r = sub.add_parser("report", help="write the paper-comparison report (rule report)")
    r.add_argument("--plan", required=True, help="the plan file")
    r.add_argument("--tables", required=True, help="folder of the pipeline's tables")
    r.add_argument("--out", required=True, help="folder to write the report to")
    r.add_argument("--ledger", help="a claims ledger other than the package's")
    r.add_argument("--root", default=".", help="the workflow folder (figures, git)")
    r.set_defaults(func=cmd_report)
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
