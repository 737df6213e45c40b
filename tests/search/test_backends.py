"""The one behaviour both backends must share (issue 5, done-when 1–3), run once per
backend: Whoosh always, PostgreSQL when the test database is PostgreSQL (the postgres
parameter skips, saying why, on SQLite).

The reference data is indexed the way production indexes it: saved through the loader,
signals queue the ids, ``on_commit`` sends the task, eager Celery runs it.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from incidents.models import Actor, Coverage, Incident, Letter, Marking
from kb.search.indexing import index_check
from kb.search.models import SearchEntry, SearchIndexState, SearchWord
from kb.search.selectors import search_records
from tests.search.support import all_documents, contains_word, documents_by_key, search_all

pytestmark = pytest.mark.django_db


def keys(results):
    return [hit.key for hit in results.hits]


def facet_dict(results):
    return {name: {v.value: v.count for v in values} for name, values in results.facets.items()}


# --- done-when 1: relevance, typos, letters, phrases, facets ----------------------------

def test_qwen_distillation_ranks_the_alibaba_incident_first(indexed, green_user):
    results = search_records(viewer=green_user, q="Qwen distillation")
    alibaba = Incident.objects.get(slug="alibaba-qwen-2026")
    assert results.hits[0].key == f"incident:{alibaba.pk}"
    assert results.hits[0].url == "/incidents/alibaba-qwen-2026/"
    assert "<" not in results.hits[0].title


def test_a_misspelt_actor_name_still_finds_it(indexed, green_user):
    results = search_records(viewer=green_user, q="Alibba")
    alibaba = Actor.objects.get(slug="alibaba")
    assert results.corrections == {"alibba": ["alibaba"]}
    assert f"actor:{alibaba.pk}" in keys(results)[:5]
    # The typo finds what the right spelling finds.
    assert results.count == search_records(viewer=green_user, q="Alibaba").count


def test_senate_banking_finds_the_10_june_letter(indexed, green_user):
    letter = Letter.objects.get(slug="anthropic-to-senate-banking-2026-06-10")
    assert str(letter.date) == "2026-06-10"
    results = search_records(viewer=green_user, q="Senate Banking")
    assert f"letter:{letter.pk}" in keys(results)[:3]
    hit = next(h for h in results.hits if h.key == f"letter:{letter.pk}")
    assert hit.date.isoformat() == "2026-06-10"
    assert "\x02Senate\x03 \x02Banking\x03" in hit.highlight


def test_a_phrase_matches_only_the_exact_phrase(indexed, green_user):
    phrase = re.compile(r"\bdistillation\W+campaigns?\b", re.IGNORECASE)
    expected = {d.key for d in all_documents() if phrase.search(d.title) or phrase.search(d.body)}
    _, phrase_hits = search_all(green_user, '"distillation campaign"')
    _, word_hits = search_all(green_user, "distillation campaign")
    assert {h.key for h in phrase_hits} == expected
    # Some records hold both words apart: the words match them, the phrase does not.
    assert expected < {h.key for h in word_hits}


@pytest.mark.parametrize("q", ["Alibaba", "distillation", "type:coverage region:Asia",
                               "agent*", "Alibba"])
def test_facet_counts_equal_the_number_of_matching_records(indexed, green_user, q):
    first, hits = search_all(green_user, q)
    assert first.count == len(hits) == len({h.key for h in hits})
    docs = documents_by_key(h.key for h in hits)
    truth = {
        "type": Counter(d.type for d in docs.values()),
        "actor": Counter(a for d in docs.values() for a in d.actors),
        "year": Counter(str(d.year) for d in docs.values() if d.year),
        "region": Counter(d.region for d in docs.values() if d.region),
        "lens": Counter(d.lens for d in docs.values() if d.lens),
    }
    facets = facet_dict(first)
    assert set(facets) == set(truth)
    for name, counts in truth.items():
        shown = facets[name]
        assert len(shown) == min(len(counts), 25), name
        for value, count in shown.items():
            assert counts[value] == count, (name, value)
    assert sum(facets["type"].values()) == first.count


def test_a_word_matches_every_record_that_holds_it(indexed, green_user):
    expected = {d.key for d in all_documents() if contains_word(d, "Alibaba")}
    _, hits = search_all(green_user, "Alibaba")
    assert {h.key for h in hits} == expected


def test_field_filters_prefixes_and_exclusion(indexed, green_user):
    _, asia = search_all(green_user, "type:coverage region:Asia")
    regions = {c.region for c in Coverage.objects.filter(pk__in=[h.object_id for h in asia])}
    assert asia and regions == {"East Asia", "South Asia"}
    assert {h.type for h in asia} == {"coverage"}
    _, exact = search_all(green_user, "", filters={"region": ["East Asia"], "type": ["coverage"]})
    assert {h.key for h in exact} < {h.key for h in asia}

    _, agent = search_all(green_user, "agent*")
    assert agent and all(re.search(r"\bagent", documents_by_key([h.key])[h.key].all_text, re.I)
                         for h in agent)

    _, without = search_all(green_user, "claude -alibaba")
    assert without and not any(contains_word(d, "alibaba")
                               for d in documents_by_key(h.key for h in without).values())


def test_sorting_by_date_and_paging(indexed, green_user):
    first, hits = search_all(green_user, "Alibaba", sort="date")
    dates = [h.date for h in hits if h.date]
    assert dates == sorted(dates, reverse=True)
    page2 = search_records(viewer=green_user, q="Alibaba", page=2, page_size=10)
    page1 = search_records(viewer=green_user, q="Alibaba", page=1, page_size=10)
    assert len(page1.hits) == len(page2.hits) == 10
    assert not set(keys(page1)) & set(keys(page2))


def test_stop_words_alone_match_nothing(indexed, green_user):
    assert search_records(viewer=green_user, q="the of and").count == 0
    assert search_records(viewer=green_user, q="").count == 0


# --- done-when 2: markings --------------------------------------------------------------

def test_a_red_record_never_appears_nor_counts_for_a_green_user(
        indexed, green_user, red_user, django_capture_on_commit_callbacks):
    queries = ["Alibaba", "Qwen distillation", "distillation", "type:coverage", "Nightjar",
               "region:Antarctica", "Redwire"]
    before = {q: search_records(viewer=green_user, q=q) for q in queries}
    with django_capture_on_commit_callbacks(execute=True):
        incident = Incident.objects.create(
            slug="nightjar", title="Operation Nightjar: Alibaba distillation probe",
            summary="Restricted case notes on Alibaba and the Qwen lab.", marking=Marking.RED,
        )
        outlet = Actor.objects.create(slug="red-wire", name="Redwire Bulletin",
                                      kind="media_outlet", region="Antarctica",
                                      marking=Marking.RED)
        coverage = Coverage.objects.create(
            url="https://example.org/nightjar", title="Nightjar: Alibaba distillation leak",
            outlet=outlet, region="Antarctica", lens="closed channel",
            summary="Alibaba Qwen distillation campaign details.", marking=Marking.RED,
        )
        coverage.incidents.add(incident)
    red = {f"incident:{incident.pk}", f"coverage:{coverage.pk}", f"actor:{outlet.pk}"}

    for q in queries:
        after, hits = search_all(green_user, q)
        assert not red & {h.key for h in hits}, q
        assert after.count == before[q].count, q
        assert facet_dict(after) == facet_dict(before[q]), q
        flat = {value for values in facet_dict(after).values() for value in values}
        assert not flat & {"Antarctica", "closed channel", "Redwire Bulletin"}, q
    # A typo near a word only RED records hold is not corrected for a GREEN user either.
    assert search_records(viewer=green_user, q="Nightjr").corrections == {}
    assert search_records(viewer=green_user, q="", filters={"region": ["Antarctica"]}).count == 0

    # The RED user sees them, and they count.
    _, seen = search_all(red_user, "Nightjar")
    assert {h.key for h in seen} == {f"incident:{incident.pk}", f"coverage:{coverage.pk}"}
    assert search_records(viewer=red_user, q="Alibaba").count == before["Alibaba"].count + 2
    assert search_records(viewer=red_user, q="Nightjr").corrections == {"nightjr": ["nightjar"]}


# --- done-when 3: the index is derived data ---------------------------------------------

TEST_QUERIES = ["Qwen distillation", "Alibba", "Senate Banking", '"distillation campaign"',
                "type:coverage region:Asia", "agent*", "claude -alibaba"]


def _delete_the_index(backend: str) -> None:
    if backend == "whoosh":
        shutil.rmtree(settings.KB_SEARCH_INDEX_DIR)
    else:
        SearchEntry.objects.all().delete()
        SearchWord.objects.all().delete()
        SearchIndexState.objects.all().delete()


def _snapshot(viewer, backend):
    out = {}
    for q in TEST_QUERIES:
        first, hits = search_all(viewer, q)
        ranked = [h.key for h in hits]
        if backend == "whoosh" and first.hits and not q.startswith("type:"):
            # Whoosh's BM25 statistics count replaced documents until their segment is
            # merged, so after incremental updates near-equal scores may swap places
            # against a fresh build: compare the best hit and the set, not the order.
            ranked = [ranked[0], sorted(ranked)]
        out[q] = (first.count, ranked, facet_dict(first), first.corrections,
                  {h.key: h.highlight for h in hits})
    return out


def test_deleting_the_index_and_rebuilding_gives_the_same_results(indexed, green_user,
                                                                   search_backend):
    before = _snapshot(green_user, search_backend)
    _delete_the_index(search_backend)
    assert index_check().status.state == "missing"
    with pytest.raises(CommandError, match="missing"):
        call_command("search_index", "check")
    call_command("search_index", "rebuild", "--no-progress")
    call_command("search_index", "check")
    assert _snapshot(green_user, search_backend) == before


def test_rebuild_if_needed_leaves_a_healthy_index_alone(indexed, capsys):
    call_command("search_index", "rebuild", "--if-needed", "--no-progress")
    assert "nothing to do" in capsys.readouterr().out
