"""A briefing as one reader may read it: every block's data, with one footnote register
for the whole page, so sources are numbered in reading order across blocks and listed
once at the end. The page, its preview and its PDF all render this view.

Records are loaded once per kind for the whole page, through the same selectors as the
analyst site (visibility and figures included): a fixed number of queries whatever the
number of blocks, plus a fixed number per timeline or comparison block. A record the
reader may not see is never named: its block shows the redaction marker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from wagtail.rich_text import RichText

from incidents import selectors
from incidents.blocks import FACT_BLOCKS, stream_text
from incidents.charts import timeline_for
from incidents.figures import Figure, _coverage_ref, campaign_figures, event_date_figure, figure
from incidents.formatting import describe_value, format_date, format_figure
from incidents.models import (
    AccountCluster,
    AlertStatus,
    Campaign,
    Coverage,
    Event,
    ExchangeVolume,
    FactAlert,
    Incident,
)
from incidents.presentation import (
    Footnote,
    FootnoteRegister,
    Named,
    incident_header,
    linked_list,
    named,
    safe_url,
    subject_url,
    url_or_blank,
)
from incidents.provenance.fields import FIELDS
from incidents.site.entity_data import comparison_view
from incidents.timeline_selectors import origins_attach
from incidents.visibility import can_see

FACT_MODELS: dict[str, type[Model]] = {
    "campaign": Campaign, "incident": Incident, "event": Event,
    "accountcluster": AccountCluster, "exchangevolume": ExchangeVolume,
}
BLOCK_LABELS = {"incident_card": "Incident card", "comparison": "Campaign comparison",
                "timeline": "Timeline", "quote": "Quote"}


# --- what the body cites -----------------------------------------------------------------

def _raw_blocks(page: Any) -> list[dict[str, Any]]:
    return [dict(b) for b in page.body.raw_data]


def _list_ids(raw: Any) -> list[int]:
    """The ids of a ``ListBlock`` of choosers, in its stored form (items with ids, or the
    older plain list)."""
    ids = []
    for item in raw or []:
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, int):
            ids.append(value)
    return ids


def _pk(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _citations(raw: list[dict[str, Any]]) -> Iterator[tuple[int, str, str, int]]:
    """``(block number, block type, model name, pk)`` of every record the body cites."""
    for number, block in enumerate(raw, start=1):
        kind, value = block.get("type", ""), block.get("value") or {}
        if kind in FACT_BLOCKS:
            pk = _pk(value.get("record"))
            if pk is not None:
                yield number, kind, FACT_BLOCKS[kind].model_name, pk
        elif kind in ("incident_card", "timeline"):
            pk = _pk(value.get("incident"))
            if pk is not None:
                yield number, kind, "incident", pk
        elif kind == "comparison":
            for pk in _list_ids(value.get("campaigns")):
                yield number, kind, "campaign", pk
        elif kind == "quote":
            pk = _pk(value.get("coverage"))
            if pk is not None:
                yield number, kind, "coverage", pk


_CITED_MODELS: dict[str, type[Model]] = {**FACT_MODELS, "coverage": Coverage}


def cited_records(page: Any) -> list[tuple[str, Any]]:
    """Every record the body cites, as ``(what cites it, record)``: the check of
    markings at save reads these (all rows, whatever the editor may see)."""
    found = list(_citations(_raw_blocks(page)))
    wanted: dict[str, set[int]] = {}
    for _n, _kind, model, pk in found:
        wanted.setdefault(model, set()).add(pk)
    rows = {model: _CITED_MODELS[model]._default_manager.in_bulk(ids)
            for model, ids in wanted.items()}
    cited = []
    for number, kind, model, pk in found:
        record = rows[model].get(pk)
        if record is not None:
            label = (FACT_BLOCKS[kind]().meta.label if kind in FACT_BLOCKS
                     else BLOCK_LABELS.get(kind, kind))
            cited.append((f"Block {number} ({label})", record))
    return cited


def fact_citations(page: Any) -> list[tuple[Model, str]]:
    """``(record, field)`` of every fact block, in order, once each: what publishing
    records as the briefing's citations."""
    wanted: list[tuple[str, int, str]] = []
    for block in _raw_blocks(page):
        kind, value = block.get("type", ""), block.get("value") or {}
        if kind not in FACT_BLOCKS or not isinstance(value, dict):
            continue
        pk = _pk(value.get("record"))
        if pk is not None and value.get("figure"):
            key = (FACT_BLOCKS[kind].model_name, pk, str(value["figure"]))
            if key not in wanted:
                wanted.append(key)
    rows = {model: FACT_MODELS[model]._default_manager.in_bulk(
        {pk for m, pk, _f in wanted if m == model}) for model in {m for m, _p, _f in wanted}}
    return [(rows[m][pk], f) for m, pk, f in wanted if pk in rows[m]
            and f in FIELDS[m]]


