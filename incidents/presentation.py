"""Shaping figures for pages: display strings and numbered footnotes naming sources."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from incidents.figures import Figure, SourceRef, campaign_figures

QUALIFIER_WORDS = {
    "exact": "",
    "about": "about",
    "nearly": "nearly",
    "more_than": "more than",
    "at_least": "at least",
    "up_to": "up to",
}


def format_count(value: int | None, qualifier: str = "exact") -> str:
    """28_800_000 → "28.8 million"; 25_000 with "about" → "about 25,000"."""
    if value is None:
        return "unknown"
    if value >= 1_000_000:
        text = f"{value / 1_000_000:.3f}".rstrip("0").rstrip(".") + " million"
    else:
        text = f"{value:,}"
    word = QUALIFIER_WORDS.get(qualifier, "")
    return f"{word} {text}".strip()


def format_date(value: dt.date | None, precision: str = "day") -> str:
    if value is None:
        return "unknown"
    if precision == "year":
        return str(value.year)
    if precision == "month":
        return value.strftime("%B %Y")
    return f"{value.day} {value.strftime('%B %Y')}"


def format_period(start: Figure, end: Figure) -> str:
    if not start.known and not end.known:
        return "unknown"
    if start.known and end.known and start.value.year == end.value.year and \
            start.qualifier == end.qualifier == "day":
        return f"{start.value.day} {start.value:%B} – {end.value.day} {end.value:%B %Y}"
    return f"{format_date(start.value, start.qualifier)} – {format_date(end.value, end.qualifier)}"


@dataclass
class Footnote:
    number: int
    source: SourceRef
    quotes: list[str] = field(default_factory=list)


class FootnoteRegister:
    """Numbers sources in order of first citation; one note per source, with every
    quoted span it was cited for."""

    def __init__(self) -> None:
        self._by_key: dict[str, Footnote] = {}

    def cite(self, figure: Figure) -> list[int]:
        numbers = []
        for ref in figure.sources:
            note = self._by_key.get(ref.source_key)
            if note is None:
                note = Footnote(len(self._by_key) + 1, ref)
                self._by_key[ref.source_key] = note
            if ref.quote and ref.quote not in note.quotes:
                note.quotes.append(ref.quote)
            if note.number not in numbers:
                numbers.append(note.number)
        return sorted(numbers)

    @property
    def entries(self) -> list[Footnote]:
        return sorted(self._by_key.values(), key=lambda n: n.number)


def campaign_rows(campaigns: list[Any], notes: FootnoteRegister) -> list[dict[str, Any]]:
    """Per campaign: its figures, their display text and footnote numbers."""
    rows = []
    for campaign in _with_children(campaigns):
        figures = campaign_figures(campaign)
        period_notes = sorted(
            set(notes.cite(figures["start_date"])) | set(notes.cite(figures["end_date"]))
        )
        rows.append({
            "campaign": campaign,
            "figures": figures,
            "exchanges": format_count(figures["exchanges"].value, figures["exchanges"].qualifier),
            "exchanges_notes": notes.cite(figures["exchanges"]),
            "accounts": format_count(figures["accounts"].value, figures["accounts"].qualifier),
            "accounts_notes": notes.cite(figures["accounts"]),
            "period": format_period(figures["start_date"], figures["end_date"]),
            "period_notes": period_notes,
        })
    return rows


def _with_children(campaigns: list[Any]) -> list[Any]:
    """Each campaign followed by its (prefetched, visible) children: a cluster, then its labs."""
    ordered = []
    for campaign in campaigns:
        ordered.append(campaign)
        ordered.extend(getattr(campaign, "visible_children", []))
    return ordered
