"""The report's section "What it takes to reproduce": for every claim of the ledger that
the grids measure and that misses at the paper's settings, the smallest change of the
grids that reproduces it; the diagnosis of family trees; the claims no tried change
recovers.

Written as its own Markdown file (``results/report/what_it_takes.md``) from the grid
tables (``results/tables/grids/NAME/``), the claims ledger and, when the config has one,
the diagnosis table and figure. Every number is measured here with the report's own
measures and verdict rules (:mod:`.measure`, :mod:`.rules`) on the grids' networks.

The search. A claim is searched in the grids of its task and variant (the variant its
ledger run trains; claims on printed nets, on ablation runs or comparing two runs are not
searched), separately for each set of base settings the grids share (the conditions of
the search: none, i.e. the paper's settings, or for example a random held-out split). Its
result *as printed* is its verdict at the point that moves nothing from the base. A point
reproduces the claim when its headline verdict (the best over the criteria the ledger
measures) is ``reproduced``. Among those, the smallest change is the one that moves the
fewest settings from the base, then the nearest to the printed values (:func:`distance`),
then the first in config order. The pipeline's ``what_it_takes`` rule writes it with
``backprop86 what-it-takes``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..figures.diagnosis import read_diagnosis
from ..plan.grids import Grid, GridPoint, moved_text
from ..tables.grids import read_grid_runs
from ..tasks import TASKS
from ..tasks.base import Task
from .assess import Entry
from .ledger import Claim, Condition, load_ledger
from .markdown import relative, table
from .measure import Tables, measure, runs_location, runs_share
from .rules import REPRODUCED, best, judge
from .values import number

TITLE = "What it takes to reproduce"
PAPER_BASE = "paper's settings"
MARK = {"reproduced": "reproduced", "partly": "partly", "not reproduced": "**not reproduced**",
        "not comparable": "not comparable"}


# ---- measuring a claim at a grid point --------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """A claim measured at one grid point: every criterion's entry and the headline."""

    grid: Grid
    point: GridPoint
    entries: tuple[Entry, ...]
    headline: int
    distance: float

    @property
    def main(self) -> Entry:
        return self.entries[self.headline]

    @property
    def verdict(self) -> str:
        return self.main.verdict.verdict

    @property
    def change(self) -> str:
        return moved_text(self.point) or "none (the base)"

    def value_text(self) -> str:
        entry, text = self.main, self.main.value.text()
        label = entry.value.label
        return f"{text} (under {label})" if len(self.entries) > 1 and label else text


def grid_tables(folder: Path) -> Tables:
    """A grid's tables, as the report reads the pipeline's (no printed nets)."""
    return Tables(runs=read_grid_runs(folder / "runs.csv"),
                  summary=pd.read_csv(folder / "summary.csv"),
                  structure=pd.read_csv(folder / "structure.csv"),
                  paper_weights=pd.DataFrame(columns=["net", "case"]))


def assess_at(claim: Claim, grid: Grid, point: GridPoint, tables: Tables) -> Outcome:
    """The claim's entries at a point, and how far the point moves from the base."""
    run = f"{point.run.task}/{point.run.label}"
    values = measure(tables, claim.measure, claim.paper_value, run=run)
    entries = tuple(Entry(v, judge(claim.rule, claim.params, v, claim.paper_value))
                    for v in values)
    far = sum(distance(point.values[k], _start(grid, k)) for k in point.moved)
    return Outcome(grid, point, entries, best([e.verdict for e in entries]), far)


def _start(grid: Grid, key: str):
    """A setting's value at the grid's base."""
    if key in grid.base:
        return grid.base[key]
    return TASKS[grid.task].variants[grid.variant].settings()[key].value


