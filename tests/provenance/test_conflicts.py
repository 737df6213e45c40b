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


# -- visibility (factory-made data) ------------


def _claim(subject, field, value, marking="GREEN", source=None, **kwargs):
    from tests import factories as f

    return f.ClaimFactory(subject=subject, field=field, value=value, marking=marking,
                          source=source or f.SourceFactory(marking="GREEN"), **kwargs)


def test_a_red_claim_or_source_makes_no_conflict_for_a_green_reader(db):
    from tests import factories as f

    green, red = f.UserFactory(), f.UserFactory(clearance="RED")
    campaign = f.CampaignFactory(marking="GREEN", slug="jade")
    _claim(campaign, "exchanges", 1000)
    _claim(campaign, "exchanges", 9000, marking="RED")  # a RED claim
    _claim(campaign, "accounts", 10)
    _claim(campaign, "accounts", 90, source=f.SourceFactory(marking="RED"))  # a RED source

    assert summary(conflict_list(viewer=green)) == []
    assert summary(conflict_list(viewer=red)) == [
        ("disagreement", "campaign:jade", "accounts"),
        ("disagreement", "campaign:jade", "exchanges"),
    ]


def test_claims_on_a_part_of_a_hidden_campaign_make_no_conflict(db):
    """An account cluster is visible only with its campaign: its claims too."""
    from tests import factories as f

    green = f.UserFactory()
    cluster = f.AccountClusterFactory(marking="GREEN",
                                      campaign=f.CampaignFactory(marking="RED"))
    _claim(cluster, "count", 10)
    _claim(cluster, "count", 500)

    assert conflict_list(viewer=green) == []
    assert len(conflict_list(viewer=f.UserFactory(clearance="RED"))) == 1


def test_hidden_records_named_in_claim_values_are_restricted(db):
    """A visible claim naming a hidden operator, or a ratio "of" a hidden campaign: the
    conflict, its sides and its explanation say "restricted", never the slug."""
    from incidents.visibility import RESTRICTED
    from tests import factories as f

    green, red = f.UserFactory(), f.UserFactory(clearance="RED")
    f.ActorFactory(marking="GREEN", slug="jade-op")
    f.ActorFactory(marking="RED", slug="crimson-op")
    f.ActorFactory(marking="RED", slug="crimson-op-2")
    f.CampaignFactory(marking="RED", slug="crimson-campaign")
    campaign = f.CampaignFactory(marking="GREEN", slug="jade")
    _claim(campaign, "operators", ["jade-op", "crimson-op", "crimson-op-2"], credibility=1)
    _claim(campaign, "operators", ["jade-op"], credibility=3)
    _claim(campaign, "exchanges_ratio", {"of": "crimson-campaign", "ratio": 2}, kind="derived")
    _claim(campaign, "exchanges_ratio", {"of": "crimson-campaign", "ratio": 5}, kind="derived")

    conflicts = conflict_list(viewer=green)
    text = repr(conflicts)
    assert "crimson" not in text
    operators = next(c for c in conflicts if c.field == "operators")
    assert [s.value for s in operators.sides] == [["jade-op", RESTRICTED], ["jade-op"]]
    ratio = next(c for c in conflicts if c.field == "exchanges_ratio")
    assert ratio.of == RESTRICTED and RESTRICTED in ratio.key
    # The RED reader reads the values as stated.
    red_text = repr(conflict_list(viewer=red))
    assert "crimson-op-2" in red_text and "crimson-campaign" in red_text


def test_derived_checks_against_a_hidden_campaign_are_unknown_and_unnamed(db):
    from incidents.provenance.derived import Verdict
    from incidents.provenance.selectors import derived_checks
    from incidents.visibility import RESTRICTED
    from tests import factories as f

    green, red = f.UserFactory(), f.UserFactory(clearance="RED")
    hidden = f.CampaignFactory(marking="RED", slug="crimson-campaign")
    _claim(hidden, "exchanges", 500, marking="RED")
    campaign = f.CampaignFactory(marking="GREEN", slug="jade")
    _claim(campaign, "exchanges", 1000)
    ratio = _claim(campaign, "exchanges_ratio", {"of": "crimson-campaign", "ratio": 2},
                   kind="derived")
    unknown = _claim(campaign, "exchanges_ratio", {"of": "no-such-campaign", "ratio": 2},
                     kind="derived")

    as_green = derived_checks(viewer=green, claims=[ratio, unknown])
    assert as_green[ratio.pk].verdict == as_green[unknown.pk].verdict == Verdict.UNKNOWN
    assert as_green[ratio.pk].claim.value == {"of": RESTRICTED, "ratio": 2}
    assert ratio.value["of"] == "crimson-campaign"  # the claim itself is untouched
    as_red = derived_checks(viewer=red, claims=[ratio])
    assert as_red[ratio.pk].verdict == Verdict.CONSISTENT
    assert as_red[ratio.pk].claim.value["of"] == "crimson-campaign"


def test_conflict_list_query_count_for_a_green_reader(reference_data, analyst,
                                                      django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        conflict_list(viewer=analyst)
