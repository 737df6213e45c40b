"""Fraudulent accounts and exchange volumes, the raw figures of a campaign."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from incidents.models.base import MarkedModel, Qualifier
from incidents.models.validation import StringList, count_validators
from incidents.visibility import AccountQuerySet, CampaignPartQuerySet


class AccountCluster(MarkedModel):
    """A reported group of fraudulent accounts, with its count and detection signals."""

    campaign = models.ForeignKey(
        "incidents.Campaign", on_delete=models.CASCADE, related_name="account_clusters"
    )
    label = models.CharField(max_length=200)
    count = models.BigIntegerField(null=True, blank=True, validators=count_validators())
    qualifier = models.CharField(max_length=16, choices=Qualifier.choices, default=Qualifier.EXACT)
    detection_signals = models.JSONField(
        default=list, blank=True, validators=[StringList(max_items=100, max_length=200)],
        help_text="How the accounts were found: a list of at most 100 strings of at most "
        "200 characters.",
    )
    first_seen = models.DateField(null=True, blank=True)
    last_seen = models.DateField(null=True, blank=True)

    objects = models.Manager.from_queryset(  # type: ignore[assignment,misc]
        CampaignPartQuerySet
    )()

    class Meta:
        ordering = ["campaign__slug", "label"]

    def __str__(self) -> str:
        return f"{self.label} ({self.campaign})"

    def clean(self) -> None:
        super().clean()
        if self.first_seen and self.last_seen and self.last_seen < self.first_seen:
            raise ValidationError({"last_seen": "Last seen is before first seen."})


class Account(MarkedModel):
    """One fraudulent account, for internal tooling; only a hash of its external id is kept."""

    cluster = models.ForeignKey(AccountCluster, on_delete=models.CASCADE, related_name="members")
    external_id_hash = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the provider's account id, hex."
    )
    created_on = models.DateTimeField(null=True, blank=True)
    banned_on = models.DateTimeField(null=True, blank=True)

    objects = models.Manager.from_queryset(  # type: ignore[assignment,misc]
        AccountQuerySet
    )()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.external_id_hash[:12]

    def clean(self) -> None:
        super().clean()
        if len(self.external_id_hash) != 64 or any(
            c not in "0123456789abcdef" for c in self.external_id_hash
        ):
            raise ValidationError(
                {"external_id_hash": "Must be a SHA-256 hex digest (64 lowercase hex digits)."}
            )
        if self.created_on and self.banned_on and self.banned_on < self.created_on:
            raise ValidationError({"banned_on": "An account cannot be banned before it exists."})


class Granularity(models.TextChoices):
    TOTAL = "total", "total over the period"
    DAY = "day", "per day"
    WEEK = "week", "per week"


class ExchangeVolume(MarkedModel):
    """Exchanges over a period: a reported total or one point of a series."""

    campaign = models.ForeignKey(
        "incidents.Campaign", on_delete=models.CASCADE, related_name="volumes"
    )
    count = models.BigIntegerField(validators=count_validators())
    qualifier = models.CharField(max_length=16, choices=Qualifier.choices, default=Qualifier.EXACT)
    granularity = models.CharField(
        max_length=8, choices=Granularity.choices, default=Granularity.TOTAL
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    capability = models.ForeignKey(
        "incidents.Capability", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="volumes",
    )
    account_cluster = models.ForeignKey(
        AccountCluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="volumes"
    )

    objects = models.Manager.from_queryset(  # type: ignore[assignment,misc]
        CampaignPartQuerySet
    )()

    class Meta:
        ordering = ["campaign__slug", "period_start", "id"]

    def __str__(self) -> str:
        return f"{self.count:,} exchanges ({self.campaign})"

    def clean(self) -> None:
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": "The period ends before it starts."})
