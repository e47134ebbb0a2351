"""Write one table in each of its formats, atomically."""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from ..atomic import write_table


def write_formats(table: pd.DataFrame, paths: Mapping[str, str]) -> None:
    """Write ``table`` to every path of ``paths`` (format name -> path: ``csv``,
    ``parquet``); an unknown format is refused before anything is written."""
    unknown = sorted(set(paths) - {"csv", "parquet"})
    if unknown:
        raise ValueError(f"unknown table format {', '.join(unknown)}; allowed: csv, parquet")
    for path in paths.values():
        write_table(table, path)