def distance(value: Any, printed: Any) -> float:
    """How far a setting moves from its printed value, 0 to 1: for numbers
    ``|v - v0| / max(|v|, |v0|)`` (0.002 -> 0.001 is 0.5, -> 0 is 1); for lists of numbers
    (a schedule) the largest over their entries; 1 for any other change."""
    if _is_number(value) and _is_number(printed):
        scale = max(abs(value), abs(printed))
        return 0.0 if scale == 0 else abs(value - printed) / scale
    if isinstance(value, (list, tuple)) and isinstance(printed, (list, tuple)) \
            and len(value) == len(printed):
        return max((distance(a, b) for a, b in zip(value, printed)), default=0.0)
    return 0.0 if value == printed else 1.0


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


# ---- the search ------------------------------------------------------------------------

@dataclass(frozen=True)
class Search:
    """One claim under one base: as printed, the smallest change that reproduces it (None
    if no point does), the best tried otherwise, and how many points were tried."""

    claim: Claim
    under: str
    printed: Outcome
    smallest: Outcome | None
    best_tried: Outcome
    tried: int


def claim_variant(claim: Claim) -> str | None:
    """The variant a claim's ledger run trains at the paper's settings, or None when the
    claim cannot be searched (see :func:`why_not_searched`)."""
    return None if why_not_searched(claim) else claim.measure.run.split("/", 1)[1]


def why_not_searched(claim: Claim) -> str:
    """Why a claim is not searched in the grids, or "" when it is."""
    m = claim.measure
    if claim.rule == "not_comparable":
        return "not comparable by the ledger: " + " ".join(str(claim.params["reason"]).split())
    if m.table == "paper_weights" or not m.run:
        return "measured on a printed net: no training setting to change"
    if m.reference_run:
        return f"compares two runs ({m.run} against {m.reference_run})"
    task, label = m.run.split("/", 1)
    if label not in TASKS[task].variants:
        return f"measured on the ablation run {m.run}, not at the paper's settings"
    return ""


# Settings that change the network itself rather than how it is trained. A claim is about
# the printed network (4-bit parity with 4 hidden units), so a point that moves one of these
# is not a way to reproduce it; its results stay in the grid tables.
NETWORK_SETTINGS = ("hidden",)


def search(claim: Claim, under: str, outcomes: Sequence[Outcome]) -> Search | None:
    """The claim's search over its outcomes at every point of grids sharing the base
    ``under`` (None without a base point, where its printed result would come from).
    Points that move a setting of :data:`NETWORK_SETTINGS` are left out."""
    outcomes = [o for o in outcomes if not set(o.point.moved) & set(NETWORK_SETTINGS)]
    printed = next((o for o in outcomes if not o.point.moved), None)
    if printed is None:
        return None
    order = {id(o): i for i, o in enumerate(outcomes)}
    hits = [o for o in outcomes if o.verdict == REPRODUCED]
    smallest = min(hits, key=lambda o: (len(o.point.moved), o.distance, order[id(o)]),
                   default=None)
    best_tried = min(outcomes, key=lambda o: (o.main.verdict.rank, o.main.verdict.closeness,
                                              len(o.point.moved), o.distance, order[id(o)]))
    return Search(claim, under, printed, smallest, best_tried, len(outcomes))


def search_all(ledger, grids: Sequence[Grid], tables: Mapping[str, Tables]):
    """Every claim of the ledger: its search, or why it was not searched.

    Returns
    -------
    searches : list of :class:`Search`, in ledger order, then base order.
    skipped : list of (claim, reason).
    """
    searches, skipped = [], []
    for claim in ledger.claims:
        variant = claim_variant(claim)
        if variant is None:
            skipped.append((claim, why_not_searched(claim)))
            continue
        matching = [g for g in grids if g.task == claim.task and g.variant == variant]
        if not matching:
            skipped.append((claim, f"no grid of {claim.task} {variant} in this configuration"))
            continue
        bases = list(dict.fromkeys(g.base_text() for g in matching))
        for under in bases:
            outcomes, seen = [], set()
            for g in (g for g in matching if g.base_text() == under):
                for p in g.points:
                    if p.run.label not in seen:
                        seen.add(p.run.label)
                        outcomes.append(assess_at(claim, g, p, tables[g.name]))
            found = search(claim, under, outcomes)
            if found is None:
                skipped.append((claim, "no grid point at the base "
                                f"({under or PAPER_BASE})"))
            else:
                searches.append(found)
    return searches, skipped


