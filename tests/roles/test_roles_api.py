"""The API honours the roles: each write endpoint answers its role's holders and a JSON
403 to everyone else; reads are open to any signed-in user (a user with no role too).

One table per endpoint family, parametrized over the four roles, with the exact status
each role gets. Small records from the factories, one write-scoped token per test."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from incidents.models import Campaign, Claim, Incident, Letter
from tests import factories as f
from tests.roles.conftest import ROLES, api_of, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> SimpleNamespace:
    w = SimpleNamespace()
    w.incident = f.IncidentFactory(slug="role-incident", title="Role incident")
    w.campaign = f.CampaignFactory(slug="role-campaign", incident=w.incident)
    w.source = f.SourceFactory(key="role-source", text="Some 26,000 accounts were banned.")
    w.claim = f.ClaimFactory(subject=w.campaign, field="accounts", value=26_000,
                             source=w.source, quote="Some 26,000 accounts", status="pending")
    w.letter = f.LetterFactory(slug="role-letter", subject="Role letter",
                               incidents=[w.incident])
    return w


def expect(response: Any, expected: int, ok: tuple[int, ...]) -> None:
    """``expected`` 403: a JSON 403 naming the reason; else one of ``ok``."""
    if expected == 403:
        assert response.status_code == 403, response.content
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["detail"]
    else:
        assert response.status_code in ok, response.content


# -- entity writes ----------------------------------------------------------------------------

CREATES = {
    "incidents": (Incident, {"slug": "new-incident", "title": "New incident"}),
    "campaigns": (Campaign, {"slug": "new-campaign", "name": "New campaign"}),
    "actors": (None, {"slug": "new-actor", "name": "New actor", "kind": "ai_lab"}),
}


@pytest.mark.parametrize("endpoint", sorted(CREATES))
def test_entity_create_is_for_analysts(world, role, endpoint):
    model, body = CREATES[endpoint]
    response = api_of(member(role)).post(f"/api/v1/{endpoint}/", body, format="json")
    expect(response, 201 if role == "analyst" else 403, (201,))
    if model is not None:
        assert model.objects.filter(slug=body["slug"]).exists() == (role == "analyst")


def test_entity_change_and_delete_are_for_analysts(world, role):
    api = api_of(member(role))
    patched = api.patch("/api/v1/campaigns/role-campaign/", {"name": "Renamed"},
                        format="json")
    expect(patched, 200 if role == "analyst" else 403, (200,))
    deleted = api.delete("/api/v1/actors/" + f.ActorFactory(slug="doomed").slug + "/")
    expect(deleted, 204 if role == "analyst" else 403, (204,))
    assert Campaign.objects.get(slug="role-campaign").name == (
        "Renamed" if role == "analyst" else world.campaign.name)


def test_claim_create_is_for_analysts(world, role):
    body = {"subject": "campaign:role-campaign", "field": "exchanges", "value": 5000,
            "qualifier": "about", "source": "role-source", "quote": "Some 26,000 accounts"}
    response = api_of(member(role)).post("/api/v1/claims/", body, format="json")
    expect(response, 201 if role == "analyst" else 403, (201,))
    assert Claim.objects.filter(field="exchanges").exists() == (role == "analyst")


# -- claim review and alerts -------------------------------------------------------------------


@pytest.mark.parametrize("how", ["accept", "bulk"])
def test_claim_review_is_for_analysts(world, role, how):
    api = api_of(member(role))
    if how == "accept":
        response = api.post(f"/api/v1/claims/{world.claim.pk}/accept/", {}, format="json")
    else:
        response = api.post("/api/v1/claims/review/", {
            "ids": [world.claim.pk], "status": "accepted", "expected_status": "pending"},
            format="json")
    expect(response, 200 if role == "analyst" else 403, (200,))
    world.claim.refresh_from_db()
    assert world.claim.status == ("accepted" if role == "analyst" else "pending")


def test_alert_acknowledge_is_for_analysts(db, role):
    # The permission is checked before the alert is looked up: 404 only for an analyst.
    response = api_of(member(role)).post("/api/v1/alerts/999999/acknowledge/", {},
                                          format="json")
    expect(response, 404 if role == "analyst" else 403, (404,))


# -- letters --------------------------------------------------------------------------------------


def test_letter_create_change_delete_are_for_policy_editors(world, role):
    api = api_of(member(role))
    created = api.post("/api/v1/letters/", {"slug": "new-letter", "subject": "New letter"},
                       format="json")
    expect(created, 201 if role == "policy_editor" else 403, (201,))
    patched = api.patch("/api/v1/letters/role-letter/", {"subject": "Changed"},
                        format="json")
    expect(patched, 200 if role == "policy_editor" else 403, (200,))
    deleted = api.delete("/api/v1/letters/role-letter/")
    expect(deleted, 204 if role == "policy_editor" else 403, (204,))
    assert Letter.objects.filter(slug="new-letter").exists() == (role == "policy_editor")
    assert Letter.objects.filter(slug="role-letter").exists() == (role != "policy_editor")


# action → what a policy editor gets on a draft letter (the permission passed; the step
# itself may refuse a draft with a 400).
LETTER_ACTIONS = {"submit": 200, "send": 400, "approve": 400, "correct": 400}


@pytest.mark.parametrize("name", sorted(LETTER_ACTIONS))
def test_letter_workflow_actions_are_for_policy_editors(world, role, name):
    response = api_of(member(role)).post(f"/api/v1/letters/role-letter/{name}/", {},
                                         format="json")
    expect(response, LETTER_ACTIONS[name] if role == "policy_editor" else 403,
           (LETTER_ACTIONS[name],))


def test_letter_from_incident_is_for_policy_editors(world, role):
    response = api_of(member(role)).post("/api/v1/letters/from-incident/",
                                         {"incident": "role-incident"}, format="json")
    expect(response, 201 if role == "policy_editor" else 403, (201,))


def test_approving_needs_the_review_task_not_only_the_role(world):
    """A policy editor submits; approving is the review task's (the Moderators)."""
    api = api_of(member("policy_editor"))
    assert api.post("/api/v1/letters/role-letter/submit/", {}, format="json").status_code == 200
    response = api.post("/api/v1/letters/role-letter/approve/", {}, format="json")
    assert response.status_code == 403 and "approvers" in response.json()["detail"]


