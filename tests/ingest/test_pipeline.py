"""The ingest pipeline: readable text and metadata, canonical URLs, input checks, dedupe,
what one document stores, and the Celery task's retry after a kill."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from incidents.ingest import pipeline
from incidents.ingest.html import html_document, markdown_title, text_document
from incidents.ingest.jobs import ingest_job_create, ingest_job_run
from incidents.ingest.pipeline import (
    MAX_BYTES,
    IngestTally,
    document_check,
    ingest_document,
    ingest_request_check,
    outlet_for,
    source_key,
)
from incidents.ingest.urls import url_canonical
from incidents.models import Claim, ClaimStatus, Coverage, Source
from incidents.models.ingest import IngestJob, IngestState
from tests import factories as f
from tests.ingest.conftest import ARTICLE_URL, table_counts

# -- HTML and plain text -----------------------------------------------------------------


def test_html_gives_the_article_text_and_its_metadata(article_html):
    document = html_document(article_html)
    assert document.title == "Harbour Lab says rival drew 2.5 million exchanges from its model"
    assert document.published_on == dt.date(2026, 3, 4)
    assert document.sitename == "Tidewater Ledger"
    assert document.url == "https://www.tidewater-ledger.example/tech/harbour-lab-exchanges/"
    assert document.author == "Imogen Vale"
    assert "about 1,200 fraudulent accounts" in document.text
    assert "Ravi Okafor" in document.text
    # Navigation, asides, scripts, styles and footers are not the article.
    for noise in ("Tide tables", "All rights reserved", "window.analytics", "font-family",
                  "Markets"):
        assert noise not in document.text


def test_html_without_readable_text_is_refused_and_stores_nothing(db):
    with pytest.raises(ValidationError) as caught:
        ingest_document(html="<html><head><title>x</title></head><body></body></html>")
    assert "No readable text" in caught.value.message_dict["html"][0]
    assert Source.objects.count() == 0


@pytest.mark.parametrize(("text", "title"), [
    ("# Harbour Lab report\n\nBody text.", "Harbour Lab report"),
    ("Intro line\n\n## Second heading\nmore", "Second heading"),
    ("Harbour Lab report\n==================\n\nBody.", "Harbour Lab report"),
    ("\n\n  First line of plain text  \nSecond line", "First line of plain text"),
])
def test_plain_text_and_markdown_are_titled_by_heading_or_first_line(text, title):
    assert text_document(text).title == title


def test_line_ends_do_not_change_the_text_or_its_hash():
    unix = text_document("Title\nOne line.\nTwo lines.\n")
    windows = text_document("Title\r\nOne line.  \r\nTwo lines.\r\n")
    assert unix.text == windows.text == "Title\nOne line.\nTwo lines."


def test_a_title_is_at_most_400_characters():
    assert len(markdown_title("# " + "x" * 1000)) == 400


# -- canonical URLs ------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [
    "https://www.tidewater-ledger.example/tech/harbour-lab-exchanges",
    "HTTPS://WWW.Tidewater-Ledger.EXAMPLE/tech/harbour-lab-exchanges/",
    "https://www.tidewater-ledger.example:443/tech/harbour-lab-exchanges#comments",
    "https://www.tidewater-ledger.example/tech/harbour-lab-exchanges/?utm_source=feed"
    "&utm_medium=rss&fbclid=abc123",
    "https://www.tidewater-ledger.example/tech/harbour-lab-exchanges?gclid=xyz",
    "  https://www.tidewater-ledger.example/tech/harbour-lab-exchanges  ",
])
def test_variants_of_one_address_have_one_canonical_url(variant):
    assert url_canonical(variant) == ARTICLE_URL


def test_remaining_query_parameters_are_sorted_and_kept():
    assert url_canonical("http://Example.org:80/a/?b=2&a=1&utm_campaign=x#top") == \
        "http://example.org/a?a=1&b=2"
    assert url_canonical("https://example.org") == url_canonical("https://example.org/") == \
        "https://example.org/"


@pytest.mark.parametrize("bad", ["not a url", "ftp://example.org/file", "https://",
                                 "javascript:alert(1)", "https://example.org/" + "a" * 600,
                                 "https://exa\x00mple.org/"])
def test_a_bad_url_is_refused_on_the_url_field(bad):
    with pytest.raises(ValidationError) as caught:
        url_canonical(bad)
    assert list(caught.value.message_dict) == ["url"]


# -- input checks --------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    ("   \n\t ", "empty"),
    (b"PK\x03\x04\x00\x00binary", "binary"),
    ("text with a \x00 NUL", "binary"),
    ("".join(chr(c) for c in range(1, 9)) * 50, "binary"),
    (b"caf\xe9 au lait", "not UTF-8"),
    (b"x" * (MAX_BYTES + 1), "at most 5 MB"),
    ("é" * (MAX_BYTES // 2 + 1), "at most 5 MB"),
    ("lone \ud800 surrogate", "lone surrogate"),
])
def test_document_check_refuses_bad_input_with_the_reason(data, reason):
    with pytest.raises(ValidationError) as caught:
        document_check(data, name="file")
    assert reason in caught.value.message_dict["file"][0]


def test_document_check_accepts_utf8_and_drops_a_byte_order_mark():
    assert document_check("\ufeffHello".encode(), name="text") == "Hello"
    assert document_check(b"x" * MAX_BYTES, name="text") == "x" * MAX_BYTES


@pytest.mark.parametrize(("kwargs", "field", "reason"), [
    ({}, "text", "Give the text or the HTML"),
    ({"text": "a", "html": "<p>a</p>"}, "text", "not both"),
    ({"text": ""}, "text", "empty"),
    ({"html": "<p>\x00</p>"}, "html", "binary"),
    ({"text": "x" * (MAX_BYTES + 1)}, "text", "at most 5 MB"),
    ({"text": "Fine", "url": "nope"}, "url", "valid http or https URL"),
    ({"text": "Fine", "incident": "no-such-case"}, "incident", "No incident"),
])
def test_every_bad_request_stores_nothing(ingest_world, kwargs, field, reason):
    before = table_counts()
    with pytest.raises(ValidationError) as caught:
        ingest_request_check(**kwargs)
    assert reason in " ".join(caught.value.message_dict[field])
    if "incident" not in kwargs:
        with pytest.raises(ValidationError):
            ingest_document(**kwargs)
    assert table_counts() == before


def test_a_hidden_incident_is_refused_exactly_like_an_unknown_one(ingest_world, analyst):
    def message(slug: str) -> str:
        with pytest.raises(ValidationError) as caught:
            ingest_request_check(text="Fine", incident=slug, viewer=analyst)
        return caught.value.message_dict["incident"][0].replace(slug, "SLUG")

    assert message("hidden-case") == message("no-such-case")
    assert ingest_request_check(text="Fine", incident="harbour-case",
                                viewer=analyst).incident == ingest_world.incident


# -- storing a document (the real extractor) ---------------------------------------------


def test_an_article_becomes_a_source_coverage_and_pending_claims(ingest_world, article_html):
    result = ingest_document(html=article_html, url=ARTICLE_URL + "/?utm_source=x")
    assert result.created and not result.duplicate
    source = result.source
    assert source.url == ARTICLE_URL
    assert source.kind == "coverage"
    assert source.title.startswith("Harbour Lab says rival")
    assert source.published_on == dt.date(2026, 3, 4)
    assert source.publisher == ingest_world.outlet
    assert source.marking == "GREEN"
    assert source.retrieved_at is not None
    assert len(source.sha256) == 64 and source.key == source_key(url=ARTICLE_URL,
                                                                 sha256=source.sha256)
    assert "about 1,200 fraudulent accounts" in source.text
    coverage = result.coverage
    assert coverage is not None and source.coverage == coverage
    assert (coverage.url, coverage.outlet, coverage.region, coverage.language) == (
        ARTICLE_URL, ingest_world.outlet, "Europe", "en")
    assert coverage.content_hash == source.sha256
    assert coverage.published_on == dt.date(2026, 3, 4)
    assert any("same prompts arrive" in q for q in coverage.quotes)
    assert list(coverage.incidents.all()) == [ingest_world.incident]
    claims = Claim.objects.filter(source=source)
    assert claims.exists()
    assert set(claims.values_list("status", flat=True)) == {ClaimStatus.PENDING}
    assert result.counts["quantity"] >= 2 and result.counts["quote"] == 1
    assert result.claims_total == claims.count()


def test_the_same_article_twice_changes_nothing(ingest_world, article_html):
    first = ingest_document(html=article_html, url=ARTICLE_URL)
    before = table_counts()
    snapshot = list(Source.objects.values()), list(Coverage.objects.values()), \
        list(Claim.objects.values())
    again = ingest_document(html=article_html, url=ARTICLE_URL + "/#top")
    assert again.duplicate and not again.created
    assert again.source == first.source and again.coverage == first.coverage
    assert table_counts() == before
    assert (list(Source.objects.values()), list(Coverage.objects.values()),
            list(Claim.objects.values())) == snapshot


def test_the_same_text_at_another_url_is_a_duplicate_by_content_hash(ingest_world, article_html):
    first = ingest_document(html=article_html, url=ARTICLE_URL)
    before = table_counts()
    again = ingest_document(html=article_html, url="https://mirror.example.org/copy")
    assert again.duplicate and again.source == first.source
    assert table_counts() == before


def test_the_same_url_with_other_text_is_a_duplicate_by_url(ingest_world, article_html):
    ingest_document(html=article_html, url=ARTICLE_URL)
    before = table_counts()
    assert ingest_document(text="An updated version.", url=ARTICLE_URL).duplicate
    assert table_counts() == before


def test_a_page_without_a_given_url_uses_its_canonical_link(ingest_world, article_html):
    result = ingest_document(html=article_html)
    assert result.source.url == ARTICLE_URL and result.coverage is not None


def test_text_without_url_is_kept_as_a_source_only(ingest_world, fake_extract):
    result = ingest_document(text="# A note\n\nHarbour Lab said so.")
    assert result.created and result.coverage is None
    assert result.source.url == "" and result.source.key.startswith("text-")
    assert Coverage.objects.count() == 0


def test_an_incident_stricter_than_green_marks_what_is_stored(ingest_world, fake_extract):
    amber = f.IncidentFactory(slug="amber-case", marking="AMBER")
    result = ingest_document(text="Harbour Lab said so.", url="https://news.example.org/a",
                             incident=amber)
    assert result.source.marking == "AMBER" and result.coverage.marking == "AMBER"
    assert list(result.coverage.incidents.all()) == [amber]


def test_storage_keeps_quotes_candidates_and_counts(ingest_world, fake_extract, article_html):
    result = ingest_document(html=article_html, url=ARTICLE_URL)
    assert result.coverage.quotes == ["We saw the same prompts"]
    assert result.candidates == ["Northwind Analytics"]
    assert result.counts == {"quantity": 0, "date": 0, "period": 0, "duration": 0,
                             "actor": 2, "quote": 1}
    tally = IngestTally()
    tally.add(result)
    assert "Candidate organisations (not in the KB): Northwind Analytics" in tally.lines()


def test_an_existing_coverage_record_is_reused_not_duplicated(ingest_world, fake_extract):
    listed = f.CoverageFactory(url=ARTICLE_URL, title="Listed by hand", marking="GREEN")
    result = ingest_document(text="Harbour Lab said so.", url=ARTICLE_URL)
    assert result.coverage == listed and Coverage.objects.count() == 1
    assert result.source.coverage == listed


def test_a_duplicate_of_a_hidden_source_is_not_named(ingest_world, analyst):
    hidden = f.SourceFactory(key="red-copy", marking="RED", url="https://news.example.org/r",
                             sha256="0" * 64)
    result = ingest_document(text="Whatever it says.", url="https://news.example.org/r",
                             user=analyst)
    assert result.duplicate and result.source == hidden
    assert result.as_json(viewer=analyst)["source"] is None
    assert result.as_json(viewer=analyst)["title"] is None


@pytest.mark.parametrize(("url", "sitename", "expected"), [
    ("https://www.tidewater-ledger.example/x", "", "tidewater-ledger"),
    ("https://unknown.example.org/x", "Tidewater Ledger", "tidewater-ledger"),
    ("https://unknown.example.org/x", "", None),
    ("https://www.cnbc.com/2026/06/24/story.html", "", "cnbc"),
    ("https://thenextweb.com/news/story", "", "the-next-web"),
    ("https://www.businesstoday.in/tech/story", "", "business-today-india"),
])
def test_the_outlet_is_recognised_from_the_host_or_site_name(ingest_world, url, sitename, expected):
    f.ActorFactory(slug="cnbc", name="CNBC", kind="media_outlet")
    f.ActorFactory(slug="the-next-web", name="The Next Web", kind="media_outlet")
    f.ActorFactory(slug="business-today-india", name="Business Today India",
                   kind="media_outlet")
    outlet = outlet_for(url=url, sitename=sitename)
    assert (outlet.slug if outlet else None) == expected


def test_an_outlet_the_user_may_not_see_is_not_used(ingest_world, analyst):
    ingest_world.outlet.marking = "RED"
    ingest_world.outlet.save()
    assert outlet_for(url=ARTICLE_URL, viewer=analyst) is None
    assert outlet_for(url=ARTICLE_URL) == ingest_world.outlet


def test_readable_text_longer_than_a_source_keeps_is_refused(ingest_world, monkeypatch):
    monkeypatch.setattr(pipeline, "SOURCE_TEXT_MAX", 10)
    with pytest.raises(ValidationError) as caught:
        ingest_document(text="Eleven characters and more.")
    assert "at most 10 are kept" in caught.value.message_dict["text"][0]
    assert Source.objects.count() == 0


# -- the job and its task: a retry after a kill --------------------------------------------


class Killed(BaseException):
    """What a worker killed midway looks like to the code it was running."""


def _job(user, **content):
    return ingest_job_create(request=ingest_request_check(**content, viewer=user), user=user)


def test_a_task_killed_inside_the_transaction_leaves_nothing_and_its_retry_no_duplicate(
        ingest_world, article_html, admin_user, monkeypatch):
    job = _job(admin_user, html=article_html, url=ARTICLE_URL)
    before = table_counts()
    real = pipeline.pending_claims_create

    def killed_after_the_source(**kwargs):
        assert Source.objects.filter(pk=kwargs["source"].pk).exists()  # written, not committed
        raise Killed

    monkeypatch.setattr(pipeline, "pending_claims_create", killed_after_the_source)
    with pytest.raises(Killed):
        ingest_job_run(job_id=str(job.pk))
    assert table_counts() == before  # no half-written source, coverage or claim
    job.refresh_from_db()
    assert job.state == IngestState.RUNNING and job.attempts == 1

    monkeypatch.setattr(pipeline, "pending_claims_create", real)
    result = ingest_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.state == IngestState.DONE and job.progress == 100 and job.attempts == 2
    assert result["created"] and not result["duplicate"]
    assert Source.objects.count() == before["sources"] + 1
    assert Coverage.objects.count() == before["coverage"] + 1
    after = table_counts()
    # Delivered once more (acks_late): a job already done is not run again.
    assert ingest_job_run(job_id=str(job.pk)) == result
    assert table_counts() == after


def test_an_error_inside_the_transaction_fails_the_job_and_stores_nothing(
        ingest_world, article_html, admin_user, monkeypatch):
    job = _job(admin_user, html=article_html, url=ARTICLE_URL)
    before = table_counts()

    def broken(**kwargs):
        raise RuntimeError("extractor bug")

    monkeypatch.setattr(pipeline, "pending_claims_create", broken)
    result = ingest_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.state == IngestState.FAILED and "RuntimeError" in job.message
    assert result["errors"]
    assert table_counts() == before
    monkeypatch.undo()
    assert ingest_job_run(job_id=str(job.pk))["created"]


def test_two_jobs_with_the_same_document_store_it_once(ingest_world, article_html, admin_user):
    first = _job(admin_user, html=article_html, url=ARTICLE_URL)
    second = _job(admin_user, html=article_html, url=ARTICLE_URL)
    assert ingest_job_run(job_id=str(first.pk))["created"]
    before = table_counts()
    result = ingest_job_run(job_id=str(second.pk))
    assert result["duplicate"] and result["source"] == Source.objects.get().pk
    assert table_counts() == before
    assert IngestJob.objects.get(pk=second.pk).state == IngestState.DONE


def test_a_job_whose_input_turns_out_bad_fails_with_the_reason(ingest_world, admin_user):
    job = _job(admin_user, html="<html><body><script>x()</script></body></html>")
    ingest_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.state == IngestState.FAILED
    assert "No readable text" in job.message and job.result["errors"]["html"]
