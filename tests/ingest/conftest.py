"""Ingest fixtures: a small world (an outlet, a lab, a rival operating a campaign of an
incident) made with factories, the hand-written HTML article about it, a fake extractor
for tests about storage, and a count of every table ingesting writes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from incidents.ingest.types import Extraction
from incidents.models import Claim, Coverage, Source
from incidents.models.ingest import IngestJob
from tests import factories as f

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
ARTICLE_URL = "https://www.tidewater-ledger.example/tech/harbour-lab-exchanges"


@pytest.fixture
def article_html() -> str:
    return (DATA / "html" / "harbour-lab.html").read_text(encoding="utf-8")


@pytest.fixture
def ingest_world(db):
    w = SimpleNamespace()
    w.outlet = f.ActorFactory(slug="tidewater-ledger", name="Tidewater Ledger",
                              kind="media_outlet", region="Europe", language="en",
                              marking="GREEN")
    w.lab = f.ActorFactory(slug="harbour-lab", name="Harbour Lab", kind="ai_lab",
                           marking="GREEN")
    w.rival = f.ActorFactory(slug="coral-systems", name="Coral Systems", kind="ai_lab",
                             marking="GREEN")
    w.incident = f.IncidentFactory(slug="harbour-case", title="Harbour Lab case",
                                   target_provider=w.lab, marking="GREEN")
    w.campaign = f.CampaignFactory(slug="coral-campaign", name="Coral campaign",
                                   incident=w.incident, operators=[w.rival], marking="GREEN")
    w.hidden = f.IncidentFactory(slug="hidden-case", title="Hidden case", marking="RED")
    return w


def table_counts() -> dict[str, int]:
    """Rows of every table ingesting writes to."""
    return {
        "sources": Source.objects.count(),
        "coverage": Coverage.objects.count(),
        "coverage_incidents": Coverage.incidents.through.objects.count(),
        "claims": Claim.objects.count(),
        "jobs": IngestJob.objects.count(),
    }


def fake_extractions(text: str) -> list[Extraction]:
    """Hand-made extractions at real offsets of ``text``: a quote, a known actor and
    an unknown organisation."""
    found = []
    for kind, words, value, unit in [
        ("quote", "We saw the same prompts", "We saw the same prompts", ""),
        ("actor", "Harbour Lab", "harbour-lab", ""),
        ("actor", "Northwind Analytics", "Northwind Analytics", "candidate"),
    ]:
        start = text.find(words)
        if start >= 0:
            found.append(Extraction(kind=kind, value=value, text=words, start=start,  # type: ignore[arg-type]
                                    end=start + len(words), unit=unit))
    return found


@pytest.fixture
def fake_extract(monkeypatch):
    """Replace the extractor with ``fake_extractions`` (storage tests only)."""
    from incidents.ingest import pipeline

    calls: list[str] = []

    def fake(text, actors, *, reference_date=None):
        calls.append(text)
        return fake_extractions(text)

    monkeypatch.setattr(pipeline, "extract", fake)
    return calls
