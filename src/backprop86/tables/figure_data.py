"""Figure-ready tables from the runs table and the chunk records.

The figure functions (:mod:`backprop86.figures`) read only tables: this module is where
records are opened (through :class:`~backprop86.core.records.RecordFile`), the example
nets chosen (:mod:`.examples`), the error curves read (:mod:`.curves`) and forward passes
run (:mod:`.probes`). It writes, into one folder (``results/tables/figure_data/`` in the
pipeline), every table of :data:`TABLES`, always with its header, even when no run of a
task is present. What the papers print comes from the task modules (their printed nets,
codes and marks); a task's own tables from its ``figure_tables``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ..atomic import write_table
from ..core.network import NetworkSpec
from ..core.patterns import Patterns
from ..core.records import RecordFile
from ..plan.setup import setup
from ..tasks import TASKS, get_variant
from .curves import error_quantiles, single_curve
from .examples import curve_seeds, example_seeds
from .probes import decision_surface

# Every table written, with its columns (in order) and what a row is: those of every
# task, then each task's own.
TABLES: dict[str, tuple[list[str], str]] = {
    "variants": (["task", "variant", "base_variant", "task_title", "is_default", "stop",
                  "budget", "criteria", "n_seeds", "n_converged"],
                 "one row per run; criteria are the monitored criteria, ';'-joined"),
    "examples": (["task", "variant", "base_variant", "role", "seed", "chosen_by", "value",
                  "n_candidates", "rule"],
                 "the networks the figures show (role median or stuck, see "
                 "backprop86.tables.examples); value is the ranked column's value (a stuck "
                 "run's final error)"),
    "paper_marks": (["task", "variant", "quantity", "value", "label", "source", "confidence"],
                    "what the papers report, to mark on figures"),
    "example_weights": (["task", "variant", "role", "seed", "state", "param", "target",
                         "source", "target_unit", "source_unit", "value"],
                        "every weight of the example networks, initial and final; a bias "
                        "is the weight from source 'bias', unit 0; units are 0-based"),
    "paper_weights": (["task", "variant", "figure", "param", "target", "source",
                       "target_unit", "source_unit", "value"],
                      "weights printed in the papers, as example_weights"),
    "example_activity": (["task", "variant", "role", "seed", "case", "case_label",
                          "inputs_on", "group", "unit", "value"],
                         "every group's activity on every case at the end of training; "
                         "input groups as presented, group 'target' holds the targets"),
    "paper_codes": (["task", "variant", "figure", "case", "unit", "value"],
                    "hidden codes printed in the papers"),
    "error_curves": (["task", "variant", "sweep", "n_seeds", "n_running", "median", "q10",
                      "q25", "q75", "q90"],
                     "quantiles of the error across seeds; n_running counts the networks "
                     "whose training reached the sweep (the others keep their final error)"),
    "example_curves": (["task", "variant", "role", "seed", "stopped_at", "sweep", "error"],
                       "single networks' errors, at the CURVE_QUANTILES of sweeps to stop"),
    "decision_surface": (["task", "variant", "role", "seed", "x1", "x2", "output"],
                         "the output of two-input example networks over the unit square"),
    **{name: table for task in TASKS.values() if task.figure_tables
       for name, table in task.figure_tables.columns.items()},
}


# Columns that hold names, read back as text even where they look like numbers (parity's
# variant "4", a case label "0011").
TEXT_COLUMNS = frozenset({
    "task", "variant", "base_variant", "task_title", "stop", "criteria", "role", "chosen_by",
    "rule", "quantity", "label", "source", "confidence", "state", "param", "target", "figure",
    "case_label", "group", "person", "nationality", "branch", "sex", "scope", "person_a",
    "person_b"})


def read_table(folder: str | Path, name: str) -> pd.DataFrame:
    """Read back table ``name`` written by :func:`write` into ``folder``, names as text."""
    return read_table_file(Path(folder) / f"{name}.csv", name)


def read_table_file(path: str | Path, name: str) -> pd.DataFrame:
    """Read the file ``path`` holding table ``name`` of :data:`TABLES`, names as text."""
    columns = TABLES[name][0]
    return pd.read_csv(path, dtype={c: "string" for c in columns if c in TEXT_COLUMNS})


# ---- the records ---------------------------------------------------------------------------
def group_files(paths: Iterable[str | Path]) -> dict[tuple[str, str], list[RecordFile]]:
    """The record files by (task, variant), each list sorted by first seed."""
    runs: dict[tuple[str, str], list[RecordFile]] = {}
    for path in sorted(map(str, paths)):
        file = RecordFile.open(path)
        runs.setdefault((file.task, file.variant), []).append(file)
    for files in runs.values():
        files.sort(key=lambda f: int(f.seeds.min()) if len(f.seeds) else -1)
    return runs


def _find(files: list[RecordFile], seed: int) -> RecordFile:
    for file in files:
        if seed in file.seeds:
            return file
    raise KeyError(f"seed {seed} of {files[0].task}/{files[0].variant} in no record file")


def _spec_patterns(file: RecordFile, base_variant: str) -> tuple[NetworkSpec, Patterns,
                                                                  Patterns]:
    """The network, the 0/1 patterns and the patterns as presented (input coding)."""
    ready = setup(file.task, base_variant, file.meta["settings"])
    return NetworkSpec.from_dict(file.meta["network"]), ready.patterns, ready.presented


# ---- long tables ---------------------------------------------------------------------------
def _param_ends(spec_dict: dict) -> dict[str, tuple[str, str]]:
    """Weight array name to (target group, source group); biases come from 'bias'."""
    ends = {}
    for source, target, weights in spec_dict["projections"]:
        ends.setdefault(weights, (target, source))
    for group in spec_dict["bias_groups"]:
        ends[f"{group}.bias"] = (group, "bias")
    return ends


def weights_long(params: dict[str, np.ndarray], spec_dict: dict) -> pd.DataFrame:
    """One row per weight of one network.

    Parameters
    ----------
    params : name to (n_target, n_source) weights or (n_units,) biases (no K axis).
    spec_dict : the network as plain data (``NetworkSpec.to_dict``).

    Returns
    -------
    param, target, source, target_unit, source_unit, value; a bias is the weight from the
    single always-on unit of source ``bias`` (source_unit 0).
    """
    ends = _param_ends(spec_dict)
    frames = []
    for name, array in params.items():
        array = np.asarray(array, dtype=float)
        if array.ndim == 1:
            array = array[:, None]
        t, s = np.indices(array.shape)
        target, source = ends[name]
        frames.append(pd.DataFrame({"param": name, "target": target, "source": source,
                                    "target_unit": t.ravel(), "source_unit": s.ravel(),
                                    "value": array.ravel()}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def activity_long(spec: NetworkSpec, patterns: Patterns, presented: Patterns,
                  activity: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per (case, group, unit) of one network.

    Parameters
    ----------
    patterns : the 0/1 patterns (for the number of inputs on).
    presented : the patterns as the network saw them (input groups' activity).
    activity : non-input group to (P, n_units) final activity.
    """
    n_cases = patterns.n_cases
    labels = patterns.labels or tuple(str(c) for c in range(n_cases))
    on = sum(np.asarray(patterns.inputs[g]).sum(axis=1) for g in spec.inputs)
    groups = {**{g: np.asarray(presented.inputs[g], dtype=float) for g in spec.inputs},
              **activity, "target": np.asarray(patterns.targets, dtype=float)}
    frames = []
    for group, values in groups.items():
        case, unit = np.indices(values.shape)
        frames.append(pd.DataFrame({"case": case.ravel(),
                                    "case_label": np.asarray(labels)[case.ravel()],
                                    "inputs_on": np.asarray(on).round().astype(int)[case.ravel()],
                                    "group": group, "unit": unit.ravel(),
                                    "value": values.ravel()}))
    return pd.concat(frames, ignore_index=True)


