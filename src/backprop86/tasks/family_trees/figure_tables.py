"""The family-trees figures' own tables: the people, and every run's person codes (the
activity of the person-encoding units for each person alone), their distances and their
projection on two principal components, of untrained and trained nets (Nature Fig. 4 and
what lies beyond it)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ...core.network import NetworkSpec
from ...core.patterns import Patterns, encode_inputs
from ...core.propagation import forward
from ...core.records import RecordFile
from . import data

# The group whose activity is a person's code, and the input group it reads.
PERSON_INPUT, PERSON_CODE = "person", "person_code"

TABLES: dict[str, tuple[list[str], str]] = {
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


def people() -> pd.DataFrame:
    """The person units in order with their attributes (the ``people`` table)."""
    return pd.DataFrame([{"person_unit": i, "person": p.name, "nationality": p.nationality,
                          "generation": p.generation, "branch": p.branch, "sex": p.sex}
                         for i, p in enumerate(data.people())])


def of_task() -> dict[str, pd.DataFrame]:
    return {"people": people()}


def person_code_activity(spec: NetworkSpec, params: dict[str, np.ndarray],
                         coding: str) -> np.ndarray:
    """Person-encoding activity of every person in K networks, (K, 24, 6).

    The person code reads only the person input (nothing else projects to it), so the
    other input groups are presented silent.
    """
    n = spec.groups[PERSON_INPUT]
    inputs = {g: np.zeros((n, spec.groups[g])) for g in spec.inputs}
    inputs[PERSON_INPUT] = np.eye(n)
    shown = encode_inputs(Patterns(inputs, np.zeros((n, 1))), coding)
    return forward(spec, params, shown.input_columns())[PERSON_CODE].transpose(0, 2, 1)


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


def _distances(codes: np.ndarray) -> np.ndarray:
    """(K, N, U) codes to (K, N, N) Euclidean distances."""
    return np.linalg.norm(codes[:, :, None, :] - codes[:, None, :, :], axis=-1)


def of_run(variant: str, files: Sequence[RecordFile],
           example: int | None) -> dict[str, pd.DataFrame]:
    """Person codes, their distances and 2-D projections, trained and untrained, of one
    run (label ``variant``): of its ``example`` seed, and the distances averaged over
    every seed."""
    spec = NetworkSpec.from_dict(files[0].meta["network"])
    coding = files[0].meta["settings"]["input_coding"]
    attributes = people().drop(columns="person_unit")
    names = attributes["person"].to_numpy()
    sums = {"untrained": 0.0, "trained": 0.0}
    n_seeds = 0
    example_codes = {}
    for file in files:
        arrays = file.arrays(kinds=("initial", "final"))
        for state, prefix in (("untrained", "initial/"), ("trained", "final/")):
            params = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
            codes = person_code_activity(spec, params, coding)
            sums[state] = sums[state] + _distances(codes).sum(axis=0)
            if example is not None and example in file.seeds:
                example_codes[state] = codes[int(np.flatnonzero(file.seeds == example)[0])]
        n_seeds += len(file.seeds)
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
        frames["person_codes"].append(attributes.iloc[p.ravel()].reset_index(drop=True).assign(
            variant=variant, state=state, seed=example, unit=u.ravel(), value=codes.ravel()))
        scores, explained = projection_2d(codes)
        frames["person_projection"].append(attributes.assign(
            variant=variant, state=state, seed=example, pc1=scores[:, 0], pc2=scores[:, 1],
            explained1=explained[0], explained2=explained[1]))
    return {k: pd.concat(v, ignore_index=True) for k, v in frames.items() if v}
