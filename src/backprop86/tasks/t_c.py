"""The T-C problem (PDP ch. 8, Figs 13-15): tell a block T from a block C, each of five squares
in any of four orientations, with one output unit fed by a grid of hidden units, each of
which sees a 3x3 patch of the input "retina" through weights tied across positions.

The net (Fig. 14): every hidden unit has a 3x3 receptive field, and all of them share one
set of weights (so learning finds one feature detector, applied everywhere); the output
unit reads every hidden unit. In the core's terms each retina position has an input group
of its own (the 9 squares of its patch and an always-on unit, whose weight is the shared
bias: Nature p. 533's biases) and a hidden group of one unit; the projections from patch
to hidden unit all name the weight array ``rf``, so its change is the sum over positions.

Not printed (PAPER_FACTS B.7), so named settings:

* ``retina``: the side of the square retina, which wraps round (a torus) so that every
  position has a whole patch; 6 by default. At 5 or more every patch that overlaps a
  pattern is a distinct hidden unit, as Fig. 15's counts need (a T turns off 21
  compactness detectors, a C 20).
* ``positions``: ``all`` (every pattern at every place: the net must tell the letters apart
  wherever they are, 8 x 36 cases) or ``one`` (each pattern at one place).
* ``output_weights``: ``free`` (a weight from each hidden unit) or ``tied`` (one weight
  from every hidden unit, so that the output counts active detectors as Fig. 15's caption
  argues; on the torus every place then gives the same error).
* ``eps``: 0.01, not the chapter's 0.5: the error sums over 288 cases, and at 0.5 the first
  change saturates the output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.network import NetworkSpec, Projection
from ..core.patterns import Patterns
from ..errors import ConfigError
from .base import OUTCOME_COLUMN, FigureTables, Setting, Task, Variant, cases_right, outcomes

# PDP Fig. 13 [P-img]: a block T and a block C, five squares each, rows top to bottom.
T_BLOCK = np.array([[1, 1, 1], [0, 1, 0], [0, 1, 0]], dtype=float)
C_BLOCK = np.array([[1, 1], [1, 0], [1, 1]], dtype=float)
ORIENTATIONS = (0, 90, 180, 270)
LETTERS = {"T": T_BLOCK, "C": C_BLOCK}
# The output is on for a T (which way round is not printed; swapping the targets only
# flips the sign of the output's weights and bias).
TARGET = {"T": 1.0, "C": 0.0}

RF = 3  # the receptive field's side (Fig. 14)
RETINA_SIDES = range(5, 11)
OUTPUT_WEIGHTS = ("tied", "free")
POSITIONS = ("one", "all")

# PDP Fig. 15's four kinds of receptive field [P-img], as templates of the 3x3 weights:
# A +2 at the centre and -1 around it, B +1 down a column and -1 on its flanks, D -2
# everywhere, as printed; C, a diagonal bar, with +1 on the diagonal and -1 off it [D].
_DIAGONAL = 2 * np.eye(RF) - 1
TEMPLATES = {
    "on_centre": [np.array([[-1, -1, -1], [-1, 2, -1], [-1, -1, -1]], dtype=float)],
    "bar": [np.array([[-1, 1, -1]] * RF, dtype=float),
            np.array([[-1, -1, -1], [1, 1, 1], [-1, -1, -1]], dtype=float)],
    "diagonal": [_DIAGONAL, np.fliplr(_DIAGONAL)],
    "compactness": [-2 * np.ones((RF, RF))],
}
KINDS = (*TEMPLATES, "other")
# A receptive field is of a kind when the cosine between its 9 weights and one of the
# kind's templates (either sign) is at least this.
MATCH = 0.8


def letter(name: str, angle: int) -> np.ndarray:
    """A letter's block, turned ``angle`` degrees anticlockwise."""
    return np.rot90(LETTERS[name], angle // 90)


def case_labels() -> tuple[str, ...]:
    return tuple(f"{name}{angle}" for name in LETTERS for angle in ORIENTATIONS)


def place(block: np.ndarray, side: int, at: tuple[int, int]) -> np.ndarray:
    """A ``side`` x ``side`` retina with ``block`` at row, column ``at`` (wrapping round)."""
    retina = np.zeros((side, side))
    rows, cols = np.indices(block.shape)
    retina[(rows + at[0]) % side, (cols + at[1]) % side] = block
    return retina


def patches(retina: np.ndarray) -> np.ndarray:
    """Every position's 3x3 patch, centred on it, wrapping round.

    Returns
    -------
    (side * side, 9): positions row by row, each patch's squares row by row.
    """
    side = len(retina)
    offsets = np.arange(RF) - RF // 2
    out = []
    for i in range(side):
        for j in range(side):
            out.append(retina[np.ix_((i + offsets) % side, (j + offsets) % side)].ravel())
    return np.array(out)


def _position_names(side: int) -> list[str]:
    return [f"{i}_{j}" for i in range(side) for j in range(side)]


def _checked(settings) -> tuple[int, str, str]:
    side = settings["retina"]
    if isinstance(side, bool) or not isinstance(side, int) or side not in RETINA_SIDES:
        raise ConfigError("settings.retina", f"{side!r}",
                          f"a whole number {RETINA_SIDES.start}..{RETINA_SIDES.stop - 1}")
    for key, allowed in (("output_weights", OUTPUT_WEIGHTS), ("positions", POSITIONS)):
        if settings[key] not in allowed:
            raise ConfigError(f"settings.{key}", f"{settings[key]!r}", ", ".join(allowed))
    return side, settings["output_weights"], settings["positions"]


def patterns(side: int, positions: str) -> Patterns:
    """Every letter in every orientation, at one place (top-left square at 1, 1) or at
    every place; each position's input group holds its patch and an always-on unit."""
    places = [(1, 1)] if positions == "one" else [(i, j) for i in range(side)
                                                   for j in range(side)]
    inputs, targets, labels = [], [], []
    for name in LETTERS:
        for angle in ORIENTATIONS:
            for at in places:
                p = patches(place(letter(name, angle), side, at))
                inputs.append(np.hstack([p, np.ones((len(p), 1))]))
                targets.append([TARGET[name]])
                labels.append(f"{name}{angle}" + ("" if positions == "one" else
                                                  f"@{at[0]}_{at[1]}"))
    stacked = np.array(inputs)  # (cases, positions, 10)
    groups = {f"patch_{pos}": stacked[:, k, :]
              for k, pos in enumerate(_position_names(side))}
    return Patterns(groups, np.array(targets), tuple(labels))


def network(side: int, output_weights: str) -> NetworkSpec:
    """A patch group and a one-unit hidden group per position, the patch-to-hidden
    weights tied (``rf``: 9 squares and the shared bias), and every hidden unit to the
    output, tied (``out``) or each its own."""
    names = _position_names(side)
    projections = [Projection(f"patch_{p}", f"h_{p}", "rf") for p in names]
    projections += [Projection(f"h_{p}", "output",
                               "out" if output_weights == "tied" else "")
                    for p in names]
    groups = {**{f"patch_{p}": RF * RF + 1 for p in names},
              **{f"h_{p}": 1 for p in names}, "output": 1}
    return NetworkSpec(groups=groups, inputs=tuple(f"patch_{p}" for p in names),
                       output="output", projections=tuple(projections),
                       bias_groups=("output",))


def build(settings) -> tuple[NetworkSpec, Patterns]:
    side, output_weights, positions = _checked(settings)
    return network(side, output_weights), patterns(side, positions)


def receptive_field(rf: np.ndarray) -> np.ndarray:
    """The 3x3 weights of shared weight arrays ``rf``: (K, 1, 10) -> (K, 3, 3)."""
    return rf[:, 0, :RF * RF].reshape(-1, RF, RF)


def kind_of(fields: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Each receptive field's kind (one of :data:`KINDS`) and its best match.

    Parameters
    ----------
    fields : (K, 3, 3) weights.

    Returns
    -------
    kinds, and (K,) the largest |cosine| with any template.
    """
    flat = fields.reshape(len(fields), -1)
    norms = np.linalg.norm(flat, axis=1)
    best = np.zeros(len(fields))
    kinds = ["other"] * len(fields)
    for kind, templates in TEMPLATES.items():
        for t in templates:
            t = t.ravel() / np.linalg.norm(t)
            cos = np.abs(flat @ t) / np.where(norms > 0, norms, 1.0)
            for k in np.flatnonzero(cos > best):
                best[k] = cos[k]
                kinds[k] = kind if cos[k] >= MATCH else "other"
    return kinds, best


def stimuli_table() -> pd.DataFrame:
    """Every letter in every orientation, one row per square of its block."""
    rows = []
    for name in LETTERS:
        for angle in ORIENTATIONS:
            for (r, c), v in np.ndenumerate(letter(name, angle)):
                rows.append({"letter": name, "angle": angle, "row": r, "col": c,
                             "value": v})
    return pd.DataFrame(rows)


def templates_table() -> pd.DataFrame:
    """The first template of every kind of Fig. 15, one row per weight."""
    return pd.DataFrame([{"kind": kind, "row": r, "col": c, "value": v}
                         for kind, templates in TEMPLATES.items()
                         for (r, c), v in np.ndenumerate(templates[0])])


FIGURE_TABLES = FigureTables(
    columns={"t_c_stimuli": (["letter", "angle", "row", "col", "value"],
                             "T-C: the squares of each letter in each orientation (PDP "
                             "Fig. 13); written when the task ran"),
             "t_c_templates": (["kind", "row", "col", "value"],
                               "T-C: the receptive field of each kind as PDP Fig. 15 "
                               "describes it (the templates of the kinds); written when "
                               "the task ran")},
    of_task=lambda: {"t_c_stimuli": stimuli_table(), "t_c_templates": templates_table()},
    of_run=lambda label, files, example: {},
)



def score(settings, spec, pats, records) -> pd.DataFrame:
    """Per network: the cases it gets right, how it ended, and the kind of its receptive
    field (Fig. 15)."""
    fields = receptive_field(records.final["rf"])
    kinds, match = kind_of(fields)
    rows: dict[str, object] = {
        "n_right": cases_right(spec, pats, records),
        "outcome": outcomes(records),
        "rf_kind": kinds,
        "rf_match": match,
        "rf_bias": records.final["rf"][:, 0, RF * RF],
    }
    for i in range(RF):
        for j in range(RF):
            rows[f"rf_{i}{j}"] = fields[:, i, j]
    return pd.DataFrame(rows)


BUDGET = 6_000

DEFAULTS = {
    "eps": Setting(0.01, "not printed for T-C (PAPER_FACTS B.7)", "UNCONFIRMED",
                   "the chapter's 0.5 (p. 331), summed over 288 cases, saturates the output "
                   "at the first change (an ablation)"),
    "alpha": Setting(0.9, "PDP ch. 8 p. 330 (alpha about 0.9 in most simulations)", "S"),
    "budget": Setting(BUDGET, "no budget printed (PAPER_FACTS B.7)", "UNCONFIRMED",
                      "about twice the sweeps the nets that learn take"),
    "retina": Setting(6, "PDP Fig. 14 draws a retina; its size is not printed (PAPER_FACTS "
                      "B.7)", "UNCONFIRMED",
                      "a torus of this side; at 5 or more Fig. 15's detector counts hold"),
    "positions": Setting("all", "not printed (PAPER_FACTS B.7)", "UNCONFIRMED",
                         "all: every pattern at every place; one: at one place"),
    "output_weights": Setting("free", "not printed (PAPER_FACTS B.7)", "UNCONFIRMED",
                              "free: a weight from each hidden unit; tied: one from all "
                              "(the output then counts active detectors, as Fig. 15's "
                              "caption argues)"),
}

SCORE_COLUMNS = {
    "n_right": "cases whose output is on the right side of 0.5 (of 8, or of 8 x positions)",
    "outcome": OUTCOME_COLUMN,
    "rf_kind": "the learned receptive field's kind, PDP Fig. 15: on_centre (A), bar (B, "
               "vertical or horizontal), diagonal (C), compactness (D), or other; the kind "
               f"of the template (either sign) whose cosine with the 9 weights is largest, "
               f"when it is at least {MATCH:g}",
    "rf_match": "that largest |cosine| (0-1)",
    "rf_bias": "the receptive field's shared bias (the weight from the always-on unit)",
    **{f"rf_{i}{j}": f"the receptive field's weight on row {i}, column {j} of its patch "
       "(0-based, top left first)" for i in range(RF) for j in range(RF)},
}

TASK = Task(
    name="t_c",
    title="T-C",
    source="PDP ch. 8, Figs 13-15",
    default_variant="tied",
    score_columns=SCORE_COLUMNS,
    figure_tables=FIGURE_TABLES,
    variants={
        "tied": Variant("tied", "a retina of 3x3 patches, one hidden unit each with weights "
                        "tied across positions, one output (PDP Figs 13-14)", DEFAULTS,
                        build, score),
    },
)
