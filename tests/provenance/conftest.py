"""Fixtures for provenance tests: claim helpers on top of the reference data."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.models import Campaign, Source
from incidents.services.claims import claim_upsert


@pytest.fixture
def alibaba(reference_data) -> Campaign:
    return Campaign.objects.get(slug="alibaba-qwen")


@pytest.fixture
def make_source(db):
    def make(key: str = "extra-source", reliability: str = "C", text: str = "") -> Source:
        source, _ = Source.objects.get_or_create(
            key=key, defaults={"title": f"Source {key}", "reliability": reliability,
                               "text": text},
        )
        return source

    return make


@pytest.fixture
def add_claim(make_source):
    """Add a claim through the service (accepted unless told otherwise)."""

    def add(subject: Any, field: str, value: Any, *, source: Source | None = None,
            status: str = "accepted", **kwargs: Any):
        claim, _ = claim_upsert(subject=subject, field=field, value=value,
                                source=source or make_source(), status=status, **kwargs)
        return claim

    return add


@pytest.fixture
def reference_data(reference_data):
    """The reference data with the reference briefing's citations withdrawn: these tests
    watch the citations of letters they make, and the briefing on the Alibaba case cites
    the same figures (its own drift alerts are tested in ``tests/briefings``)."""
    from kb.briefings.models import BriefingPage
    from kb.briefings.services import briefing_citations_withdraw

    for briefing in BriefingPage.objects.all():
        briefing_citations_withdraw(page=briefing)
    return reference_data
