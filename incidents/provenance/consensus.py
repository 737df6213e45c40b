"""Tolerance rules, agreement between claims and their consensus. Pure functions, no I/O.

Every number or date a claim states stands for an *interval* of values it is compatible
with, built from two things the source tells us:

* the **rounding** its stated value implies, read from the trailing zeros
  ("28.8 million" → ±50,000; "25,000" → ±500; "1,152" → ±0.5; "1.8" → ±0.05), and
  never coarser than two significant figures for figures of 10 or more;
* the **qualifier** ("about", "nearly", "more than" …), which widens the interval by a
  relative tolerance on one side or both (``QUALIFIER_TOLERANCE``).

Dates become the run of days their precision covers (a day, a month, a year). Two claims
*agree* when their intervals overlap, i.e. when one value could make both true. Intervals
are half-open, so "28.8 million" and "28.9 million" (both exact) touch without
overlapping and disagree. Sets (operators) agree when some set satisfies both; a set is
complete unless qualified ``at_least`` ("including") or ``up_to`` ("among").

The consensus of a field is the heaviest group of claims that can all be true at once
(weight: source reliability × claim credibility); the value shown is the most precise
one in that group. Everything else is a *side* that disagrees with it. docs/provenance.md
has the full tolerance table; tests/provenance/test_tolerance.py checks its properties.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

# Relative tolerance a qualifier adds around the stated value: (below, above). The
# rounding of the stated value (half a unit either side) always comes on top.
QUALIFIER_TOLERANCE: dict[str, tuple[Decimal, Decimal]] = {
    "exact": (Decimal(0), Decimal(0)),
    "about": (Decimal("0.05"), Decimal("0.05")),  # about, around, roughly, approximately, ~
    "nearly": (Decimal("0.05"), Decimal(0)),  # nearly, almost, close to, just under
    "more_than": (Decimal(0), Decimal("0.10")),  # more than, over, upwards of
    "at_least": (Decimal(0), Decimal("0.10")),
    "up_to": (Decimal(1), Decimal(0)),  # up to, as much as: anything from zero
}

# Admiralty scale. Reliability of the source (A–F) and credibility of the claim (1–6)
# multiply into a claim's weight. "Cannot be judged" (F, 6) weighs like a middling grade.
RELIABILITY_WEIGHT: dict[str, int] = {"A": 6, "B": 5, "C": 4, "D": 3, "E": 2, "F": 3}
CREDIBILITY_WEIGHT: dict[int, int] = {1: 6, 2: 5, 3: 4, 4: 3, 5: 1, 6: 3}

PRECISION_RANK: dict[str, int] = {"day": 0, "month": 1, "year": 2, "": 0}

NUMERIC_KINDS = frozenset({"count", "number", "ratio"})
INTERVAL_KINDS = NUMERIC_KINDS | {"date"}


class ClaimLike(Protocol):
    pk: Any
    value: Any
    qualifier: str
    precision: str
    credibility: int

    @property
    def source(self) -> Any: ...


# -- intervals -------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """Half-open ``[low, high)``: the values a statement is compatible with."""

    low: Decimal
    high: Decimal

    def overlaps(self, other: Interval) -> bool:
        return self.low < other.high and other.low < self.high

    def contains(self, value: Decimal) -> bool:
        return self.low <= value < self.high

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.low + other.low, self.high + other.high)


def rounding_unit(value: Decimal) -> Decimal:
    """The unit the stated value was rounded to, read from its trailing zeros:
    28.8e6 → 1e5, 25000 → 1000, 1152 → 1, 1.8 → 0.1, 6 → 1.

    A figure of 10 or more is read to at least two significant figures: "20 million" is
    19.5–20.5 million, not 15–25 million. A writer rounding harder than that says so
    ("about 30 million"), and the qualifier carries the tolerance.
    """
    if value == 0:
        return Decimal(1)
    value = abs(value)
    stated = value.normalize().as_tuple().exponent
    assert isinstance(stated, int)  # finite numbers only
    exponent = min(stated, value.adjusted() - 1) if value >= 10 else stated
    return Decimal(1).scaleb(exponent)


def numeric(value: Any) -> Any:
    """The number a claim value states (ratios are ``{"of": slug, "ratio": n}``)."""
    return value["ratio"] if isinstance(value, dict) else value


def to_decimal(value: Any) -> Decimal:
    return Decimal(str(numeric(value)))


def count_interval(value: Any, qualifier: str) -> Interval:
    """Values compatible with "``qualifier`` ``value``", rounding included.

    Negative values (a share price falling "as much as 4.9 %") are read as magnitudes and
    mirrored, so the qualifier widens away from and towards zero as it does for counts.
    """
    number = to_decimal(value)
    magnitude = abs(number)
    half_unit = rounding_unit(magnitude) / 2
    below, above = QUALIFIER_TOLERANCE.get(qualifier, (Decimal(0), Decimal(0)))
    low = max(magnitude - half_unit - magnitude * below, Decimal(0))
    high = magnitude + half_unit + magnitude * above
    if number < 0:
        return Interval(-high, -low)
    return Interval(low, high)


def counts_agree(a: Any, qa: str, b: Any, qb: str) -> bool:
    return count_interval(a, qa).overlaps(count_interval(b, qb))


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def date_span(value: Any, precision: str) -> tuple[dt.date, dt.date]:
    """First and last day a date stated at ``precision`` can mean."""
    day = parse_date(value)
    rank = PRECISION_RANK.get(precision or "day", 0)
    if rank == 2:
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    if rank == 1:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    return day, day


def date_interval(value: Any, precision: str) -> Interval:
    first, last = date_span(value, precision)
    return Interval(Decimal(first.toordinal()), Decimal(last.toordinal() + 1))


def dates_agree(a: Any, pa: str, b: Any, pb: str) -> bool:
    """Some day fits both: equal at the coarser of the two precisions."""
    return date_interval(a, pa).overlaps(date_interval(b, pb))


def claim_interval(kind: str, claim: ClaimLike) -> Interval:
    if kind == "date":
        return date_interval(claim.value, claim.precision)
    return count_interval(claim.value, claim.qualifier)


def sets_agree(a: Iterable[str], qa: str, b: Iterable[str], qb: str) -> bool:
    """Some set of members satisfies both statements.

    ``at_least`` / ``more_than``: the set includes these members (maybe others);
    ``up_to``: the members are among these; anything else: exactly these members.
    """
    set_a, set_b = set(a), set(b)
    mode_a, mode_b = _set_mode(qa), _set_mode(qb)
    if mode_a > mode_b:
        set_a, set_b, mode_a, mode_b = set_b, set_a, mode_b, mode_a
    match (mode_a, mode_b):
        case ("exact", "exact"):
            return set_a == set_b
        case ("exact", "includes"):
            return set_b <= set_a
        case ("exact", "within"):
            return set_a <= set_b
        case ("includes", "within"):
            return set_a <= set_b
    return True  # both "includes" (their union) or both "within" (their intersection)


def _set_mode(qualifier: str) -> str:
    if qualifier in {"at_least", "more_than"}:
        return "includes"
    if qualifier == "up_to":
        return "within"
    return "exact"


def comparison_key(kind: str, claim: ClaimLike) -> Any:
    """Claims are compared only with claims of the same key: ratios only with ratios to
    the same campaign ("80 % larger than X" says nothing about "twice Y")."""
    if kind == "ratio" and isinstance(claim.value, dict):
        return claim.value.get("of")
    return None


def values_agree(kind: str, a: ClaimLike, b: ClaimLike) -> bool:
    """Whether ``a`` and ``b`` can both be true (symmetric)."""
    if comparison_key(kind, a) != comparison_key(kind, b):
        return True
    if kind in INTERVAL_KINDS:
        return claim_interval(kind, a).overlaps(claim_interval(kind, b))
    if kind == "set":
        return sets_agree(a.value, a.qualifier, b.value, b.qualifier)
    return bool(a.value == b.value)


# -- weights and grouping ----------------------------------------------------------------


def claim_weight(claim: ClaimLike) -> int:
    reliability = getattr(claim.source, "reliability", "F")
    return RELIABILITY_WEIGHT.get(reliability, 1) * CREDIBILITY_WEIGHT.get(claim.credibility, 1)


def _specificity(kind: str, claim: ClaimLike) -> tuple[int, ...]:
    """Higher is more precise: exact before qualified, finer rounding, finer dates."""
    if kind == "date":
        return (-PRECISION_RANK.get(claim.precision or "day", 0),)
    if kind in NUMERIC_KINDS:
        unit = rounding_unit(abs(to_decimal(claim.value)))
        return (int(claim.qualifier == "exact"), -int(unit.adjusted()))
    if kind == "set":
        return (int(_set_mode(claim.qualifier) == "exact"),)
    return (0,)


@dataclass
class Side:
    """Claims that can all be true at once, with the value that represents them."""

    value: Any
    qualifier: str
    precision: str
    claims: list[Any]
    weight: int


def _heaviest_group(kind: str, claims: Sequence[ClaimLike]) -> list[ClaimLike]:
    """The heaviest set of claims that can all be true together.

    Intervals: the claims covering the point where the most weight overlaps (in one
    dimension, pairwise-overlapping intervals share a point, so this is optimal).
    Sets and text: greedy, heaviest claim first.
    """
    if kind in INTERVAL_KINDS:
        intervals = [(claim_interval(kind, c), c) for c in claims]
        best: list[ClaimLike] = []
        best_key: tuple[int, int] = (-1, -1)
        for point in sorted({iv.low for iv, _ in intervals}):
            group = [c for iv, c in intervals if iv.contains(point)]
            key = (sum(claim_weight(c) for c in group), len(group))
            if key > best_key:
                best, best_key = group, key
        return best
    groups = []
    for seed in claims:
        group = [seed]
        for other in claims:
            if other is not seed and all(values_agree(kind, other, m) for m in group):
                group.append(other)
        groups.append(group)
    return max(groups, key=lambda g: (sum(claim_weight(c) for c in g), len(g)))


def _side(kind: str, group: list[ClaimLike]) -> Side:
    chosen = max(group, key=lambda c: (_specificity(kind, c), claim_weight(c)))
    # The qualifier shown is the one most weight stands behind among claims stating the
    # chosen value ("about 25,000" over "nearly 25,000" when more sources say "about").
    qualifier_weight: dict[str, int] = {}
    for claim in group:
        if claim.value == chosen.value:
            qualifier_weight[claim.qualifier] = (
                qualifier_weight.get(claim.qualifier, 0) + claim_weight(claim)
            )
    qualifier = max(
        sorted(qualifier_weight),
        key=lambda q: (qualifier_weight[q], q == chosen.qualifier),  # ties: the chosen one's
    )
    return Side(
        value=chosen.value,
        qualifier=qualifier,
        precision=chosen.precision,
        claims=list(group),
        weight=sum(claim_weight(c) for c in group),
    )


def _ordered(claims: Iterable[ClaimLike]) -> list[ClaimLike]:
    return sorted(claims, key=lambda c: (-claim_weight(c), str(c.pk)))


def sides(kind: str, claims: Iterable[ClaimLike]) -> list[Side]:
    """Split claims that share a comparison key into sides, heaviest first.

    The first side is the consensus; every later side is the heaviest group among what is
    left. One side means the claims agree.
    """
    remaining = _ordered(claims)
    result: list[Side] = []
    while remaining:
        group = _heaviest_group(kind, remaining)
        result.append(_side(kind, group))
        taken = {id(c) for c in group}
        remaining = [c for c in remaining if id(c) not in taken]
    return result


def sides_by_key(kind: str, claims: Iterable[ClaimLike]) -> dict[Any, list[Side]]:
    """``sides`` for each comparison key (one key, ``None``, except for ratios)."""
    buckets: dict[Any, list[ClaimLike]] = {}
    for claim in claims:
        buckets.setdefault(comparison_key(kind, claim), []).append(claim)
    return {key: sides(kind, bucket) for key, bucket in buckets.items()}


@dataclass
class Consensus:
    """The shown value of one field, the claims behind it and those that disagree."""

    value: Any
    qualifier: str
    precision: str
    supporting: list[Any] = field(default_factory=list)
    dissenting: list[Any] = field(default_factory=list)
    others: list[Side] = field(default_factory=list)

    @property
    def conflict(self) -> bool:
        return bool(self.dissenting)


def consensus(kind: str, claims: Iterable[ClaimLike]) -> Consensus | None:
    """Consensus of ``claims`` (already filtered to accepted ones) or ``None`` if none.

    Ratios to different campaigns are separate statements: the consensus is that of the
    heaviest bucket and only claims in it can dissent.
    """
    by_key = sides_by_key(kind, claims)
    if not by_key:
        return None
    bucket = max(
        by_key.values(), key=lambda s: (sum(side.weight for side in s), -len(s))
    )
    first, *rest = bucket
    return Consensus(
        value=first.value,
        qualifier=first.qualifier,
        precision=first.precision,
        supporting=first.claims,
        dissenting=[c for side in rest for c in side.claims],
        others=rest,
    )


def statement_holds(kind: str, cited: Any, cited_detail: str, current: Any,
                    current_detail: str) -> bool:
    """Whether a statement made earlier ("about 25,000") is still compatible with the
    value shown now. Used to grade fact-drift alerts."""
    if kind == "date":
        return dates_agree(cited, cited_detail, current, current_detail)
    if kind in NUMERIC_KINDS:
        return counts_agree(cited, cited_detail or "exact", current, current_detail or "exact")
    if kind == "set":
        return sets_agree(cited, cited_detail, current, current_detail)
    return bool(cited == current)
