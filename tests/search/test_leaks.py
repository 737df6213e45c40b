"""Search names nothing above the reader (issue 8), run once per backend.

Small factory-made rows: for each way a document embeds related records, a GREEN
record linked to a RED one whose name is a word nothing else holds. A GREEN reader
searching that word gets no hit, no facet value and no highlight, and the GREEN record's
own hit neither names nor links to the RED one; a RED reader finds the word wherever a
RED record holds it (the RED record itself, and a RED twin that embeds it).
The documents follow markings as they change (re-marking re-indexes what embeds a row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.urls import reverse

from incidents.models import Marking
from kb.search.documents import iter_all_documents
from kb.search.indexing import index_check
from kb.search.selectors import search_records
from tests import factories as f
from tests.search.support import search_all

pytestmark = pytest.mark.django_db

RED, GREEN = Marking.RED, Marking.GREEN


@dataclass
class Case:
    """``red_words``: words only RED records hold; ``green_query`` finds exactly
    ``green_keys`` for a GREEN reader; each red word finds exactly ``red_keys[word]`` for
    a RED reader. ``red_facets`` are facet values (name, value) only RED records give;
    ``red_text`` other strings only RED records hold (a region is a facet, not text)."""

    name: str
    red_words: list[str]
    green_query: str
    green_keys: set[str]
    red_keys: dict[str, set[str]]
    red_facets: list[tuple[str, str]]
    red_text: tuple[str, ...] = ()

    @property
    def hidden(self) -> list[str]:
        return [*self.red_words, *self.red_text]


def key(obj) -> str:
    return f"{type(obj)._meta.model_name}:{obj.pk}"


def _seed() -> list[Case]:
    cases = []

    # A GREEN campaign (in a GREEN incident) run by a RED operator.
    operator = f.ActorFactory(name="Zorvath Labs", slug="zorvath", marking=RED)
    incident = f.IncidentFactory(title="Tallowmere inquiry", marking=GREEN)
    green = f.CampaignFactory(name="Tallowmere campaign", marking=GREEN, incident=incident,
                              operators=[operator])
    red_twin = f.CampaignFactory(name="Crimsonby campaign", marking=RED, operators=[operator])
    cases.append(Case("campaign with a RED operator", ["Zorvath"], "Tallowmere",
                      {key(incident), key(green)},
                      {"Zorvath": {key(operator), key(red_twin)}},
                      [("actor", "Zorvath Labs")]))

    # A GREEN campaign in a RED cluster.
    parent = f.CampaignFactory(name="Quillonar cluster", marking=RED)
    green = f.CampaignFactory(name="Birchwick campaign", marking=GREEN, parent=parent)
    red_child = f.CampaignFactory(name="Rubellite campaign", marking=RED, parent=parent)
    cases.append(Case("campaign with a RED parent", ["Quillonar"], "Birchwick", {key(green)},
                      {"Quillonar": {key(parent), key(red_child)}}, []))

    # A GREEN campaign of a RED incident; what links to its page must not link there.
    secret = f.IncidentFactory(title="Operation Vexmoor", slug="vexmoor", marking=RED)
    green = f.CampaignFactory(name="Cobaltine campaign", marking=GREEN, incident=secret)
    child = f.CampaignFactory(name="Cobaltine offshoot", marking=GREEN, parent=green)
    claim = f.ClaimFactory(subject=green, marking=GREEN,
                           source=f.SourceFactory(title="Cobaltine notes", marking=GREEN))
    letter = f.LetterFactory(subject="Cobaltine letter", marking=GREEN, incidents=[secret])
    event = f.EventFactory(title="Cobaltine hearing", marking=GREEN, incidents=[secret])
    red_campaign = f.CampaignFactory(name="Garnet campaign", marking=RED, incident=secret)
    cases.append(Case("campaign of a RED incident", ["Vexmoor"], "Cobaltine",
                      {key(green), key(child), key(claim), key(claim.source), key(letter),
                       key(event)},
                      {"Vexmoor": {key(secret), key(red_campaign)}}, []))

    # A GREEN campaign with a RED capability and technique (no documents of their own).
    capability = f.CapabilityFactory(name="Glimmerfang reasoning", marking=RED)
    technique = f.TechniqueFactory(name="Murkwell proxies", marking=RED)
    green = f.CampaignFactory(name="Dapplegrey campaign", marking=GREEN,
                              capabilities=[capability], techniques=[technique])
    red_twin = f.CampaignFactory(name="Scarlatine campaign", marking=RED,
                                 capabilities=[capability], techniques=[technique])
    cases.append(Case("campaign with a RED capability", ["Glimmerfang", "Murkwell"],
                      "Dapplegrey", {key(green)},
                      {"Glimmerfang": {key(red_twin)}, "Murkwell": {key(red_twin)}}, []))

    # GREEN coverage by a RED outlet (its region would come from the outlet).
    outlet = f.ActorFactory(name="Brimwater Gazette", kind="media_outlet",
                            region="Farthest Isles", marking=RED)
    green = f.CoverageFactory(title="Elmstead story", marking=GREEN, outlet=outlet)
    red_twin = f.CoverageFactory(title="Vermilion story", marking=RED, outlet=outlet)
    cases.append(Case("coverage by a RED outlet", ["Brimwater"], "Elmstead", {key(green)},
                      {"Brimwater": {key(outlet), key(red_twin)}},
                      [("actor", "Brimwater Gazette"), ("region", "Farthest Isles")],
                      red_text=("Farthest Isles",)))

    # A RED actor as a GREEN incident's target, a letter's sender and recipient, an
    # event's actor and a source's publisher.
    actor = f.ActorFactory(name="Wraithcombe Institute", marking=RED)
    records = [
        f.IncidentFactory(title="Gorseway incident", marking=GREEN, target_provider=actor,
                          target_system=actor),
        f.LetterFactory(subject="Gorseway letter", marking=GREEN, sender=actor,
                        recipients=[actor]),
        f.EventFactory(title="Gorseway event", marking=GREEN, actors=[actor]),
        f.SourceFactory(title="Gorseway report", marking=GREEN, publisher=actor),
    ]
    cases.append(Case("records naming a RED actor", ["Wraithcombe"], "Gorseway",
                      {key(r) for r in records}, {"Wraithcombe": {key(actor)}},
                      [("actor", "Wraithcombe Institute")]))

    # A GREEN claim (from a GREEN source) about a RED campaign, and about a GREEN
    # account cluster of that RED campaign (a part is visible only with its campaign).
    subject = f.CampaignFactory(name="Halcyrin campaign", marking=RED)
    source = f.SourceFactory(title="Hazelby report", marking=GREEN)
    claim = f.ClaimFactory(subject=subject, source=source, marking=GREEN)
    cluster = f.AccountClusterFactory(campaign=subject, label="Ivorine cluster", marking=GREEN)
    cluster_claim = f.ClaimFactory(subject=cluster, field="count", value=40, source=source,
                                   marking=GREEN)
    cases.append(Case("GREEN claim on a RED subject", ["Halcyrin", "Ivorine"], "Hazelby",
                      {key(source)},
                      {"Halcyrin": {key(subject), key(claim), key(cluster_claim)},
                       "Ivorine": {key(cluster_claim)}}, []))

    # A GREEN claim about a GREEN campaign, from a RED source.
    subject = f.CampaignFactory(name="Juniper campaign", marking=GREEN)
    source = f.SourceFactory(title="Obsidane ledger", marking=RED)
    claim = f.ClaimFactory(subject=subject, source=source, marking=GREEN)
    cases.append(Case("GREEN claim from a RED source", ["Obsidane"], "Juniper",
                      {key(subject)}, {"Obsidane": {key(source), key(claim)}}, []))
    return cases


@pytest.fixture
def world(search_backend, django_capture_on_commit_callbacks):
    """The rows above, indexed the way production indexes them (signals, on_commit, task)."""
    call_command("search_index", "rebuild", "--no-progress")
    with django_capture_on_commit_callbacks(execute=True):
        cases = _seed()
    report = index_check()
    assert report.ok, report.problems
    return cases


@pytest.fixture
def green(green_user):
    return green_user


@pytest.fixture
def red(red_user):
    return red_user


def _names_it(text: str, word: str) -> bool:
    return re.search(re.escape(word), text, re.IGNORECASE) is not None


def _shown(results, hits) -> list[str]:
    """Every string a reader is shown: hits (title, highlight, URL, slug), facet values,
    corrections."""
    out = [s for h in hits for s in (h.title, h.highlight, h.url, h.slug)]
    out += [v.value for values in results.facets.values() for v in values]
    out += [w for used in results.corrections.values() for w in used]
    return out


def test_the_seed_has_every_case(world):
    # Eight families; the matrix cannot shrink silently.
    assert len(world) == 8
    assert sum(len(c.red_words) for c in world) == 10
    assert sum(len(c.red_facets) for c in world) == 4


def test_a_green_reader_never_meets_a_red_name(world, green):
    for case in world:
        for word in case.red_words:
            results, hits = search_all(green, word)
            assert results.count == 0 and hits == [], (case.name, word)
            assert results.corrections == {}, (case.name, word)
            assert not [s for s in _shown(results, hits) if _names_it(s, word)], case.name
            # Nor by its prefix or a typo of it.
            for variant in (word[:5] + "*", word[:-1] + "q"):
                results, hits = search_all(green, variant)
                assert not [s for s in _shown(results, hits) if _names_it(s, word)], variant
                assert not {h.key for h in hits} - _green_keys(world), variant


def _green_keys(world) -> set[str]:
    return {k for case in world for k in case.green_keys}


def test_the_green_records_are_found_without_their_red_links(world, green):
    for case in world:
        results, hits = search_all(green, case.green_query)
        assert {h.key for h in hits} == case.green_keys, case.name
        for word in case.hidden:
            named = [s for s in _shown(results, hits) if _names_it(s, word)]
            assert not named, (case.name, word, named)
        assert not any("vexmoor" in h.url for h in hits), case.name
        for facet, value in case.red_facets:
            shown = {v.value for v in results.facets.get(facet, [])}
            assert value not in shown, (case.name, facet)
            # Filtering by the RED value finds nothing and offers nothing either.
            only = search_records(viewer=green, q="", filters={facet: [value]})
            assert only.count == 0 and only.hits == [], (case.name, facet)
            assert all(not values for values in only.facets.values()), (case.name, facet)


def test_a_red_reader_finds_the_red_names_where_red_records_hold_them(world, red):
    for case in world:
        for word in case.red_words:
            results, hits = search_all(red, word)
            assert {h.key for h in hits} == case.red_keys[word], (case.name, word)
            assert any(_names_it(h.highlight + h.title, word) for h in hits), (case.name, word)
        for facet, value in case.red_facets:
            only = search_records(viewer=red, q="", filters={facet: [value]})
            assert only.count >= 1, (case.name, facet)
    # A RED twin's facets do name the RED outlet and its region.
    results = search_records(viewer=red, q="Vermilion")
    facets = {name: {v.value for v in values} for name, values in results.facets.items()}
    assert "Brimwater Gazette" in facets["actor"] and "Farthest Isles" in facets["region"]


def test_no_document_a_green_reader_may_see_holds_a_red_name(world):
    words = [w for case in world for w in case.hidden] + ["vexmoor"]
    for doc in iter_all_documents():
        if doc.marking not in (Marking.CLEAR, Marking.GREEN):
            continue
        text = "\n".join([doc.all_text, doc.url, doc.region, doc.lens, *doc.actors])
        assert not [w for w in words if _names_it(text, w)], doc.key


def test_claim_documents_carry_the_strictest_marking(world, red):
    by_key = {d.key: d for d in iter_all_documents()}
    for case in world:
        for word in case.red_words:
            for hit_key in case.red_keys[word]:
                if hit_key.startswith("claim:"):
                    assert by_key[hit_key].marking == RED, (case.name, hit_key)
    results = search_records(viewer=red, q="Cobaltine")
    claim_hit = next(h for h in results.hits if h.type == "claim")
    # It links to its GREEN subject's own page, never to the RED incident's.
    campaign = next(h for h in results.hits if h.key == claim_hit.group)
    assert claim_hit.marking == GREEN and claim_hit.url.startswith(
        reverse("campaign-detail", kwargs={"slug": campaign.slug}) + "#")


def test_the_search_page_shows_nothing_restricted(world, client, green, red):
    client.force_login(green)
    red_words = [w for case in world for w in case.hidden]
    for case in world:
        html = client.get("/search/", {"q": case.green_query}).content.decode()
        assert all(f'data-key="{k}"' in html for k in case.green_keys), case.name
        assert not [w for w in red_words if _names_it(html, w)], case.name
        assert "vexmoor" not in html.lower()
        for word in case.red_words:
            html = client.get("/search/", {"q": word}).content.decode()
            assert "Nothing you are cleared to see matches." in html
            assert 'data-key="' not in html and 'data-facet="' not in html
    client.force_login(red)
    html = client.get("/search/", {"q": "Zorvath"}).content.decode()
    assert "Zorvath Labs" in html and 'data-facet="actor"' in html


# --- the index follows markings ----------------------------------------------------------

def page(name: str, **kwargs) -> str:
    return reverse(name, kwargs=kwargs)


def keys_of(viewer, q) -> set[str]:
    return {h.key for h in search_all(viewer, q)[1]}


@pytest.fixture
def empty_index(search_backend):
    call_command("search_index", "rebuild", "--no-progress")
    return search_backend


def test_re_marking_a_related_record_re_indexes_what_embeds_it(
        empty_index, green, red, django_capture_on_commit_callbacks):
    run = django_capture_on_commit_callbacks
    with run(execute=True):
        operator = f.ActorFactory(name="Yarrowby Labs", marking=GREEN)
        capability = f.CapabilityFactory(name="Thistlecrown planning", marking=GREEN)
        incident = f.IncidentFactory(title="Lindenfall inquiry", slug="lindenfall",
                                     marking=GREEN)
        campaign = f.CampaignFactory(name="Larkspur campaign", marking=GREEN,
                                     incident=incident, operators=[operator],
                                     capabilities=[capability])
        letter = f.LetterFactory(subject="Larkspur letter", marking=GREEN, incidents=[incident])
    assert keys_of(green, "Yarrowby") == {key(operator), key(campaign), key(incident)}
    assert keys_of(green, "Thistlecrown") == {key(campaign)}
    # Each hit links to its own page (the campaign's, the letter's, the incident's that
    # names the campaign).
    larkspur = {page("campaign-detail", slug=campaign.slug),
                page("letter-detail", slug=letter.slug),
                page("incident-detail", slug=incident.slug)}
    assert {h.url for h in search_all(green, "Larkspur")[1]} == larkspur

    with run(execute=True):
        operator.marking = RED
        operator.save()
        capability.marking = RED
        capability.save()
        incident.marking = RED
        incident.save()
    assert keys_of(green, "Yarrowby") == set()
    assert keys_of(green, "Thistlecrown") == set()
    assert keys_of(green, "Lindenfall") == set()
    assert not [h.url for h in search_all(green, "Larkspur")[1] if "lindenfall" in h.url]
    # The RED incident may embed its GREEN campaign's RED operator; the campaign may not.
    assert keys_of(red, "Yarrowby") == {key(operator), key(incident)}
    assert keys_of(red, "Lindenfall") == {key(incident)}

    with run(execute=True):
        for row in (operator, capability, incident):
            row.marking = GREEN
            row.save()
    assert keys_of(green, "Yarrowby") == {key(operator), key(campaign), key(incident)}
    assert keys_of(green, "Thistlecrown") == {key(campaign)}
    assert keys_of(green, "Lindenfall") == {key(incident), key(campaign)}
    assert {h.url for h in search_all(green, "Larkspur")[1]} == larkspur
    assert key(letter) in keys_of(green, "Larkspur")
    assert index_check().ok


def test_a_claim_follows_its_source_subject_and_parts_markings(
        empty_index, green, red, django_capture_on_commit_callbacks):
    run = django_capture_on_commit_callbacks
    with run(execute=True):
        source = f.SourceFactory(title="Wistful report", marking=GREEN)
        campaign = f.CampaignFactory(name="Marigold campaign", marking=GREEN)
        claim = f.ClaimFactory(subject=campaign, source=source, marking=GREEN,
                               quote="Quenby said so")
        cluster = f.AccountClusterFactory(campaign=campaign, label="Pellucid cluster",
                                          marking=GREEN)
        part_claim = f.ClaimFactory(subject=cluster, field="count", value=7, source=source,
                                    marking=GREEN, quote="Quenby counted")
    both = {key(claim), key(part_claim)}
    assert keys_of(green, "Quenby") == both

    def marked(row, marking):
        with run(execute=True):
            row.marking = marking
            row.save()

    marked(source, RED)
    assert keys_of(green, "Quenby") == set() and keys_of(red, "Quenby") == both
    marked(source, GREEN)
    assert keys_of(green, "Quenby") == both
    marked(campaign, RED)  # the subject of one, the owner of the other's subject
    assert keys_of(green, "Quenby") == set() and keys_of(red, "Quenby") == both
    marked(campaign, GREEN)
    marked(cluster, RED)  # a part: no document of its own, its claims follow it
    assert keys_of(green, "Quenby") == {key(claim)}
    assert keys_of(green, "Pellucid") == set() and keys_of(red, "Pellucid") == {key(part_claim)}
    marked(cluster, GREEN)
    assert keys_of(green, "Quenby") == both
    assert index_check().ok


def test_a_page_document_names_only_actors_its_marking_allows(db):
    from kb.search.documents import page_document

    red_actor = f.ActorFactory(name="Umbervale Labs", marking=RED)
    green_actor = f.ActorFactory(name="Sunmere Labs", marking=GREEN)

    class Briefing:  # what page_document reads of a live page with search_document()
        pk, slug, title, url, live, first_published_at = 7, "b", "Brief", "/b/", True, None
        marking = GREEN

        def search_document(self):
            return {"actors": [red_actor, green_actor, "Named by hand"]}

    doc = page_document(Briefing())
    assert doc.marking == GREEN
    assert doc.actors == ("Sunmere Labs", "Named by hand")
    assert "Umbervale" not in doc.actor_text and "Sunmere" in doc.actor_text
    Briefing.marking = RED
    assert page_document(Briefing()).actors == ("Umbervale Labs", "Sunmere Labs",
                                                "Named by hand")
