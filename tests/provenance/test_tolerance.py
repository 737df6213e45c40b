"""Property-based tests of the tolerance rules (``incidents.provenance.consensus``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidents.provenance.consensus import (
    QUALIFIER_TOLERANCE,
    consensus,
    count_interval,
    rounding_unit,
    sides,
    values_agree,
)

QUALIFIERS = sorted(QUALIFIER_TOLERANCE)


@dataclass
class FakeSource:
    reliability: str = "B"


@dataclass
class FakeClaim:
    value: Any
    qualifier: str = "exact"
    precision: str = ""
    credibility: int = 2
    pk: int = 0
    source: FakeSource = field(default_factory=FakeSource)


def agree(kind: str, a: FakeClaim, b: FakeClaim) -> bool:
    return values_agree(kind, a, b)


def count(value: Any, qualifier: str = "exact", **kwargs: Any) -> FakeClaim:
    return FakeClaim(value, qualifier, **kwargs)


# -- strategies -------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**10)
qualifiers = st.sampled_from(QUALIFIERS)
count_claims = st.builds(count, counts, qualifiers)
number_claims = st.builds(
    count,
    st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False).map(float),
    qualifiers,
)
precisions = st.sampled_from(["day", "month", "year"])
dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
date_claims = st.builds(lambda d, p: FakeClaim(d.isoformat(), precision=p), dates, precisions)
slugs = st.sets(st.sampled_from(["alibaba", "qwen-lab", "deepseek", "moonshot-ai", "minimax"]),
                max_size=5).map(sorted)
set_claims = st.builds(lambda s, q: FakeClaim(s, q), slugs,
                       st.sampled_from(["exact", "at_least", "up_to", "about"]))
reliabilities = st.sampled_from("ABCDEF")


# -- properties ---------------------------------------------------------------------------


@given(count_claims, count_claims)
def test_count_agreement_is_symmetric(a, b):
    assert agree("count", a, b) == agree("count", b, a)


@given(number_claims, number_claims)
def test_signed_number_agreement_is_symmetric(a, b):
    assert agree("number", a, b) == agree("number", b, a)


@given(date_claims, date_claims)
def test_date_agreement_is_symmetric(a, b):
    assert agree("date", a, b) == agree("date", b, a)


@given(set_claims, set_claims)
def test_set_agreement_is_symmetric(a, b):
    assert agree("set", a, b) == agree("set", b, a)


@given(st.one_of(count_claims.map(lambda c: ("count", c)),
                 date_claims.map(lambda c: ("date", c)),
                 set_claims.map(lambda c: ("set", c))))
def test_every_claim_agrees_with_itself(kind_and_claim):
    kind, claim = kind_and_claim
    assert agree(kind, claim, claim)


@given(counts, qualifiers)
def test_a_qualified_figure_is_compatible_with_its_stated_value(value, qualifier):
    """"about / nearly / more than / at least / up to X" can all be true when X is."""
    assert agree("count", count(value, qualifier), count(value))


@given(counts, qualifiers)
def test_qualifiers_only_widen_the_interval(value, qualifier):
    exact = count_interval(value, "exact")
    widened = count_interval(value, qualifier)
    assert widened.low <= exact.low and exact.high <= widened.high


@given(st.integers(min_value=1, max_value=10**10), st.integers(min_value=2, max_value=4))
def test_a_rounded_figure_agrees_with_the_exact_one(value, significant):
    """"28.8 million" agrees with 28,812,345: rounding to two significant figures or
    more is a tolerance of its own (one significant figure needs "about")."""
    digits = len(str(value))
    rounded = round(value, significant - digits) if digits > significant else value
    assert agree("count", count(rounded), count(value))


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=1, max_value=10**9))
def test_different_unrounded_figures_disagree(a, b):
    """Figures stated to the unit (1,152 vs 1,153) must be equal to agree."""
    if a % 10 == 0 or b % 10 == 0:
        return  # trailing zeros imply rounding
    assert agree("count", count(a), count(b)) == (a == b)


@given(st.lists(st.tuples(counts, qualifiers, reliabilities,
                          st.integers(min_value=1, max_value=6)),
                min_size=1, max_size=8), st.randoms())
def test_consensus_does_not_depend_on_claim_order(rows, random):
    claims = [FakeClaim(v, q, credibility=cred, pk=i, source=FakeSource(r))
              for i, (v, q, r, cred) in enumerate(rows)]
    shuffled = claims[:]
    random.shuffle(shuffled)
    first, second = consensus("count", claims), consensus("count", shuffled)
    assert (first.value, first.qualifier) == (second.value, second.qualifier)
    assert {c.pk for c in first.supporting} == {c.pk for c in second.supporting}


@given(st.lists(st.tuples(counts, qualifiers), min_size=1, max_size=8))
def test_each_side_can_be_true_as_a_whole_and_sides_cover_all_claims(rows):
    claims = [FakeClaim(v, q, pk=i) for i, (v, q) in enumerate(rows)]
    result = sides("count", claims)
    assert sorted(c.pk for s in result for c in s.claims) == list(range(len(claims)))
    for side in result:
        assert all(agree("count", a, b) for a in side.claims for b in side.claims)
    assert [s.weight for s in result] == sorted((s.weight for s in result), reverse=True)


@given(dates, precisions)
def test_a_day_agrees_with_its_month_and_year(day, precision):
    assert agree("date", FakeClaim(day.isoformat(), precision="day"),
                 FakeClaim(day.replace(day=1).isoformat(), precision=precision)
                 if precision != "day" else FakeClaim(day.isoformat(), precision="day"))


@given(slugs, slugs)
def test_sets_including_members_agree_with_any_superset(part, extra):
    whole = sorted(set(part) | set(extra))
    assert agree("set", FakeClaim(part, "at_least"), FakeClaim(whole))
    assert agree("set", FakeClaim(whole, "up_to"), FakeClaim(part))


# -- the examples the issue names -----------------------------------------------------------


@pytest.mark.parametrize("qualifier", ["about", "nearly"])  # "roughly" is stored as about
def test_about_nearly_roughly_25000_agree_with_24975(qualifier):
    assert agree("count", count(25000, qualifier), count(24975))


def test_more_than_16_million_agrees_with_16_million():
    assert agree("count", count(16_000_000, "more_than"), count(16_000_000))


def test_close_to_29_million_agrees_with_28_8_million():
    assert agree("count", count(29_000_000, "nearly"), count(28_800_000))


def test_one_significant_figure_needs_a_qualifier():
    assert rounding_unit(Decimal(20_000_000)) == Decimal(1_000_000)
    assert rounding_unit(Decimal(6)) == Decimal(1)
    assert not agree("count", count(30_000_000), count(28_800_000))
    assert agree("count", count(30_000_000, "about"), count(28_800_000))


def test_28_8_million_and_29_million_agree_within_rounding():
    assert rounding_unit(Decimal(28_800_000)) == Decimal(100_000)
    assert rounding_unit(Decimal(29_000_000)) == Decimal(1_000_000)
    assert agree("count", count(28_800_000), count(29_000_000))
    # …but 28.8 and 28.9 million, both to the hundred thousand, cannot both be true.
    assert not agree("count", count(28_800_000), count(28_900_000))


@pytest.mark.parametrize("qualifier", ["more_than", "nearly"])
def test_more_than_and_nearly_28_8_million_are_compatible_with_it(qualifier):
    assert agree("count", count(28_800_000, qualifier), count(28_800_000))


def test_more_than_does_not_reach_below_nor_far_above():
    assert not agree("count", count(16_000_000, "more_than"), count(15_000_000))
    assert not agree("count", count(16_000_000, "more_than"), count(20_000_000))


def test_nearly_does_not_reach_above():
    assert not agree("count", count(25_000, "nearly"), count(26_000))


def test_a_fall_of_up_to_4_9_percent():
    assert agree("number", count(-4.9, "up_to"), count(-3.2))
    assert not agree("number", count(-4.9, "up_to"), count(-6))
    assert not agree("number", count(-4.9, "up_to"), count(4.9))


def test_letter_dates_a_year_apart_disagree():
    assert not agree("date", FakeClaim("2026-06-10", precision="day"),
                     FakeClaim("2025-06-10", precision="day"))
    assert agree("date", FakeClaim("2026-06-10", precision="day"),
                 FakeClaim("2026-06-01", precision="month"))


def test_operators_with_extra_labs_disagree_with_the_two_named():
    two = FakeClaim(["alibaba", "qwen-lab"])
    five = FakeClaim(["alibaba", "deepseek", "minimax", "moonshot-ai", "qwen-lab"])
    assert not agree("set", two, five)
    assert agree("set", FakeClaim(["alibaba"], "at_least"), two)


def test_ratios_to_different_campaigns_are_not_compared():
    a = FakeClaim({"of": "february-2026-cluster", "ratio": 1.8})
    b = FakeClaim({"of": "deepseek-feb-2026", "ratio": 190})
    assert agree("ratio", a, b)
    assert not agree("ratio", a, FakeClaim({"of": "february-2026-cluster", "ratio": 2.5}))


def test_consensus_prefers_the_weightier_side_and_the_most_precise_value():
    claims = [
        FakeClaim(28_800_000, "exact", pk=1),
        FakeClaim(29_000_000, "nearly", pk=2),
        FakeClaim(28_800_000, "about", pk=3),
        FakeClaim(40_000_000, "exact", pk=4, credibility=5, source=FakeSource("E")),
    ]
    result = consensus("count", claims)
    assert (result.value, result.qualifier) == (28_800_000, "exact")
    assert [c.pk for c in result.dissenting] == [4]
    assert result.conflict
