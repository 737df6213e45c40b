"""Writes through the services: validation as 400 with field and reason, ETag and
If-Match (412 changes nothing), history entries, claims."""

from __future__ import annotations

import pytest
from wagtail.models import ModelLogEntry

from incidents.models import Actor, Campaign, Claim

CAMPAIGN = "/api/v1/campaigns/alibaba-qwen/"


def test_create_update_delete_an_actor(reference_data, admin_api):
    created = admin_api.post("/api/v1/actors/", {
        "slug": "example-lab", "name": "Example lab", "kind": "ai_lab", "parent": "alibaba",
        "aliases": ["Example"],
    })
    assert created.status_code == 201, created.content
    assert created["ETag"]
    assert created.json()["parent"] == "alibaba"
    actor = Actor.objects.get(slug="example-lab")
    assert ModelLogEntry.objects.filter(object_id=str(actor.pk), action="wagtail.create").exists()

    patched = admin_api.patch("/api/v1/actors/example-lab/", {"country": "China"})
    assert patched.status_code == 200
    assert patched.json()["country"] == "China"
    assert patched["ETag"] != created["ETag"]

    assert admin_api.delete("/api/v1/actors/example-lab/").status_code == 204
    assert not Actor.objects.filter(slug="example-lab").exists()


def test_detail_has_a_stable_etag(reference_data, admin_api):
    first, second = admin_api.get(CAMPAIGN), admin_api.get(CAMPAIGN)
    assert first["ETag"] == second["ETag"]
    assert first["ETag"].startswith('"')


