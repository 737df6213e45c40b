"""Shaping records for pages: figures as display strings with numbered footnotes naming
their sources, and related records named only when the reader may see them.

Pages keep two promises. A related record the reader may not see is never named: its
place shows the neutral ``incidents.visibility.RESTRICTED`` marker (``Named``), never its
name, slug, URL or a count. Every figure is ``incidents.figures``' consensus of the claims
the reader may see (the selectors prefetch them), and its footnotes are exactly the
sources of the claims behind it: nothing here reads a stored figure attribute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse

from incidents.figures import Figure, SourceRef, campaign_figures, figure
from incidents.formatting import (
    format_count,
    format_date,
    format_number,
    format_period,
    format_short_date,
    qualified,
)
from incidents.visibility import RESTRICTED, can_see


def figure_period(start: Figure, end: Figure) -> str:
    """A campaign's period from its start and end figures, each at its precision."""
    return format_period(start.value, start.qualifier or "day", end.value, end.qualifier or "day")


@dataclass(frozen=True)
class Named:
    """A related record as a page names it: its name, or (``restricted``) the neutral
    marker in place of a record the reader may not see."""

    name: str
    restricted: bool = False
    url: str = ""


MARKER = Named(RESTRICTED, restricted=True)


def named(viewer: Any, obj: Any, url: str = "") -> Named | None:
    """``obj`` (already loaded) as ``viewer`` may read it; ``None`` for no record."""
    if obj is None:
        return None
    if not can_see(viewer, obj):
        return MARKER
    return Named(str(getattr(obj, "name", None) or obj), url=url)


def named_list(viewer: Any, records: Iterable[Any], withheld: bool = False) -> list[Named]:
    """Visible ``records`` (a prefetch of visible rows) by name, then one marker if any
    was withheld (``withheld``, or a record here the viewer may not see): never a count."""
    names: list[Named] = []
    for record in records:
        shown = named(viewer, record)
        if shown is MARKER:
            withheld = True
        elif shown is not None:
            names.append(shown)
    return [*names, MARKER] if withheld else names


def url_or_blank(name: str, *args: Any) -> str:
    """``reverse(name, args)``, or "" when a stored value cannot make a URL (a page must
    still answer when a slug is empty or malformed)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def safe_url(url: Any) -> str:
    """``url`` if it is an http(s) address a page may link to, else ""."""
    text = str(url or "")
    return text if text.lower().startswith(("https://", "http://")) else ""


@dataclass
class Footnote:
    number: int
    source: SourceRef
    url: str = ""  # the source's address, if it is one a page may link to
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
                note = Footnote(len(self._by_key) + 1, ref, url=safe_url(ref.url))
                self._by_key[ref.source_key] = note
            if ref.quote and ref.quote not in note.quotes:
                note.quotes.append(ref.quote)
            if note.number not in numbers:
                numbers.append(note.number)
        return sorted(numbers)

    @property
    def entries(self) -> list[Footnote]:
        return sorted(self._by_key.values(), key=lambda n: n.number)


def campaign_rows(campaigns: list[Any], notes: FootnoteRegister,
                  viewer: Any = None) -> list[dict[str, Any]]:
    """Per campaign (each followed by its visible children): its figures, their display
    text and footnote numbers, and its related records as ``viewer`` may read them
    (operators, capabilities, techniques; ``part_of`` for a campaign shown on its own
    whose parent is hidden; ``withheld_parts`` when a sum of parts leaves hidden parts
    out)."""
    rows = []
    for campaign, is_child in _with_children(campaigns):
        figures = campaign_figures(campaign)
        period_notes = sorted(
            set(notes.cite(figures["start_date"])) | set(notes.cite(figures["end_date"]))
        )
        part_of = None
        if not is_child and campaign.parent_id is not None:
            part_of = named(viewer, campaign.parent)
        rows.append({
            "campaign": campaign,
            "child": is_child,
            "part_of": part_of,
            "figures": figures,
            "exchanges": format_count(figures["exchanges"].value, figures["exchanges"].qualifier),
            "exchanges_notes": notes.cite(figures["exchanges"]),
            "accounts": format_count(figures["accounts"].value, figures["accounts"].qualifier),
            "accounts_notes": notes.cite(figures["accounts"]),
            "period": figure_period(figures["start_date"], figures["end_date"]),
            "period_known": figures["start_date"].known or figures["end_date"].known,
            "period_notes": period_notes,
            "withheld_parts": bool(getattr(campaign, "withheld_children", False)) and any(
                figures[name].rolled_up for name in ("exchanges", "accounts")),
            "operators": named_list(viewer, _prefetched(campaign, "operators"),
                                    getattr(campaign, "withheld_operators", False)),
            "capabilities": named_list(viewer, _prefetched(campaign, "capabilities"),
                                       getattr(campaign, "withheld_capabilities", False)),
            "techniques": named_list(viewer, _prefetched(campaign, "techniques"),
                                     getattr(campaign, "withheld_techniques", False)),
        })
    return rows


def _prefetched(obj: Any, relation: str) -> list[Any]:
    """The rows of ``relation`` a selector prefetched on ``obj`` (visible ones); none if it
    did not, rather than a query per record that would not filter them."""
    cache = getattr(obj, "_prefetched_objects_cache", {})
    return list(cache[relation]) if relation in cache else []


def _with_children(campaigns: list[Any]) -> list[tuple[Any, bool]]:
    """Each campaign followed by its (prefetched, visible) children: a cluster, then its
    labs; with whether the row is shown under its parent."""
    ordered = []
    for campaign in campaigns:
        ordered.append((campaign, False))
        ordered.extend((child, True) for child in getattr(campaign, "visible_children", []))
    return ordered


def incident_header(incident: Any, notes: FootnoteRegister, viewer: Any) -> dict[str, Any]:
    """What an incident's heading shows: its disclosure date (a figure, footnoted) and its
    target, each target record named only if the reader may see it."""
    disclosed = figure(incident, "disclosed_on")
    return {
        "url": url_or_blank("incident-detail", incident.slug),
        "disclosed": format_date(disclosed.value, disclosed.qualifier or "day")
        if disclosed.known else "",
        "disclosed_notes": notes.cite(disclosed),
        "target_system": named(viewer, incident.target_system),
        "target_provider": named(viewer, incident.target_provider),
    }


def event_rows(events: Iterable[Any], notes: FootnoteRegister,
               viewer: Any) -> list[dict[str, Any]]:
    """Timeline entries: date and value as figures (footnoted), visible actors by name
    and one marker when an actor is hidden (``incidents.selectors.incident_timeline``)."""
    rows = []
    for event in events:
        date = figure(event, "date")
        value = figure(event, "value")
        value_text = ""
        if value.known:
            value_text = qualified(format_number(value.value, event.unit or ""),
                                   value.qualifier)
        rows.append({
            "event": event,
            "iso_date": date.value.isoformat() if isinstance(date.value, dt.date) else "",
            "date": format_short_date(date.value, date.qualifier or "day"),
            "date_notes": notes.cite(date),
            "value": value_text,
            "value_notes": notes.cite(value) if value.known else [],
            "actors": named_list(viewer, _prefetched(event, "actors"),
                                 getattr(event, "withheld_actors", False)),
        })
    return rows
