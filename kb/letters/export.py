"""A letter as a Word document and as a PDF, from the one view of it
(``kb.letters.rendering.letter_view``): letterhead, date, address blocks, salutation,
body, signature. The admin, the letter page and the API all answer through
``letter_export_response``.

* **Word**: the view is written as a pandoc document (its JSON AST) and converted by the
  pandoc binary that ``pypandoc-binary`` ships, so every footnote is a real Word
  footnote (``word/footnotes.xml``), not bracketed text: each cited figure carries one
  footnote per source, naming it, its address and the words it was read from. Rich text
  is read by pandoc's HTML reader, never parsed by hand.
* **PDF**: WeasyPrint prints ``templates/letters/letter_pdf.html`` with the briefings'
  block templates and a fetcher that refuses every URL (``kb.briefings.pdf``).

One draft can go to many recipients: the default document is the joint letter (every
recipient in the address and the salutation); ``recipient`` personalises it to one, and
``letter_zip`` holds one personalised document per recipient.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.html import strip_tags
from wagtail.rich_text import expand_db_html

from incidents.models import Actor, Letter
from incidents.presentation import Footnote
from incidents.visibility import can_see
from kb.briefings.pdf import _fetcher
from kb.briefings.rendering import FactView
from kb.letters.rendering import LetterView, letter_view

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
ZIP = "application/zip"
FORMATS = ("docx", "pdf", "zip-docx", "zip-pdf")
PRINT_CSS = "css/letter_pdf.css"
PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'


# --- pandoc's document model, as JSON ----------------------------------------------------

def _inlines(text: str) -> list[dict[str, Any]]:
    """Plain words as pandoc inlines (``Str`` and ``Space``)."""
    out: list[dict[str, Any]] = []
    for word in text.split():
        if out:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out


def _para(inlines: list[dict[str, Any]]) -> dict[str, Any]:
    return {"t": "Para", "c": inlines}


def _text(text: str) -> dict[str, Any]:
    return _para(_inlines(text))


def _strong(inlines: list[dict[str, Any]]) -> dict[str, Any]:
    return {"t": "Strong", "c": inlines}


def _link(text: str, url: str) -> dict[str, Any]:
    return {"t": "Link", "c": [["", [], []], _inlines(text), [url, ""]]}


def _note_text(note: Footnote, quotes: list[str] | None = None) -> list[dict[str, Any]]:
    """A footnote's words: the source's title (linked to its address), its reliability
    and the spans it was read from (``quotes``: those behind this one figure; all the
    source's quotes in the letter otherwise)."""
    title = note.source.title or note.source.source_key
    inlines: list[dict[str, Any]] = [_link(title, note.url) if note.url else
                                     {"t": "Str", "c": title}]
    inlines = [*_join_words(inlines), {"t": "Str", "c": "."}]
    if note.source.reliability:
        inlines += [{"t": "Space"}, *_inlines(f"Reliability {note.source.reliability}.")]
    for quote in note.quotes if quotes is None else quotes:
        inlines += [{"t": "Space"}, {"t": "Quoted", "c": [{"t": "DoubleQuote"},
                                                          _inlines(quote)]}]
    return inlines


def _join_words(inlines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A title given as one ``Str`` keeps its spaces as ``Space`` inlines.
    out: list[dict[str, Any]] = []
    for item in inlines:
        if item.get("t") == "Str" and " " in item["c"]:
            out += _inlines(item["c"])
        else:
            out.append(item)
    return out


def _notes(numbers: list[int], register: dict[int, Footnote],
           refs: tuple[Any, ...] | None = None) -> list[dict[str, Any]]:
    """One Word footnote per source behind a figure; with the figure's claims
    (``refs``), each quotes only the words that figure was read from."""
    notes = []
    for n in numbers:
        if n not in register:
            continue
        note = register[n]
        quotes = None if refs is None else list(dict.fromkeys(
            r.quote for r in refs if r.source_key == note.source.source_key and r.quote))
        notes.append({"t": "Note", "c": [_para(_note_text(note, quotes))]})
    return notes


def _html_blocks(html: str) -> list[dict[str, Any]]:
    import pypandoc

    if not strip_tags(html).strip():
        return []
    doc = json.loads(pypandoc.convert_text(expand_db_html(html), "json", format="html"))
    return list(doc.get("blocks", []))


def _restricted(what: str) -> dict[str, Any]:
    return _para([{"t": "Emph", "c": _inlines(f"[Restricted: {what} is above your "
                                               "clearance.]")}])


def _fact_blocks(fact: FactView, register: dict[int, Footnote]) -> list[dict[str, Any]]:
    if fact.redacted:
        return [_restricted("this figure")]
    inlines: list[dict[str, Any]] = []
    if fact.lead:
        inlines += [*_inlines(fact.lead), {"t": "Space"}]
    elif fact.record is not None:
        inlines += [*_inlines(f"{fact.record.name}, {fact.label}:"), {"t": "Space"}]
    inlines.append(_strong(_inlines(fact.text)))
    if fact.known:
        inlines += _notes(fact.notes, register, fact.refs)
    if fact.trail:
        glued = fact.trail[:1] in ".,;:!?)"
        inlines += [*([] if glued else [{"t": "Space"}]), *_inlines(fact.trail)]
    if fact.conflict:
        inlines += [{"t": "Space"}, {"t": "Emph", "c": _inlines("(sources disagree)")}]
    return [_para(inlines)]


def _quote_blocks(data: dict[str, Any], register: dict[int, Footnote]) -> list[dict[str, Any]]:
    if data.get("redacted"):
        return [_restricted("this quote")]
    if data.get("missing"):
        return []
    said = [{"t": "Quoted", "c": [{"t": "DoubleQuote"}, _inlines(data["text"])]},
            *_notes(list(data.get("notes") or []), register)]
    origin = ", ".join(p for p in (
        getattr(data.get("outlet"), "name", ""), data.get("title", ""), data.get("date", ""))
        if p)
    return [{"t": "BlockQuote", "c": [_para(said), _text(f"— {origin}")]}]


def _body_blocks(view: LetterView) -> list[dict[str, Any]]:
    register = {n.number: n for n in view.footnotes}
    blocks: list[dict[str, Any]] = []
    for item in view.body.blocks:
        if item.kind == "heading":
            blocks.append({"t": "Header", "c": [2, ["", [], []],
                                                _inlines(item.data["text"])]})
        elif item.kind == "paragraph":
            blocks += _html_blocks(item.data["html"].source)
        elif isinstance(item.data, FactView):
            blocks += _fact_blocks(item.data, register)
        elif item.kind == "quote":
            blocks += _quote_blocks(item.data, register)
    return blocks


def _lines(lines: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {"t": "LineBlock", "c": [_inlines(line) for line in lines]}


def _letter_blocks(view: LetterView) -> list[dict[str, Any]]:
    letter = view.letter
    register = {n.number: n for n in view.footnotes}
    blocks: list[dict[str, Any]] = []
    banner = f"TLP:{letter.marking}" + (" · DRAFT, NOT SENT" if view.draft else "")
    blocks.append(_para([{"t": "Emph", "c": _inlines(banner)}]))
    if view.sender:
        blocks.append({"t": "Header", "c": [1, ["letterhead", [], []],
                                            _inlines(view.sender)]})
    blocks.append(_para([*_inlines(view.date), *_notes(view.date_notes, register)]))
    for person in view.addressees:
        blocks.append(_lines(person.lines))
    blocks.append(_para([_strong(_inlines(f"Re: {letter.subject}"))]))
    blocks.append(_text(view.salutation))
    blocks += _body_blocks(view)
    blocks.append(_text("Sincerely,"))
    signature = [line for line in (view.signer_name, view.signer_title, view.sender) if line]
    if signature:
        blocks.append(_lines(signature))
    return blocks


def _pandoc_document(views: list[LetterView]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    for n, view in enumerate(views):
        if n:
            blocks.append({"t": "RawBlock", "c": ["openxml", PAGE_BREAK]})
        blocks += _letter_blocks(view)
    # No title or author metadata: pandoc's Word writer would print them as a title
    # block above the letterhead.
    return {"pandoc-api-version": _api_version(), "meta": {}, "blocks": blocks}


@cache
def _api_version() -> list[int]:
    import pypandoc

    return list(json.loads(pypandoc.convert_text("", "json", format="markdown"))
                ["pandoc-api-version"])


def _docx(views: list[LetterView]) -> bytes:
    import pypandoc

    document = json.dumps(_pandoc_document(views))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "letter.docx")
        # --sandbox: pandoc reads no file and no URL while it writes the document.
        pypandoc.convert_text(document, "docx", format="json", outputfile=out,
                              extra_args=["--sandbox"])
        return Path(out).read_bytes()


# --- the public API ------------------------------------------------------------------------

def _views(letter: Letter, viewer: Any, recipient: Actor | None) -> list[LetterView]:
    return [letter_view(letter=letter, viewer=viewer, recipient=recipient)]


def letter_docx(*, letter: Letter, viewer: Any, recipient: Actor | None = None) -> bytes:
    """The letter as ``viewer`` may read it, as a Word document with real footnotes;
    addressed to ``recipient`` alone when given."""
    return _docx(_views(letter, viewer, recipient))


@cache
def _print_css() -> str:
    found = finders.find(PRINT_CSS)
    return Path(str(found)).read_text(encoding="utf-8") if found else ""


def letter_pdf_html(*, letter: Letter, viewer: Any, recipient: Actor | None = None) -> str:
    return render_to_string("letters/letter_pdf.html", {
        "views": _views(letter, viewer, recipient), "letter": letter,
        "print_css": _print_css()})


def letter_pdf(*, letter: Letter, viewer: Any, recipient: Actor | None = None,
               base_url: str | None = None) -> bytes:
    """The letter as ``viewer`` may read it, printed by WeasyPrint; nothing fetched."""
    from weasyprint import HTML

    html = letter_pdf_html(letter=letter, viewer=viewer, recipient=recipient)
    return bytes(HTML(string=html, base_url=base_url, url_fetcher=_fetcher()).write_pdf())


def _visible_recipients(letter: Letter, viewer: Any) -> list[Actor]:
    return [a for a in letter.recipients.all().order_by("name") if can_see(viewer, a)]


def letter_zip(*, letter: Letter, viewer: Any, fmt: str) -> bytes:
    """One personalised document per recipient ``viewer`` may see (``fmt``: docx or
    pdf), named after the letter and the recipient."""
    if fmt not in ("docx", "pdf"):
        raise ValueError(f"unknown format {fmt!r}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for actor in _visible_recipients(letter, viewer):
            body = (letter_docx(letter=letter, viewer=viewer, recipient=actor) if fmt == "docx"
                    else letter_pdf(letter=letter, viewer=viewer, recipient=actor))
            archive.writestr(f"{letter.slug}--{actor.slug}.{fmt}", body)
    return buffer.getvalue()


def export_recipient(*, letter: Letter, viewer: Any, slug: str | None) -> Actor | None:
    """The recipient named by ``slug`` (404 if it is not one ``viewer`` may see)."""
    if not slug:
        return None
    for actor in _visible_recipients(letter, viewer):
        if actor.slug == slug:
            return actor
    raise Http404("No such recipient of this letter.")


def letter_export_response(*, letter: Letter, request: HttpRequest, fmt: str,
                           recipient_slug: str | None = None) -> HttpResponse:
    """The letter in ``fmt`` (docx, pdf, zip-docx, zip-pdf) for ``request.user``, as an
    attachment. 404 for a recipient slug the reader may not see or that the letter does
    not have; ``ValueError`` for an unknown format (callers answer 400)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: one of {', '.join(FORMATS)}.")
    viewer = request.user
    recipient = None
    if fmt.startswith("zip-"):
        body, content_type, name = (letter_zip(letter=letter, viewer=viewer, fmt=fmt[4:]),
                                    ZIP, f"{letter.slug}-{fmt[4:]}.zip")
    else:
        recipient = export_recipient(letter=letter, viewer=viewer, slug=recipient_slug)
        suffix = f"--{recipient.slug}" if recipient else ""
        if fmt == "docx":
            body, content_type = letter_docx(letter=letter, viewer=viewer,
                                             recipient=recipient), DOCX
        else:
            body, content_type = letter_pdf(letter=letter, viewer=viewer, recipient=recipient,
                                            base_url=request.build_absolute_uri("/")), PDF
        name = f"{letter.slug}{suffix}.{fmt}"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    from incidents.visibility import strictest
    from kb.audit.models import AuditAction
    from kb.audit.services import audit_record

    # The file name may name the recipient: the event is as restricted as both.
    audit_record(action=AuditAction.EXPORT, user=viewer, obj=letter, request=request,
                 data={"format": fmt, "file": name},
                 marking=strictest(letter.marking, *([recipient.marking] if recipient else [])))
    return response
