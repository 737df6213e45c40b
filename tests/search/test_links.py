"""Search that leads somewhere (issue 9), run once per backend where it searches.

Every hit links to its record's own page (the site's URL names; a claim to its
subject's page, at the figure); claims are listed under their subject instead of beside
it; titles read as sentences whose figures are the record's own, written by
``incidents.formatting``; snippets are whole words; "MiniMax 13 million" finds the
MiniMax campaign.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from incidents.figures import campaign_figures, figure
from incidents.formatting import describe_value, format_figure
from incidents.models import Campaign, Claim, Event, Incident, Letter, Marking
from incidents.provenance.fields import FIELDS
from kb.search.backends.base import MARK_END, MARK_START
from kb.search.documents import documents_for, iter_all_documents
from kb.search.selectors import GROUP_MEMBERS_SHOWN, search_grouped, search_records
from tests import factories as f
from tests.search.support import documents_by_key, search_all

pytestmark = pytest.mark.django_db

GREEN, RED = Marking.GREEN, Marking.RED


def key(obj) -> str:
    return f"{type(obj)._meta.model_name}:{obj.pk}"


# --- every hit links to its record's own page --------------------------------------------

@pytest.fixture
def quassel(search_backend, django_capture_on_commit_callbacks):
    """One record of every kind, each holding the word "Quasselton", indexed as saved."""
    from django.core.management import call_command

    call_command("search_index", "rebuild", "--no-progress")
    with django_capture_on_commit_callbacks(execute=True):
        source = f.SourceFactory(title="Quasselton report", key="quasselton-report")
        incident = f.IncidentFactory(title="Quasselton inquiry", slug="quasselton")
        campaign = f.CampaignFactory(name="Quasselton campaign (spring cluster)",
                                     slug="quasselton-spring", incident=incident)
        cluster = f.AccountClusterFactory(campaign=campaign, label="Quasselton accounts")
        rows = {
            "source": source, "incident": incident, "campaign": campaign,
            "letter": f.LetterFactory(subject="Quasselton letter", slug="quasselton-letter"),
            "event": f.EventFactory(title="Quasselton hearing", slug="quasselton-hearing"),
            "coverage": f.CoverageFactory(title="Quasselton story"),
            "actor": f.ActorFactory(name="Quasselton Labs", slug="quasselton-labs"),
            "claim": f.ClaimFactory(subject=campaign, source=source, value=1200,
                                    quote="Quasselton counted 1,200 exchanges"),
            "part_claim": f.ClaimFactory(subject=cluster, field="count", value=40,
                                         source=source, quote="Quasselton used 40 accounts"),
            "incident_claim": f.ClaimFactory(subject=incident, field="disclosed_on",
                                             value="2026-03-02", precision="day",
                                             source=source, quote="Quasselton disclosed"),
        }
    return rows


def own_page(name: str, obj) -> str:
    if name == "source":
        return reverse("source-detail", kwargs={"key": obj.key})
    if name in {"coverage", "event"}:
        return reverse(f"{name}-detail", kwargs={"pk": obj.pk})
    return reverse(f"{name}-detail", kwargs={"slug": obj.slug})


def test_every_hit_links_to_its_records_own_page(quassel, admin_user):
    _, hits = search_all(admin_user, "Quasselton")
    urls = {h.key: h.url for h in hits}
    rows = quassel
    for name in ("source", "incident", "campaign", "letter", "event", "coverage", "actor"):
        assert urls[key(rows[name])] == own_page(name, rows[name]), name
    campaign_page = own_page("campaign", rows["campaign"])
    # A claim links to its subject's page, at the figure it is about; a claim about a
    # part of a campaign (an account cluster) to the campaign's.
    assert urls[key(rows["claim"])] == campaign_page + "#fig-exchanges"
    assert urls[key(rows["part_claim"])] == campaign_page + "#fig-accounts"
    assert urls[key(rows["incident_claim"])] == (
        own_page("incident", rows["incident"]) + "#fig-disclosed_on")
    # Every link is a page of the site, never the API's JSON.
    assert not [u for u in urls.values() if u.startswith("/api/")]


def test_claims_are_listed_under_their_subject(quassel, admin_user):
    rows = quassel
    grouped = search_grouped(viewer=admin_user, q="Quasselton")
    heads = [g.head.key for g in grouped.groups]
    # Seven records, one entry each; the three claims are no entries of their own.
    assert grouped.count == len(heads) == 7
    assert not [k for k in heads if k.startswith("claim:")]
    under = {g.head.key: {m.key for m in g.members} for g in grouped.groups}
    assert under[key(rows["campaign"])] == {key(rows["claim"]), key(rows["part_claim"])}
    assert under[key(rows["incident"])] == {key(rows["incident_claim"])}
    # Facets still count documents.
    types = {v.value: v.count for v in grouped.results.facets["type"]}
    assert types["claim"] == 3 and sum(types.values()) == 10


def test_a_subject_that_does_not_match_heads_the_claims_that_do(quassel, admin_user):
    rows = quassel
    grouped = search_grouped(viewer=admin_user, q="counted")
    assert [g.head.key for g in grouped.groups] == [key(rows["campaign"])]
    group = grouped.groups[0]
    assert not group.matched and [m.key for m in group.members] == [key(rows["claim"])]
    assert group.head.url == own_page("campaign", rows["campaign"])


def test_a_big_group_shows_a_few_claims_and_counts_the_rest(
        search_backend, admin_user, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    call_command("search_index", "rebuild", "--no-progress")
    with django_capture_on_commit_callbacks(execute=True):
        campaign = f.CampaignFactory(name="Wendlebury campaign")
        for n in range(7):
            f.ClaimFactory(subject=campaign, value=1000 + n, quote=f"Wendlebury said {n}",
                           source=f.SourceFactory(title=f"Report {n}"))
    grouped = search_grouped(viewer=admin_user, q="Wendlebury")
    assert grouped.count == 1
    group = grouped.groups[0]
    assert group.head.key == key(campaign)
    assert len(group.members) == GROUP_MEMBERS_SHOWN
    assert group.more == 7 - GROUP_MEMBERS_SHOWN


def test_the_page_lists_claims_under_their_subject(quassel, client, admin_user):
    client.force_login(admin_user)
    html = client.get("/search/", {"q": "Quasselton"}).content.decode()
    campaign = quassel["campaign"]
    entry = re.search(rf'<li class="hit" data-key="{key(campaign)}".*?</ul>', html, re.S)
    assert entry, "the campaign's entry"
    assert f'data-key="{key(quassel["claim"])}"' in entry.group(0)
    assert f'href="{own_page("campaign", campaign)}#fig-exchanges"' in entry.group(0)
    assert "7 results" in html


# --- titles read as sentences --------------------------------------------------------------

def test_titles_read_as_sentences(search_backend, reference_data, admin_user):
    grouped = search_grouped(viewer=admin_user, q="MiniMax 13 million")
    head = grouped.groups[0].head
    minimax = Campaign.objects.get(slug="minimax-feb-2026")
    assert head.key == key(minimax)
    assert head.url == reverse("campaign-detail", kwargs={"slug": minimax.slug})
    assert head.title == "MiniMax campaign (February 2026 cluster): more than 13 million exchanges"
    assert [m.title for m in grouped.groups[0].members] == [
        "MiniMax campaign: more than 13 million exchanges — Anthropic, Feb 2026"]


@pytest.mark.parametrize("q", ["13 million", "28.8 million", "3.4 million exchanges",
                               "25,000 fraudulent accounts"])
def test_numbers_as_written_are_searchable(search_backend, reference_data, admin_user, q):
    results = search_records(viewer=admin_user, q=q, filters={"type": ["campaign"]})
    assert results.count >= 1, q


def test_a_title_shows_the_figures_of_its_records_marking_only(db):
    """A GREEN campaign's title is read by GREEN readers: a RED claim's figure, or a RED
    part's share of a cluster's sum, never goes into it."""
    green_source = f.SourceFactory(marking=GREEN)
    red_source = f.SourceFactory(marking=RED)
    campaign = f.CampaignFactory(name="Ostrander campaign", marking=GREEN)
    f.ClaimFactory(subject=campaign, value=1200, qualifier="about", source=green_source,
                   marking=GREEN)
    f.ClaimFactory(subject=campaign, value=987654, source=red_source, marking=RED)
    f.ClaimFactory(subject=campaign, field="accounts", value=4321, source=red_source,
                   marking=RED)
    cluster = f.CampaignFactory(name="Ostrander cluster", marking=GREEN)
    for value, marking in ((2_000_000, GREEN), (5_000_000, RED)):
        child = f.CampaignFactory(parent=cluster, marking=marking)
        f.ClaimFactory(subject=child, value=value, qualifier="more_than",
                       source=green_source, marking=GREEN)
    docs = {d.key: d for d in documents_for("campaign", [campaign.pk, cluster.pk])[0]}
    assert docs[key(campaign)].title == "Ostrander campaign: about 1,200 exchanges"
    assert docs[key(cluster)].title == "Ostrander cluster: more than 2 million exchanges"
    for doc in docs.values():
        assert not re.search(r"987|4,321|4321|7 million|5 million", doc.all_text), doc.key


# --- one formatting home: the figure reads the same in search as on the site --------------

def _record_figures(obj) -> dict[str, tuple[str, str]]:
    """(kind, text) of the figures a record's page shows, at record level."""
    if isinstance(obj, Campaign):
        return {name: ("count", format_figure(fig, "count"))
                for name, fig in campaign_figures(obj).items()
                if name in {"exchanges", "accounts"} and fig.known}
    name = {Incident: "disclosed_on", Letter: "date", Event: "date"}[type(obj)]
    fig = figure(obj, name)
    return {name: ("date", format_figure(fig, "date"))} if fig.known else {}


