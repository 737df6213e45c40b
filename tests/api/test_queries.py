"""No N+1: every list endpoint answers a full page (and the CSV of it) in a fixed
number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest

from tests.api.conftest import ROWS

# endpoint → the most queries one page may take (auth, count, page, prefetches).
LIST_ENDPOINTS = {
    "actors": 4,
    "incidents": 16,
    "campaigns": 14,
    "account-clusters": 6,
    "accounts": 4,
    "exchange-volumes": 5,
    "capabilities": 4,
    "techniques": 4,
    "letters": 7,
    "coverage": 5,
    "events": 7,
    "relationships": 5,
    "sources": 4,
    "claims": 6,
}


@pytest.mark.parametrize(("endpoint", "max_queries"), sorted(LIST_ENDPOINTS.items()))
def test_list_query_count_is_bounded(endpoint, max_queries, many_rows, admin_api,
                                     django_assert_max_num_queries):
    with django_assert_max_num_queries(max_queries):
        response = admin_api.get(f"/api/v1/{endpoint}/", {"page_size": 100})
    assert response.status_code == 200, response.content
    assert response.json()["count"] >= ROWS
    assert len(response.json()["results"]) >= ROWS


@pytest.mark.parametrize("endpoint", ["campaigns", "claims", "events"])
def test_csv_query_count_matches_json(endpoint, many_rows, admin_api,
                                      django_assert_max_num_queries):
    with django_assert_max_num_queries(LIST_ENDPOINTS[endpoint]):
        response = admin_api.get(f"/api/v1/{endpoint}/", {"page_size": 100, "format": "csv"})
    assert response.status_code == 200
    assert response.content.decode().count("\r\n") > ROWS


def test_every_list_endpoint_is_pinned():
    from kb.api.views.entities import VIEWSETS

    assert {prefix for prefix, _ in VIEWSETS} == set(LIST_ENDPOINTS)


def test_crossref_query_counts(many_rows, admin_api, django_assert_max_num_queries):
    ids = ",".join(f"campaign-{i}" for i in range(10))
    with django_assert_max_num_queries(13):
        assert admin_api.get("/api/v1/campaigns/compare/", {"ids": ids}).status_code == 200
    # +2: the incidents' claims, for disclosure dates as the reader's figures.
    with django_assert_max_num_queries(26):
        response = admin_api.get("/api/v1/campaigns/campaign-0/related/", {"limit": 50})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 50
    with django_assert_max_num_queries(18):
        response = admin_api.get("/api/v1/incidents/incident-0/timeline/")
    assert response.status_code == 200
    assert len(response.json()["events"]) >= ROWS
    # One claims query per level's campaigns: edge dates are the reader's figures.
    with django_assert_max_num_queries(30):
        response = admin_api.get("/api/v1/graph/", {"root": "actor:actor-0", "depth": 3})
    assert response.status_code == 200
    assert len(response.json()["nodes"]) > ROWS
