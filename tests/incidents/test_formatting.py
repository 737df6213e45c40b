"""Unit tests of ``incidents.formatting``: the one home of how numbers, qualifiers,
dates and precisions read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidents.formatting import (
    QUALIFIER_WORDS,
    as_date,
    describe_value,
    format_count,
    format_date,
    format_figure,
    format_month,
    format_number,
    format_period,
    format_set,
    format_short_date,
    qualified,
)


@pytest.mark.parametrize(
    ("value", "qualifier", "text"),
    [
        (28_800_000, "exact", "28.8 million"),
        (13_000_000, "more_than", "more than 13 million"),
        (16_000_000, "more_than", "more than 16 million"),
        (25_000, "about", "about 25,000"),
        (26_000_000, "about", "about 26 million"),
        (1_200_000_000, "exact", "1.2 billion"),
        (1_234_567, "exact", "1.235 million"),
        (999_999, "nearly", "nearly 999,999"),
        (0, "exact", "0"),
        (150_000, "up_to", "up to 150,000"),
        (3_400, "at_least", "at least 3,400"),
        (Decimal("2500000"), "exact", "2.5 million"),
        (-2_000_000, "exact", "-2 million"),
    ],
)
def test_format_count(value, qualifier, text):
    assert format_count(value, qualifier) == text


def test_format_count_without_a_number():
    assert format_count(None) == "unknown"
    assert format_count("many") == "many"
    assert format_count(True) == "True"  # a boolean is not a count


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1200, "", "1,200"),
        (1.80, "", "1.8"),
        (Decimal("1.80"), "", "1.8"),
        (-4.9, "%", "-4.9%"),
        (45, "", "45"),
        (1234567.5, "", "1,234,567.5"),
        (0.125, "", "0.125"),
        (None, "", ""),
        ("n/a", "", "n/a"),
        (float("inf"), "", "inf"),
    ],
)
def test_format_number(value, unit, text):
    assert format_number(value, unit) == text


@pytest.mark.parametrize(("qualifier", "text"), [
    ("exact", "13 million"), ("", "13 million"), (None, "13 million"),
    ("more_than", "more than 13 million"), ("unknown-word", "13 million"),
])
def test_qualified(qualifier, text):
    assert qualified("13 million", qualifier) == text


def test_every_qualifier_reads_in_words():
    for key, words in QUALIFIER_WORDS.items():
        assert "_" not in words, key
        assert format_count(5, key) == f"{words} 5".strip()


@pytest.mark.parametrize(
    ("value", "precision", "long", "short"),
    [
        (dt.date(2026, 6, 5), "day", "5 June 2026", "5 Jun 2026"),
        (dt.date(2026, 6, 1), "month", "June 2026", "Jun 2026"),
        (dt.date(2026, 1, 1), "year", "2026", "2026"),
        ("2026-06-01", "month", "June 2026", "Jun 2026"),
        ("2026-06", "month", "June 2026", "Jun 2026"),
        ("2026", "year", "2026", "2026"),
        (dt.datetime(2026, 6, 10, 23, 59, tzinfo=dt.UTC), "day", "10 June 2026", "10 Jun 2026"),
        (None, "day", "unknown", "unknown"),
        ("not a date", "day", "unknown", "unknown"),
    ],
)
def test_dates_at_their_precision(value, precision, long, short):
    assert format_date(value, precision) == long
    assert format_short_date(value, precision) == short


def test_a_month_precision_date_never_shows_a_day():
    # The June event was once shown as "1 June 2026": at month precision it is June.
    assert format_date(dt.date(2026, 6, 1), "month") == "June 2026"
    assert "1" not in format_date(dt.date(2026, 6, 1), "month").split()[0]


def test_as_date():
    assert as_date("2026-02-03") == dt.date(2026, 2, 3)
    assert as_date(dt.datetime(2026, 2, 3, 4, 5)) == dt.date(2026, 2, 3)
    assert as_date("") is None and as_date(12) is None


def test_format_month():
    assert format_month(dt.date(2026, 2, 12)) == "Feb 2026"
    assert format_month(None) == ""


@pytest.mark.parametrize(
    ("start", "sp", "end", "ep", "text"),
    [
        (dt.date(2026, 4, 22), "day", dt.date(2026, 6, 5), "day", "22 April – 5 June 2026"),
        (dt.date(2026, 6, 1), "month", dt.date(2026, 7, 1), "month", "June – July 2026"),
        (dt.date(2026, 1, 1), "month", None, "day", "January 2026 – unknown"),
        (dt.date(2025, 12, 30), "day", dt.date(2026, 1, 2), "day",
         "30 December 2025 – 2 January 2026"),
        (dt.date(2026, 6, 5), "day", dt.date(2026, 6, 5), "day", "5 June 2026"),
        (dt.date(2025, 1, 1), "year", dt.date(2026, 1, 1), "year", "2025 – 2026"),
        (None, "day", None, "day", "unknown"),
    ],
)
def test_format_period(start, sp, end, ep, text):
    assert format_period(start, sp, end, ep) == text


def test_format_set():
    assert format_set(["alibaba", "qwen-lab"]) == "alibaba, qwen-lab"
    assert format_set(["alibaba"], "at_least") == "including alibaba"
    assert format_set(["a", "b"], "up_to") == "among a, b"
    assert format_set("solo") == "solo"


@pytest.mark.parametrize(
    ("kind", "value", "qualifier", "precision", "text"),
    [
        ("count", 28_800_000, "exact", "", "28.8 million"),
        ("count", 25_000, "about", "", "about 25,000"),
        ("date", "2026-06-10", "exact", "day", "10 June 2026"),
        ("date", "2026-06-01", "exact", "month", "June 2026"),
        ("date", "2026-06-01", "month", "", "June 2026"),  # the detail as qualifier
        ("set", ["alibaba", "qwen-lab"], "exact", "", "alibaba, qwen-lab"),
        ("ratio", {"of": "february-2026-cluster", "ratio": 1.8}, "about", "",
         "about 1.8 × february-2026-cluster"),
        ("ratio", 1.8, "exact", "", "1.8"),
        ("number", 45, "about", "", "about 45"),
        ("number", 1234.5, "exact", "", "1,234.5"),
        ("text", "a statement", "exact", "", "a statement"),
        ("count", None, "exact", "", "—"),
    ],
)
def test_describe_value(kind, value, qualifier, precision, text):
    assert describe_value(kind, value, qualifier, precision) == text


def _figure(value, qualifier="exact", known=True):
    return SimpleNamespace(value=value, qualifier=qualifier, known=known)


def test_format_figure():
    assert format_figure(_figure(28_800_000), "count") == "28.8 million"
    assert format_figure(_figure(13_000_000, "more_than"), "count") == "more than 13 million"
    assert format_figure(_figure(dt.date(2026, 6, 1), "month"), "date") == "June 2026"
    assert format_figure(_figure(dt.date(2026, 6, 5), ""), "date") == "5 June 2026"
    assert format_figure(_figure(-4.9), "number", unit="%") == "-4.9%"
    assert format_figure(_figure(None, known=False), "count") == "unknown"


@given(st.integers(min_value=0, max_value=10**12),
       st.sampled_from(sorted(QUALIFIER_WORDS)))
def test_a_count_keeps_its_qualifier_and_never_reads_as_a_bare_big_number(value, qualifier):
    text = format_count(value, qualifier)
    words = QUALIFIER_WORDS[qualifier]
    assert text.startswith(words)
    if value >= 1_000_000:
        assert "million" in text or "billion" in text
        assert "," not in text.replace(words, "")


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_dates_round_trip_through_iso_text(day):
    assert format_date(day.isoformat()) == format_date(day)
    assert format_date(day, "month") == format_date(day.replace(day=1), "month")
