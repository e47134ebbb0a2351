"""Negation (PDP ch. 8, Table 9, Fig. 12): four inputs, the first a negation flag; the three
outputs copy the other three inputs when the flag is off and complement them when it is on.
Three hidden units and direct input-output connections, as Fig. 12 draws them.

Inputs ``n x1 x2 x3`` (Table 9's order, the flag first); outputs ``y1 y2 y3`` with
``y_k = n XOR x_k``. Fig. 12's caption: "The problem has been reduced and solved as three
exclusive-ors between the negation unit and each of the other three units." The score
says, for each learned net, whether its hidden units do that: each one depending on the
flag and on one other input only, the three on three different inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.network import NetworkSpec, Projection
from ..core.patterns import Patterns
from .base import (
    OUTCOME_COLUMN,
    PrintedNet,
    Task,
    Variant,
    binary_patterns,
    cases_right,
    outcomes,
    unprinted_training,
)

INPUTS = binary_patterns(4)  # n x1 x2 x3, counting order (PDP Table 9)
TARGETS = np.abs(INPUTS[:, 1:] - INPUTS[:, :1])  # y_k = n XOR x_k
LABELS = tuple("".join(str(int(b)) for b in row) for row in INPUTS)
INPUT_NAMES = ("n", "x1", "x2", "x3")
N_HIDDEN = 3

# A hidden unit "depends on" an input when flipping that input changes the unit's
# activity by at least this much on average over the 16 cases, and "ignores" it below.
DEPENDS = 0.1


def patterns() -> Patterns:
    return Patterns({"input": INPUTS}, TARGETS, LABELS)


def network() -> NetworkSpec:
    """Inputs to the hidden units and straight to the outputs, hidden units to outputs."""
    return NetworkSpec(groups={"input": 4, "hidden": N_HIDDEN, "output": 3},
                       inputs=("input",), output="output",
                       projections=(Projection("input", "hidden"),
                                    Projection("input", "output"),
                                    Projection("hidden", "output")))


def three_xors_weights() -> dict[str, np.ndarray]:
    """A net built from Fig. 12's caption and printed values [D]: hidden biases -8, +2, +2
    and output biases -1, +6, +6 as printed, every weight one of the printed magnitudes
    (+-4, +-6, -10), hidden unit k and output k for input x_k.

    The figure's own assignment of its drawn weights to connections is not transcribed in
    the sources read (PAPER_FACTS B.6); this is one assignment that solves the problem the
    caption's way: hidden unit 1 is on when n and x1 both are, units 2 and 3 when neither n
    nor x2 (x3) is; each output adds -10 times its hidden unit to +-4 from n and from its
    own input.

    Returns
    -------
    dict of the net's parameters, each with a leading axis of length 1.
    """
    hidden = np.zeros((N_HIDDEN, 4))
    output = np.zeros((3, 4))
    signs = (1.0, -1.0, -1.0)
    for k, s in enumerate(signs):
        hidden[k, [0, k + 1]] = 6 * s
        output[k, [0, k + 1]] = 4 * s
    w = {"hidden<-input": hidden, "output<-input": output,
         "output<-hidden": -10 * np.eye(3),
         "hidden.bias": np.array([-8.0, 2.0, 2.0]), "output.bias": np.array([-1.0, 6.0, 6.0])}
    return {k: np.asarray(v, dtype=float)[None] for k, v in w.items()}


def sensitivity(activity: np.ndarray) -> np.ndarray:
    """How much each hidden unit's activity changes when one input is flipped.

    Parameters
    ----------
    activity : (K, 16, H) hidden activity on the cases in counting order.

    Returns
    -------
    (K, H, 4) mean over cases of |h(case) - h(case with input i flipped)|.
    """
    cases = np.arange(len(LABELS))
    out = np.empty(activity.shape[:1] + activity.shape[2:] + (len(INPUT_NAMES),))
    for i in range(len(INPUT_NAMES)):
        flipped = cases ^ (1 << (len(INPUT_NAMES) - 1 - i))
        out[:, :, i] = np.abs(activity - activity[:, flipped, :]).mean(axis=1)
    return out


def xor_pairs(activity: np.ndarray) -> np.ndarray:
    """For each network, the inputs x_k that some hidden unit pairs with the flag: the
    unit depends on n and on x_k and ignores the two other inputs.

    Parameters
    ----------
    activity : (K, 16, H) hidden activity.

    Returns
    -------
    (K, 3) bool: x_k is paired with the flag by a hidden unit.
    """
    depends = sensitivity(activity) >= DEPENDS  # (K, H, 4)
    only_one = depends[:, :, 1:].sum(axis=2) == 1
    pairs = depends[:, :, :1] & depends[:, :, 1:] & only_one[:, :, None]  # (K, H, 3)
    return pairs.any(axis=1)



def score(settings, spec, pats, records) -> pd.DataFrame:
    """Per network: the cases it gets right, how it ended, and whether its hidden units
    are Fig. 12's three exclusive-ors."""
    hidden = records.activity["hidden"]
    pairs = xor_pairs(hidden)
    depends = sensitivity(hidden) >= DEPENDS
    return pd.DataFrame({
        "n_right": cases_right(spec, pats, records),
        "outcome": outcomes(records),
        "xor_pairs": pairs.sum(axis=1),
        "three_xors": pairs.all(axis=1),
        "hidden_using_flag": depends[:, :, 0].sum(axis=1),
    })


def build(settings) -> tuple[NetworkSpec, Patterns]:
    return network(), patterns()


BUDGET = 5_000

DEFAULTS = {
    **unprinted_training("B.6", "negation", BUDGET),
}

SCORE_COLUMNS = {
    "n_right": "cases (of 16) whose 3 outputs are all on the right side of 0.5",
    "outcome": OUTCOME_COLUMN,
    "xor_pairs": "how many of x1, x2, x3 a hidden unit pairs with the flag n (the unit "
                 f"changes by at least {DEPENDS:g} on average when n or that input is "
                 "flipped, by less when either other input is) (0-3)",
    "three_xors": "xor_pairs is 3: the hidden units are the three exclusive-ors between the "
                  "flag and each other input of PDP Fig. 12's caption (bool)",
    "hidden_using_flag": f"hidden units whose activity changes by at least {DEPENDS:g} on "
                         "average when the flag is flipped (0-3)",
}

PRINTED_NETS = (
    PrintedNet("pdp-fig12", "negation", "3-3",
               "PDP ch. 8, Fig. 12 (its caption's three exclusive-ors, its printed biases "
               "and weight magnitudes)", "D", three_xors_weights(), shown=True),
)

TASK = Task(
    name="negation",
    title="Negation",
    source="PDP ch. 8, Table 9, Fig. 12",
    default_variant="3-3",
    score_columns=SCORE_COLUMNS,
    printed_nets=PRINTED_NETS,
    variants={
        "3-3": Variant("3-3", "4 inputs (the negation flag first), 3 hidden units, 3 "
                       "outputs, direct input-output connections (PDP Fig. 12)",
                       DEFAULTS, build, score),
    },
)
