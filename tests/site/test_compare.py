"""The comparison page: the form, the table, charts, shared vocabularies, overlaps, its
errors, its visibility and its fixed number of queries."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

#: Queries of a comparison, whatever the number of campaigns (2 to 10).
COMPARE_QUERIES = 15


def url(*slugs: str) -> str:
    return reverse("compare") + "?" + urlencode([("campaigns", s) for s in slugs])


def login(client: Any, clearance: str | None = None) -> Any:
    user = f.UserFactory(clearance=clearance) if clearance else f.UserFactory()
    client.force_login(user)
    return user


def campaigns(n: int) -> list[Any]:
    """``n`` campaigns with operators, capabilities, techniques, children and claims."""
    shared_cap = f.CapabilityFactory(name="Shared capability")
    shared_tech = f.TechniqueFactory(name="Shared technique")
    made = []
    for i in range(n):
        op = f.ActorFactory(name=f"Operator {i}")
        c = f.CampaignFactory(
            slug=f"c-{i}", name=f"Campaign {i}", operators=[op],
            capabilities=[shared_cap, f.CapabilityFactory(name=f"Own capability {i}")],
            techniques=[shared_tech],
        )
        f.CampaignFactory(parent=c, operators=[op])
        source = f.SourceFactory()
        f.ClaimFactory(subject=c, field="exchanges", value=1_000_000 * (i + 1), source=source)
        f.ClaimFactory(subject=c, field="accounts", value=1000, qualifier="about", source=source)
        f.ClaimFactory(subject=c, field="start_date", value="2026-04-01", precision="day",
                       source=source)
        f.ClaimFactory(subject=c, field="end_date", value=f"2026-04-{10 + i:02d}",
                       precision="day", source=source)
        made.append(c)
    return made


def test_the_form_lists_visible_campaigns_with_labels(client):
    login(client)
    f.CampaignFactory(name="Seen campaign")
    f.CampaignFactory(name="Red campaign", marking="RED")
    response = client.get(reverse("compare"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<h1") == 1
    assert "Seen campaign" in body and "Red campaign" not in body
    assert '<label class="choice"><input type="checkbox" name="campaigns"' in body
    assert "<legend>" in body


def test_two_campaigns_compared(client):
    login(client)
    a, b = campaigns(2)
    response = client.get(url(a.slug, b.slug))
    body = response.content.decode()
    assert response.status_code == 200
    # The table, figures formatted in the one formatting home.
    assert 'aria-label="Comparison of the campaigns"' in body
    assert "1 million" in body and "2 million" in body and "about 1,000" in body
    assert "1 April – 10 April 2026" in body
    # Exchanges per account (about, since accounts are "about") and per day (10 days).
    assert "about 1,000" in body and "100,000" in body
    # Four bar charts from P3's bar_chart, as SVG.
    for title in ("Exchanges", "Fraudulent accounts", "Exchanges per account",
                  "Exchanges per day"):
        assert title in body
    assert body.count("<svg") >= 4
    # Shared capabilities and techniques; time overlap of the pair.
    assert "Shared capability" in body and "all 2" in body
    assert "Own capability 0" in body and "only" in body
    assert "Shared technique" in body
    assert "10 days in common" in body
    # Figures are footnoted with their sources.
    assert 'id="fn-1"' in body


def test_order_is_the_order_asked(client):
    login(client)
    a, b, c = campaigns(3)
    body = client.get(url(c.slug, a.slug, b.slug)).content.decode()
    assert body.index('data-campaign="c-2"') < body.index('data-campaign="c-0"') \
        < body.index('data-campaign="c-1"')


@pytest.mark.parametrize("count", [0, 1, 11])
def test_fewer_than_two_or_more_than_ten_is_a_400_with_a_message(client, count):
    login(client)
    made = campaigns(11)
    response = client.get(url(*[c.slug for c in made[:count]]) if count else
                          reverse("compare") + "?campaigns=")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body and "Compare 2 to 10 campaigns" in body
    assert "Side by side" not in body


def test_repeated_campaign_is_a_400(client):
    login(client)
    a, b = campaigns(2)
    response = client.get(url(a.slug, a.slug))
    assert response.status_code == 400
    assert "only once" in response.content.decode()


def test_a_hidden_slug_reads_exactly_like_an_unknown_one(client):
    login(client)
    a, _ = campaigns(2)
    f.CampaignFactory(slug="secret-one", name="Secret one", marking="RED")
    hidden = client.get(url(a.slug, "secret-one"))
    missing = client.get(url(a.slug, "nosuch-one"))
    assert hidden.status_code == missing.status_code == 400
    def neutral(body: bytes, slug: str) -> str:
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body.decode())
        return text.replace(slug, "SLUG")

    hidden_body, missing_body = neutral(hidden.content, "secret-one"), neutral(
        missing.content, "nosuch-one")
    assert hidden_body == missing_body
    assert "Secret one" not in hidden.content.decode()
    assert "No campaign matches" in hidden_body


def test_hidden_capability_operator_and_child_are_neither_named_nor_counted(client):
    login(client)
    red_cap = f.CapabilityFactory(name="Red capability", marking="RED")
    red_op = f.ActorFactory(name="Red operator", marking="RED")
    a = f.CampaignFactory(slug="a", capabilities=[red_cap], operators=[red_op])
    b = f.CampaignFactory(slug="b", capabilities=[red_cap])
    red_child = f.CampaignFactory(parent=a, marking="RED")
    f.ClaimFactory(subject=red_child, field="exchanges", value=777_000_000)
    body = client.get(url(a.slug, b.slug)).content.decode()
    assert "Red capability" not in body and "Red operator" not in body
    assert "777" not in body
    assert "all 2" not in body
    assert 'class="tag restricted"' in body  # the operator's place, one marker


def test_figures_are_the_readers_own(client):
    """An AMBER claim counts for an AMBER reader and not for a GREEN one."""
    a, b = campaigns(2)
    amber = f.SourceFactory(marking="AMBER")
    f.ClaimFactory(subject=a, field="accounts", value=999_999, source=amber, marking="AMBER",
                   credibility=1)
    green = f.UserFactory()
    client.force_login(green)
    assert "999,999" not in client.get(url(a.slug, b.slug)).content.decode()


@pytest.mark.parametrize("n", [2, 10])
def test_comparison_runs_in_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    login(client)
    made = campaigns(10)
    slugs = [c.slug for c in made[:n]]
    with django_assert_num_queries(COMPARE_QUERIES):
        response = client.get(url(*slugs))
    assert response.status_code == 200


def test_two_and_ten_campaigns_cost_the_same(client):
    login(client)
    made = campaigns(10)
    counts = []
    for n in (2, 10):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(*[c.slug for c in made[:n]])).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_the_february_cluster_against_alibaba(client, reference_data):
    login(client)
    body = client.get(url("february-2026-cluster", "alibaba-qwen")).content.decode()
    assert "28.8 million" in body
    assert "about 25,000" in body and "about 24,000" in body
    assert "22 April – 5 June 2026" in body
    assert "45" in body  # days, both ends counted
    assert "Agentic reasoning" in body and "Fraudulent accounts" in body
