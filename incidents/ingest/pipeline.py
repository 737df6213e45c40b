"""Ingesting one document: checks, readable text, dedupe, and in one transaction the
source, its coverage record and pending claims.

Every door (``manage.py ingest``, ``POST /api/v1/ingest/``, the admin's upload form and
the Celery task behind the last two) goes through the functions here, so the same bad
input gets the same message, keyed by the same field, and nothing is stored for it:

* ``document_check`` — the raw input: not empty, not binary, at most 5 MB, UTF-8;
* ``ingest_request_check`` — a request as a whole (text *or* HTML, URL, incident slug
  the requester may see); the API and the admin form call it before queueing a job;
* ``ingest_document`` — the work itself, idempotent by canonical URL and content hash.

Coverage records need a URL (``Coverage.url`` is the canonical URL, its natural key), so
a document given without one is kept as a ``Source`` only. Search indexing follows the
commit through the existing signal receivers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from incidents.ingest.claims import ClaimsReport, pending_claims_create
from incidents.ingest.extract import extract
from incidents.ingest.html import Document, html_document, text_document
from incidents.ingest.lexicon import lexicon_from_db
from incidents.ingest.types import KINDS, Extraction
from incidents.ingest.urls import url_canonical, url_host
from incidents.models import Actor, ActorKind, Coverage, Incident, Marking, Source, SourceKind
from incidents.models.validation import DATE_MAX, DATE_MIN, SOURCE_TEXT_MAX
from incidents.visibility import can_see, clearance_for, may_mark, strictest

logger = logging.getLogger("kb.ingest")

#: Largest document accepted, in bytes of UTF-8 (5 MB).
MAX_BYTES = 5 * 1024 * 1024
#: Share of characters (of the first ``_SAMPLE``) that may be neither printable nor
#: whitespace before a text counts as binary.
_NON_PRINTABLE_SHARE = 0.05
_SAMPLE = 100_000
#: Extensions ``manage.py ingest`` and the upload form read, by input kind.
EXTENSIONS = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html",
              ".htm": "html"}
#: Quotes kept on a coverage record (``Coverage.quotes``: 100 strings of 2,000 characters).
QUOTES_MAX, QUOTE_LENGTH = 100, 2000

Progress = Callable[[int, str], None]


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def document_check(data: bytes | str, *, name: str) -> str:
    """The document as text, or ``ValidationError({name: reason})``.

    ``name`` is the field the error is about ("text", "html", "file"). Refused, before
    anything is stored: empty (or only whitespace) input; more than ``MAX_BYTES``
    (5 MB) of UTF-8; binary data (a NUL byte, or mostly non-printable characters); bytes
    that are not UTF-8. A UTF-8 byte order mark is dropped.
    """
    size = len(data) if isinstance(data, bytes) else _utf8_length(data, name)
    if size > MAX_BYTES:
        raise ValidationError({name: f"The document is {_size(size)}; at most 5 MB "
                                     f"({MAX_BYTES:,} bytes) is accepted."})
    if isinstance(data, bytes):
        if b"\x00" in data:
            raise ValidationError({name: "The document is binary (it contains NUL bytes); "
                                         "give plain text, Markdown or HTML."})
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError({name: f"The document is not UTF-8 text (undecodable "
                                         f"byte at position {exc.start}); save it as "
                                         "UTF-8."}) from None
    else:
        text = data.removeprefix("\ufeff")
        if "\x00" in text:
            raise ValidationError({name: "The document is binary (it contains NUL "
                                         "characters); give plain text, Markdown or HTML."})
    if not text.strip():
        raise ValidationError({name: "The document is empty."})
    sample = text[:_SAMPLE]
    odd = sum(1 for c in sample if not c.isprintable() and not c.isspace())
    if odd > _NON_PRINTABLE_SHARE * len(sample):
        raise ValidationError({name: "The document looks binary (mostly non-printable "
                                     "characters); give plain text, Markdown or HTML."})
    return text


def _utf8_length(text: str, name: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in JSON)
        raise ValidationError({name: "The document is not valid Unicode text (it has a "
                                     "lone surrogate character)."}) from None


@dataclass(frozen=True)
class IngestRequest:
    """A checked request: one of text or HTML, a canonical URL (or ""), the incident."""

    content: str
    input_kind: str  # "text" or "html"
    url: str
    incident: Incident | None
    marking: str


def incident_lookup(slug: str, *, viewer: Any) -> Incident:
    """The incident ``slug`` if ``viewer`` may see it; a hidden one is refused exactly
    like an unknown one (``ValidationError`` on ``incident``)."""
    found = (Incident.objects.visible_to(viewer).filter(slug=slug).first()  # type: ignore[attr-defined]
             if slug and "\x00" not in slug else None)
    if found is None:
        raise ValidationError({"incident": f"No incident with the slug {slug[:100]!r}."})
    return found


def ingest_marking(*, incident: Incident | None, viewer: Any = None) -> str:
    """What an ingested document is marked: TLP:GREEN, or the incident's marking when
    stricter (never above what ``viewer``, when given, may see)."""
    base = Marking.GREEN if viewer is None or may_mark(viewer, Marking.GREEN) \
        else clearance_for(viewer)
    return strictest(base, incident.marking) if incident is not None else str(base)


def ingest_request_check(*, text: str | None = None, html: str | None = None, url: str = "",
                         incident: str = "", viewer: Any = None,
                         content_field: str | None = None) -> IngestRequest:
    """Check a request before a job is queued for it; ``ValidationError`` naming each
    field and its reason. ``content_field`` names the field a bad document is reported
    on (an upload form's "file"); by default "text" or "html"."""
    errors: dict[str, list[str]] = {}
    given = [(k, v) for k, v in (("text", text), ("html", html)) if v is not None]
    content, kind = "", "text"
    if len(given) > 1:
        errors["text"] = ["Give the text or the HTML of the document, not both."]
    elif not given:
        errors["text"] = ["Give the text or the HTML of the document."]
    else:
        kind, raw = given[0]
        try:
            content = document_check(raw or "", name=content_field or kind)
        except ValidationError as exc:
            _merge(errors, exc)
    canonical = ""
    if url:
        try:
            canonical = url_canonical(url)
        except ValidationError as exc:
            _merge(errors, exc)
    found = None
    if incident:
        try:
            found = incident_lookup(incident, viewer=viewer)
        except ValidationError as exc:
            _merge(errors, exc)
    if errors:
        raise ValidationError(errors)
    return IngestRequest(content=content, input_kind=kind, url=canonical, incident=found,
                         marking=ingest_marking(incident=found, viewer=viewer))


def _merge(errors: dict[str, list[str]], exc: ValidationError) -> None:
    for key, messages in exc.message_dict.items():
        errors.setdefault(key, []).extend(messages)


@dataclass
class IngestResult:
    """What ``ingest_document`` did with one document.

    ``created``: a new source was stored; ``duplicate``: the document was already there
    (same canonical URL or same content hash) and nothing changed. ``counts`` are the
    extractions per kind; ``claims_created`` the pending claims per field; ``candidates``
    organisations the text names that the KB does not know; ``skipped`` the figures and
    dates found whose record could not be told, with the reason.
    """

    source: Source
    coverage: Coverage | None = None
    created: bool = False
    duplicate: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    claims_created: dict[str, int] = field(default_factory=dict)
    claims_existing: int = 0
    candidates: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def claims_total(self) -> int:
        return sum(self.claims_created.values())

    def as_json(self, viewer: Any = None) -> dict[str, Any]:
        """The result as a job keeps it. A duplicate of a source ``viewer`` may not see
        is reported without naming it."""
        shown = viewer is None or can_see(viewer, self.source)
        coverage_shown = self.coverage is not None and (viewer is None
                                                        or can_see(viewer, self.coverage))
        return {
            "source": self.source.pk if shown else None,
            "source_key": self.source.key if shown else None,
            "title": self.source.title if shown else None,
            "coverage": self.coverage.pk if coverage_shown and self.coverage else None,
            "created": self.created,
            "duplicate": self.duplicate,
            "counts": dict(self.counts),
            "claims_created": dict(self.claims_created),
            "claims_existing": self.claims_existing,
            "candidates": list(self.candidates),
            "skipped": len(self.skipped),
        }


def ingest_document(*, text: str | None = None, html: str | None = None, url: str = "",
                    incident: Incident | None = None, user: Any = None,
                    progress: Progress | None = None, name: str = "") -> IngestResult:
    """Store one article as a source (and a coverage record when it has a URL) with
    pending claims for what it says; or return the source already holding it.

    Idempotent: a document whose canonical URL or content hash (SHA-256 of its readable
    text) a source already has is a duplicate, and nothing at all is written. Otherwise
    the source, the coverage record and the claims are written in one transaction, so a
    task killed midway leaves nothing behind and its retry starts clean. Bad input is a
    ``ValidationError`` (``document_check``) before anything is stored.

    The source and the coverage are marked TLP:GREEN, or the incident's marking when
    stricter. With ``user``, only the outlets, incidents and records that user may see
    are matched, and an existing coverage record they may not see is left untouched.
    ``progress(percent, message)`` is called along the way.
    """
    report = progress or (lambda percent, message: None)
    request = ingest_request_check(text=text, html=html, url=url, viewer=user)
    if incident is not None and user is not None and not can_see(user, incident):
        raise ValidationError({"incident": f"No incident with the slug {incident.slug!r}."})
    marking = ingest_marking(incident=incident, viewer=user)
    report(10, "Reading the document")
    document = _readable(request)
    canonical = request.url or _page_url(document)
    if len(document.text) > SOURCE_TEXT_MAX:
        raise ValidationError({request.input_kind: (
            f"The readable text is {len(document.text):,} characters; at most "
            f"{SOURCE_TEXT_MAX:,} are kept.")})
    digest = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    existing = duplicate_of(url=canonical, sha256=digest)
    if existing is not None:
        report(100, "Already ingested: nothing changed")
        return IngestResult(source=existing, coverage=existing.coverage, duplicate=True)
    report(30, "Extracting figures, dates, actors and quotes")
    published_on = _in_range(document.published_on)
    extractions = extract(document.text, lexicon_from_db(), reference_date=published_on)
    outlet = outlet_for(url=canonical, sitename=document.sitename, extractions=extractions,
                        viewer=user)
    report(60, "Storing the source, coverage and pending claims")
    try:
        with transaction.atomic():
            result = _store(document=document, url=canonical, digest=digest, outlet=outlet,
                            marking=marking, incident=incident, user=user,
                            extractions=extractions, published_on=published_on, name=name)
    except IntegrityError:
        # Another worker stored the same document between our check and our write.
        existing = duplicate_of(url=canonical, sha256=digest)
        if existing is None:
            raise
        return IngestResult(source=existing, coverage=existing.coverage, duplicate=True)
    report(100, "Done")
    return result


def _readable(request: IngestRequest) -> Document:
    if request.input_kind == "html":
        document = html_document(request.content, url=request.url)
        if not document.text.strip():
            raise ValidationError({"html": "No readable text was found in the HTML."})
        return document
    return text_document(request.content)


def _page_url(document: Document) -> str:
    """The canonical link an HTML page gives for itself, when usable."""
    if not document.url:
        return ""
    try:
        return url_canonical(document.url)
    except ValidationError:
        return ""


def _in_range(day: dt.date | None) -> dt.date | None:
    return day if day is not None and DATE_MIN <= day <= DATE_MAX else None


def duplicate_of(*, url: str, sha256: str) -> Source | None:
    """The source already holding this document: the same canonical URL or the same
    content hash, whatever its marking (the first stored)."""
    match = Q(sha256=sha256)
    if url:
        match |= Q(url=url)
    return Source.objects.filter(match).select_related("coverage").order_by("pk").first()


def source_key(*, url: str, sha256: str) -> str:
    """A stable natural key: the host (or "text") and the first 16 hex digits of the
    content hash, e.g. ``tidewater-ledger-example-3fa9c1d2e4b5a697``."""
    label = slugify(url_host(url).replace(".", "-"))[:60].strip("-") if url else ""
    return f"{label or 'text'}-{sha256[:16]}"


def _store(*, document: Document, url: str, digest: str, outlet: Actor | None, marking: str,
           incident: Incident | None, user: Any, extractions: Sequence[Extraction],
           published_on: dt.date | None, name: str) -> IngestResult:
    title = document.title or name or url or "Untitled document"
    source = Source(
        key=source_key(url=url, sha256=digest), title=title[:400], kind=SourceKind.COVERAGE,
        url=url, published_on=published_on, text=document.text, sha256=digest,
        retrieved_at=timezone.now(), publisher=outlet, marking=marking,
    )
    source.full_clean()
    source.save()
    coverage = None
    if url:
        coverage = _coverage(url=url, title=title, outlet=outlet, marking=marking,
                             published_on=published_on, digest=digest,
                             extractions=extractions, user=user)
        if coverage is not None:
            source.coverage = coverage
            source.save(update_fields=["coverage"])
    claims: ClaimsReport = pending_claims_create(source=source, text=document.text,
                                                 extractions=extractions, incident=incident,
                                                 viewer=user)
    if coverage is not None:
        about = {i.pk: i for i in claims.incidents}
        if incident is not None:
            about.setdefault(incident.pk, incident)
        if about:
            coverage.incidents.add(*about.values())
    return IngestResult(
        source=source, coverage=coverage, created=True,
        counts=extraction_counts(extractions),
        claims_created=dict(Counter(c.field for c in claims.created)),
        claims_existing=len(claims.existing),
        candidates=candidates_of(extractions),
        skipped=[(e.text, reason) for e, reason in claims.skipped],
    )


def _coverage(*, url: str, title: str, outlet: Actor | None, marking: str,
              published_on: dt.date | None, digest: str, extractions: Sequence[Extraction],
              user: Any) -> Coverage | None:
    """The coverage record of ``url``: a new one, or the one already listed (entered by
    hand, without a source) when the user may see it; ``None`` for a hidden one, which
    is left as it is."""
    existing = Coverage.objects.filter(url=url).first()
    if existing is not None:
        return existing if user is None or can_see(user, existing) else None
    coverage = Coverage(
        url=url, outlet=outlet, title=title[:400], published_on=published_on,
        language=outlet.language if outlet else "", region=outlet.region if outlet else "",
        content_hash=digest, quotes=quotes_of(extractions), marking=marking,
    )
    coverage.full_clean()
    coverage.save()
    return coverage


def extraction_counts(extractions: Iterable[Extraction]) -> dict[str, int]:
    """How many extractions of each kind (every kind listed, zeros included)."""
    found = Counter(e.kind for e in extractions)
    return {kind: found.get(kind, 0) for kind in KINDS}


def candidates_of(extractions: Iterable[Extraction]) -> list[str]:
    """Organisations the text names that the KB does not know, in order, once each."""
    seen: dict[str, None] = {}
    for e in extractions:
        if e.kind == "actor" and e.unit == "candidate":
            seen.setdefault(str(e.value), None)
    return list(seen)


def quotes_of(extractions: Iterable[Extraction]) -> list[str]:
    """The quoted words, once each, as ``Coverage.quotes`` holds them."""
    seen: dict[str, None] = {}
    for e in extractions:
        if e.kind == "quote" and str(e.value).strip():
            seen.setdefault(str(e.value).strip()[:QUOTE_LENGTH], None)
    return list(seen)[:QUOTES_MAX]


# -- the outlet ---------------------------------------------------------------------------

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _compact(value: str) -> str:
    return _NOT_ALNUM.sub("", value.lower())


def outlet_for(*, url: str, sitename: str = "", extractions: Sequence[Extraction] = (),
               viewer: Any = None) -> Actor | None:
    """The media outlet that published the document, among the outlets ``viewer`` may
    see: by the outlet's own URL host, by the page's host against the outlet's name,
    slug and aliases ("cnbc.com" → CNBC, "thenextweb.com" → The Next Web), by the site
    name the page gives, and last by the text, when it names exactly one outlet."""
    outlets: Any = Actor.objects.filter(kind=ActorKind.MEDIA_OUTLET)
    if viewer is not None:
        outlets = outlets.visible_to(viewer)
    candidates = list(outlets.order_by("pk"))
    if not candidates:
        return None
    host = url_host(url) if url else ""
    if host:
        for outlet in candidates:
            if outlet.url and url_host(outlet.url) == host:
                return outlet
        labels = host.split(".")
        keys = {_compact(host)}
        if len(labels) >= 2:
            keys.add(_compact(labels[-2]))
            keys.add(_compact("".join(labels[:-1])))
        for outlet in candidates:
            names = {_compact(n) for n in [outlet.name, outlet.slug, *(outlet.aliases or [])]}
            names.discard("")
            if keys & names:
                return outlet
            main = _compact(labels[-2]) if len(labels) >= 2 else ""
            if len(main) >= 5 and any(n.startswith(main) for n in names):
                return outlet
    if sitename:
        wanted = _compact(sitename)
        for outlet in candidates:
            if wanted and wanted in {_compact(n) for n in [outlet.name, *(outlet.aliases or [])]}:
                return outlet
    by_slug = {o.slug: o for o in candidates}
    named = {str(e.value) for e in extractions
             if e.kind == "actor" and e.unit != "candidate" and str(e.value) in by_slug}
    if len(named) == 1:
        return by_slug[named.pop()]
    return None


# -- summaries ----------------------------------------------------------------------------


@dataclass
class IngestTally:
    """Running totals of a batch, and the lines that summarise it (for the command)."""

    files: int = 0
    created: int = 0
    duplicates: int = 0
    refused: int = 0
    skipped_files: int = 0
    claims: Counter[str] = field(default_factory=Counter)
    extractions: Counter[str] = field(default_factory=Counter)
    candidates: dict[str, None] = field(default_factory=dict)

    def add(self, result: IngestResult) -> None:
        self.files += 1
        if result.duplicate:
            self.duplicates += 1
            return
        self.created += 1
        self.claims.update(result.claims_created)
        self.extractions.update(result.counts)
        for name in result.candidates:
            self.candidates.setdefault(name, None)

    def refuse(self) -> None:
        self.files += 1
        self.refused += 1

    def lines(self) -> list[str]:
        claims = ", ".join(f"{k} {v}" for k, v in sorted(self.claims.items())) or "none"
        found = ", ".join(f"{k} {self.extractions.get(k, 0)}" for k in KINDS)
        lines = [
            f"Files: {self.files} ({self.skipped_files} other file(s) skipped)",
            f"Sources created: {self.created}",
            f"Duplicates (nothing changed): {self.duplicates}",
            f"Refused: {self.refused}",
            f"Extractions: {found}",
            f"Pending claims created: {sum(self.claims.values())} ({claims})",
            "Candidate organisations (not in the KB): "
            + (", ".join(self.candidates) if self.candidates else "none"),
        ]
        return lines


def result_line(result: IngestResult) -> str:
    """One line about one document: created (with its claims) or duplicate."""
    if result.duplicate:
        return f"duplicate of source {result.source.key}: nothing changed"
    where = f", coverage {result.coverage.url}" if result.coverage is not None else \
        " (no URL: source only, no coverage record)"
    return (f"created source {result.source.key}{where}; "
            f"{result.claims_total} pending claim(s)")


def error_text(exc: ValidationError) -> str:
    """A ``ValidationError`` as one line: ``field: reason; …``."""
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)
