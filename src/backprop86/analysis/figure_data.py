"""Figure-ready tables from the runs table and the chunk records.

The figure functions (:mod:`backprop86.figures`) read only tables: this module is where
records are opened, example seeds chosen and forward passes run. It writes, into one
folder (``results/tables/figure_data/`` in the pipeline), every table of :data:`TABLES`,
always with its header, even when no run of a task is present.

Which network a figure shows
----------------------------
:func:`example_seeds` chooses, per task and variant, the *median run*, not the prettiest:
the converged seed whose sweeps to the stop criterion is the (lower) median among the
converged seeds, the lowest seed on ties. For a fixed-length run (stop ``budget``: family
trees) no network converges, and the median run is the seed with the median final error.
The *stuck* example is the first seed, by number, that did not meet the stop criterion.

Error curves across seeds
-------------------------
A network stops when it meets the stop criterion; from then on it **keeps its final
error**, so that the quantiles at a sweep are always over every seed (a converged network
counts as the low error it reached, a censored one as its error at the budget). The
curves are read on a grid of :data:`CURVE_POINTS` log-spaced sweeps (plus sweep 0).

Command line (used by the pipeline's ``figure_data`` rule)::

    python -m backprop86.analysis.figure_data --runs results/tables/runs.csv \
        --out results/tables/figure_data results/runs/*/*/chunk-*/records.npz
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ..atomic import write_table
from .collect import read_runs
from ..experiment import encode_inputs
from ..network import NetworkSpec
from ..propagation import forward
from ..tasks import TASKS, get_variant
from ..trainer import Patterns

# Sweep grid of the error curves: enough points that a drop spanning a few percent of the
# run is resolved on a log axis, few enough that the table stays small.
CURVE_POINTS = 240
# Quantiles of sweeps to the stop criterion (of final error, for fixed-length runs) at
# which single runs are drawn over the error bands, so that the plateau-then-drop of
# individual networks, smeared out by the quantiles, stays visible.
CURVE_QUANTILES = {"q10": 0.10, "q25": 0.25, "median": 0.50, "q75": 0.75, "q90": 0.90}
# Points per axis of the grid over the unit square of the decision surfaces.
SURFACE_POINTS = 101

# Family trees: the group whose activity is a person's code, and the input group it reads.
PERSON_TASK, PERSON_INPUT, PERSON_CODE = "family_trees", "person", "person_code"

# Every table written, with its columns (in order) and what a row is.
TABLES: dict[str, tuple[list[str], str]] = {
    "variants": (["task", "variant", "base_variant", "task_title", "is_default", "stop",
                  "budget", "criteria", "n_seeds", "n_converged"],
                 "one row per run; criteria are the monitored criteria, ';'-joined"),
    "examples": (["task", "variant", "base_variant", "role", "seed", "chosen_by", "value",
                  "n_candidates", "rule"],
                 "the networks the figures show (role median or stuck, see example_seeds);"
                 " value is the ranked column's value (a stuck run's final error)"),
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
    "people": (["person_unit", "person", "nationality", "generation", "branch", "sex"],
               "family trees: the 24 person units in order (English in Nature Fig. 4 "
               "order, then their Italian counterparts); written when family trees ran"),
    "person_codes": (["variant", "state", "seed", "person", "nationality", "generation",
                      "branch", "sex", "unit", "value"],
                     "family trees: the example network's person code, untrained and trained"),
    "person_distances": (["variant", "scope", "state", "seed", "n_seeds", "person_a",
                          "person_b", "distance"],
                         "family trees: Euclidean distance between person codes, of the "
                         "example seed and averaged over every seed"),
    "person_projection": (["variant", "state", "seed", "person", "nationality",
                           "generation", "branch", "sex", "pc1", "pc2", "explained1",
                           "explained2"],
                          "family trees: the example's person codes on their first two "
                          "principal components, with the share of variance each explains"),
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


# ---- which seeds the figures show ---------------------------------------------------------
def _quantile_pick(values: pd.Series, seeds: pd.Series, q: float) -> tuple[int, float]:
    """The lower ``q``-quantile of ``values`` (a value that occurs) and the lowest seed
    that has it."""
    order = np.sort(values.to_numpy(dtype=float))
    value = order[int(np.floor(q * (len(order) - 1)))]
    return int(seeds[values.to_numpy(dtype=float) == value].min()), float(value)


def _ranked(rows: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The candidates for the median run of one variant and the column they are ranked by."""
    stop = rows["stop"].iloc[0]
    if stop == "budget":
        return rows, "final_error"
    return rows[rows["converged"].astype(bool)], f"sweeps_to_{stop}"


