"""What the index holds: one ``SearchDocument`` per searchable record, built from the
database (the source of truth) by a registry of sources.

Each source names a model, the queryset that loads a batch of its rows with everything
its documents need (a fixed number of queries per batch, never per row), and a builder.
Wagtail pages join generically: any live page whose class has a ``search_document()``
method is a document of the ``page`` source (see ``page_document``).

A document's ``key`` is ``"<source>:<pk>"``: every write upserts on it.

A document carries its record's marking and embeds (names, links to, takes a region
from) only related records that anyone who may see the document may see: their
marking, and for a part that of what it belongs to (``incidents.visibility``), no more
restricted than the document's (``embeddable``). A claim's document carries the
strictest marking of the claim, its source and its subject. So whoever a hit, a
highlight or a facet count reaches was cleared for every name in it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db.models import Model, Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse

from incidents.blocks import stream_text
from incidents.figures import campaign_figures, figure
from incidents.formatting import (
    describe_value,
    format_date,
    format_figure,
    format_month,
    format_period,
)
from incidents.models import (
    Actor,
    Campaign,
    Capability,
    Claim,
    ClaimStatus,
    Coverage,
    Event,
    Incident,
    Letter,
    Marking,
    Source,
    Technique,
)
from incidents.models.provenance import names_records
from incidents.provenance.fields import FIELDS
from incidents.provenance.registry import claim_subject_models
from incidents.visibility import rank, strictest

# Bump when what a document holds changes: indexes built with another version report
# themselves "outdated" and ``search_index rebuild --if-needed`` rebuilds them.
DOCUMENT_VERSION = 4

FACETS: tuple[str, ...] = ("type", "actor", "year", "region", "lens")

# A small prior by kind of record: an analyst looking for "Qwen distillation" wants the
# incident before the seventeenth article about it, other things being nearly equal.
TYPE_BOOST: dict[str, float] = {
    "incident": 1.5,
    "campaign": 1.3,
    "letter": 1.2,
    "actor": 1.2,
    "briefing": 1.2,
    "event": 1.0,
    "coverage": 1.0,
    "source": 0.8,
    "claim": 0.7,
}

# Source texts can be whole articles; the index keeps enough of them to find and quote.
MAX_BODY_CHARS = 50_000

_WORD_RE = re.compile(r"\w+", re.UNICODE)
# Control characters: the backends use some as markers (highlights, list separators).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """``text`` without control characters (newlines and tabs stay)."""
    return _CONTROL_RE.sub(" ", text)


def words_of(text: str) -> list[str]:
    """Lower-case words of ``text`` (two characters or more): the lexicon that typo
    tolerance and prefix expansion look words up in, for both backends."""
    return [w for w in _WORD_RE.findall(text.lower()) if len(w) > 1]


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One searchable record, as both backends index it."""

    key: str
    source: str
    type: str
    object_id: int
    title: str
    body: str = ""
    slug: str = ""
    actors: tuple[str, ...] = ()  # display names: the "actor" facet
    actor_text: str = ""  # names and aliases: what a query matches
    date: dt.date | None = None
    region: str = ""
    lens: str = ""
    marking: str = Marking.CLEAR
    url: str = ""  # where a hit links to (``result_url`` prefers the record's own page)
    boost: float = 1.0
    # The key of the document a hit is listed under: a claim's subject (or, for a part
    # of a campaign, the campaign). "" for the document's own key.
    group: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None

    @property
    def group_key(self) -> str:
        return self.group or self.key

    @property
    def content_hash(self) -> str:
        """Changes whenever anything indexed changes (``search_index update`` compares it)."""
        payload = json.dumps(
            [DOCUMENT_VERSION, self.type, self.object_id, self.title, self.body, self.slug,
             list(self.actors), self.actor_text, self.date.isoformat() if self.date else None,
             self.region, self.lens, self.marking, self.url, self.boost, self.group],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def all_text(self) -> str:
        return "\n".join((self.title, self.actor_text, self.body))


# --- what a document may embed ---------------------------------------------------------

def _owner_paths(model: type[Model]) -> tuple[str, ...]:
    """The records a row of ``model`` belongs to, as the visibility rule names them (an
    account cluster's campaign: ``incidents.visibility.PartQuerySet.owner_paths``)."""
    queryset_class = getattr(model._default_manager, "_queryset_class", None)
    return tuple(getattr(queryset_class, "owner_paths", ()))


def _follow(obj: Any, path: str) -> Any:
    for attr in path.split("__"):
        obj = getattr(obj, attr, None) if obj is not None else None
    return obj


def markings_of(obj: Any) -> list[str]:
    """The markings that decide who may see ``obj``: its own and, for a part, those of
    the records it belongs to (loaded with it)."""
    found = [obj.marking] if getattr(obj, "marking", None) else []
    for path in _owner_paths(type(obj)):
        owner = _follow(obj, path)
        if getattr(owner, "marking", None):
            found.append(owner.marking)
    return found


def embeddable(marking: str, obj: Any) -> bool:
    """Whether a document marked ``marking`` may show something of ``obj``: everyone
    who may see the document may see ``obj`` (``None``: nothing to show)."""
    if obj is None:
        return False
    limit = rank(marking)
    return all(rank(m) <= limit for m in markings_of(obj))


def _embeddable_only(marking: str, objs: Iterable[Any]) -> list[Any]:
    return [o for o in objs if embeddable(marking, o)]


@dataclass(frozen=True)
class SearchSource:
    """A kind of record the index holds, and how to turn rows into documents."""

    name: str
    model: type[Model]
    queryset: Callable[[], QuerySet]
    build: Callable[[Any], SearchDocument | None]
    # Other documents that show something of these rows (an actor's name appears in
    # the campaigns it operated): re-indexed along with them.
    dependents: Callable[[list[int]], dict[str, set[int]]] | None = None


def _join(*parts: Any) -> str:
    return "\n".join(str(p) for p in parts if p not in (None, "", [], ()))


def _unique(items: Iterable[Any]) -> list[Any]:
    seen: dict[Any, None] = {}
    for item in items:
        if item is not None and item not in seen:
            seen[item] = None
    return list(seen)


def _actor_fields(actors: Iterable[Actor | None]) -> dict[str, Any]:
    people = _unique(actors)
    names = tuple(_unique(a.name for a in people))
    terms = _join(*(_join(a.name, *(a.aliases or [])) for a in people))
    return {"actors": names, "actor_text": terms}


def _route(name: str, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class SiteRoute:
    """A type of record's own page: its URL name and the keyword it takes, filled from the
    document's ``slug`` (a slug, a source's key) or its ``object_id`` (``by_pk``)."""

    name: str
    kwarg: str = "slug"
    by_pk: bool = False


# Each type of record's own page on the site (``docs/architecture.md``: the URL names
# are the contract). A claim links to its subject's page (its URL is made at index time).
SITE_ROUTES: dict[str, SiteRoute] = {
    "incident": SiteRoute("incident-detail"),
    "campaign": SiteRoute("campaign-detail"),
    "letter": SiteRoute("letter-detail"),
    "actor": SiteRoute("actor-detail"),
    "source": SiteRoute("source-detail", kwarg="key"),
    "coverage": SiteRoute("coverage-detail", kwarg="pk", by_pk=True),
    "event": SiteRoute("event-detail", kwarg="pk", by_pk=True),
}


def own_url(doc_type: str, slug: str, object_id: int | None) -> str:
    """The record's own page, "" when its type has none (or the route is not there)."""
    route = SITE_ROUTES.get(doc_type)
    if route is None:
        return ""
    value: Any = object_id if route.by_pk else slug
    if value in (None, ""):
        return ""
    url = _route(route.name, **{route.kwarg: value})
    # The API's router names its routes "<model>-detail" too: until the site's page is
    # there, the name reverses to JSON, which is no page to land on.
    api = _route("api-root")
    return "" if api and url.startswith(api) else url


def result_url(doc_type: str, slug: str, fallback: str, object_id: int | None = None) -> str:
    """Where a hit links to: the record's own page on the site when it has one, else the
    URL the document was indexed with."""
    return own_url(doc_type, slug, object_id) or fallback


def _incident_url(incident: Incident | None, anchor: str = "") -> str:
    if incident is None:
        return ""
    url = _route("incident-detail", slug=incident.slug)
    return f"{url}#{anchor}" if url and anchor else url


def _page_of(doc_type: str, obj: Model, fallback: str = "") -> str:
    """``obj``'s own page, else ``fallback`` (where it was shown before it had one)."""
    slug = str(getattr(obj, "key" if doc_type == "source" else "slug", "") or "")
    return own_url(doc_type, slug, int(obj.pk)) or fallback


# --- titles that read as sentences --------------------------------------------------------
# A title is shown to whoever may see its document, so its figures are the record's own
# (``incidents.figures`` over the claims no more restricted than the record: the figure
# at record level), never those of claims at another clearance.

def _claims_prefetch(lookup: str = "claims") -> Prefetch:
    """Every accepted claim of the rows (with its source), for ``_record_level``."""
    claims = Claim.objects.filter(status=ClaimStatus.ACCEPTED).select_related("source")
    return Prefetch(lookup, queryset=claims.order_by("field", "id"), to_attr="kb_claims")


def _record_level(obj: Any) -> Any:
    """``obj`` with ``accepted_claims`` (what ``incidents.figures`` reads) set to its
    claims that anyone who may see it may see: ``figures.record_level_claims`` over the
    prefetched rows, without a query."""
    claims = getattr(obj, "kb_claims", None)
    if claims is not None:
        limit = rank(obj.marking)
        obj.accepted_claims = [c for c in claims if rank(c.marking) <= limit
                               and rank(c.source.marking) <= limit]
    return obj


def _shown(obj: Any, field_name: str, unit: str = "") -> str:
    """The record-level figure ``field_name`` of ``obj`` as ``incidents.formatting``
    writes it, "" when unknown."""
    spec = FIELDS[obj._meta.model_name][field_name]
    fig = figure(obj, field_name)
    return format_figure(fig, spec.kind, unit) if fig.known else ""


def _sentence(head: str, *details: str, tail: str = "") -> str:
    """"head: detail, detail — tail" without the parts that are empty."""
    parts = [d for d in details if d]
    text = f"{head}: {', '.join(parts)}" if parts else head
    return f"{text} — {tail}" if tail else text


_PARENTHESIS_RE = re.compile(r"\s*\([^()]*\)\s*$")


def short_name(name: str) -> str:
    """A name without a trailing parenthesis: "MiniMax campaign (February 2026 cluster)"
    → "MiniMax campaign", where a title goes on to say when and who."""
    return _PARENTHESIS_RE.sub("", name) or name


def _doc(source: str, obj: Model, **fields: Any) -> SearchDocument:
    doc_type = fields.pop("type", source)
    body = fields.pop("body", "")
    marking = fields.pop("marking", getattr(obj, "marking", Marking.CLEAR))
    for name in ("title", "actor_text", "region", "lens"):
        fields[name] = clean_text(fields.get(name, ""))
    fields["actors"] = tuple(clean_text(a) for a in fields.get("actors", ()))
    return SearchDocument(
        key=f"{source}:{obj.pk}",
        source=source,
        type=doc_type,
        object_id=int(obj.pk),
        body=clean_text(body[:MAX_BODY_CHARS]),
        marking=marking,
        boost=TYPE_BOOST.get(doc_type, 1.0),
        **fields,
    )


# --- incidents ---------------------------------------------------------------------------

def _incident_queryset() -> QuerySet:
    return Incident.objects.select_related("target_provider", "target_system").prefetch_related(
        Prefetch("campaigns", queryset=Campaign.objects.prefetch_related("operators")),
        _claims_prefetch(),
    )


def _incident(obj: Incident) -> SearchDocument:
    campaigns = _embeddable_only(obj.marking, obj.campaigns.all())
    operators = [op for c in campaigns for op in _embeddable_only(obj.marking, c.operators.all())]
    targets = _embeddable_only(obj.marking, [obj.target_provider, obj.target_system])
    disclosed = _shown(_record_level(obj), "disclosed_on")
    return _doc(
        "incident", obj,
        # "Alibaba / Qwen distillation campaign against Claude — disclosed 24 June 2026"
        title=_sentence(obj.title, tail=f"disclosed {disclosed}" if disclosed else ""),
        slug=obj.slug,
        body=_join(obj.summary, obj.get_status_display(), *(c.name for c in campaigns)),
        date=obj.disclosed_on,
        url=_page_of("incident", obj),
        **_actor_fields([*operators, *targets]),
    )


def _incident_dependents(ids: list[int]) -> dict[str, set[int]]:
    def pks(qs: QuerySet) -> set[int]:
        return set(qs.values_list("id", flat=True))

    campaigns = pks(Campaign.objects.filter(Q(incident__in=ids) | Q(parent__incident__in=ids)))
    return {
        # Their text names the incident; their URL points to its page.
        "campaign": campaigns,
        "letter": pks(Letter.objects.filter(incidents__in=ids)),
        "event": pks(Event.objects.filter(incidents__in=ids)),
        # Claims about it, and about its campaigns (and their parts), link to its page.
        "claim": (_claims_about(Incident, ids)["claim"]
                  | _claims_about(Campaign, campaigns)["claim"]),
    }


# --- campaigns ---------------------------------------------------------------------------

def _campaign_queryset() -> QuerySet:
    children = Campaign.objects.order_by("pk").prefetch_related(_claims_prefetch())
    return Campaign.objects.select_related("incident", "parent__incident").prefetch_related(
        "operators", "capabilities", "techniques", _claims_prefetch(),
        Prefetch("children", queryset=children, to_attr="kb_children"),
    )


def campaign_title(obj: Campaign) -> str:
    """"MiniMax campaign (February 2026 cluster): more than 13 million exchanges", with
    its accounts and period when known: figures at record level (a cluster without its
    own figure sums its parts that are no more restricted than itself)."""
    _record_level(obj)
    children = getattr(obj, "kb_children", None)
    if children is not None:
        obj.visible_children = [  # type: ignore[attr-defined]
            _record_level(c) for c in children if rank(c.marking) <= rank(obj.marking)]
    figures = campaign_figures(obj)
    counts = [
        f"{format_figure(figures[name], 'count')} {FIELDS['campaign'][name].label}"
        for name in ("exchanges", "accounts") if figures[name].known
    ]
    start, end = figures["start_date"], figures["end_date"]
    period = format_period(start.value, start.qualifier or "day", end.value,
                           end.qualifier or "day") if start.known or end.known else ""
    return _sentence(obj.name, *counts, period)


def _campaign(obj: Campaign) -> SearchDocument:
    marking = obj.marking
    incident = obj.incident if embeddable(marking, obj.incident) else None
    parent = obj.parent if embeddable(marking, obj.parent) else None
    # The page it is shown on: its incident's, else its cluster's incident's.
    shown_on = obj.incident if obj.incident_id else (parent.incident if parent else None)
    return _doc(
        "campaign", obj,
        title=campaign_title(obj),
        slug=obj.slug,
        body=_join(
            obj.description,
            incident.title if incident else "",
            parent.name if parent else "",
            *(c.name for c in _embeddable_only(marking, obj.capabilities.all())),
            *(t.name for t in _embeddable_only(marking, obj.techniques.all())),
        ),
        date=obj.start_date,
        url=_page_of("campaign", obj, _incident_url(
            shown_on if embeddable(marking, shown_on) else None, anchor=f"campaign-{obj.slug}")),
        **_actor_fields(_embeddable_only(marking, obj.operators.all())),
    )


def _campaign_dependents(ids: list[int]) -> dict[str, set[int]]:
    return {
        "incident": set(
            Campaign.objects.filter(id__in=ids, incident__isnull=False)
            .values_list("incident_id", flat=True)
        ),
        # Its parts name it; its cluster's title sums its figures.
        "campaign": set(Campaign.objects.filter(parent__in=ids).values_list("id", flat=True))
        | set(Campaign.objects.filter(children__in=ids).values_list("id", flat=True)),
        **_claims_about(Campaign, ids),
    }


def _capability_dependents(ids: list[int]) -> dict[str, set[int]]:
    return {"campaign": set(
        Campaign.objects.filter(capabilities__in=ids).values_list("id", flat=True))}


def _technique_dependents(ids: list[int]) -> dict[str, set[int]]:
    return {"campaign": set(
        Campaign.objects.filter(techniques__in=ids).values_list("id", flat=True))}


# --- actors ------------------------------------------------------------------------------

def _actor_queryset() -> QuerySet:
    return Actor.objects.select_related("parent")


def _actor(obj: Actor) -> SearchDocument:
    parent = obj.parent if embeddable(obj.marking, obj.parent) else None
    return _doc(
        "actor", obj,
        # "MiniMax — AI lab, China"
        title=_sentence(obj.name, tail=", ".join(
            p for p in (obj.get_kind_display(), obj.country) if p)),
        slug=obj.slug,
        body=_join(
            obj.description, obj.get_kind_display(), obj.country,
            parent.name if parent else "",
            *(str(v) for v in _external_ids(obj.external_ids)),
        ),
        region=obj.region,
        url=_page_of("actor", obj, obj.url),
        **_actor_fields([obj, parent]),
    )


def _external_ids(value: Any) -> list[Any]:
    """The identifiers of ``Actor.external_ids`` (a mapping; any other shape an older row
    may hold is read as a list of values rather than breaking the index)."""
    if isinstance(value, Mapping):
        return list(value.values())
    if isinstance(value, list | tuple):
        return list(value)
    return [value] if value not in (None, "") else []


def _actor_dependents(ids: list[int]) -> dict[str, set[int]]:
    def pks(qs: QuerySet) -> set[int]:
        return set(qs.values_list("id", flat=True))

    return {
        "actor": pks(Actor.objects.filter(parent__in=ids)),
        "incident": pks(Incident.objects.filter(
            Q(target_provider__in=ids) | Q(target_system__in=ids)
            | Q(campaigns__operators__in=ids)
        )),
        "campaign": pks(Campaign.objects.filter(operators__in=ids)),
        "letter": pks(Letter.objects.filter(Q(sender__in=ids) | Q(recipients__in=ids))),
        "coverage": pks(Coverage.objects.filter(outlet__in=ids)),
        "event": pks(Event.objects.filter(actors__in=ids)),
        "source": pks(Source.objects.filter(publisher__in=ids)),
    }


# --- letters -----------------------------------------------------------------------------

def _letter_queryset() -> QuerySet:
    return Letter.objects.select_related("sender").prefetch_related(
        "recipients", "incidents", _claims_prefetch())


def _names(names: list[str], most: int = 3) -> str:
    """"A", "A and B", "A, B and C", "A, B, C and others"."""
    if len(names) > most:
        return ", ".join(names[:most]) + " and others"
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _letter(obj: Letter) -> SearchDocument:
    sender = obj.sender if embeddable(obj.marking, obj.sender) else None
    recipients = _embeddable_only(obj.marking, obj.recipients.all())
    incidents = sorted(_embeddable_only(obj.marking, obj.incidents.all()), key=lambda i: i.pk)
    sent = _shown(_record_level(obj), "date")
    return _doc(
        "letter", obj,
        # "Alibaba's distillation campaign against Claude — letter from Anthropic to Tim
        # Scott, Elizabeth Warren and Senate Banking Committee, 10 June 2026"
        title=_sentence(obj.subject, tail=", ".join(p for p in (
            " ".join(w for w in ("letter",
                                 f"from {sender.name}" if sender else "",
                                 f"to {_names([r.name for r in recipients])}" if recipients
                                 else "") if w),
            sent) if p)),
        slug=obj.slug,
        body=_join(
            obj.summary,
            " ".join(stream_text(obj.body.raw_data)),
            "From " + sender.name if sender else "",
            "To " + ", ".join(r.name for r in recipients) if recipients else "",
            obj.get_status_display(),
        ),
        date=obj.date,
        url=_page_of("letter", obj, _incident_url(incidents[0] if incidents else None)),
        **_actor_fields([sender, *recipients]),
    )


# --- coverage ----------------------------------------------------------------------------

def _coverage_queryset() -> QuerySet:
    return Coverage.objects.select_related("outlet")


def _coverage(obj: Coverage) -> SearchDocument:
    outlet = obj.outlet if embeddable(obj.marking, obj.outlet) else None
    return _doc(
        "coverage", obj,
        # "Anthropic accuses Alibaba of illicit access to its models — Bloomberg, 24 June 2026"
        title=_sentence(obj.title, tail=", ".join(p for p in (
            outlet.name if outlet else "",
            format_date(obj.published_on) if obj.published_on else "") if p)),
        body=_join(obj.summary, *_quotes(obj.quotes), outlet.name if outlet else ""),
        date=obj.published_on,
        # Its own region, else its outlet's (only when the outlet may be shown).
        region=obj.region or (outlet.region if outlet else ""),
        lens=obj.lens,
        url=_page_of("coverage", obj, obj.url),
        **_actor_fields([outlet]),
    )


def _quotes(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(q) for q in value]
    return [str(value)] if value else []


# --- events ------------------------------------------------------------------------------

def _event_queryset() -> QuerySet:
    return Event.objects.prefetch_related("actors", "incidents", _claims_prefetch())


def _event(obj: Event) -> SearchDocument:
    incidents = sorted(_embeddable_only(obj.marking, obj.incidents.all()), key=lambda i: i.pk)
    _record_level(obj)
    value = _shown(obj, "value", obj.unit)
    return _doc(
        "event", obj,
        # "Commerce Department holds off on blacklisting DeepSeek — June 2026"
        title=_sentence(obj.title, tail=_shown(obj, "date")),
        slug=obj.slug or "",
        body=_join(obj.description, obj.get_kind_display(), value),
        date=obj.date,
        url=_page_of("event", obj, _incident_url(incidents[0] if incidents else None)),
        **_actor_fields(_embeddable_only(obj.marking, obj.actors.all())),
    )


# --- sources and claims ------------------------------------------------------------------

def _source_queryset() -> QuerySet:
    return Source.objects.select_related("publisher")


def _source(obj: Source) -> SearchDocument:
    publisher = obj.publisher if embeddable(obj.marking, obj.publisher) else None
    return _doc(
        "source", obj,
        # "Anthropic: Detecting and preventing distillation attacks — Anthropic, 23 February 2026"
        title=_sentence(obj.title, tail=", ".join(p for p in (
            publisher.name if publisher else "",
            format_date(obj.published_on) if obj.published_on else "") if p)),
        slug=obj.key,
        body=_join(obj.get_kind_display(), publisher.name if publisher else "", obj.text),
        date=obj.published_on,
        url=_page_of("source", obj, obj.url),
        **_actor_fields([publisher]),
    )


def _source_dependents(ids: list[int]) -> dict[str, set[int]]:
    claims = set(Claim.objects.filter(source__in=ids).values_list("id", flat=True))
    # Which of its claims count at record level follows its marking: their subjects' titles.
    return {"claim": claims, **_claim_dependents(list(claims))}


def _claim_dependents(ids: list[int]) -> dict[str, set[int]]:
    """The documents whose titles show figures of claims ``ids``: their subjects (and a
    campaign's cluster, which sums its parts)."""
    from django.contrib.contenttypes.models import ContentType

    out: dict[str, set[int]] = {}
    rows = Claim.objects.filter(id__in=ids).values_list("content_type", "object_id")
    for content_type, object_id in rows:
        model = ContentType.objects.get_for_id(content_type).model_class()
        name = source_for(model) if model is not None else None
        if name is not None:
            out.setdefault(name, set()).add(object_id)
    campaigns = out.get("campaign", set())
    if campaigns:
        out["campaign"] = campaigns | set(Campaign.objects.filter(
            children__in=campaigns).values_list("id", flat=True))
    return out


def _claims_about(model: type[Model], ids: Iterable[int]) -> dict[str, set[int]]:
    """Claims about rows ``ids`` of ``model``, and about the parts of those rows (the
    claims about a campaign's account clusters name the campaign and carry its marking)."""
    from django.contrib.contenttypes.models import ContentType

    ids = list(ids)
    if not ids:
        return {"claim": set()}
    about = Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    for subject_model in claim_subject_models():
        for path in _owner_paths(subject_model):
            if _path_model(subject_model, path) is model:
                rows = subject_model._default_manager.filter(**{f"{path}__in": ids})
                about |= Q(content_type=ContentType.objects.get_for_model(subject_model),
                           object_id__in=rows.values("pk"))
    return {"claim": set(Claim.objects.filter(about).values_list("id", flat=True))}


def _path_model(model: type[Model], path: str) -> type[Model] | None:
    target: Any = model
    for attr in path.split("__"):
        target = target._meta.get_field(attr).related_model
    return target if isinstance(target, type) else None


def _subject_queryset(model: type[Model]) -> QuerySet:
    """A claim subject with what its claim's document shows loaded: the records it
    belongs to (their markings count) and the incident whose page it is on."""
    related = list(_owner_paths(model))
    for prefix, target in [("", model), *((f"{p}__", _path_model(model, p)) for p in related)]:
        fields = {f.name: f for f in target._meta.fields} if target else {}
        incident = fields.get("incident")
        if incident is not None and incident.related_model is Incident:
            related.append(f"{prefix}incident")
    rows = model._default_manager.all()
    return rows.select_related(*related) if related else rows


def _claim_queryset() -> QuerySet:
    from django.contrib.contenttypes.prefetch import GenericPrefetch

    subjects = GenericPrefetch("subject", [_subject_queryset(m) for m in claim_subject_models()])
    return Claim.objects.select_related("source__publisher", "content_type").prefetch_related(
        subjects)


def _subject_incident(subject: Any) -> Incident | None:
    """The incident whose page shows ``subject`` (an incident, a campaign's incident, a
    campaign part's campaign's incident), else ``None``."""
    if isinstance(subject, Incident):
        return subject
    incident = getattr(subject, "incident", None)
    if isinstance(incident, Incident):
        return incident
    for path in _owner_paths(type(subject)):
        owner = _follow(subject, path)
        if isinstance(getattr(owner, "incident", None), Incident):
            return owner.incident
    return None


def claim_marking(claim: Claim) -> str:
    """A claim document's marking: the strictest of the claim's, its source's and its
    subject's (with what the subject belongs to)."""
    subject = claim.subject
    return strictest(claim.marking, claim.source.marking,
                     *(markings_of(subject) if subject is not None else ()))


def _subject_document(subject: Any) -> tuple[str, Any]:
    """The document a claim about ``subject`` is listed under and whose page it links
    to: the subject's own, else (a part: an account cluster) what it belongs to."""
    name = source_for(subject)
    if name is not None:
        return name, subject
    for path in _owner_paths(type(subject)):
        owner = _follow(subject, path)
        name = source_for(owner) if owner is not None else None
        if name is not None:
            return name, owner
    return "", None


def _subject_name(subject: Any, owner: Any) -> str:
    """How a claim's title names its subject: "MiniMax campaign"; a part by its label
    and what it belongs to ("Alibaba / Qwen campaign, Fraudulent operator accounts")."""
    if owner is subject or owner is None:
        return short_name(_name_of(subject))
    label = getattr(subject, "label", "")
    owner_name = short_name(_name_of(owner))
    return f"{owner_name}, {label}" if label else owner_name


def _name_of(record: Any) -> str:
    for attr in ("name", "title", "subject"):
        value = getattr(record, attr, None)
        if isinstance(value, str) and value:
            return value
    return str(record)


# The figure a part's claim is shown as on its campaign's page.
_PART_FIGURES = {("accountcluster", "count"): "accounts",
                 ("exchangevolume", "count"): "exchanges"}


def claim_title(obj: Claim, marking: str, subject: Any, owner: Any) -> str:
    """"MiniMax campaign: more than 13 million exchanges — Anthropic, Feb 2026": subject,
    value (``incidents.formatting``) and field, then who said it and when. A set or a
    ratio names other records, which may be hidden from readers of the claim: only a
    plain value goes in a title."""
    model_name = obj.content_type.model
    spec = FIELDS.get(model_name, {}).get(obj.field)
    label = spec.label if spec and spec.label else obj.field.replace("_", " ")
    kind = spec.kind if spec else "text"
    if names_records(obj.value):
        said = label
    else:
        unit = getattr(subject, "unit", "") if (model_name, obj.field) == ("event", "value") \
            else ""
        value = describe_value(kind, obj.value, obj.qualifier, obj.precision, unit=unit)
        said = f"{value} {label}" if kind == "count" else f"{label} {value}"
    publisher = obj.source.publisher
    # Who said it and when; a source without a publisher we may name is called by its
    # title, which usually dates itself ("… (June 2026)").
    who = obj.source.title
    if publisher is not None and embeddable(marking, publisher):
        who = ", ".join(p for p in (publisher.name, format_month(obj.source.published_on)) if p)
    head = _subject_name(subject, owner) if subject is not None else model_name
    return _sentence(head, said, tail=who)


def _claim(obj: Claim) -> SearchDocument:
    marking = claim_marking(obj)
    subject = obj.subject
    named = subject if embeddable(marking, subject) else None
    source_name, owner = _subject_document(named) if named is not None else ("", None)
    if owner is not None and not embeddable(marking, owner):
        source_name, owner = "", None
    incident = _subject_incident(named) if named is not None else None
    fallback = _incident_url(incident if embeddable(marking, incident) else None)
    url = _page_of(source_name, owner) if owner is not None else ""
    spec = FIELDS.get(obj.content_type.model, {}).get(obj.field)
    anchor = _PART_FIGURES.get((obj.content_type.model, obj.field), obj.field)
    if url and spec is not None and spec.value_attr:
        url = f"{url}#fig-{anchor}"  # the figure on its subject's page
    return _doc(
        "claim", obj,
        marking=marking,
        title=claim_title(obj, marking, named, owner),
        body=_join(f"“{obj.quote}”" if obj.quote else "", obj.source.title,
                   f"Claim {obj.get_status_display().lower()}", obj.note),
        date=obj.source.published_on,
        url=url or fallback,
        group=f"{source_name}:{owner.pk}" if owner is not None else "",
    )


# --- Wagtail pages -----------------------------------------------------------------------

def page_models() -> list[type[Model]]:
    """Page classes that offer a ``search_document()`` method."""
    from wagtail.models import get_page_models

    return [m for m in get_page_models() if callable(getattr(m, "search_document", None))]


def page_document(page: Any) -> SearchDocument | None:
    """The document of a live page with a ``search_document()`` method, else ``None``.

    ``search_document()`` returns a mapping (or a ``SearchDocument``) with any of
    ``type`` (default "briefing"), ``title``, ``body``, ``actors`` (actor rows or names),
    ``date``, ``region``, ``lens``, ``marking``; the page's title, URL and its own
    ``marking`` attribute (TLP:CLEAR without one) fill what is missing.
    """
    method = getattr(page, "search_document", None)
    if not callable(method) or not getattr(page, "live", False):
        return None
    data = method()
    if isinstance(data, SearchDocument):
        return data
    data = dict(data or {})
    marking = str(data.pop("marking", getattr(page, "marking", Marking.CLEAR)))
    actors = data.pop("actors", ())
    # Actor rows are named only when they may be shown on the page's document.
    rows = [a for a in actors if isinstance(a, Actor) and embeddable(marking, a)]
    names = [a for a in actors if isinstance(a, str)]
    actor = _actor_fields(rows)
    doc_type = data.pop("type", "briefing")
    return SearchDocument(
        key=f"page:{page.pk}",
        source="page",
        type=doc_type,
        object_id=int(page.pk),
        title=clean_text(str(data.pop("title", page.title))),
        body=clean_text(str(data.pop("body", ""))[:MAX_BODY_CHARS]),
        slug=page.slug,
        actors=tuple(clean_text(a) for a in _unique([*actor["actors"], *names])),
        actor_text=clean_text(_join(actor["actor_text"], *names)),
        date=data.pop("date", None) or (page.first_published_at.date()
                                         if page.first_published_at else None),
        region=data.pop("region", ""),
        lens=data.pop("lens", ""),
        marking=marking,
        url=page.url or "",
        boost=TYPE_BOOST.get(doc_type, 1.0),
    )


def _page_queryset() -> QuerySet:
    from wagtail.models import Page

    return Page.objects.live().specific()


# --- the registry ------------------------------------------------------------------------

SOURCES: dict[str, SearchSource] = {
    s.name: s
    for s in (
        SearchSource("incident", Incident, _incident_queryset, _incident, _incident_dependents),
        SearchSource("campaign", Campaign, _campaign_queryset, _campaign, _campaign_dependents),
        SearchSource("actor", Actor, _actor_queryset, _actor, _actor_dependents),
        SearchSource("letter", Letter, _letter_queryset, _letter,
                     lambda ids: _claims_about(Letter, ids)),
        SearchSource("coverage", Coverage, _coverage_queryset, _coverage),
        SearchSource("event", Event, _event_queryset, _event,
                     lambda ids: _claims_about(Event, ids)),
        SearchSource("source", Source, _source_queryset, _source, _source_dependents),
        SearchSource("claim", Claim, _claim_queryset, _claim, _claim_dependents),
    )
}
PAGE_SOURCE = "page"


def embedded_models() -> dict[type[Model], Callable[[list[int]], dict[str, set[int]]]]:
    """Models the index holds no document of but whose rows documents show (a
    capability's name on its campaigns, an account cluster in the title of a claim about
    it), each with the documents that show rows of it. Saving, re-marking or deleting
    such a row re-indexes those documents (``kb.search.signals``)."""
    shown: dict[type[Model], Callable[[list[int]], dict[str, set[int]]]] = {
        Capability: _capability_dependents,
        Technique: _technique_dependents,
    }
    for model in claim_subject_models():
        if source_for(model) is None:
            shown[model] = partial(_claims_about, model)
    return shown


def source_for(instance_or_model: Any) -> str | None:
    """The source name of a row or model that the index holds, else ``None``."""
    model = instance_or_model if isinstance(instance_or_model, type) else type(instance_or_model)
    for source in SOURCES.values():
        if issubclass(model, source.model):
            return source.name
    if callable(getattr(model, "search_document", None)):
        from wagtail.models import Page

        if issubclass(model, Page):
            return PAGE_SOURCE
    return None


def documents_for(source: str, ids: Iterable[int]) -> tuple[list[SearchDocument], list[str]]:
    """Documents of the rows ``ids`` of ``source`` as the database has them now, and the
    keys of the rows that are gone (or no longer searchable, like unpublished pages)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return [], []
    if source == PAGE_SOURCE:
        rows: Iterable[Any] = _page_queryset().filter(pk__in=wanted)
        build: Callable[[Any], SearchDocument | None] = page_document
    else:
        spec = SOURCES[source]
        rows = spec.queryset().filter(pk__in=wanted)
        build = spec.build
    documents = [d for d in (build(row) for row in rows) if d is not None]
    found = {d.object_id for d in documents}
    return documents, [f"{source}:{pk}" for pk in wanted if pk not in found]


def dependents_of(source: str, ids: list[int]) -> dict[str, set[int]]:
    """Other documents that show something of the rows ``ids`` of ``source``."""
    spec = SOURCES.get(source)
    if spec is None or spec.dependents is None or not ids:
        return {}
    return {name: pks for name, pks in spec.dependents(ids).items() if pks}


def documents_showing(model: type[Model], ids: list[int]) -> dict[str, set[int]]:
    """Documents that show something of rows ``ids`` of ``model`` (a document model's
    dependents, or the documents an embedded-only model's rows appear in), by source."""
    source = source_for(model)
    if source is not None:
        return dependents_of(source, ids)
    for shown, dependents in embedded_models().items():
        if issubclass(model, shown) and ids:
            return {name: pks for name, pks in dependents(ids).items() if pks}
    return {}


def count_all() -> int:
    """How many rows the index should hold, at most (pages without a document aside)."""
    total = sum(spec.model._default_manager.count() for spec in SOURCES.values())
    return total + sum(m._default_manager.live().count() for m in page_models())  # type: ignore[attr-defined]


def iter_all_documents(batch_size: int = 500) -> Iterator[SearchDocument]:
    """Every document the database holds, source by source, in primary-key batches
    (each batch loads its rows with a fixed number of queries)."""
    for spec in SOURCES.values():
        last = 0
        while True:
            rows = list(spec.queryset().filter(pk__gt=last).order_by("pk")[:batch_size])
            if not rows:
                break
            last = rows[-1].pk
            for row in rows:
                doc = spec.build(row)
                if doc is not None:
                    yield doc
    for model in page_models():
        for page in model._default_manager.live().order_by("pk").iterator(  # type: ignore[attr-defined]
            chunk_size=batch_size
        ):
            doc = page_document(page)
            if doc is not None:
                yield doc
