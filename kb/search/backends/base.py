"""The narrow interface every search backend implements, and the values it speaks in.

A backend holds derived data only: the database is the source of truth and
``kb.search.indexing`` decides what to write. Writers hold ``lock()`` around reading the
rows and writing their documents, so the last writer always wrote the freshest rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Literal, Protocol

from kb.search.documents import SearchDocument
from kb.search.query import ParsedQuery

SortOrder = Literal["relevance", "date"]
IndexState = Literal["ok", "missing", "corrupt", "outdated"]

# Highlighted snippets come back with these around each match; ``kb.search.highlight``
# escapes the text and turns them into <mark> elements.
MARK_START = "\x02"
MARK_END = "\x03"

# How long a snippet is when nothing in the text matched (the start of the body).
SNIPPET_CHARS = 240


_LINE_BREAKS = re.compile(r"\s*\n\s*")
_BLANKS = re.compile(r"[^\S\n]+")


def _tidy(text: str) -> str:
    """Runs of blanks as one space, of line breaks as one (they separate a body's parts)."""
    return _LINE_BREAKS.sub("\n", _BLANKS.sub(" ", text)).strip()


def leading_words(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of ``text``, at most ``limit`` characters, cut between words (with "…"
    when cut): a snippet never ends inside a word ("28.8" is one word)."""
    text = _tidy(text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if not text[limit].isspace():
        gap = max(cut.rfind(" "), cut.rfind("\n"))
        if gap > 0:
            cut = cut[:gap]
    return cut.rstrip(" \n,;:–—-(") + " …"


def framed(snippet: str, text: str) -> str:
    """A highlighted ``snippet`` of ``text`` (whole words, matches between the markers),
    with "…" where it starts or ends inside ``text``: a snippet reads as an excerpt."""
    plain = " ".join(snippet.replace(MARK_START, "").replace(MARK_END, "").split())
    whole = " ".join(text.split())
    out = _tidy(snippet)
    if not plain or not whole:
        return out
    first, _, _ = plain.partition(" … ")
    _, _, last = plain.rpartition(" … ")
    # Only words count: a snippet that leaves out an opening quotation mark is whole.
    if not _EDGE.sub("", whole).startswith(_EDGE.sub("", first)):
        out = "… " + out
    if not _EDGE_END.sub("", whole).endswith(_EDGE_END.sub("", last or first)):
        out = out + " …"
    return out


_EDGE = re.compile(r"^\W+")
_EDGE_END = re.compile(r"\W+$")


class SearchError(Exception):
    """Base class of the search package's errors."""


class IndexLockedError(SearchError):
    """Another process holds the index's write lock for too long; try again later."""


class IndexUnavailableError(SearchError):
    """The index is missing, corrupt or built for another schema; it needs a rebuild."""

    def __init__(self, status: IndexStatus) -> None:
        super().__init__(status.detail)
        self.status = status


class BackendUnavailableError(SearchError):
    """The configured backend cannot run here (the PostgreSQL backend on SQLite)."""


@dataclass(frozen=True, slots=True)
class IndexStatus:
    state: IndexState
    detail: str
    documents: int | None = None
    schema_version: int | None = None
    built_at: str | None = None

    @property
    def ok(self) -> bool:
        return self.state == "ok"


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """What to look for and what the viewer may see. ``markings`` is the viewer's
    clearance expanded (``markings_up_to``); backends apply it inside the query, so
    counts and facets only ever cover visible documents."""

    query: ParsedQuery
    markings: tuple[str, ...]
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # exact facet values
    sort: SortOrder = "relevance"
    page: int = 1
    page_size: int = 20
    facets: bool = True
    facet_limit: int = 25
    # One hit per group (a subject and the claims about it; ``SearchHit.group``): the
    # count, the order and the pages are of groups. Facets still count documents.
    collapse: bool = False
    groups: tuple[str, ...] = ()  # only documents of these groups, when given

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True, slots=True)
class SearchHit:
    key: str
    type: str
    object_id: int
    slug: str
    title: str
    url: str
    highlight: str  # text with MARK_START / MARK_END around matches, not yet escaped
    score: float
    date: dt.date | None
    marking: str
    group: str = ""  # the key of the document this hit is listed under (its own, mostly)


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int


@dataclass(slots=True)
class SearchResults:
    count: int
    hits: list[SearchHit]
    facets: dict[str, list[FacetValue]]
    # Misspelt words and the words of the index they were read as.
    corrections: dict[str, list[str]] = field(default_factory=dict)
    unavailable: str = ""  # why there are no results when the index could not be read

    @classmethod
    def empty(cls, **kwargs: object) -> SearchResults:
        return cls(count=0, hits=[], facets={}, **kwargs)  # type: ignore[arg-type]


Progress = Callable[[int], None]


def dedupe(upserts: Iterable[SearchDocument], removals: Iterable[str]
           ) -> tuple[list[SearchDocument], list[str]]:
    """One document per key (the last one wins) and no removal of a key being written:
    a Whoosh writer does not see its own uncommitted documents when it replaces one, and
    PostgreSQL refuses to upsert one row twice in a statement."""
    latest = {doc.key: doc for doc in upserts}
    return list(latest.values()), [k for k in dict.fromkeys(removals) if k not in latest]


class SearchBackend(Protocol):
    name: str

    def lock(self) -> AbstractContextManager[None]:
        """Hold the write lock (re-entrant); ``IndexLockedError`` after the timeout."""

    def status(self) -> IndexStatus:
        """Missing, corrupt, outdated or ok, with the document count when readable."""

    def write(self, upserts: Iterable[SearchDocument], removals: Iterable[str] = ()) -> int:
        """Upsert ``upserts`` by key and delete ``removals`` in one commit, under the lock."""

    def add_or_update(self, documents: Iterable[SearchDocument]) -> int:
        """Upsert by key. Returns how many were written."""

    def remove(self, keys: Iterable[str]) -> int:
        """Delete by key; keys not in the index are ignored."""

    def rebuild(self, documents: Iterable[SearchDocument], progress: Progress | None = None,
                *, procs: int = 1) -> int:
        """Replace the whole index with ``documents``; readers see the old index until the
        new one is complete. A corrupt index is kept aside, never silently deleted.
        ``procs`` > 1 lets Whoosh analyse in that many processes (PostgreSQL ignores it)."""

    def hashes(self) -> Iterator[tuple[str, str]]:
        """(key, content hash) of every document in the index."""

    def search(self, request: SearchRequest) -> SearchResults:
        """Matching visible documents; ``IndexUnavailableError`` if the index is unusable."""

    def fetch(self, keys: Iterable[str], markings: tuple[str, ...]) -> list[SearchHit]:
        """The documents ``keys`` that ``markings`` allow, as hits (no match, no score):
        the subjects a page lists claims under."""
