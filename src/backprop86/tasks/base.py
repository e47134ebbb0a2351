"""What a task is: its variants, each with its network, patterns, paper defaults (every value
with its citation and confidence tag) and the scores that say what the hidden units learned.

Setting keys every variant understands (the training rule); a variant may add its own
(for example ``hidden`` or ``split``). See :data:`COMMON_SETTINGS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..core.network import NetworkSpec
from ..core.patterns import Patterns
from ..core.records import EnsembleRecords, RecordFile
from ..errors import ConfigError

# Confidence tags, as in PAPER_FACTS.md.
CONFIDENCE = {
    "P-img": "read from a scan of the printed figure or table",
    "P-txt": "printed text, transcribed by third parties",
    "S": "secondary summary of the paper",
    "D": "derived here from printed values",
    "UNCONFIRMED": "not stated by the papers: an assumption of this reproduction, ablated",
}


@dataclass(frozen=True)
class Setting:
    """A default value with where it comes from.

    ``source`` cites the figure, table, equation or page; ``confidence`` is one of
    :data:`CONFIDENCE`; ``note`` says why, where the value is an assumption.
    """

    value: Any
    source: str
    confidence: str
    note: str = ""

    def __post_init__(self):
        if self.confidence not in CONFIDENCE:
            raise ValueError(f"confidence {self.confidence!r} not in {sorted(CONFIDENCE)}")


# The papers' rule; tasks override values and cite their own figure where they can.
COMMON_SETTINGS: dict[str, Setting] = {
    "eps": Setting(0.5, "PDP ch. 8 p. 331 (XOR, parity runs)", "S"),
    "alpha": Setting(0.9, "PDP ch. 8 p. 330: 'in most of our simulations alpha was about 0.9'",
                     "S"),
    "schedule": Setting(None, "Nature eq. 9 (one eps, alpha throughout)", "P-txt",
                        "null, or [[start_sweep, eps, alpha], ...] overriding eps and alpha"),
    "weight_decay": Setting(0.0, "Nature eqs 8-9 (no decay except in Fig. 4)", "P-txt"),
    "decay_start": Setting(0, "Nature Fig. 4 caption (decay after each weight change)", "P-txt"),
    "mode": Setting("batch", "Nature p. 535: accumulate dE/dw over all cases, then change",
                    "P-txt"),
    "pattern_order": Setting("fixed", "only used in pattern mode (an ablation)", "UNCONFIRMED"),
    "reduction": Setting("sum", "Nature eq. 3: E is a sum over cases and outputs", "P-txt"),
    "margin": Setting(None, "Nature eq. 3 (no margin except in Fig. 4)", "P-txt"),
    "margin_mode": Setting("to_bound", "Nature Fig. 4 caption; PAPER_FACTS A.2 reading",
                           "UNCONFIRMED"),
    "init_range": Setting(0.3, "Nature Fig. 1 caption: uniform between -0.3 and 0.3", "P-txt"),
    "input_coding": Setting("binary", "Nature Fig. 1 / PDP tables: inputs are 0 or 1", "P-img",
                            "binary (0/1) or bipolar (-1/+1, an ablation)"),
    "budget": Setting(10_000, "papers give no budget; generous so slow runs are not cut",
                      "UNCONFIRMED"),
    "stop": Setting("within_0.1", "papers give no criterion (PAPER_FACTS E.3-4)", "UNCONFIRMED",
                    "the strictest monitored criterion, so every criterion is answered"),
    "monitor": Setting(["correct_side", "within_0.4", "within_0.2", "within_0.1"],
                       "papers give no criterion: all common ones are recorded", "UNCONFIRMED"),
}


@dataclass(frozen=True)
class Mark:
    """A value a paper prints, to mark on a figure of the learned nets: ``quantity`` (a
    column of the runs table, or ``sweeps``), its value, a label for the legend, where it
    is printed and its confidence tag."""

    quantity: str
    value: float
    label: str
    source: str
    confidence: str


@dataclass(frozen=True)
class PrintedNet:
    """A net whose weights a paper prints.

    ``name`` identifies it in the claims ledger (``pdp-fig3``); ``variant`` is the
    task's variant it is an instance of; ``weights`` are single networks (a leading axis
    of length 1), in this package's parameter names. ``shown``: drawn beside the learned
    nets in the task's figures.
    """

    name: str
    task: str
    variant: str
    figure: str
    confidence: str
    weights: Mapping[str, list]
    shown: bool = False


@dataclass(frozen=True)
class PrintedCodes:
    """Hidden codes a paper prints for a variant: (cases, units) activities, cases in the
    variant's order."""

    figure: str
    codes: np.ndarray


@dataclass(frozen=True)
class FigureTables:
    """Figure-data tables of a task's own (beyond those of every task).

    Attributes
    ----------
    columns : table name to (its columns, what a row is).
    of_task : () -> tables written once when the task ran.
    of_run : (label, record files of the run, its example seed or None) -> tables of
        one run, read from its records.
    """

    columns: Mapping[str, tuple[list[str], str]]
    of_task: Callable[[], dict[str, pd.DataFrame]]
    of_run: Callable[[str, Sequence[RecordFile], int | None], dict[str, pd.DataFrame]]


@dataclass(frozen=True)
class Tally:
    """A number the report's search section gives for a task's runs, from the runs table:
    the share of networks that meet every one of ``conditions`` ((column, op, value),
    ...), or the ``mean`` or ``median`` of ``column``."""

    label: str
    conditions: tuple[tuple[str, str, Any], ...] = ()
    column: str = ""
    statistic: str = "share"


@dataclass(frozen=True)
class Tallies:
    """A table of :class:`Tally` for a task, in the report's search section ("What it
    takes to reproduce"), at the paper's settings and at every change chosen for one of
    the task's claims: its heading (after the task's title), a note and its columns."""

    title: str
    note: str
    columns: tuple[Tally, ...]


