"""Evidence: finding a claim's quoted span in the text its source was read from.
Pure functions, no I/O.

Matching forgives what copying text usually changes — runs of whitespace, curly versus
straight quotes and apostrophes, dashes, letter case — and nothing else, so a quote that
is found really is the source's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ",
})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class QuoteContext:
    """A quoted span in its source: text before, the span itself, text after."""

    before: str
    match: str
    after: str
    start: int  # offsets of the span in the source text
    end: int


def _normalise(text: str) -> tuple[str, list[int]]:
    """Normalised text and, for each of its characters, the offset in ``text``."""
    out: list[str] = []
    offsets: list[int] = []
    previous_space = False
    for index, char in enumerate(text.translate(_TRANSLATE)):
        if char.isspace():
            if previous_space:
                continue
            char, previous_space = " ", True
        else:
            previous_space = False
        out.append(char.lower())
        offsets.append(index)
    return "".join(out), offsets


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Offsets ``(start, end)`` of ``quote`` in ``text``, or ``None`` if it is not there."""
    needle, _ = _normalise(quote.strip())
    if not needle or not text:
        return None
    haystack, offsets = _normalise(text)
    at = haystack.find(needle)
    if at < 0:
        return None
    return offsets[at], offsets[at + len(needle) - 1] + 1


def quote_found(text: str, quote: str) -> bool | None:
    """``True`` / ``False`` whether the source text contains the quote; ``None`` when
    there is nothing to check (no text kept, or no quote)."""
    if not text or not quote.strip():
        return None
    return find_quote(text, quote) is not None


def quote_context(text: str, quote: str, width: int = 240) -> QuoteContext | None:
    """The quote with up to ``width`` characters of its source on either side."""
    found = find_quote(text, quote)
    if found is None:
        return None
    start, end = found
    before = text[max(0, start - width):start]
    after = text[end:end + width]
    if start > width:
        before = "…" + before
    if end + width < len(text):
        after = after + "…"
    return QuoteContext(before, text[start:end], after, start, end)
