"""Draw one figure of :data:`~backprop86.figures.FIGURES` from its tables (``backprop86
figure NAME``) as ``STEM.png`` and ``STEM.pdf``."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from ..tables.collect import read_runs
from ..tables.figure_data import TABLES, read_table_file
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
