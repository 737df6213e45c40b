"""Derived statements ("45 days", "six weeks", "80 % larger") checked against the figures
they derive from. Pure functions, no I/O: callers pass the input figures in.

A derived claim is judged against the arithmetic in two ways:

* **readings**: the value computed from the shown figures, in each way a writer may
  reasonably have counted (a period of 22 April – 5 June is 45 days counted inclusively
  and 44 days as a difference; both are right). The statement is *consistent* when its
  interval (qualifier and rounding, as in ``consensus``) contains a reading.
* **range**: every value the input figures allow once their own qualifiers and rounding
  are taken into account ("about 16 million" is 14.7–17.3 million). A statement outside
  the readings but inside the range is *within the figures' uncertainty*; one outside
  the range is *inconsistent*: it cannot be true together with the figures, which makes
  it a conflict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from incidents.formatting import format_date
from incidents.provenance.consensus import Interval, count_interval, date_span

AVERAGE_MONTH_DAYS = Decimal("30.436875")  # 365.2425 / 12, the Gregorian average
INFINITY = Decimal("Infinity")


class Verdict(StrEnum):
    CONSISTENT = "consistent"
    WITHIN_UNCERTAINTY = "within_uncertainty"
    INCONSISTENT = "inconsistent"
    UNKNOWN = "unknown"  # an input figure is missing

    @property
    def label(self) -> str:
        return {
            "consistent": "consistent with the arithmetic",
            "within_uncertainty": "consistent only within the figures' uncertainty",
            "inconsistent": "inconsistent with the arithmetic",
            "unknown": "cannot be checked: an input figure is missing",
        }[self.value]


@dataclass(frozen=True)
class Input:
    """A shown figure a derived statement is checked against."""

    name: str  # role in the derivation: "start", "end", "numerator" …
    kind: str  # "count" or "date"
    value: Any
    detail: str  # qualifier for counts, precision for dates
    label: str = ""  # "Alibaba / Qwen campaign: exchanges"
    sources: tuple[Any, ...] = ()  # SourceRef-like records of the claims behind it


@dataclass(frozen=True)
class Reading:
    label: str  # "inclusive day count"
    value: Decimal
    formula: str  # "2026-04-22 → 2026-06-05, both days counted = 45"


@dataclass(frozen=True)
class Computation:
    readings: tuple[Reading, ...]  # empty when the inputs are too vague for a point value
    low: Decimal  # every value the inputs allow lies in [low, high]
    high: Decimal


@dataclass(frozen=True)
class DerivedCheck:
    claim: Any
    field: str
    stated: Interval
    verdict: Verdict
    computation: Computation | None
    reading: Reading | None  # the reading the statement matches, if any
    inputs: tuple[Input, ...]

    @property
    def consistent(self) -> bool:
        return self.verdict in {Verdict.CONSISTENT, Verdict.WITHIN_UNCERTAINTY}

    @property
    def explanation(self) -> str:
        if self.computation is None:
            return Verdict.UNKNOWN.label
        computed = "; ".join(r.formula for r in self.computation.readings) or (
            "no point value (imprecise inputs)"
        )
        allowed = f"{_fmt(self.computation.low)}–{_fmt(self.computation.high)}"
        stated = f"{_fmt(self.stated.low)}–{_fmt(self.stated.high)}"
        return (f"{computed}. The figures allow {allowed}; the statement covers {stated}: "
                f"{self.verdict.label}.")


def _fmt(value: Decimal) -> str:
    if value.is_infinite():
        return "∞"
    rounded = round(value, 2)
    text = f"{rounded:,.2f}".rstrip("0").rstrip(".")
    return text


# -- what each derived field needs -------------------------------------------------------

# Each input: (campaign slug, or None for the claim's own subject; figure field).
Requirements = dict[str, tuple[str | None, str]]


def requirements(field: str, value: Any) -> Requirements | None:
    """The figures ``field`` derives from, or ``None`` if it is not a derived field."""
    period: Requirements = {"start": (None, "start_date"), "end": (None, "end_date")}
    if field in {"duration_days", "duration_weeks", "duration_months"}:
        return period
    if field == "exchanges_ratio":
        other = value.get("of") if isinstance(value, dict) else None
        if not other:
            return None
        return {"numerator": (None, "exchanges"), "denominator": (other, "exchanges")}
    if field == "exchanges_per_account":
        return {"numerator": (None, "exchanges"), "denominator": (None, "accounts")}
    if field == "exchanges_per_day":
        return {"exchanges": (None, "exchanges"), **period}
    return None


def is_derived_field(field: str) -> bool:
    return field in DERIVATIONS


# -- the arithmetic ----------------------------------------------------------------------


def _day_counts(start: Input, end: Input) -> tuple[list[Reading], Decimal, Decimal]:
    """Readings and range of the length of a period, in days."""
    start_first, start_last = date_span(start.value, start.detail)
    end_first, end_last = date_span(end.value, end.detail)
    low = Decimal((end_first - start_last).days)  # shortest difference
    high = Decimal((end_last - start_first).days + 1)  # longest inclusive count
    readings: list[Reading] = []
    if start_first == start_last and end_first == end_last:
        difference = (end_first - start_first).days
        span = f"{format_date(start_first)} → {format_date(end_first)}"
        readings = [
            Reading("inclusive day count", Decimal(difference + 1),
                    f"{span}, both days counted = {difference + 1} days"),
            Reading("difference in days", Decimal(difference),
                    f"{span}, difference = {difference} days"),
        ]
    return readings, low, high


def _duration(divisor: Decimal, unit: str) -> Callable[[Mapping[str, Input]], Computation]:
    def compute(inputs: Mapping[str, Input]) -> Computation:
        readings, low, high = _day_counts(inputs["start"], inputs["end"])
        if divisor != 1:
            readings = [
                Reading(r.label, r.value / divisor,
                        f"{r.formula} ÷ {_fmt(divisor)} = {_fmt(r.value / divisor)} {unit}")
                for r in readings
            ]
        return Computation(tuple(readings), low / divisor, high / divisor)

    return compute


def _quotient(numerator: Interval, denominator: Interval) -> tuple[Decimal, Decimal]:
    low = numerator.low / denominator.high if denominator.high > 0 else Decimal(0)
    high = numerator.high / denominator.low if denominator.low > 0 else INFINITY
    return low, high


def _ratio(unit: str) -> Callable[[Mapping[str, Input]], Computation]:
    def compute(inputs: Mapping[str, Input]) -> Computation:
        top, bottom = inputs["numerator"], inputs["denominator"]
        low, high = _quotient(count_interval(top.value, top.detail),
                              count_interval(bottom.value, bottom.detail))
        readings: tuple[Reading, ...] = ()
        if Decimal(str(bottom.value)) != 0:
            value = Decimal(str(top.value)) / Decimal(str(bottom.value))
            readings = (Reading(
                "quotient", value,
                f"{_fmt(Decimal(str(top.value)))} ÷ {_fmt(Decimal(str(bottom.value)))} "
                f"= {_fmt(value)}{unit}",
            ),)
        return Computation(readings, low, high)

    return compute


def _per_day(inputs: Mapping[str, Input]) -> Computation:
    exchanges = inputs["exchanges"]
    day_readings, days_low, days_high = _day_counts(inputs["start"], inputs["end"])
    total = Decimal(str(exchanges.value))
    readings = tuple(
        Reading(r.label, total / r.value,
                f"{_fmt(total)} ÷ {_fmt(r.value)} days ({r.label}) = {_fmt(total / r.value)}")
        for r in day_readings if r.value > 0
    )
    low, high = _quotient(count_interval(exchanges.value, exchanges.detail),
                          Interval(max(days_low, Decimal(0)), days_high))
    return Computation(readings, low, high)


DERIVATIONS: dict[str, Callable[[Mapping[str, Input]], Computation]] = {
    "duration_days": _duration(Decimal(1), "days"),
    "duration_weeks": _duration(Decimal(7), "weeks"),
    "duration_months": _duration(AVERAGE_MONTH_DAYS, "months"),
    "exchanges_ratio": _ratio("×"),
    "exchanges_per_account": _ratio(" per account"),
    "exchanges_per_day": _per_day,
}


def check(field: str, claim: Any, inputs: Mapping[str, Input | None]) -> DerivedCheck:
    """Judge the derived ``claim`` on ``field`` against its input figures.

    ``inputs`` maps each name of ``requirements(field, claim.value)`` to the shown figure
    (``None`` when the figure is unknown, which gives ``Verdict.UNKNOWN``).
    """
    stated = count_interval(claim.value, claim.qualifier)
    known = {name: value for name, value in inputs.items() if value is not None}
    needed = requirements(field, claim.value) or {}
    if field not in DERIVATIONS or not needed or set(needed) - set(known):
        return DerivedCheck(claim, field, stated, Verdict.UNKNOWN, None, None,
                            tuple(known.values()))
    computation = DERIVATIONS[field](known)
    reading = next((r for r in computation.readings if stated.contains(r.value)), None)
    if reading is not None:
        verdict = Verdict.CONSISTENT
    elif stated.low <= computation.high and computation.low < stated.high:
        verdict = Verdict.WITHIN_UNCERTAINTY
    else:
        verdict = Verdict.INCONSISTENT
    return DerivedCheck(claim, field, stated, verdict, computation, reading,
                        tuple(known[name] for name in needed))


def inclusive_days(start: dt.date, end: dt.date) -> int:
    """Days in a period counting both its first and last day (22 Apr – 5 Jun = 45)."""
    return (end - start).days + 1