def example_seeds(runs: pd.DataFrame) -> pd.DataFrame:
    """The seeds the figures show: the median run and the first stuck run of each variant.

    Parameters
    ----------
    runs : the runs table (one row per network: task, variant, seed, stop, converged,
        final_error, sweeps_to_<criterion>, ...).

    Returns
    -------
    One row per (task, variant, role):

    * ``median``: among the converged seeds, the one whose sweeps to the stop criterion is
      the median (the lower one for an even count, so that it is a real run), the lowest
      seed on ties. With stop ``budget`` no network converges and the seeds are ranked by
      final error instead. Absent when no seed converged.
    * ``stuck``: the lowest-numbered seed that did not meet its stop criterion (not for
      stop ``budget``). Absent when every seed converged.
    """
    out = []
    for (task, variant), rows in runs.groupby(["task", "variant"], sort=False):
        base = rows["base_variant"].iloc[0] if "base_variant" in rows else variant
        candidates, column = _ranked(rows)
        common = {"task": task, "variant": variant, "base_variant": base}
        if len(candidates):
            seed, value = _quantile_pick(candidates[column], candidates["seed"], 0.5)
            what = "converged seeds" if column != "final_error" else "seeds"
            out.append({**common, "role": "median", "seed": seed, "chosen_by": column,
                        "value": value, "n_candidates": len(candidates),
                        "rule": f"median {column} among the {len(candidates)} {what} "
                                "(lower median, lowest seed on ties)"})
        if rows["stop"].iloc[0] != "budget":
            stuck = rows[~rows["converged"].astype(bool)]
            if len(stuck):
                row = stuck.loc[stuck["seed"].idxmin()]
                out.append({**common, "role": "stuck", "seed": int(row["seed"]),
                            "chosen_by": "seed", "value": float(row["final_error"]),
                            "n_candidates": len(stuck),
                            "rule": f"lowest-numbered of the {len(stuck)} seeds that did "
                                    f"not meet {rows['stop'].iloc[0]}"})
    return pd.DataFrame(out, columns=["task", "variant", "base_variant", "role", "seed",
                                      "chosen_by", "value", "n_candidates", "rule"])


def curve_seeds(rows: pd.DataFrame) -> list[tuple[str, int, float]]:
    """Seeds at the :data:`CURVE_QUANTILES` of sweeps to the stop criterion (of final
    error with stop ``budget``), chosen as in :func:`example_seeds`, for one variant.

    Returns
    -------
    (role, seed, ranked value) for each quantile, a seed only once (under its lowest
    quantile) when few seeds converged; empty when none did.
    """
    candidates, column = _ranked(rows)
    picks: dict[int, tuple[str, int, float]] = {}
    for role, q in CURVE_QUANTILES.items() if len(candidates) else ():
        seed, value = _quantile_pick(candidates[column], candidates["seed"], q)
        picks.setdefault(seed, (role, seed, value))
    return list(picks.values())


