"""Binary addition (PDP ch. 8, Figs 10-11, Table 8): two 2-bit numbers in, their 3-bit sum
out, through hidden units with direct input-output connections.

Input units, as PDP Fig. 10 orders them: the first and third are the high-order bits of
the two numbers, the second and fourth their low-order bits (``a1 a0 b1 b0``). Output
units: the sum's bits from the high-order one down (``s2 s1 s0``), as the sums are written.
Each hidden unit is a group of its own, so that links between hidden units are
projections like any other.

Variants:

* ``fig10``: the minimal net of PDP Fig. 10, 2 hidden units (the carry bits), the low
  carry feeding the high one;
* ``fig11``: 3 hidden units with links between them and direct connections, the net whose
  learned hidden patterns Table 8 prints. Which hidden units feed which is not printed in
  the sources read: setting ``hidden_links`` (each unit fed by every earlier one, or none).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.network import NetworkSpec, Projection
from ..core.patterns import Patterns
from ..errors import ConfigError
from .base import (
    OUTCOME_COLUMN,
    PrintedCodes,
    PrintedNet,
    Setting,
    Task,
    Variant,
    binary_patterns,
    cases_right,
    outcomes,
    unprinted_training,
)

INPUTS = binary_patterns(4)  # a1 a0 b1 b0: case 4a + b
A = (2 * INPUTS[:, 0] + INPUTS[:, 1]).astype(int)
B = (2 * INPUTS[:, 2] + INPUTS[:, 3]).astype(int)
SUM = A + B
TARGETS = ((SUM[:, None] >> np.array([2, 1, 0])[None, :]) & 1).astype(float)
LABELS = tuple(f"{a:02b}+{b:02b}" for a, b in zip(A, B))
# What the carries and Table 8's hidden units compute on each case (0/1).
LOW_CARRY = (INPUTS[:, 1] * INPUTS[:, 3]).astype(bool)
HIGH_CARRY = SUM >= 4
# PDP Table 8 [P-img]: the learned 3-hidden-unit net's hidden pattern for each sum, rows in
# the order of the cases above (a + b, a counting slowest). PAPER_FACTS B.5.
_TABLE8 = {"00+00": "111", "00+01": "110", "00+10": "011", "00+11": "010",
           "01+00": "110", "01+01": "010", "01+10": "010", "01+11": "000",
           "10+00": "011", "10+01": "010", "10+10": "001", "10+11": "000",
           "11+00": "010", "11+01": "000", "11+10": "000", "11+11": "000"}
PDP_TABLE8_CODES = np.array([[float(b) for b in _TABLE8[label]] for label in LABELS])
# [D] What Table 8's three units compute, read from its rows: on while the sum is below 2,
# on while it is below 4 (the high carry inverted), on while both low bits are off.
TABLE8_UNITS = {"sum_below_2": SUM < 2, "sum_below_4": SUM < 4,
                "low_bits_off": (INPUTS[:, 1] + INPUTS[:, 3]) == 0}

HIDDEN = {"fig10": 2, "fig11": 3}
LINKS = ("all_earlier", "none")
# A hidden unit "computes" a function of the case when its activity is on the same side of
# 0.5 as the function's value (or of its complement) on every case.
SWITCH_LEVEL = 0.5


def patterns() -> Patterns:
    return Patterns({"input": INPUTS}, TARGETS, LABELS)


def network(n_hidden: int, links: str) -> NetworkSpec:
    """Inputs to every hidden unit and to the outputs, every hidden unit to the outputs,
    and, with ``links`` ``all_earlier``, every hidden unit to each later one."""
    if links not in LINKS:
        raise ConfigError("settings.hidden_links", f"{links!r}", ", ".join(LINKS))
    hidden = [f"h{i + 1}" for i in range(n_hidden)]
    projections = [Projection("input", h) for h in hidden]
    if links == "all_earlier":
        projections += [Projection(a, b) for i, b in enumerate(hidden) for a in hidden[:i]]
    projections += [Projection("input", "output")] + [Projection(h, "output") for h in hidden]
    return NetworkSpec(groups={"input": 4, **{h: 1 for h in hidden}, "output": 3},
                       inputs=("input",), output="output", projections=tuple(projections))


def fig10_weights(gain: float) -> dict[str, np.ndarray]:
    """The minimal net of PDP Fig. 10, its threshold units read as logistic units with
    every weight times ``gain`` [D: the caption's "+1 except where marked -2, hidden biases
    -1.5, output biases -.5", the hidden units the carry bits].

    h1, the low carry: a0 + b0 - 1.5. h2, the high carry: a1 + b1 + h1 - 1.5. The sum's
    bits: s0 = a0 + b0 - 2 h1 - .5, s1 = a1 + b1 + h1 - 2 h2 - .5, s2 = h2 - .5.

    Returns
    -------
    dict of the ``fig10`` variant's parameters, each with a leading axis of length 1.
    """
    w = {
        "h1<-input": [[0, 1, 0, 1]], "h2<-input": [[1, 0, 1, 0]], "h2<-h1": [[1]],
        "output<-input": [[0, 0, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1]],
        "output<-h1": [[0], [1], [-2]], "output<-h2": [[1], [-2], [0]],
        "h1.bias": [-1.5], "h2.bias": [-1.5], "output.bias": [-0.5, -0.5, -0.5]}
    return {k: gain * np.asarray(v, dtype=float)[None] for k, v in w.items()}


# Threshold units as logistic units: a gain large enough that every unit is within 0.01
# of 0 or 1 on every case.
FIG10_GAIN = 10.0


def computes(activity: np.ndarray, function: np.ndarray) -> np.ndarray:
    """Whether each network's hidden unit computes ``function`` or its complement.

    Parameters
    ----------
    activity : (K, P) one hidden unit's activity on every case.
    function : (P,) bool.

    Returns
    -------
    (K,) bool
    """
    on = activity > SWITCH_LEVEL
    return (on == function[None]).all(axis=1) | (on == ~function[None]).all(axis=1)



def score(settings, spec, pats, records) -> pd.DataFrame:
    """Per network: the cases it gets right, how it ended, and what its hidden units
    compute (the carries of Fig. 10, the units of Table 8)."""
    hidden = [g for g in spec.order if g != spec.output]
    units = [records.activity[h][:, :, 0] for h in hidden]
    rows: dict[str, object] = {
        "n_right": cases_right(spec, pats, records),
        "outcome": outcomes(records),
        "low_carry_unit": np.any([computes(u, LOW_CARRY) for u in units], axis=0),
        "high_carry_unit": np.any([computes(u, HIGH_CARRY) for u in units], axis=0),
    }
    for name, function in TABLE8_UNITS.items():
        rows[f"unit_{name}"] = np.any([computes(u, function) for u in units], axis=0)
    rows["table8_units"] = np.sum([rows[f"unit_{n}"] for n in TABLE8_UNITS], axis=0)
    return pd.DataFrame(rows)


def _build(n_hidden: int):
    def build(settings) -> tuple[NetworkSpec, Patterns]:
        return network(n_hidden, settings["hidden_links"]), patterns()
    return build


def _defaults(name: str) -> dict[str, Setting]:
    return {
        **unprinted_training("B.5", "addition", BUDGET),
        "hidden_links": Setting(
            "all_earlier", "PDP Fig. 10 (the low carry feeds the high one); Fig. 11 draws "
            "links between hidden units", "P-img" if name == "fig10" else "UNCONFIRMED",
            "all_earlier: each hidden unit fed by every earlier one; none: no links "
            "(an ablation)"),
    }


BUDGET = 20_000

SCORE_COLUMNS = {
    "n_right": "cases (of 16) whose 3 outputs are all on the right side of 0.5",
    "outcome": OUTCOME_COLUMN,
    "low_carry_unit": "a hidden unit is on exactly when both low-order bits are (the low "
                      "carry of PDP Fig. 10), or exactly when they are not (bool)",
    "high_carry_unit": "a hidden unit is on exactly when the sum is 4 or more (the high "
                       "carry, PDP Fig. 10), or exactly when it is not (bool)",
    "unit_sum_below_2": "a hidden unit is on exactly while the sum is below 2, or its "
                        "complement (PDP Table 8's first unit) (bool)",
    "unit_sum_below_4": "a hidden unit is on exactly while the sum is below 4, or its "
                        "complement (PDP Table 8's second unit) (bool)",
    "unit_low_bits_off": "a hidden unit is on exactly while both low-order bits are off, "
                         "or its complement (PDP Table 8's third unit) (bool)",
    "table8_units": "how many of PDP Table 8's three kinds of unit the net has (0-3)",
}

PRINTED_NETS = (
    PrintedNet("pdp-fig10", "addition", "fig10",
               f"PDP ch. 8, Fig. 10 (threshold units as logistic units, weights x "
               f"{FIG10_GAIN:g})", "D", fig10_weights(FIG10_GAIN), shown=True),
)

TASK = Task(
    name="addition",
    title="Binary addition",
    source="PDP ch. 8, Figs 10-11, Table 8",
    default_variant="fig10",
    score_columns=SCORE_COLUMNS,
    printed_nets=PRINTED_NETS,
    variants={
        "fig10": Variant("fig10", "4 inputs, 2 hidden units (the carries, the low feeding "
                         "the high), 3 outputs, direct connections (PDP Fig. 10)",
                         _defaults("fig10"), _build(2), score),
        "fig11": Variant("fig11", "4 inputs, 3 hidden units with links between them, 3 "
                         "outputs, direct connections (PDP Fig. 11, Table 8)",
                         _defaults("fig11"), _build(3), score,
                         printed_codes=(PrintedCodes("PDP Table 8", PDP_TABLE8_CODES),)),
    },
)
