"""Celery tasks that keep the index in step. Thin: the work is in ``kb.search.indexing``.

Payloads are JSON with ids only; every task is idempotent (upsert by id, remove rows that
are gone), so a retried or duplicated task does no harm. A write lock held too long
(``IndexLockedError``) retries with exponential backoff and full jitter, so workers that
collided do not collide again in step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import shared_task

from kb.search import indexing
from kb.search.backends.base import IndexLockedError

logger = logging.getLogger("kb.search")

CHUNK = 500
RETRY = {
    "autoretry_for": (IndexLockedError,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 12,
    "acks_late": True,
}


@shared_task(name="kb.search.index_records", **RETRY)
def index_records(source: str, ids: list[int]) -> dict[str, int]:
    """Index (or remove) the rows ``ids`` of ``source`` as the database has them now."""
    return indexing.records_index(source=source, ids=ids)


@shared_task(name="kb.search.rebuild_index", **RETRY)
def rebuild_index(if_needed: bool = True) -> int | None:
    """Rebuild the index from the database (only when unusable, by default)."""
    return indexing.index_rebuild(if_needed=if_needed)


@shared_task(name="kb.search.update_index", **RETRY)
def update_index() -> dict[str, int]:
    """Write what differs between the database and the index."""
    report = indexing.index_update()
    return {"written": report.written, "removed": report.removed}


def enqueue(source: str, ids: Iterable[int]) -> None:
    """Send indexing tasks for ``ids`` (in chunks). A broker that cannot be reached is
    logged, not raised: the database write already happened, and ``search_index
    update`` repairs the index later."""
    wanted = sorted({int(i) for i in ids})
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        try:
            index_records.delay(source, chunk)
        except Exception:  # noqa: BLE001 — never fail the caller's committed write
            logger.exception("Could not index %s %s; run `manage.py search_index update`.",
                             source, chunk)
