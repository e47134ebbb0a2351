"""Intermediate values (PDP ch. 8, Fig. 8, Tables 6-7): two inputs, one of four outputs on,
through a single hidden unit (the "singleton") that must carry all four cases by graded
values, then four hidden units and the outputs.

Cases (Table 6): 00 -> 1000, 01 -> 0100, 10 -> 0010, 11 -> 0001. The net (Fig. 8): inputs
-> singleton -> 4 hidden units -> 4 outputs, nothing else. Every case needs an output
pattern of its own, so a net that solves it gives the four cases four values of the
singleton; the score says how far apart they are (how many distinct graded levels) and in
which order the cases lie, beside Table 7's 0, .2, .6, 1 (cases 10, 11, 00, 01).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.network import NetworkSpec, Projection
from ..core.patterns import Patterns
from ..core.propagation import forward
from .base import (
    OUTCOME_COLUMN,
    FigureTables,
    PrintedCodes,
    Task,
    Variant,
    binary_patterns,
    cases_right,
    outcomes,
    unprinted_training,
)

INPUTS = binary_patterns(2)  # 00, 01, 10, 11 (PDP Table 6)
TARGETS = np.eye(4)
LABELS = ("00", "01", "10", "11")
LAYERS = ("input", "singleton", "hidden", "output")

# PDP Fig. 8 [P-img] (PAPER_FACTS B.3): the first two layers of the learned net. The
# hidden-output weights are not printed, so the net cannot be run to its outputs.
FIG8_FIRST_LAYERS = {
    "singleton<-input": [[-6.0, 4.0]], "singleton.bias": [0.0],
    "hidden<-singleton": [[-3.0], [-6.0], [-12.0], [9.0]],
    "hidden.bias": [2.0, 2.0, 1.0, -7.0],
}
FIG8_OUTPUT_BIASES = (3.0, -2.0, -4.0, 0.0)
# PDP Table 7 [P-img]: singleton, then the remaining hidden units, in the case order above.
TABLE7 = np.array([
    [0.6, 0.5, 0.0, 0.0, 0.3],  # 00
    [1.0, 0.0, 0.0, 0.0, 1.0],  # 01
    [0.0, 1.0, 1.0, 1.0, 0.0],  # 10
    [0.2, 1.0, 1.0, 0.0, 0.0],  # 11
])

# Two cases are on distinct levels of the singleton when their values differ by at least
# this much.
LEVEL_GAP = 0.1
# A level is graded (neither off nor on) strictly between these.
GRADED = (0.1, 0.9)


def patterns() -> Patterns:
    return Patterns({"input": INPUTS}, TARGETS, LABELS)


def network() -> NetworkSpec:
    """Inputs -> singleton -> 4 hidden units -> 4 outputs (PDP Fig. 8)."""
    return NetworkSpec(groups={"input": 2, "singleton": 1, "hidden": 4, "output": 4},
                       inputs=("input",), output="output",
                       projections=tuple(Projection(a, b) for a, b in zip(LAYERS, LAYERS[1:])))


def first_layers() -> NetworkSpec:
    """The part of the net whose weights Fig. 8 prints: inputs -> singleton -> hidden."""
    return NetworkSpec(groups={"input": 2, "singleton": 1, "hidden": 4},
                       inputs=("input",), output="hidden",
                       projections=(Projection("input", "singleton"),
                                    Projection("singleton", "hidden")))


def printed_first_layers() -> dict[str, np.ndarray]:
    """The singleton's and the hidden units' activity on each case through Fig. 8's printed
    weights.

    Returns
    -------
    dict of ``singleton`` (4, 1) and ``hidden`` (4, 4): cases by units.
    """
    params = {k: np.asarray(v, dtype=float)[None] for k, v in FIG8_FIRST_LAYERS.items()}
    act = forward(first_layers(), params, patterns().input_columns())
    return {g: act[g][0].T for g in ("singleton", "hidden")}


def _printed_table() -> pd.DataFrame:
    rows = [{"case": c, "case_label": label, "group": group, "unit": u, "value": v}
            for group, values in printed_first_layers().items()
            for (c, u), v in np.ndenumerate(values) for label in (LABELS[c],)]
    return pd.DataFrame(rows)


FIGURE_TABLES = FigureTables(
    columns={"fig8_printed": (["case", "case_label", "group", "unit", "value"],
                              "intermediate values: the singleton's and the hidden units' "
                              "activity on each case through PDP Fig. 8's printed first "
                              "two layers; written when the task ran")},
    of_task=lambda: {"fig8_printed": _printed_table()},
    of_run=lambda label, files, example: {},
)


def levels(values: np.ndarray) -> np.ndarray:
    """How many distinct levels the four cases take: one more than the gaps of at least
    :data:`LEVEL_GAP` between neighbouring sorted values.

    Parameters
    ----------
    values : (K, 4) the singleton's activity on each case.

    Returns
    -------
    (K,) int, 1-4.
    """
    gaps = np.diff(np.sort(values, axis=1), axis=1)
    return 1 + (gaps >= LEVEL_GAP).sum(axis=1)


def graded_levels(values: np.ndarray) -> np.ndarray:
    """How many distinct levels lie strictly within :data:`GRADED` (neither off nor on)."""
    out = np.zeros(len(values), dtype=int)
    for k, v in enumerate(values):
        inner = np.sort(v[(v > GRADED[0]) & (v < GRADED[1])])
        out[k] = 0 if inner.size == 0 else 1 + int((np.diff(inner) >= LEVEL_GAP).sum())
    return out


def case_order(values: np.ndarray) -> list[str]:
    """The cases from the lowest singleton value to the highest, e.g. ``10<11<00<01``;
    read from the other end when the first case is above the last (a net may use the
    singleton either way up)."""
    out = []
    for v in values:
        order = [LABELS[i] for i in np.argsort(v, kind="stable")]
        if order[0] > order[-1]:
            order = order[::-1]
        out.append("<".join(order))
    return out


# Table 7's singleton values 0, .2, .6, 1 (cases 10, 11, 00, 01), in the order written as
# the score writes it.
TABLE7_ORDER = case_order(TABLE7[:, :1].T)[0]



def score(settings, spec, pats, records) -> pd.DataFrame:
    """Per network: the cases it gets right, how it ended, and how its singleton carries
    the four cases."""
    s = records.activity["singleton"][:, :, 0]  # (K, 4)
    return pd.DataFrame({
        "n_right": cases_right(spec, pats, records),
        "outcome": outcomes(records),
        "singleton_levels": levels(s),
        "graded_levels": graded_levels(s),
        "singleton_min_gap": np.diff(np.sort(s, axis=1), axis=1).min(axis=1),
        "singleton_order": case_order(s),
        **{f"singleton_{label}": s[:, i] for i, label in enumerate(LABELS)},
    })


def build(settings) -> tuple[NetworkSpec, Patterns]:
    return network(), patterns()


BUDGET = 10_000

DEFAULTS = {
    **unprinted_training("B.3", "this net", BUDGET),
}

SCORE_COLUMNS = {
    "n_right": "cases (of 4) whose 4 outputs are all on the right side of 0.5",
    "outcome": OUTCOME_COLUMN,
    "singleton_levels": "distinct levels of the singleton over the 4 cases: 1 + the gaps of "
                        f"at least {LEVEL_GAP:g} between its sorted values (1-4; PDP Table 7 "
                        "has 4: 0, .2, .6, 1)",
    "graded_levels": f"distinct levels strictly between {GRADED[0]:g} and {GRADED[1]:g} "
                     "(neither off nor on) (0-4; Table 7 has 2: .2, .6)",
    "singleton_min_gap": "the smallest gap between the singleton's sorted values (0-1)",
    "singleton_order": "the cases from the lowest singleton value to the highest, read "
                       f"from the end that puts the lower label first (Table 7: "
                       f"{TABLE7_ORDER})",
    **{f"singleton_{label}": f"the singleton's final activity on input {label} (0-1)"
       for label in LABELS},
}

TASK = Task(
    name="intermediate",
    title="Intermediate values",
    source="PDP ch. 8, Fig. 8, Tables 6-7",
    default_variant="2-1-4-4",
    score_columns=SCORE_COLUMNS,
    figure_tables=FIGURE_TABLES,
    variants={
        "2-1-4-4": Variant("2-1-4-4", "2 inputs, one hidden unit (the singleton), 4 hidden "
                           "units, 4 outputs (PDP Fig. 8)", DEFAULTS, build, score,
                           printed_codes=(PrintedCodes("PDP Table 7", TABLE7),)),
    },
)
