"""The papers' printed weights, run forward: the table ``results/tables/paper_weights.csv``.

Claims about printed nets (PDP Fig. 5 gives 0.5 on two cases; Nature Fig. 1 classifies
all 64 vectors) are measured from this table like every other claim. The weights are the
ones stored, with their citations, in the task modules.

Command line (the pipeline's ``paper_weights_table`` rule)::

    python -m backprop86.report.paper_weights results/tables/paper_weights.csv
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from ..atomic import write_table
from ..experiment import encode_inputs, resolve_settings
from ..propagation import forward
from ..tasks import get_variant, symmetry, xor


@dataclass(frozen=True)
class PrintedNet:
    """A net whose weights a paper prints: which task variant it is, where it is printed
    and the weights (single networks, leading axis of length 1)."""

    task: str
    variant: str
    figure: str
    confidence: str
    weights: Mapping[str, list]


PRINTED_NETS: dict[str, PrintedNet] = {
    "pdp-fig3": PrintedNet("xor", "2-1-1", "PDP ch. 8, Fig. 3", "P-img", xor.PDP_FIG3_WEIGHTS),
    "pdp-fig5": PrintedNet("xor", "2-2-1", "PDP ch. 8, Fig. 5", "P-img", xor.PDP_FIG5_WEIGHTS),
    "nature-fig1": PrintedNet("symmetry", "6-2-1", "Nature Fig. 1", "P-img",
                              symmetry.NATURE_FIG1_WEIGHTS),
    "pdp-fig9": PrintedNet("symmetry", "6-2-1", "PDP ch. 8, Fig. 9", "P-img",
                           symmetry.PDP_FIG9_WEIGHTS),
}

# Column -> meaning, for the tables' README.
COLUMNS = {
    "net": "the printed net (backprop86.report.paper_weights.PRINTED_NETS)",
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
    """One row per case and output unit of printed net ``name`` (see :data:`COLUMNS`)."""
    net = PRINTED_NETS[name]
    _, variant = get_variant(net.task, net.variant)
    settings = resolve_settings(variant)
    spec, patterns = variant.build(settings)
    patterns = encode_inputs(patterns, settings["input_coding"])
    params = {k: np.asarray(w, dtype=float) for k, w in net.weights.items()}
    expected = spec.parameter_shapes()
    if set(params) != set(expected):
        raise ValueError(f"{name}: weights {sorted(params)} do not fit the {net.variant} net "
                         f"({sorted(expected)})")
    inputs = {g: np.asarray(a, dtype=float).T for g, a in patterns.inputs.items()}
    y = forward(spec, params, inputs)[spec.output][0].T  # (P, n_out)
    d = np.asarray(patterns.targets, dtype=float)
    rows = []
    for c, label in enumerate(patterns.labels):
        for j in range(y.shape[1]):
            rows.append({"net": name, "task": net.task, "variant": net.variant,
                         "figure": net.figure, "confidence": net.confidence, "case": label,
                         "output_unit": j, "target": d[c, j], "output": y[c, j],
                         "error": 0.5 * (y[c, j] - d[c, j]) ** 2,
                         "correct_side": bool((y[c, j] > 0.5) == (d[c, j] > 0.5))})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def paper_weights_table() -> pd.DataFrame:
    """Every printed net of :data:`PRINTED_NETS`, one row per case and output unit."""
    return pd.concat([printed_outputs(n) for n in PRINTED_NETS], ignore_index=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the CSV to write (atomically)")
    args = parser.parse_args(argv)
    table = paper_weights_table()
    write_table(table, args.out)
    print(f"{len(table)} rows, {table['net'].nunique()} printed nets", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
