"""The letter page (issue 11): recipients with their titles, status and sent date (a
sent letter found in the record shows its date figure, footnoted), the letter itself
(salutation, body with fact blocks, signature) with one footnote numbering for the whole
page, corrections, downloads (Word, PDF, one per recipient, zipped) and the two
promises: a recipient above the reader's clearance is never named, a hidden letter is a
404 on its page and on every download, like a missing one.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
import zipfile
from typing import Any

import pytest
from django.urls import reverse

from incidents.services.claims import facts_refresh
from kb.letters.export import DOCX, PDF, ZIP
from tests import factories as f

pytestmark = pytest.mark.django_db

GREEN = "GREEN"
RED = "RED"
COMMITTEE = "Senate Committee on Banking, Housing, and Urban Affairs"


def _fact(record: Any, figure: str, lead: str = "") -> dict[str, Any]:
    return {"type": "campaign_fact", "id": str(uuid.uuid4()),
            "value": {"record": record.pk, "figure": figure, "lead": lead, "trail": ""}}


def _block(kind: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "id": str(uuid.uuid4()), "value": value}


@pytest.fixture
def reader(db) -> Any:
    return f.UserFactory(username="letter-reader")  # GREEN


@pytest.fixture
def letter(db) -> Any:
    """A sent letter with no ``sent_on`` (found in the record), to the SSBK committee's
    Chairman and Ranking Member and to a RED recipient; its date is a claim, and its body
    cites a campaign's exchanges (a fact block) from another source."""
    committee, (scott, warren) = committee_with_leaders()
    hidden = f.ActorFactory(marking=RED, slug="crimson-senator", name="Crimson Senator",
                            kind="legislator", chamber="senate")
    dated_by = f.SourceFactory(marking=GREEN, key="letter-report", title="Letter report")
    counted_by = f.SourceFactory(marking=GREEN, key="count-report", title="Count report")
    campaign = f.CampaignFactory(marking=GREEN, slug="jade-campaign", name="Jade campaign")
    f.ClaimFactory(subject=campaign, field="exchanges", value=16_000_000, source=counted_by,
                   marking=GREEN, qualifier="more_than", quote="over 16 million exchanges")
    facts_refresh(subject=campaign)
    made = f.LetterFactory(
        marking=GREEN, slug="jade-letter", subject="Distillation at scale", status="sent",
        sent_on=None, date=None, summary="We asked the committee to act.",
        sender=f.ActorFactory(marking=GREEN, slug="jade-lab", name="Jade Lab"),
        signer_name="A. Policy Lead", signer_title="Head of Policy",
        recipients=[committee, scott, warren, hidden],
        body=[_block("heading", "What we found"),
              _block("paragraph", "<p>We write about a campaign.</p>"),
              _fact(campaign, "exchanges", lead="The campaign made")])
    f.ClaimFactory(subject=made, field="date", value="2026-06-10", precision="day",
                   source=dated_by, marking=GREEN, quote="dated 10 June")
    facts_refresh(subject=made)
    return made


def committee_with_leaders() -> tuple[Any, list[Any]]:
    return f.committee_with_leaders(marking=GREEN)


