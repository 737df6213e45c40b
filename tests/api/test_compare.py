"""Cross-referencing campaigns on the reference data, and the arithmetic behind it."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidents import crossref

COMPARE = "/api/v1/campaigns/compare/"


@pytest.fixture
def comparison(reference_data, admin_api):
    response = admin_api.get(COMPARE, {"ids": "february-2026-cluster,alibaba-qwen"})
    assert response.status_code == 200, response.content
    return response.json()


def test_compare_february_cluster_with_alibaba(comparison):
    february, alibaba = comparison["campaigns"]
    assert (february["slug"], alibaba["slug"]) == ("february-2026-cluster", "alibaba-qwen")
    assert february["exchanges"]["value"] == 16_000_000
    assert alibaba["exchanges"]["value"] == 28_800_000
    assert february["accounts"]["value"] == 24_000
    assert alibaba["accounts"]["value"] == 25_000
    assert alibaba["period"] == {
        "start": "2026-04-22", "end": "2026-06-05", "start_precision": "day",
        "end_precision": "day", "days": 45,
    }
    assert alibaba["exchanges_per_account"] == 1152
    assert alibaba["exchanges_per_day"] == 640_000
    (pair,) = comparison["pairs"]
    assert (pair["a"], pair["b"]) == ("february-2026-cluster", "alibaba-qwen")
    assert pair["exchanges_ratio"] == 1.8
    assert pair["accounts_ratio"] == pytest.approx(25_000 / 24_000, abs=1e-4)
    assert pair["overlap_days"] is None  # the cluster's period is not known
    assert pair["capabilities"]["shared"] == ["agentic-reasoning"]
    assert pair["techniques"]["shared"] == ["fraudulent-accounts", "model-extraction"]
    assert pair["actors"] == {"shared": [], "jaccard": 0.0}


def test_figures_carry_their_sources(comparison):
    exchanges = comparison["campaigns"][1]["exchanges"]
    assert exchanges["qualifier"] in {"exact", "about"}
    keys = {s["key"] for s in exchanges["sources"]}
    assert {"cnbc-2026-06-24", "wire-summary-bloomberg-reuters"} <= keys
    cited = exchanges["sources"][0]
    assert set(cited) >= {"key", "title", "url", "reliability", "quote", "credibility"}
    assert cited["quote"]
    assert exchanges["conflict"] is False


def test_ratio_is_b_over_a_in_the_order_asked(reference_data, admin_api):
    response = admin_api.get(COMPARE, {"ids": "alibaba-qwen,february-2026-cluster"})
    assert response.json()["pairs"][0]["exchanges_ratio"] == pytest.approx(16 / 28.8, abs=1e-4)


def test_compare_with_the_labs_of_the_cluster(reference_data, admin_api):
    ids = "alibaba-qwen,deepseek-feb-2026,moonshot-feb-2026,minimax-feb-2026"
    data = admin_api.get(COMPARE, {"ids": ids}).json()
    assert len(data["campaigns"]) == 4
    assert len(data["pairs"]) == 6
    exchanges = {c["slug"]: c["exchanges"]["value"] for c in data["campaigns"]}
    assert exchanges["minimax-feb-2026"] == 13_000_000


def test_cluster_figures_roll_up_when_it_has_none(reference_data, admin_api):
    cluster = admin_api.get("/api/v1/campaigns/february-2026-cluster/").json()
    assert cluster["children"] == ["deepseek-feb-2026", "minimax-feb-2026", "moonshot-feb-2026"]
    # The cluster's own claims (16 M) stand; its accounts too.
    assert cluster["exchanges"]["rolled_up"] is False


@pytest.mark.parametrize(("ids", "reason"), [
    ("alibaba-qwen", "2 to 10"),
    ("alibaba-qwen,alibaba-qwen", "only once"),
    (",".join(f"c{i}" for i in range(11)), "2 to 10"),
    ("", "empty"),
    ("alibaba-qwen,not a slug", "Not a slug"),
])
def test_compare_rejects_bad_selections_with_a_reason(reference_data, admin_api, ids, reason):
    response = admin_api.get(COMPARE, {"ids": ids})
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "ids"
    assert reason in body["errors"][0]["reason"]


def test_compare_unknown_campaign_is_404(reference_data, admin_api):
    response = admin_api.get(COMPARE, {"ids": "alibaba-qwen,no-such-campaign"})
    assert response.status_code == 404
    assert "no-such-campaign" in response.json()["detail"]


def test_compare_hides_campaigns_above_the_token_clearance(reference_data, admin_user):
    from incidents.models import Campaign
    from kb.api.services import api_token_create
    from tests.api.conftest import client_with_token

    Campaign.objects.filter(slug="alibaba-qwen").update(marking="RED")
    _, raw = api_token_create(user=admin_user, scope="read", clearance="AMBER")
    response = client_with_token(raw).get(COMPARE, {"ids": "february-2026-cluster,alibaba-qwen"})
    assert response.status_code == 404


# -- the arithmetic, without the database -----------------------------------------------


def test_inclusive_days_counts_both_ends():
    assert crossref.inclusive_days(dt.date(2026, 4, 22), dt.date(2026, 6, 5)) == 45
    assert crossref.inclusive_days(dt.date(2026, 1, 1), dt.date(2026, 1, 1)) == 1
    assert crossref.inclusive_days(None, dt.date(2026, 1, 1)) is None
    assert crossref.inclusive_days(dt.date(2026, 1, 2), dt.date(2026, 1, 1)) is None


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1))


@given(dates, dates, dates, dates)
def test_overlap_is_symmetric_and_within_both_periods(a1, a2, b1, b2):
    a = crossref.Period(min(a1, a2), max(a1, a2))
    b = crossref.Period(min(b1, b2), max(b1, b2))
    overlap = crossref.overlap_days(a, b)
    assert overlap == crossref.overlap_days(b, a)
    assert 0 <= overlap <= min(a.days, b.days)
    assert crossref.overlap_days(a, a) == a.days


words = st.sets(st.sampled_from("abcdefgh"))


@given(words, words)
def test_jaccard_bounds(a, b):
    value = crossref.jaccard(a, b)
    assert value == crossref.jaccard(b, a)
    assert 0 <= value <= 1
    assert (value == 1) == (bool(a) and a == b)


def test_check_selection():
    crossref.check_selection(["a", "b"])
    with pytest.raises(crossref.CompareError, match="only once"):
        crossref.check_selection(["a", "a"])
    with pytest.raises(crossref.CompareError, match="got 1"):
        crossref.check_selection(["a"])
