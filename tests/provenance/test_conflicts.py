"""Conflicts on the reference data, asserted exactly, and how new claims change them."""

from __future__ import annotations

import pytest

from incidents.models import Claim, Incident, Letter
from incidents.provenance.selectors import conflict_list, conflicts_by_field

pytestmark = pytest.mark.django_db


def summary(conflicts):
    return [(c.kind.value, c.subject_key, c.field) for c in conflicts]


def side_sources(conflict):
    return [sorted(ref.source_key for ref in side.sources) for side in conflict.sides]


def test_reference_data_has_exactly_the_two_known_conflicts(reference_data, admin_user):
    conflicts = conflict_list(viewer=admin_user)

    assert summary(conflicts) == [
        ("disagreement", "campaign:alibaba-qwen", "operators"),
        ("disagreement", "letter:anthropic-to-senate-banking-2026-06-10", "date"),
    ]
    operators, letter_date = conflicts
    assert [(s.value, s.detail) for s in operators.sides] == [
        (["alibaba", "qwen-lab"], "exact"),
        (["alibaba", "deepseek", "minimax", "moonshot-ai", "qwen-lab"], "exact"),
    ]
    assert side_sources(operators) == [
        ["event-digest-17-takes", "tech-magazine-feature", "wire-summary-bloomberg-reuters"],
        ["takeaways-explainer"],
    ]
    assert [(s.value, s.detail) for s in letter_date.sides] == [
        ("2026-06-10", "day"), ("2025-06-10", "day"),
    ]
    assert side_sources(letter_date) == [
        ["cnbc-2026-06-24", "event-digest-17-takes", "wire-summary-bloomberg-reuters"],
        ["tech-magazine-feature"],
    ]
    # Each side carries the quoted span it was read from.
    assert letter_date.sides[1].sources[0].quote == "a letter dated 10 June 2025"


def test_agreeing_qualifiers_are_not_conflicts(reference_data, admin_user):
    """28.8 million / close to 29 million / more than 28.8 million; nearly / about /
    roughly 25,000; more than 16 million / about 16 million: all agree."""
    fields = {(c.subject_key, c.field) for c in conflict_list(viewer=admin_user)}
    for key in ("campaign:alibaba-qwen", "campaign:february-2026-cluster"):
        assert (key, "exchanges") not in fields
        assert (key, "accounts") not in fields


def test_about_three_months_conflicts_with_the_period(reference_data, admin_user, alibaba,
                                                       add_claim, make_source):
    source = make_source("three-months-feature", reliability="C")
    add_claim(alibaba, "duration_months", 3, qualifier="about", kind="derived",
              source=source, quote="a campaign of about three months", credibility=3)

    conflicts = conflict_list(viewer=admin_user)

    assert summary(conflicts) == [
        ("derived", "campaign:alibaba-qwen", "duration_months"),
        ("disagreement", "campaign:alibaba-qwen", "operators"),
        ("disagreement", "letter:anthropic-to-senate-banking-2026-06-10", "date"),
    ]
    months = conflicts[0]
    figures, statement = months.sides
    assert figures.role == "figures"
    assert figures.value == {"start": "2026-04-22", "end": "2026-06-05"}
    assert {ref.source_key for ref in figures.sources} == {
        "news-analysis-lawmakers", "wire-summary-bloomberg-reuters", "cnbc-2026-06-24",
        "tech-magazine-feature",
    }
    assert [ref.source_key for ref in statement.sources] == ["three-months-feature"]
    assert "inconsistent" in months.explanation


def test_conflicts_filter_by_incident_subject_and_kind(reference_data, admin_user):
    alibaba_case = Incident.objects.get(slug="alibaba-qwen-2026")
    february = Incident.objects.get(slug="february-2026-disclosure")
    letter = Letter.objects.get()

    assert summary(conflict_list(viewer=admin_user, incident=alibaba_case)) == [
        ("disagreement", "campaign:alibaba-qwen", "operators"),
        ("disagreement", "letter:anthropic-to-senate-banking-2026-06-10", "date"),
    ]
    assert conflict_list(viewer=admin_user, incident=february) == []
    assert list(conflicts_by_field(viewer=admin_user, subject=letter)) == ["date"]
    assert conflict_list(viewer=admin_user, kind="derived") == []


def test_conflicts_respect_tlp_markings(reference_data, admin_user, analyst):
    """A viewer who cannot see the dissenting claim sees no conflict."""
    Claim.objects.filter(quote="a letter dated 10 June 2025").update(marking="AMBER")

    assert [c.field for c in conflict_list(viewer=admin_user)] == ["operators", "date"]
    assert [c.field for c in conflict_list(viewer=analyst)] == ["operators"]
    assert [c.field for c in conflict_list(viewer=None)] == ["operators"]


def test_rejecting_the_dissenting_claim_clears_the_conflict(reference_data, admin_user):
    from incidents.services.review import claims_review

    wrong = Claim.objects.get(quote="a letter dated 10 June 2025")
    result = claims_review(claim_ids=[wrong.pk], status="rejected", user=admin_user,
                           expected_status="accepted")

    assert result.reviewed == [wrong.pk]
    assert [c.field for c in conflict_list(viewer=admin_user)] == ["operators"]


def test_conflict_list_query_count(reference_data, admin_user, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        conflict_list(viewer=admin_user)
