"""The global timeline (``/timeline/``, filters), the event page (``/events/<pk>/``),
``incidents.charts.timeline_for`` as the other pages embed it, and derived events
carrying the sources of the dates they derive from, on the page and in the API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from incidents.charts import timeline_for
from incidents.models import Event, Incident
from incidents.presentation import FootnoteRegister
from incidents.services.timeline import derived_events_refresh
from tests import factories as f

pytestmark = pytest.mark.django_db

JUNE = dt.date(2026, 6, 10)


def login(client, clearance: str | None = None):
    user = f.UserFactory(clearance=clearance)
    client.force_login(user)
    return user


def campaign_with_period(*, incident, marking="CLEAR", name="Campaign", operators=()):
    """A campaign whose period is backed by claims, with its derived events."""
    campaign = f.CampaignFactory(incident=incident, name=name, marking=marking,
                                 start_date=dt.date(2026, 4, 22), end_date=dt.date(2026, 6, 5),
                                 operators=list(operators))
    source = f.SourceFactory(title=f"Report on {name}")
    f.ClaimFactory(subject=campaign, field="start_date", value="2026-04-22",
                   qualifier="day", source=source, quote="from 22 April")
    f.ClaimFactory(subject=campaign, field="end_date", value="2026-06-05",
                   qualifier="day", source=source, quote="until 5 June")
    derived_events_refresh(obj=campaign)
    return campaign, source


def world(rows: int = 3):
    """``rows`` incidents, each with a campaign (period + derived events), a sent
    letter, a coverage item with a source, and entered events of several kinds."""
    actor = f.ActorFactory(name="Alibaba")
    made = []
    for n in range(rows):
        incident = f.IncidentFactory(title=f"Incident {n}")
        campaign, _ = campaign_with_period(incident=incident, name=f"Campaign {n}",
                                           operators=[actor])
        letter = f.LetterFactory(subject=f"Letter {n}", date=JUNE, status="sent",
                                 incidents=[incident], recipients=[actor])
        f.ClaimFactory(subject=letter, field="date", value=JUNE.isoformat(), qualifier="day",
                       quote="sent June 10")
        derived_events_refresh(obj=letter)
        coverage = f.CoverageFactory(title=f"Story {n}", published_on=dt.date(2026, 6, 24),
                                     incidents=[incident], outlet=f.ActorFactory())
        f.SourceFactory(coverage=coverage, title=f"The story {n}")
        derived_events_refresh(obj=coverage)
        memo = f.EventFactory(title=f"Memo {n}", kind="statement", date=dt.date(2026, 4, 1),
                              precision="month", incidents=[incident], actors=[actor])
        f.ClaimFactory(subject=memo, field="date", value="2026-04-01", qualifier="month",
                       quote="In April")
        fall = f.EventFactory(title=f"Shares fall {n}", kind="market_move",
                              date=dt.date(2026, 6, 25), value=-4.9, unit="%",
                              incidents=[incident], actors=[actor])
        f.ClaimFactory(subject=fall, field="value", value=-4.9, qualifier="up_to",
                       quote="as much as 4.9%")
        f.ClaimFactory(subject=fall, field="date", value="2026-06-25", qualifier="day",
                       quote="On June 25")
        made.append((incident, campaign))
    return actor, made


# --- the global timeline -----------------------------------------------------------

def test_timeline_page_draws_every_kind_with_links_and_sources(client):
    login(client)
    world(1)
    response = client.get(reverse("timeline"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'role="img"' in html and "<desc id=" in html
    for event in Event.objects.all():
        assert f'href="{reverse("event-detail", args=[event.pk])}"' in html
    assert "Campaign 0: campaign period" in html  # the period as a bar
    assert "Apr 2026" in html  # month precision, never a day
    assert "up to -4.9%" in html  # qualifier kept with the value
    assert "[no source]" not in html
    assert 'id="fn-1"' in html  # the sources list the numbers point to


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ({"kind": "market_move"}, ["Shares fall 0"], ["Memo 0", "Letter 0"]),
    ({"from": "2026-06-01", "to": "2026-06-30"}, ["Letter: Letter 0", "Shares fall 0"],
     ["Memo 0"]),
    ({"from": "2026-04-15", "to": "2026-04-30"}, ["Memo 0"], ["Shares fall 0"]),
])
def test_filters_select_events(client, query, shown, hidden):
    login(client)
    world(1)
    html = client.get(reverse("timeline"), query).content.decode()
    for title in shown:
        assert title in html
    for title in hidden:
        assert title not in html


def test_filter_by_incident_and_actor(client):
    login(client)
    actor, made = world(2)
    html = client.get(reverse("timeline"), {"incident": made[1][0].slug}).content.decode()
    assert "Memo 1" in html and "Memo 0" not in html
    assert "Timeline of Incident 1" in html
    loner = f.ActorFactory(name="Someone else")
    f.EventFactory(title="Lonely statement", actors=[loner])
    html = client.get(reverse("timeline"), {"actor": loner.slug}).content.decode()
    assert "Lonely statement" in html and "Memo 0" not in html
    html = client.get(reverse("timeline"), {"actor": actor.slug}).content.decode()
    assert "Memo 0" in html and "Lonely statement" not in html


@pytest.mark.parametrize(("query", "message"), [
    ({"from": "24 June"}, "“From” is not a date"),
    ({"to": "2026-13-40"}, "“To” is not a date"),
    ({"from": "2026-06-30", "to": "2026-06-01"}, "The range ends (1 June 2026) before it "
     "starts (30 June 2026)"),
    ({"kind": "rumour"}, "No kind of event “rumour”"),
    ({"incident": "no-such-incident"}, "No incident “no-such-incident”"),
])
def test_bad_filters_give_a_clear_message(client, query, message):
    login(client)
    response = client.get(reverse("timeline"), query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_a_hidden_actor_or_incident_filters_like_an_unknown_one(client):
    login(client)  # TLP:GREEN
    secret = f.ActorFactory(slug="secret-actor", name="Secret actor", marking="AMBER")
    f.EventFactory(title="Secret meeting", actors=[secret])
    hidden = client.get(reverse("timeline"), {"actor": "secret-actor"}).content.decode()
    unknown = client.get(reverse("timeline"), {"actor": "nobody-at-all"}).content.decode()
    def same(html: str, slug: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.replace(slug, "X"))

    assert same(hidden, "secret-actor") == same(unknown, "nobody-at-all")
    assert "Secret" not in hidden


def test_visibility_of_events_actors_periods_and_sources(client):
    login(client)  # TLP:GREEN
    incident = f.IncidentFactory(title="Case")
    campaign_with_period(incident=incident, name="Amber campaign", marking="AMBER")
    spy = f.ActorFactory(name="Named spy", marking="AMBER")
    shown = f.EventFactory(title="Public statement", incidents=[incident],
                           actors=[spy, f.ActorFactory(name="Open lab")])
    f.ClaimFactory(subject=shown, field="date", value=shown.date.isoformat(),
                   source=f.SourceFactory(title="Amber report", marking="AMBER"))
    f.EventFactory(title="Amber event", marking="AMBER", incidents=[incident])
    html = client.get(reverse("timeline")).content.decode()
    assert "Public statement" in html and "Open lab" in html
    for secret in ("Amber campaign", "Named spy", "Amber event", "Amber report"):
        assert secret not in html
    assert "restricted" in html  # the hidden actor's place
    assert "[no source]" in html  # its only source is hidden: said, not invented


# --- timeline_for, as the incident, campaign and actor pages embed it ---------------

def test_timeline_for_incident_campaign_and_actor():
    viewer = f.UserFactory()
    actor, made = world(2)
    incident, campaign = made[0]
    notes = FootnoteRegister()
    chart = timeline_for(viewer=viewer, notes=notes, incident=incident)
    titles = {i.title for i in chart.items}
    assert {"Memo 0", "Shares fall 0", "Campaign 0: campaign period"} <= titles
    assert "Memo 1" not in titles
    assert all(i.notes for i in chart.items)
    assert notes.entries  # the page's register numbered them
    by_campaign = timeline_for(viewer=viewer, notes=FootnoteRegister(), campaign=campaign)
    assert {i.kind for i in by_campaign.items} == {"campaign_start", "campaign_end", "period"}
    by_actor = timeline_for(viewer=viewer, notes=FootnoteRegister(), actor=actor)
    assert {"Memo 0", "Memo 1", "Campaign 1: campaign period"} <= {
        i.title for i in by_actor.items}
    assert "Story 0" not in {i.title for i in by_actor.items}


# --- derived events carry sources ----------------------------------------------------

def test_derived_events_show_the_sources_of_their_dates():
    viewer = f.UserFactory()
    incident = f.IncidentFactory()
    campaign, period_source = campaign_with_period(incident=incident, name="Op")
    coverage = f.CoverageFactory(title="Bare story", published_on=JUNE, incidents=[incident],
                                 url="https://news.example.org/bare")
    derived_events_refresh(obj=coverage)
    notes = FootnoteRegister()
    chart = timeline_for(viewer=viewer, notes=notes, incident=incident)
    by_key = {n.number: n.source.source_key for n in notes.entries}
    start = next(i for i in chart.items if i.kind == "campaign_start")
    assert [by_key[n] for n in start.notes] == [period_source.key]
    bare = next(i for i in chart.items if i.kind == "coverage")
    # no Source made from it: the article is the record of its own date
    [note] = [n for n in notes.entries if n.number in bare.notes]
    assert note.url == "https://news.example.org/bare"


def test_a_letter_sent_on_another_day_shows_that_day_with_the_letters_sources():
    viewer = f.UserFactory()
    incident = f.IncidentFactory()
    letter = f.LetterFactory(date=JUNE, sent_on=dt.date(2026, 6, 12), status="sent",
                             incidents=[incident])
    made_from = f.SourceFactory(letter=letter, title="The letter itself")
    derived_events_refresh(obj=letter)
    notes = FootnoteRegister()
    [item] = timeline_for(viewer=viewer, notes=notes, incident=incident).items
    assert item.start == dt.date(2026, 6, 12)
    assert [n.source.source_key for n in notes.entries] == [made_from.key]


def test_every_event_on_the_alibaba_timeline_lists_a_source(reference_data, client):
    user = login(client)
    incident = Incident.objects.get(slug="alibaba-qwen-2026")
    events = list(Event.objects.filter(incidents=incident))
    assert len(events) >= 10
    notes = FootnoteRegister()
    chart = timeline_for(viewer=user, notes=notes, incident=incident)
    assert len(chart.events) == len(events)
    assert [i.title for i in chart.items if not i.notes] == []

    html = client.get(reverse("timeline"), {"incident": incident.slug}).content.decode()
    assert "[no source]" not in html
    rows = re.findall(r'<tr class="k-[a-z_]+">(.*?)</tr>', html, re.S)
    assert len(rows) == len(chart.items)
    assert all('href="#fn-' in row for row in rows)

    from tests.factories import api_token

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user=user)[1]}")
    response = api.get("/api/v1/events/", {"incidents": incident.slug, "page_size": 100})
    assert response.status_code == 200, response.content
    results = [e for e in response.json()["results"]
               if incident.slug in e["incidents"]]
    assert {e["id"] for e in results} == {e.pk for e in events}
    assert [e["title"] for e in results if not e["date"]["sources"]] == []


# --- the event page ------------------------------------------------------------------

def test_event_page_shows_date_value_actors_origin_and_sources(client):
    login(client)
    incident = f.IncidentFactory(title="The case")
    campaign, source = campaign_with_period(incident=incident, name="Op Qwen")
    start = Event.objects.get(kind="campaign_start", origin_id=campaign.pk)
    html = client.get(reverse("event-detail", args=[start.pk])).content.decode()
    assert "22 April 2026" in html
    assert source.title in html and 'href="#fn-1"' in html
    assert "Op Qwen" in html and "start of its period" in html
    assert reverse("incident-detail", args=[incident.slug]) in html
    assert html.count("<h1") == 1


def test_a_hidden_event_is_a_404_like_a_missing_one(client):
    login(client)
    secret = f.EventFactory(marking="AMBER", title="Secret")
    hidden = client.get(reverse("event-detail", args=[secret.pk]))
    missing = client.get(reverse("event-detail", args=[secret.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404


def test_event_page_names_no_hidden_actor_or_incident(client):
    login(client)
    event = f.EventFactory(title="Meeting", actors=[f.ActorFactory(name="Hidden person",
                                                                   marking="AMBER")],
                           incidents=[f.IncidentFactory(title="Hidden case", marking="RED")])
    html = client.get(reverse("event-detail", args=[event.pk])).content.decode()
    assert "Hidden person" not in html and "Hidden case" not in html
    assert html.count("restricted") >= 2


# --- query counts --------------------------------------------------------------------

def count_queries(client, url, query, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        response = client.get(url, query)
    assert response.status_code == 200
    return response


# Session, user, clearance; the filters' incidents and actors; events, their claims and
# actors; derived events' origins (campaigns + claims, letters + claims + sources,
# coverage + sources); the campaigns drawn as periods + their claims.
TIMELINE_QUERIES = 17
EVENT_QUERIES = 10


@pytest.mark.parametrize("rows", [2, 5])
def test_timeline_page_query_count_does_not_grow(client, rows, django_assert_num_queries):
    login(client)
    world(rows)
    response = count_queries(client, reverse("timeline"), {}, django_assert_num_queries,
                             TIMELINE_QUERIES)
    assert response.content.decode().count('<tr class="k-') == rows * 7


@pytest.mark.parametrize("rows", [2, 5])
def test_filtered_timeline_query_count(client, rows, django_assert_num_queries):
    login(client)
    actor, made = world(rows)
    count_queries(client, reverse("timeline"),
                  {"incident": made[0][0].slug, "actor": actor.slug, "from": "2026-01-01"},
                  django_assert_num_queries, TIMELINE_QUERIES - 2)  # no coverage origins


def test_event_page_query_count(client, django_assert_num_queries):
    login(client)
    world(3)
    letter_event = Event.objects.filter(kind="letter").first()
    assert letter_event is not None
    count_queries(client, reverse("event-detail", args=[letter_event.pk]), {},
                  django_assert_num_queries, EVENT_QUERIES)


@pytest.mark.parametrize("rows", [2, 5])
def test_api_event_list_with_derived_events_in_fixed_queries(rows, django_assert_num_queries):
    """The date sources of derived events cost one query per kind of origin and
    relation, not one per event."""
    from tests.factories import api_token

    world(rows)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user=f.UserFactory())[1]}")
    api.get("/api/v1/events/")  # warm the content-type cache
    with django_assert_num_queries(API_EVENT_QUERIES):
        response = api.get("/api/v1/events/", {"page_size": 100})
    assert response.status_code == 200
    events = response.json()["results"]
    assert len(events) == rows * 6
    assert all(e["date"]["sources"] for e in events)


# Auth, count and page, the events' actors, incidents and claims; the origins: visible
# campaigns, letters and coverage with their claims and sources, and the API's
# origin-visibility check, one query per kind of origin.
API_EVENT_QUERIES = 17
