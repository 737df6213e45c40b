"""Writes to the search index: the services the Celery tasks and ``search_index`` call.

Every write holds the backend's write lock around *reading the rows* and writing their
documents, so when two workers index the same row the one that writes last also read
last: no update is lost to an older read. Every service is idempotent (running it twice
leaves the same index) and treats the database as the truth: a row that is gone is
removed from the index. A missing, corrupt or outdated index is reported in the log and
rebuilt from the database, never silently wiped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from kb.search.backends import get_backend
from kb.search.backends.base import IndexStatus, Progress, SearchBackend
from kb.search.documents import (
    SearchDocument,
    count_all,
    dependents_of,
    documents_for,
    iter_all_documents,
)

logger = logging.getLogger("kb.search")

UPDATE_BATCH = 500


def report_unusable(status: IndexStatus, backend: SearchBackend) -> None:
    """Say loudly that the index cannot be used as it is, and that it is being rebuilt."""
    if status.state == "corrupt":
        logger.error("Search index (%s) is corrupt: %s. Rebuilding it from the database; "
                     "the damaged files are kept aside.", backend.name, status.detail)
    else:
        logger.warning("Search index (%s) is %s: %s. Building it from the database.",
                       backend.name, status.state, status.detail)


def records_index(*, source: str, ids: Iterable[int],
                  backend: SearchBackend | None = None) -> dict[str, int]:
    """Bring the documents of rows ``ids`` of ``source`` (and of the records that show
    something of them) in step with the database: upsert what exists, remove what is
    gone. Idempotent. Raises ``IndexLockedError`` if the lock stays held too long."""
    backend = backend or get_backend()
    ids = sorted({int(i) for i in ids})
    with backend.lock():
        status = backend.status()
        if not status.ok:
            report_unusable(status, backend)
            return {"rebuilt": backend.rebuild(iter_all_documents())}
        documents, gone = documents_for(source, ids)
        for other, other_ids in dependents_of(source, [d.object_id for d in documents]).items():
            more, more_gone = documents_for(other, other_ids)
            documents += more
            gone += more_gone
        backend.write(documents, gone)
    return {"indexed": len(documents), "removed": len(gone)}


def index_rebuild(*, if_needed: bool = False, backend: SearchBackend | None = None,
                  progress: Progress | None = None, procs: int = 1) -> int | None:
    """Rebuild the whole index from the database (only when it is unusable, with
    ``if_needed``). Returns the number of documents, ``None`` when nothing was needed.
    Searches keep answering from the old index until the new one is complete."""
    backend = backend or get_backend()
    with backend.lock():
        status = backend.status()
        if if_needed and status.ok:
            return None
        if not status.ok:
            report_unusable(status, backend)
        return backend.rebuild(iter_all_documents(), progress, procs=procs)


@dataclass(frozen=True)
class UpdateReport:
    written: int
    removed: int
    rebuilt: bool = False


def index_update(*, backend: SearchBackend | None = None,
                 progress: Progress | None = None) -> UpdateReport:
    """Write only what differs: documents whose content changed or that are missing,
    and remove documents whose rows are gone. Catches what a lost task or a
    ``QuerySet.update()`` (which sends no signals) left behind. Idempotent."""
    backend = backend or get_backend()
    with backend.lock():
        status = backend.status()
        if not status.ok:
            report_unusable(status, backend)
            return UpdateReport(backend.rebuild(iter_all_documents(), progress), 0, True)
        indexed = dict(backend.hashes())
        seen: set[str] = set()
        written = 0
        changed = (d for d in _track(iter_all_documents(), seen, progress)
                   if indexed.get(d.key) != d.content_hash)
        while batch := list(islice(changed, UPDATE_BATCH)):
            written += backend.add_or_update(batch)
        stale = [key for key in indexed if key not in seen]
        if stale:
            backend.remove(stale)
    return UpdateReport(written, len(stale))


def _track(documents: Iterable[SearchDocument], seen: set[str], progress: Progress | None
           ) -> Iterable[SearchDocument]:
    for doc in documents:
        seen.add(doc.key)
        if progress:
            progress(1)
        yield doc


@dataclass(frozen=True)
class CheckReport:
    status: IndexStatus
    expected: int

    @property
    def problems(self) -> list[str]:
        if not self.status.ok:
            return [f"index {self.status.state}: {self.status.detail}"]
        if self.status.documents != self.expected:
            return [f"the index holds {self.status.documents} documents, the database "
                    f"{self.expected} searchable records (run search_index update)"]
        return []

    @property
    def ok(self) -> bool:
        return not self.problems


def index_check(*, backend: SearchBackend | None = None) -> CheckReport:
    """Is the index usable, built for this schema, and as big as the database says?"""
    backend = backend or get_backend()
    return CheckReport(backend.status(), count_all())