# ---- writing ---------------------------------------------------------------------------

def _seeds(o: Outcome) -> str:
    return f"{len(o.point.run.seeds):,}"


def _with_it(s: Search) -> tuple[str, str, str, str]:
    """(change, value, verdict, seeds) of the smallest change, or of the best tried."""
    if s.smallest is not None:
        o = s.smallest
        return o.change, o.value_text(), MARK[o.verdict], _seeds(o)
    o = s.best_tried
    nearest = f"nearest: {o.change}" if o.point.moved else "nearest: the base itself"
    return (f"none of {s.tried} points tried reproduces it; {nearest}",
            o.value_text(), MARK[o.verdict], _seeds(o))


def summary_table(missed: Sequence[Search]) -> list[str]:
    rows = []
    for s in missed:
        change, value, verdict, seeds = _with_it(s)
        rows.append([f"{s.claim.id}", s.claim.quantity, s.under or PAPER_BASE,
                     s.printed.value_text(), MARK[s.printed.verdict], change, value,
                     verdict, seeds])
    return table(["claim", "quantity", "base", "as printed (95 % interval, n)", "verdict",
                  "smallest change", "with it (95 % interval, n)", "verdict", "seeds"], rows)


# A claim about what a code separates, whose measure ignores the code's size.
SCALE_FREE = {"_separation": "person_code_range"}


def scale_cautions(missed: Sequence[Search], tables: Mapping[str, Tables]) -> list[str]:
    """A note for every claim whose measure ignores scale (a correlation ratio) when its
    smallest change leaves the code no larger than at the base, where the claim fails."""
    lines = []
    for s in missed:
        if s.smallest is None:
            continue
        columns = [c.column for c in s.claim.measure.where]
        size = next((col for suffix, col in SCALE_FREE.items()
                     if any(c.endswith(suffix) for c in columns)), None)
        if size is None:
            continue
        values = []
        for o in (s.printed, s.smallest):
            run = f"{o.point.run.task}/{o.point.run.label}"
            values.append(runs_location(tables[o.grid.name], run, size, "median"))
        if all(v.ok for v in values) and values[1].value <= values[0].value:
            lines.append(
                f"* **{s.claim.id}**: with {s.smallest.change}, the median {size} is "
                f"{values[1].text()}, no more than at the base ({values[0].text()}), "
                f"where the claim is {s.printed.verdict}: the measure (eta^2) ignores "
                "scale, so the claim holds here for a code no larger than one that "
                "fails it.")
    return (["Caution:", ""] + lines + [""]) if lines else []


def unrecovered(missed: Sequence[Search]) -> list[str]:
    lines = []
    for s in missed:
        if s.smallest is None:
            under = f", base {s.under}" if s.under else ""
            best_tried = s.best_tried
            nearest = (f"The nearest, {best_tried.change}, gives" if best_tried.point.moved
                       else "The nearest is the base itself:")
            lines.append(f"* **{s.claim.id}** ({s.claim.quantity}): no change tried "
                         f"recovers it ({s.tried} grid points of {s.claim.task}{under}). "
                         f"{nearest} {best_tried.value_text()}: {best_tried.verdict}.")
    return lines or ["Every missed claim that the grids measure is recovered by some "
                     "change tried."]


