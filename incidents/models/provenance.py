"""Sources and claims: where every figure and date the KB shows comes from."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from wagtail.models import RevisionMixin

from incidents.formatting import describe_value
from incidents.models.base import DatePrecision, MarkedModel, Qualifier, revisions_relation
from incidents.models.validation import (
    SOURCE_TEXT_MAX,
    TEXT_MAX,
    claim_value_check,
    json_problem,
)
from incidents.provenance.fields import FIELDS, field_spec
from incidents.visibility import ClaimQuerySet, rank


class SourceKind(models.TextChoices):
    COVERAGE = "coverage", "media coverage"
    LETTER = "letter", "letter"
    STATEMENT = "statement", "statement"
    REPORT = "report", "report or disclosure"
    DATASET = "dataset", "data set"
    OTHER = "other", "other"


class Reliability(models.TextChoices):
    """Source reliability on the Admiralty (NATO) scale."""

    A = "A", "A – completely reliable"
    B = "B", "B – usually reliable"
    C = "C", "C – fairly reliable"
    D = "D", "D – not usually reliable"
    E = "E", "E – unreliable"
    F = "F", "F – reliability cannot be judged"


class Source(RevisionMixin, MarkedModel):
    """Something a claim was read from: an article, a letter, a statement, a data set.

    Keeps the text it was read from (or at least its SHA-256 and retrieval time) so a
    figure can be traced to the exact words.
    """

    key = models.SlugField(max_length=120, unique=True, help_text="Stable natural key.")
    title = models.CharField(max_length=400)
    kind = models.CharField(max_length=16, choices=SourceKind.choices, default=SourceKind.OTHER)
    url = models.URLField(max_length=500, blank=True)
    publisher = models.ForeignKey(
        "incidents.Actor", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="sources",
    )
    coverage = models.ForeignKey(
        "incidents.Coverage", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="sources",
    )
    letter = models.ForeignKey(
        "incidents.Letter", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="sources",
    )
    published_on = models.DateField(null=True, blank=True)
    reliability = models.CharField(
        max_length=1, choices=Reliability.choices, default=Reliability.F
    )
    text = models.TextField(
        blank=True, max_length=SOURCE_TEXT_MAX, help_text="The text the claims were read from."
    )
    sha256 = models.CharField(max_length=64, blank=True)
    retrieved_at = models.DateTimeField(null=True, blank=True)

    _revisions = revisions_relation("source")

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def revisions(self):  # type: ignore[override]
        return self._revisions


def names_records(value: object) -> bool:
    """Whether a claim value can name records: a set of slugs, or a ratio's ``of``."""
    return isinstance(value, list | dict)


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "pending"
    ACCEPTED = "accepted", "accepted"
    REJECTED = "rejected", "rejected"


class ClaimKind(models.TextChoices):
    FACT = "fact", "fact"
    DERIVED = "derived", "derived statement"


class Claim(MarkedModel):
    """One source saying one thing about one field of one record.

    ``value`` is JSON: a number for counts and ratios, an ISO date for dates, a list of
    slugs for sets (operators). The shown value of a field is the consensus of accepted
    claims (``incidents.provenance.consensus``).
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    field = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=16, choices=ClaimKind.choices, default=ClaimKind.FACT)
    value = models.JSONField()
    qualifier = models.CharField(max_length=16, choices=Qualifier.choices, default=Qualifier.EXACT)
    precision = models.CharField(max_length=8, choices=DatePrecision.choices, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claims")
    quote = models.TextField(
        blank=True, max_length=TEXT_MAX, help_text="The quoted span the value was read from."
    )
    quote_start = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Where the quoted span starts in the source's stored text (characters).",
    )
    quote_end = models.PositiveIntegerField(
        null=True, blank=True, help_text="Where the quoted span ends (exclusive).",
    )
    credibility = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text="Admiralty credibility: 1 confirmed … 5 improbable, 6 cannot be judged.",
    )
    status = models.CharField(
        max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.PENDING, db_index=True
    )
    note = models.TextField(blank=True, max_length=TEXT_MAX)
    fingerprint = models.CharField(
        max_length=64, unique=True, help_text="Hash of subject, field, source and value."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager.from_queryset(  # type: ignore[assignment,misc]
        ClaimQuerySet
    )()

    class Meta:
        ordering = ["content_type_id", "object_id", "field", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "field"])]

    def __str__(self) -> str:
        # Listings, choosers and log entries show this to anyone who sees the claim: a
        # value that can name other records (an operators set, the campaign a ratio is
        # "of") is left out, since those records may be hidden from the reader.
        if names_records(self.value):
            return f"{self.field} claim ({self.source})"
        model = ContentType.objects.get_for_id(self.content_type_id).model \
            if self.content_type_id else ""
        spec = FIELDS.get(model or "", {}).get(self.field)
        value = describe_value(spec.kind if spec else "text", self.value, self.qualifier,
                               self.precision)
        return f"{self.field} = {value} ({self.source})"

    def clean(self) -> None:
        """The field must be a claim field of the subject's model, the value fit its kind
        (``validation.claim_value_check``: the ranges of the record field it sets), and
        the claim be at least as restricted as its source."""
        super().clean()
        errors: dict[str, str] = {}
        if self.content_type_id is not None:
            model_name = ContentType.objects.get_for_id(self.content_type_id).model
            try:
                spec = field_spec(model_name, self.field)
            except KeyError as exc:
                errors["field"] = str(exc.args[0])
            else:
                if json_problem(self.value) is None:  # else clean_fields said why
                    try:
                        self.value = claim_value_check(spec.kind, self.value)
                    except ValidationError as exc:
                        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        if (self.quote_start is None) != (self.quote_end is None) or (
                self.quote_start is not None and self.quote_end is not None
                and self.quote_end < self.quote_start):
            errors["quote_end"] = (
                "A quoted span needs a start and an end, the end not before the start."
            )
        if self.source_id is not None and self.marking:
            source_marking = Source.objects.filter(pk=self.source_id).values_list(
                "marking", flat=True).first()
            if source_marking and rank(self.marking) < rank(source_marking):
                errors["marking"] = (
                    f"A claim is at least as restricted as its source ({source_marking}); "
                    f"it cannot be {self.marking}."
                )
        if errors:
            raise ValidationError(errors)
