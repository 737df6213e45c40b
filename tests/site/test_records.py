"""The records pages (dashboard, incidents, campaigns, letters, coverage) with
factory-made data: what each shows, the two promises (a hidden related record is only
the "restricted" marker; a hidden record's own page is a 404 like a missing one), the
``fig-…`` anchors source pages link back to, and pinned query counts that do not grow
with the number of rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Campaign, Claim, Letter
from incidents.services.citations import citation_add
from incidents.services.claims import facts_refresh
from tests import factories as f

pytestmark = pytest.mark.django_db

RED = "RED"
GREEN = "GREEN"
RED_WORDS = ["Crimson", "crimson"]


@dataclass
class World:
    incidents: list[Any]
    red_incident: Any
    campaigns: list[Any]
    letter: Any
    red_letter: Any
    coverage: list[Any]
    red_coverage: Any
    source: Any
    n: int = 0


def _campaign(world_incident: Any, source: Any, n: int, **kwargs: Any) -> Any:
    campaign = f.CampaignFactory(
        marking=GREEN, incident=world_incident, slug=f"jade-campaign-{n}",
        name=f"Jade campaign {n}",
        operators=[f.ActorFactory(marking=GREEN, name=f"Jade Operator {n}"),
                   f.ActorFactory(marking=RED, name=f"Crimson Operator {n}",
                                  slug=f"crimson-operator-{n}")],
        capabilities=[f.CapabilityFactory(marking=GREEN, name=f"Jade Coding {n}"),
                      f.CapabilityFactory(marking=RED, name=f"Crimson Capability {n}",
                                          slug=f"crimson-capability-{n}")],
        **kwargs,
    )
    f.ClaimFactory(subject=campaign, field="exchanges", value=1_000_000 + 1000 * n, source=source,
                   marking=GREEN, qualifier="more_than", quote=f"over a million ({n})")
    f.ClaimFactory(subject=campaign, field="accounts", value=2000 + n, source=source,
                   marking=GREEN, qualifier="about", quote=f"some accounts ({n})")
    f.ClaimFactory(subject=campaign, field="start_date", value="2026-04-22", precision="day",
                   source=source, marking=GREEN, quote="from 22 April")
    f.ClaimFactory(subject=campaign, field="end_date", value="2026-06-05", precision="day",
                   source=source, marking=GREEN, quote="to 5 June")
    # A RED claim from a GREEN source: never shown to a GREEN reader.
    f.ClaimFactory(subject=campaign, field="exchanges", value=9_999_999, source=source,
                   marking=RED, quote="crimson nine million", credibility=1)
    facts_refresh(subject=campaign)
    f.EventFactory(marking=GREEN, incidents=[world_incident], title=f"Jade event {n}",
                   actors=[f.ActorFactory(marking=RED, slug=f"crimson-actor-{n}",
                                          name=f"Crimson Actor {n}")])
    return campaign


def _add_rows(world: World) -> None:
    """One more incident's worth of rows of every kind, hidden relations included."""
    world.n += 1
    n = world.n
    incident = f.IncidentFactory(marking=GREEN, slug=f"jade-case-{n}",
                                 title=f"The Jade case {n}",
                                 target_provider=f.ActorFactory(marking=RED,
                                                                slug=f"crimson-provider-{n}",
                                                                name=f"Crimson Provider {n}"))
    f.ClaimFactory(subject=incident, field="disclosed_on", value="2026-06-24", precision="day",
                   source=world.source, marking=GREEN, quote="disclosed 24 June")
    facts_refresh(subject=incident)
    world.incidents.append(incident)
    parent = _campaign(incident, world.source, 100 + n)
    world.campaigns.append(parent)
    world.campaigns.append(_campaign(incident, world.source, 200 + n, parent=parent))
    f.CampaignFactory(marking=RED, parent=parent, slug=f"crimson-part-{n}",
                      name=f"Crimson Part {n}")
    letter = f.LetterFactory(
        marking=GREEN, slug=f"jade-letter-{n}", subject=f"Jade letter {n}", status="sent",
        sender=f.ActorFactory(marking=GREEN, name=f"Jade Sender {n}"),
        recipients=[f.ActorFactory(marking=GREEN, name=f"Jade Senator {n}"),
                    f.ActorFactory(marking=RED, slug=f"crimson-senator-{n}",
                                   name=f"Crimson Senator {n}")],
        incidents=[incident, world.red_incident])
    f.ClaimFactory(subject=letter, field="date", value="2026-06-10", precision="day",
                   source=world.source, marking=GREEN, quote="dated 10 June")
    facts_refresh(subject=letter)
    for region, language, lens in (("North America", "en", "US tech"),
                                   ("East Asia", "zh", "state media")):
        world.coverage.append(f.CoverageFactory(
            marking=GREEN, title=f"Jade story {n} {region}", region=region,
            language=language, lens=lens, incidents=[incident, world.red_incident],
            outlet=f.ActorFactory(marking=GREEN, kind="media_outlet",
                                  name=f"Jade Outlet {n} {language}")))
    f.CoverageFactory(marking=GREEN, title=f"Jade story {n} from a hidden outlet",
                      region="Europe", language="en", lens="unlabelled",
                      outlet=f.ActorFactory(marking=RED, kind="media_outlet",
                                            slug=f"crimson-outlet-{n}",
                                            name=f"Crimson Outlet {n}"))
    f.ClaimFactory(subject=parent, field="accounts", value=5000 + n, source=world.source,
                   marking=GREEN, status="pending", quote="pending accounts")
    # A sent letter cites a figure that then changes: a fact-drift alert.
    citation_add(document=letter, subject=parent, field="accounts")
    Claim.objects.filter(object_id=parent.pk, field="accounts", value=2000 + 100 + n) \
        .update(value=3000 + n)
    # ... and a second source disagrees: a conflict.
    f.ClaimFactory(subject=parent, field="accounts", value=9000 + n, marking=GREEN,
                   source=f.SourceFactory(marking=GREEN, reliability="C"),
                   qualifier="about", credibility=4, quote="many more accounts")
    # A fresh instance: ``incidents.figures`` caches the claims it read on the object.
    facts_refresh(subject=Campaign.objects.get(pk=parent.pk))


