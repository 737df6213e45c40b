"""What the entity pages show (actors, sources, the comparison of campaigns), read as
their reader.

Every read goes through ``visible`` (``incidents.visibility``) and is prefetched once
here, so each page runs in a fixed number of queries whatever the number of rows.
Figures are ``incidents.figures`` over the claims prefetched for the reader, footnoted
with ``FootnoteRegister``; a related record the reader may not see is the neutral
"restricted" marker (``named`` / ``named_list``), never its name or a count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Count, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from incidents import charts, crossref, selectors
from incidents.figures import Figure, campaign_figures
from incidents.formatting import (
    describe_value,
    format_count,
    format_date,
    format_number,
    format_period,
    qualified,
)
from incidents.graph import graph
from incidents.graph_svg import GraphView, layout
from incidents.models import (
    AccountCluster,
    Actor,
    Campaign,
    Coverage,
    Event,
    ExchangeVolume,
    Incident,
    Letter,
    Relationship,
    Source,
)
from incidents.presentation import (
    FootnoteRegister,
    Named,
    figure_period,
    named,
    named_list,
    url_or_blank,
)
from incidents.provenance.fields import FIELDS
from incidents.provenance.selectors import claim_redactor, claims_visible
from incidents.selectors import get_visible_or_404, visible
from incidents.visibility import can_see

GRAPH_DEPTH = 2

# -- actors ---------------------------------------------------------------------------


def _actors(viewer: Any) -> Any:
    return visible(Actor.objects.all(), viewer)


def actor_list_context(*, viewer: Any) -> dict[str, Any]:
    """Visible actors grouped by kind, each with its organisation (named or restricted)
    and how many visible campaigns it ran."""
    operated = visible(Campaign.objects.all(), viewer).values("pk")
    actors = (
        _actors(viewer).select_related("parent")
        .annotate(campaign_count=Count("operated_campaigns",
                                       filter=Q(operated_campaigns__in=operated),
                                       distinct=True))
        .order_by("kind", "name")
    )
    groups: dict[str, dict[str, Any]] = {}
    for actor in actors:
        group = groups.setdefault(actor.kind, {"label": actor.get_kind_display(), "rows": []})
        group["rows"].append({
            "actor": actor,
            "url": url_or_blank("actor-detail", actor.slug),
            "parent": _named_link(viewer, actor.parent, "actor-detail"),
            "campaigns": actor.campaign_count,
        })
    ordered = sorted(groups.values(), key=lambda g: str(g["label"]).lower())
    return {"groups": ordered, "total": sum(len(g["rows"]) for g in ordered)}


def _named_link(viewer: Any, obj: Any, url_name: str, *args: Any) -> Named | None:
    if obj is None:
        return None
    shown = named(viewer, obj)
    if shown is None or shown.restricted:
        return shown
    return Named(shown.name, url=url_or_blank(url_name, *(args or (obj.slug,))))


def actor_detail_context(*, viewer: Any, slug: str) -> dict[str, Any]:
    """An actor: who it is, its relationships (graph and table), its timeline, the
    campaigns it ran, the letters it sent or received and its coverage."""
    actor = get_visible_or_404(_actors(viewer).select_related("parent"), slug=slug)
    notes = FootnoteRegister()
    members = [Named(a.name, url=url_or_blank("actor-detail", a.slug))
               for a in _actors(viewer).filter(parent=actor).order_by("name")]
    view = actor_graph(viewer=viewer, actor=actor)
    campaigns = list(
        selectors.campaign_queryset(viewer).filter(operators=actor).distinct()
        .order_by("start_date", "slug")
    )
    campaign_rows = [campaign_row(c, notes, viewer) for c in campaigns]
    incident_ids = _incident_ids(viewer, actor, campaigns)
    context: dict[str, Any] = {
        "actor": actor,
        "parent": _named_link(viewer, actor.parent, "actor-detail"),
        "members": members,
        "aliases": [a for a in actor.aliases if isinstance(a, str)],
        "graph": view,
        "campaigns": campaign_rows,
        "letters": _letters(viewer, actor),
        "coverage": _coverage(viewer, actor, incident_ids),
        "timeline": charts.timeline_for(viewer=viewer, actor=actor, notes=notes),
    }
    context["footnotes"] = notes.entries
    return context


def actor_graph(*, viewer: Any, actor: Actor) -> GraphView:
    """The actor's neighbourhood (``GRAPH_DEPTH`` steps) laid out as SVG, each campaign
    drawn inside its cluster when both are in the graph (both visible, then)."""
    found = graph(viewer=viewer, root=f"actor:{actor.slug}", depth=GRAPH_DEPTH)
    slugs = [n.slug for n in found.nodes if n.type == "campaign"]
    parents = {
        f"campaign:{slug}": f"campaign:{parent}"
        for slug, parent in visible(Campaign.objects.filter(slug__in=slugs), viewer)
        .filter(parent__isnull=False).values_list("slug", "parent__slug")
    }
    return layout(found, root_label=actor.name, parents=parents)


def campaign_row(campaign: Campaign, notes: FootnoteRegister, viewer: Any) -> dict[str, Any]:
    """A campaign as a row of the actor page: figures footnoted, the cluster it is part
    of named or restricted."""
    figures = campaign_figures(campaign)
    return {
        "campaign": campaign,
        "url": url_or_blank("campaign-detail", campaign.slug),
        "part_of": _named_link(viewer, campaign.parent, "campaign-detail")
        if campaign.parent_id else None,
        "incident": _named_link(viewer, campaign.incident, "incident-detail")
        if campaign.incident_id else None,
        "exchanges": _count(figures["exchanges"]),
        "exchanges_notes": notes.cite(figures["exchanges"]),
        "accounts": _count(figures["accounts"]),
        "accounts_notes": notes.cite(figures["accounts"]),
        "exchanges_known": figures["exchanges"].known,
        "accounts_known": figures["accounts"].known,
        "period_known": figures["start_date"].known or figures["end_date"].known,
        "period": figure_period(figures["start_date"], figures["end_date"]),
        "period_notes": sorted(set(notes.cite(figures["start_date"]))
                               | set(notes.cite(figures["end_date"]))),
        "operators": named_list(viewer, campaign.operators.all(),
                                getattr(campaign, "withheld_operators", False)),
    }


def _count(fig: Figure) -> str:
    return format_count(fig.value, fig.qualifier or "exact")


def _incident_ids(viewer: Any, actor: Actor, campaigns: list[Campaign]) -> set[int]:
    """Incidents the actor is part of, as the reader may see them: those of the visible
    campaigns it ran (directly or through a visible cluster) and those that targeted it."""
    candidates = {c.incident_id for c in campaigns if c.incident_id}
    candidates |= {c.parent.incident_id for c in campaigns
                   if c.parent is not None and c.parent.incident_id and can_see(viewer, c.parent)}
    return set(visible(Incident.objects.all(), viewer).filter(
        Q(pk__in=candidates) | Q(target_provider=actor) | Q(target_system=actor)
    ).values_list("pk", flat=True))


def _letters(viewer: Any, actor: Actor) -> list[dict[str, Any]]:
    letters = (
        visible(Letter.objects.all(), viewer)
        .filter(Q(sender=actor) | Q(recipients=actor)).distinct()
        .select_related("sender").order_by("-date", "slug")
    )
    rows = []
    for letter in letters:
        role = "sent" if letter.sender_id == actor.pk else "received"
        rows.append({"letter": letter, "role": role,
                     "url": url_or_blank("letter-detail", letter.slug),
                     "sender": _named_link(viewer, letter.sender, "actor-detail")})
    return rows


def _coverage(viewer: Any, actor: Actor, incident_ids: set[int]) -> list[dict[str, Any]]:
    """Coverage the actor published (an outlet) or of the incidents it is part of."""
    items = (
        visible(Coverage.objects.all(), viewer)
        .filter(Q(outlet=actor) | Q(incidents__in=incident_ids)).distinct()
        .select_related("outlet").order_by("-published_on", "title")
    )
    return [{
        "coverage": item,
        "url": url_or_blank("coverage-detail", item.pk),
        "outlet": _named_link(viewer, item.outlet, "actor-detail"),
        "published": format_date(item.published_on) if item.published_on else "",
        "by_actor": item.outlet_id == actor.pk,
    } for item in items]


# -- sources --------------------------------------------------------------------------


def source_list_context(*, viewer: Any) -> dict[str, Any]:
    """Visible sources with their publisher (named or restricted) and how many claims
    the reader may see cite each."""
    counts = dict(
        claims_visible(viewer).order_by().values_list("source_id").annotate(n=Count("id"))
    )
    rows = []
    for source in visible(Source.objects.all(), viewer).select_related("publisher") \
            .order_by("title", "key"):
        rows.append({
            "source": source,
            "url": url_or_blank("source-detail", source.key),
            "publisher": _named_link(viewer, source.publisher, "actor-detail"),
            "published": format_date(source.published_on) if source.published_on else "",
            "claims": counts.get(source.pk, 0),
        })
    return {"rows": rows}


#: Where a claim's subject is shown: (URL name, attribute giving the URL argument).
SUBJECT_PAGES: dict[str, tuple[str, str]] = {
    "campaign": ("campaign-detail", "slug"),
    "incident": ("incident-detail", "slug"),
    "letter": ("letter-detail", "slug"),
    "event": ("event-detail", "pk"),
    "actor": ("actor-detail", "slug"),
}


@dataclass
class CitedFigure:
    """One claim of the source, as its page lists it."""

    claim: Any
    field_label: str
    value: str
    quote: str
    status: str
    anchor: str
    url: str
    span_id: str = ""  # the id of its quoted span's mark in the source's text


@dataclass
class CitedSubject:
    label: str
    kind: str
    url: str
    figures: list[CitedFigure] = field(default_factory=list)


def _subject_page(subject: Any) -> tuple[str, str, str]:
    """(label, kind, page URL) of a claim's subject; parts point at their campaign."""
    model = subject._meta.model_name
    if model in ("accountcluster", "exchangevolume"):
        campaign = subject.campaign
        label = f"{campaign.name}: {subject}"
        return label, str(subject._meta.verbose_name), url_or_blank("campaign-detail",
                                                                    campaign.slug)
    name, attr = SUBJECT_PAGES.get(model, ("", "pk"))
    label = str(getattr(subject, "name", None) or getattr(subject, "title", None)
                or getattr(subject, "subject", None) or subject)
    return label, str(subject._meta.verbose_name), (url_or_blank(name, getattr(subject, attr))
                                                    if name else "")


