"""Serializers of the provenance endpoints: claim review bodies and results, conflicts
with their sides and sources, derived-statement checks, fact-drift alerts, and the query
parameters of their lists. The views are in ``kb.api.views.provenance``.

A fact-drift alert never names what its reader may not see: a citing document or a
cited record above the reader's clearance reads as null and is listed in the alert's
``restricted``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from incidents.models import ClaimStatus, FactAlert
from incidents.provenance.conflicts import Conflict as ConflictRecord
from incidents.provenance.conflicts import ConflictKind
from incidents.provenance.derived import DerivedCheck
from incidents.provenance.display import (
    conflict_explanation,
    field_kind,
    field_label,
    side_text,
    value_text,
)
from incidents.provenance.registry import claim_subject_names
from incidents.provenance.selectors import subject_key
from kb.api.serializers.base import (
    RestrictedField,
    WithheldCollector,
    field_viewer,
    related_visible,
    withhold,
)

SUBJECT_KEY_PATTERN = r"^(" + "|".join(claim_subject_names()) + r")" + r":[-a-zA-Z0-9_]+\Z"


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
    explanation = serializers.SerializerMethodField()
    sides = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_explanation(self, conflict: ConflictRecord) -> str:
        return conflict_explanation(conflict)

    def get_subject_label(self, conflict: ConflictRecord) -> str:
        return str(conflict.subject)

    @extend_schema_field(ConflictSideSerializer(many=True))
    def get_sides(self, conflict: ConflictRecord) -> list[dict[str, Any]]:
        sides = []
        for side in conflict.sides:
            sides.append({
                "role": side.role, "value": side.value, "detail": side.detail,
                "display": side_text(conflict, side), "weight": side.weight,
                "description": side.description,
                "sources": ClaimSourceSerializer(side.sources, many=True).data,
            })
        return sides


# Which formatter a field needs is ``incidents.provenance.display``'s; how the value then
# reads is ``incidents.formatting``'s (the same text as the pages and the admin).
_field_kind = field_kind
_field_label = field_label


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
        return value_text(_field_kind("campaign", check.field), check.claim.value,
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


class AlertSerializer(WithheldCollector, serializers.ModelSerializer):
    document = serializers.SerializerMethodField()
    figure = serializers.SerializerMethodField()
    cited = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField()
    issued_at = serializers.DateTimeField(source="citation.issued_at")
    acknowledged_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True)
    restricted = RestrictedField()


    class Meta:
        model = FactAlert
        fields = ["id", "status", "document", "figure", "cited", "current", "still_holds",
                  "issued_at", "created_at", "acknowledged_by", "acknowledged_at", "note",
                  "marking", "restricted"]
        read_only_fields = fields

    def _shown(self, obj: Any, name: str) -> bool:
        """Whether the reader may see ``obj`` (the citing document or the cited record);
        if not, ``name`` is noted as restricted."""
        if obj is not None and related_visible(field_viewer(self.fields[name]), obj):
            return True
        withhold(self.fields[name], name)
        return False

    @extend_schema_field(inline_serializer("AlertDocument", {
        "type": serializers.CharField(), "key": serializers.CharField(),
        "title": serializers.CharField()}, allow_null=True))
    def get_document(self, alert: FactAlert) -> dict[str, str] | None:
        document = alert.citation.document
        if not self._shown(document, "document"):
            return None
        assert document is not None  # _shown is False for None
        return {"type": alert.citation.document_type.model, "key": subject_key(document),
                "title": str(document)}

    @extend_schema_field(inline_serializer("AlertFigure", {
        "subject": serializers.CharField(), "subject_label": serializers.CharField(),
        "field": serializers.CharField(), "label": serializers.CharField()},
        allow_null=True))
    def get_figure(self, alert: FactAlert) -> dict[str, str] | None:
        subject = alert.citation.subject
        if not self._shown(subject, "figure"):
            return None
        assert subject is not None
        model_name = alert.citation.subject_type.model
        return {"subject": subject_key(subject), "subject_label": str(subject),
                "field": alert.citation.field,
                "label": _field_label(model_name, alert.citation.field)}

    def _value(self, alert: FactAlert, value: Any, detail: str) -> dict[str, Any]:
        kind = _field_kind(alert.citation.subject_type.model, alert.citation.field)
        return {"value": value, "detail": detail, "display": value_text(kind, value, detail)}

    @extend_schema_field(AlertValueSerializer(allow_null=True))
    def get_cited(self, alert: FactAlert) -> dict[str, Any] | None:
        # A figure of a record the reader may not see is not shown either.
        if not self._shown(alert.citation.subject, "cited"):
            return None
        return self._value(alert, alert.cited_value, alert.cited_detail)

    @extend_schema_field(AlertValueSerializer(allow_null=True))
    def get_current(self, alert: FactAlert) -> dict[str, Any] | None:
        if not self._shown(alert.citation.subject, "current"):
            return None
        return self._value(alert, alert.current_value, alert.current_detail)


class ConflictQuerySerializer(serializers.Serializer):
    incident = serializers.SlugField(required=False, help_text="Slug of an incident.")
    subject = serializers.RegexField(
        SUBJECT_KEY_PATTERN, required=False,
        max_length=140, help_text="One record: <model>:<slug or id>.")
    field = serializers.SlugField(required=False, max_length=64)
    kind = serializers.ChoiceField(choices=[k.value for k in ConflictKind], required=False)


class AcknowledgeSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, max_length=2000,
                     help_text="What was done about it (a correction sent …).")


class DerivedCheckQuerySerializer(serializers.Serializer):
    campaign = serializers.SlugField(required=False, help_text="Slug of a campaign.")
    status = serializers.ChoiceField(choices=ClaimStatus.choices, default=ClaimStatus.ACCEPTED)
    verdict = serializers.ChoiceField(
        choices=["consistent", "within_uncertainty", "inconsistent", "unknown"],
        required=False)
