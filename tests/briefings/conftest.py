"""Briefings made in tests: below the index that ``briefing_site_ensure`` keeps in place."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest


def fact(record: Any, figure: str, *, kind: str = "campaign_fact", lead: str = "",
         trail: str = "") -> dict[str, Any]:
    """A fact block's stored value (what the admin's form saves)."""
    return {"type": kind, "id": str(uuid.uuid4()),
            "value": {"record": record.pk, "figure": figure, "lead": lead, "trail": trail}}


def block(kind: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "id": str(uuid.uuid4()), "value": value}


@pytest.fixture
def make_briefing(db) -> Callable[..., Any]:
    """``make_briefing(body=[...], marking="GREEN", publish=True)``: a briefing below the
    index, published (through Wagtail's revision, so its publish signal fires) unless
    told otherwise."""
    from kb.briefings.models import BriefingAuthor, BriefingIndexPage, BriefingPage
    from kb.briefings.site import briefing_site_ensure

    counter = iter(range(1, 10_000))

    def make(*, body: list[dict[str, Any]] | None = None, marking: str = "GREEN",
             publish: bool = True, title: str = "", related: list[Any] | None = None,
             summary: str = "What a reader must know.") -> BriefingPage:
        briefing_site_ensure()
        n = next(counter)
        page = BriefingPage(title=title or f"Briefing {n}",
                            slug=f"briefing-{n}-{uuid.uuid4().hex[:6]}",
                            summary=summary, marking=marking, body=body or [], live=False)
        page.authors.add(BriefingAuthor(name="Analyst", role="Policy team"))
        BriefingIndexPage.objects.get().add_child(instance=page)
        if related:
            page.related_incidents.set(related)
            page.save()
        revision = page.save_revision()
        if publish:
            revision.publish()
            page.refresh_from_db()
        return page

    return make
