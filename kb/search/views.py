"""The site's search page: a query box, facet filters and highlighted results, each
claim listed under its subject. Thin: ``selectors.search_grouped`` searches (within the
user's clearance); this shapes links."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from kb.search.backends.base import SortOrder
from kb.search.documents import FACETS
from kb.search.highlight import highlight_html
from kb.search.selectors import MAX_PAGE, search_grouped

PAGE_SIZE = 20
FACET_LABELS = {"type": "Type", "actor": "Actor", "year": "Year", "region": "Region",
                "lens": "Editorial lens"}
TYPE_LABELS = {"incident": "Incident", "campaign": "Campaign", "actor": "Actor",
               "letter": "Letter", "coverage": "Coverage", "event": "Event",
               "source": "Source", "claim": "Claim", "briefing": "Briefing"}


def _type_label(doc_type: str) -> str:
    return TYPE_LABELS.get(doc_type, doc_type.replace("_", " ").capitalize())


def _clean(value: str) -> str:
    return value.replace("\x00", "").strip()


def _link(params: QueryDict, **changes: Any) -> str:
    """The current query string with ``changes`` (None removes a key; a list replaces)."""
    query = params.copy()
    query.pop("page", None)
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        elif isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = str(value)
    return "?" + query.urlencode()


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    params = request.GET
    q = _clean(params.get("q", ""))[:500]
    filters = {name: [_clean(v) for v in params.getlist(name) if _clean(v)] for name in FACETS}
    sort: SortOrder = "date" if params.get("sort") == "date" else "relevance"
    try:
        page = min(max(1, int(params.get("page", "1"))), MAX_PAGE)
    except ValueError:
        page = 1
    grouped = search_grouped(viewer=request.user, q=q, filters=filters, sort=sort, page=page,
                             page_size=PAGE_SIZE)
    results = grouped.results
    facets = []
    for name, values in results.facets.items():
        chosen = filters.get(name, [])
        options = []
        for v in values:
            selected = v.value in chosen
            others = [c for c in chosen if c != v.value]
            options.append({
                "value": v.value, "count": v.count, "selected": selected,
                "label": _type_label(v.value) if name == "type" else v.value,
                "url": _link(params, **{name: others if selected else [*chosen, v.value]}),
            })
        if options:
            facets.append({"name": name, "label": FACET_LABELS[name], "options": options,
                           "active": bool(chosen)})
    last_page = max(1, -(-grouped.count // PAGE_SIZE))
    page_query = params.copy()
    context = {
        "q": q,
        "sort": sort,
        "results": results,
        "count": grouped.count,
        "groups": [
            {"head": g.head, "type_label": _type_label(g.head.type), "matched": g.matched,
             "highlight": highlight_html(g.head.highlight) if g.matched else "",
             "members": [{"hit": m, "highlight": highlight_html(m.highlight)}
                         for m in g.members],
             "more": g.more}
            for g in grouped.groups
        ],
        "facets": facets,
        "active_filters": [
            {"name": name, "value": value,
             "label": _type_label(value) if name == "type" else value,
             "url": _link(params, **{name: [v for v in chosen if v != value]})}
            for name, chosen in filters.items() for value in chosen
        ],
        "sort_links": {"relevance": _link(params, sort=None), "date": _link(params, sort="date")},
        "page": page,
        "last_page": last_page,
        "previous_url": _page_link(page_query, page - 1) if page > 1 else "",
        "next_url": _page_link(page_query, page + 1) if page < last_page else "",
        "searched": bool(q or any(filters.values())),
    }
    return render(request, "search/search.html", context)


def _page_link(params: QueryDict, page: int) -> str:
    query = params.copy()
    query["page"] = str(page)
    return "?" + query.urlencode()
