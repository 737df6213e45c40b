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
services; authentication, pagination, throttling and the error shape are the API's.
"""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db import transaction
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.models import AlertStatus, Claim, ClaimStatus, FactAlert, Incident
from incidents.provenance.conflicts import Conflict as ConflictRecord
from incidents.provenance.conflicts import ConflictKind
from incidents.provenance.derived import DerivedCheck
from incidents.provenance.display import describe_value
from incidents.provenance.fields import FIELDS
from incidents.provenance.selectors import (
    alert_list,
    claims_visible,
    conflict_list,
    derived_checks,
    figure_campaigns,
    subject_key,
)
from incidents.selectors import visible
from incidents.services.citations import alerts_acknowledge
from incidents.services.review import claims_review
from kb.api.authentication import viewer_of
from kb.api.exceptions import Conflict
from kb.api.models import ApiToken
from kb.api.serializers.claims import SUBJECT_MODELS, ClaimSerializer, subject_lookup
from kb.api.views.base import ID_REGEX, NoNulQueryMixin, check_if_match, etag_of
from kb.api.views.entities import ClaimViewSet

RENDERERS = [JSONRenderer, BrowsableAPIRenderer]


class MethodCheckedFirst:
    """A method a route does not offer is a 405 before any check of the request."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method not in self.allowed_methods:  # type: ignore[attr-defined]
            raise MethodNotAllowed(request.method or "")
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class ChangePermission(permissions.BasePermission):
    """Reads with any credential; these writes change records, so they need a
    write-scoped token (or a session) and the model's *change* permission."""

    message = "This credential may read but not write."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # 401: the token authenticator sends a challenge
        if request.method in permissions.SAFE_METHODS:
            return True
        if isinstance(request.auth, ApiToken) and not request.auth.can_write:
            self.message = "This token is read-scoped; writing needs a write-scoped token."
            return False
        perm = f"incidents.change_{view.change_model}"
        if not request.user.has_perm(perm):
            self.message = f"You lack the permission {perm!r}."
            return False
        return True


# -- serializers -----------------------------------------------------------------------------


class TextField(serializers.CharField):
    """Text that must arrive as a JSON string (no numbers coerced) without NUL."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError("Must be a string.")
        if "\x00" in data:
            raise serializers.ValidationError("May not contain NUL characters.")
        return super().to_internal_value(data)


class ReviewSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, max_length=2000,
                     help_text="Why; appended to the claim's note.")
    expected_status = serializers.ChoiceField(
        choices=ClaimStatus.choices, required=False,
        help_text="The status you saw; the review fails with 409 if it changed since. "
        "Defaults to the claim's current status.",
    )


class BulkReviewSerializer(ReviewSerializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62),
                                min_length=1, max_length=500,
                                help_text="Ids of the claims to review.")
    status = serializers.ChoiceField(choices=[ClaimStatus.ACCEPTED, ClaimStatus.REJECTED])
    expected_status = serializers.ChoiceField(  # type: ignore[assignment]
        choices=ClaimStatus.choices, default=ClaimStatus.PENDING,
        help_text="Only claims still in this status change (compare-and-swap); "
        "the others are listed as skipped.",
    )


class BulkReviewResultSerializer(serializers.Serializer):
    status = serializers.CharField()
    reviewed = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.ListField(child=serializers.IntegerField(),
                                    help_text="Not found, not visible, or not in the "
                                    "expected status.")
    changed = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                    help_text="Shown values that changed, per record.")


class ClaimSourceSerializer(serializers.Serializer):
    """One claim on a side: its source (named as figures name theirs), the source's
    grade, the claim's credibility, the quoted span and the value as the source states it."""

    claim_id = serializers.IntegerField()
    key = serializers.CharField(source="source_key", help_text="The source's stable key.")
    title = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    reliability = serializers.CharField(help_text="Admiralty source reliability, A–F.")
    credibility = serializers.IntegerField(help_text="Admiralty claim credibility, 1–6.")
    quote = serializers.CharField(allow_blank=True, help_text="The quoted span.")
    value = serializers.JSONField()
    qualifier = serializers.CharField()


class ConflictSideSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["statement", "figures"])
    value = serializers.JSONField()
    detail = serializers.CharField(allow_blank=True)
    display = serializers.CharField()
    weight = serializers.IntegerField()
    description = serializers.CharField(allow_blank=True)
    sources = ClaimSourceSerializer(many=True)


class ConflictSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=[k.value for k in ConflictKind])
    subject = serializers.CharField(source="subject_key")
    subject_label = serializers.SerializerMethodField()
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    explanation = serializers.CharField()
    sides = serializers.SerializerMethodField()

    def get_subject_label(self, conflict: ConflictRecord) -> str:
        return str(conflict.subject)

    @extend_schema_field(ConflictSideSerializer(many=True))
    def get_sides(self, conflict: ConflictRecord) -> list[dict[str, Any]]:
        kind = _field_kind(conflict.subject._meta.model_name, conflict.field)
        sides = []
        for side in conflict.sides:
            display = side.description if side.role == "figures" else describe_value(
                kind, side.value, side.detail, side.detail)
            sides.append({
                "role": side.role, "value": side.value, "detail": side.detail,
                "display": display, "weight": side.weight,
                "description": side.description,
                "sources": ClaimSourceSerializer(side.sources, many=True).data,
            })
        return sides


def _field_kind(model_name: str | None, field: str) -> str:
    spec = FIELDS.get(model_name or "", {}).get(field)
    return spec.kind if spec else "text"


def _field_label(model_name: str | None, field: str) -> str:
    spec = FIELDS.get(model_name or "", {}).get(field)
    return (spec.label or field) if spec else field


class RangeSerializer(serializers.Serializer):
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True,
                                  help_text="null when unbounded (a figure of zero below)")


class ReadingSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.FloatField()
    formula = serializers.CharField()


class InputSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.JSONField()
    detail = serializers.CharField(allow_blank=True)
    sources = ClaimSourceSerializer(many=True)


def _number(value: Any) -> float | None:
    return None if value is None or value.is_infinite() else float(value)


class DerivedCheckSerializer(serializers.Serializer):
    claim = serializers.IntegerField(source="claim.pk")
    subject = serializers.SerializerMethodField()
    field = serializers.CharField()
    status = serializers.CharField(source="claim.status")
    value = serializers.JSONField(source="claim.value")
    qualifier = serializers.CharField(source="claim.qualifier")
    display = serializers.SerializerMethodField()
    source = serializers.CharField(source="claim.source.key")  # type: ignore[assignment]
    quote = serializers.CharField(source="claim.quote")
    verdict = serializers.ChoiceField(
        choices=["consistent", "within_uncertainty", "inconsistent", "unknown"],
        source="verdict.value",
        help_text="consistent: a reading of the arithmetic falls in the statement's "
        "tolerance; within_uncertainty: only the figures' own looseness allows it; "
        "inconsistent: it cannot be true with the figures (a conflict).")
    verdict_label = serializers.CharField(source="verdict.label")
    explanation = serializers.CharField()
    stated = serializers.SerializerMethodField()
    allowed = serializers.SerializerMethodField()
    reading = serializers.SerializerMethodField()
    inputs = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_subject(self, check: DerivedCheck) -> str:
        return f"campaign:{check.claim.subject.slug}" if check.claim.subject else ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_display(self, check: DerivedCheck) -> str:
        return describe_value(_field_kind("campaign", check.field), check.claim.value,
                              check.claim.qualifier)

    @extend_schema_field(RangeSerializer)
    def get_stated(self, check: DerivedCheck) -> dict[str, float | None]:
        return {"low": _number(check.stated.low), "high": _number(check.stated.high)}

    @extend_schema_field(RangeSerializer(allow_null=True))
    def get_allowed(self, check: DerivedCheck) -> dict[str, float | None] | None:
        if check.computation is None:
            return None
        return {"low": _number(check.computation.low), "high": _number(check.computation.high)}

    @extend_schema_field(ReadingSerializer(allow_null=True))
    def get_reading(self, check: DerivedCheck) -> dict[str, Any] | None:
        if check.reading is None:
            return None
        return {"label": check.reading.label, "value": float(check.reading.value),
                "formula": check.reading.formula}

    @extend_schema_field(InputSerializer(many=True))
    def get_inputs(self, check: DerivedCheck) -> list[dict[str, Any]]:
        return [{"name": i.name, "label": i.label, "value": i.value, "detail": i.detail,
                 "sources": ClaimSourceSerializer(i.sources, many=True).data}
                for i in check.inputs]


class AlertValueSerializer(serializers.Serializer):
    value = serializers.JSONField()
    detail = serializers.CharField(allow_blank=True, help_text="Qualifier or date precision.")
    display = serializers.CharField()


