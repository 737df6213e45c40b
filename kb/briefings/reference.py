"""The reference briefing on the Alibaba case, loaded with the bundled reference data
(``incidents.signals.reference_data_loaded``) and published, so ``make run`` shows a
briefing whose figures are live and whose citations are issued.

Idempotent: once the briefing exists (by slug) nothing is touched, so a second load
changes nothing and an editor's later revisions are kept.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from incidents.models import Campaign, Coverage, Incident
from kb.briefings.models import BriefingAuthor, BriefingIndexPage, BriefingPage

SLUG = "alibaba-qwen-distillation"


def _block(kind: str, value: Any) -> dict[str, Any]:
    # Stable ids from the block's content, so two loads write the same body.
    return {"type": kind, "value": value,
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{SLUG}:{kind}:{value!r}"))}


def _body(incident: Incident, alibaba: Campaign, february: Campaign | None,
          coverage: Coverage | None) -> list[dict[str, Any]]:
    body = [
        _block("paragraph", "<p>In June 2026 Anthropic told two US senators that operators "
                            "tied to Alibaba and its Qwen lab had pulled Claude's coding, "
                            "agentic-reasoning and long-task skills through fraudulent "
                            "accounts. This note sets out what the record supports, with "
                            "each figure taken live from the knowledge base.</p>"),
        _block("heading", "Scale"),
        _block("campaign_fact", {"record": alibaba.pk, "figure": "exchanges",
                                 "lead": "The campaign made", "trail": "exchanges with Claude."}),
        _block("campaign_fact", {"record": alibaba.pk, "figure": "accounts",
                                 "lead": "It ran them through", "trail": "fraudulent accounts."}),
        _block("incident_card", {"incident": incident.pk}),
        _block("heading", "Sequence of events"),
        _block("timeline", {"title": "", "incident": incident.pk, "start": None, "end": None}),
    ]
    if february is not None:
        body.append(_block("comparison", {
            "title": "Against the February 2026 cluster",
            "campaigns": [{"type": "item", "value": alibaba.pk,
                           "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{SLUG}:a"))},
                          {"type": "item", "value": february.pk,
                           "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{SLUG}:f"))}]}))
    if coverage is not None and coverage.quotes:
        body.append(_block("heading", "How it was reported"))
        body.append(_block("quote", {"coverage": coverage.pk, "number": 1}))
    body.append(_block("paragraph", "<p>Open questions: whether Alibaba answers the "
                                    "allegation, and whether Congress takes up the "
                                    "letter's request for export-control and "
                                    "anti-distillation measures.</p>"))
    return body


def reference_briefing_load(**kwargs: Any) -> Counter[str]:
    """Create and publish the Alibaba briefing if it is missing and the bundled records
    it cites are present. Returns what it created."""
    stats: Counter[str] = Counter()
    if not kwargs.get("bundled", True) or BriefingPage.objects.filter(slug=SLUG).exists():
        return stats
    incident = Incident.objects.filter(slug="alibaba-qwen-2026").first()
    alibaba = Campaign.objects.filter(slug="alibaba-qwen").first()
    index = BriefingIndexPage.objects.first()
    if incident is None or alibaba is None or index is None:
        return stats
    february = Campaign.objects.filter(slug="february-2026-cluster").first()
    coverage = Coverage.objects.filter(incidents=incident).exclude(quotes=[]) \
        .order_by("published_on", "pk").first()
    page = BriefingPage(
        title="The Alibaba / Qwen distillation campaign",
        slug=SLUG,
        summary=("Operators linked to Alibaba's Qwen lab used tens of thousands of fake "
                 "accounts to extract Claude's most valuable skills over six weeks in "
                 "spring 2026: the largest such campaign on record, about 80 % larger "
                 "than the February cluster."),
        marking=incident.marking if incident.marking != "CLEAR" else "GREEN",
        body=_body(incident, alibaba, february, coverage),
    )
    page.authors.add(BriefingAuthor(name="Policy team", role="Reference briefing"))
    index.add_child(instance=page)
    page.related_incidents.set([incident])
    page.save_revision().publish()
    stats["briefing created"] += 1
    return stats