def figure_anchor(subject: Any, field_name: str) -> str:
    """The id of the element showing ``field_name`` of ``subject`` on the subject's own
    page (the records pages give each figure ``id="fig-<field>"``); an account cluster's
    or exchange volume's count points at its campaign's accounts or exchanges."""
    model = subject._meta.model_name
    if model in ("accountcluster", "exchangevolume"):
        return "fig-" + ("accounts" if model == "accountcluster" else "exchanges")
    return f"fig-{field_name}"


def source_detail_context(*, viewer: Any, key: str) -> dict[str, Any]:
    """A source: what it says (its text with the quoted spans marked, the summary of its
    coverage item), its reliability, every claim read from it grouped under its subject
    with a link back to the figure on the subject's page, and the relationships it
    supports."""
    source = get_visible_or_404(
        visible(Source.objects.all(), viewer).select_related("publisher", "coverage",
                                                             "letter"),
        key=key,
    )
    claims = list(
        claims_visible(viewer).filter(source=source)
        .prefetch_related(GenericPrefetch("subject", [
            Campaign.objects.all(), Incident.objects.all(), Letter.objects.all(),
            Event.objects.all(), Actor.objects.all(),
            AccountCluster.objects.select_related("campaign"),
            ExchangeVolume.objects.select_related("campaign"),
        ]))
        .order_by("content_type_id", "object_id", "field", "id")
    )
    redact = claim_redactor(viewer=viewer, claims=claims)
    subjects: dict[tuple[int, int], CitedSubject] = {}
    quotes: dict[str, tuple[str, str]] = {}  # one mark per quoted span, however many cite it
    for claim in claims:
        subject = claim.subject
        if subject is None:
            continue
        group_key = (claim.content_type_id, claim.object_id)
        if group_key not in subjects:
            label, kind, url = _subject_page(subject)
            subjects[group_key] = CitedSubject(label=label, kind=kind, url=url)
        group = subjects[group_key]
        shown = redact(claim)
        spec = FIELDS.get(claim.content_type.model, {}).get(claim.field)
        kind = spec.kind if spec else "text"
        anchor = figure_anchor(subject, claim.field)
        group.figures.append(CitedFigure(
            claim=claim,
            field_label=(spec.label if spec and spec.label else claim.field.replace("_", " ")),
            value=describe_value(kind, shown.value, claim.qualifier, claim.precision),
            quote=claim.quote,
            status=claim.get_status_display(),
            anchor=anchor,
            url=f"{group.url}#{anchor}" if group.url and claim.status == "accepted"
            else group.url,
        ))
        if claim.quote.strip():
            key = claim.quote.strip().lower()
            quotes.setdefault(key, (claim.quote, f"span-{claim.pk}"))
            group.figures[-1].span_id = quotes[key][1]
    coverage = source.coverage if source.coverage_id else None
    letter = source.letter if source.letter_id else None
    relationships = (
        visible(Relationship.objects.filter(sources=source), viewer)
        .select_related("subject", "object_actor", "object_incident")
    )
    for group in subjects.values():
        group.figures.sort(key=lambda fig: (_field_rank(fig.claim), fig.claim.pk))
    return {
        "source": source,
        "coverage_quotes": [q for q in coverage.quotes if isinstance(q, str)]
        if coverage is not None and can_see(viewer, coverage) else [],
        "publisher": _named_link(viewer, source.publisher, "actor-detail"),
        "coverage": _named_link(viewer, coverage, "coverage-detail", source.coverage_id),
        "coverage_summary": coverage.summary
        if coverage is not None and can_see(viewer, coverage) else "",
        "letter": _named_link(viewer, letter, "letter-detail",
                              letter.slug if letter is not None else ""),
        "published": format_date(source.published_on) if source.published_on else "",
        "retrieved": format_date(source.retrieved_at) if source.retrieved_at else "",
        "text": marked_text(source.text, quotes.values()),
        "marked_spans": [span_id for _, _, span_id in quote_spans(source.text,
                                                                 quotes.values())],
        "subjects": list(subjects.values()),
        "claim_count": sum(len(s.figures) for s in subjects.values()),
        "relationships": [_relationship_row(viewer, r) for r in relationships],
    }


