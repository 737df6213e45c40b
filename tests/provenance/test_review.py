"""The review service: accept / reject one or many claims in one transaction."""

from __future__ import annotations

import pytest

from incidents.models import Campaign, Claim, ClaimStatus
from incidents.provenance.selectors import claim_assessments, claim_queue, conflict_list
from incidents.services.review import ReviewError, claim_reject, claims_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(alibaba, add_claim, make_source):
    """Three pending claims: one agreeing, one disagreeing, one derived and wrong."""
    source = make_source("new-article", reliability="A",
                         text="Some 26 million exchanges\nwere run over “about three months”.")
    return [
        add_claim(alibaba, "exchanges", 28_800_000, status="pending", source=source,
                  quote="28.8 million", credibility=2),
        add_claim(alibaba, "exchanges", 26_000_000, qualifier="about", status="pending",
                  source=source, quote="Some 26 million exchanges", credibility=2),
        add_claim(alibaba, "duration_months", 3, qualifier="about", kind="derived",
                  status="pending", source=source, quote='"about three months"',
                  credibility=2),
    ]


def test_accepting_many_updates_figures_and_conflicts_at_once(pending, admin_user, alibaba):
    ids = [c.pk for c in pending]
    result = claims_review(claim_ids=ids, status="accepted", user=admin_user)

    assert result.reviewed == ids and result.skipped == []
    assert set(Claim.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "accepted"}
    assert set(Claim.objects.filter(pk__in=ids).values_list("reviewed_by", flat=True)) == {
        admin_user.pk}
    fields = {(c.kind.value, c.field) for c in conflict_list(viewer=admin_user,
                                                             subject=alibaba)}
    assert fields == {("disagreement", "exchanges"), ("derived", "duration_months"),
                      ("disagreement", "operators")}


def test_review_is_compare_and_swap(pending, admin_user):
    first = claims_review(claim_ids=[pending[0].pk], status="accepted", user=admin_user)
    again = claims_review(claim_ids=[pending[0].pk], status="rejected", user=admin_user)

    assert first.reviewed == [pending[0].pk]
    assert again.reviewed == [] and again.skipped == [pending[0].pk]
    assert Claim.objects.get(pk=pending[0].pk).status == "accepted"


def test_rejecting_an_accepted_claim_changes_the_shown_figure(reference_data, admin_user):
    cluster = Campaign.objects.get(slug="february-2026-cluster")
    for claim in Claim.objects.filter(object_id=cluster.pk, field="exchanges",
                                      qualifier="about"):
        claim_reject(claim=claim, user=admin_user, note="secondary source")
    cluster.refresh_from_db()
    assert cluster.exchanges_qualifier == "more_than"
    assert "[rejected] secondary source" in Claim.objects.filter(
        status="rejected").first().note


def test_claims_the_reviewer_cannot_see_are_skipped(pending, analyst):
    Claim.objects.filter(pk=pending[0].pk).update(marking="RED")
    result = claims_review(claim_ids=[pending[0].pk, pending[1].pk], status="rejected",
                           user=analyst)
    assert result.reviewed == [pending[1].pk] and result.skipped == [pending[0].pk]
    assert Claim.objects.get(pk=pending[0].pk).status == ClaimStatus.PENDING


def test_an_unknown_decision_changes_nothing(pending, admin_user):
    with pytest.raises(ReviewError):
        claims_review(claim_ids=[pending[0].pk], status="maybe", user=admin_user)
    assert Claim.objects.filter(status="pending").count() == 3


def test_queue_assessments(pending, admin_user):
    claims = list(claim_queue(viewer=admin_user))
    assessed = claim_assessments(viewer=admin_user, claims=claims)

    assert [assessed[c.pk].verdict for c in pending] == [
        "agrees", "disagrees", "inconsistent"]
    assert [assessed[c.pk].quote_found for c in pending] == [False, True, True]


def test_queue_filters(pending, admin_user, reference_data):
    from incidents.models import Incident

    february = Incident.objects.get(slug="february-2026-disclosure")
    alibaba_case = Incident.objects.get(slug="alibaba-qwen-2026")
    assert claim_queue(viewer=admin_user, incident=february).count() == 0
    assert claim_queue(viewer=admin_user, incident=alibaba_case).count() == 3
    assert claim_queue(viewer=admin_user, field="duration_months").count() == 1
    assert claim_queue(viewer=admin_user, source_key="new-article").count() == 3
    assert claim_queue(viewer=admin_user, status="accepted").count() == Claim.objects.filter(
        status="accepted").count()
