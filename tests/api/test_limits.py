"""A request body over Django's upload limit is a clear 413, not a server error, and
nothing is stored; the reserved slugs of list-level routes are refused."""

from __future__ import annotations

import json

import pytest

from incidents.models import Campaign, Letter

pytestmark = pytest.mark.django_db


def test_an_oversized_body_is_413_with_the_limit(admin_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"slug": "big", "name": "Big", "description": "x" * 20_000})
    response = admin_api.post("/api/v1/campaigns/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "10,000 bytes" in response.json()["detail"]
    assert not Campaign.objects.filter(slug="big").exists()


@pytest.mark.parametrize(("prefix", "payload"), [
    ("letters", {"slug": "recipients", "subject": "A letter"}),
    ("letters", {"slug": "from-incident", "subject": "A letter"}),
    ("campaigns", {"slug": "compare", "name": "A campaign"}),
])
def test_a_slug_naming_a_route_is_refused(admin_api, prefix, payload):
    response = admin_api.post(f"/api/v1/{prefix}/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "slug"
    assert "reserved" in response.json()["errors"][0]["reason"]
    assert not Letter.objects.filter(slug=payload["slug"]).exists()
    assert not Campaign.objects.filter(slug=payload["slug"]).exists()
