"""Output of the cross-referencing endpoints: comparison, related campaigns, timeline,
graph. Built from the dataclasses of ``incidents.crossref`` and ``incidents.graph``;
the serializers here document the shapes for the schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from incidents.crossref import Comparison, Pair, Profile, Related, SharedSet
from incidents.graph import Graph
from kb.api.serializers.figures import (
    CountFigureSerializer,
    SourceRefSerializer,
    figure_data,
    source_ref_data,
)

DAYS_HELP = ("Days in the period counting both the first and the last day: 22 April – "
             "5 June 2026 is 45 days. Null while either end is unknown.")


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    start_precision = serializers.CharField()
    end_precision = serializers.CharField()
    days = serializers.IntegerField(allow_null=True, help_text=DAYS_HELP)


class ProfileSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    exchanges = CountFigureSerializer()
    accounts = CountFigureSerializer()
    period = PeriodSerializer()
    exchanges_per_account = serializers.FloatField(
        allow_null=True, help_text="exchanges / accounts (shown values), 4 decimal places."
    )
    exchanges_per_day = serializers.FloatField(
        allow_null=True, help_text="exchanges / period days (inclusive), 4 decimal places."
    )
    capabilities = serializers.ListField(child=serializers.CharField())
    techniques = serializers.ListField(child=serializers.CharField())
    operators = serializers.ListField(child=serializers.CharField())


class SharedSetSerializer(serializers.Serializer):
    shared = serializers.ListField(child=serializers.CharField())
    jaccard = serializers.FloatField(help_text="|a ∩ b| / |a ∪ b|; 0 when both are empty.")


class PairSerializer(serializers.Serializer):
    a = serializers.CharField()
    b = serializers.CharField()
    exchanges_ratio = serializers.FloatField(allow_null=True, help_text="b / a exchanges.")
    accounts_ratio = serializers.FloatField(allow_null=True, help_text="b / a accounts.")
    overlap_days = serializers.IntegerField(
        allow_null=True, help_text="Days both periods cover, both ends included; 0 if "
        "disjoint; null if either period is open."
    )
    capabilities = SharedSetSerializer()
    techniques = SharedSetSerializer()
    actors = SharedSetSerializer(help_text="Shared operators.")


class ComparisonSerializer(serializers.Serializer):
    campaigns = ProfileSerializer(many=True)
    pairs = PairSerializer(many=True, help_text="Every pair (a, b) with a before b in ids.")


class ReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["capabilities", "techniques", "operators", "target", "time", "cluster"]
    )
    score = serializers.FloatField()
    detail = serializers.CharField()
    shared = serializers.ListField(child=serializers.CharField())


class RelatedCampaignSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField(help_text="0 to 1: the sum of the reasons' scores.")
    reasons = ReasonSerializer(many=True)


class RelatedSerializer(serializers.Serializer):
    campaign = serializers.CharField()
    results = RelatedCampaignSerializer(many=True)


class TimelineEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    kind = serializers.CharField()
    date = serializers.DateField()
    precision = serializers.ChoiceField(choices=["day", "month", "year"])
    value = serializers.FloatField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    derived = serializers.BooleanField()
    origin = serializers.CharField(allow_null=True, help_text="<model>:<id> of the record "
                                   "a derived event comes from; null if entered by hand or "
                                   "if that record is not visible to this credential.")
    actors = serializers.ListField(child=serializers.CharField(),
                                   help_text="Slugs of the event's visible actors.")
    sources = SourceRefSerializer(many=True, help_text="Sources of the event's date.")
    conflict = serializers.BooleanField(help_text="Sources disagree about the date.")


class TimelineSerializer(serializers.Serializer):
    incident = serializers.CharField()
    events = TimelineEventSerializer(many=True)


class NodeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="<type>:<slug>")
    type = serializers.ChoiceField(choices=["actor", "incident", "campaign"])
    slug = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    kind = serializers.CharField(allow_blank=True)
    depth = serializers.IntegerField()


class EdgeSerializer(serializers.Serializer):
    id = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    target = serializers.CharField()
    kind = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    precision = serializers.CharField()
    derived = serializers.BooleanField(
        help_text="From the records' structure (parent, operators …), not a relationship row."
    )
    sources = serializers.ListField(child=serializers.CharField())


class GraphSerializer(serializers.Serializer):
    root = serializers.CharField()  # type: ignore[assignment]
    depth = serializers.IntegerField()
    nodes = NodeSerializer(many=True)
    edges = EdgeSerializer(many=True)
    truncated = serializers.BooleanField()


# -- building the data ----------------------------------------------------------------


def _shared(shared: SharedSet) -> dict[str, Any]:
    return {"shared": list(shared.shared), "jaccard": shared.jaccard}


def profile_data(p: Profile) -> dict[str, Any]:
    return {
        "slug": p.slug,
        "name": p.campaign.name,
        "exchanges": figure_data(p.exchanges),
        "accounts": figure_data(p.accounts),
        "period": {
            "start": p.period.start.isoformat() if p.period.start else None,
            "end": p.period.end.isoformat() if p.period.end else None,
            "start_precision": p.period.start_precision,
            "end_precision": p.period.end_precision,
            "days": p.period.days,
        },
        "exchanges_per_account": p.exchanges_per_account,
        "exchanges_per_day": p.exchanges_per_day,
        "capabilities": list(p.capabilities),
        "techniques": list(p.techniques),
        "operators": list(p.operators),
    }


def pair_data(pair: Pair) -> dict[str, Any]:
    return {
        "a": pair.a, "b": pair.b,
        "exchanges_ratio": pair.exchanges_ratio, "accounts_ratio": pair.accounts_ratio,
        "overlap_days": pair.overlap_days,
        "capabilities": _shared(pair.capabilities), "techniques": _shared(pair.techniques),
        "actors": _shared(pair.operators),
    }


def comparison_data(comparison: Comparison) -> dict[str, Any]:
    return {
        "campaigns": [profile_data(p) for p in comparison.campaigns],
        "pairs": [pair_data(p) for p in comparison.pairs],
    }


def related_data(slug: str, related: list[Related]) -> dict[str, Any]:
    return {
        "campaign": slug,
        "results": [
            {
                "slug": r.profile.slug, "name": r.profile.campaign.name, "score": r.score,
                "reasons": [
                    {"kind": x.kind, "score": x.score, "detail": x.detail,
                     "shared": list(x.shared)} for x in r.reasons
                ],
            }
            for r in related
        ],
    }


def timeline_event_data(event: Any, viewer: Any) -> dict[str, Any]:
    """One event as the timeline shows it: its date and value as this reader's figures,
    its visible actors, its origin only when visible (else null)."""
    from django.contrib.contenttypes.models import ContentType

    from incidents.figures import figure
    from incidents.visibility import can_see
    from kb.api.serializers.entities import origin_visible

    date = figure(event, "date")
    value = figure(event, "value").value
    origin = None
    if event.origin_type_id and origin_visible(event, viewer):
        origin = f"{ContentType.objects.get_for_id(event.origin_type_id).model}:{event.origin_id}"
    day = date.value or event.date  # a required date: shown as stored when no claim
    return {
        "id": event.pk, "slug": event.slug, "title": event.title, "kind": event.kind,
        "date": day.isoformat(), "precision": date.qualifier or event.precision,
        "value": float(value) if value is not None else None,
        "unit": event.unit, "description": event.description, "derived": event.is_derived,
        "origin": origin,
        "actors": [a.slug for a in event.actors.all() if can_see(viewer, a)],
        "sources": [source_ref_data(ref) for ref in date.sources], "conflict": date.conflict,
    }


def graph_data(graph: Graph) -> dict[str, Any]:
    return {
        "root": graph.root, "depth": graph.depth, "truncated": graph.truncated,
        "nodes": [vars(n) for n in graph.nodes],
        "edges": [
            {**vars(e), "start": e.start.isoformat() if e.start else None,
             "end": e.end.isoformat() if e.end else None}
            for e in graph.edges
        ],
    }