# ---- what the papers print -----------------------------------------------------------------
def paper_marks(runs: pd.DataFrame) -> pd.DataFrame:
    """What the papers report for the runs present, with citations, to mark on figures:
    sweeps to solution (``Variant.paper_sweeps``) and the variant's other marks."""
    rows = []
    for (task, variant), r in runs.groupby(["task", "variant"], sort=False):
        _, v = get_variant(task, r["base_variant"].iloc[0])
        if v.paper_sweeps is not None:
            s = v.paper_sweeps
            rows.append((task, variant, "sweeps", float(s.value), "paper", s.source,
                         s.confidence))
        rows += [(task, variant, m.quantity, m.value, m.label, m.source, m.confidence)
                 for m in v.marks]
    return pd.DataFrame(rows, columns=["task", "variant", "quantity", "value", "label",
                                       "source", "confidence"])


def paper_weight_tables(runs: pd.DataFrame,
                        files: dict[tuple[str, str], list[RecordFile]]
                        ) -> dict[str, pd.DataFrame]:
    """The printed nets shown in the figures and the printed hidden codes, for the runs
    present."""
    weights, codes = [], []
    for (task, variant), r in runs.groupby(["task", "variant"], sort=False):
        base = r["base_variant"].iloc[0]
        _, v = get_variant(task, base)
        if (task, variant) in files:
            spec = files[task, variant][0].meta["network"]
            for net in TASKS[task].printed_nets:
                # Beside the runs of its own network only: a run whose settings change
                # the network (addition without links) is not drawn with it.
                if net.shown and net.variant == base and \
                        set(net.weights) == set(_param_ends(spec)):
                    printed = {k: np.asarray(w, dtype=float)[0] for k, w in net.weights.items()}
                    weights.append(weights_long(printed, spec).assign(
                        task=task, variant=variant, figure=net.figure))
        for printed in v.printed_codes:
            c, u = np.indices(printed.codes.shape)
            codes.append(pd.DataFrame({"task": task, "variant": variant,
                                       "figure": printed.figure, "case": c.ravel(),
                                       "unit": u.ravel(), "value": printed.codes.ravel()}))
    out = {}
    if weights:
        out["paper_weights"] = pd.concat(weights, ignore_index=True)
    if codes:
        out["paper_codes"] = pd.concat(codes, ignore_index=True)
    return out