def _get(client: Any, user: Any, url: str, status: int = 200) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def _section(html: str, pattern: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match, pattern
    return match.group(0)


def _text(html: str) -> str:
    """The words of ``html``: inline tags vanish, the others separate words."""
    html = re.sub(r"</?(a|span|time|sup|strong|em|q)\b[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _footnotes(html: str) -> dict[int, str]:
    """The sources list: footnote number → the source key it names."""
    notes = _section(html, r'<section class="footnotes".*?</section>')
    return {int(n): key for n, key in
            re.findall(r'<li id="fn-(\d+)" value="\d+" data-source="([^"]+)"', notes)}


def _cited(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="#fn-(\d+)"', html)]


def _page(slug: str = "jade-letter") -> str:
    return reverse("letter-detail", args=[slug])


# -- what the page shows ------------


def test_recipients_are_listed_with_their_titles(client, letter, reader):
    html = _get(client, reader, _page())
    to = _text(_section(html, r'<dd data-field="recipients">.*?</dd>'))
    assert f"Tim Scott, Chairman, {COMMITTEE}" in to
    assert f"Elizabeth Warren, Ranking Member, {COMMITTEE}" in to
    assert to.index("Tim Scott") < to.index("Elizabeth Warren")  # most senior first
    sheet = _text(_section(html, r'<article class="letter-sheet".*?</article>'))
    assert "Dear Chairman Scott and Ranking Member Warren:" in sheet
    assert "The Honorable Tim Scott Chairman Committee on Banking, Housing, and Urban " \
           "Affairs United States Senate" in sheet
    assert "Sincerely, A. Policy Lead Head of Policy Jade Lab" in sheet


def test_a_recipient_above_the_readers_clearance_is_not_named(client, letter, reader):
    html = _get(client, reader, _page())
    assert "Crimson" not in html and "crimson" not in html
    to = _section(html, r'<dd data-field="recipients">.*?</dd>')
    assert to.count('class="tag restricted"') == 1  # one marker, never a count
    red = f.UserFactory(username="red-letter-reader", clearance=RED)
    shown = _get(client, red, _page())
    assert "Crimson Senator" in _section(shown, r'<dd data-field="recipients">.*?</dd>')
    assert 'class="tag restricted"' not in _section(shown, r'<dd data-field="recipients">.*?</dd>')


def test_a_sent_letter_without_sent_on_shows_its_date_figure_as_sent_date(client, letter,
                                                                          reader):
    html = _get(client, reader, _page())
    assert "None" not in _text(html)
    facts = _section(html, r'<dl class="facts letter-facts">.*?</dl>')
    assert "<dt>Sent</dt>" in facts
    sent = _section(facts, r'<dd id="fig-date" data-field="date">.*?</dd>')
    assert '<time datetime="2026-06-10">10 June 2026</time>' in sent
    notes = _footnotes(html)
    assert [notes[n] for n in _cited(sent)] == ["letter-report"]
    assert 'class="status status-sent">Sent<' in facts
    assert "Draft — not sent" not in html


def test_a_letter_marked_sent_shows_its_sent_on(client, letter, reader):
    letter.sent_on = dt.date(2026, 6, 12)
    letter.save()
    html = _get(client, reader, _page())
    facts = _section(html, r'<dl class="facts letter-facts">.*?</dl>')
    assert "12 June 2026" in _section(facts, r'<dd data-field="sent_on">.*?</dd>')
    assert "<dt>Dated</dt>" in facts  # the date figure is still shown, as "dated"


def test_body_fact_block_and_date_share_one_footnote_numbering(client, letter, reader):
    html = _get(client, reader, _page())
    notes = _footnotes(html)
    assert sorted(notes) == list(range(1, len(notes) + 1))
    assert set(notes.values()) == {"letter-report", "count-report"}
    fact = _section(html, r'<p class="fact[^"]*" data-field="exchanges">.*?</p>')
    assert "more than 16 million" in _text(fact) or "16 million" in _text(fact)
    numbers = _cited(fact)
    assert numbers and [notes[n] for n in numbers] == ["count-report"]
    # Every citation on the page (record, letter date, body) names the source its
    # number stands for in the one list.
    for n in _cited(html):
        assert n in notes
    assert html.count('<section class="footnotes"') == 1


def test_the_letter_shows_salutation_summary_and_body(client, letter, reader):
    html = _get(client, reader, _page())
    assert "What it says" in html and "We asked the committee to act." in html
    sheet = _section(html, r'<article class="letter-sheet".*?</article>')
    assert "What we found" in sheet and "We write about a campaign." in sheet
    assert "Re: Distillation at scale" in _text(sheet)


def test_a_draft_says_it_is_not_sent(client, reader):
    draft = f.LetterFactory(marking=GREEN, slug="jade-draft", subject="A draft",
                            status="draft", date=None)
    html = _get(client, reader, _page(draft.slug))
    assert "Draft — not sent" in html
    assert "None" not in _text(html)
    facts = _section(html, r'<dl class="facts letter-facts">.*?</dl>')
    assert "<dt>Sent</dt>" not in facts and "<dt>Dated</dt>" in facts


def test_corrections_link_both_ways_and_hidden_ones_are_not_named(client, letter, reader):
    fix = f.LetterFactory(marking=GREEN, slug="jade-correction", subject="A correction",
                          corrects=letter)
    f.LetterFactory(marking=RED, slug="crimson-correction", subject="Crimson fix",
                    corrects=letter)
    html = _get(client, reader, _page())
    corrections = _section(html, r'<dd data-field="corrections">.*?</dd>')
    assert f'href="{_page(fix.slug)}"' in corrections and "A correction" in corrections
    assert corrections.count('class="tag restricted"') == 1
    assert "Crimson" not in html
    back = _get(client, reader, _page(fix.slug))
    corrects = _section(back, r'<dd data-field="corrects">.*?</dd>')
    assert f'href="{_page()}"' in corrects


# -- downloads ------------


def test_download_links_are_on_the_page(client, letter, reader):
    html = _get(client, reader, _page())
    downloads = _section(html, r'<section class="letter-downloads".*?</section>')
    docx = reverse("letter-docx", args=["jade-letter"])
    pdf = reverse("letter-pdf", args=["jade-letter"])
    assert f'href="{docx}"' in downloads and f'href="{pdf}"' in downloads
    assert "Word (.docx)" in downloads and "PDF" in downloads
    for person in ("Tim Scott", "Elizabeth Warren"):
        slug = next(a.slug for a in letter.recipients.all() if a.name == person)
        assert f'href="{docx}?recipient={slug}"' in downloads
        assert f'href="{pdf}?recipient={slug}"' in downloads
    assert f'href="{reverse("letter-zip", args=["jade-letter"])}?format=pdf"' in downloads
    assert "crimson" not in downloads.lower()


@pytest.mark.parametrize(("name", "query", "content_type", "magic"), [
    ("letter-docx", "", DOCX, b"PK"),
    ("letter-pdf", "", PDF, b"%PDF"),
    ("letter-zip", "?format=docx", ZIP, b"PK"),
])
def test_downloads_answer_with_the_right_content_type(client, letter, reader, name, query,
                                                      content_type, magic):
    client.force_login(reader)
    response = client.get(reverse(name, args=["jade-letter"]) + query)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(magic)


def test_a_personalised_download_and_the_zip(client, letter, reader):
    client.force_login(reader)
    scott = letter.recipients.get(name="Tim Scott")
    response = client.get(reverse("letter-docx", args=["jade-letter"]),
                          {"recipient": scott.slug})
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    assert scott.slug in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as docx:
        text = _text(docx.read("word/document.xml").decode())
    assert "Dear Chairman Scott:" in text and "Warren" not in text
    zipped = client.get(reverse("letter-zip", args=["jade-letter"]), {"format": "docx"})
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        names = archive.namelist()
    assert any(scott.slug in n for n in names) and not any("crimson" in n for n in names)
    # A recipient the reader may not see is like none at all.
    for slug in ("crimson-senator", "no-such-actor"):
        assert client.get(reverse("letter-pdf", args=["jade-letter"]),
                          {"recipient": slug}).status_code == 404
    assert client.get(reverse("letter-zip", args=["jade-letter"]),
                      {"format": "odt"}).status_code == 400


def test_a_hidden_letter_is_404_on_its_page_and_downloads(client, reader):
    f.LetterFactory(marking=RED, slug="crimson-letter", subject="Crimson letter")
    client.force_login(reader)
    for name, query in (("letter-detail", ""), ("letter-docx", ""), ("letter-pdf", ""),
                        ("letter-zip", "?format=pdf")):
        hidden = client.get(reverse(name, args=["crimson-letter"]) + query)
        missing = client.get(reverse(name, args=["no-such-letter"]) + query)
        assert hidden.status_code == missing.status_code == 404, name
        assert _plain(hidden.content, "crimson-letter") == _plain(missing.content,
                                                                 "no-such-letter")
        assert b"Crimson" not in hidden.content


def _plain(content: bytes, asked: str) -> str:
    """A 404 page without what differs per request: the slug asked for, the CSRF token."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content.decode())
    return html.replace(asked, "")


def test_pages_and_downloads_need_a_login(client, letter):
    for name in ("letter-detail", "letter-docx", "letter-pdf", "letter-zip"):
        response = client.get(reverse(name, args=["jade-letter"]))
        assert response.status_code == 302 and "/login/" in response["Location"], name


# -- the incident page and the list ------------


def test_letters_on_the_incident_page_and_list_show_status_and_sent_date(client, letter,
                                                                         reader):
    incident = f.IncidentFactory(marking=GREEN, slug="jade-case", title="Jade case")
    letter.incidents.set([incident])
    f.LetterFactory(marking=GREEN, slug="jade-draft", subject="A draft", status="draft",
                    date=None, incidents=[incident])
    for url in (reverse("incident-detail", args=["jade-case"]), reverse("letter-list")):
        html = _get(client, reader, url)
        listing = _section(html, r'<ul class="record-list letters">.*?</ul>')
        assert "None" not in _text(listing)
        sent = _text(_section(listing, r'<li class="letter" data-letter="jade-letter">.*?</li>'))
        assert sent.startswith("Distillation at scale Sent 10 June 2026")
        draft = _text(_section(listing, r'<li class="letter" data-letter="jade-draft">.*?</li>'))
        assert "Draft" in draft and "date unknown" in draft


def test_the_reference_letter_shows_a_real_sent_date(client, reference_data, reader):
    html = _get(client, reader, _page("anthropic-to-senate-banking-2026-06-10"))
    assert "None" not in _text(html)
    sent = _section(html, r'<dt>Sent</dt><dd id="fig-date" data-field="date">.*?</dd>')
    assert "10 June 2026" in sent
    notes = _footnotes(html)
    assert _cited(sent) and all(n in notes for n in _cited(sent))
    to = _text(_section(html, r'<dd data-field="recipients">.*?</dd>'))
    assert "Tim Scott, Chairman, Senate Committee on Banking" in to
