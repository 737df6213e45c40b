"""The evaluation: the labelled set meets its thresholds, and the matcher is strict
enough that a wrong value, unit or subject is a miss (and a false find)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incidents.ingest.evaluate import (
    THRESHOLDS,
    KindScore,
    evaluate_directory,
    failures,
    matches,
    score_document,
)
from incidents.ingest.lexicon import lexicon_from_reference

LABELLED = Path(__file__).resolve().parent.parent / "data" / "ingest" / "labelled"


def quantity(value, unit="exchanges", subject="", qualifier="exact"):
    return {"kind": "quantity", "value": value, "unit": unit, "subject": subject,
            "qualifier": qualifier}


def test_the_labelled_set_is_big_enough_and_well_formed():
    texts = sorted(LABELLED.glob("*.txt"))
    assert len(texts) >= 32
    for path in texts:
        words = len(path.read_text(encoding="utf-8").split())
        assert 80 <= words <= 250, path.name
        expected = json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))
        assert expected and all({"kind", "value", "unit", "qualifier", "subject"} <= set(e)
                                for e in expected), path.name


def test_the_labelled_set_meets_the_thresholds():
    scores, details = evaluate_directory(LABELLED, lexicon_from_reference())
    assert len(details) >= 32
    assert failures(scores) == [], details
    for kind, (recall, precision) in THRESHOLDS.items():
        assert scores[kind].recall >= recall and scores[kind].precision >= precision, kind


@pytest.mark.parametrize(("found", "ok"), [
    (quantity(28_800_000), True),
    (quantity(28_900_000), True),   # within 0.5 %
    (quantity(29_000_000), False),  # 0.7 % off
    (quantity(28_800_000, unit="accounts"), False),
    (quantity(28_800_000, subject="alibaba"), False),
    (quantity(28_800_000, qualifier="about"), True),  # qualifiers are not scored
])
def test_quantity_matching(found, ok):
    assert matches(quantity(28_800_000), found) is ok


def test_a_wrong_value_is_a_miss_and_a_false_find():
    scores = score_document([quantity(25_000, "accounts")], [quantity(24_000, "accounts")])
    assert (scores["quantity"].expected, scores["quantity"].found,
            scores["quantity"].correct) == (1, 1, 0)
    assert scores["quantity"].recall == 0 and scores["quantity"].precision == 0


def test_dates_periods_durations_actors_and_quotes():
    date = {"kind": "date", "value": "2026-06-10"}
    assert matches(date, {"kind": "date", "value": "2026-06-10"})
    assert not matches(date, {"kind": "date", "value": "2025-06-10"})
    period = {"kind": "period", "value": {"start": "2026-04-22", "end": "2026-06-05"}}
    assert matches(period, {"kind": "period", "value": {"end": "2026-06-05",
                                                        "start": "2026-04-22"}})
    assert not matches(period, {"kind": "period", "value": {"start": "2026-04-22",
                                                            "end": "2026-06-15"}})
    assert matches({"kind": "duration", "value": 42}, {"kind": "duration", "value": 42.0})
    assert not matches({"kind": "actor", "value": "minimax"}, {"kind": "actor", "value": "z-ai"})
    quote = {"kind": "quote", "value": "we will keep working with Congress", "subject": "anthropic"}
    assert matches(quote, {"kind": "quote", "value": "We will keep working with Congress.",
                           "subject": "anthropic"})
    assert not matches(quote, {"kind": "quote", "value": "we will keep working with Congress",
                               "subject": ""})
    assert not matches(quote, {"kind": "quote", "value": "we will stop", "subject": "anthropic"})


def test_repeats_count_once_and_dates_report_with_periods():
    expected = [quantity(28_800_000), {"kind": "date", "value": "2026-06-10"}]
    found = [quantity(28_800_000), quantity(28_800_000), {"kind": "date", "value": "2026-06-10"},
             {"kind": "period", "value": {"start": "2026-04-22", "end": "2026-06-05"}}]
    scores = score_document(expected, found)
    assert (scores["quantity"].found, scores["quantity"].correct) == (1, 1)
    assert (scores["date/period"].expected, scores["date/period"].found,
            scores["date/period"].correct) == (1, 2, 1)


def test_failures_name_the_kind_below_its_floor():
    scores = {"quantity": KindScore(expected=10, found=10, correct=9),
              "date/period": KindScore(expected=10, found=10, correct=10),
              "actor": KindScore(expected=10, found=10, correct=10)}
    assert [line.split(":")[0] for line in failures(scores)] == ["quantity"]
