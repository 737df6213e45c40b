"""Search reads, shared by the site's search page and the API.

Visibility is applied inside the backend's query (the viewer's markings are a filter of
the search itself), so counts, facets and pages only ever cover what the viewer may see.
The page of hits is then checked against the database, the source of truth, in one query
per kind of record on the page, by the visibility rule itself (``visible_to``: a claim
needs its source and subject visible too): a hit whose row was deleted or re-marked
since it was indexed is dropped rather than shown.

Documents embed only related records at most as restricted as themselves, and a claim's
document carries the strictest marking of claim, source and subject
(``kb.search.documents``), so the viewer's markings filter in the backend are enough
for counts, facets, highlights and corrections to name nothing above the viewer.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache

from incidents.visibility import clearance_for, markings_up_to
from kb.search.backends import get_backend
from kb.search.backends.base import (
    IndexUnavailableError,
    SearchHit,
    SearchRequest,
    SearchResults,
    SortOrder,
)
from kb.search.documents import FACETS, PAGE_SOURCE, SOURCES
from kb.search.query import parse

logger = logging.getLogger("kb.search")

MAX_PAGE_SIZE = 100
MAX_PAGE = 1000  # deep pages are for crawlers, not analysts; keeps offsets in range


def search_records(
    *,
    viewer: Any,
    q: str,
    filters: Mapping[str, Iterable[str]] | None = None,
    sort: SortOrder = "relevance",
    page: int = 1,
    page_size: int = 20,
    facets: bool = True,
) -> SearchResults:
    """Records matching ``q`` (and the exact facet ``filters``) that ``viewer`` may see.

    ``viewer`` is a user or an API token (anything ``clearance_for`` accepts). An empty
    query without filters matches nothing. When the index is unusable it is reported,
    a rebuild is queued (run at once in the embedded, eager mode) and the search is tried
    once more; if it still cannot answer, the results say why in ``unavailable``.
    """
    markings = tuple(markings_up_to(clearance_for(viewer)))
    exact = {name: tuple(v for v in (filters or {}).get(name, ()) if v) for name in FACETS}
    exact = {name: values for name, values in exact.items() if values}
    request = SearchRequest(
        query=parse(q.replace("\x00", "")), markings=markings, filters=exact, sort=sort,
        page=min(max(1, page), MAX_PAGE), page_size=min(max(1, page_size), MAX_PAGE_SIZE),
        facets=facets,
    )
    if request.query.is_empty and not exact:
        return SearchResults.empty()
    backend = get_backend()
    try:
        results = backend.search(request)
    except IndexUnavailableError as exc:
        results = _after_rebuild(backend, request, exc)
    results.hits = _still_visible(results.hits, viewer)
    return results


def _after_rebuild(backend: Any, request: SearchRequest, exc: IndexUnavailableError
                   ) -> SearchResults:
    from kb.search.tasks import rebuild_index

    logger.error("Search index (%s) unusable: %s. Queueing a rebuild.", backend.name, exc)
    try:
        # Inline (eager) rebuilds run now; queued ones at most once a minute per process,
        # not once per search while the index is down.
        if settings.CELERY_TASK_ALWAYS_EAGER or cache.add("kb-search-rebuild-queued", 1, 60):
            rebuild_index.delay(if_needed=True)
        return backend.search(request)
    except IndexUnavailableError:
        pass
    except Exception:  # noqa: BLE001 — a broken index must not break the page
        logger.exception("Search index rebuild failed")
    return SearchResults.empty(
        unavailable="The search index is being rebuilt; try again in a minute."
    )


def _still_visible(hits: list[SearchHit], viewer: Any) -> list[SearchHit]:
    by_source: dict[str, list[int]] = defaultdict(list)
    for hit in hits:
        by_source[hit.key.partition(":")[0]].append(hit.object_id)
    present: set[str] = set()
    for source, ids in by_source.items():
        if source == PAGE_SOURCE:
            from wagtail.models import Page

            rows = Page.objects.live().filter(pk__in=ids).values_list("pk", flat=True)
        elif source in SOURCES:
            marked: Any = SOURCES[source].model._default_manager.filter(pk__in=ids)
            rows = marked.visible_to(viewer).values_list("pk", flat=True)
        else:
            continue
        present.update(f"{source}:{pk}" for pk in rows)
    return [hit for hit in hits if hit.key in present]
