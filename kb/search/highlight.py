"""Highlighted snippets as safe HTML: the text escaped, the matches in <mark>."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kb.search.backends.base import MARK_END, MARK_START

_SPACES = re.compile(r"\s+")


def highlight_html(snippet: str) -> SafeString:
    """``snippet`` with the backends' match sentinels, as HTML safe to render as is."""
    escaped = str(escape(_SPACES.sub(" ", snippet).strip()))
    html = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)  # noqa: S308 — everything but our own <mark> is escaped above
