"""Readable text and metadata of a document: HTML through trafilatura, plain text and
Markdown as they are.

No HTML is parsed by hand here: trafilatura finds the article's main text (leaving out
navigation, asides, scripts and footers) and its metadata (title, date, site name,
canonical URL). Pure: no database, no network.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import trafilatura

#: Longest title kept (``Source.title`` and ``Coverage.title`` hold 400 characters).
TITLE_MAX = 400

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")


@dataclass(frozen=True)
class Document:
    """What a document says about itself, besides its readable text.

    ``published_on`` is ``None`` when the document gives no date; ``sitename`` and
    ``url`` are ``""`` when it names none (``url``: its canonical link, as written).
    """

    text: str
    title: str = ""
    published_on: dt.date | None = None
    sitename: str = ""
    url: str = ""
    author: str = ""


def html_document(html: str, *, url: str = "") -> Document:
    """The main text of an HTML page and its metadata (trafilatura).

    ``url`` (the page's address, when known) helps trafilatura judge links and fills
    ``Document.url`` when the page has no canonical link. A page without readable text
    gives ``Document(text="")``: the caller decides what that means.
    """
    extracted = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False,
        include_tables=True, include_images=False, include_links=False,
        output_format="python",
    )
    if extracted is None:
        return Document(text="")
    text = _clean_text(str(getattr(extracted, "text", "") or ""))
    title = _one_line(str(getattr(extracted, "title", "") or ""))
    return Document(
        text=text,
        title=title or first_line_title(text),
        published_on=_date(getattr(extracted, "date", None)),
        sitename=_one_line(str(getattr(extracted, "sitename", "") or "")),
        url=str(getattr(extracted, "url", "") or url or ""),
        author=_one_line(str(getattr(extracted, "author", "") or "")),
    )


def text_document(text: str) -> Document:
    """Plain text or Markdown: the text itself (line ends normalised), titled by its
    first heading (``# Title`` or a Setext heading), else by its first non-empty line."""
    text = _clean_text(text)
    return Document(text=text, title=markdown_title(text) or first_line_title(text))


def markdown_title(text: str) -> str:
    """The first Markdown heading of ``text`` (ATX ``# …`` or Setext ``…\\n===``), or ``""``."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = _HEADING.match(line)
        if match:
            return _truncate(match.group("title"))
        if (line.strip() and number + 1 < len(lines)
                and _SETEXT_UNDERLINE.match(lines[number + 1])
                and not _SETEXT_UNDERLINE.match(line)):
            return _truncate(line.strip())
    return ""


def first_line_title(text: str) -> str:
    """The first non-empty line of ``text``, shortened to ``TITLE_MAX`` characters."""
    for line in text.splitlines():
        if line.strip():
            return _truncate(_one_line(line.lstrip("#").strip()))
    return ""


def _clean_text(text: str) -> str:
    # One line-end convention, no trailing blanks: the hash of the same article pasted
    # from Windows and from Unix is the same.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _one_line(value: str) -> str:
    return _truncate(" ".join(value.split()))


def _truncate(value: str) -> str:
    value = value.strip()
    return value if len(value) <= TITLE_MAX else value[: TITLE_MAX - 1].rstrip() + "…"


def _date(value: object) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
