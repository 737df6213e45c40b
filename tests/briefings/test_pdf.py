"""A briefing's PDF (``<briefing url>briefing.pdf``, ``kb.briefings.pdf``): the same figures,
footnotes and sources as the page, the marking on every page, redactions as on the page,
the page's guard, a pinned query count that does not grow with the number of facts, and
a renderer that never fetches anything.

The PDF's text is read back with pypdf, page by page.
"""

from __future__ import annotations

import io
import re
import socket
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from incidents.models import Campaign, Marking
from incidents.visibility import RESTRICTED
from kb.briefings import pdf
from kb.briefings.models import BriefingPage
from kb.briefings.reference import SLUG
from kb.briefings.rendering import briefing_view
from tests import factories as _factories
from tests.briefings.conftest import block, fact

f: Any = _factories
pytestmark = pytest.mark.django_db

# Measured: the PDF request of the reference briefing (session, user, clearance, site and
# routing, the page's records, their claims, the timeline's and the comparison's queries),
# and since issue 13 one INSERT: the export's audit event.
REFERENCE_PDF_QUERIES = 45
# Measured: a briefing of fact blocks only, whatever their number (2 or 8 give the same).
FACTS_PDF_QUERIES = 19  # since issue 13 with the export's audit event (one INSERT)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page of a PDF, whitespace squashed (a wrapped line is a space)."""
    assert content.startswith(b"%PDF-"), content[:40]
    return [_squash(page.extract_text() or "") for page in PdfReader(io.BytesIO(content)).pages]


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_get(client: Client, page: BriefingPage) -> Any:
    return client.get(page.pdf_url())


def html_text(response: Any) -> str:
    return _squash(re.sub(r"<[^>]+>", " ", response.content.decode()))


def _campaign(value: int, source: Any, *, name: str = "", marking: str = "GREEN") -> Campaign:
    campaign = f.CampaignFactory(marking=marking, **({"name": name} if name else {}))
    f.ClaimFactory(subject=campaign, field="exchanges", value=value, source=source,
                   marking=marking)
    return campaign


# --- the reference briefing --------------------------------------------------------------------

@pytest.fixture
def reference(reference_data) -> BriefingPage:
    return BriefingPage.objects.get(slug=SLUG)


def test_reference_pdf_has_the_figures_footnotes_sources_and_marking(reference,
                                                                      django_assert_max_num_queries):
    reader = f.UserFactory(clearance="GREEN")
    client = client_of(reader)
    with django_assert_max_num_queries(REFERENCE_PDF_QUERIES):
        response = pdf_get(client, reference)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{SLUG}.pdf"'
    pages = pdf_pages(response.content)
    text = " ".join(pages)

    # A printed document, not the screen page: a few A4 pages.
    assert 2 <= len(pages) <= 5, len(pages)
    # The figure with its first footnote marker, and the sources list at the end.
    assert re.search(r"28\.8 million ?\[1\]", text), text[:2000]
    view = briefing_view(page=reference, viewer=reader)
    assert view.footnotes
    sources_at = text.rindex("Sources")
    for note in view.footnotes:
        title = _squash(note.source.title or note.source.source_key)
        assert title in text[sources_at:], title
    # The marking at the top and bottom of every page.
    for number, page_text in enumerate(pages, start=1):
        assert page_text.count(reference.get_marking_display()) >= 2, (number, page_text[:200])
        assert f"Page {number} of {len(pages)}" in page_text
    # Every figure the page shows, the PDF shows; and the page shows the same ones.
    assert view.values
    page_text = html_text(client.get(reference.url))
    for value in view.values:
        assert value in text, value
        assert value in page_text, value
    assert view.values[0] == "28.8 million"


def test_reference_pdf_prints_the_timeline_once_in_its_wide_layout(reference):
    response = pdf_get(client_of(f.UserFactory()), reference)
    text = " ".join(pdf_pages(response.content))
    # The wide layout writes an event on one line as "date · title"; the narrow one (for
    # phones) would print every event a second time, its date on a line of its own.
    label = "White House memo accuses China of industrial-scale extraction from US AI labs"
    assert text.count("White House memo accuses China") == 1, text.count(
        "White House memo accuses China")
    assert f"Apr 2026 · {label}" in text


def test_pdf_and_page_show_the_same_values(make_briefing):
    source = f.SourceFactory(title="Letter to senators")
    exact = _campaign(28_800_000, source)
    about = f.CampaignFactory(marking="GREEN")
    f.ClaimFactory(subject=about, field="accounts", value=25_000, qualifier="about",
                   source=f.SourceFactory(title="Press digest"))
    briefing = make_briefing(body=[
        fact(exact, "exchanges", lead="The campaign made", trail="exchanges."),
        fact(about, "accounts", lead="It used", trail="accounts."),
    ])
    reader = f.UserFactory()
    client = client_of(reader)
    text = " ".join(pdf_pages(pdf_get(client, briefing).content))
    page = html_text(client.get(briefing.url))
    view = briefing_view(page=briefing, viewer=reader)

    assert view.values == ["28.8 million", "about 25,000"]
    for value in view.values:
        assert value in text and value in page
    assert re.search(r"The campaign made 28\.8 million ?\[1\] exchanges\.", text), text
    assert re.search(r"It used about 25,000 ?\[2\] accounts\.", text), text
    assert "Sources" in text
    assert "Letter to senators" in text and "Press digest" in text


# --- query count -------------------------------------------------------------------------------

def _facts_briefing(make_briefing: Any, count: int) -> BriefingPage:
    body = [block("heading", "Scale")]
    for n in range(count):
        campaign = _campaign(1_000 * (n + 1), f.SourceFactory(title=f"Source for fact {n}"))
        body.append(fact(campaign, "exchanges", lead=f"Campaign {n} made", trail="exchanges."))
    return make_briefing(body=body)


