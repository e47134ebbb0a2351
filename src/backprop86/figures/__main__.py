"""Draw one figure from the tables: ``python -m backprop86.figures NAME --runs RUNS.csv
--data FIGURE_DATA_DIR --out STEM [--task TASK]`` writes ``STEM.png`` and ``STEM.pdf``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Mapping

from ..analysis.collect import read_runs
from ..analysis.figure_data import TABLES, read_table_file
from . import FIGURES, theme


def draw(name: str, paths: Mapping[str, str | Path], out: str | Path,
         task: str | None = None) -> list[Path]:
    """Draw figure ``name`` from its tables and save it as ``out``.png and .pdf.

    Parameters
    ----------
    name : a key of :data:`FIGURES`.
    paths : table name (``runs`` or a figure-data table) to its CSV file; every table the
        figure reads must be there.
    out : the output path, without suffix (or with ``.png`` / ``.pdf``).
    task : the task, for a per-task figure.
    """
    figure = FIGURES[name]
    if figure.per_task and task is None:
        raise ValueError(f"figure {name!r} is drawn per task: give the task")
    tables = []
    for t in figure.tables:
        tables.append(read_runs(paths[t]) if t == "runs" else read_table_file(paths[t], t))
    kwargs = {"task": task} if figure.per_task else {}
    return theme.save(figure.draw(*tables, **kwargs), out)


def table_paths(runs: str | Path, data: str | Path) -> dict[str, Path]:
    """The runs table and every figure-data table in folder ``data``."""
    return {"runs": Path(runs), **{t: Path(data) / f"{t}.csv" for t in TABLES}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backprop86.figures",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=sorted(FIGURES))
    parser.add_argument("--runs", required=True, help="the runs table (runs.csv)")
    parser.add_argument("--data", required=True, help="folder of the figure-data tables")
    parser.add_argument("--out", required=True, help="output path without suffix")
    parser.add_argument("--task", help="the task, for a per-task figure")
    args = parser.parse_args(argv)
    draw(args.name, table_paths(args.runs, args.data), args.out, args.task)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
