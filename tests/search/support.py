"""Helpers of the search tests: all pages of a query, and ground truth from the database."""

from __future__ import annotations

import re

from kb.search import documents as search_documents
from kb.search.selectors import search_records


def search_all(viewer, q, **kwargs):
    """Every hit of a query (all pages) and the first page's results object."""
    first = search_records(viewer=viewer, q=q, page_size=100, **kwargs)
    hits = list(first.hits)
    page = 2
    while len(hits) < first.count:
        more = search_records(viewer=viewer, q=q, page=page, page_size=100, **kwargs)
        assert more.hits, "a page ran out before the count"
        hits += more.hits
        page += 1
    return first, hits


def documents_by_key(keys):
    """The documents the database holds now for ``keys`` ("<source>:<pk>")."""
    wanted: dict[str, list[int]] = {}
    for key in keys:
        source, _, pk = key.partition(":")
        wanted.setdefault(source, []).append(int(pk))
    out = {}
    for source, ids in wanted.items():
        docs, _ = search_documents.documents_for(source, ids)
        out.update({d.key: d for d in docs})
    return out


def all_documents():
    return list(search_documents.iter_all_documents())


def contains_word(doc, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", doc.all_text, re.IGNORECASE) is not None
