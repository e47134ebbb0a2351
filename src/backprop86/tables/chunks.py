"""Whether a training job's files are a finished chunk of its run: both files readable, of
the run whose folder they are in, the table with a row for each of the records' seeds and
the records complete. The pipeline checks every chunk before any job reads one, and trains
a damaged one again.

The files are checked against each other, not against the plan: a chunk of another config
(other seeds, other settings) is not damaged, only out of date, and Snakemake trains it
again for that.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..core.records import UNREADABLE, RecordFile
from ..errors import ConfigError
from .collect import CORE_COLUMNS

FILES = ("runs.csv", "records.npz")
# Arrays every records file holds, with their length: per network, or one more.
PER_NETWORK = ("seeds", "sweeps", "converged", "final_error")


def chunk_problem(folder: str | Path, task: str, label: str) -> str | None:
    """Why the chunk in ``folder`` is not a finished chunk of run ``task/label``, naming
    the file; None when it is, or when it is not written yet (a file missing: the job is
    to run, or is running)."""
    folder = Path(folder)
    table, records = (folder / name for name in FILES)
    if not (table.exists() and records.exists()):
        return None
    try:
        file = RecordFile.open(records)
    except ConfigError as exc:
        return str(exc).split("; allowed:")[0]
    return _table_problem(table, task, label, [int(s) for s in file.seeds]) or \
        _records_problem(file, task, label)


def _table_problem(path: Path, task: str, label: str, seeds: Sequence[int]) -> str | None:
    try:
        text = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        return f"{path}: not a runs table ({type(exc).__name__})"
    missing = [c for c in CORE_COLUMNS if c not in text.columns]
    if missing:
        return f"{path}: no column {missing[0]}"
    if list(text["seed"]) != [str(s) for s in seeds]:
        return f"{path}: {len(text)} rows, not the {len(seeds)} seeds of its records.npz"
    if (text["task"] != task).any() or (text["variant"] != label).any():
        return f"{path}: rows of another run than {task}/{label}"
    return None


def _records_problem(file: RecordFile, task: str, label: str) -> str | None:
    path = file.path
    if file.task != task or file.variant != label:
        return f"{path}: the records of {file.task}/{file.variant}, not {task}/{label}"
    try:
        with zipfile.ZipFile(path) as z:
            shapes = {name[:-4]: _shape(z, name) for name in z.namelist()
                      if name.endswith(".npy")}
    except UNREADABLE as exc:
        return f"{path}: not a complete records file ({type(exc).__name__})"
    k = len(file.seeds)
    for name in (*PER_NETWORK, "error_offsets", "error_values"):
        if name not in shapes:
            return f"{path}: no array {name}"
    wrong = [n for n, s in shapes.items()
             if n.split("/")[0] in (*PER_NETWORK, "first_sweep", "initial", "final",
                                    "activity", "snapshot") and (not s or s[0] != k)]
    if wrong or shapes["error_offsets"] != (k + 1,):
        return f"{path}: array {(wrong or ['error_offsets'])[0]} is not of {k} networks"
    offsets = file.arrays(["error_offsets"])["error_offsets"]
    if shapes["error_values"] != (int(offsets[-1]),):
        return f"{path}: the error traces are not complete"
    return None


def _shape(z: zipfile.ZipFile, name: str) -> tuple[int, ...]:
    """The shape in an array's .npy header, read without its data."""
    with z.open(name) as fh:
        version = np.lib.format.read_magic(fh)
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, _, _ = read(fh)
    return tuple(shape)
