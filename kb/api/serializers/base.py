"""Shared serializer parts: visibility-aware slug references, the marking guard, JSON
without NUL characters, and writes that go through ``incidents.services.records``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from incidents.models import MARKING_ORDER, Marking
from incidents.selectors import clearance_for, visible
from incidents.services.records import record_create, record_update
from kb.api.authentication import viewer_of


def _viewer(context: dict[str, Any]) -> Any:
    request = context.get("request")
    return viewer_of(request) if request is not None else None


class VisibleSlugRelatedField(serializers.SlugRelatedField):
    """A reference by slug (or another natural key) to a record the viewer may see."""

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        root = self.root if self.parent is not None else self
        context = getattr(root, "context", {})
        if "request" not in context:
            return queryset
        return visible(queryset, _viewer(context))

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class CleanJSONField(serializers.JSONField):
    """JSON without NUL characters (PostgreSQL's jsonb cannot store them)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if _has_nul(value):
            raise serializers.ValidationError("Text may not contain NUL characters.")
        return value


class VisiblePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id to a record the viewer may see."""

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        root = self.root if self.parent is not None else self
        context = getattr(root, "context", {})
        if "request" not in context:
            return queryset
        return visible(queryset, _viewer(context))


def string_list(**kwargs: Any) -> serializers.ListField:
    """A list of short texts (aliases, quotes, detection signals)."""
    kwargs.setdefault("required", False)
    return serializers.ListField(child=serializers.CharField(max_length=2000), **kwargs)


class EntitySerializer(serializers.ModelSerializer):
    # Base of every entity serializer: writes go through the record services (full
    # validation, one transaction, a history entry), and nobody may mark a record above
    # their own clearance. (A comment, not a docstring: the schema would show it.)

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.JSONField):
            field_class = CleanJSONField
        return field_class, kwargs

    def validate_marking(self, value: str) -> str:
        ceiling = clearance_for(_viewer(self.context))
        if MARKING_ORDER.index(value) > MARKING_ORDER.index(ceiling):
            raise serializers.ValidationError(
                f"Your clearance is {ceiling}; you cannot mark a record {value}."
            )
        return value

    def _user(self) -> Any:
        request = self.context.get("request")
        return getattr(request, "user", None)

    def create(self, validated_data: dict[str, Any]) -> Any:
        return record_create(model=self.Meta.model, user=self._user(), data=validated_data)

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        return record_update(instance=instance, user=self._user(), data=validated_data)


MARKING_HELP = "TLP marking: " + ", ".join(m.value for m in Marking) + "."