@dataclass(frozen=True)
class Variant:
    """One network of a task with its defaults.

    Parameters
    ----------
    name : short name used on the command line and in tables, e.g. ``"2-2-1"``.
    description : one sentence, with the paper's figure.
    defaults : setting name to :class:`Setting`; merged over :data:`COMMON_SETTINGS`.
    build : settings -> (network spec, patterns).
    score : (settings, spec, patterns, records) -> DataFrame with one row per network
        (same order as ``records.seeds``) of structure scores; no seed column needed.
    case_mask : (settings, seeds, task name) -> (K, P) bool training cases, or None when
        every network trains on every case.
    paper_sweeps : the sweeps (or presentations) to solution the paper reports for this
        network, as a :class:`Setting` with its citation; None when it reports none.
    marks : other values the papers print for this network, to mark on figures.
    printed_codes : hidden codes the papers print for this network.
    """

    name: str
    description: str
    defaults: dict[str, Setting]
    build: Callable[[dict], tuple[NetworkSpec, Patterns]]
    score: Callable[[dict, NetworkSpec, Patterns, EnsembleRecords], pd.DataFrame]
    case_mask: Callable[[dict, np.ndarray, str], np.ndarray | None] | None = None
    paper_sweeps: Setting | None = None
    marks: tuple[Mark, ...] = ()
    printed_codes: tuple[PrintedCodes, ...] = ()

    def settings(self) -> dict[str, Setting]:
        return {**COMMON_SETTINGS, **self.defaults}


@dataclass(frozen=True)
class Task:
    """A toy task of the papers: a name, a title with its source, and its variants.

    ``score_columns`` documents every column the variants' ``score`` functions add to the
    runs table (column name to meaning and unit). ``printed_nets`` are the nets whose
    weights the papers print; ``figure_tables`` the task's own figure-data tables;
    ``tallies`` what the report's search section tabulates for the task.
    """

    name: str
    title: str
    source: str
    variants: dict[str, Variant] = field(default_factory=dict)
    default_variant: str = ""
    score_columns: dict[str, str] = field(default_factory=dict)
    printed_nets: tuple[PrintedNet, ...] = ()
    figure_tables: FigureTables | None = None
    tallies: Tallies | None = None


def binary_patterns(n_bits: int) -> np.ndarray:
    """All 2^n binary vectors, (2^n, n), in counting order (first bit most significant)."""
    codes = np.arange(2 ** n_bits)
    return ((codes[:, None] >> np.arange(n_bits - 1, -1, -1)[None, :]) & 1).astype(float)


def hidden_units(settings, allowed: range) -> int:
    """The ``hidden`` setting of a layered variant, checked against ``allowed``."""
    value = settings["hidden"]
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise ConfigError("hidden", f"{value!r}",
                          f"a whole number of hidden units {allowed.start}..{allowed.stop - 1}")
    return value


# A run that has not met its criterion is "on a plateau" when its error changed by under
# this fraction over the last tenth of the run (at most 1000 sweeps).
PLATEAU_RELATIVE_CHANGE = 1e-3


def on_plateau(error_curve: np.ndarray) -> bool:
    """Whether a run's error has stopped moving: it changed by at most
    :data:`PLATEAU_RELATIVE_CHANGE` (relative) over the last tenth of the run, at most
    1000 sweeps."""
    window = max(1, min(1000, len(error_curve) // 10))
    if len(error_curve) <= window:
        return False
    before, after = error_curve[-window - 1], error_curve[-1]
    return abs(before - after) <= PLATEAU_RELATIVE_CHANGE * max(before, 1e-12)


# The runs-table column of :func:`outcomes`, for a task's ``score_columns``.
OUTCOME_COLUMN = ("solved (met the stop criterion), plateau (not solved and the error "
                  f"changed by under {PLATEAU_RELATIVE_CHANGE:g} relative over the last tenth "
                  "of the run, at most 1000 sweeps: stuck) or slow (still learning at the "
                  "budget)")


def cases_right(spec: NetworkSpec, patterns: Patterns, records: EnsembleRecords) -> np.ndarray:
    """(K,) how many cases each network gets right: every output on its target's side of
    0.5."""
    y = records.activity[spec.output]
    return ((y > 0.5) == (np.asarray(patterns.targets)[None] > 0.5)).all(axis=2).sum(axis=1)


def outcomes(records: EnsembleRecords) -> list[str]:
    """How each network's run ended: ``solved``, ``plateau`` (stuck: its error stopped
    moving, :func:`on_plateau`) or ``slow``."""
    return ["solved" if records.converged[i] else
            "plateau" if on_plateau(records.error_curve(i)) else "slow"
            for i in range(len(records))]


def unprinted_training(section: str, net: str, budget: int) -> dict[str, Setting]:
    """eps, alpha and budget for a net whose training the papers do not print: the
    chapter's rate for XOR and parity, and a budget long enough that a net still short of
    the criterion is stuck; ``section`` is the PAPER_FACTS section that says so."""
    return {
        "eps": Setting(0.5, "PDP ch. 8 p. 331: the chapter's rate for XOR and parity", "S",
                       f"not printed for {net} (PAPER_FACTS {section}): assumed"),
        "alpha": Setting(0.9, "PDP ch. 8 p. 330 (alpha about 0.9 in most simulations)", "S"),
        "budget": Setting(budget, f"no budget printed (PAPER_FACTS {section})", "UNCONFIRMED",
                          "long enough that a net still short of within_0.1 is stuck"),
    }


def no_scores(settings, spec, patterns, records) -> pd.DataFrame:
    return pd.DataFrame(index=range(len(records)))