def test_update_with_current_if_match_succeeds(reference_data, admin_api):
    etag = admin_api.get(CAMPAIGN)["ETag"]
    response = admin_api.patch(CAMPAIGN, {"description": "Updated."}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["description"] == "Updated."


def test_stale_if_match_is_412_and_changes_nothing(reference_data, admin_api):
    stale = admin_api.get(CAMPAIGN)["ETag"]
    assert admin_api.patch(CAMPAIGN, {"description": "First."}).status_code == 200
    before = Campaign.objects.get(slug="alibaba-qwen")
    response = admin_api.patch(CAMPAIGN, {"description": "Second."}, HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    after = Campaign.objects.get(slug="alibaba-qwen")
    assert (after.description, after.updated_at) == ("First.", before.updated_at)
    assert admin_api.delete(CAMPAIGN, HTTP_IF_MATCH=stale).status_code == 412
    assert Campaign.objects.filter(slug="alibaba-qwen").exists()


def test_weak_etag_never_matches(reference_data, admin_api):
    etag = admin_api.get(CAMPAIGN)["ETag"]
    response = admin_api.patch(CAMPAIGN, {"description": "x"}, HTTP_IF_MATCH=f"W/{etag}")
    assert response.status_code == 412


def test_model_validation_is_400_with_field_and_reason(reference_data, admin_api):
    from incidents.models import Relationship

    rel = Relationship.objects.filter(start_date__isnull=False).first()
    response = admin_api.patch(f"/api/v1/relationships/{rel.pk}/",
                               {"start_date": "2026-07-01", "end_date": "2026-06-01"})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "end_date"
    assert "before it starts" in error["reason"]


SOURCE = "cnbc-2026-06-24"


@pytest.mark.parametrize(("payload", "field"), [
    ({"exchanges": -5}, "exchanges"),
    ({"exchanges": {"value": -5, "source": SOURCE}}, "exchanges.value"),
    ({"exchanges": {"value": "many", "source": SOURCE}}, "exchanges.value"),
    ({"operators": ["no-such-actor"]}, "operators"),
    ({"exchanges": {"value": 5, "qualifier": "roughly", "source": SOURCE}},
     "exchanges.qualifier"),
    ({"slug": "february-2026-cluster"}, "slug"),
    ({"parent": "alibaba-qwen"}, "parent"),
    ({"name": "x" * 301}, "name"),
])
def test_serializer_validation_names_the_field(reference_data, admin_api, payload, field):
    response = admin_api.patch(CAMPAIGN, payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field
    assert response.json()["errors"][0]["reason"]


def test_missing_required_fields_are_listed(db, admin_api):
    response = admin_api.post("/api/v1/actors/", {})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"slug", "name", "kind"}


def test_relationship_needs_exactly_one_object(reference_data, admin_api):
    response = admin_api.post("/api/v1/relationships/", {"kind": "accused", "subject": "anthropic"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "object_actor"


def test_a_figure_is_not_written_by_value(reference_data, admin_api):
    typed = admin_api.post("/api/v1/campaigns/", {
        "slug": "example", "name": "Example", "exchanges": 1000, "accounts": 10})
    assert typed.status_code == 400
    assert {e["field"] for e in typed.json()["errors"]} == {"exchanges", "accounts"}
    assert not Campaign.objects.filter(slug="example").exists()


def test_writing_a_figure_with_its_claim(reference_data, admin_api):
    def claim(value, **extra):
        return {"value": value, "source": SOURCE, "quote": "q", **extra}

    created = admin_api.post("/api/v1/campaigns/", {
        "slug": "example", "name": "Example", "exchanges": claim(1000, qualifier="about"),
        "accounts": claim(10), "start_date": claim("2026-01-01"),
        "end_date": claim("2026-01-10"), "operators": ["deepseek"],
    }, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    sources = body["exchanges"].pop("sources")
    assert body["exchanges"] == {"value": 1000, "qualifier": "about", "rolled_up": False,
                                 "conflict": False}
    assert [s["key"] for s in sources] == [SOURCE]
    assert body["period_days"] == 10
    compare = admin_api.get("/api/v1/campaigns/compare/", {"ids": "example,alibaba-qwen"})
    assert compare.json()["campaigns"][0]["exchanges_per_account"] == 100


def test_delete_of_a_referenced_source_is_409(reference_data, admin_api):
    response = admin_api.delete("/api/v1/sources/cnbc-2026-06-24/")
    assert response.status_code == 409
    assert "claims" in response.json()["detail"]


def test_derived_events_are_read_only(reference_data, admin_api):
    derived = admin_api.get("/api/v1/events/", {"kind": "campaign_start"}).json()["results"][0]
    assert derived["derived"] is True
    url = f"/api/v1/events/{derived['id']}/"
    assert admin_api.patch(url, {"title": "x"}).status_code == 400
    assert admin_api.delete(url).status_code == 400


def test_claim_post_is_idempotent_and_pending(reference_data, admin_api):
    payload = {"subject": "campaign:alibaba-qwen", "field": "accounts", "value": 26000,
               "qualifier": "about", "source": "cnbc-2026-06-24", "quote": "some 26,000"}
    first = admin_api.post("/api/v1/claims/", payload)
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "pending"
    assert first.json()["subject"] == "campaign:alibaba-qwen"
    second = admin_api.post("/api/v1/claims/", payload)
    assert second.json()["id"] == first.json()["id"]
    # Pending claims do not move the shown figure.
    assert admin_api.get(CAMPAIGN).json()["accounts"]["value"] == 25_000


@pytest.mark.parametrize(("payload", "field"), [
    ({"subject": "campaign:nope"}, "subject"),
    ({"subject": "planet:earth"}, "subject"),
    ({"field": "colour"}, "field"),
    ({"value": "lots"}, "value"),
    ({"source": "nope"}, "source"),
    ({"value": ["a\u0000b"]}, "value"),
])
def test_claim_validation(reference_data, admin_api, payload, field):
    base = {"subject": "campaign:alibaba-qwen", "field": "accounts", "value": 1,
            "source": "cnbc-2026-06-24"}
    response = admin_api.post("/api/v1/claims/", {**base, **payload})
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field


def test_claim_edit_refreshes_the_figure_and_delete_too(reference_data, admin_api):
    claims = admin_api.get("/api/v1/claims/", {"subject": "campaign:alibaba-qwen",
                                               "field": "accounts", "page_size": 100})
    ids = [c["id"] for c in claims.json()["results"]]
    assert len(ids) == 7
    edit = admin_api.patch(f"/api/v1/claims/{ids[0]}/", {"note": "checked", "value": 1})
    assert edit.status_code == 200
    assert edit.json()["note"] == "checked"
    assert edit.json()["value"] == 25000  # what a claim says cannot be edited
    for claim_id in ids:
        assert admin_api.delete(f"/api/v1/claims/{claim_id}/").status_code == 204
    assert not Claim.objects.filter(pk__in=ids).exists()


def test_unknown_paths_under_the_api_are_json_404(db, admin_api):
    for path in ["/api/v1/nope/", "/api/v1/actors/a.b/", "/api/v1/actors/x/y/"]:
        response = admin_api.get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")


def test_nul_in_query_is_400(db, admin_api):
    response = admin_api.get("/api/v1/actors/", {"search": "a\x00"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "search"


@pytest.mark.parametrize("params", [
    {"ordering": "nope"}, {"ordering": ""}, {"ordering": "name,,slug"},
    {"page_size": "0"}, {"page_size": "x"}, {"kind": "planet"},
    {"created_on_after": "2026-99-99"},
])
def test_malformed_list_parameters_are_400(db, admin_api, params):
    endpoint = "/api/v1/accounts/" if "created_on_after" in params else "/api/v1/actors/"
    response = admin_api.get(endpoint, params)
    assert response.status_code == 400, response.content
    field = response.json()["errors"][0]["field"]
    assert any(name.startswith(field) for name in params)  # range filters: the base name


def test_datetime_filter_with_a_far_offset_is_read_in_utc(db, admin_api):
    # RFC 3339 allows offsets up to ±23:59; PostgreSQL stores at most ±15:59, so the
    # filter must hand the database UTC (this was a 500 on PostgreSQL).
    response = admin_api.get("/api/v1/accounts/",
                             {"created_on_after": "0656-01-02T15:39:33+17:50"})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0
