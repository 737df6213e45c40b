"""Related campaigns, an incident's timeline, the graph, CSV, and the schema and docs."""

from __future__ import annotations

import pytest


def test_related_campaigns_are_ranked_with_reasons(reference_data, admin_api):
    response = admin_api.get("/api/v1/campaigns/alibaba-qwen/related/")
    assert response.status_code == 200
    results = response.json()["results"]
    slugs = [r["slug"] for r in results]
    assert "alibaba-qwen" not in slugs
    assert set(slugs) == {"february-2026-cluster", "deepseek-feb-2026", "moonshot-feb-2026",
                          "minimax-feb-2026"}
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    top = results[0]
    assert {reason["kind"] for reason in top["reasons"]} >= {"techniques", "target"}
    assert sum(reason["score"] for reason in top["reasons"]) == pytest.approx(top["score"])


def test_cluster_members_are_related_through_the_cluster(reference_data, admin_api):
    results = admin_api.get("/api/v1/campaigns/deepseek-feb-2026/related/").json()["results"]
    cluster = next(r for r in results if r["slug"] == "february-2026-cluster")
    assert any(reason["kind"] == "cluster" for reason in cluster["reasons"])


def test_timeline_is_in_date_order_with_derived_events(reference_data, admin_api):
    response = admin_api.get("/api/v1/incidents/alibaba-qwen-2026/timeline/")
    assert response.status_code == 200
    events = response.json()["events"]
    dates = [e["date"] for e in events]
    assert dates == sorted(dates)
    kinds = {e["kind"] for e in events}
    assert {"campaign_start", "campaign_end", "letter", "coverage", "market_move"} <= kinds
    start = next(e for e in events if e["kind"] == "campaign_start")
    assert (start["date"], start["precision"], start["derived"]) == ("2026-04-22", "day", True)
    memo = next(e for e in events if e["slug"] == "white-house-memo-2026-04")
    assert memo["precision"] == "month"
    assert memo["sources"][0]["key"] == "wire-summary-bloomberg-reuters"
    fall = next(e for e in events if e["kind"] == "market_move")
    assert fall["value"] == -4.9


def test_graph_around_alibaba(reference_data, admin_api):
    response = admin_api.get("/api/v1/graph/", {"root": "actor:alibaba", "depth": 2})
    assert response.status_code == 200
    graph = response.json()
    ids = {n["id"] for n in graph["nodes"]}
    assert {"actor:alibaba", "actor:qwen-lab", "campaign:alibaba-qwen",
            "incident:alibaba-qwen-2026", "actor:anthropic"} <= ids
    edges = {(e["source"], e["kind"], e["target"]): e for e in graph["edges"]}
    accused = edges[("actor:anthropic", "accused", "actor:alibaba")]
    assert accused["start"] == "2026-06-10"
    assert accused["sources"] == ["cnbc-2026-06-24"]
    assert not accused["derived"]
    assert edges[("actor:alibaba", "operated", "campaign:alibaba-qwen")]["derived"]
    # A recorded relationship is not repeated as a derived edge.
    part_of = [e for e in graph["edges"]
               if (e["source"], e["kind"], e["target"]) == ("actor:qwen-lab", "part_of",
                                                           "actor:alibaba")]
    assert len(part_of) == 1
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])


@pytest.mark.parametrize(("params", "status"), [
    ({"root": "actor:nobody"}, 404),
    ({"root": "planet:earth"}, 400),
    ({"root": "actor:alibaba", "depth": 9}, 400),
    ({}, 400),
])
def test_graph_errors(reference_data, admin_api, params, status):
    assert admin_api.get("/api/v1/graph/", params).status_code == status


def test_graph_respects_clearance(reference_data, admin_user):
    from incidents.models import Actor
    from kb.api.services import api_token_create
    from tests.api.conftest import client_with_token

    Actor.objects.filter(slug="qwen-lab").update(marking="RED")
    _, raw = api_token_create(user=admin_user, scope="read", clearance="GREEN")
    graph = client_with_token(raw).get("/api/v1/graph/", {"root": "actor:alibaba"}).json()
    assert "actor:qwen-lab" not in {n["id"] for n in graph["nodes"]}


def test_csv_list(reference_data, admin_api):
    response = admin_api.get("/api/v1/campaigns/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    header = lines[0].split(",")
    assert {"slug", "exchanges.value", "exchanges.qualifier", "accounts.value"} <= set(header)
    assert len(lines) == 6
    assert any("alibaba-qwen" in line and "28800000" in line for line in lines)


def test_csv_errors_are_json(db, admin_api):
    response = admin_api.get("/api/v1/actors/", {"format": "csv", "kind": "planet"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_csv_neutralises_formulas():
    from kb.api.renderers import CSVRenderer

    out = CSVRenderer().render([{"a": "=HYPERLINK(1)", "b": -4.9, "c": ["x", "y"]}]).decode()
    assert out.splitlines() == ["a,b,c", "'=HYPERLINK(1),-4.9,x;y"]


def test_schema_covers_only_the_api_and_documents_errors(admin_client):
    client = admin_client  # the schema and its docs need a login
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["paths"]
    assert all(path.startswith("/api/") for path in schema["paths"])
    assert not any("/admin" in path or "/pages" in path for path in schema["paths"])
    patch = schema["paths"]["/api/v1/campaigns/{slug}/"]["patch"]
    assert {"200", "400", "401", "403", "404", "412", "429"} <= set(patch["responses"])
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert any(p["name"] == "If-Match" for p in patch["parameters"])
    compare = schema["paths"]["/api/v1/campaigns/compare/"]["get"]
    assert "inclusively" in compare["description"]
    period = schema["components"]["schemas"]["Period"]["properties"]["days"]
    assert "45 days" in period["description"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_docs_pages_work_offline(admin_client):
    client = admin_client  # the schema and its docs need a login
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn." not in html and "unpkg" not in html
    assert "/api/v1/docs/assets/swagger-ui-dist/swagger-ui-bundle.js" in html
    asset = client.get("/api/v1/docs/assets/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
    redoc = client.get("/api/v1/docs/redoc/")
    assert redoc.status_code == 200
    assert "cdn." not in redoc.content.decode()
    assert client.get("/api/v1/docs/assets/redoc/bundles/redoc.standalone.js").status_code == 200
