"""The audit trail: every edit says who, when and what changed, whichever door made it;
a revert sets one entry's change back and is itself recorded; review decisions too; the
trail keeps promise 1 (nothing about a record above the reader's clearance)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from wagtail.models import ModelLogEntry

from incidents.models import Campaign, Claim
from kb.audit.models import AuditEvent
from tests.api.conftest import client_with_token
from tests.factories import (
    CampaignFactory,
    ClaimFactory,
    IncidentFactory,
    SourceFactory,
    UserFactory,
    api_token,
)
from tests.incidents.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db
TRAIL = "/api/v1/audit/"


def trail_of(client: Any, ref: str) -> list[dict[str, Any]]:
    response = client.get(TRAIL, {"object": ref})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_alibaba_campaign_edit_through_the_api_is_in_its_trail_and_reverts(
        reference_data, admin_api, admin_user):
    """Done when 2, through the API: user, time and diff; the revert restores the old
    value, is recorded itself, and cannot be applied twice."""
    campaign = Campaign.objects.get(slug="alibaba-qwen")
    old_name = campaign.name
    response = admin_api.patch(f"/api/v1/campaigns/{campaign.slug}/",
                               {"name": "Qwen distillation (renamed)"}, format="json")
    assert response.status_code == 200, response.content

    newest = trail_of(admin_api, "incidents.campaign:alibaba-qwen")[0]
    assert newest["action"] == "wagtail.edit"
    assert newest["user"] == admin_user.username
    assert newest["timestamp"]
    assert newest["changes"] == [{"field": "name", "old": old_name,
                                  "new": "Qwen distillation (renamed)", "revertible": True}]
    assert newest["revertible"] and newest["revert_url"]

    reverted = admin_api.post(newest["revert_url"])
    assert reverted.status_code == 200, reverted.content
    assert reverted.json()["reverted"] == ["name"]
    campaign.refresh_from_db()
    assert campaign.name == old_name
    revert_entry = trail_of(admin_api, f"incidents.campaign:{campaign.pk}")[0]
    assert revert_entry["action"] == "wagtail.revert"
    assert revert_entry["user"] == admin_user.username
    assert revert_entry["changes"][0]["new"] == old_name
    assert revert_entry["details"]["reverts"] == int(newest["id"].removeprefix("log-"))

    again = admin_api.post(newest["revert_url"])
    assert again.status_code == 409
    assert "changed again" in str(again.json()), again.json()


def test_an_admin_edit_of_the_alibaba_campaign_records_its_diff_and_the_admin_reverts_it(
        reference_data, admin_client):
    """Done when 2, through the admin: the edit view's save carries the diff; the audit
    page shows it with a Revert button that restores the old value."""
    campaign = Campaign.objects.get(slug="alibaba-qwen")
    before, description = campaign.name, campaign.description
    form = admin_client.get(admin_url(Campaign, "edit", campaign.pk)).context["form"]
    response = admin_client.post(admin_url(Campaign, "edit", campaign.pk),
                                 form_data(form, name="After", description="Said so"))
    assert response.status_code == 302
    entry = ModelLogEntry.objects.for_instance(campaign).filter(action="wagtail.edit").get()
    assert entry.user is not None and entry.timestamp
    assert {c["field"]: (c["old"], c["new"]) for c in entry.data["changes"]} == {
        "name": (before, "After"), "description": (description, "Said so")}

    page = admin_client.get(reverse("kb_audit:trail"),
                            {"object": f"incidents.campaign:{campaign.pk}"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f"<del>{before}</del>" in html and "<ins>After</ins>" in html
    revert_url = reverse("kb_audit:revert", args=[entry.pk])
    assert revert_url in html

    done = admin_client.post(revert_url, {"next": "/admin/"})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    campaign.refresh_from_db()
    assert (campaign.name, campaign.description) == (before, description)
    assert ModelLogEntry.objects.for_instance(campaign).filter(
        action="wagtail.revert", data__reverts=entry.pk).exists()


def test_a_review_decision_is_recorded_and_reverting_it_moves_the_figure_back(admin_api):
    campaign = CampaignFactory()
    claim = ClaimFactory(subject=campaign, value=5000, status="pending")
    accepted = admin_api.post(f"/api/v1/claims/{claim.pk}/accept/")
    assert accepted.status_code == 200, accepted.content
    campaign.refresh_from_db()
    assert campaign.exchanges == 5000

    decision = trail_of(admin_api, f"incidents.claim:{claim.pk}")[0]
    assert decision["action"] == "kb.claim.review"
    assert decision["details"] == {"from": "pending", "to": "accepted"}
    response = admin_api.post(decision["revert_url"])
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    campaign.refresh_from_db()
    assert (claim.status, claim.reviewed_by, campaign.exchanges) == ("pending", None, None)
    newest = trail_of(admin_api, f"incidents.claim:{claim.pk}")[0]
    assert newest["details"]["reverts"] == int(decision["id"].removeprefix("log-"))
    # Undoing the decision twice would set a pending claim "back" again: refused.
    assert admin_api.post(decision["revert_url"]).status_code == 409


def test_a_figure_is_not_reverted_by_hand():
    """Reverting an edit never types a figure: figure fields are skipped with the reason."""
    from kb.audit.revert import RevertError, entry_revert

    campaign = CampaignFactory(exchanges=None)
    entry = ModelLogEntry.objects.log_action(
        campaign, "wagtail.edit",
        data={"changes": [{"field": "exchanges", "old": 7, "new": None}]})
    with pytest.raises(RevertError, match="a figure"):
        entry_revert(entry=entry, obj=campaign, user=None)
    campaign.refresh_from_db()
    assert campaign.exchanges is None


def test_a_diff_never_names_a_record_above_the_readers_clearance(admin_api):
    campaign = CampaignFactory(marking="GREEN")
    red = IncidentFactory(marking="RED", title="Secret incident")
    assert admin_api.patch(f"/api/v1/campaigns/{campaign.slug}/",
                           {"incident": red.slug}, format="json").status_code == 200
    green_reader = UserFactory(clearance="GREEN")
    _, raw = api_token(user=green_reader)
    change = trail_of(client_with_token(raw), f"incidents.campaign:{campaign.slug}")[0]
    assert change["changes"] == [{"field": "incident", "old": None, "new": "restricted",
                                  "revertible": True}]
    assert "Secret" not in str(change)
    # The admin sees the same entry with the incident named.
    change = trail_of(admin_api, f"incidents.campaign:{campaign.slug}")[0]
    assert change["changes"][0]["new"] == {"id": red.pk, "label": str(red)}


def test_a_hidden_record_has_no_trail_it_reads_as_missing():
    red = CampaignFactory(marking="RED")
    _, raw = api_token(user=UserFactory(clearance="AMBER"))
    client = client_with_token(raw)
    hidden = client.get(TRAIL, {"object": f"incidents.campaign:{red.slug}"})
    missing = client.get(TRAIL, {"object": "incidents.campaign:no-such-campaign"})
    assert hidden.status_code == missing.status_code == 400
    assert set(hidden.json()) == set(missing.json())
    assert "no-such-campaign" in str(missing.json())
    # Only the reader's own words come back, worded as for the unknown one.
    assert str(hidden.json()).replace(red.slug, "X") == str(missing.json()).replace(
        "no-such-campaign", "X")


def test_the_whole_trail_needs_its_permission_and_hides_what_the_reader_may_not_see():
    reader = UserFactory(clearance="GREEN")
    _, raw = api_token(user=reader)
    client = client_with_token(raw)
    assert client.get(TRAIL).status_code == 403

    reader.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    shown, hidden = CampaignFactory(marking="GREEN"), CampaignFactory(marking="RED")
    for campaign in (shown, hidden):
        ModelLogEntry.objects.log_action(campaign, "wagtail.edit")
    AuditEvent.objects.create(action="export", marking="RED", data={"format": "pdf"})
    AuditEvent.objects.create(action="login_failed", username="mallory")
    entries = client.get(TRAIL).json()["results"]
    objects = {e["object"] for e in entries}
    assert f"incidents.campaign:{shown.pk}" in objects
    assert f"incidents.campaign:{hidden.pk}" not in objects
    assert [e["action"] for e in entries if e["kind"] == "event"] == ["login_failed"]


def test_logins_and_failed_logins_are_recorded(client):
    user = UserFactory(username="ada")
    assert client.post("/login/", {"username": "ada", "password": "wrong"}).status_code == 200
    assert client.post("/login/", {"username": "ada", "password": "pw-test-123"}
                       ).status_code == 302
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "username", "user"))
    assert events == [("login_failed", "ada", None), ("login", "ada", user.pk)]


@pytest.mark.parametrize("who", ["read token", "no change permission"])
def test_a_revert_needs_a_write_credential_and_the_change_permission(admin_api, who):
    campaign = CampaignFactory(name="Before")
    admin_api.patch(f"/api/v1/campaigns/{campaign.slug}/", {"name": "After"}, format="json")
    entry = ModelLogEntry.objects.for_instance(campaign).get(action="wagtail.edit")
    user = UserFactory()
    if who == "read token":
        user.user_permissions.add(Permission.objects.get(codename="change_campaign"))
    _, raw = api_token(user=user, scope="read" if who == "read token" else "write")
    response = client_with_token(raw).post(f"/api/v1/audit/{entry.pk}/revert/")
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "After"


def test_an_entry_that_is_not_an_edit_cannot_be_reverted(admin_api):
    source = SourceFactory()
    entry = ModelLogEntry.objects.log_action(source, "wagtail.create")
    response = admin_api.post(f"/api/v1/audit/{entry.pk}/revert/")
    assert response.status_code == 400
    assert "cannot be reverted" in str(response.json())
    assert Claim.objects.count() == 0


def test_an_export_is_recorded_with_its_format_and_marking(admin_api, admin_user):
    from tests.factories import LetterFactory

    letter = LetterFactory(marking="AMBER")
    response = admin_api.get(f"/api/v1/letters/{letter.slug}/export.docx")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="export")
    assert (event.user, event.marking, event.data["format"], event.object_id) == (
        admin_user, "AMBER", "docx", str(letter.pk))
    # A GREEN reader of the whole trail never meets it (it names an AMBER letter).
    reader = UserFactory(clearance="GREEN")
    reader.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    _, raw = api_token(user=reader)
    entries = client_with_token(raw).get(TRAIL).json()["results"]
    assert "export" not in {e["action"] for e in entries}


def test_the_records_history_page_shows_what_each_edit_changed(admin_client, admin_api):
    campaign = CampaignFactory(name="Before")
    admin_api.patch(f"/api/v1/campaigns/{campaign.slug}/", {"name": "After"}, format="json")
    page = admin_client.get(admin_url(Campaign, "history", campaign.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<del>Before</del>" in html and "<ins>After</ins>" in html
