"""Small networks shared by the core tests."""

import numpy as np

from backprop86 import NetworkSpec, Patterns, Projection, layered


def xor_221():
    return layered([2, 2, 1])


def skip_and_tied():
    """Two input groups, each with its own hidden group through one tied weight array,
    a hidden group feeding a later hidden group, and a skip from input to output."""
    return NetworkSpec(
        groups={"a": 3, "b": 3, "ha": 2, "hb": 2, "deep": 3, "out": 2},
        inputs=("a", "b"),
        output="out",
        projections=(
            Projection("a", "ha", "shared"),
            Projection("b", "hb", "shared"),
            Projection("ha", "deep"),
            Projection("hb", "deep"),
            Projection("ha", "out"),
            Projection("deep", "out"),
            Projection("a", "out"),
        ),
    )


def random_patterns(spec, n_cases, rng):
    inputs = {g: rng.integers(0, 2, size=(n_cases, spec.groups[g])).astype(float)
              for g in spec.inputs}
    targets = rng.integers(0, 2, size=(n_cases, spec.groups[spec.output])).astype(float)
    return Patterns(inputs, targets)


XOR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_TARGETS = np.array([[0], [1], [1], [0]], dtype=float)