# --- the view ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """A cited figure that changed since the briefing was published."""

    cited: str
    current: str
    still_holds: bool


@dataclass
class FactView:
    field: str
    label: str
    lead: str = ""
    trail: str = ""
    text: str = ""
    record: Named | None = None
    notes: list[int] = dataclasses.field(default_factory=list)
    known: bool = False
    conflict: bool = False
    change: Change | None = None
    redacted: bool = False
    #: The claims behind the figure (what a Word footnote quotes for this figure alone).
    refs: tuple[Any, ...] = ()


@dataclass
class RenderedBlock:
    kind: str
    template: str
    block_id: str
    data: Any


@dataclass
class BriefingView:
    blocks: list[RenderedBlock]
    footnotes: list[Footnote]
    facts: list[FactView]
    changes: int
    redactions: int
    authors: list[str]
    related: list[Named]

    @property
    def values(self) -> list[str]:
        """The figures as shown, in order (what the PDF and tests compare)."""
        return [f.text for f in self.facts if not f.redacted]


def _unit(model_name: str, field_name: str) -> str:
    return {"exchanges": "exchanges", "accounts": "accounts"}.get(field_name, "") \
        if model_name == "campaign" else ""


def _figure(record: Any, model_name: str, field_name: str) -> Figure:
    if model_name == "campaign" and field_name in {"exchanges", "accounts",
                                                   "start_date", "end_date"}:
        return campaign_figures(record)[field_name]
    if model_name == "event" and field_name == "date":
        return event_date_figure(record)
    return figure(record, field_name)


class _Loader:
    """The records a page cites, loaded for ``viewer`` in one query per kind."""

    def __init__(self, raw: list[dict[str, Any]], viewer: Any) -> None:
        wanted: dict[str, set[int]] = {}
        for _n, _kind, model, pk in _citations(raw):
            wanted.setdefault(model, set()).add(pk)
        self.rows: dict[str, dict[int, Any]] = {}
        for model, ids in wanted.items():
            self.rows[model] = {r.pk: r for r in self._queryset(model, viewer).filter(
                pk__in=ids)}
        events = list(self.rows.get("event", {}).values())
        if events:
            origins_attach(events, viewer)

    @staticmethod
    def _queryset(model: str, viewer: Any) -> Any:
        if model == "campaign":
            return selectors.campaign_queryset(viewer)
        if model == "incident":
            return selectors.incident_list(viewer=viewer)
        if model == "coverage":
            return selectors.visible(Coverage.objects.select_related("outlet"), viewer)
        return selectors.visible(FACT_MODELS[model]._default_manager.all(), viewer) \
            .prefetch_related(selectors.accepted_claims_prefetch(viewer))

    def get(self, model: str, pk: Any) -> Any:
        return self.rows.get(model, {}).get(pk) if _pk(pk) is not None else None


