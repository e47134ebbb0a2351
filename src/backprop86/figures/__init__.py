"""The figures: one small module per figure family, each function taking tables (never
training objects) and returning a matplotlib figure.

:data:`FIGURES` names every figure with the function that draws it, the tables it reads
(in the order of the function's arguments: ``runs`` is the runs table
``results/tables/runs.csv``, every other name a figure-data table of
:mod:`backprop86.tables.figure_data`), the task it belongs to and its file name: the
pipeline writes figure ``name`` to ``figures/<task>/<file>.png`` and ``.pdf``. A figure
marked ``per_task`` is drawn for every task (its function takes ``task=``).
``backprop86 figure NAME`` draws one (:mod:`.render`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import (
    addition,
    encoder,
    family_trees,
    intermediate,
    learning,
    negation,
    parity,
    symmetry,
    t_c,
    xor,
    xor_and,
)
from .hinton import hinton

PAPER, BEYOND, LEARNING = "Paper figures", "Beyond the paper", "Learning across seeds"


@dataclass(frozen=True)
class Figure:
    """A figure: what draws it, from which tables, for which task (None with
    ``per_task``: every task), its file name and its section of the report."""

    draw: Callable
    tables: tuple[str, ...]
    task: str | None
    file: str
    section: str
    per_task: bool = False


FIGURES: dict[str, Figure] = {
    "error_curves": Figure(learning.error_curves,
                           ("variants", "error_curves", "example_curves"), None,
                           "error_curves", LEARNING, per_task=True),
    "sweeps_to_solution": Figure(learning.sweeps_to_solution,
                                 ("variants", "runs", "paper_marks"), None,
                                 "sweeps_to_solution", LEARNING, per_task=True),
    "xor_decision_surfaces": Figure(xor.decision_surfaces,
                                    ("variants", "runs", "examples", "decision_surface",
                                     "example_activity"), "xor", "decision_surfaces", PAPER),
    "xor_and_no_hidden": Figure(xor_and.no_hidden, ("variants", "runs"), "xor_and",
                                "no_hidden", PAPER),
    "addition_hidden_patterns": Figure(addition.hidden_patterns,
                                       ("variants", "examples", "example_activity",
                                        "paper_codes", "runs"), "addition",
                                       "hidden_patterns", PAPER),
    "parity_hidden_by_count": Figure(parity.hidden_by_count,
                                     ("variants", "runs", "examples", "example_activity"),
                                     "parity", "hidden_by_count", PAPER),
    "encoder_codes": Figure(encoder.codes, ("variants", "examples", "example_activity",
                                            "paper_codes"), "encoder", "codes", PAPER),
    "encoder_code_types": Figure(encoder.code_types, ("variants", "runs", "paper_marks"),
                                 "encoder", "code_types", BEYOND),
    "intermediate_singleton": Figure(intermediate.singleton,
                                     ("variants", "examples", "example_activity",
                                      "fig8_printed", "paper_codes", "runs"), "intermediate",
                                     "singleton", PAPER),
    "symmetry_net": Figure(symmetry.example_net, ("variants", "examples", "example_weights",
                                                  "paper_weights"), "symmetry", "net", PAPER),
    "symmetry_structure": Figure(symmetry.structure, ("variants", "runs", "paper_marks"),
                                 "symmetry", "structure", BEYOND),
    "family_person_weights": Figure(family_trees.person_weights,
                                    ("variants", "examples", "example_weights", "people"),
                                    "family_trees", "person_weights", PAPER),
    "family_colin_aunt": Figure(family_trees.colin_aunt,
                                ("variants", "examples", "example_activity", "people"),
                                "family_trees", "colin_aunt", PAPER),
    "family_person_similarity": Figure(family_trees.person_similarity,
                                       ("variants", "person_distances"), "family_trees",
                                       "person_similarity", BEYOND),
    "family_person_projection": Figure(family_trees.person_projection,
                                       ("variants", "person_projection"), "family_trees",
                                       "person_projection", BEYOND),
    "negation_three_xors": Figure(negation.three_xors,
                                  ("variants", "examples", "example_weights", "paper_weights",
                                   "runs"), "negation", "three_xors", PAPER),
    "t_c_receptive_fields": Figure(t_c.receptive_fields,
                                   ("variants", "t_c_stimuli", "t_c_templates", "runs"),
                                   "t_c", "receptive_fields", PAPER),
}


def figures_for(tasks) -> list[tuple[str, str]]:
    """(figure name, task) of every figure to draw when ``tasks`` have run: the per-task
    figures for each task, the others for their own task."""
    tasks = list(dict.fromkeys(tasks))
    jobs = []
    for name, figure in FIGURES.items():
        jobs += [(name, t) for t in tasks if figure.per_task or figure.task == t]
    return jobs


def figure_stem(name: str, task: str) -> str:
    """Where figure ``name`` of ``task`` goes, without suffix: ``figures/<task>/<file>``."""
    return f"figures/{task}/{FIGURES[name].file}"


__all__ = ["FIGURES", "Figure", "figure_stem", "figures_for", "hinton"]
