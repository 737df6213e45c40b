"""Citations of figures by issued documents, and the fact-drift alerts they give rise to.

A letter (and later a briefing) that cites a figure records a ``FigureCitation``; when the
document is issued (a letter marked sent, a briefing published) the citation keeps the
value it cited. If the shown value of that figure changes afterwards, a ``FactAlert``
names the document and the figure, so someone can decide whether to send a correction.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from incidents.models.base import MarkedModel
from incidents.models.validation import TEXT_MAX


class FigureCitation(MarkedModel):
    """One document citing one figure (``field`` of ``subject``).

    ``value`` and ``detail`` (qualifier or date precision) are what the document said when
    it was issued (``issued_at``); before that they are empty and drift is not watched.
    """

    document_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    document_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("document_type", "document_id")
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    field = models.CharField(max_length=64)
    value = models.JSONField(null=True, blank=True, help_text="The value as issued.")
    detail = models.CharField(
        max_length=16, blank=True, help_text="Qualifier or date precision as issued."
    )
    issued_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["document_type_id", "document_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "document_id", "subject_type", "subject_id", "field"],
                name="citation_one_per_document_figure",
            )
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id", "field"])]

    def __str__(self) -> str:
        return f"{self.document} cites {self.field} of {self.subject}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "open"
    ACKNOWLEDGED = "acknowledged", "acknowledged"
    RESOLVED = "resolved", "resolved (figure back to the cited value, or re-issued)"
    SUPERSEDED = "superseded", "superseded by a later change"


class FactAlert(MarkedModel):
    """The shown value of a cited figure changed after the citing document was issued.

    One alert per citation and new value (``fingerprint``): recording the same change
    twice changes nothing. A later change supersedes the open alert of the citation.
    """

    citation = models.ForeignKey(FigureCitation, on_delete=models.CASCADE, related_name="alerts")
    cited_value = models.JSONField(null=True)
    cited_detail = models.CharField(max_length=16, blank=True)
    current_value = models.JSONField(null=True)
    current_detail = models.CharField(max_length=16, blank=True)
    still_holds = models.BooleanField(
        default=False,
        help_text="The statement as cited is still compatible with the new value "
        "(within its qualifier and rounding).",
    )
    status = models.CharField(
        max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN, db_index=True
    )
    fingerprint = models.CharField(max_length=64, unique=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=TEXT_MAX)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return (f"{self.citation.document}: {self.citation.field} was {self.cited_value!r}, "
                f"now {self.current_value!r}")
