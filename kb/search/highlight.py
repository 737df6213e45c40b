"""Highlighted snippets as safe HTML: the text escaped, the matches in <mark>."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kb.search.backends.base import MARK_END, MARK_START

_SPACES = re.compile(r"[ \t\r\f\v]+")
# A document's body is its parts one a line (a summary, then the outlet's name): shown
# on one line, they are kept apart.
_LINES = re.compile(r"\s*\n\s*")


def highlight_html(snippet: str) -> SafeString:
    """``snippet`` with the backends' match sentinels, as HTML safe to render as is."""
    text = _LINES.sub(" · ", _SPACES.sub(" ", snippet).strip())
    escaped = str(escape(text))
    html = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)  # noqa: S308 — everything but our own <mark> is escaped above
