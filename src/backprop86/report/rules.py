"""The verdict rules: a small closed set, each turning a measured :class:`.values.Value`
and the paper's value into one of four verdicts, with a sentence saying why.

Every rule's parameters come from its ledger row and are printed in the report beside
the verdict (:func:`describe`), so that each verdict can be checked by hand.

A value that is missing (a run not trained in this configuration, no network in the
subset) gives ``not comparable`` whatever the rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .values import Value, number, percent, share_text

REPRODUCED, PARTLY, NOT_REPRODUCED, NOT_COMPARABLE = (
    "reproduced", "partly", "not reproduced", "not comparable")
VERDICTS = (REPRODUCED, PARTLY, NOT_REPRODUCED, NOT_COMPARABLE)  # best first


@dataclass(frozen=True)
class Verdict:
    """A verdict and the sentence that justifies it from the numbers.

    ``closeness`` orders verdicts of equal rank when a claim is measured under several
    criteria: the smaller, the closer ours is to the paper.
    """

    verdict: str
    reason: str
    closeness: float = 0.0

    @property
    def rank(self) -> int:
        return VERDICTS.index(self.verdict)


@dataclass(frozen=True)
class Rule:
    """A verdict rule: its parameters (name to kind), the statistics it judges, what it
    says in words and how it decides."""

    name: str
    params: Mapping[str, str]
    statistics: tuple[str, ...]
    needs_paper_value: bool
    words: Callable[[Mapping[str, Any]], str]
    decide: Callable[[Value, Mapping[str, Any], Any], Verdict]


def _band(p: float, band) -> bool:
    return band[0] <= p <= band[1]


def _percentile(v: Value, params, paper) -> Verdict:
    p = v.value
    where = f"the paper's value lies at percentile {percent(p)} of our {v.n} runs"
    closeness = abs(p - 0.5)
    if _band(p, params["typical"]):
        return Verdict(REPRODUCED, where, closeness)
    if _band(p, params["plausible"]):
        return Verdict(PARTLY, where, closeness)
    return Verdict(NOT_REPRODUCED, where, closeness)


def _within_interval(v: Value, params, paper) -> Verdict:
    ours = f"ours {number(v.value)} [{number(v.low)}, {number(v.high)}]"
    factor = params["factor"]
    if v.low <= paper <= v.high:
        return Verdict(REPRODUCED, f"the paper's {number(paper)} lies in {ours}")
    ratio = v.value / paper
    closeness = abs(math.log(ratio)) if ratio > 0 else math.inf
    if 1 / factor <= ratio <= factor:
        return Verdict(PARTLY, f"the paper's {number(paper)} is outside {ours}, but "
                       f"within a factor {number(factor)}", closeness)
    return Verdict(NOT_REPRODUCED, f"the paper's {number(paper)} is outside {ours}, by more "
                   f"than a factor {number(factor)}", closeness)


def _share_at_least(v: Value, params, paper) -> Verdict:
    ours = share_text(v.value, v.low, v.high)
    if v.low >= params["min"]:
        return Verdict(REPRODUCED, f"{ours}: the interval is at or above "
                       f"{percent(params['min'])}", -v.value)
    if v.value >= params["partly_min"]:
        return Verdict(PARTLY, f"{ours}: at least {percent(params['partly_min'])} but the "
                       f"interval reaches below {percent(params['min'])}", -v.value)
    return Verdict(NOT_REPRODUCED, f"{ours}: below {percent(params['partly_min'])}", -v.value)


def _share_in_range(v: Value, params, paper) -> Verdict:
    ours = share_text(v.value, v.low, v.high)
    low, high, factor = params["low"], params["high"], params["factor"]
    paper_range = f"[{percent(low)}, {percent(high)}]"
    closeness = max(low - v.high, v.low - high, 0.0)
    if v.low <= high and v.high >= low:
        return Verdict(REPRODUCED, f"{ours} overlaps the paper's {paper_range}", closeness)
    if v.low <= high * factor and v.high >= low / factor:
        return Verdict(PARTLY, f"{ours} misses the paper's {paper_range}, but not by more "
                       f"than a factor {number(factor)}", closeness)
    return Verdict(NOT_REPRODUCED, f"{ours} misses the paper's {paper_range} by more than a "
                   f"factor {number(factor)}", closeness)


def _shares_ordered(v: Value, params, paper) -> Verdict:
    ref: Value = v.extra["reference"]
    if not ref.ok:
        return Verdict(NOT_COMPARABLE, f"reference: {ref.missing}")
    if ref.n == 0:
        return Verdict(NOT_COMPARABLE, "no network in the reference run")
    if v.count == 0 and ref.count == 0:
        return Verdict(NOT_COMPARABLE, "no network met the condition here nor in "
                       f"{v.extra['reference_run']}")
    less = params["order"] == "less"
    ours = (f"{share_text(v.value, v.low, v.high)} against "
            f"{share_text(ref.value, ref.low, ref.high)}")
    word = "lower" if less else "higher"
    separated = v.high < ref.low if less else v.low > ref.high
    ordered = v.value < ref.value if less else v.value > ref.value
    if separated:
        return Verdict(REPRODUCED, f"{ours} in {v.extra['reference_run']}: {word}, "
                       "intervals apart")
    if ordered:
        return Verdict(PARTLY, f"{ours} in {v.extra['reference_run']}: {word}, but the "
                       "intervals overlap")
    return Verdict(NOT_REPRODUCED, f"{ours} in {v.extra['reference_run']}: not {word}")


def _boolean(v: Value, params, paper) -> Verdict:
    if bool(v.value) == params["expected"]:
        return Verdict(REPRODUCED, f"{'true' if v.value else 'false'}, as the paper says")
    return Verdict(NOT_REPRODUCED, f"{'true' if v.value else 'false'}, unlike the paper")


def _within_tolerance(v: Value, params, paper) -> Verdict:
    deviation = max(abs(float(x) - paper) for x in v.value)
    says = f"largest difference from {number(paper)} is {number(deviation, 2)}"
    if deviation <= params["tol"]:
        return Verdict(REPRODUCED, f"{says}, within {number(params['tol'])}", deviation)
    if deviation <= params["partly_tol"]:
        return Verdict(PARTLY, f"{says}, within {number(params['partly_tol'])} only", deviation)
    return Verdict(NOT_REPRODUCED, f"{says}, beyond {number(params['partly_tol'])}", deviation)


def _not_comparable(v: Value, params, paper) -> Verdict:
    return Verdict(NOT_COMPARABLE, params["reason"])


SHARES = ("share",)
RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("percentile", {"typical": "interval", "plausible": "interval"}, ("percentile",),
         True,
         lambda p: ("reproduced if the paper's single run falls between percentiles "
                    f"{percent(p['typical'][0])} and {percent(p['typical'][1])} of our runs "
                    "(a typical run of ours), partly if between "
                    f"{percent(p['plausible'][0])} and {percent(p['plausible'][1])}, else "
                    "not reproduced; censored runs count as slower than the paper's"),
         _percentile),
    Rule("within_interval", {"factor": "factor"}, ("median", "mean"), True,
         lambda p: ("reproduced if the paper's value lies in our 95 % interval, partly if "
                    f"ours is within a factor {number(p['factor'])} of it, else not "
                    "reproduced"),
         _within_interval),
    Rule("share_at_least", {"min": "share", "partly_min": "share"}, SHARES, False,
         lambda p: (f"reproduced if our share's 95 % interval is at or above "
                    f"{percent(p['min'])}, partly if the share is at least "
                    f"{percent(p['partly_min'])}, else not reproduced"),
         _share_at_least),
    Rule("share_in_range", {"low": "share", "high": "share", "factor": "factor"}, SHARES,
         False,
         lambda p: (f"reproduced if our share's 95 % interval overlaps the paper's "
                    f"[{percent(p['low'])}, {percent(p['high'])}], partly if it overlaps that "
                    f"range widened by a factor {number(p['factor'])}, else not reproduced"),
         _share_in_range),
    Rule("shares_ordered", {"order": "order"}, SHARES, False,
         lambda p: (f"reproduced if our share is {'lower' if p['order'] == 'less' else 'higher'}"
                    " than in the reference run with 95 % intervals apart, partly if it is "
                    "but the intervals overlap, else not reproduced"),
         _shares_ordered),
    Rule("boolean", {"expected": "bool"}, ("all",), False,
         lambda p: f"reproduced if the measurement is {str(p['expected']).lower()}, else "
                   "not reproduced",
         _boolean),
    Rule("within_tolerance", {"tol": "positive", "partly_tol": "positive"}, ("values",), True,
         lambda p: (f"reproduced if every value is within {number(p['tol'])} of the paper's, "
                    f"partly if within {number(p['partly_tol'])}, else not reproduced"),
         _within_tolerance),
    Rule("not_comparable", {"reason": "text"}, ("share", "median", "mean", "percentile",
                                                "values", "all"), False,
         lambda p: "not comparable: " + p["reason"],
         _not_comparable),
)}


def describe(rule: str, params: Mapping[str, Any]) -> str:
    """The rule and its parameters in words, as printed beside each verdict."""
    return RULES[rule].words(params)


def judge(rule: str, params: Mapping[str, Any], value: Value, paper_value: Any) -> Verdict:
    """The verdict of ``rule`` on ``value``; ``not comparable`` when nothing was measured."""
    if not value.ok:
        return Verdict(NOT_COMPARABLE, value.missing, math.inf)
    if rule != "not_comparable" and value.n == 0:
        return Verdict(NOT_COMPARABLE, "no network to measure", math.inf)
    if value.lower_bound and rule != "not_comparable":
        return Verdict(NOT_COMPARABLE, "the paper's value is beyond our budget, so ours is "
                       "only a lower bound", math.inf)
    return RULES[rule].decide(value, params, paper_value)


def best(verdicts: list[Verdict]) -> int:
    """Index of the best verdict (by rank, then closeness, then order)."""
    return min(range(len(verdicts)), key=lambda i: (verdicts[i].rank, verdicts[i].closeness, i))
