"""Claims: one source saying one thing about one field of one record.

Created through ``incidents.services.claims.claim_upsert`` (idempotent: the same claim
posted twice is one claim), always *pending*; accepting and rejecting them is the review
queue's job. Only the wording around a claim (quote, note, credibility, marking) can be
edited; a different value is a different claim.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models, transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.models import (
    Claim,
    ClaimKind,
    DatePrecision,
    Event,
    Qualifier,
    Source,
)
from incidents.provenance.fields import FIELDS
from incidents.provenance.registry import claim_subject_model, claim_subject_names
from incidents.provenance.selectors import claim_redactor
from incidents.selectors import visible
from incidents.services.claims import claim_upsert, facts_refresh
from incidents.services.records import record_update
from incidents.visibility import can_see
from kb.api.serializers.base import (
    CleanJSONField,
    EntitySerializer,
    StrictIntegerField,
    _viewer,
    field_viewer,
    withhold,
)
from kb.api.serializers.entities import COMMON, READ_ONLY, slug_ref

#: ``<model>:<slug or id>`` with model one of the claim-bearing models (the registry).
SUBJECT_PATTERN = r"^(" + "|".join(claim_subject_names()) + r"):[-a-zA-Z0-9_]+\Z"


def subject_key(obj: models.Model) -> str:
    """``<model>:<slug>`` (``<model>:<id>`` for records without a slug)."""
    key = getattr(obj, "slug", None) or obj.pk
    return f"{obj._meta.model_name}:{key}"


def subject_model(name: str) -> type[models.Model] | None:
    """The claim-bearing model called ``name`` (``incidents.provenance.registry``)."""
    return claim_subject_model(name)


def visible_subject(key: str, viewer: Any) -> models.Model | None:
    """The record ``<model>:<slug or id>`` names if ``viewer`` may see it, else None
    (a hidden record and an unknown one are alike)."""
    model_name, _, slug = key.partition(":")
    model = subject_model(model_name)
    if model is None or not slug:
        return None
    return subject_lookup(visible(model._default_manager.all(), viewer), slug).first()


def subject_lookup(queryset: models.QuerySet, key: str) -> models.QuerySet:
    has_slug = any(f.name == "slug" for f in queryset.model._meta.fields)
    if key.isdigit() and (not has_slug or queryset.model is Event):
        return queryset.filter(pk=int(key)) if len(key) < 19 else queryset.none()
    return queryset.filter(slug=key) if has_slug else queryset.none()


@extend_schema_field({"type": "string", "pattern": SUBJECT_PATTERN, "maxLength": 140})
class SubjectField(serializers.Field):
    """Reads and writes a claim's subject as ``campaign:alibaba-qwen``."""

    default_error_messages = {
        "invalid": "Use <model>:<slug or id> with model one of "
        + ", ".join(claim_subject_names()) + ".",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "The record the claim is about: <model>:<slug or id>, "
                          "model one of " + ", ".join(claim_subject_names()) + ".")
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        if value is None:
            return ""
        # Listed claims have visible subjects (``ClaimQuerySet``); checked again by the
        # subject's own marking, which needs no query.
        if not can_see(field_viewer(self), value):
            withhold(self)
            return ""
        return subject_key(value)

    def to_internal_value(self, data: Any) -> models.Model:
        if not isinstance(data, str) or len(data) > 140 or not re.match(SUBJECT_PATTERN, data):
            self.fail("invalid")
        model_name, _, key = data.partition(":")
        obj = visible_subject(data, _viewer(self.context))
        if obj is None:
            raise serializers.ValidationError(f"No visible {model_name} {key!r}.")
        return obj


class ClaimSerializer(EntitySerializer):
    subject = SubjectField()
    subject_type = serializers.SerializerMethodField()
    source = slug_ref(Source, required=True, slug_field="key")  # type: ignore[assignment]
    value = CleanJSONField(help_text="A number for counts and ratios, an ISO date for dates, "
                           'a list of slugs for sets, {"of": <campaign>, "ratio": n} for '
                           "ratios.")
    qualifier = serializers.ChoiceField(choices=Qualifier.choices, default=Qualifier.EXACT)
    precision = serializers.ChoiceField(
        choices=[("", "none"), *DatePrecision.choices], default="", required=False
    )
    kind = serializers.ChoiceField(choices=ClaimKind.choices, default=ClaimKind.FACT)
    credibility = StrictIntegerField(min_value=1, max_value=6, default=6)
    marking = serializers.ChoiceField(
        choices=list(Claim._meta.get_field("marking").choices or []), required=False,
        help_text="Defaults to the source's marking.",
    )
    reviewed_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Claim
        fields = [*COMMON, "subject", "subject_type", "field", "kind", "value", "qualifier",
                  "precision", "source", "quote", "credibility", "status", "note",
                  "reviewed_by", "reviewed_at"]
        read_only_fields = [*READ_ONLY, "status", "reviewed_at"]

    def get_subject_type(self, obj: Claim) -> str:
        return obj.content_type.model if obj.content_type_id else ""

    def to_representation(self, instance: Claim) -> dict[str, Any]:
        # A visible claim whose value names a hidden record (an operators set, a ratio's
        # campaign) reads with "restricted" in its place: the view's redactor covers a
        # page in one go; a single claim gets its own.
        redact = self.context.get("claim_redactor")
        if redact is None and isinstance(instance, Claim):
            redact = claim_redactor(viewer=_viewer(self.context), claims=[instance])
        data = super().to_representation(instance)
        if redact is not None and isinstance(instance, Claim):
            data["value"] = redact(instance).value
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        subject = attrs.get("subject")
        field = attrs.get("field")
        if subject is not None and field is not None:
            known = FIELDS.get(subject._meta.model_name or "", {})
            if field not in known:
                raise serializers.ValidationError(
                    {"field": f"No claim field {field!r} on {subject._meta.model_name}; "
                     f"known: {', '.join(sorted(known))}."}
                )
        return attrs

    @transaction.atomic
    def create(self, validated_data: dict[str, Any]) -> Claim:
        note = validated_data.pop("note", "")
        claim, _created = claim_upsert(**validated_data)
        if note and note != claim.note:
            claim = record_update(instance=claim, user=self._user(), data={"note": note},
                                  viewer=_viewer(self.context))
        return claim


class ClaimUpdateSerializer(ClaimSerializer):
    """What may change on a claim: the words around it, not what it says."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name in ("subject", "field", "kind", "value", "qualifier", "precision", "source"):
            fields[name].read_only = True
        fields["credibility"].default = serializers.empty
        fields["credibility"].required = False
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return attrs

    @transaction.atomic
    def update(self, instance: Claim, validated_data: dict[str, Any]) -> Claim:
        claim = record_update(instance=instance, user=self._user(), data=validated_data,
                              viewer=_viewer(self.context))
        if claim.status == "accepted" and claim.subject is not None:
            facts_refresh(subject=claim.subject)  # credibility weighs in the consensus
        return claim
