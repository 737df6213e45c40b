"""Incidents, the campaigns that are cross-referenced, and their vocabularies."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.models import RevisionMixin

from incidents.models.base import DatePrecision, MarkedModel, Qualifier, revisions_relation
from incidents.models.validation import TEXT_MAX, count_validators, not_reserved_slug


class Capability(MarkedModel):
    """A capability an extraction campaign targets (agentic reasoning, tool use …)."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    external_id = models.CharField(max_length=64, blank=True, help_text="e.g. a MITRE ATLAS id.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "capabilities"

    def __str__(self) -> str:
        return self.name


class Technique(MarkedModel):
    """How a campaign is run (fraudulent accounts, proxy "hydra" networks …)."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    external_id = models.CharField(max_length=64, blank=True, help_text="e.g. AML.T0008.005.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IncidentStatus(models.TextChoices):
    ALLEGED = "alleged", "alleged"
    CONFIRMED = "confirmed", "confirmed"
    DISPUTED = "disputed", "disputed"


class Incident(RevisionMixin, MarkedModel):
    """A reported case, such as the Alibaba/Qwen case or the February 2026 disclosure."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.ALLEGED
    )
    target_provider = models.ForeignKey(
        "incidents.Actor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents_as_provider",
    )
    target_system = models.ForeignKey(
        "incidents.Actor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents_as_system",
    )
    disclosed_on = models.DateField(null=True, blank=True)
    disclosed_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    summary = models.TextField(blank=True, max_length=TEXT_MAX)

    claims = GenericRelation("incidents.Claim", related_query_name="incident")
    _revisions = revisions_relation("incident")

    class Meta:
        ordering = ["-disclosed_on", "slug"]

    def __str__(self) -> str:
        return self.title

    @property
    def revisions(self):  # type: ignore[override]
        return self._revisions


class Campaign(RevisionMixin, MarkedModel):
    """The unit that is cross-referenced: who ran it, when, how big, against what.

    ``exchanges``, ``accounts`` and the period are the *shown* values: the consensus of
    accepted claims, written only by ``incidents.services.claims.facts_refresh``. A
    cluster (a campaign with children) without figures of its own rolls its children's
    figures up.
    """

    slug = models.SlugField(max_length=100, unique=True, validators=[not_reserved_slug])
    name = models.CharField(max_length=300)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The cluster this campaign is part of; figures roll up to it.",
    )
    operators = models.ManyToManyField(
        "incidents.Actor", blank=True, related_name="operated_campaigns"
    )
    start_date = models.DateField(null=True, blank=True)
    start_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    end_date = models.DateField(null=True, blank=True)
    end_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    exchanges = models.BigIntegerField(
        null=True, blank=True, validators=count_validators(), help_text="Total exchanges."
    )
    exchanges_qualifier = models.CharField(
        max_length=16, choices=Qualifier.choices, default=Qualifier.EXACT
    )
    accounts = models.BigIntegerField(
        null=True,
        blank=True,
        validators=count_validators(),
        help_text="Fraudulent accounts used.",
    )
    accounts_qualifier = models.CharField(
        max_length=16, choices=Qualifier.choices, default=Qualifier.EXACT
    )
    capabilities = models.ManyToManyField(Capability, blank=True, related_name="campaigns")
    techniques = models.ManyToManyField(Technique, blank=True, related_name="campaigns")
    description = models.TextField(blank=True, max_length=TEXT_MAX)

    claims = GenericRelation("incidents.Claim", related_query_name="campaign")
    _revisions = revisions_relation("campaign")

    class Meta:
        ordering = ["start_date", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def revisions(self):  # type: ignore[override]
        return self._revisions

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": f"The period ends ({self.end_date}) before it starts "
                 f"({self.start_date})."}
            )
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": "A campaign cannot be its own parent."})
        cycle = self.parent_cycle()
        if cycle:
            raise ValidationError({"parent": (
                "That parent would make a cycle: " + " → ".join(cycle)
                + "; a campaign cannot be inside one of its own parts."
            )})

    def parent_cycle(self) -> list[str]:
        """The slugs of the loop this campaign's ``parent`` would close (``[]`` if none):
        walks the ancestors, one query a level, and stops at the first repeat."""
        if not self.parent_id:
            return []
        seen: set[int] = {self.pk} if self.pk else set()
        path = [self.slug]
        current: int | None = self.parent_id
        while current is not None:
            row = Campaign.objects.filter(pk=current).values_list("slug", "parent_id").first()
            if row is None:
                return []
            path.append(row[0])
            if current in seen:
                return path
            seen.add(current)
            current = row[1]
        return []
