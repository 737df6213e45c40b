"""Shared serializer parts: visibility-aware slug references, the marking guard, JSON
without NUL characters, and writes that go through ``incidents.services.records``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import relations, serializers

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

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> StrictManyRelatedField:
        # DRF's many_init, with a list field that accepts only lists.
        list_kwargs = {k: v for k, v in kwargs.items() if k in relations.MANY_RELATION_KWARGS}
        return StrictManyRelatedField(child_relation=cls(*args, **kwargs), **list_kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data == "":  # DRF would read "" as null; an empty key is a mistake
            self.fail("invalid")
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or data == "":
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


class StrictTypeMixin:
    """JSON types as the schema states them: DRF would take 5 for "5" and "5" for 5."""

    accepted_types: tuple[type, ...] = (str,)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, self.accepted_types):
            self.fail("invalid")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictCharField(StrictTypeMixin, serializers.CharField):
    pass


class StrictSlugField(StrictTypeMixin, serializers.SlugField):
    pass


class StrictURLField(StrictTypeMixin, serializers.URLField):
    pass


class StrictEmailField(StrictTypeMixin, serializers.EmailField):
    pass


class StrictIntegerField(StrictTypeMixin, serializers.IntegerField):
    accepted_types = (int,)


class StrictDecimalField(StrictTypeMixin, serializers.DecimalField):
    accepted_types = (int, float)


STRICT_FIELDS: dict[type, type] = {
    serializers.CharField: StrictCharField,
    serializers.SlugField: StrictSlugField,
    serializers.URLField: StrictURLField,
    serializers.EmailField: StrictEmailField,
    serializers.IntegerField: StrictIntegerField,
    serializers.DecimalField: StrictDecimalField,
}


class StrictManyRelatedField(serializers.ManyRelatedField):
    """A list, and only a list (DRF would take {} for [])."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class CleanJSONField(serializers.JSONField):
    """JSON without NUL characters (PostgreSQL's jsonb cannot store them)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if _has_nul(value):
            raise serializers.ValidationError("Text may not contain NUL characters.")
        return value


class VisiblePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id to a record the viewer may see."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)

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
    return serializers.ListField(
        child=StrictCharField(max_length=2000, trim_whitespace=False), **kwargs
    )


class EntitySerializer(serializers.ModelSerializer):
    # Base of every entity serializer: writes go through the record services (full
    # validation, one transaction, a history entry), and nobody may mark a record above
    # their own clearance. (A comment, not a docstring: the schema would show it.)

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.JSONField):
            field_class = CleanJSONField
        field_class = STRICT_FIELDS.get(field_class, field_class)
        if issubclass(field_class, serializers.CharField):
            # Stored as sent: trimming would let a too-long value pass its maxLength.
            kwargs["trim_whitespace"] = False
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