# ---- the records ----------------------------------------------------------------------------
@dataclass
class Chunk:
    """One ``records.npz`` file: its run and seeds, read without loading the arrays."""

    path: Path
    task: str
    variant: str
    seeds: np.ndarray
    meta: dict

    @classmethod
    def open(cls, path: str | Path) -> "Chunk":
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            seeds = z["seeds"]
        return cls(Path(path), meta["task"], meta["variant"], seeds, meta)

    def arrays(self, keys: Iterable[str] | None = None,
               kinds: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
        """The chunk's arrays named in ``keys`` (default: all), or only those of the given
        ``kinds`` (``initial``, ``final``, ... : the part of the name before its first /)."""
        with np.load(self.path, allow_pickle=False) as z:
            names = keys if keys is not None else z.files
            return {k: z[k] for k in names
                    if k != "meta" and (kinds is None or k.split("/")[0] in kinds)}

    def network(self, seed: int) -> dict[str, np.ndarray]:
        """Every array of one network: ``initial/*``, ``final/*``, ``activity/*`` keep a
        leading axis of length 1; ``error`` is its error curve."""
        i = int(np.flatnonzero(self.seeds == seed)[0])
        data = self.arrays(kinds=("initial", "final", "activity", "error_values",
                                  "error_offsets"))
        offsets = data.pop("error_offsets")
        error = data.pop("error_values")[offsets[i]:offsets[i + 1]]
        return {**{k: v[i:i + 1] for k, v in data.items()}, "error": error}


def group_chunks(paths: Iterable[str | Path]) -> dict[tuple[str, str], list[Chunk]]:
    """The chunk files by (task, variant), each list sorted by first seed."""
    runs: dict[tuple[str, str], list[Chunk]] = {}
    for path in sorted(map(str, paths)):
        chunk = Chunk.open(path)
        runs.setdefault((chunk.task, chunk.variant), []).append(chunk)
    for chunks in runs.values():
        chunks.sort(key=lambda c: int(c.seeds.min()) if len(c.seeds) else -1)
    return runs


def _find(chunks: list[Chunk], seed: int) -> Chunk:
    for chunk in chunks:
        if seed in chunk.seeds:
            return chunk
    raise KeyError(f"seed {seed} of {chunks[0].task}/{chunks[0].variant} in no chunk file")


def _spec_patterns(chunk: Chunk, base_variant: str) -> tuple[NetworkSpec, Patterns, Patterns]:
    """The network, the 0/1 patterns and the patterns as presented (input coding)."""
    spec = NetworkSpec.from_dict(chunk.meta["network"])
    settings = chunk.meta["settings"]
    _, variant = get_variant(chunk.task, base_variant)
    _, patterns = variant.build(settings)
    return spec, patterns, encode_inputs(patterns, settings["input_coding"])


# ---- long tables -----------------------------------------------------------------------------
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


# ---- error curves ------------------------------------------------------------------------------
def sweep_grid(max_sweep: int, points: int = CURVE_POINTS) -> np.ndarray:
    """Sweep 0 and up to ``points`` log-spaced whole sweeps from 1 to ``max_sweep``."""
    if max_sweep < 1:
        return np.array([0])
    grid = np.unique(np.round(np.geomspace(1, max_sweep, points)).astype(np.int64))
    return np.concatenate([[0], grid])


def errors_on_grid(values: np.ndarray, offsets: np.ndarray, sweeps: np.ndarray,
                   grid: np.ndarray) -> np.ndarray:
    """Every network's error at every grid sweep, (K, G); a network that stopped keeps
    its final error."""
    at = np.minimum(grid[None, :], sweeps[:, None])
    return values[offsets[:-1, None] + at]


def error_quantiles(chunks: list[Chunk]) -> pd.DataFrame:
    """Median and 10/25/75/90 % quantiles of the error across every seed of a run."""
    loaded = [c.arrays(["error_values", "error_offsets", "sweeps"]) for c in chunks]
    max_sweep = max(int(a["sweeps"].max()) for a in loaded if len(a["sweeps"]))
    grid = sweep_grid(max_sweep)
    errors = np.concatenate([errors_on_grid(a["error_values"], a["error_offsets"],
                                            a["sweeps"], grid) for a in loaded])
    sweeps = np.concatenate([a["sweeps"] for a in loaded])
    q = np.quantile(errors, [0.5, 0.1, 0.25, 0.75, 0.9], axis=0)
    return pd.DataFrame({"sweep": grid, "n_seeds": errors.shape[0],
                         "n_running": (sweeps[:, None] >= grid[None, :]).sum(axis=0),
                         "median": q[0], "q10": q[1], "q25": q[2], "q75": q[3], "q90": q[4]})


def single_curve(error: np.ndarray) -> pd.DataFrame:
    """One network's error on the log grid up to the sweep it stopped at (included)."""
    stopped = len(error) - 1
    grid = sweep_grid(stopped)
    return pd.DataFrame({"stopped_at": stopped, "sweep": grid, "error": error[grid]})


# ---- forward passes --------------------------------------------------------------------------
def decision_surface(spec: NetworkSpec, params: dict[str, np.ndarray], coding: str,
                     points: int = SURFACE_POINTS) -> pd.DataFrame | None:
    """The output of a two-input, one-output network over the unit square.

    Returns
    -------
    x1, x2, output on a ``points`` x ``points`` grid, or None for other networks.
    """
    if len(spec.inputs) != 1 or spec.groups[spec.inputs[0]] != 2 or \
            spec.groups[spec.output] != 1:
        return None
    axis = np.linspace(0.0, 1.0, points)
    x1, x2 = (a.ravel() for a in np.meshgrid(axis, axis, indexing="ij"))
    grid = Patterns({spec.inputs[0]: np.column_stack([x1, x2])}, np.zeros((x1.size, 1)))
    shown = encode_inputs(grid, coding)
    out = forward(spec, params, {g: np.asarray(a, dtype=float).T
                                 for g, a in shown.inputs.items()})[spec.output]
    return pd.DataFrame({"x1": x1, "x2": x2, "output": out[0, 0]})


def person_code_activity(spec: NetworkSpec, params: dict[str, np.ndarray],
                         coding: str) -> np.ndarray:
    """Person-encoding activity of every person in K networks, (K, 24, 6).

    The person code reads only the person input (nothing else projects to it), so the
    other input groups are presented silent.
    """
    n = spec.groups[PERSON_INPUT]
    inputs = {g: np.zeros((spec.groups[g], n)) for g in spec.inputs}
    inputs[PERSON_INPUT] = np.eye(n)
    shown = encode_inputs(Patterns({g: a.T for g, a in inputs.items()}, np.zeros((n, 1))),
                          coding)
    act = forward(spec, params, {g: np.asarray(a, dtype=float).T
                                 for g, a in shown.inputs.items()})
    return act[PERSON_CODE].transpose(0, 2, 1)


def projection_2d(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal-component scores of the rows of ``codes`` (N, U) on the first two
    components, each signed so that its largest-magnitude score is positive.

    Returns
    -------
    scores (N, 2), explained variance ratio (2,).
    """
    centred = codes - codes.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    scores = u[:, :2] * s[:2]
    if scores.shape[1] < 2:
        scores = np.pad(scores, ((0, 0), (0, 2 - scores.shape[1])))
    signs = np.sign(scores[np.abs(scores).argmax(axis=0), [0, 1]])
    scores = scores * np.where(signs == 0, 1.0, signs)
    total = (s ** 2).sum()
    explained = (s[:2] ** 2) / total if total > 0 else np.zeros(2)
    return scores, np.pad(explained, (0, 2 - explained.size))


def _people() -> pd.DataFrame:
    """The person units in order with their attributes (the ``people`` table)."""
    from ..tasks import family_data

    return pd.DataFrame([{"person_unit": i, "person": p.name, "nationality": p.nationality,
                          "generation": p.generation, "branch": p.branch, "sex": p.sex}
                         for i, p in enumerate(family_data.people())])


def _distances(codes: np.ndarray) -> np.ndarray:
    """(K, N, U) codes to (K, N, N) Euclidean distances."""
    return np.linalg.norm(codes[:, :, None, :] - codes[:, None, :, :], axis=-1)


def person_tables(variant: str, chunks: list[Chunk], example: int | None,
                  base_variant: str) -> dict[str, pd.DataFrame]:
    """Person codes, their distances and 2-D projections, trained and untrained."""
    spec, _, _ = _spec_patterns(chunks[0], base_variant)
    coding = chunks[0].meta["settings"]["input_coding"]
    people = _people().drop(columns="person_unit")
    names = people["person"].to_numpy()
    sums = {"untrained": 0.0, "trained": 0.0}
    n_seeds = 0
    example_codes = {}
    for chunk in chunks:
        data = chunk.arrays(kinds=("initial", "final"))
        for state, prefix in (("untrained", "initial/"), ("trained", "final/")):
            params = {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix)}
            codes = person_code_activity(spec, params, coding)
            sums[state] = sums[state] + _distances(codes).sum(axis=0)
            if example is not None and example in chunk.seeds:
                example_codes[state] = codes[int(np.flatnonzero(chunk.seeds == example)[0])]
        n_seeds += len(chunk.seeds)
    a, b = np.indices((len(names), len(names)))
    frames = {"person_codes": [], "person_distances": [], "person_projection": []}
    for state in ("untrained", "trained"):
        scopes = [("mean over seeds", None, n_seeds, sums[state] / max(n_seeds, 1))]
        if state in example_codes:
            scopes.insert(0, ("example seed", example, 1,
                              _distances(example_codes[state][None])[0]))
        for scope, seed, n, dist in scopes:
            frames["person_distances"].append(pd.DataFrame({
                "variant": variant, "scope": scope, "state": state,
                "seed": pd.array([seed] * dist.size, dtype="Int64"), "n_seeds": n,
                "person_a": names[a.ravel()], "person_b": names[b.ravel()],
                "distance": dist.ravel()}))
        if state not in example_codes:
            continue
        codes = example_codes[state]
        p, u = np.indices(codes.shape)
        frames["person_codes"].append(people.iloc[p.ravel()].reset_index(drop=True).assign(
            variant=variant, state=state, seed=example, unit=u.ravel(), value=codes.ravel()))
        scores, explained = projection_2d(codes)
        frames["person_projection"].append(people.assign(
            variant=variant, state=state, seed=example, pc1=scores[:, 0], pc2=scores[:, 1],
            explained1=explained[0], explained2=explained[1]))
    return {k: pd.concat(v, ignore_index=True) for k, v in frames.items() if v}


# ---- what the papers print -----------------------------------------------------------------
def paper_marks(runs: pd.DataFrame) -> pd.DataFrame:
    """What the papers report for the runs present, with citations, to mark on figures:
    sweeps to solution (``Variant.paper_sweeps``), the symmetry pair ratios and the
    number of intermediate codes of PDP Table 5."""
    from ..tasks import encoder, symmetry

    rows = []
    for (task, variant), r in runs.groupby(["task", "variant"], sort=False):
        base = r["base_variant"].iloc[0]
        _, v = get_variant(task, base)
        if v.paper_sweeps is not None:
            s = v.paper_sweeps
            rows.append((task, variant, "sweeps", float(s.value), "paper", s.source,
                         s.confidence))
        if task == "symmetry":
            for i, name in ((1, "ratio_mid"), (2, "ratio_large")):
                rows.append((task, variant, name, symmetry.PAPER_RATIO[i],
                             "Nature Fig. 1 caption (1:2:4)",
                             "Nature Fig. 1 caption (PAPER_FACTS A.1)", "P-txt"))
            for label, weights, source in (
                    ("Nature Fig. 1 printed weights", symmetry.NATURE_FIG1_WEIGHTS, "A.1"),
                    ("PDP Fig. 9 printed weights", symmetry.PDP_FIG9_WEIGHTS, "B.4")):
                ratios = symmetry.magnitude_ratios(symmetry.pair_magnitudes(
                    np.asarray(weights["hidden<-input"], dtype=float)))
                for i, name in ((1, "ratio_mid"), (2, "ratio_large")):
                    for unit in range(ratios.shape[1]):
                        rows.append((task, variant, name, float(ratios[0, unit, i]), label,
                                     f"PAPER_FACTS {source}, hidden unit {unit + 1}", "D"))
        if task == "encoder" and base == encoder.DEFAULT_VARIANT:
            scores = encoder.code_scores(encoder.PDP_TABLE5_CODES[None])
            rows.append((task, variant, "n_intermediate_codes",
                         float(scores["n_intermediate_codes"][0]), "PDP Table 5",
                         "PDP Table 5 (PAPER_FACTS B.3)", "P-img"))
    return pd.DataFrame(rows, columns=["task", "variant", "quantity", "value", "label",
                                       "source", "confidence"])


def paper_weight_tables(runs: pd.DataFrame, chunks: dict) -> dict[str, pd.DataFrame]:
    """The printed Nature Fig. 1 weights and PDP Table 5 codes, for the runs present."""
    from ..tasks import encoder, symmetry

    weights, codes = [], []
    for (task, variant), r in runs.groupby(["task", "variant"], sort=False):
        base = r["base_variant"].iloc[0]
        if task == "symmetry" and (task, variant) in chunks:
            printed = {k: np.asarray(v, dtype=float)[0]
                       for k, v in symmetry.NATURE_FIG1_WEIGHTS.items()}
            spec = chunks[task, variant][0].meta["network"]
            weights.append(weights_long(printed, spec).assign(
                task=task, variant=variant, figure="Nature Fig. 1"))
        if task == "encoder" and base == encoder.DEFAULT_VARIANT:
            c, u = np.indices(encoder.PDP_TABLE5_CODES.shape)
            codes.append(pd.DataFrame({"task": task, "variant": variant,
                                       "figure": "PDP Table 5", "case": c.ravel(),
                                       "unit": u.ravel(),
                                       "value": encoder.PDP_TABLE5_CODES.ravel()}))
    out = {}
    if weights:
        out["paper_weights"] = pd.concat(weights, ignore_index=True)
    if codes:
        out["paper_codes"] = pd.concat(codes, ignore_index=True)
    return out


# ---- everything ----------------------------------------------------------------------------
def variants_table(runs: pd.DataFrame, chunks: dict) -> pd.DataFrame:
    rows = []
    for (task, variant), r in runs.groupby(["task", "variant"], sort=False):
        t, v = get_variant(task, r["base_variant"].iloc[0])
        meta = chunks[task, variant][0].meta if (task, variant) in chunks else {}
        rows.append({"task": task, "variant": variant, "base_variant": v.name,
                     "task_title": t.title,
                     "is_default": variant == v.name == t.default_variant,
                     "stop": r["stop"].iloc[0],
                     "budget": meta.get("settings", {}).get("budget", int(r["sweeps"].max())),
                     "criteria": ";".join(meta.get("criteria", [])),
                     "n_seeds": len(r), "n_converged": int(r["converged"].astype(bool).sum())})
    return pd.DataFrame(rows)


def build(runs: pd.DataFrame, record_paths: Iterable[str | Path]) -> dict[str, pd.DataFrame]:
    """Every table of :data:`TABLES` for the runs in ``runs`` and their chunk files.

    Parameters
    ----------
    runs : the runs table.
    record_paths : the ``records.npz`` files of those runs (any order).

    Returns
    -------
    Table name to table; a table with nothing to show is empty but has its columns.
    """
    chunks = group_chunks(record_paths)
    missing = set(map(tuple, runs[["task", "variant"]].drop_duplicates().to_numpy())) - \
        set(chunks)
    if missing:
        raise FileNotFoundError(f"no records for {sorted(missing)}")
    examples = example_seeds(runs)
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    tables["variants"].append(variants_table(runs, chunks))
    tables["examples"].append(examples)
    tables["paper_marks"].append(paper_marks(runs))
    for name, table in paper_weight_tables(runs, chunks).items():
        tables[name].append(table)

    for ex in examples.itertuples(index=False):
        chunk = _find(chunks[ex.task, ex.variant], ex.seed)
        net = chunk.network(ex.seed)
        spec, patterns, presented = _spec_patterns(chunk, ex.base_variant)
        key = {"task": ex.task, "variant": ex.variant, "role": ex.role, "seed": ex.seed}
        for state in ("initial", "final"):
            params = {k.split("/", 1)[1]: v[0] for k, v in net.items()
                      if k.startswith(state + "/")}
            tables["example_weights"].append(
                weights_long(params, chunk.meta["network"]).assign(**key, state=state))
        activity = {k.split("/", 1)[1]: v[0] for k, v in net.items()
                    if k.startswith("activity/")}
        tables["example_activity"].append(
            activity_long(spec, patterns, presented, activity).assign(**key))
        final = {k.split("/", 1)[1]: v for k, v in net.items() if k.startswith("final/")}
        surface = decision_surface(spec, final, chunk.meta["settings"]["input_coding"])
        if surface is not None:
            tables["decision_surface"].append(surface.assign(**key))

    for (task, variant), rows in runs.groupby(["task", "variant"], sort=False):
        run_chunks = chunks[task, variant]
        tables["error_curves"].append(error_quantiles(run_chunks).assign(task=task,
                                                                          variant=variant))
        for role, seed, _ in curve_seeds(rows):
            error = _find(run_chunks, seed).network(seed)["error"]
            tables["example_curves"].append(single_curve(error).assign(
                task=task, variant=variant, role=role, seed=seed))
        if task == PERSON_TASK:
            if not tables["people"]:
                tables["people"].append(_people())
            median = examples[(examples.task == task) & (examples.variant == variant)
                              & (examples.role == "median")]
            example = int(median["seed"].iloc[0]) if len(median) else None
            for name, table in person_tables(variant, run_chunks, example,
                                             rows["base_variant"].iloc[0]).items():
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backprop86.analysis.figure_data",
        description="Write the figure-ready tables (" + ", ".join(TABLES) + ").")
    parser.add_argument("--runs", required=True, help="the runs table (runs.csv)")
    parser.add_argument("--out", required=True, help="folder for the tables")
    parser.add_argument("records", nargs="+", help="the records.npz files of those runs")
    args = parser.parse_args(argv)
    runs = read_runs(args.runs)
    unknown = sorted(set(runs["task"]) - set(TASKS))
    if unknown:
        print(f"figure_data: unknown tasks {unknown}", file=sys.stderr)
        return 2
    write(build(runs, args.records), args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
