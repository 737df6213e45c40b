"""The incident pages keep both promises for every reader (factory-made data).

A GREEN reader opens an incident whose target provider, a campaign's parent, operator,
capability and technique, and an event's actor are RED, with an accepted RED claim on a
GREEN campaign and a GREEN claim from a RED source. No RED name or slug may appear;
"restricted" appears where they would be named; each figure is the consensus of the
claims the reader may see, and its footnotes are exactly the sources behind it. The
RED reader sees the RED-influenced values and names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.services.claims import facts_refresh
from tests import factories as f

pytestmark = pytest.mark.django_db

RED = "RED"
GREEN = "GREEN"


@dataclass
class World:
    incident: Any
    campaign: Any  # GREEN, its parent RED
    cluster: Any  # GREEN, one GREEN and one RED child
    green_source: Any
    red_source: Any
    memo_source: Any  # GREEN source of the RED claim
    red_names: list[str]


@pytest.fixture
def world(db) -> World:
    provider = f.ActorFactory(marking=RED, slug="crimson-provider", name="Crimson Provider")
    system = f.ActorFactory(marking=GREEN, slug="jade-model", name="Jade Model")
    incident = f.IncidentFactory(marking=GREEN, slug="jade-case", title="The Jade case",
                                 target_provider=provider, target_system=system)
    parent = f.CampaignFactory(marking=RED, incident=incident, slug="crimson-cluster",
                               name="Crimson Cluster")
    operator_red = f.ActorFactory(marking=RED, slug="crimson-operator", name="Crimson Operator")
    operator = f.ActorFactory(marking=GREEN, slug="jade-operator", name="Jade Operator")
    campaign = f.CampaignFactory(
        marking=GREEN, incident=incident, parent=parent, slug="jade-campaign",
        name="Jade campaign", operators=[operator, operator_red],
        capabilities=[f.CapabilityFactory(marking=GREEN, name="Jade Coding"),
                      f.CapabilityFactory(marking=RED, slug="crimson-capability",
                                          name="Crimson Capability")],
        techniques=[f.TechniqueFactory(marking=RED, slug="crimson-technique",
                                       name="Crimson Technique")],
    )
    cluster = f.CampaignFactory(marking=GREEN, incident=incident, slug="jade-cluster",
                                name="Jade cluster")
    green_child = f.CampaignFactory(marking=GREEN, parent=cluster, slug="jade-lab",
                                    name="Jade lab")
    red_child = f.CampaignFactory(marking=RED, parent=cluster, slug="crimson-lab",
                                  name="Crimson Lab")
    actor_red = f.ActorFactory(marking=RED, slug="crimson-actor", name="Crimson Actor")
    f.EventFactory(marking=GREEN, slug="jade-statement", title="Jade statement published",
                   incidents=[incident], actors=[operator, actor_red])

    green_source = f.SourceFactory(marking=GREEN, key="jade-report", title="Jade Report",
                                   reliability="C", url="https://example.org/jade")
    red_source = f.SourceFactory(marking=RED, key="crimson-source", title="Crimson Source",
                                 reliability="A", url="https://example.org/crimson")
    memo_source = f.SourceFactory(marking=GREEN, key="desk-memo", title="Desk Memo",
                                  reliability="A")

    def claim(subject: Any, field: str, value: Any, source: Any, marking: str = GREEN,
              **kwargs: Any) -> None:
        f.ClaimFactory(subject=subject, field=field, value=value, source=source,
                       marking=marking, **kwargs)

    # exchanges: GREEN reader 1,000 (Jade Report); the RED claim, heavier, 5 million.
    claim(campaign, "exchanges", 1000, green_source, quote="one thousand exchanges",
          credibility=3)
    claim(campaign, "exchanges", 5_000_000, memo_source, marking=RED,
          quote="crimson quote of five million", credibility=1)
    # accounts: the GREEN claim from the RED source says 777, heavier than 50.
    claim(campaign, "accounts", 50, green_source, quote="fifty accounts", credibility=3)
    claim(campaign, "accounts", 777, red_source, quote="crimson quote of 777", credibility=1)
    # operators as sources state them: one names the RED operator (a conflict for both).
    claim(campaign, "operators", ["jade-operator", "crimson-operator"], green_source,
          quote="run by two operators", credibility=2)
    claim(campaign, "operators", ["jade-operator"], green_source,
          quote="run by one operator", credibility=3)
    # a ratio "of" the RED parent: cannot be checked by GREEN, never named.
    claim(campaign, "exchanges_ratio", {"of": "crimson-cluster", "ratio": 2}, green_source,
          kind="derived", quote="twice the other cluster", credibility=2)
    claim(parent, "exchanges", 500, green_source, marking=RED, quote="crimson parent")
    # the cluster's sum of parts.
    claim(green_child, "exchanges", 300, green_source, quote="three hundred")
    claim(red_child, "exchanges", 7000, red_source, marking=RED, quote="crimson seven thousand")
    claim(incident, "disclosed_on", "2026-03-02", green_source, precision="day",
          quote="disclosed 2 March")
    for subject in (campaign, parent, cluster, green_child, red_child, incident):
        facts_refresh(subject=subject)
    return World(
        incident=incident, campaign=campaign, cluster=cluster, green_source=green_source,
        red_source=red_source, memo_source=memo_source,
        red_names=["Crimson", "crimson", "five million", "5,000,000", "777"],
    )


def _page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _row(html: str, slug: str) -> str:
    return re.search(rf'<tr[^>]*data-campaign="{slug}".*?</tr>', html, re.S).group(0)


def _cell(html: str, slug: str, field: str) -> str:
    return re.search(rf'data-field="{field}">(.*?)</td>', _row(html, slug), re.S).group(1)


def _target(html: str) -> str:
    return re.search(r'<span class="target" data-field="target">.*?\)</span>', html,
                     re.S).group(0)


def _cited_sources(html: str, fragment: str) -> set[str]:
    """The source keys of the footnotes ``fragment`` refers to."""
    keys = set()
    for number in re.findall(r'href="#fn-(\d+)"', fragment):
        match = re.search(rf'<li id="fn-{number}" value="{number}" data-source="([^"]+)"', html)
        assert match, f"footnote {number} is not listed"
        keys.add(match.group(1))
    return keys


def _listed_sources(html: str) -> set[str]:
    return set(re.findall(r'<li id="fn-\d+" value="\d+" data-source="([^"]+)"', html))


@pytest.fixture
def green_reader(db):
    return f.UserFactory(username="green-reader")


@pytest.fixture
def red_reader(db):
    return f.UserFactory(username="red-reader", clearance=RED)


def test_green_reader_never_meets_a_red_name_on_the_incident_page(client, world, green_reader):
    html = _page(client, green_reader, "/incidents/jade-case/")
    for name in world.red_names:
        assert name not in html, name
    assert "Desk Memo" not in html  # the source only backs a RED claim
    # "restricted" where the hidden records would be named.
    target = _target(html)
    assert "Jade Model" in target and "restricted" in target
    name_cell = re.search(r'<th scope="row">(.*?)</th>', _row(html, "jade-campaign"),
                          re.S).group(1)
    assert 'part of <span class="tag restricted"' in name_cell  # the RED parent
    assert "Jade Operator" in name_cell and "restricted" in name_cell.split("by ", 1)[1]
    tags = re.search(r'<p class="tags" data-campaign="jade-campaign">.*?</p>', html,
                     re.S).group(0)
    assert "Jade Coding" in tags
    # One marker per field (capabilities, techniques), however many are hidden.
    assert tags.count("tag restricted") == 2
    statement = re.search(r'<tr class="k-statement">.*?</tr>', html, re.S).group(0)
    assert "Jade statement published" in statement  # the timeline chart's data table
    actors = re.search(r'<td data-label="Actors">.*?</td>', statement, re.S).group(0)
    assert "Jade Operator" in actors and 'class="tag restricted"' in actors
    # The hidden child is left out of the cluster's sum, and that is said.
    assert "crimson-lab" not in html
    assert "restricted parts left out" in _cell(html, "jade-cluster", "exchanges")


def test_green_reader_sees_the_consensus_of_green_claims_with_their_sources(
        client, world, green_reader):
    html = _page(client, green_reader, "/incidents/jade-case/")
    exchanges = _cell(html, "jade-campaign", "exchanges")
    accounts = _cell(html, "jade-campaign", "accounts")
    assert exchanges.startswith("1,000") and "sources disagree" not in exchanges
    assert accounts.startswith("50") and "sources disagree" not in accounts
    assert _cited_sources(html, exchanges) == {"jade-report"}
    assert _cited_sources(html, accounts) == {"jade-report"}
    assert _cell(html, "jade-cluster", "exchanges").startswith("300")
    assert "crimson-source" not in _listed_sources(html)
    assert _listed_sources(html) == {"jade-report"}
    assert "<q>one thousand exchanges</q>" in html
    disclosed = re.search(r'<span data-field="disclosed_on"[^>]*>(.*?)</span>', html,
                          re.S).group(0)
    assert re.match(r'<span data-field="disclosed_on"[^>]*>2 March 2026', disclosed)
    assert _cited_sources(html, disclosed) == {"jade-report"}


def test_green_reader_conflicts_and_checks_only_from_visible_claims(client, world,
                                                                   green_reader):
    html = _page(client, green_reader, "/incidents/jade-case/")
    conflicts = re.search(r'<section class="conflicts".*?</section>', html, re.S).group(0)
    # The only conflict a GREEN reader sees is between two claims they may see; the
    # hidden operator is a marker, and no RED claim adds a conflict on a figure.
    assert conflicts.count('<article class="conflict') == 1
    assert 'data-key="campaign:jade-campaign:operators"' in conflicts
    assert "jade-operator, restricted" in conflicts
    assert "exchanges" not in conflicts and "accounts" not in conflicts
    derived = re.search(r'<section class="derived" data-campaign="jade-campaign">.*?</section>',
                        html, re.S).group(0)
    assert "cannot be checked" in derived  # the campaign compared with is hidden


def test_red_reader_sees_the_red_influenced_figures_and_names(client, world, red_reader):
    html = _page(client, red_reader, "/incidents/jade-case/")
    exchanges = _cell(html, "jade-campaign", "exchanges")
    accounts = _cell(html, "jade-campaign", "accounts")
    assert exchanges.startswith("5 million") and "sources disagree" in exchanges
    assert _cited_sources(html, exchanges) == {"desk-memo"}
    assert accounts.startswith("777")
    assert _cited_sources(html, accounts) == {"crimson-source"}
    assert _cell(html, "jade-cluster", "exchanges").startswith("7,300")
    assert 'class="tag restricted' not in html
    for name in ("Crimson Provider", "Crimson Operator", "Crimson Capability",
                 "Crimson Technique", "Crimson Actor", "Crimson Cluster", "Crimson Lab"):
        assert name in html, name
    assert 'data-key="campaign:jade-campaign:exchanges"' in html


def test_green_reader_list_page(client, world, green_reader):
    html = _page(client, green_reader, reverse("incident-list"))
    for name in world.red_names:
        assert name not in html, name
    assert "The Jade case" in html
    # The GREEN campaign of a RED parent is listed on its own, the parent a marker.
    assert 'part of <span class="tag restricted"' in _row(html, "jade-campaign")
    assert _cell(html, "jade-campaign", "exchanges").startswith("1,000")
    assert _listed_sources(html) == {"jade-report"}
    assert "restricted" in _target(html)


def test_red_reader_list_page_nests_the_campaign_under_its_parent(client, world, red_reader):
    html = _page(client, red_reader, reverse("incident-list"))
    assert 'class="child" data-campaign="jade-campaign"' in html
    assert "Crimson Provider" in html and 'class="tag restricted' not in html


def test_incident_page_queries_do_not_grow_with_records(client, world, green_reader):
    client.force_login(green_reader)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def more(n: int) -> None:  # campaigns with hidden relations, events and claims
        campaign = f.CampaignFactory(
            marking=GREEN, incident=world.incident, parent=f.CampaignFactory(marking=RED),
            operators=[f.ActorFactory(marking=RED), f.ActorFactory(marking=GREEN)],
            capabilities=[f.CapabilityFactory(marking=RED)],
            techniques=[f.TechniqueFactory(marking=GREEN)],
        )
        f.CampaignFactory(marking=GREEN, parent=campaign)
        f.ClaimFactory(subject=campaign, field="exchanges", value=100 + n,
                       source=world.green_source, marking=GREEN)
        f.ClaimFactory(subject=campaign, field="exchanges_ratio", kind="derived",
                       value={"of": world.campaign.slug, "ratio": 2}, marking=GREEN,
                       source=world.green_source)
        f.EventFactory(marking=GREEN, incidents=[world.incident],
                       actors=[f.ActorFactory(marking=RED)])

    more(0)
    before = {url: count(url) for url in (reverse("incident-list"), "/incidents/jade-case/")}
    for n in range(1, 4):
        more(n)
    after = {url: count(url) for url in before}
    assert after == before


@pytest.mark.parametrize("reader", ["green", "red"])
def test_pages_answer_after_hostile_values(client, world, green_reader, red_reader, reader):
    """Stored values the validators should refuse still never break a page."""
    from incidents.models import Campaign, Event, Incident

    Incident.objects.filter(pk=world.incident.pk).update(title="", summary="")
    Campaign.objects.filter(pk=world.campaign.pk).update(name="")
    f.IncidentFactory(marking=GREEN, slug="", title="No slug")
    event = f.EventFactory(marking=GREEN, incidents=[world.incident], title="", unit="%")
    f.ClaimFactory(subject=event, field="value", value=1e300, source=world.green_source,
                   marking=GREEN)
    f.ClaimFactory(subject=world.campaign, field="operators", value=[1, None],
                   source=world.green_source, marking=GREEN)
    f.SourceFactory(marking=GREEN, key="js-source", url="javascript:alert(1)")
    f.ClaimFactory(subject=world.cluster, field="exchanges", value=10,
                   source=f.SourceFactory(marking=GREEN, url="javascript:alert(1)", title=""),
                   marking=GREEN)
    Event.objects.filter(pk=event.pk).update(value=None)
    user = green_reader if reader == "green" else red_reader
    detail = _page(client, user, "/incidents/jade-case/")
    listing = _page(client, user, reverse("incident-list"))
    assert "javascript:" not in detail + listing
    assert "No slug" in listing  # listed without a link
