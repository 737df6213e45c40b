"""Cross-referencing: compare campaigns, rank related ones, an incident's timeline, and
the graph around a record. The computations live in ``incidents.crossref`` and
``incidents.graph``; these views parse parameters and shape the answer."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import crossref, selectors
from incidents import graph as graph_module
from incidents.models import Actor
from incidents.selectors import visible
from kb.api.authentication import viewer_of
from kb.api.parsers import PARSER_CLASSES
from kb.api.serializers import crossref as out
from kb.api.serializers.entities import origins_attach
from kb.api.views.base import RequestGuardMixin

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")

IDS_PARAMETER = OpenApiParameter(
    "ids", {"type": "array", "minItems": crossref.MIN_COMPARED,
            "maxItems": crossref.MAX_COMPARED, "uniqueItems": True,
            "items": {"type": "string", "pattern": SLUG_RE.pattern}},
    OpenApiParameter.QUERY, required=True, style="form", explode=False,
    description="Comma-separated slugs of 2 to 10 different campaigns, e.g. "
    "february-2026-cluster,alibaba-qwen. Ratios in pairs are b / a in this order.",
)


def parse_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ValidationError({name: f"A whole number from {low} to {high}."})
    return value


class CampaignCrossrefMixin:
    """``compare`` and ``related`` on the campaign endpoints."""

    get_object: Any

    @extend_schema(
        summary="Compare campaigns side by side",
        description="Figures with sources, periods (days counted inclusively: 22 April – "
        "5 June 2026 is 45 days), exchanges per account and per day for each campaign; "
        "ratios (b / a), days of overlap and shared capabilities, techniques and actors "
        "with their Jaccard similarity for each pair. Two to ten campaigns, each once: "
        "anything else is a 400 that says why; an unknown or invisible campaign is a 404.",
        parameters=[IDS_PARAMETER],
        responses={200: out.ComparisonSerializer},
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def compare(self, request: Request) -> Response:
        slugs = [s.strip() for raw in request.query_params.getlist("ids")
                 for s in raw.split(",") if s.strip()]
        if not slugs:
            raise ValidationError({"ids": "Required: 2 to 10 comma-separated campaign slugs."})
        malformed = [s for s in slugs if not SLUG_RE.match(s)]
        if malformed:
            raise ValidationError({"ids": f"Not a slug: {', '.join(malformed)}."})
        try:
            crossref.check_selection(slugs)
        except crossref.CompareError as exc:
            raise ValidationError({"ids": str(exc)}) from None
        found = {c.slug: c for c in selectors.campaign_list(viewer=viewer_of(request))
                 .filter(slug__in=slugs)}
        missing = [s for s in slugs if s not in found]
        if missing:
            raise NotFound(f"No visible campaign: {', '.join(missing)}.")
        comparison = crossref.compare([found[s] for s in slugs], viewer=viewer_of(request))
        return Response(out.comparison_data(comparison))

    @extend_schema(
        summary="Campaigns like this one",
        description="Other visible campaigns ranked by similarity (shared capabilities, "
        "techniques and operators, same target provider, closeness in time, same cluster), "
        "each with the reasons and what each adds to the score. Only what this credential "
        "may see counts: shared lists name visible records, the target and cluster "
        "reasons need a visible provider and cluster.",
        parameters=[OpenApiParameter("limit", {"type": "integer", "minimum": 1,
                                               "maximum": 50},
                                     OpenApiParameter.QUERY, description="At most this many "
                                     "(default 10).")],
        responses={200: out.RelatedSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def related(self, request: Request, **kwargs: Any) -> Response:
        limit = parse_int(request, "limit", 10, 1, 50)
        campaign = self.get_object()
        viewer = viewer_of(request)
        candidates = selectors.campaign_list(viewer=viewer).select_related(
            "incident__target_provider", "parent__incident__target_provider"
        ).prefetch_related(
            selectors.accepted_claims_prefetch(viewer, "incident__claims"),
            selectors.accepted_claims_prefetch(viewer, "parent__incident__claims"),
        )
        ranked = crossref.related(campaign, candidates, limit=limit, viewer=viewer)
        return Response(out.related_data(campaign.slug, ranked))


class IncidentTimelineMixin:
    """``timeline`` on the incident endpoints."""

    get_object: Any

    @extend_schema(
        summary="An incident's timeline",
        description="Visible events in date order: entered ones and those derived from "
        "campaign periods, letters and coverage, each with its date precision (day, month, "
        "year) and the sources of its date.",
        responses={200: out.TimelineSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request: Request, **kwargs: Any) -> Response:
        incident = self.get_object()
        viewer = viewer_of(request)
        events = list(selectors.incident_events(viewer=viewer, incident=incident)
                      .prefetch_related(Prefetch("actors", queryset=visible(
                          Actor.objects.all(), viewer))))
        origins_attach(events, viewer)
        return Response({
            "incident": incident.slug,
            "events": [out.timeline_event_data(e, viewer) for e in events],
        })


class GraphView(RequestGuardMixin, APIView):
    """Nodes and typed, dated edges around an actor, incident or campaign."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    parser_classes = PARSER_CLASSES

    @extend_schema(
        summary="The graph around a record",
        description="Breadth-first from root: actors, incidents and campaigns within depth "
        "steps, with typed, dated edges (recorded relationships with their sources, and "
        f"edges derived from the records' structure). At most {graph_module.MAX_NODES} "
        "nodes. A malformed root or depth is a 400; an unknown root a 404.",
        parameters=[
            OpenApiParameter("root", {"type": "string", "pattern":
                                      r"^(actor|incident|campaign):[-a-zA-Z0-9_]+$"},
                             OpenApiParameter.QUERY, required=True,
                             description="<type>:<slug>, e.g. actor:alibaba."),
            OpenApiParameter("depth", {"type": "integer", "minimum": 1,
                                       "maximum": graph_module.MAX_DEPTH},
                             OpenApiParameter.QUERY, description="Steps from the root "
                             "(default 2)."),
        ],
        responses={200: out.GraphSerializer},
    )
    def get(self, request: Request) -> Response:
        root = request.query_params.get("root", "")
        depth = parse_int(request, "depth", 2, 1, graph_module.MAX_DEPTH)
        if not re.match(r"^(actor|incident|campaign):[-a-zA-Z0-9_]+$", root):
            raise ValidationError({"root": "Required: <type>:<slug> with type actor, incident "
                                   "or campaign, e.g. actor:alibaba."})
        try:
            result = graph_module.graph(viewer=viewer_of(request), root=root, depth=depth)
        except graph_module.GraphError as exc:
            raise ValidationError({"root": str(exc)}) from None
        except graph_module.RootNotFound as exc:
            raise NotFound(str(exc)) from None
        return Response(out.graph_data(result))

