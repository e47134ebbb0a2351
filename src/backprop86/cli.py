"""The ``backprop86`` command: list the tasks, train seeds of a task."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from . import __version__
from .atomic import write_table
from .compiled import BACKENDS
from .errors import ConfigError


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


def cmd_train(args) -> None:
    from .experiment import parse_seeds, run

    seeds = parse_seeds(args.seeds)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise ConfigError("--out", f"cannot write to {str(out)!r} ({exc.strerror})",
                          "a writable folder") from None
    overrides = _parse_overrides(args.set or [])
    label = args.label or None
    table, records = run(args.task, args.variant, seeds, overrides, label=label,
                         snapshot_sweeps=args.snapshot_sweeps or (),
                         progress=_progress(f"{args.task}/{label or args.variant or ''}",
                                            args.quiet),
                         backend=args.backend)
    records.save_arrays(out / "records.npz")
    write_table(table, out / "runs.csv")
    if not args.quiet:
        converged = table["converged"].mean()
        print(f"{args.task}: {len(table)} seeds, {converged:.1%} met {table['stop'].iloc[0]}; "
              f"wrote {out / 'runs.csv'} and {out / 'records.npz'}", file=sys.stderr)


def cmd_tasks(args) -> None:
    from .tasks import TASKS

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backprop86",
        description="Reproduce Rumelhart, Hinton & Williams (1986) with one backprop core.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

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
    t.add_argument("--backend", choices=BACKENDS, default="numpy",
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