def _changes(page: Any) -> dict[tuple[int, int, str], Change]:
    """Open fact-drift alerts of the briefing's citations, by cited figure."""
    if not page.pk:
        return {}
    alerts = FactAlert.objects.filter(
        citation__document_type=ContentType.objects.get_for_model(type(page)),
        citation__document_id=page.pk, status=AlertStatus.OPEN,
    ).select_related("citation")
    found = {}
    for alert in alerts:
        c = alert.citation
        model = ContentType.objects.get_for_id(c.subject_type_id).model
        kind = FIELDS.get(model, {}).get(c.field)
        kind_name = kind.kind if kind else "text"
        found[(c.subject_type_id, c.subject_id, c.field)] = Change(
            cited=describe_value(kind_name, alert.cited_value, alert.cited_detail,
                                 alert.cited_detail),
            current=describe_value(kind_name, alert.current_value, alert.current_detail,
                                   alert.current_detail),
            still_holds=alert.still_holds,
        )
    return found


def _fact(kind: str, value: dict[str, Any], loader: _Loader, notes: FootnoteRegister,
          viewer: Any, changes: dict[tuple[int, int, str], Change]) -> FactView:
    model_name = FACT_BLOCKS[kind].model_name
    field_name = str(value.get("figure") or "")
    spec = FIELDS[model_name].get(field_name)
    view = FactView(field=field_name, label=(spec.label if spec else field_name) or "",
                    lead=str(value.get("lead") or ""), trail=str(value.get("trail") or ""))
    record = loader.get(model_name, value.get("record"))
    if record is None or spec is None:
        view.redacted = record is None and _pk(value.get("record")) is not None
        return view
    shown = _figure(record, model_name, field_name)
    view.record = Named(str(getattr(record, "name", None) or record), url=subject_url(record))
    view.known = shown.known
    view.text = format_figure(shown, spec.kind, _unit(model_name, field_name))
    view.notes = notes.cite(shown)
    view.refs = shown.sources
    view.conflict = shown.conflict
    view.change = changes.get(
        (ContentType.objects.get_for_model(type(record)).pk, record.pk, field_name))
    return view


def _incident_card(value: dict[str, Any], loader: _Loader, notes: FootnoteRegister,
                   viewer: Any) -> dict[str, Any]:
    incident = loader.get("incident", value.get("incident"))
    if incident is None:
        return {"redacted": True}
    campaigns = []
    for campaign in getattr(incident, "visible_campaigns", []):
        figures = campaign_figures(campaign)
        campaigns.append({
            "name": campaign.name, "url": url_or_blank("campaign-detail", campaign.slug),
            "exchanges": format_figure(figures["exchanges"], "count"),
            "exchanges_notes": notes.cite(figures["exchanges"]),
            "exchanges_known": figures["exchanges"].known,
        })
    return {"redacted": False, "incident": incident, "header": incident_header(
        incident, notes, viewer), "campaigns": campaigns}


def _comparison(value: dict[str, Any], loader: _Loader, notes: FootnoteRegister,
                viewer: Any) -> dict[str, Any]:
    ids = _list_ids(value.get("campaigns"))
    shown = [c for c in (loader.get("campaign", pk) for pk in ids) if c is not None]
    return {"title": value.get("title") or "Campaigns compared",
            "withheld": len(shown) < len(ids),
            "c": comparison_view(shown, viewer, notes) if shown else None}


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _timeline(value: dict[str, Any], loader: _Loader, notes: FootnoteRegister,
              viewer: Any) -> dict[str, Any]:
    pk = _pk(value.get("incident"))
    incident = loader.get("incident", pk)
    if pk is not None and incident is None:
        return {"redacted": True}
    return {"redacted": False, "chart": timeline_for(
        viewer=viewer, notes=notes, incident=incident, start=_date(value.get("start")),
        end=_date(value.get("end")), title=str(value.get("title") or ""))}


def _quote(value: dict[str, Any], loader: _Loader, notes: FootnoteRegister,
           viewer: Any) -> dict[str, Any]:
    coverage = loader.get("coverage", value.get("coverage"))
    if coverage is None:
        return {"redacted": True}
    quotes = list(coverage.quotes or [])
    asked = value.get("number")
    number = asked if isinstance(asked, int) else 1
    if not 1 <= number <= len(quotes):
        return {"redacted": False, "missing": True, "title": coverage.title}
    outlet = named(viewer, coverage.outlet)
    ref = _coverage_ref(coverage)
    return {
        "redacted": False, "missing": False, "text": quotes[number - 1],
        "outlet": outlet, "title": coverage.title,
        "date": format_date(coverage.published_on) if coverage.published_on else "",
        "url": safe_url(coverage.url),
        "page": url_or_blank("coverage-detail", coverage.pk),
        "notes": notes.cite(Figure(field="quote", label="quote", value=quotes[number - 1],
                                   qualifier="", sources=(ref,))),
    }


