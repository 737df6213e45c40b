"""The provenance API: conflicts, claim review actions, derived checks, alerts."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from incidents.models import Campaign, Claim, ClaimStatus, FactAlert, Letter, LetterStatus
from incidents.services.citations import citation_add
from incidents.services.records import record_saved
from kb.api.services import api_token_create

pytestmark = pytest.mark.django_db


def token_client(user, scope: str = "write") -> APIClient:
    _, raw = api_token_create(user=user, scope=scope, name=f"provenance {scope}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def api(admin_user) -> APIClient:
    return token_client(admin_user)


@pytest.fixture
def pending(alibaba, add_claim, make_source):
    return add_claim(alibaba, "duration_months", 3, qualifier="about", kind="derived",
                     status="pending", source=make_source("three-months"),
                     quote="about three months", credibility=3)


def test_conflicts_on_the_reference_data_exactly(api, reference_data):
    response = api.get("/api/v1/conflicts/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(c["kind"], c["subject"], c["field"]) for c in body["results"]] == [
        ("disagreement", "campaign:alibaba-qwen", "operators"),
        ("disagreement", "letter:anthropic-to-senate-banking-2026-06-10", "date"),
    ]
    operators, letter_date = body["results"]
    assert [s["value"] for s in operators["sides"]] == [
        ["alibaba", "qwen-lab"], ["alibaba", "deepseek", "minimax", "moonshot-ai", "qwen-lab"]]
    assert [s["display"] for s in letter_date["sides"]] == ["10 June 2026", "10 June 2025"]
    dissent = letter_date["sides"][1]["sources"]
    assert dissent == [{
        "claim_id": dissent[0]["claim_id"], "key": "tech-magazine-feature",
        "title": "Technology magazine feature on the distillation claims (June 2026)",
        "url": "", "reliability": "D", "credibility": 5,
        "quote": "a letter dated 10 June 2025", "value": "2025-06-10", "qualifier": "exact",
    }]


def test_conflict_filters(api, reference_data):
    assert api.get("/api/v1/conflicts/", {"incident": "february-2026-disclosure"}).json()[
        "count"] == 0
    body = api.get("/api/v1/conflicts/", {"subject": "campaign:alibaba-qwen"}).json()
    assert [c["field"] for c in body["results"]] == ["operators"]
    assert api.get("/api/v1/conflicts/", {"kind": "derived"}).json()["count"] == 0
    assert api.get("/api/v1/conflicts/", {"kind": "other"}).status_code == 400
    assert api.get("/api/v1/conflicts/", {"subject": "campaign"}).status_code == 400
    # A filter naming no visible record matches nothing.
    assert api.get("/api/v1/conflicts/", {"incident": "nope"}).json()["count"] == 0
    assert api.get("/api/v1/conflicts/", {"subject": "campaign:nope"}).json()["count"] == 0


def test_accepting_through_the_api_adds_the_derived_conflict(api, pending, admin_user):
    listed = api.get("/api/v1/claims/", {"status": "pending"}).json()
    assert [c["id"] for c in listed["results"]] == [pending.pk]

    response = api.post(f"/api/v1/claims/{pending.pk}/accept/", {"note": "checked"})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"
    assert response.json()["reviewed_by"] == "admin"
    assert "ETag" in response
    conflicts = api.get("/api/v1/conflicts/").json()["results"]
    assert [(c["kind"], c["field"]) for c in conflicts] == [
        ("derived", "duration_months"), ("disagreement", "operators"),
        ("disagreement", "date")]
    figures, statement = conflicts[0]["sides"]
    assert figures["role"] == "figures" and statement["sources"][0]["key"] == "three-months"
    # Compare-and-swap: accepting again is a 409 and changes nothing.
    again = api.post(f"/api/v1/claims/{pending.pk}/accept/")
    assert again.status_code == 409
    # Rejecting it takes the conflict away at once.
    assert api.post(f"/api/v1/claims/{pending.pk}/reject/").status_code == 200
    assert api.get("/api/v1/conflicts/").json()["count"] == 2


def test_review_actions_errors(api, pending, admin_user, analyst):
    url = f"/api/v1/claims/{pending.pk}/accept/"
    assert APIClient().post(url).status_code == 401
    assert token_client(admin_user, "read").post(url).status_code == 403
    assert token_client(analyst).post(url).status_code == 403  # no change_claim permission
    assert api.post(url, {"expected_status": "accepted"}).status_code == 409
    assert api.post(url, {"expected_status": "maybe"}).status_code == 400
    assert api.post(url, HTTP_IF_MATCH='"stale"').status_code == 412
    assert api.post("/api/v1/claims/999999/accept/").status_code == 404
    Claim.objects.filter(pk=pending.pk).update(marking="RED")
    analyst_client = token_client(analyst)
    from django.contrib.auth.models import Permission
    analyst.user_permissions.add(Permission.objects.get(codename="change_claim"))
    assert analyst_client.post(url).status_code == 404  # not visible: indistinguishable
    assert Claim.objects.get(pk=pending.pk).status == ClaimStatus.PENDING


def test_if_match_with_the_current_etag_succeeds(api, pending):
    etag = api.get(f"/api/v1/claims/{pending.pk}/")["ETag"]
    assert api.post(f"/api/v1/claims/{pending.pk}/reject/",
                    HTTP_IF_MATCH=etag).status_code == 200


def test_bulk_review(api, alibaba, add_claim):
    claims = [add_claim(alibaba, "accounts", 25_000 + n, status="pending") for n in range(3)]
    ids = [c.pk for c in claims]

    response = api.post("/api/v1/claims/review/", {"ids": ids, "status": "rejected"},
                        format="json")

    assert response.status_code == 200
    assert response.json() == {"status": "rejected", "reviewed": ids, "skipped": [],
                               "changed": {}}
    again = api.post("/api/v1/claims/review/", {"ids": ids, "status": "accepted"},
                     format="json").json()
    assert again["reviewed"] == [] and again["skipped"] == ids
    assert api.post("/api/v1/claims/review/", {"ids": [], "status": "accepted"},
                    format="json").status_code == 400


def test_derived_checks(api, reference_data, pending):
    body = api.get("/api/v1/derived-checks/", {"campaign": "alibaba-qwen"}).json()
    assert [(r["field"], r["verdict"]) for r in body["results"]] == [
        ("duration_days", "consistent"), ("duration_days", "consistent"),
        ("duration_weeks", "consistent"), ("exchanges_ratio", "consistent")]
    ratio = body["results"][3]
    assert ratio["reading"]["value"] == 1.8
    assert [i["name"] for i in ratio["inputs"]] == ["numerator", "denominator"]
    pending_checks = api.get("/api/v1/derived-checks/", {"status": "pending"}).json()
    assert [(r["field"], r["verdict"], r["display"]) for r in pending_checks["results"]] == [
        ("duration_months", "inconsistent", "about 3")]


def test_alerts_list_and_acknowledge(api, alibaba, analyst, add_claim):
    letter = Letter.objects.create(slug="api-letter", subject="A letter citing figures")
    citation_add(document=letter, subject=alibaba, field="exchanges")
    letter.status = LetterStatus.SENT
    letter.save()
    record_saved(instance=letter)  # sent: the cited figures are snapshotted
    # The figure changes the only way it can: through its claims.
    alibaba.claims.filter(field="exchanges").update(status=ClaimStatus.REJECTED)
    add_claim(alibaba, "exchanges", 30_000_000)
    alert = FactAlert.objects.get()

    body = api.get("/api/v1/alerts/", {"status": "open"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["document"] == {"type": "letter", "key": "letter:api-letter",
                               "title": "A letter citing figures"}
    assert row["figure"]["subject"] == "campaign:alibaba-qwen"
    assert (row["cited"]["display"], row["current"]["display"]) == (
        "28.8 million", "30 million")  # as ``incidents.formatting`` writes them
    assert row["still_holds"] is False
    assert row["restricted"] == []

    assert token_client(analyst).post(
        f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code in {403, 404}
    response = api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "corrected"})
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    assert api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 409
    assert api.get("/api/v1/alerts/", {"status": "open"}).json()["count"] == 0


def test_conflicts_query_count(api, reference_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        assert api.get("/api/v1/conflicts/").status_code == 200


def test_schema_documents_the_provenance_endpoints(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/v1/conflicts/", "/api/v1/derived-checks/", "/api/v1/alerts/",
                 "/api/v1/alerts/{id}/acknowledge/", "/api/v1/claims/{id}/accept/",
                 "/api/v1/claims/{id}/reject/", "/api/v1/claims/review/"):
        assert path in schema["paths"], path


def test_alerts_name_no_hidden_document_or_subject(api, alibaba, analyst, add_claim):
    from django.contrib.auth.models import Permission

    letter = Letter.objects.create(slug="red-letter", subject="A RED letter", marking="RED")
    citation_add(document=letter, subject=alibaba, field="exchanges")
    letter.status = LetterStatus.SENT
    letter.save()
    record_saved(instance=letter)  # sent: the cited figures are snapshotted
    alibaba.claims.filter(field="exchanges").update(status=ClaimStatus.REJECTED)
    add_claim(alibaba, "exchanges", 30_000_000)
    FactAlert.objects.update(marking="GREEN")  # the alert itself visible to GREEN
    analyst.user_permissions.add(Permission.objects.get(codename="change_factalert"))
    green = token_client(analyst, "read")
    body = green.get("/api/v1/alerts/").json()
    (row,) = body["results"]
    assert row["document"] is None and row["restricted"] == ["document"]
    assert "red-letter" not in str(body) and "A RED letter" not in str(body)
    Campaign.objects.filter(pk=alibaba.pk).update(marking="RED")
    row = green.get("/api/v1/alerts/").json()["results"][0]
    assert (row["figure"], row["cited"], row["current"]) == (None, None, None)
    assert row["restricted"] == ["cited", "current", "document", "figure"]
    assert "alibaba" not in str(row)
