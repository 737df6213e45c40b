"""Provenance endpoints: reviewing claims, conflicts between sources, derived-statement
checks and fact-drift alerts.

* ``POST /claims/{id}/accept/``, ``POST /claims/{id}/reject/`` and ``POST /claims/review/``
  (many at once) — ``incidents.services.review.claims_review``: one transaction, a
  compare-and-swap on the claim's status, figures refreshed at once.
* ``GET /conflicts/`` — values that cannot all be true, each side with its sources.
* ``GET /derived-checks/`` — derived statements judged against their figures.
* ``GET /alerts/``, ``POST /alerts/{id}/acknowledge/`` — cited figures that changed after
  the citing document was issued.

Views stay thin: reads through ``incidents.provenance.selectors``, writes through the
services; serializers in ``kb.api.serializers.provenance``, the permission in
``kb.api.permissions``; authentication, pagination, throttling and the error shape are
the API's. Routes are registered in ``kb.api.urls``.
"""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.models import AlertStatus, Claim, ClaimStatus, FactAlert, Incident
from incidents.provenance.selectors import (
    alert_list,
    claims_visible,
    conflict_list,
    derived_checks,
    figure_campaigns,
)
from incidents.selectors import visible
from incidents.services.citations import alerts_acknowledge
from incidents.services.review import claims_review
from kb.api.authentication import viewer_of
from kb.api.exceptions import Conflict
from kb.api.permissions import ChangePermission
from kb.api.serializers.claims import ClaimSerializer, visible_subject
from kb.api.serializers.provenance import (
    AcknowledgeSerializer,
    AlertSerializer,
    BulkReviewResultSerializer,
    BulkReviewSerializer,
    ConflictQuerySerializer,
    ConflictSerializer,
    DerivedCheckQuerySerializer,
    DerivedCheckSerializer,
    ReviewSerializer,
)
from kb.api.views.base import ID_REGEX, NoNulQueryMixin, check_if_match, etag_of
from kb.api.views.entities import ClaimViewSet

RENDERERS = [JSONRenderer, BrowsableAPIRenderer]


