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

from django.conf.locale import LANG_INFO
from django.urls import NoReverseMatch, reverse

from incidents.figures import Figure, SourceRef, campaign_figures, figure
from incidents.formatting import (
    describe_value,
    format_count,
    format_date,
    format_number,
    format_period,
    format_short_date,
    qualified,
)
from incidents.provenance.fields import FIELDS
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
    page: str = ""  # the source's own page on this site


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
                note = Footnote(len(self._by_key) + 1, ref, url=safe_url(ref.url),
                                page=url_or_blank("source-detail", ref.source_key))
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
        "target_system": linked(viewer, incident.target_system, "actor-detail"),
        "target_provider": linked(viewer, incident.target_provider, "actor-detail"),
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
            "url": url_or_blank("event-detail", event.pk),
            "iso_date": date.value.isoformat() if isinstance(date.value, dt.date) else "",
            "date": format_short_date(date.value, date.qualifier or "day"),
            "date_notes": notes.cite(date),
            "value": value_text,
            "value_notes": notes.cite(value) if value.known else [],
            "actors": named_list(viewer, _prefetched(event, "actors"),
                                 getattr(event, "withheld_actors", False)),
        })
    return rows


def linked(viewer: Any, obj: Any, url_name: str, key: str = "slug") -> Named | None:
    """``named()`` with a link to the record's page (``url_name`` reversed with its
    ``key``) when the reader may see it; the marker, unlinked, when not."""
    if obj is None or not can_see(viewer, obj):
        return named(viewer, obj)
    return named(viewer, obj, url=url_or_blank(url_name, getattr(obj, key, "")))


def linked_list(viewer: Any, records: Iterable[Any], url_name: str, withheld: bool = False,
                key: str = "slug") -> list[Named]:
    """``named_list()`` with links: visible records by name and link, then one marker if
    any was withheld; never a count."""
    names = [linked(viewer, r, url_name, key) for r in records]
    if MARKER in names:
        withheld = True
    shown = [n for n in names if n is not None and n is not MARKER]
    return [*shown, MARKER] if withheld else shown


def prefetched(obj: Any, relation: str) -> list[Any]:
    """The public name of ``_prefetched``: the visible rows a selector prefetched."""
    return _prefetched(obj, relation)


def date_figure(obj: Any, field: str, notes: FootnoteRegister) -> dict[str, Any]:
    """A date figure as a page shows it: text at its precision, footnote numbers, ISO."""
    shown = figure(obj, field)
    return {
        "known": shown.known,
        "text": format_date(shown.value, shown.qualifier or "day") if shown.known else "",
        "short": format_short_date(shown.value, shown.qualifier or "day") if shown.known else "",
        "iso": shown.value.isoformat() if isinstance(shown.value, dt.date) else "",
        "notes": notes.cite(shown) if shown.known else [],
        "conflict": shown.conflict,
    }


def letter_sent(letter: Any, date: dict[str, Any]) -> dict[str, Any] | None:
    """When a letter went out, as a page shows it: ``sent_on`` when it was marked sent;
    for a sent letter found in the record without one, its date figure (``date``, from
    ``date_figure``: text, ISO and footnotes); ``None`` for a letter not sent (or a sent
    one whose date nobody the reader may see states: ``known`` False)."""
    if letter.sent_on:
        return {"known": True, "text": format_date(letter.sent_on),
                "iso": letter.sent_on.isoformat(), "notes": [], "from_record": False}
    if getattr(letter, "status", "") != "sent":
        return None
    if not date["known"]:
        return {"known": False, "text": "", "iso": "", "notes": [], "from_record": True}
    return {"known": True, "text": date["text"], "iso": date["iso"], "notes": date["notes"],
            "from_record": True}


def letter_rows(letters: Iterable[Any], notes: FootnoteRegister,
                viewer: Any) -> list[dict[str, Any]]:
    """Letters (``record_selectors.letter_queryset``): date as a footnoted figure, sent
    date (``letter_sent``), sender and recipients named only if visible, incidents
    linked."""
    rows = []
    for letter in letters:
        date = date_figure(letter, "date", notes)
        sent = letter_sent(letter, date)
        rows.append({
            "letter": letter,
            "url": url_or_blank("letter-detail", letter.slug),
            "date": date,
            "sent": sent,
            "is_sent": getattr(letter, "status", "") == "sent",
            "sender": linked(viewer, letter.sender, "actor-detail"),
            "recipients": linked_list(viewer, _prefetched(letter, "recipients"),
                                      "actor-detail",
                                      getattr(letter, "withheld_recipients", False)),
            "incidents": linked_list(viewer, _prefetched(letter, "incidents"),
                                     "incident-detail",
                                     getattr(letter, "withheld_incidents", False)),
            "sent_on": format_date(letter.sent_on) if letter.sent_on else "",
        })
    return rows


#: How coverage can be grouped on the coverage list: ``?group=`` → (heading, attribute).
COVERAGE_GROUPS: dict[str, tuple[str, str]] = {
    "region": ("Region", "region"),
    "language": ("Language", "language"),
    "lens": ("Editorial lens", "lens"),
}


def language_name(code: str) -> str:
    """"en" → "English", "zh" → "Chinese"; the code itself when unknown."""
    text = (code or "").strip().lower()
    info = LANG_INFO.get(text) or LANG_INFO.get(f"{text}-hans") or {}
    name = str(info.get("name", "") or text)
    return "Chinese" if name.startswith("Simplified Chinese") else name