# -- ingest ---------------------------------------------------------------------------------------


def test_ingest_is_for_analysts(world, role):
    response = api_of(member(role)).post("/api/v1/ingest/", {
        "text": "Some 26,000 accounts were banned in January 2026 by the provider."},
        format="json")
    expect(response, 202 if role == "analyst" else 403, (202,))


# -- tokens ---------------------------------------------------------------------------------------


def test_everyone_manages_their_own_tokens_administrators_everyones(db, role):
    user = member(role)
    api = api_of(user)
    other, _ = f.api_token(user=f.UserFactory(username="someone-else"), name="theirs")
    assert api.get("/api/v1/tokens/").status_code == 200
    created = api.post("/api/v1/tokens/", {"name": "mine", "scope": "read"}, format="json")
    assert created.status_code == 201, created.content
    seen = api.get(f"/api/v1/tokens/{other.pk}/")
    renamed = api.patch(f"/api/v1/tokens/{other.pk}/", {"name": "renamed"}, format="json")
    if role == "administrator":
        assert (seen.status_code, renamed.status_code) == (200, 200), renamed.content
    else:
        assert (seen.status_code, renamed.status_code) == (404, 404)
    other.refresh_from_db()
    assert other.name == ("renamed" if role == "administrator" else "theirs")


# -- reads ----------------------------------------------------------------------------------------

READS = ["/api/v1/incidents/", "/api/v1/campaigns/role-campaign/", "/api/v1/letters/",
         "/api/v1/claims/", "/api/v1/conflicts/", "/api/v1/alerts/"]


@pytest.mark.parametrize("who", [*ROLES, "no_role"])
def test_reads_are_open_to_any_signed_in_user(world, who):
    user = f.UserFactory(username="plain") if who == "no_role" else member(who)
    api = api_of(user)
    for url in READS:
        response = api.get(url)
        assert response.status_code == 200, (url, response.content)


def test_a_letters_own_actions_need_change_and_making_one_needs_add(world):
    """The workflow actions act on the letter: ``change_letter``, not ``add_letter``
    (which was asked before); drafting from an incident makes one: ``add_letter``."""
    from django.contrib.auth.models import Permission

    user = f.UserFactory(username="adder")
    user.user_permissions.add(Permission.objects.get(codename="add_letter"))
    api = api_of(user)
    for name in ("submit", "send", "approve", "reject"):
        response = api.post(f"/api/v1/letters/role-letter/{name}/", {}, format="json")
        assert response.status_code == 403, (name, response.content)
        assert "change_letter" in response.json()["detail"]
    made = api.post("/api/v1/letters/from-incident/", {"incident": "role-incident"},
                    format="json")
    assert made.status_code == 201, made.content
