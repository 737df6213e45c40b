"""Shared vocabularies and the abstract base every domain record inherits (TLP marking)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models

from incidents import visibility
from incidents.models.validation import field_problem
from incidents.visibility import MarkedQuerySet


class Marking(models.TextChoices):
    """Traffic Light Protocol 2.0, from least to most restricted."""

    CLEAR = "CLEAR", "TLP:CLEAR"
    GREEN = "GREEN", "TLP:GREEN"
    AMBER = "AMBER", "TLP:AMBER"
    AMBER_STRICT = "AMBER+STRICT", "TLP:AMBER+STRICT"
    RED = "RED", "TLP:RED"


MARKING_ORDER: tuple[str, ...] = tuple(m.value for m in Marking)
assert MARKING_ORDER == visibility.ORDER, "Marking and incidents.visibility disagree"

markings_up_to = visibility.markings_up_to


class DatePrecision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


class Qualifier(models.TextChoices):
    """How a source states a count: "about 25,000", "more than 16 million" …"""

    EXACT = "exact", "exactly"
    ABOUT = "about", "about"
    NEARLY = "nearly", "nearly"
    MORE_THAN = "more_than", "more than"
    AT_LEAST = "at_least", "at least"
    UP_TO = "up_to", "up to"


MarkedManager = models.Manager.from_queryset(MarkedQuerySet)


class MarkedModel(models.Model):
    """Every domain record carries a TLP marking; ``objects.visible_to(viewer)`` is the
    one rule every reader applies (``incidents.visibility``).

    ``clean_fields`` applies the generic value rules of ``incidents.models.validation``
    (no NUL, text length limits, JSON depth and finiteness, date range, whole numbers,
    no empty slug) to every field before Django's own checks, so every door that calls
    ``full_clean`` (admin forms, API, loader, imports) refuses the same values with the
    same message, keyed by the field.
    """

    marking = models.CharField(
        max_length=16,
        choices=Marking.choices,
        default=Marking.CLEAR,
        db_index=True,
        help_text="TLP marking: who may see this record.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MarkedManager()

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Any = None) -> None:
        checked_clean_fields(self, exclude, super().clean_fields)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, **kwargs: Any) -> Any:
        """Keeps the values as loaded, so the audit trail can say what an edit changed
        (``kb.audit.changes``) without reading the row again."""
        instance: Any = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_values = dict(zip(field_names, values, strict=False))
        return instance


def revisions_relation(name: str) -> GenericRelation:
    """The ``_revisions`` relation Wagtail's RevisionMixin expects on non-page models."""
    return GenericRelation("wagtailcore.Revision", related_query_name=name)


def checked_clean_fields(record: models.Model, exclude: Any,
                         django_clean_fields: Any) -> None:
    """The generic value rules of every domain record (``validation.field_problem``: no
    NUL, length limits for text too) on each concrete field, then Django's own
    ``clean_fields`` on the others; one ``ValidationError`` keyed by field."""
    excluded = set(exclude or ())
    errors: dict[str, list[str]] = {}
    for field in record._meta.concrete_fields:
        if field.name in excluded or getattr(field, "auto_now", False) or getattr(
            field, "auto_now_add", False
        ):
            continue
        problem = field_problem(field, getattr(record, field.attname))
        if problem:
            errors[field.name] = [problem]
    try:
        django_clean_fields(exclude=excluded | set(errors))
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