class AlertSerializer(serializers.ModelSerializer):
    document = serializers.SerializerMethodField()
    figure = serializers.SerializerMethodField()
    cited = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField()
    issued_at = serializers.DateTimeField(source="citation.issued_at")
    acknowledged_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True)

    class Meta:
        model = FactAlert
        fields = ["id", "status", "document", "figure", "cited", "current", "still_holds",
                  "issued_at", "created_at", "acknowledged_by", "acknowledged_at", "note",
                  "marking"]
        read_only_fields = fields

    @extend_schema_field(inline_serializer("AlertDocument", {
        "type": serializers.CharField(), "key": serializers.CharField(),
        "title": serializers.CharField()}))
    def get_document(self, alert: FactAlert) -> dict[str, str]:
        document = alert.citation.document
        return {"type": alert.citation.document_type.model,
                "key": subject_key(document) if document is not None else "",
                "title": str(document) if document is not None else ""}

    @extend_schema_field(inline_serializer("AlertFigure", {
        "subject": serializers.CharField(), "subject_label": serializers.CharField(),
        "field": serializers.CharField(), "label": serializers.CharField()}))
    def get_figure(self, alert: FactAlert) -> dict[str, str]:
        subject = alert.citation.subject
        model_name = alert.citation.subject_type.model
        return {"subject": subject_key(subject) if subject is not None else "",
                "subject_label": str(subject) if subject is not None else "",
                "field": alert.citation.field,
                "label": _field_label(model_name, alert.citation.field)}

    def _value(self, alert: FactAlert, value: Any, detail: str) -> dict[str, Any]:
        kind = _field_kind(alert.citation.subject_type.model, alert.citation.field)
        return {"value": value, "detail": detail,
                "display": describe_value(kind, value, detail, detail)}

    @extend_schema_field(AlertValueSerializer)
    def get_cited(self, alert: FactAlert) -> dict[str, Any]:
        return self._value(alert, alert.cited_value, alert.cited_detail)

    @extend_schema_field(AlertValueSerializer)
    def get_current(self, alert: FactAlert) -> dict[str, Any]:
        return self._value(alert, alert.current_value, alert.current_detail)


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


class ConflictQuerySerializer(serializers.Serializer):
    incident = serializers.SlugField(required=False, help_text="Slug of an incident.")
    subject = serializers.RegexField(
        r"^(" + "|".join(SUBJECT_MODELS) + r"):[-a-zA-Z0-9_]+\Z", required=False,
        max_length=140, help_text="One record: <model>:<slug or id>.")
    field = serializers.SlugField(required=False, max_length=64)
    kind = serializers.ChoiceField(choices=[k.value for k in ConflictKind], required=False)


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    query = serializer_class(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _subject(key: str, viewer: Any) -> Any:
    model_name, _, slug = key.partition(":")
    model = SUBJECT_MODELS[model_name]
    return subject_lookup(visible(model._default_manager.all(), viewer), slug).first()


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


class DerivedCheckQuerySerializer(serializers.Serializer):
    campaign = serializers.SlugField(required=False, help_text="Slug of a campaign.")
    status = serializers.ChoiceField(choices=ClaimStatus.choices, default=ClaimStatus.ACCEPTED)
    verdict = serializers.ChoiceField(
        choices=["consistent", "within_uncertainty", "inconsistent", "unknown"],
        required=False)


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


class AcknowledgeSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, max_length=2000,
                     help_text="What was done about it (a correction sent …).")


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


claim_review = ClaimReviewViewSet.as_view({"post": "review"})
claim_accept = ClaimReviewViewSet.as_view({"post": "accept"})
claim_reject = ClaimReviewViewSet.as_view({"post": "reject"})
alert_list_view = AlertViewSet.as_view({"get": "list"})
alert_detail_view = AlertViewSet.as_view({"get": "retrieve"})
alert_acknowledge_view = AlertViewSet.as_view({"post": "acknowledge"})

urlpatterns = [
    path("claims/review/", claim_review, name="claim-review"),
    path("claims/<int:pk>/accept/", claim_accept, name="claim-accept"),
    path("claims/<int:pk>/reject/", claim_reject, name="claim-reject"),
    path("conflicts/", ConflictListView.as_view(), name="api-conflicts"),
    path("derived-checks/", DerivedCheckListView.as_view(), name="api-derived-checks"),
    path("alerts/", alert_list_view, name="factalert-list"),
    path("alerts/<int:pk>/", alert_detail_view, name="factalert-detail"),
    path("alerts/<int:pk>/acknowledge/", alert_acknowledge_view, name="factalert-acknowledge"),
]
