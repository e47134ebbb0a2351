"""XOR with a third input that is the AND of the other two (PDP ch. 8, Table 2): with it the
problem is linearly separable, so a net without hidden units learns it; the same net on
plain XOR (Table 1) never can.

Two variants, both without hidden units (inputs straight to the output): ``3-1``, the
Table 2 patterns (000 -> 0, 010 -> 1, 100 -> 1, 111 -> 0), and ``2-1``, plain XOR.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.network import NetworkSpec, layered
from ..core.patterns import Patterns
from .base import Setting, Task, Variant, binary_patterns

XOR_INPUTS = binary_patterns(2)  # 00, 01, 10, 11 (PDP Table 1)
# PDP Table 2 [P-img]: the two inputs and their AND as a third.
AND_INPUTS = np.column_stack([XOR_INPUTS, XOR_INPUTS[:, 0] * XOR_INPUTS[:, 1]])
TARGETS = np.array([[0.0], [1.0], [1.0], [0.0]])
INPUT_NAMES = {3: ("x1", "x2", "and"), 2: ("x1", "x2")}
# Case labels in the order of the patterns, as the score columns name them.
CASE_KEYS = {3: ("000", "010", "100", "111"), 2: ("00", "01", "10", "11")}


def patterns(n_inputs: int) -> Patterns:
    x = AND_INPUTS if n_inputs == 3 else XOR_INPUTS
    labels = tuple("".join(str(int(b)) for b in row) for row in x)
    return Patterns({"input": x}, TARGETS, labels)


def separating_weights(gain: float) -> dict[str, np.ndarray]:
    """A hand-built 3-1 solution [D]: +1 from each input, -2 from their AND, bias -0.5,
    times ``gain`` (a known right answer for tests, not a paper value)."""
    return {"output<-input": gain * np.array([[[1.0, 1.0, -2.0]]]),
            "output.bias": gain * np.array([[-0.5]])}


def score(settings, spec, pats, records) -> pd.DataFrame:
    """Per network: its final output on each case, how many cases are on the right side
    of 0.5, and its weights (a 3-1 solution has the AND weight below minus the sum of the
    others and the bias)."""
    n = spec.groups[spec.inputs[0]]
    y = records.activity[spec.output][:, :, 0]
    rows: dict[str, object] = {f"output_{label}": y[:, i]
                               for i, label in enumerate(CASE_KEYS[n])}
    rows["n_right"] = ((y > 0.5) == (TARGETS[:, 0] > 0.5)).sum(axis=1)
    w, b = records.final["output<-input"][:, 0, :], records.final["output.bias"][:, 0]
    for j, name in enumerate(INPUT_NAMES[n]):
        rows[f"w_{name}"] = w[:, j]
    rows["bias"] = b
    return pd.DataFrame(rows)


def _build(n_inputs: int):
    def build(settings) -> tuple[NetworkSpec, Patterns]:
        return layered([n_inputs, 1]), patterns(n_inputs)
    return build


_DEFAULTS = {
    "eps": Setting(0.5, "PDP ch. 8 p. 331: the chapter's XOR rate (eta 0.5)", "S",
                   "the chapter prints no rate for the Table 2 net: assumed as for XOR"),
    "alpha": Setting(0.9, "PDP ch. 8 p. 330 (alpha about 0.9 in most simulations)", "S"),
    "budget": Setting(10_000, "no budget printed; as for XOR", "UNCONFIRMED"),
}

SCORE_COLUMNS = {
    **{f"output_{label}": f"final output on input {label} (0-1)"
       for keys in CASE_KEYS.values() for label in keys},
    "n_right": "cases whose output is on the right side of 0.5 (of 4)",
    "w_x1": "final weight from input 1 to the output",
    "w_x2": "final weight from input 2 to the output",
    "w_and": "final weight from the AND input to the output (3-1 only; a solution needs it "
             "below minus the sum of the other weights and the bias)",
    "bias": "final bias of the output unit",
}

TASK = Task(
    name="xor_and",
    title="XOR with the AND input",
    source="PDP ch. 8, Tables 1-2",
    default_variant="3-1",
    score_columns=SCORE_COLUMNS,
    variants={
        "3-1": Variant("3-1", "the two XOR inputs and their AND straight to the output, no "
                       "hidden units (PDP Table 2)", _DEFAULTS, _build(3), score),
        "2-1": Variant("2-1", "plain XOR straight to the output, no hidden units (PDP "
                       "Table 1): not linearly separable", _DEFAULTS, _build(2), score),
    },
)
