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
from dataclasses import dataclass, field
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
    collapse: bool = False,
    groups: tuple[str, ...] = (),
    max_page_size: int = MAX_PAGE_SIZE,
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
        page=min(max(1, page), MAX_PAGE),
        page_size=min(max(1, page_size), max(max_page_size, MAX_PAGE_SIZE)),
        facets=facets, collapse=collapse, groups=groups,
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


# How many claims a group shows under its subject; the rest are counted.
GROUP_MEMBERS_SHOWN = 3
# How many matching members of a page's groups are read at most.
MAX_MEMBERS = 200


@dataclass
class ResultGroup:
    """One entry of the search page: a record (``head``), and the matching claims about
    it listed under it (``members``, best first; ``more`` not shown). ``matched``: the
    head itself matched the query (else it is shown for the claims under it)."""

    head: SearchHit
    members: list[SearchHit] = field(default_factory=list)
    more: int = 0
    matched: bool = True


@dataclass
class GroupedResults:
    count: int  # groups
    groups: list[ResultGroup]
    results: SearchResults  # facets, corrections, unavailable (documents, not groups)


def search_grouped(
    *,
    viewer: Any,
    q: str,
    filters: Mapping[str, Iterable[str]] | None = None,
    sort: SortOrder = "relevance",
    page: int = 1,
    page_size: int = 20,
) -> GroupedResults:
    """Like ``search_records``, with each claim listed under its subject (an incident,
    a campaign — for a part of a campaign, the campaign — a letter, an event) instead of
    beside it: one entry per subject, its matching claims under it. Counts and pages are
    of entries; facets count documents. Same visibility as ``search_records``: every hit,
    member and subject shown is checked against the database for ``viewer``."""
    first = search_records(viewer=viewer, q=q, filters=filters, sort=sort, page=page,
                           page_size=page_size, collapse=True)
    if not first.hits:
        return GroupedResults(first.count, [], first)
    markings = tuple(markings_up_to(clearance_for(viewer)))
    groups = tuple(dict.fromkeys(h.group for h in first.hits))
    # Every matching document of the page's groups: the claims, and the subjects that
    # matched themselves (a group's first hit may be one of its claims).
    in_groups: dict[str, list[SearchHit]] = defaultdict(list)
    if any(h.group != h.key for h in first.hits) or _may_have_members(first.hits):
        members = search_records(viewer=viewer, q=q, filters=filters, sort=sort,
                                 page_size=MAX_MEMBERS, max_page_size=MAX_MEMBERS,
                                 facets=False, groups=groups)
        for hit in members.hits:
            in_groups[hit.group].append(hit)
    matched = {h.key: h for hits in in_groups.values() for h in hits}
    # Subjects that did not match themselves but whose claims did: shown as headings.
    wanted = [h.group for h in first.hits if h.group != h.key and h.group not in matched]
    fetched = {h.key: h for h in _still_visible(get_backend().fetch(wanted, markings), viewer)}
    out = []
    for hit in first.hits:
        group = hit.group
        head = matched.get(group) or fetched.get(group)
        if head is None:  # the claim's subject is not in the index: it stands on its own
            out.append(ResultGroup(head=hit))
            continue
        listed = [m for m in in_groups.get(group, []) if m.key != group] or (
            [hit] if hit.key != group else [])
        out.append(ResultGroup(head=head, members=listed[:GROUP_MEMBERS_SHOWN],
                               more=max(0, len(listed) - GROUP_MEMBERS_SHOWN),
                               matched=group in matched))
    return GroupedResults(first.count, out, first)


def _may_have_members(hits: list[SearchHit]) -> bool:
    """Whether any hit is a record claims can be about (its claims may match too)."""
    from incidents.provenance.registry import claim_subject_names

    subjects = set(claim_subject_names())
    return any(h.type in subjects for h in hits)


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
