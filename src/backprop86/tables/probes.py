"""Forward passes on saved or printed weights: the papers' printed nets run on their cases
(the table ``results/tables/paper_weights.csv``) and the decision surface of a two-input
net.

Claims about printed nets (PDP Fig. 5 gives 0.5 on two cases; Nature Fig. 1 classifies
all 64 vectors) are measured from the printed-nets table like every other claim. The
weights are the ones stored, with their citations, in the task modules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.network import NetworkSpec
from ..core.patterns import Patterns, encode_inputs
from ..core.propagation import forward
from ..plan.fingerprint import fingerprint_of
from ..plan.setup import setup
from ..tasks import PRINTED_NETS

# Points per axis of the grid over the unit square of the decision surfaces.
SURFACE_POINTS = 101

# Column -> meaning, for the tables' README.
PAPER_WEIGHTS_COLUMNS = {
    "net": "the printed net (its name in the claims ledger; the task modules' PRINTED_NETS)",
    "task": "task name",
    "variant": "the task variant the net is an instance of",
    "figure": "where the weights are printed",
    "confidence": "tag of the weights in PAPER_FACTS.md (P-img: read from the scan)",
    "case": "the input case, as the task labels it (inputs in order, 0/1)",
    "output_unit": "output unit (0-based)",
    "target": "the target of that output on that case (0/1)",
    "output": "the output of the printed net (logistic units, Nature eqs 1-2)",
    "error": "1/2 (output - target)^2 (Nature eq. 3, one term)",
    "correct_side": "output and target on the same side of 0.5 (bool)",
}


def printed_outputs(name: str) -> pd.DataFrame:
    """One row per case and output unit of printed net ``name`` (see
    :data:`PAPER_WEIGHTS_COLUMNS`)."""
    net = PRINTED_NETS[name]
    ready = setup(net.task, net.variant)
    spec = ready.spec
    params = {k: np.asarray(w, dtype=float) for k, w in net.weights.items()}
    expected = spec.parameter_shapes()
    if set(params) != set(expected):
        raise ValueError(f"{name}: weights {sorted(params)} do not fit the {net.variant} net "
                         f"({sorted(expected)})")
    y = forward(spec, params, ready.presented.input_columns())[spec.output][0].T  # (P, n_out)
    d = np.asarray(ready.patterns.targets, dtype=float)
    rows = []
    for c, label in enumerate(ready.patterns.labels):
        for j in range(y.shape[1]):
            rows.append({"net": name, "task": net.task, "variant": net.variant,
                         "figure": net.figure, "confidence": net.confidence, "case": label,
                         "output_unit": j, "target": d[c, j], "output": y[c, j],
                         "error": 0.5 * (y[c, j] - d[c, j]) ** 2,
                         "correct_side": bool((y[c, j] > 0.5) == (d[c, j] > 0.5))})
    return pd.DataFrame(rows, columns=list(PAPER_WEIGHTS_COLUMNS))


def printed_nets_fingerprint() -> str:
    """A hash of every printed net (name, where printed, weights): the printed-nets table
    is made again when one is added or changed."""
    return fingerprint_of({name: [net.task, net.variant, net.figure, net.confidence,
                                  {k: np.asarray(w).tolist() for k, w in net.weights.items()}]
                           for name, net in PRINTED_NETS.items()})


def paper_weights_table() -> pd.DataFrame:
    """Every printed net of every task, one row per case and output unit."""
    return pd.concat([printed_outputs(n) for n in PRINTED_NETS], ignore_index=True)


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
    out = forward(spec, params, shown.input_columns())[spec.output]
    return pd.DataFrame({"x1": x1, "x2": x2, "output": out[0, 0]})