def grid_table(grid: Grid, searches: Sequence[Search], tables: Tables) -> list[str]:
    """Every point of a grid against every searched claim of its task and variant."""
    claims = list({s.claim.id: s.claim for s in searches
                   if s.claim.task == grid.task
                   and claim_variant(s.claim) == grid.variant}.values())
    if not claims:
        return []
    rows = []
    for p in grid.points:
        cells = [moved_text(p) or "none (the base)", f"{len(p.run.seeds):,}"]
        for c in claims:
            o = assess_at(c, grid, p, tables)
            cells.append(_short(o))
        rows.append(cells)
    return table(["settings moved", "seeds", *[c.id for c in claims]], rows)


def _short(o: Outcome) -> str:
    v = o.main.value
    if not v.ok:
        return "n/a"
    if v.statistic in ("share", "percentile"):
        text = f"{100 * v.value:.0f} %"
    else:
        text = number(v.value)
    return text + (" ✓" if o.verdict == REPRODUCED else "")


# ---- a task's tallies at the chosen points ---------------------------------------------------

def tallies_table(task: Task, searches: Sequence[Search],
                  tables: Mapping[str, Tables]) -> list[str]:
    """The task's :class:`~backprop86.tasks.base.Tallies` at the paper's settings and at
    every change chosen for one of its claims; empty when none was searched."""
    chosen: dict[str, Outcome] = {}
    for s in searches:
        if s.claim.task == task.name:
            for o in (s.printed, s.smallest or s.best_tried):
                chosen.setdefault(o.point.run.label, o)
    if not chosen:
        return []
    columns = task.tallies.columns
    rows = []
    for o in chosen.values():
        t, run = tables[o.grid.name], f"{o.point.run.task}/{o.point.run.label}"
        cells = [o.grid.base_text() or PAPER_BASE, o.change, _seeds(o)]
        for c in columns:
            if c.statistic == "share":
                where = tuple(Condition(*condition) for condition in c.conditions)
                cells.append(runs_share(t, run, where).text())
            else:
                cells.append(runs_location(t, run, c.column, c.statistic).text())
        rows.append(cells)
    header = ["base", "settings moved", "seeds", *[c.label for c in columns]]
    return [task.tallies.note, ""] + table(header, rows)


# ---- the diagnosis -------------------------------------------------------------------------

def _at(d: pd.DataFrame, arm: str, quantity: str, layer: str, param: str, sweep: int):
    rows = d[(d["arm"] == arm) & (d["quantity"] == quantity) & (d["layer"] == layer)
             & (d["param"] == param) & (d["sweep"] == sweep)]
    return float(rows["median"].iloc[0]) if len(rows) else math.nan


def diagnosis_table(d: pd.DataFrame) -> list[str]:
    """Per arm and layer, from the first to the last recorded sweep: |w|, |dE/dw|, the
    activity spread, and where the decay is on the size at which it balances the
    gradient (medians over the networks)."""
    layers = list(dict.fromkeys(d.loc[(d["param"] == "all"), "layer"]))
    rows = []
    for arm in dict.fromkeys(d["arm"]):
        sweeps = sorted(d.loc[d["arm"] == arm, "sweep"].unique())
        first, last = int(sweeps[0]), int(sweeps[-1])
        for layer in layers:
            def q(name, sweep, param="all"):
                return _at(d, arm, name, layer, param, sweep)
            rows.append([arm, layer,
                         f"{number(q('weight_norm', first))} -> {number(q('weight_norm', last))}",
                         f"{number(q('grad_norm', first))} -> {number(q('grad_norm', last))}",
                         f"{number(q('activity_sd', first, ''))} -> "
                         f"{number(q('activity_sd', last, ''))}",
                         number(q("balance_norm", last)),
                         f"{first:,} -> {last:,}"])
    return table(["arm", "layer", "|w|", "|dE/dw|", "activity sd over cases",
                  "|w| at which decay balances gradient (last sweep)", "sweeps"], rows)


# A layer's weights count as at the balance of decay and gradient within this fraction.
BALANCE_TOLERANCE = 0.05