# ---- everything ----------------------------------------------------------------------------
def variants_table(runs: pd.DataFrame,
                   files: dict[tuple[str, str], list[RecordFile]]) -> pd.DataFrame:
    rows = []
    for (task, variant), r in runs.groupby(["task", "variant"], sort=False):
        t, v = get_variant(task, r["base_variant"].iloc[0])
        meta = files[task, variant][0].meta if (task, variant) in files else {}
        rows.append({"task": task, "variant": variant, "base_variant": v.name,
                     "task_title": t.title,
                     "is_default": variant == v.name == t.default_variant,
                     "stop": r["stop"].iloc[0],
                     "budget": meta.get("settings", {}).get("budget", int(r["sweeps"].max())),
                     "criteria": ";".join(meta.get("criteria", [])),
                     "n_seeds": len(r), "n_converged": int(r["converged"].astype(bool).sum())})
    return pd.DataFrame(rows)


def build(runs: pd.DataFrame, record_paths: Iterable[str | Path]) -> dict[str, pd.DataFrame]:
    """Every table of :data:`TABLES` for the runs in ``runs`` and their record files.

    Parameters
    ----------
    runs : the runs table.
    record_paths : the ``records.npz`` files of those runs (any order).

    Returns
    -------
    Table name to table; a table with nothing to show is empty but has its columns.
    """
    files = group_files(record_paths)
    missing = set(map(tuple, runs[["task", "variant"]].drop_duplicates().to_numpy())) - \
        set(files)
    if missing:
        raise FileNotFoundError(f"no records for {sorted(missing)}")
    examples = example_seeds(runs)
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    tables["variants"].append(variants_table(runs, files))
    tables["examples"].append(examples)
    tables["paper_marks"].append(paper_marks(runs))
    for name, table in paper_weight_tables(runs, files).items():
        tables[name].append(table)

    for ex in examples.itertuples(index=False):
        file = _find(files[ex.task, ex.variant], ex.seed)
        net = file.network(ex.seed)
        spec, patterns, presented = _spec_patterns(file, ex.base_variant)
        key = {"task": ex.task, "variant": ex.variant, "role": ex.role, "seed": ex.seed}
        for state in ("initial", "final"):
            params = {k.split("/", 1)[1]: v[0] for k, v in net.items()
                      if k.startswith(state + "/")}
            tables["example_weights"].append(
                weights_long(params, file.meta["network"]).assign(**key, state=state))
        activity = {k.split("/", 1)[1]: v[0] for k, v in net.items()
                    if k.startswith("activity/")}
        tables["example_activity"].append(
            activity_long(spec, patterns, presented, activity).assign(**key))
        final = {k.split("/", 1)[1]: v for k, v in net.items() if k.startswith("final/")}
        surface = decision_surface(spec, final, file.meta["settings"]["input_coding"])
        if surface is not None:
            tables["decision_surface"].append(surface.assign(**key))

    tasks_done = set()
    for (task, variant), rows in runs.groupby(["task", "variant"], sort=False):
        run_files = files[task, variant]
        tables["error_curves"].append(error_quantiles(run_files).assign(task=task,
                                                                         variant=variant))
        for role, seed, _ in curve_seeds(rows):
            error = _find(run_files, seed).network(seed)["error"]
            tables["example_curves"].append(single_curve(error).assign(
                task=task, variant=variant, role=role, seed=seed))
        own = TASKS[task].figure_tables
        if own is None:
            continue
        if task not in tasks_done:
            tasks_done.add(task)
            for name, table in own.of_task().items():
                tables[name].append(table)
        median = examples[(examples.task == task) & (examples.variant == variant)
                          & (examples.role == "median")]
        example = int(median["seed"].iloc[0]) if len(median) else None
        for name, table in own.of_run(variant, run_files, example).items():
            tables[name].append(table)

    out = {}
    for name, frames in tables.items():
        columns = TABLES[name][0]
        frames = [f for f in frames if len(f)]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        out[name] = table.reindex(columns=columns)
    return out


def write(tables: dict[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """Write every table as ``folder/<name>.csv``, atomically."""
    paths = []
    for name, table in tables.items():
        path = Path(folder) / f"{name}.csv"
        write_table(table, path)
        paths.append(path)
    return paths