def _template(kind: str) -> str:
    if kind in FACT_BLOCKS:
        return "briefings/blocks/fact.html"
    return f"briefings/blocks/{kind}.html"


@dataclass
class BodyView:
    """A document's StreamField body as one reader may read it."""

    blocks: list[RenderedBlock]
    footnotes: list[Footnote]
    facts: list[FactView]
    changes: int
    redactions: int

    @property
    def values(self) -> list[str]:
        return [f.text for f in self.facts if not f.redacted]


def body_view(*, document: Any, viewer: Any, notes: FootnoteRegister | None = None
              ) -> BodyView:
    """Every block of ``document.body`` (a briefing or a letter) as ``viewer`` may read
    it, footnotes numbered across the body in reading order (continuing ``notes`` when
    given). Figures are the consensus of the claims ``viewer`` may see; a cited record
    above ``viewer``'s clearance gives a redaction marker, never its name or value."""
    raw = _raw_blocks(document)
    loader = _Loader(raw, viewer)
    notes = notes if notes is not None else FootnoteRegister()
    changes = _changes(document)
    rendered: list[RenderedBlock] = []
    facts: list[FactView] = []
    redactions = 0
    for block in raw:
        kind, value = block.get("type", ""), block.get("value")
        data: Any
        if kind == "heading":
            data = {"text": str(value or "")}
        elif kind == "paragraph":
            data = {"html": RichText(str(value or ""))}
        elif kind in FACT_BLOCKS:
            data = _fact(kind, dict(value or {}), loader, notes, viewer, changes)
            facts.append(data)
        elif kind == "incident_card":
            data = _incident_card(dict(value or {}), loader, notes, viewer)
        elif kind == "comparison":
            data = _comparison(dict(value or {}), loader, notes, viewer)
        elif kind == "timeline":
            data = _timeline(dict(value or {}), loader, notes, viewer)
        elif kind == "quote":
            data = _quote(dict(value or {}), loader, notes, viewer)
        else:
            continue
        redacted = data.redacted if isinstance(data, FactView) else (
            isinstance(data, dict) and (data.get("redacted") or data.get("withheld")))
        redactions += 1 if redacted else 0
        rendered.append(RenderedBlock(kind=kind, template=_template(kind),
                                      block_id=str(block.get("id") or ""), data=data))
    return BodyView(blocks=rendered, footnotes=notes.entries, facts=facts,
                    changes=sum(1 for f in facts if f.change and not f.redacted),
                    redactions=redactions)


def briefing_view(*, page: Any, viewer: Any) -> BriefingView:
    """Every block of ``page`` as ``viewer`` may read it (``body_view``), with its
    authors and the related incidents ``viewer`` may see."""
    body = body_view(document=page, viewer=viewer)
    authors = [str(a) for a in page.authors.all()]
    related = linked_list(viewer, page.related_incidents.all(), "incident-detail") \
        if page.pk else []
    return BriefingView(blocks=body.blocks, footnotes=body.footnotes, facts=body.facts,
                        changes=body.changes, redactions=body.redactions,
                        authors=authors, related=related)


# --- search ------------------------------------------------------------------------------

def search_text(page: Any) -> str:
    """The briefing's own words for the search index: summary, headings, rich text and
    the words around facts. Nothing of the records it cites (figures, quotes, names):
    those are found through their own documents, under their own markings, which may
    change after the briefing is published."""
    return " ".join(t for t in [page.summary, *stream_text(_raw_blocks(page))] if t.strip())


__all__ = ["BodyView", "BriefingView", "FactView", "body_view", "briefing_view", "can_see",
           "cited_records", "fact_citations", "search_text"]
