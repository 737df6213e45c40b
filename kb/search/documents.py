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

from incidents.models import (
    Actor,
    Campaign,
    Capability,
    Claim,
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
DOCUMENT_VERSION = 3

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
    url: str = ""  # where the record is shown when no "<type>-detail" route exists
    boost: float = 1.0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None

    @property
    def content_hash(self) -> str:
        """Changes whenever anything indexed changes (``search_index update`` compares it)."""
        payload = json.dumps(
            [DOCUMENT_VERSION, self.type, self.object_id, self.title, self.body, self.slug,
             list(self.actors), self.actor_text, self.date.isoformat() if self.date else None,
             self.region, self.lens, self.marking, self.url, self.boost],
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


# Site pages of a type of record, by URL name (taking the slug). A type without one links
# to where its document pointed when indexed: the incident it belongs to, the article.
SITE_ROUTES: dict[str, str] = {"incident": "incident-detail"}


def result_url(doc_type: str, slug: str, fallback: str) -> str:
    """Where a hit links to: the record's own page on the site when it has one, else the
    URL the document was indexed with."""
    route = SITE_ROUTES.get(doc_type)
    if route and slug:
        own = _route(route, slug=slug)
        if own:
            return own
    return fallback


def _incident_url(incident: Incident | None, anchor: str = "") -> str:
    if incident is None:
        return ""
    url = _route("incident-detail", slug=incident.slug)
    return f"{url}#{anchor}" if url and anchor else url


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
        Prefetch("campaigns", queryset=Campaign.objects.prefetch_related("operators"))
    )


def _incident(obj: Incident) -> SearchDocument:
    campaigns = _embeddable_only(obj.marking, obj.campaigns.all())
    operators = [op for c in campaigns for op in _embeddable_only(obj.marking, c.operators.all())]
    targets = _embeddable_only(obj.marking, [obj.target_provider, obj.target_system])
    return _doc(
        "incident", obj,
        title=obj.title,
        slug=obj.slug,
        body=_join(obj.summary, obj.get_status_display(), *(c.name for c in campaigns)),
        date=obj.disclosed_on,
        url=_incident_url(obj),
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
    return Campaign.objects.select_related("incident", "parent__incident").prefetch_related(
        "operators", "capabilities", "techniques"
    )


def _campaign(obj: Campaign) -> SearchDocument:
    marking = obj.marking
    incident = obj.incident if embeddable(marking, obj.incident) else None
    parent = obj.parent if embeddable(marking, obj.parent) else None
    # The page it is shown on: its incident's, else its cluster's incident's.
    shown_on = obj.incident if obj.incident_id else (parent.incident if parent else None)
    return _doc(
        "campaign", obj,
        title=obj.name,
        slug=obj.slug,
        body=_join(
            obj.description,
            incident.title if incident else "",
            parent.name if parent else "",
            *(c.name for c in _embeddable_only(marking, obj.capabilities.all())),
            *(t.name for t in _embeddable_only(marking, obj.techniques.all())),
        ),
        date=obj.start_date,
        url=_incident_url(shown_on if embeddable(marking, shown_on) else None,
                          anchor=f"campaign-{obj.slug}"),
        **_actor_fields(_embeddable_only(marking, obj.operators.all())),
    )


def _campaign_dependents(ids: list[int]) -> dict[str, set[int]]:
    return {
        "incident": set(
            Campaign.objects.filter(id__in=ids, incident__isnull=False)
            .values_list("incident_id", flat=True)
        ),
        "campaign": set(Campaign.objects.filter(parent__in=ids).values_list("id", flat=True)),
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
        title=obj.name,
        slug=obj.slug,
        body=_join(
            obj.description, obj.get_kind_display(), obj.country,
            parent.name if parent else "",
            *(str(v) for v in _external_ids(obj.external_ids)),
        ),
        region=obj.region,
        url=obj.url,
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
    return Letter.objects.select_related("sender").prefetch_related("recipients", "incidents")


def _letter(obj: Letter) -> SearchDocument:
    sender = obj.sender if embeddable(obj.marking, obj.sender) else None
    recipients = _embeddable_only(obj.marking, obj.recipients.all())
    incidents = sorted(_embeddable_only(obj.marking, obj.incidents.all()), key=lambda i: i.pk)
    return _doc(
        "letter", obj,
        title=obj.subject,
        slug=obj.slug,
        body=_join(
            obj.body,
            "From " + sender.name if sender else "",
            "To " + ", ".join(r.name for r in recipients) if recipients else "",
            obj.get_status_display(),
        ),
        date=obj.date,
        url=_incident_url(incidents[0] if incidents else None),
        **_actor_fields([sender, *recipients]),
    )


# --- coverage ----------------------------------------------------------------------------

def _coverage_queryset() -> QuerySet:
    return Coverage.objects.select_related("outlet")


def _coverage(obj: Coverage) -> SearchDocument:
    outlet = obj.outlet if embeddable(obj.marking, obj.outlet) else None
    return _doc(
        "coverage", obj,
        title=obj.title,
        body=_join(obj.summary, *_quotes(obj.quotes), outlet.name if outlet else ""),
        date=obj.published_on,
        # Its own region, else its outlet's (only when the outlet may be shown).
        region=obj.region or (outlet.region if outlet else ""),
        lens=obj.lens,
        url=obj.url,
        **_actor_fields([outlet]),
    )


def _quotes(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(q) for q in value]
    return [str(value)] if value else []


# --- events ------------------------------------------------------------------------------

def _event_queryset() -> QuerySet:
    return Event.objects.prefetch_related("actors", "incidents")


def _event(obj: Event) -> SearchDocument:
    incidents = sorted(_embeddable_only(obj.marking, obj.incidents.all()), key=lambda i: i.pk)
    value = f"{obj.value.normalize()} {obj.unit}".strip() if obj.value is not None else ""
    return _doc(
        "event", obj,
        title=obj.title,
        slug=obj.slug or "",
        body=_join(obj.description, obj.get_kind_display(), value),
        date=obj.date,
        url=_incident_url(incidents[0] if incidents else None),
        **_actor_fields(_embeddable_only(obj.marking, obj.actors.all())),
    )


# --- sources and claims ------------------------------------------------------------------

def _source_queryset() -> QuerySet:
    return Source.objects.select_related("publisher")


def _source(obj: Source) -> SearchDocument:
    publisher = obj.publisher if embeddable(obj.marking, obj.publisher) else None
    return _doc(
        "source", obj,
        title=obj.title,
        slug=obj.key,
        body=_join(obj.get_kind_display(), publisher.name if publisher else "", obj.text),
        date=obj.published_on,
        url=obj.url,
        **_actor_fields([publisher]),
    )


def _source_dependents(ids: list[int]) -> dict[str, set[int]]:
    return {"claim": set(Claim.objects.filter(source__in=ids).values_list("id", flat=True))}


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
    return Claim.objects.select_related("source", "content_type").prefetch_related(subjects)


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


def _claim_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def _claim(obj: Claim) -> SearchDocument:
    marking = claim_marking(obj)
    subject = obj.subject
    model_name = obj.content_type.model
    spec = FIELDS.get(model_name, {}).get(obj.field)
    label = spec.label if spec and spec.label else obj.field.replace("_", " ")
    named = subject if embeddable(marking, subject) else None
    incident = _subject_incident(named) if named is not None else None
    return _doc(
        "claim", obj,
        marking=marking,
        title=f"{named if named is not None else model_name}: {label} "
              # A set or a ratio names other records, which may be hidden from readers
              # of the claim: only a figure's plain value goes in the title.
              f"{obj.get_qualifier_display()} "
              f"{'' if names_records(obj.value) else _claim_value(obj.value)}".rstrip(),
        body=_join(obj.quote, obj.source.title, obj.get_status_display(), obj.note),
        date=obj.source.published_on,
        url=_incident_url(incident if embeddable(marking, incident) else None),
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
        SearchSource("claim", Claim, _claim_queryset, _claim),
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