@pytest.fixture
def world(db) -> World:
    source = f.SourceFactory(marking=GREEN, key="jade-report", title="Jade Report",
                             reliability="B", url="https://example.org/jade")
    red_incident = f.IncidentFactory(marking=RED, slug="crimson-case", title="Crimson case")
    red_letter = f.LetterFactory(marking=RED, slug="crimson-letter", subject="Crimson letter")
    red_coverage = f.CoverageFactory(marking=RED, title="Crimson story", region="Crimsonia")
    world = World(incidents=[], red_incident=red_incident, campaigns=[], letter=None,
                  red_letter=red_letter, coverage=[], red_coverage=red_coverage,
                  source=source)
    _add_rows(world)
    world.letter = Letter.objects.get(slug="jade-letter-1")
    return world


@pytest.fixture
def green_reader(db):
    return f.UserFactory(username="green-reader")


@pytest.fixture
def red_reader(db):
    return f.UserFactory(username="red-reader", clearance=RED, is_staff=True,
                         is_superuser=True)


def _get(client: Any, user: Any, url: str, status: int = 200) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def _no_red(html: str) -> None:
    for word in RED_WORDS:
        assert word not in html, word


def _section(html: str, pattern: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match, pattern
    return match.group(0)


def _cited(html: str, fragment: str) -> set[str]:
    keys = set()
    for number in re.findall(r'href="#fn-(\d+)"', fragment):
        match = re.search(rf'<li id="fn-{number}" value="{number}" data-source="([^"]+)"', html)
        assert match, f"footnote {number} is not listed"
        keys.add(match.group(1))
    return keys


# -- dashboard ------------


def test_site_root_is_the_dashboard_and_the_incident_list_moved(client, world, green_reader):
    assert reverse("dashboard") == "/"
    assert reverse("incident-list") == "/incidents/"
    html = _get(client, green_reader, "/")
    assert "<h1>Dashboard</h1>" in html
    listing = _get(client, green_reader, reverse("incident-list"))
    assert "<h1>Incidents</h1>" in listing and "The Jade case 1" in listing


def test_dashboard_counts_only_what_the_reader_may_see(client, world, green_reader):
    html = _get(client, green_reader, "/")
    _no_red(html)

    def count(name: str) -> int:
        return int(re.search(rf'data-count="{name}">(\d+)<', html).group(1))

    assert count("incidents") == 1  # the RED incident is neither listed nor counted
    assert count("coverage") == 3  # two stories and the one from a hidden outlet
    assert count("pending") == 1
    assert count("alerts") == 1
    assert count("conflicts") >= 1  # the parent's accounts now disagree
    incidents = _section(html, r'<section class="panel" id="panel-incidents".*?</section>')
    assert f'href="{reverse("incident-detail", args=["jade-case-1"])}"' in incidents
    assert f'href="{reverse("incident-list")}"' in incidents
    coverage = _section(html, r'<section class="panel wide" id="panel-coverage".*?</section>')
    assert 'class="tag restricted"' in coverage  # the hidden outlet and incident
    assert f'href="{reverse("coverage-list")}"' in coverage
    alerts = _section(html, r'<section class="panel" id="panel-alerts".*?</section>')
    assert "Jade letter 1" in alerts and "Jade campaign 101" in alerts
    assert "cited about 2,101, now about 3,001" in alerts
    pending = _section(html, r'<section class="panel" id="panel-pending".*?</section>')
    assert "about 5,001" not in pending and "5,001" in pending
    conflicts = _section(html, r'<section class="panel" id="panel-conflicts".*?</section>')
    assert f'href="{reverse("campaign-detail", args=["jade-campaign-101"])}#conflict-' \
        in conflicts
    # Review links only for those who may review.
    assert "/admin/" not in incidents + conflicts + pending + alerts


def test_dashboard_links_the_review_queue_for_reviewers(client, world, red_reader):
    html = _get(client, red_reader, "/")
    assert f'href="{reverse("incidents_review:queue")}"' in html
    assert f'href="{reverse("incidents_review:alerts")}"' in html
    assert "Crimson case" in html  # cleared: the RED incident is counted and listed
    assert re.search(r'data-count="incidents">2<', html)


# -- incidents ------------


def test_incident_page_anchors_letters_and_coverage(client, world, green_reader):
    html = _get(client, green_reader, reverse("incident-detail", args=["jade-case-1"]))
    _no_red(html)
    for field in ("exchanges", "accounts", "start_date", "end_date"):
        assert f'id="fig-jade-campaign-101-{field}"' in html, field
        assert f'id="fig-jade-campaign-201-{field}"' in html, field
    assert 'id="fig-disclosed_on"' in html
    cell = _section(html, r'<td class="figure" id="fig-jade-campaign-101-exchanges".*?</td>')
    assert "more than 1.101 million" in cell
    assert _cited(html, cell) == {"jade-report"}
    assert f'href="{reverse("campaign-detail", args=["jade-campaign-101"])}"' in html
    letters = _section(html, r'<section aria-labelledby="letters-heading">.*?</section>')
    assert "Jade letter 1" in letters and "10 June 2026" in letters
    assert "Jade Senator 1" in letters and 'class="tag restricted"' in letters
    coverage = _section(html, r'<section aria-labelledby="coverage-heading">.*?</section>')
    assert "Jade story 1 North America" in coverage
    assert "hidden outlet" not in coverage  # not about this incident


# -- campaigns ------------


def test_campaign_page_figures_anchors_and_markers(client, world, green_reader):
    url = reverse("campaign-detail", args=["jade-campaign-101"])
    html = _get(client, green_reader, url)
    _no_red(html)
    assert "<h1>Jade campaign 101</h1>" in html
    for field in ("exchanges", "accounts", "start_date", "end_date", "operators"):
        assert f'id="fig-{field}"' in html, field
    exchanges = _section(html, r'<tr id="fig-exchanges".*?</tr>')
    assert "more than 1.101 million" in exchanges
    assert "9,999,999" not in html and "10 million" not in html  # the RED claim
    assert _cited(html, exchanges) == {"jade-report"}
    start = _section(html, r'<tr id="fig-start_date".*?</tr>')
    assert "22 April 2026" in start and _cited(html, start) == {"jade-report"}
    operators = _section(html, r'<tr id="fig-operators".*?</tr>')
    assert "Jade Operator 101" in operators and operators.count("tag restricted") == 1
    capabilities = _section(html, r'<tr data-field="capabilities">.*?</tr>')
    assert "Jade Coding 101" in capabilities and capabilities.count("tag restricted") == 1
    # Its visible part is listed; the hidden part is left out, and that is said.
    assert 'data-campaign="jade-campaign-201"' in html
    assert "Some parts are above your clearance" in html
    assert f'href="{reverse("incident-detail", args=["jade-case-1"])}"' in html


def test_campaign_of_a_hidden_parent_names_it_restricted(client, world, green_reader):
    hidden = f.CampaignFactory(marking=RED, slug="crimson-cluster", name="Crimson Cluster")
    f.CampaignFactory(marking=GREEN, slug="jade-orphan", name="Jade orphan", parent=hidden)
    html = _get(client, green_reader, reverse("campaign-detail", args=["jade-orphan"]))
    _no_red(html)
    assert 'part of <span class="tag restricted"' in html


def test_hidden_records_pages_are_404_like_missing_ones(client, world, green_reader,
                                                        red_reader):
    hidden_campaign = f.CampaignFactory(marking=RED, slug="crimson-campaign")
    for name, arg in (("incident-detail", "crimson-case"),
                      ("campaign-detail", hidden_campaign.slug),
                      ("letter-detail", "crimson-letter"),
                      ("coverage-detail", world.red_coverage.pk)):
        missing = "no-such-record" if name != "coverage-detail" else 999_999
        hidden_url, missing_url = reverse(name, args=[arg]), reverse(name, args=[missing])
        hidden = _get(client, green_reader, hidden_url, status=404)
        absent = _get(client, green_reader, missing_url, status=404)
        assert _plain(hidden, hidden_url) == _plain(absent, missing_url)
        _get(client, red_reader, reverse(name, args=[arg]))


def _plain(html: str, asked: str) -> str:
    """A page without what differs per request: the path asked for, the CSRF token."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return html.replace(asked, "")


# -- letters ------------


def test_letter_list_and_page(client, world, green_reader):
    listing = _get(client, green_reader, reverse("letter-list"))
    _no_red(listing)
    detail_url = reverse("letter-detail", args=["jade-letter-1"])
    assert f'href="{detail_url}"' in listing
    html = _get(client, green_reader, detail_url)
    _no_red(html)
    date = _section(html, r'<dd id="fig-date" data-field="date">.*?</dd>')
    assert "10 June 2026" in date and _cited(html, date) == {"jade-report"}
    recipients = _section(html, r'<dd data-field="recipients">.*?</dd>')
    assert "Jade Senator 1" in recipients and recipients.count("tag restricted") == 1
    about = _section(html, r'<dd data-field="incidents">.*?</dd>')
    assert f'href="{reverse("incident-detail", args=["jade-case-1"])}"' in about
    assert about.count("tag restricted") == 1  # the RED incident
    assert "Jade Sender 1" in html


# -- coverage ------------


@pytest.mark.parametrize(("group", "headings"), [
    ("region", ["North America", "East Asia", "Europe"]),
    ("language", ["English", "Chinese"]),
    ("lens", ["US tech", "state media", "unlabelled"]),
])
def test_coverage_list_groups(client, world, green_reader, group, headings):
    html = _get(client, green_reader, f'{reverse("coverage-list")}?group={group}')
    _no_red(html)
    shown = re.findall(r'<h2 id="group-\d+">(.*?) <span', html)
    assert sorted(shown) == sorted(headings)
    assert 'aria-current="page"' in _section(html, rf'<a href="\?group={group}"[^>]*>')
    assert "Jade Outlet 1 zh" in html
    assert "Crimsonia" not in html and "Crimson story" not in html
    assert 'class="tag restricted"' in html  # the hidden outlet and the hidden incident


def test_coverage_list_unknown_group_falls_back_to_region(client, world, green_reader):
    html = _get(client, green_reader, f'{reverse("coverage-list")}?group=<script>')
    assert "grouped by region" in html and "<script>" not in html


def test_coverage_page(client, world, green_reader):
    item = world.coverage[1]
    f.SourceFactory(marking=GREEN, key="jade-story-source", title="Jade story source",
                    coverage=item)
    f.SourceFactory(marking=RED, key="crimson-story-source", title="Crimson story source",
                    coverage=item)
    html = _get(client, green_reader, reverse("coverage-detail", args=[item.pk]))
    _no_red(html)
    assert "<h1>Jade story 1 East Asia</h1>" in html
    assert "Chinese" in html and "state media" in html and "Jade Outlet 1 zh" in html
    assert "Jade story source" in html
    about = _section(html, r'<dd data-field="incidents">.*?</dd>')
    assert "The Jade case 1" in about and about.count("tag restricted") == 1


# -- query counts ------------

#: Queries per page for a GREEN reader (session and user included), whatever the rows.
PINNED = {
    "dashboard": 28,
    "incident-list": 16,
    "incident-detail": 37,
    "campaign-detail": 30,
    "letter-list": 7,
    "letter-detail": 13,
    "coverage-list": 5,
    "coverage-detail": 6,
}


def _urls(world: World) -> dict[str, str]:
    return {
        "dashboard": reverse("dashboard"),
        "incident-list": reverse("incident-list"),
        "incident-detail": reverse("incident-detail", args=["jade-case-1"]),
        "campaign-detail": reverse("campaign-detail", args=["jade-campaign-101"]),
        "letter-list": reverse("letter-list"),
        "letter-detail": reverse("letter-detail", args=["jade-letter-1"]),
        "coverage-list": reverse("coverage-list") + "?group=lens",
        "coverage-detail": reverse("coverage-detail", args=[world.coverage[0].pk]),
    }


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_rows(client, world, green_reader):
    client.force_login(green_reader)
    before = {name: _count(client, url) for name, url in _urls(world).items()}
    for _ in range(3):
        _add_rows(world)
    after = {name: _count(client, url) for name, url in _urls(world).items()}
    assert after == before


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_query_count(client, world, green_reader, django_assert_num_queries, name):
    for _ in range(2):  # several incidents, campaigns, letters and stories
        _add_rows(world)
    client.force_login(green_reader)
    url = _urls(world)[name]
    client.get(url)  # warm the content-type cache, as a running site has it
    with django_assert_num_queries(PINNED[name]):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["dashboard", "incident-detail", "campaign-detail",
                                  "letter-detail", "letter-list"])
def test_ids_are_unique_and_each_source_links_back_to_its_citations(client, world,
                                                                    green_reader, name):
    html = _get(client, green_reader, _urls(world)[name])
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    refs = re.findall(r'<a href="#fn-(\d+)" id="(ref-\d+-\d+)"', html)
    assert refs
    for number, ref in refs:  # each citation is linked back from its source
        note = _section(html, rf'<li id="fn-{number}" .*?</li>')
        assert f'href="#{ref}"' in note
