"""A letter drafted from the Alibaba incident to the Senate Banking Committee's chair and
ranking member, exported to Word and PDF and read back (issue 11, Done-when 2): the Word
document's ``word/document.xml`` has the salutation and "28.8 million" with a real
footnote reference, ``word/footnotes.xml`` names the source, and the PDF has the same
text. Uses the reference data (the incident, its claims and the bundled congress
excerpt), which is what the test is about."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from pypdf import PdfReader

from incidents.models import Actor, Incident
from kb.letters.addressing import committee_recipients
from kb.letters.export import letter_docx, letter_pdf, letter_zip
from kb.letters.services import letter_from_incident

pytestmark = pytest.mark.django_db
SALUTATION = "Dear Chairman Scott and Ranking Member Warren:"


def _xml_text(xml: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", xml).split())


def _pdf_text(body: bytes) -> str:
    return " ".join(" ".join(p.extract_text() or "" for p in
                             PdfReader(io.BytesIO(body)).pages).split())


@pytest.fixture
def letter(reference_data, admin_user) -> Any:
    ssbk = Actor.objects.get(committee_code="SSBK")
    leaders = committee_recipients(ssbk)
    assert [a.name for a in leaders] == ["Tim Scott", "Elizabeth Warren"]
    made = letter_from_incident(incident=Incident.objects.get(slug="alibaba-qwen-2026"),
                                user=admin_user, recipients=[ssbk, *leaders],
                                sender=Actor.objects.get(slug="anthropic"))
    made.signer_name, made.signer_title = "A. Policy Lead", "Head of Policy"
    made.save()
    return made


def test_the_word_document_has_the_salutation_and_a_footnoted_figure(letter, admin_user):
    body = letter_docx(letter=letter, viewer=admin_user)
    with zipfile.ZipFile(io.BytesIO(body)) as docx:
        document = docx.read("word/document.xml").decode()
        footnotes = docx.read("word/footnotes.xml").decode()
    text = _xml_text(document)
    assert SALUTATION in text
    assert "The Honorable Tim Scott Chairman Committee on Banking, Housing, and Urban " \
           "Affairs United States Senate" in text
    # The figure, then (after its run) a footnote reference: a real Word footnote.
    figure = document.index("28.8 million")
    reference = re.search(r'<w:footnoteReference w:id="(\d+)"', document[figure:])
    assert reference is not None and reference.start() < 600
    note = re.search(rf'<w:footnote [^>]*w:id="{reference.group(1)}"[^>]*>(.*?)</w:footnote>',
                     footnotes, re.S)
    assert note is not None
    assert "CNBC report of the 10 June letter" in _xml_text(note.group(1))
    assert "28.8 million exchanges with Claude" in _xml_text(note.group(1))
    assert "[1]" not in text  # footnotes are not bracketed text
    assert "A. Policy Lead" in text and "Sincerely," in text


def test_the_pdf_says_the_same(letter, admin_user):
    text = _pdf_text(letter_pdf(letter=letter, viewer=admin_user))
    assert SALUTATION in text
    assert "28.8 million" in text
    assert "CNBC report of the 10 June letter" in text
    assert "Draft — not sent".upper() in text.upper()


def test_one_personalised_document_per_recipient(letter, admin_user):
    with zipfile.ZipFile(io.BytesIO(letter_zip(letter=letter, viewer=admin_user,
                                               fmt="docx"))) as archive:
        names = sorted(archive.namelist())
        assert len(names) == 3
        warren = next(n for n in names if "warren" in n)
        text = _xml_text(zipfile.ZipFile(io.BytesIO(archive.read(warren)))
                         .read("word/document.xml").decode())
        committee = next(n for n in names if "committee" in n)
        committee_text = _xml_text(zipfile.ZipFile(io.BytesIO(archive.read(committee)))
                                   .read("word/document.xml").decode())
    assert "Dear Ranking Member Warren:" in text
    assert "Tim Scott" not in text.split("Re:")[0]  # only her address block
    assert "Dear Members of the Committee:" in committee_text
