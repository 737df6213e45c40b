"""The narrow interface every search backend implements, and the values it speaks in.

A backend holds derived data only: the database is the source of truth and
``kb.search.indexing`` decides what to write. Writers hold ``lock()`` around reading the
rows and writing their documents, so the last writer always wrote the freshest rows.
"""

from __future__ import annotations

import datetime as dt
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