def _field_rank(claim: Any) -> int:
    """Where a claim's field comes in its model's registry (figures before statements)."""
    order = list(FIELDS.get(claim.content_type.model, {}))
    return order.index(claim.field) if claim.field in order else len(order)


def _relationship_row(viewer: Any, rel: Relationship) -> dict[str, Any]:
    target = rel.object_actor or rel.object_incident
    url_name = "actor-detail" if rel.object_actor_id else "incident-detail"
    period = open_period(rel.start_date, rel.end_date, rel.precision)
    return {
        "subject": _named_link(viewer, rel.subject, "actor-detail"),
        "kind": rel.get_kind_display(),
        "object": _named_link(viewer, target, url_name),
        "period": period,
    }


def open_period(start: Any, end: Any, precision: str) -> str:
    """A link's dates: "22 April – 5 June 2026", "from 10 June 2026", "until …", or ""."""
    if start is None and end is None:
        return ""
    if end is None:
        return f"from {format_date(start, precision)}"
    if start is None:
        return f"until {format_date(end, precision)}"
    return format_period(start, precision, end, precision)


def quote_spans(text: str, quotes: Iterable[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Where each quoted span first occurs in ``text`` (case-insensitive), as
    ``(start, end, span id)`` in text order; longer quotes are placed first and a quote
    overlapping one already placed is left out."""
    spans: list[tuple[int, int, str]] = []
    lowered = text.lower()
    for quote, span_id in sorted(quotes, key=lambda q: -len(q[0].strip())):
        needle = quote.strip().lower()
        if not needle:
            continue
        start = lowered.find(needle)
        if start < 0:
            continue
        end = start + len(needle)
        if any(s < end and start < e for s, e, _ in spans):
            continue
        spans.append((start, end, span_id))
    return sorted(spans)


def marked_text(text: str, quotes: Iterable[tuple[str, str]]) -> SafeString:
    """``text`` escaped, in paragraphs, with each quoted span found in it
    (``quote_spans``) wrapped in ``<mark id="…">``."""
    out: list[str] = []
    cursor = 0
    for start, end, span_id in quote_spans(text, quotes):
        out.append(escape(text[cursor:start]))
        out.append(f'<mark id="{escape(span_id)}">{escape(text[start:end])}</mark>')
        cursor = end
    out.append(escape(text[cursor:]))
    paragraphs = [p for p in re.split(r"\n\s*\n", "".join(out)) if p.strip()]
    return mark_safe("".join(f"<p>{p}</p>" for p in paragraphs))  # noqa: S308 - escaped above


# -- comparison -----------------------------------------------------------------------


def _choices(viewer: Any) -> list[dict[str, str]]:
    """Every visible campaign, for the form (name and slug only)."""
    return [
        {"slug": c.slug, "name": c.name}
        for c in visible(Campaign.objects.all(), viewer).only("slug", "name", "marking")
        .order_by("name", "slug")
    ]


def compare_context(*, viewer: Any, slugs: Sequence[str], asked: bool) -> dict[str, Any]:
    """The comparison of ``slugs`` (2 to 10 visible campaigns, in the order asked) or the
    message saying why not. An unknown slug and a hidden one get the same message."""
    context: dict[str, Any] = {"choices": _choices(viewer), "selected": list(slugs),
                               "error": "", "comparison": None,
                               "min": crossref.MIN_COMPARED, "max": crossref.MAX_COMPARED}
    if not asked:
        return context
    try:
        crossref.check_selection(list(slugs))
    except crossref.CompareError as exc:
        context["error"] = str(exc)
        return context
    found = {c.slug: c for c in selectors.campaign_queryset(viewer).filter(slug__in=slugs)}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        context["error"] = ("No campaign matches " + ", ".join(f"“{s}”" for s in unknown)
                            + ". Pick the campaigns from the list.")
        return context
    campaigns = [found[s] for s in slugs]
    context["comparison"] = comparison_view(campaigns, viewer)
    return context


def _per(value: float | None, *figures: Figure) -> str:
    """A derived figure (per account, per day) as shown: rounded to what it can carry,
    "about" when a figure it divides is not exact."""
    if value is None:
        return "unknown"
    rounded: float | int = round(value) if abs(value) >= 100 else round(value, 1)
    exact = all((f.qualifier or "exact") == "exact" and not f.rolled_up for f in figures)
    return qualified(format_number(rounded), "exact" if exact else "about")


def comparison_view(campaigns: list[Campaign], viewer: Any,
                    notes: FootnoteRegister | None = None) -> dict[str, Any]:
    """Rows, bar charts, shared vocabularies and overlaps of prefetched ``campaigns``;
    sources numbered in ``notes`` (a page's shared register) or a register of its own."""
    result = crossref.compare(campaigns, viewer=viewer)
    notes = notes if notes is not None else FootnoteRegister()
    rows = []
    for prof in result.campaigns:
        c = prof.campaign
        figures = c._figures
        rows.append({
            "campaign": c,
            "url": url_or_blank("campaign-detail", c.slug),
            "operators": named_list(viewer, c.operators.all(),
                                    getattr(c, "withheld_operators", False)),
            "exchanges": _count(prof.exchanges),
            "exchanges_value": prof.exchanges.value,
            "exchanges_notes": notes.cite(prof.exchanges),
            "accounts": _count(prof.accounts),
            "accounts_value": prof.accounts.value,
            "accounts_notes": notes.cite(prof.accounts),
            "period": format_period(prof.period.start, prof.period.start_precision,
                                    prof.period.end, prof.period.end_precision),
            "period_notes": sorted(set(notes.cite(figures["start_date"]))
                                   | set(notes.cite(figures["end_date"]))),
            "period_known": prof.period.start is not None or prof.period.end is not None,
            "days": format_number(prof.period.days) if prof.period.days else "unknown",
            "per_account": _per(prof.exchanges_per_account, prof.exchanges, prof.accounts),
            "per_account_value": prof.exchanges_per_account,
            "per_day": _per(prof.exchanges_per_day, prof.exchanges),
            "per_day_value": prof.exchanges_per_day,
            "capabilities": named_list(viewer, c.capabilities.all(),
                                       getattr(c, "withheld_capabilities", False)),
            "techniques": named_list(viewer, c.techniques.all(),
                                     getattr(c, "withheld_techniques", False)),
        })
    return {
        "rows": rows,
        "charts": _bar_charts(rows),
        "capabilities": _shared(campaigns, "capabilities", viewer),
        "techniques": _shared(campaigns, "techniques", viewer),
        "overlaps": _overlaps(result, {r["campaign"].slug: r for r in rows}),
        "footnotes": notes.entries,
    }


def _bar_charts(rows: list[dict[str, Any]]) -> list[Any]:
    specs = [
        ("Exchanges", "exchanges", "exchanges", "exchanges_notes"),
        ("Fraudulent accounts", "accounts", "accounts", "accounts_notes"),
        ("Exchanges per account", "exchanges per account", "per_account", ""),
        ("Exchanges per day", "exchanges per day", "per_day", ""),
    ]
    built = []
    for title, unit, key, notes_key in specs:
        bars = [
            charts.BarRow(label=r["campaign"].name, value=r[f"{key}_value"], display=r[key],
                          url=r["url"], notes=tuple(r[notes_key]) if notes_key else ())
            for r in rows if r[f"{key}_value"] is not None
        ]
        if bars:
            built.append(charts.bar_chart(title=title, unit=unit, rows=bars,
                                          x_label=unit, y_label="campaign"))
    return built


def _shared(campaigns: list[Campaign], relation: str, viewer: Any) -> list[dict[str, Any]]:
    """Each visible capability (or technique) of the compared campaigns with the
    campaigns that have it, shared ones first."""
    by_slug: dict[str, dict[str, Any]] = {}
    for campaign in campaigns:
        for item in getattr(campaign, relation).all():
            entry = by_slug.setdefault(item.slug, {"name": item.name, "campaigns": []})
            entry["campaigns"].append(campaign.name)
    entries = [{**e, "count": len(e["campaigns"]), "shared": len(e["campaigns"]) > 1,
                "all": len(e["campaigns"]) == len(campaigns)} for e in by_slug.values()]
    entries.sort(key=lambda e: (-e["count"], e["name"].lower()))
    return entries


def _overlaps(result: crossref.Comparison, rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    overlaps = []
    for pair in result.pairs:
        a, b = rows[pair.a], rows[pair.b]
        if pair.overlap_days is None:
            text = "unknown (a period is open or unknown)"
        elif pair.overlap_days == 0:
            text = "no overlap"
        else:
            text = f"{format_number(pair.overlap_days)} days in common"
        overlaps.append({
            "a": a["campaign"].name, "b": b["campaign"].name, "a_period": a["period"],
            "b_period": b["period"], "overlap": text, "overlap_days": pair.overlap_days,
            "exchanges_ratio": format_number(round(pair.exchanges_ratio, 2))
            if pair.exchanges_ratio is not None else "unknown",
        })
    return overlaps