def coverage_rows(items: Iterable[Any], viewer: Any) -> list[dict[str, Any]]:
    """Coverage (``record_selectors.coverage_queryset``): outlet named only if visible,
    publication date via ``incidents.formatting``, incidents linked."""
    rows = []
    for item in items:
        rows.append({
            "coverage": item,
            "url": url_or_blank("coverage-detail", item.pk),
            "address": safe_url(item.url),
            "outlet": linked(viewer, item.outlet, "actor-detail"),
            "published": format_date(item.published_on) if item.published_on else "",
            "published_iso": item.published_on.isoformat() if item.published_on else "",
            "region": item.region,
            "language": language_name(item.language) if item.language else "",
            "lens": item.lens,
            "incidents": linked_list(viewer, _prefetched(item, "incidents"), "incident-detail",
                                     getattr(item, "withheld_incidents", False)),
        })
    return rows


def coverage_groups(rows: list[dict[str, Any]], group: str) -> list[dict[str, Any]]:
    """Coverage rows under headings by ``group`` (region, language or lens), largest
    group first, then by name; items without a value last, as "not recorded"."""
    key = "language" if group == "language" else COVERAGE_GROUPS[group][1]
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        value = row[key] if key == "language" else getattr(row["coverage"], key)
        groups.setdefault(str(value or "").strip(), []).append(row)
    ordered = sorted(groups.items(), key=lambda kv: (not kv[0], -len(kv[1]), kv[0].lower()))
    return [{"label": label or "not recorded", "rows": items, "count": len(items),
             "anchor": f"group-{index}"} for index, (label, items) in enumerate(ordered, 1)]


def campaign_figure_rows(figures: dict[str, Figure],
                         notes: FootnoteRegister) -> list[dict[str, Any]]:
    """A campaign page's figures, one row per claim field (``id="fig-<field>"``)."""
    rows = []
    for field_name in ("exchanges", "accounts", "start_date", "end_date"):
        shown = figures[field_name]
        if field_name in ("start_date", "end_date"):
            text = format_date(shown.value, shown.qualifier or "day") if shown.known \
                else "unknown"
        else:
            text = format_count(shown.value, shown.qualifier)
        rows.append({
            "field": field_name,
            "label": shown.label[:1].upper() + shown.label[1:],
            "text": text,
            "known": shown.known,
            "notes": notes.cite(shown) if shown.known else [],
            "figure": shown,
        })
    return rows


def checks_by_field(checks: Iterable[Any]) -> list[dict[str, Any]]:
    """Derived-statement checks grouped by the field they state (``fig-<field>``)."""
    grouped: dict[str, list[Any]] = {}
    for check in checks:
        grouped.setdefault(check.field, []).append(check)
    return [{"field": name, "checks": items} for name, items in grouped.items()]


def subject_url(record: Any) -> str:
    """The page of a record that carries claims (campaign, incident, letter, event, ...),
    or "" when it has none."""
    model_name = record._meta.model_name
    if model_name == "campaign":
        return url_or_blank("campaign-detail", record.slug)
    if model_name == "incident":
        return url_or_blank("incident-detail", record.slug)
    if model_name == "letter":
        return url_or_blank("letter-detail", record.slug)
    if model_name == "event":
        return url_or_blank("event-detail", record.pk)
    get_url = getattr(record, "get_url", None)  # a page (a briefing citing figures)
    return str(get_url() or "") if callable(get_url) else ""


def _field_spec(record: Any, field_name: str) -> Any:
    return FIELDS.get(record._meta.model_name or "", {}).get(field_name)


def claim_rows(claims: Iterable[Any], viewer: Any) -> list[dict[str, Any]]:
    """Claims (pending review, say) as a list shows them: the subject named and linked,
    the field's label, the value as a person writes it, the source. ``claims`` are read
    as the viewer may read them (``provenance.selectors.claim_redactor``)."""
    rows = []
    for claim in claims:
        subject = claim.subject
        spec = _field_spec(subject, claim.field) if subject is not None else None
        kind = spec.kind if spec else "text"
        shown = named(viewer, subject)
        if shown is not None and shown is not MARKER:
            shown = Named(shown.name, url=subject_url(subject))
        rows.append({
            "claim": claim,
            "subject": shown,
            "field": (spec.label or claim.field) if spec else claim.field,
            "value": describe_value(kind, claim.value, claim.qualifier,
                                    claim.precision or ""),
            "source": claim.source.title or claim.source.key,
            "created": format_date(claim.created_at),
        })
    return rows


def alert_rows(alerts: Iterable[Any], viewer: Any) -> list[dict[str, Any]]:
    """Fact-drift alerts (``provenance.selectors.alert_list``): the citing document and
    the cited record named only if the reader may see them, the values as written."""
    rows = []
    for alert in alerts:
        citation = alert.citation
        subject, document = citation.subject, citation.document
        spec = _field_spec(subject, citation.field) if subject is not None else None
        kind = spec.kind if spec else "text"
        shown_subject = named(viewer, subject)
        if shown_subject is not None and shown_subject is not MARKER:
            shown_subject = Named(shown_subject.name, url=subject_url(subject))
        shown_document = named(viewer, document)
        if shown_document is not None and shown_document is not MARKER:
            shown_document = Named(shown_document.name, url=subject_url(document))
        rows.append({
            "alert": alert,
            "document": shown_document,
            "subject": shown_subject,
            "field": (spec.label or citation.field) if spec else citation.field,
            "cited": describe_value(kind, alert.cited_value, alert.cited_detail,
                                    alert.cited_detail),
            "current": describe_value(kind, alert.current_value, alert.current_detail,
                                      alert.current_detail),
            "still_holds": alert.still_holds,
        })
    return rows
