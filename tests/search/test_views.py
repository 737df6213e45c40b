"""The search page and ``GET /api/v1/search/``: login, clearance, shape, escaping, facet
links, paging, and a pinned number of queries whatever the size of the page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from incidents.models import Incident, Letter, Marking
from kb.api.services import api_token_create
from tests import factories as f

pytestmark = pytest.mark.django_db

# Queries one search may take: session and user (2), clearance (1), the visibility
# check of the page's hits (one per kind of record on it, at most 9), and for PostgreSQL
# the search itself (state, index check, word lookups, count and facets, page, snippets).
MAX_QUERIES = {"whoosh": 12, "postgres": 20}
# The page lists claims under their subjects: a second search for the claims of the
# page's subjects (for PostgreSQL: index check, word lookups, rows, snippets), one for
# the subjects that did not match themselves, and their visibility checks (the reference
# briefing among them: its page is checked to be still live, once per search).
PAGE_QUERIES = {"whoosh": 18, "postgres": 32}


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def api(user, clearance=None):
    _, raw = api_token_create(user=user, clearance=clearance, name="search tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


# --- the page --------------------------------------------------------------------------

def test_the_page_needs_a_login(client):
    response = client.get("/search/", {"q": "Alibaba"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_page_shows_highlighted_results_and_facet_links(indexed, client, green_user):
    client.force_login(green_user)
    html = client.get("/search/", {"q": "Senate Banking"}).content.decode()
    letter = Letter.objects.get(slug="anthropic-to-senate-banking-2026-06-10")
    assert f'data-key="letter:{letter.pk}"' in html
    assert "<mark>Senate</mark> <mark>Banking</mark>" in html
    assert 'data-facet="type"' in html and "?q=Senate+Banking&amp;type=letter" in html

    filtered = client.get("/search/", {"q": "Senate Banking", "type": "letter"})
    html = filtered.content.decode()
    assert filtered.context["results"].count == 1
    assert "Filtering by" in html and 'aria-current="true"' in html

    typo = client.get("/search/", {"q": "Alibba"}).content.decode()
    assert "Showing results for" in typo and "<em>alibaba</em>" in typo
    assert "Search incidents" in client.get("/search/").content.decode()


def test_the_page_escapes_what_it_shows(indexed, client, admin_user,
                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Incident.objects.create(slug="xss", title="<script>alert(1)</script> Wombat",
                                summary="<b>Wombat</b> & friends")
    client.force_login(admin_user)
    html = client.get("/search/", {"q": "Wombat"}).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<mark>Wombat</mark>" in html and "&amp; friends" in html and "<b>" not in html


def _keys(response) -> set[str]:
    return {g["head"].key for g in response.context["groups"]} | {
        m["hit"].key for g in response.context["groups"] for m in g["members"]}


def test_the_page_pages_and_keeps_its_query_count(indexed, client, green_user, search_backend,
                                                  django_assert_max_num_queries):
    client.force_login(green_user)
    with django_assert_max_num_queries(PAGE_QUERIES[search_backend]):
        first = client.get("/search/", {"q": "Alibaba"})
    assert len(first.context["groups"]) == 20
    assert 'rel="next"' in first.content.decode()
    second = client.get("/search/", {"q": "Alibaba", "page": 2})
    assert _keys(first).isdisjoint(_keys(second))


def _seed_rows(n: int) -> None:
    """``n`` incidents, each with a campaign (two claims about it, one about a part of
    it), a letter, an event and a piece of coverage, all holding the word "Pemberly"."""
    for i in range(n):
        incident = f.IncidentFactory(title=f"Pemberly inquiry {i}")
        campaign = f.CampaignFactory(name=f"Pemberly campaign {i}", incident=incident)
        cluster = f.AccountClusterFactory(campaign=campaign)
        source = f.SourceFactory(title=f"Pemberly report {i}")
        f.ClaimFactory(subject=campaign, source=source, quote="Pemberly counted")
        f.ClaimFactory(subject=campaign, field="accounts", value=30, source=source,
                       quote="Pemberly accounts")
        f.ClaimFactory(subject=cluster, field="count", value=30, source=source,
                       quote="Pemberly cluster")
        f.LetterFactory(subject=f"Pemberly letter {i}", incidents=[incident])
        f.EventFactory(title=f"Pemberly hearing {i}", incidents=[incident])
        f.CoverageFactory(title=f"Pemberly story {i}")


def test_the_page_takes_as_many_queries_for_many_rows_as_for_few(
        search_backend, client, green_user, django_capture_on_commit_callbacks):
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("search_index", "rebuild", "--no-progress")
    client.force_login(green_user)
    counts = []
    for n in (2, 4):
        with django_capture_on_commit_callbacks(execute=True):
            _seed_rows(n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/search/", {"q": "Pemberly"})
        assert response.status_code == 200 and response.context["groups"]
        counts.append(len(queries))
    # One visibility check per kind of record on the page, whatever the number of rows
    # (a page of a bigger result may hold fewer kinds, never more queries).
    assert counts[1] <= counts[0] <= PAGE_QUERIES[search_backend], counts


# --- the API ---------------------------------------------------------------------------

def test_the_api_needs_a_credential(db):
    response = APIClient().get("/api/v1/search/", {"q": "Alibaba"})
    assert response.status_code == 401


def test_the_api_answers_count_results_and_facets(indexed, green_user, search_backend,
                                                  django_assert_max_num_queries):
    client = api(green_user)
    with django_assert_max_num_queries(MAX_QUERIES[search_backend] + 2):  # token lookup
        response = client.get("/api/v1/search/", {"q": "Qwen distillation"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "page", "page_size", "results", "facets", "corrections",
                         "unavailable"}
    top = body["results"][0]
    assert top["type"] == "incident" and top["slug"] == "alibaba-qwen-2026"
    assert top["url"] == "/incidents/alibaba-qwen-2026/" and top["score"] > 0
    assert "<mark>" in top["highlight"] and top["marking"] == "CLEAR"
    assert set(body["facets"]) == {"type", "actor", "year", "region", "lens"}
    assert sum(v["count"] for v in body["facets"]["type"]) == body["count"]

    coverage = client.get("/api/v1/search/", {"q": "Alibaba", "type": "coverage"}).json()
    assert coverage["count"] > 0 and {r["type"] for r in coverage["results"]} == {"coverage"}
    assert coverage["facets"]["type"] == [{"value": "coverage", "count": coverage["count"]}]

    typo = client.get("/api/v1/search/", {"q": "Alibba"}).json()
    assert typo["corrections"] == {"alibba": ["alibaba"]}


def test_the_api_applies_the_token_clearance(indexed, admin_user,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Incident.objects.create(slug="amber-case", title="Amber kestrel case",
                                marking=Marking.AMBER)
    assert api(admin_user).get("/api/v1/search/", {"q": "kestrel"}).json()["count"] == 1
    green = api(admin_user, clearance=Marking.GREEN).get("/api/v1/search/", {"q": "kestrel"})
    assert green.json()["count"] == 0 and green.json()["facets"]["type"] == []


def test_the_api_validates_its_parameters(indexed, green_user):
    client = api(green_user)
    assert client.get("/api/v1/search/", {"q": "Alibaba", "page_size": 0}).status_code == 400
    assert client.get("/api/v1/search/", {"q": "Alibaba", "sort": "size"}).status_code == 400
    past = client.get("/api/v1/search/", {"q": "Alibaba", "page": 99})
    assert past.status_code == 200 and past.json()["results"] == [] and past.json()["count"]
    assert client.get("/api/v1/search/", {"q": "Alibaba", "page": 1001}).status_code == 400
    assert client.get("/api/v1/search/", {"q": "Alibaba", "sort": ""}).status_code == 400
    assert client.get("/api/v1/search/", {"q": "a\x00b"}).status_code == 400
    dated = client.get("/api/v1/search/", {"q": "Alibaba", "sort": "date", "page_size": 100})
    dates = [r["date"] for r in dated.json()["results"] if r["date"]]
    assert dates == sorted(dates, reverse=True)


def test_the_api_is_in_the_openapi_schema(admin_user):
    client = api(admin_user)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/search/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "type", "page", "page_size"}
