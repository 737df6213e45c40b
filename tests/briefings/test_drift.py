"""Publishing a briefing records what its facts showed; a later change of a cited figure
(through a claim) raises a fact-drift alert naming the briefing, and the page says the
figure changed since publication."""

from __future__ import annotations

import re

import pytest

from incidents.models import AlertStatus, Claim, ClaimStatus, FactAlert, FigureCitation
from incidents.services.claims import claim_upsert
from incidents.services.review import claims_review
from kb.briefings.models import BriefingPage
from tests import factories as f
from tests.briefings.conftest import fact

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    campaign = f.CampaignFactory(name="Qwen campaign")
    f.ClaimFactory(subject=campaign, field="exchanges", value=28_800_000,
                   source=f.SourceFactory(title="Letter"))
    f.ClaimFactory(subject=campaign, field="accounts", value=25_000, qualifier="about",
                   source=f.SourceFactory(title="Letter, accounts"))
    return campaign


def replace_figure(subject, field: str, value, user) -> None:
    """A figure changes the only way figures change: a new claim with a source is
    accepted in review, and the claims it replaces are rejected."""
    claim, _ = claim_upsert(subject=subject, field=field, value=value, qualifier="exact",
                            source=f.SourceFactory(reliability="A"), credibility=1,
                            refresh=False)
    Claim.objects.filter(object_id=subject.pk, content_type__model="campaign", field=field,
                         status=ClaimStatus.ACCEPTED).update(status=ClaimStatus.REJECTED)
    assert claims_review(claim_ids=[claim.pk], status="accepted", user=user).reviewed \
        == [claim.pk]


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_publishing_snapshots_each_cited_figure(make_briefing, campaign):
    briefing = make_briefing(body=[fact(campaign, "exchanges"), fact(campaign, "accounts"),
                                   fact(campaign, "exchanges")])

    rows = FigureCitation.objects.filter(document_id=briefing.pk).order_by("field")
    assert [(c.field, c.value, c.detail, c.issued_at is not None) for c in rows] == [
        ("accounts", 25_000, "about", True), ("exchanges", 28_800_000, "exact", True)]
    assert all(c.marking == "GREEN" for c in rows)


def test_a_draft_cites_nothing(make_briefing, campaign):
    briefing = make_briefing(body=[fact(campaign, "exchanges")], publish=False)
    assert not FigureCitation.objects.filter(document_id=briefing.pk).exists()


def test_a_changed_figure_raises_an_alert_naming_the_briefing(client, make_briefing, campaign,
                                                             admin_user):
    briefing = make_briefing(title="Qwen briefing", body=[fact(campaign, "exchanges")])

    replace_figure(campaign, "exchanges", 30_000_000, admin_user)

    alert = FactAlert.objects.get()
    assert alert.citation.document == briefing
    assert (alert.cited_value, alert.current_value, alert.status) == (
        28_800_000, 30_000_000, AlertStatus.OPEN)
    assert str(alert).startswith("Qwen briefing: exchanges")

    client.force_login(admin_user)
    [listed] = client.get("/api/v1/alerts/").json()["results"]
    assert listed["document"] == {"type": "briefingpage",
                                  "key": f"briefingpage:{briefing.slug}",
                                  "title": "Qwen briefing"}
    html = _text(client.get(briefing.url))
    assert "1 figure changed since publication" in html
    assert "Changed since publication: was 28.8 million, now 30 million" in html
    assert '<strong class="figure-value">30 million</strong>' in html  # live, not frozen


def test_republishing_says_the_new_value_and_resolves_the_alert(client, make_briefing,
                                                                campaign, admin_user):
    briefing = make_briefing(body=[fact(campaign, "exchanges")])
    replace_figure(campaign, "exchanges", 30_000_000, admin_user)

    BriefingPage.objects.get(pk=briefing.pk).save_revision().publish()

    assert FactAlert.objects.get().status == AlertStatus.RESOLVED
    assert FigureCitation.objects.get(document_id=briefing.pk).value == 30_000_000
    client.force_login(admin_user)
    assert "changed since publication" not in _text(client.get(briefing.url))


def test_a_fact_removed_before_republishing_is_no_longer_watched(make_briefing, campaign,
                                                                 admin_user):
    briefing = make_briefing(body=[fact(campaign, "exchanges"), fact(campaign, "accounts")])
    page = BriefingPage.objects.get(pk=briefing.pk)
    page.body = [fact(campaign, "accounts")]
    page.save_revision().publish()

    replace_figure(campaign, "exchanges", 30_000_000, admin_user)

    assert list(FigureCitation.objects.filter(document_id=briefing.pk)
                .values_list("field", flat=True)) == ["accounts"]
    assert not FactAlert.objects.exists()


def test_an_unpublished_briefing_raises_no_alert(make_briefing, campaign, admin_user):
    briefing = make_briefing(body=[fact(campaign, "exchanges")])
    BriefingPage.objects.get(pk=briefing.pk).unpublish()

    replace_figure(campaign, "exchanges", 30_000_000, admin_user)

    assert not FactAlert.objects.exists()


def test_the_reference_briefing_is_published_with_its_citations(reference_data):
    briefing = BriefingPage.objects.get(slug="alibaba-qwen-distillation")
    assert briefing.live and briefing.url == "/briefings/alibaba-qwen-distillation/"
    cited = FigureCitation.objects.filter(document_id=briefing.pk, issued_at__isnull=False)
    assert sorted(cited.values_list("field", "value")) == [("accounts", 25_000),
                                                           ("exchanges", 28_800_000)]
    assert reference_data["briefing created"] == 1