def test_a_figure_reads_in_a_search_title_as_incidents_formatting_writes_it(
        reference_data, admin_client):
    by_key = {d.key: d for d in iter_all_documents()}
    checked = 0
    for model in (Campaign, Incident, Letter, Event):
        for obj in model.objects.all():
            doc = by_key[key(obj)]
            for name, (kind, text) in _record_figures(obj).items():
                label = FIELDS["campaign"][name].label if kind == "count" else ""
                expected = f"{text} {label}".strip()
                assert expected in doc.title, (doc.key, expected, doc.title)
                checked += 1
    assert checked >= 15
    # The campaign page shows the same words for the same figure.
    alibaba = Campaign.objects.get(slug="alibaba-qwen")
    html = admin_client.get(reverse("campaign-detail", kwargs={"slug": alibaba.slug}))
    for _, text in _record_figures(alibaba).values():
        assert str(escape(text)) in html.content.decode(), text
    assert "28.8 million" in by_key[key(alibaba)].title
    assert "about 25,000" in by_key[key(alibaba)].title


def test_a_claims_value_reads_in_its_title_as_incidents_formatting_writes_it(reference_data):
    by_key = {d.key: d for d in iter_all_documents()}
    for claim in Claim.objects.select_related("content_type"):
        spec = FIELDS[claim.content_type.model][claim.field]
        if spec.kind in {"set", "ratio"}:
            continue  # their values name other records: not in a title
        unit = claim.subject.unit if spec.name == "value" else ""
        text = describe_value(spec.kind, claim.value, claim.qualifier, claim.precision,
                              unit=unit)
        assert text in by_key[key(claim)].title, (claim.pk, text)
    assert not [d for d in by_key.values() if re.search(r"\d{5,}", d.title)], \
        "a bare number in a title"