def test_pdf_query_count_does_not_grow_with_the_number_of_facts(make_briefing,
                                                                django_assert_max_num_queries):
    two, eight = _facts_briefing(make_briefing, 2), _facts_briefing(make_briefing, 8)
    client = client_of(f.UserFactory())
    assert pdf_get(client, two).status_code == 200  # warm Wagtail's site-root cache
    counts = {}
    for page in (two, eight):
        with CaptureQueriesContext(connection) as queries:
            response = pdf_get(client, page)
        assert response.status_code == 200
        counts[page.pk] = len(queries)
    assert counts[two.pk] == counts[eight.pk], counts
    with django_assert_max_num_queries(FACTS_PDF_QUERIES):
        response = pdf_get(client, eight)
    text = " ".join(pdf_pages(response.content))
    assert all(f"Source for fact {n}" in text for n in range(8))


# --- markings ----------------------------------------------------------------------------------

def test_a_green_reader_sees_restricted_for_a_record_remarked_amber(make_briefing):
    shown = _campaign(4_321, f.SourceFactory(title="Open source report"), name="Plainfield")
    hidden = _campaign(987_654, f.SourceFactory(title="Zzamberfeed internal note"),
                       name="Zzamberwick campaign")
    incident = f.IncidentFactory(marking="GREEN", title="Zzamberwick incident")
    briefing = make_briefing(body=[
        fact(shown, "exchanges", lead="Plainfield made", trail="exchanges."),
        fact(hidden, "exchanges"),
        block("incident_card", {"incident": incident.pk}),
    ])
    # After publication the record and the incident are re-marked above GREEN readers.
    Campaign.objects.filter(pk=hidden.pk).update(marking=Marking.AMBER)
    type(incident).objects.filter(pk=incident.pk).update(marking=Marking.AMBER)

    text = " ".join(pdf_pages(pdf_get(client_of(f.UserFactory(clearance="GREEN")),
                                      briefing).content))
    assert "Plainfield made 4,321" in text
    assert RESTRICTED in text
    # The marker itself, as on the page (not the notice's word only).
    assert f"{RESTRICTED} This figure is above your clearance" in text
    assert f"{RESTRICTED} This incident is above your clearance" in text
    assert "shown as “restricted”" in text
    for secret in ("987,654", "987654", "Zzamberwick", "Zzamberfeed"):
        assert secret not in text, secret

    # The control: an AMBER reader reads the figure and its source.
    amber_text = " ".join(pdf_pages(pdf_get(client_of(f.UserFactory(clearance="AMBER")),
                                            briefing).content))
    assert "987,654" in amber_text and "Zzamberfeed internal note" in amber_text
    assert RESTRICTED not in amber_text


def test_the_marking_banner_follows_the_briefing(make_briefing):
    briefing = make_briefing(marking=Marking.RED,
                             body=[block("paragraph", "<p>Red text.</p>" * 80)])
    pages = pdf_pages(pdf_get(client_of(f.UserFactory(clearance="RED")), briefing).content)
    assert len(pages) >= 2
    assert all(p.count("TLP:RED") >= 2 for p in pages)
    assert not any("TLP:GREEN" in p for p in pages)


def test_a_reader_below_the_briefings_marking_gets_404(make_briefing):
    briefing = make_briefing(marking=Marking.AMBER)
    missing = client_of(f.UserFactory(clearance="GREEN")).get("/briefings/no-such/briefing.pdf")
    assert missing.status_code == 404
    response = pdf_get(client_of(f.UserFactory(clearance="GREEN")), briefing)
    assert response.status_code == 404
    assert briefing.title.encode() not in response.content
    assert pdf_get(client_of(f.UserFactory(clearance="AMBER")), briefing).status_code == 200


def test_anonymous_is_sent_to_login(make_briefing):
    briefing = make_briefing()
    response = Client().get(briefing.pdf_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert "briefing.pdf" in response["Location"]


# --- nothing is fetched ------------------------------------------------------------------------

def test_the_pdf_fetches_nothing_a_rich_text_block_names(make_briefing, monkeypatch):
    briefing = make_briefing(body=[block(
        "paragraph", '<p>Before the image.</p><p><img src="http://example.com/x.png" '
                     'alt="chart"><img src="/media/local.png" alt="local"></p>'
                     '<p>After the image.</p>')])
    asked: list[str] = []
    connects: list[Any] = []
    original = pdf._fetcher

    def spying_fetcher() -> Any:
        fetcher = original()
        refuse = fetcher.fetch

        def fetch(url: str, headers: Any = None) -> Any:
            asked.append(url)
            return refuse(url, headers)

        fetcher.fetch = fetch
        return fetcher

    def no_network(*args: Any, **kwargs: Any) -> Any:
        connects.append(args)
        raise OSError("the PDF may not open a connection")

    monkeypatch.setattr(pdf, "_fetcher", spying_fetcher)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)

    response = pdf_get(client_of(f.UserFactory()), briefing)
    assert response.status_code == 200
    text = " ".join(pdf_pages(response.content))
    assert "Before the image." in text and "After the image." in text
    assert "http://example.com/x.png" in asked  # WeasyPrint asked, and was refused
    assert connects == []


def test_the_fetcher_refuses_every_url():
    fetcher = pdf._fetcher()
    for url in ("http://example.com/x.png", "https://example.com/a.css",
                "file:///etc/passwd", "data:image/png;base64,iVBORw0KGgo="):
        with pytest.raises(pdf.RefusedFetch):
            fetcher(url)