def _factor(a: float, b: float) -> str:
    """``a`` against ``b`` in words: "12.3 times smaller", "2.1 times larger"."""
    if not (a > 0 and b > 0):
        return "not comparable"
    return (f"{number(b / a)} times smaller" if a < b else f"{number(a / b)} times larger")


def _balance(d, arm: str, layers, sweep: int) -> dict[str, list[str]]:
    """Layers by where their weights stand against the decay-gradient balance."""
    out: dict[str, list[str]] = {"shrinking": [], "at balance": [], "growing": []}
    for layer in layers:
        w = _at(d, arm, "weight_norm", layer, "all", sweep)
        b = _at(d, arm, "balance_norm", layer, "all", sweep)
        if abs(w - b) <= BALANCE_TOLERANCE * b:
            out["at balance"].append(layer)
        else:
            out["shrinking" if w > b else "growing"].append(layer)
    return out


def diagnosis_text(d: pd.DataFrame) -> list[str]:
    """What the table says, per arm, in sentences whose every number and direction is
    read from it (medians over the networks)."""
    layers = list(dict.fromkeys(d.loc[(d["param"] == "all"), "layer"]))
    if not layers:
        return []
    first_layer, output = layers[0], layers[-1]
    lines = []
    for arm in dict.fromkeys(d["arm"]):
        sweeps = sorted(d.loc[d["arm"] == arm, "sweep"].unique())
        first, last = int(sweeps[0]), int(sweeps[-1])

        def q(name, layer, sweep, param="all"):
            return _at(d, arm, name, layer, param, sweep)

        spread_in, spread_out = (q("activity_sd", first_layer, first, ""),
                                 q("activity_sd", output, first, ""))
        g_out, g_in = q("grad_norm", output, last), q("grad_norm", first_layer, last)
        stuck, on, off = (q(k, output, last, "") for k in
                          ("stuck_share", "output_on", "output_off"))
        decay = q("weight_decay", "", last, "")
        parts = [f"**{arm}.** At the initial weights the activity of the {first_layer} "
                 f"units varies over the training cases by a standard deviation of "
                 f"{number(spread_in)}, that of the {output} units by {number(spread_out)}, "
                 f"{_factor(spread_out, spread_in)}: that is how much of what the inputs "
                 "say reaches the outputs."]
        parts.append(f"By sweep {last:,} the units that should be on give {number(on)} "
                     f"and those that should be off {number(off)}; "
                     f"{100 * stuck:.0f} % of the should-be-on outputs sit below "
                     "0.25.")
        parts.append(f"The gradient norm is then {number(g_out)} at the {output} layer and "
                     f"{number(g_in)} at the {first_layer} layer "
                     f"({_factor(g_in, g_out)}).")
        w0, w1 = q("weight_norm", first_layer, first), q("weight_norm", first_layer, last)
        a0, a1 = q("activity_sd", output, first, ""), q("activity_sd", output, last, "")
        if decay > 0:
            where = _balance(d, arm, layers, last)
            words = {"shrinking": "above that size, so the decay shrinks them",
                     "at balance": f"within {100 * BALANCE_TOLERANCE:g} % of it, at balance",
                     "growing": "below it, so the gradient still grows them"}
            said = "; ".join(f"{', '.join(names)} {words[state]}"
                             for state, names in where.items() if names)
            parts.append(
                f"With the decay ({100 * decay:g} % per change), a layer's weights shrink "
                "whenever their norm exceeds eps |dE/dw| / ((1 - alpha) d), the size at "
                "which the decay balances the step a steady gradient builds with momentum. "
                f"At sweep {last:,} the layers' weight norms stand: {said}.")
        parts.append(f"The {first_layer} weights go from a norm of {number(w0)} to "
                     f"{number(w1)}, and the {output} units' activity spread from "
                     f"{number(a0)} to {number(a1)}.")
        lines += [" ".join(parts), ""]
    return lines


# ---- the section ---------------------------------------------------------------------------

