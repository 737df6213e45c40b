"""Shared vocabularies and the abstract base every domain record inherits (TLP marking)."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models

from incidents import visibility
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
    one rule every reader applies (``incidents.visibility``)."""

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


def revisions_relation(name: str) -> GenericRelation:
    """The ``_revisions`` relation Wagtail's RevisionMixin expects on non-page models."""
    return GenericRelation("wagtailcore.Revision", related_query_name=name)
