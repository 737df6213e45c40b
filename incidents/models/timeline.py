"""Timeline events and typed, dated relationships between actors and incidents."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.models import RevisionMixin

from incidents.models.base import DatePrecision, MarkedModel, revisions_relation
from incidents.models.validation import TEXT_MAX
from incidents.visibility import RelationshipQuerySet


class EventKind(models.TextChoices):
    DISCLOSURE = "disclosure", "disclosure"
    CAMPAIGN_START = "campaign_start", "campaign start"
    CAMPAIGN_END = "campaign_end", "campaign end"
    LETTER = "letter", "letter"
    REGULATORY_ACTION = "regulatory_action", "regulatory action"
    MARKET_MOVE = "market_move", "market move"
    STATEMENT = "statement", "statement"
    COVERAGE = "coverage", "coverage"
    OTHER = "other", "other"


class Event(RevisionMixin, MarkedModel):
    """A timeline entry. Entered by hand, or derived from another record (``origin``).

    Derived events (campaign start/end, letters, coverage) are kept in step with their
    origin by ``incidents.services.timeline.derived_events_refresh``; one origin and
    role has at most one event.
    """

    slug = models.SlugField(
        max_length=120, unique=True, null=True, blank=True,
        help_text="Natural key of an entered event; derived events have none.",
    )
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=32, choices=EventKind.choices, db_index=True)
    date = models.DateField()
    precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    value = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True,
        help_text="A measured value, e.g. -4.9 for a 4.9 % share fall.",
    )
    unit = models.CharField(max_length=16, blank=True, help_text='e.g. "%".')
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    actors = models.ManyToManyField("incidents.Actor", blank=True, related_name="events")
    incidents = models.ManyToManyField("incidents.Incident", blank=True, related_name="events")
    origin_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    origin_id = models.PositiveBigIntegerField(null=True, blank=True)
    origin_role = models.CharField(max_length=32, blank=True)

    claims = GenericRelation("incidents.Claim", related_query_name="event")
    _revisions = revisions_relation("event")

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["origin_type", "origin_id", "origin_role"],
                condition=models.Q(origin_type__isnull=False),
                name="event_one_per_origin_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    @property
    def revisions(self):  # type: ignore[override]
        return self._revisions

    @property
    def is_derived(self) -> bool:
        return self.origin_type_id is not None

    def clean(self) -> None:
        """An entered event has a slug (its natural key); a derived event has none. An
        empty slug is never stored: it is an error (``clean_fields``), not "no slug"."""
        super().clean()
        if not self.is_derived and self.slug is None:
            raise ValidationError(
                {"slug": "An entered event needs a slug (its natural key); only events "
                 "derived from another record have none."}
            )


class RelationshipKind(models.TextChoices):
    PART_OF = "part_of", "part of"
    OPERATED = "operated", "operated"
    TARGETED = "targeted", "targeted"
    ACCUSED = "accused", "accused"
    DESIGNATED = "designated", "designated"
    WROTE_TO = "wrote_to", "wrote to"
    MEMBER_OF = "member_of", "member of"
    REPORTED_ON = "reported_on", "reported on"
    DEVELOPS = "develops", "develops"
    OTHER = "other", "other"


class Relationship(MarkedModel):
    """A typed, dated, sourced edge from an actor to an actor or an incident."""

    kind = models.CharField(max_length=32, choices=RelationshipKind.choices, db_index=True)
    subject = models.ForeignKey(
        "incidents.Actor", on_delete=models.CASCADE, related_name="relationships_out"
    )
    object_actor = models.ForeignKey(
        "incidents.Actor", null=True, blank=True, on_delete=models.CASCADE,
        related_name="relationships_in",
    )
    object_incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE,
        related_name="relationships",
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    sources = models.ManyToManyField("incidents.Source", blank=True, related_name="relationships")

    objects = models.Manager.from_queryset(  # type: ignore[assignment,misc]
        RelationshipQuerySet
    )()

    class Meta:
        ordering = ["subject__name", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(object_actor__isnull=False, object_incident__isnull=True)
                    | models.Q(object_actor__isnull=True, object_incident__isnull=False)
                ),
                name="relationship_exactly_one_object",
                violation_error_message=(
                    "A relationship points to exactly one object: an actor or an incident."
                ),
            )
        ]

    def __str__(self) -> str:
        target = self.object_actor or self.object_incident
        return f"{self.subject} {self.get_kind_display()} {target}"

    def clean(self) -> None:
        super().clean()
        # "Exactly one object" is the check constraint's own message (validate_constraints).
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The relationship ends before it starts."})
