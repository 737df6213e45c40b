"""The consensus of accepted claims, and whether they conflict. Pure functions, no I/O.

A count claim stands for an *interval* of values it is compatible with, from its
qualifier and the rounding its stated value implies ("28.8 million" → 28.75–28.85 M).
Two count claims agree when their intervals overlap. Date claims agree when they fall in
the same day / month / year at the coarser of their precisions. Sets agree when equal.

The consensus value is taken from the heaviest group of mutually agreeing claims
(weight: source reliability × claim credibility); within it, the most precise value.
Issue "Provenance" owns the tolerance table; it is documented in docs/provenance.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

# Relative tolerance a qualifier adds around the stated value: (below, above).
QUALIFIER_TOLERANCE: dict[str, tuple[Decimal, Decimal]] = {
    "exact": (Decimal(0), Decimal(0)),
    "about": (Decimal("0.05"), Decimal("0.05")),
    "nearly": (Decimal("0.05"), Decimal(0)),
    "more_than": (Decimal(0), Decimal("0.10")),
    "at_least": (Decimal(0), Decimal("0.10")),
    "up_to": (Decimal("1"), Decimal(0)),
}

RELIABILITY_WEIGHT = {"A": 6, "B": 5, "C": 4, "D": 3, "E": 2, "F": 3}
CREDIBILITY_WEIGHT = {1: 6, 2: 5, 3: 4, 4: 3, 5: 1, 6: 3}

PRECISION_RANK = {"day": 0, "month": 1, "year": 2, "": 0}


class ClaimLike(Protocol):
    pk: Any
    value: Any
    qualifier: str
    precision: str
    credibility: int

    @property
    def source(self) -> Any: ...


def rounding_unit(value: Decimal) -> Decimal:
    """The unit the stated value was rounded to: 28.8e6 → 1e5, 25000 → 1000, 1152 → 1."""
    if value == 0:
        return Decimal(1)
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(1).scaleb(exponent)


def numeric(value: Any) -> Any:
    """The number a claim value states (ratios are ``{"of": slug, "ratio": n}``)."""
    return value["ratio"] if isinstance(value, dict) else value


def count_interval(value: Any, qualifier: str) -> tuple[Decimal, Decimal]:
    """Values compatible with "``qualifier`` ``value``", rounding included."""
    number = abs(Decimal(str(numeric(value))))
    half_unit = rounding_unit(number) / 2
    below, above = QUALIFIER_TOLERANCE.get(qualifier, (Decimal(0), Decimal(0)))
    low = number - half_unit - number * below
    high = number + half_unit + number * above
    if qualifier == "more_than":
        low = number - half_unit
    return (max(low, Decimal(0)), high)


def counts_agree(a: Any, qa: str, b: Any, qb: str) -> bool:
    low_a, high_a = count_interval(a, qa)
    low_b, high_b = count_interval(b, qb)
    return low_a <= high_b and low_b <= high_a


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def dates_agree(a: Any, pa: str, b: Any, pb: str) -> bool:
    """Equal at the coarser of the two precisions."""
    da, db = parse_date(a), parse_date(b)
    coarser = max(PRECISION_RANK.get(pa or "day", 0), PRECISION_RANK.get(pb or "day", 0))
    if coarser == 2:
        return da.year == db.year
    if coarser == 1:
        return (da.year, da.month) == (db.year, db.month)
    return da == db


def values_agree(kind: str, a: ClaimLike, b: ClaimLike) -> bool:
    if kind == "ratio" and isinstance(a.value, dict) and isinstance(b.value, dict):
        if a.value.get("of") != b.value.get("of"):
            return True  # ratios to different campaigns say nothing about each other
    if kind == "count" or kind in {"number", "ratio"}:
        if (Decimal(str(numeric(a.value))) < 0) != (Decimal(str(numeric(b.value))) < 0):
            return False
        return counts_agree(a.value, a.qualifier, b.value, b.qualifier)
    if kind == "date":
        return dates_agree(a.value, a.precision, b.value, b.precision)
    if kind == "set":
        return sorted(a.value) == sorted(b.value)
    return a.value == b.value


def claim_weight(claim: ClaimLike) -> int:
    reliability = getattr(claim.source, "reliability", "F")
    return RELIABILITY_WEIGHT.get(reliability, 1) * CREDIBILITY_WEIGHT.get(claim.credibility, 1)


def _specificity(kind: str, claim: ClaimLike) -> tuple[int, ...]:
    """Higher is more precise: exact before qualified, finer rounding, finer dates."""
    if kind == "date":
        return (-PRECISION_RANK.get(claim.precision or "day", 0),)
    if kind in {"count", "number", "ratio"}:
        unit = rounding_unit(Decimal(str(numeric(claim.value))))
        return (int(claim.qualifier == "exact"), -int(unit.adjusted()))
    return (0,)


@dataclass
class Consensus:
    """The shown value of one field, the claims behind it and those that disagree."""

    value: Any
    qualifier: str
    precision: str
    supporting: list[Any] = field(default_factory=list)
    dissenting: list[Any] = field(default_factory=list)

    @property
    def conflict(self) -> bool:
        return bool(self.dissenting)


def _groups(kind: str, claims: Sequence[ClaimLike]) -> list[list[ClaimLike]]:
    """Maximal groups of claims agreeing with the group's first (seed) claim and each other."""
    groups: list[list[ClaimLike]] = []
    for seed in claims:
        group = [seed]
        for other in claims:
            if other is seed:
                continue
            if all(values_agree(kind, other, member) for member in group):
                group.append(other)
        groups.append(group)
    return groups


def consensus(kind: str, claims: Iterable[ClaimLike]) -> Consensus | None:
    """Consensus of ``claims`` (already filtered to accepted ones) or ``None`` if none."""
    ordered = sorted(claims, key=lambda c: (-claim_weight(c), str(c.pk)))
    if not ordered:
        return None
    best = max(
        _groups(kind, ordered),
        key=lambda g: (sum(claim_weight(c) for c in g), len(g)),
    )
    chosen = max(best, key=lambda c: (_specificity(kind, c), claim_weight(c)))
    # The qualifier shown is the one most weight stands behind among claims stating the
    # chosen value ("about 25,000" over "nearly 25,000" when more sources say "about").
    qualifier_weight: dict[str, int] = {}
    for claim in best:
        if claim.value == chosen.value:
            qualifier_weight[claim.qualifier] = (
                qualifier_weight.get(claim.qualifier, 0) + claim_weight(claim)
            )
    qualifier = max(sorted(qualifier_weight), key=lambda q: qualifier_weight[q])
    supporting_ids = {id(c) for c in best}
    return Consensus(
        value=chosen.value,
        qualifier=qualifier,
        precision=chosen.precision,
        supporting=list(best),
        dissenting=[c for c in ordered if id(c) not in supporting_ids],
    )
