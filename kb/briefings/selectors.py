"""Reads of briefings, shared by the index page, search and the admin's clearance hooks."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from kb.briefings.models import BriefingAuthor, BriefingPage


def briefing_list(*, viewer: Any, parent: Any = None) -> QuerySet[BriefingPage]:
    """Live briefings ``viewer`` may see (by their marking), with their authors; below
    ``parent`` when given."""
    rows = BriefingPage.objects.live().visible_to(viewer)  # type: ignore[attr-defined]
    if parent is not None:
        rows = rows.child_of(parent)
    return rows.prefetch_related(
        Prefetch("authors", queryset=BriefingAuthor.objects.order_by("sort_order")))
