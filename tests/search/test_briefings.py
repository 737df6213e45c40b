"""Briefings in search, once per backend: found by their words, with their URL, only
while published; never shown or counted above the reader's clearance; their title never
appears through another document; and a cited record re-marked above a reader after
publication is not found through the briefing either.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from incidents.models import Marking
from kb.search.selectors import search_records
from tests import factories as _factories
from tests.briefings.conftest import block
from tests.briefings.conftest import make_briefing as make_briefing  # noqa: F401 (fixture)
from tests.search.support import search_all

f: Any = _factories
pytestmark = pytest.mark.django_db


@pytest.fixture
def index(search_backend, django_capture_on_commit_callbacks):
    call_command("search_index", "rebuild", "--no-progress")
    return django_capture_on_commit_callbacks


def strings_shown(results: Any, hits: list[Any]) -> list[str]:
    out = [s for h in hits for s in (h.title, h.highlight, h.url, h.slug)]
    return out + [v.value for values in results.facets.values() for v in values]


def test_a_published_briefing_is_found_by_a_word_of_its_body_with_its_url(
        index, make_briefing, green_user):
    with index(execute=True):
        page = make_briefing(title="Juniper review", body=[
            block("paragraph", "<p>The Saxifrage pattern repeats.</p>")])
    results, hits = search_all(green_user, "saxifrage")
    assert [(h.key, h.url, h.type) for h in hits] == [(f"page:{page.pk}", page.url, "briefing")]
    assert results.count == 1


def test_a_draft_is_not_found_and_unpublishing_removes_it(index, make_briefing, green_user):
    with index(execute=True):
        draft = make_briefing(title="Draft", publish=False,
                              body=[block("paragraph", "<p>Bramblewick notes.</p>")])
        live = make_briefing(title="Live", body=[block("paragraph", "<p>Hawthornby notes.</p>")])
    assert search_all(green_user, "bramblewick")[0].count == 0
    assert search_all(green_user, "hawthornby")[0].count == 1
    with index(execute=True):
        live.unpublish()
    assert search_all(green_user, "hawthornby")[0].count == 0
    with index(execute=True):
        draft.save_revision().publish()
    assert search_all(green_user, "bramblewick")[0].count == 1


def test_a_red_briefing_never_shows_or_counts_for_a_green_reader(
        index, make_briefing, green_user, red_user):
    incident = f.IncidentFactory(title="Greenrow incident", marking=Marking.GREEN)
    with index(execute=True):
        make_briefing(title="Zzredbrief Marrowfen assessment", marking=Marking.RED,
                      related=[incident],
                      body=[block("paragraph", "<p>Common word lanternfish.</p>")])
        make_briefing(title="Green Lanternfish note", marking=Marking.GREEN,
                      body=[block("paragraph", "<p>Common word lanternfish.</p>")])
    results, hits = search_all(green_user, "lanternfish")
    assert results.count == 1 and len(hits) == 1
    assert results.facets["type"] == [v for v in results.facets["type"] if v.count == 1]
    assert not any("Marrowfen" in s or "Zzredbrief" in s for s in strings_shown(results, hits))
    # Facet-only requests count nothing hidden either.
    only = search_records(viewer=green_user, q="", filters={"type": ["briefing"]})
    assert only.count == 1
    assert search_all(green_user, "marrowfen")[0].count == 0
    # The control.
    red = search_all(red_user, "lanternfish")[0]
    assert red.count == 2
    assert {v.value: v.count for v in red.facets["type"]}["briefing"] == 2


def test_a_briefing_title_appears_in_no_other_document(
        index, make_briefing, green_user, red_user, client):
    incident = f.IncidentFactory(title="Greenrow incident", marking=Marking.GREEN)
    campaign = f.CampaignFactory(name="Greenrow campaign", marking=Marking.GREEN,
                                 incident=incident)
    with index(execute=True):
        red = make_briefing(title="Zzredbrief Pennywort assessment", marking=Marking.RED,
                            related=[incident], body=[
                                block("paragraph", "<p>Greenrow cited.</p>"),
                                {"type": "campaign_fact", "value": {
                                    "record": campaign.pk, "figure": "exchanges",
                                    "lead": "", "trail": ""}},
                            ])
    for viewer, expected in ((green_user, set()), (red_user, {f"page:{red.pk}"})):
        assert {h.key for h in search_all(viewer, "pennywort")[1]} == expected
    results, hits = search_all(green_user, "greenrow")
    assert hits and not any("Pennywort" in s for s in strings_shown(results, hits))
    reader = Client()
    reader.force_login(green_user)
    html = reader.get("/search/?q=greenrow").content.decode()
    assert "Greenrow" in html and "Pennywort" not in html


def test_a_quote_re_marked_after_publication_is_not_found_through_the_briefing(
        index, make_briefing, green_user):
    coverage = f.CoverageFactory(url="https://news.example.org/ottermoss", marking=Marking.GREEN,
                                 title="Ottermoss story",
                                 quotes=["Quillwort said the exchanges were systematic."])
    with index(execute=True):
        page = make_briefing(title="Green review", marking=Marking.GREEN, body=[
            block("paragraph", "<p>Common Tamarisk text.</p>"),
            block("quote", {"coverage": coverage.pk, "number": 1})])
    assert search_all(green_user, "quillwort")[0].count >= 1  # the control
    with index(execute=True):
        coverage.marking = Marking.AMBER
        coverage.save()
    results, hits = search_all(green_user, "quillwort")
    assert results.count == 0, [(h.key, h.highlight) for h in hits]
    results, hits = search_all(green_user, "tamarisk")
    assert [h.key for h in hits] == [f"page:{page.pk}"]
    assert not any("Quillwort" in s or "Ottermoss" in s for s in strings_shown(results, hits))
