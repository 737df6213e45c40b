"""Shared serializer parts: visibility-aware references, the marking guard, JSON
without NUL characters, and writes that go through ``incidents.services.records``.

A related record the reader may not see is never named: a reference to it reads as
``null`` (a list drops it), and the record's representation lists the field in
``restricted``. The hiding happens once, here, in the reference fields
(``VisibleSlugRelatedField``, ``VisiblePrimaryKeyRelatedField``,
``StrictManyRelatedField``) and ``EntitySerializer``; list endpoints say through
``withheld_<field>`` annotations whether a list dropped something (its prefetch already
left the hidden rows out)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import relations, serializers

from incidents.models import MARKING_ORDER, Marking
from incidents.selectors import clearance_for, visible
from incidents.services.records import FigureInput, record_create, record_update
from incidents.visibility import can_see
from kb.api.authentication import viewer_of


def _viewer(context: Mapping[str, Any]) -> Any:
    request = context.get("request")
    return viewer_of(request) if request is not None else None


def field_viewer(field: serializers.Field) -> Any:
    """Whose clearance applies to ``field``'s representation (the request's viewer)."""
    root = field.root if field.parent is not None else field
    return _viewer(getattr(root, "context", {}) or {})


def related_visible(viewer: Any, obj: Any) -> bool:
    """Whether ``viewer`` may see ``obj``, a related record already loaded: its own
    marking, and for a part (an account cluster, an exchange volume, an account) what
    it belongs to (``owner_paths`` of its queryset)."""
    if not can_see(viewer, obj):
        return False
    queryset_class = type(type(obj)._default_manager.get_queryset())
    for path in getattr(queryset_class, "owner_paths", ()):
        owner = obj
        for part in path.split("__"):
            owner = getattr(owner, part, None)
        if owner is not None and not can_see(viewer, owner):
            return False
    return True


def withhold(field: serializers.Field, name: str | None = None) -> None:
    """Note on the enclosing entity serializer that ``field`` withheld something."""
    node: Any = field
    name = name or field.field_name
    while node is not None:
        if getattr(node, "collects_withheld", False):
            collected = getattr(node, "_withheld", None)
            if collected is not None:
                collected.add(name)
            return
        if isinstance(node, serializers.ManyRelatedField):
            name = node.field_name
        node = node.parent


class HidingRelatedMixin:
    """Reads a related record the viewer may not see as ``null`` and says so in the
    representation's ``restricted`` list."""

    def use_pk_only_optimization(self) -> bool:
        return False  # the marking is needed, not just the key

    def to_representation(self, value: Any) -> Any:
        if not related_visible(field_viewer(self), value):  # type: ignore[arg-type]
            withhold(self)  # type: ignore[arg-type]
            return None
        return super().to_representation(value)  # type: ignore[misc]


class VisibleSlugRelatedField(HidingRelatedMixin, serializers.SlugRelatedField):
    """A reference by slug (or another natural key) to a record the viewer may see."""

    def get_queryset(self) -> QuerySet:
        queryset: Any = super().get_queryset()
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
    """A list, and only a list (DRF would take {} for []). Reads only the records the
    viewer may see; if any was left out (here, or already by the queryset's prefetch,
    which the ``withheld_<field>`` annotation tells), the field is ``restricted``."""

    def get_attribute(self, instance: Any) -> Any:
        self._withheld_by_query = bool(getattr(instance, f"withheld_{self.field_name}", False))
        return super().get_attribute(instance)

    def to_representation(self, iterable: Any) -> list[Any]:
        viewer = field_viewer(self)
        items = list(iterable)
        shown = [item for item in items if related_visible(viewer, item)]
        if len(shown) < len(items) or getattr(self, "_withheld_by_query", False):
            withhold(self)
        return [self.child_relation.to_representation(item) for item in shown]

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


class VisiblePrimaryKeyRelatedField(HidingRelatedMixin, serializers.PrimaryKeyRelatedField):
    """A reference by id to a record the viewer may see."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)

    def get_queryset(self) -> QuerySet:
        queryset: Any = super().get_queryset()
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


RESTRICTED_HELP = (
    "Fields where something was withheld because this credential may not see it: a "
    "reference that reads null, or a list that leaves records out. Empty when nothing "
    "was withheld."
)


@extend_schema_field({"type": "array", "items": {"type": "string"}, "readOnly": True,
                     "description": RESTRICTED_HELP})
class RestrictedField(serializers.Field):
    """The ``restricted`` list: read-only, filled by the reference fields read before it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(read_only=True, help_text=RESTRICTED_HELP)
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return instance

    def to_representation(self, value: Any) -> list[str]:
        return sorted(getattr(self.parent, "_withheld", None) or ())


class WithheldCollector:
    """A serializer whose representation lists, in ``restricted``, the fields where
    something was withheld (``withhold`` notes them here while it renders)."""

    collects_withheld = True

    def to_representation(self, instance: Any) -> dict[str, Any]:
        previous = getattr(self, "_withheld", None)
        self._withheld: set[str] | None = set()
        try:
            return super().to_representation(instance)  # type: ignore[misc]
        finally:
            self._withheld = previous


class EntitySerializer(WithheldCollector, serializers.ModelSerializer):
    # Base of every entity serializer: writes go through the record services (full
    # validation, one transaction, a history entry, the marking, hidden-link and cascade
    # rules for the writer's clearance); figures are written only with their claims
    # (``FigureField``); a related record the reader may not see is withheld and listed
    # in ``restricted``. (A comment, not a docstring: the schema would show it.)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["restricted"] = RestrictedField()  # last: read after every reference
        return fields

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

    def _split_figures(self, validated_data: dict[str, Any]) -> tuple[dict, dict]:
        """``validated_data`` without its figures, and the figures by claim field."""
        data, figures = {}, {}
        for name, value in validated_data.items():
            field = self.fields.get(name)
            if isinstance(value, FigureInput) and getattr(field, "is_figure", False):
                figures[field.claim_field] = value  # type: ignore[union-attr]
            else:
                data[name] = value
        return data, figures

    def create(self, validated_data: dict[str, Any]) -> Any:
        data, figures = self._split_figures(validated_data)
        return record_create(model=self.Meta.model, user=self._user(), data=data,
                             viewer=_viewer(self.context), figures=figures)

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        data, figures = self._split_figures(validated_data)
        # The view's instance carries visible-only prefetches; the service must see the
        # real links to keep the hidden ones.
        getattr(instance, "_prefetched_objects_cache", {}).clear()
        return record_update(instance=instance, user=self._user(), data=data,
                             viewer=_viewer(self.context), figures=figures)


MARKING_HELP = "TLP marking: " + ", ".join(m.value for m in Marking) + "."