# --- snippets are whole words --------------------------------------------------------------

_EXCERPT = re.compile(r"\s*…\s*")


def test_snippets_start_and_end_on_word_boundaries(search_backend, reference_data, admin_user):
    checked = 0
    for q in ("Alibaba", "distillation", "28.8 million", "fraudulent accounts", "Senate",
              "letter", "Anthropic"):
        _, hits = search_all(admin_user, q)
        docs = documents_by_key([h.key for h in hits])
        for hit in hits:
            text = " ".join(docs[hit.key].body.split())
            plain = " ".join(hit.highlight.replace(MARK_START, "").replace(MARK_END, "")
                             .split())
            for fragment in _EXCERPT.split(plain):
                if not fragment:
                    continue
                at = text.find(fragment)
                assert at >= 0, (hit.key, fragment)
                before = text[at - 1] if at > 0 else " "
                after = text[at + len(fragment)] if at + len(fragment) < len(text) else " "
                assert not (before.isalnum() or after.isalnum()), (hit.key, q, fragment)
                checked += 1
    assert checked > 50


def test_a_type_whose_page_is_missing_links_where_it_was_indexed_to(monkeypatch):
    from kb.search import documents

    assert documents.result_url("event", "", "/incidents/x/", 5) == reverse(
        "event-detail", kwargs={"pk": 5})
    monkeypatch.setitem(documents.SITE_ROUTES, "event",
                        documents.SiteRoute("no-such-page", kwarg="pk", by_pk=True))
    assert documents.result_url("event", "", "/incidents/x/", 5) == "/incidents/x/"
    # A name only the API has reverses to JSON: no page to land on either.
    monkeypatch.setitem(documents.SITE_ROUTES, "event",
                        documents.SiteRoute("factalert-detail", kwarg="pk", by_pk=True))
    assert documents.result_url("event", "", "/incidents/x/", 5) == "/incidents/x/"