def render(searches: Sequence[Search], skipped, grids: Sequence[Grid],
           tables: Mapping[str, Tables], diagnosis: pd.DataFrame | None,
           figure: str | None) -> str:
    missed = [s for s in searches if s.printed.verdict != REPRODUCED]
    held = [s for s in searches if s.printed.verdict == REPRODUCED]
    out = [f"# {TITLE}", "",
           "For every claim whose verdict at the paper's settings is not *reproduced*, the "
           "parameter grids of the configuration (config key `grids`, trained by "
           "`snakemake --cores all grids`) were searched for the change that reproduces it "
           "with the fewest settings moved from the paper's, the nearest to the printed "
           "values (for a number, |v - v0| / max(|v|, |v0|), summed over the settings "
           "moved), trained over the seeds shown. Values, 95 % intervals (Wilson for "
           "shares, bootstrap for medians and means) and verdicts are the report's "
           "measures and rules (`src/backprop86/data/claims.yaml`), computed from "
           "`results/tables/grids/`. The result as printed is the grid point at the "
           "base, with the grid's seeds: the paper's settings, unless the table names "
           "a base (the conditions a grid searches under, such as a random held-out "
           "split). \"Settings moved\" are counted from that base. Changes of the network "
           f"itself ({', '.join(f'`{s}`' for s in NETWORK_SETTINGS)}) are not candidates: "
           "a claim is about the printed network; their results are in the grid tables.",
           ""]
    out += ["## The missed claims", ""]
    out += summary_table(missed) if missed else ["No claim the grids measure misses at the "
                                                 "paper's settings.", ""]
    out += scale_cautions(missed, tables)
    out += ["## Claims no tried change recovers", ""] + unrecovered(missed) + [""]
    if held:
        out += ["## Reproduced at the paper's settings", "",
                ", ".join(f"{s.claim.id} ({s.printed.value_text()})" for s in held), ""]
    if skipped:
        out += ["## Not searched", ""]
        out += [f"* {c.id}: {reason}." for c, reason in skipped] + [""]
    for task in TASKS.values():
        tallies = tallies_table(task, searches, tables) if task.tallies else []
        if tallies:
            out += [f"## {task.title}: {task.tallies.title}", ""] + tallies
    if diagnosis is not None and not diagnosis.empty:
        task = diagnosis["task"].iloc[0]
        out += [f"## Where the learning signal dies ({TASKS[task].title.lower()})", ""]
        if figure:
            out += [f"![Per-layer diagnostics]({figure})", ""]
        out += ["Medians over the networks of each arm (config key `diagnosis`), from "
                f"`results/tables/diagnosis/{task}.csv`.", ""]
        out += diagnosis_text(diagnosis) + diagnosis_table(diagnosis)
    out += ["## Every grid point", ""]
    for g in grids:
        rows = grid_table(g, searches, tables[g.name])
        if rows:
            mode = "one setting at a time" if g.mode == "one_at_a_time" else "combinations"
            out += [f"### Grid `{g.name}`: {g.task} {g.variant}, {mode}", "",
                    "Headline value of each claim at each point; ✓ reproduced.", ""] + rows
    return "\n".join(out).rstrip() + "\n"


def what_it_takes(grids: Sequence[Grid], folder: Path, out: Path,
                  diagnosis_path: Path | None = None, figure_path: Path | None = None,
                  ledger_path: str | None = None) -> str:
    """The section's Markdown, from the tables of ``grids`` in ``folder`` (one subfolder
    per grid) and, if given, the diagnosis table and figure; links relative to ``out``."""
    tables = {g.name: grid_tables(folder / g.name) for g in grids}
    searches, skipped = search_all(load_ledger(ledger_path), grids, tables)
    diagnosis = None if diagnosis_path is None else read_diagnosis(diagnosis_path)
    figure = relative(str(figure_path), str(out.parent)) if figure_path else None
    return render(searches, skipped, grids, tables, diagnosis, figure)