class MethodCheckedFirst:
    """A method a route does not offer is a 405 before any check of the request."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method not in self.allowed_methods:  # type: ignore[attr-defined]
            raise MethodNotAllowed(request.method or "")
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


# -- claims: accept and reject ----------------------------------------------------------------


class ClaimReviewViewSet(MethodCheckedFirst, ClaimViewSet):
    """The claims endpoint's review actions (rows, visibility and representation are
    those of ``/claims/``)."""

    change_model = "claim"
    renderer_classes = RENDERERS

    def get_permissions(self) -> list[Any]:
        return [ChangePermission()]

    def _decide(self, request: Request, status: str) -> Response:
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            claim = self.locked_object()
            check_if_match(request, self.current_etag(claim))
            expected = body.validated_data.get("expected_status", claim.status)
            if claim.status == status:
                raise Conflict(f"The claim is already {status}.")
            if claim.status != expected:
                raise Conflict(f"The claim is {claim.status}, not {expected}: someone "
                               "reviewed it since you read it.")
            result = claims_review(claim_ids=[claim.pk], status=status, user=request.user,
                                   expected_status=expected, viewer=viewer_of(request),
                                   note=body.validated_data.get("note", ""))
            if not result.reviewed:
                raise Conflict("The claim changed during the review; reload it.")
        return self.object_response(self.reload(claim))

    @extend_schema(request=ReviewSerializer, responses={200: ClaimSerializer},
                   summary="Accept a claim",
                   description="Accept the claim: its field's shown value, conflicts and "
                   "fact-drift alerts update in the same transaction. 409 if the claim is "
                   "already accepted or not in `expected_status`.")
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, ClaimStatus.ACCEPTED)

    @extend_schema(request=ReviewSerializer, responses={200: ClaimSerializer},
                   summary="Reject a claim",
                   description="Reject the claim (pending, or accepted earlier). 409 if it is "
                   "already rejected or not in `expected_status`.")
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, ClaimStatus.REJECTED)

    @extend_schema(request=BulkReviewSerializer, responses={200: BulkReviewResultSerializer},
                   summary="Accept or reject many claims",
                   description="One transaction; claims not visible or no longer in "
                   "`expected_status` are skipped and listed.")
    @action(detail=False, methods=["post"])
    def review(self, request: Request) -> Response:
        body = BulkReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        result = claims_review(claim_ids=data["ids"], status=data["status"],
                               user=request.user, expected_status=data["expected_status"],
                               note=data.get("note", ""), viewer=viewer_of(request))
        return Response({"status": result.status, "reviewed": result.reviewed,
                         "skipped": result.skipped, "changed": result.changed})


# -- conflicts and derived checks -------------------------------------------------------------


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    query = serializer_class(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _subject(key: str, viewer: Any) -> Any:
    return visible_subject(key, viewer)


class ConflictListView(MethodCheckedFirst, NoNulQueryMixin, generics.ListAPIView):
    """Conflicts among accepted claims: values for the same record and field that cannot
    all be true, and derived statements the figures rule out. The first side is the
    consensus; each side lists its sources with their grade and quoted span."""

    serializer_class = ConflictSerializer
    renderer_classes = RENDERERS
    filter_backends: list[Any] = []
    queryset = Claim.objects.none()  # rows come from conflict_list, not a queryset

    @extend_schema(parameters=[ConflictQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        viewer = viewer_of(request)
        query = _query(ConflictQuerySerializer, request)
        incident = subject = None
        if query.get("incident"):
            incident = visible(Incident.objects.all(), viewer).filter(
                slug=query["incident"]).first()
        if query.get("subject"):
            subject = _subject(query["subject"], viewer)
        missing = (query.get("incident") and incident is None) or (
            query.get("subject") and subject is None)
        # A filter naming no visible record matches nothing (as the other lists do).
        conflicts = [] if missing else conflict_list(
            viewer=viewer, incident=incident, subject=subject, field=query.get("field"),
            kind=query.get("kind"))
        page = self.paginate_queryset(conflicts)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class DerivedCheckListView(MethodCheckedFirst, NoNulQueryMixin, generics.ListAPIView):
    """Derived statements ("45 days", "80 % larger") on campaigns, each judged against
    the arithmetic of the shown figures it derives from."""

    serializer_class = DerivedCheckSerializer
    renderer_classes = RENDERERS
    filter_backends: list[Any] = []
    queryset = Claim.objects.none()  # rows come from derived_checks, not a queryset

    @extend_schema(parameters=[DerivedCheckQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from django.contrib.contenttypes.prefetch import GenericPrefetch

        viewer = viewer_of(request)
        query = _query(DerivedCheckQuerySerializer, request)
        claims = claims_visible(viewer).filter(
            content_type__model="campaign", kind="derived", status=query["status"])
        if query.get("campaign"):
            claims = claims.filter(campaign__slug=query["campaign"])
        claims = claims.prefetch_related(
            GenericPrefetch("subject", [figure_campaigns(viewer)])
        ).order_by("object_id", "field", "id")
        checks = derived_checks(viewer=viewer, claims=[c for c in claims if c.subject])
        rows = [checks[pk] for pk in sorted(checks, key=lambda pk: (
            checks[pk].claim.object_id, checks[pk].field, pk))]
        if query.get("verdict"):
            rows = [c for c in rows if c.verdict.value == query["verdict"]]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# -- fact-drift alerts ---------------------------------------------------------------------------


class AlertFilter(df.FilterSet):
    status = df.ChoiceFilter(choices=AlertStatus.choices)

    class Meta:
        model = FactAlert
        fields = ["status"]


class AlertViewSet(MethodCheckedFirst, NoNulQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Fact-drift alerts: a figure cited by an issued letter or briefing changed since.
    Newest first; ``?status=open`` for the ones still to look at."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    renderer_classes = RENDERERS
    ordering_fields = ["created_at", "status"]
    search_fields: list[str] = []
    lookup_value_regex = ID_REGEX
    change_model = "factalert"
    queryset = FactAlert.objects.none()  # permissions read the model; rows: get_queryset

    def get_permissions(self) -> list[Any]:
        return [ChangePermission()]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return FactAlert.objects.none()
        return alert_list(viewer=viewer_of(self.request))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(self.get_object()).data
        response = Response(data)
        response["ETag"] = etag_of(data)
        return response

    @extend_schema(request=AcknowledgeSerializer,
        responses={200: AlertSerializer}, summary="Acknowledge an alert",
        description="Mark an open alert as seen. 409 if it is no longer open.")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        body = AcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = body.validated_data.get("note", "")
        alert = self.get_object()
        if not alerts_acknowledge(alert_ids=[alert.pk], user=request.user, note=note):
            raise Conflict(f"The alert is {alert.status}, not open.")
        return Response(self.get_serializer(self.get_queryset().get(pk=alert.pk)).data)


