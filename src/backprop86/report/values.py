"""A measured value with its 95 % interval and sample size, and how the report writes it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Value:
    """One measurement of the tables.

    Attributes
    ----------
    statistic : how it was computed (``share``, ``median``, ``mean``, ``percentile``,
        ``values``, ``all``).
    value : a number, a bool (``all``) or a list of numbers (``values``); None when
        missing.
    low, high : its 95 % interval (NaN when it has none, e.g. a printed net).
    n : the networks (or cases) it is computed over.
    count : for a share, how many of the ``n`` satisfy the condition.
    lower_bound : the share counts networks that met a criterion by a sweep beyond the
        run's budget, so it is only a lower bound.
    missing : why there is no value (a run not trained in this config, no networks in
        the subset); empty when there is one.
    label : the criterion or reading it is under, empty if only one.
    unit : appended to numbers (``sweeps``) when written.
    extra : further numbers a rule or the report uses (e.g. the median beside a
        percentile, or the reference run's value).
    """

    statistic: str
    value: Any = None
    low: float = math.nan
    high: float = math.nan
    n: int = 0
    count: int | None = None
    lower_bound: bool = False
    missing: str = ""
    label: str = ""
    unit: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def has_interval(self) -> bool:
        return not (math.isnan(self.low) or math.isnan(self.high))

    def text(self) -> str:
        """The value, its interval and its sample, in one line."""
        if self.missing:
            return f"n/a ({self.missing})"
        if self.statistic == "percentile":
            x = self.extra
            body = (f"paper's value at percentile {share_text(self.value, self.low, self.high)}"
                    f" of {self.n} networks")
            if self.lower_bound:
                body += " (a lower bound: beyond our budget)"
            if not x["converged"]:
                return body + "; none met the criterion"
            return (body + f"; median {number(x['median'])} [{number(x['median_low'])}, "
                    f"{number(x['median_high'])}] sweeps ({x['converged']} met it)")
        if self.statistic == "share":
            body = share_text(self.value, self.low, self.high)
            if self.lower_bound:
                body = ">= " + body
            if self.count is not None:
                return f"{body} ({self.count} of {self.n})"
            return f"{body} (n = {self.n})"
        if self.statistic == "all":
            return f"{'yes' if self.value else 'no'} ({self.n} cases)"
        if self.statistic == "values":
            return ", ".join(number(v, 3) for v in self.value) + f" ({self.n} cases)"
        body = number(self.value) + (f" {self.unit}" if self.unit else "")
        if self.has_interval:
            body += f" [{number(self.low)}, {number(self.high)}]"
        return f"{body} (n = {self.n})"


def number(x: Any, digits: int = 3) -> str:
    """A number as the report prints it: integers with thousands separators, others with
    ``digits`` significant digits (at most 3 decimals for numbers below 1000)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, bool):
        return "yes" if x else "no"
    x = float(x)
    if x.is_integer() and abs(x) >= 1:
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def percent(x: float) -> str:
    """A share in per cent: one decimal, or two below 1 %, so that 0.2 % stays visible."""
    if x is None or math.isnan(x):
        return "n/a"
    p = 100 * x
    if p == 0 or p == 100:
        return f"{p:.0f} %"
    return f"{p:.2f} %" if p < 1 else f"{p:.1f} %"


def share_text(value: float, low: float, high: float) -> str:
    """``61.2 % [58.1, 64.2 %]``."""
    if value is None or math.isnan(value):
        return "n/a"
    if math.isnan(low) or math.isnan(high):
        return percent(value)
    return f"{percent(value)} [{percent(low)[:-2]}, {percent(high)}]"
