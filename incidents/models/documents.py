"""Letters and media coverage: documents about incidents, and sources of claims."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from wagtail.fields import StreamField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)

from incidents.blocks import LetterStreamBlock
from incidents.models.base import DatePrecision, MarkedModel, revisions_relation
from incidents.models.validation import TEXT_MAX, StringList, not_reserved_slug


class LetterStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    IN_REVIEW = "in_review", "in review"
    APPROVED = "approved", "approved"
    SENT = "sent", "sent"


class Letter(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, PreviewableMixin,
             MarkedModel):
    """A letter to lawmakers: found in the record (10 June 2026) or drafted by the team.

    A Wagtail snippet with drafts, revisions, locking, preview and the "Letter review"
    workflow (``kb.letters.workflow``). ``status`` says where it stands in the policy
    team's terms: draft → in review → approved (Wagtail's workflow approved and
    published it) → sent (``kb.letters.services.letter_send``: the sent date, the
    figures it cited, the timeline and the graph). A sent letter is read-only; a
    correction is a new letter whose ``corrects`` names it.
    """

    slug = models.SlugField(max_length=120, unique=True, validators=[not_reserved_slug])
    subject = models.CharField(max_length=300)
    sender = models.ForeignKey(
        "incidents.Actor", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="letters_sent",
    )
    recipients = models.ManyToManyField(
        "incidents.Actor", blank=True, related_name="letters_received"
    )
    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    summary = models.TextField(
        blank=True, max_length=TEXT_MAX,
        help_text="In our own words: what the letter says (for a letter found in the "
                  "record, whose text we do not hold).")
    body = StreamField(LetterStreamBlock(), blank=True, help_text=(
        "The letter's text. A fact block prints a KB figure as its reader may see it and "
        "footnotes its sources."))
    signer_name = models.CharField(max_length=200, blank=True)
    signer_title = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=16, choices=LetterStatus.choices, default=LetterStatus.DRAFT, db_index=True
    )
    sent_on = models.DateField(null=True, blank=True)
    incidents = models.ManyToManyField("incidents.Incident", blank=True, related_name="letters")
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections",
        help_text="The sent letter this one corrects.")

    claims = GenericRelation("incidents.Claim", related_query_name="letter")
    _revisions = revisions_relation("letter")

    class Meta:
        ordering = ["-date", "slug"]

    def __str__(self) -> str:
        return self.subject

    @property
    def revisions(self):  # type: ignore[override]
        return self._revisions

    @property
    def is_sent(self) -> bool:
        return self.status == LetterStatus.SENT

    def get_preview_template(self, request: Any, mode_name: str) -> str:
        return "letters/letter_preview.html"

    def get_preview_context(self, request: Any, mode_name: str) -> dict[str, Any]:
        from kb.letters.rendering import letter_view

        context = super().get_preview_context(request, mode_name)
        context["view"] = letter_view(letter=self, viewer=request.user)
        return context


class Coverage(RevisionMixin, MarkedModel):
    """A media item about one or more incidents; its canonical URL is its natural key."""

    url = models.URLField(max_length=500, unique=True, help_text="Canonical URL.")
    outlet = models.ForeignKey(
        "incidents.Actor", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="coverage",
    )
    title = models.CharField(max_length=400)
    published_on = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=16, blank=True)
    region = models.CharField(max_length=64, blank=True)
    lens = models.CharField(max_length=200, blank=True, help_text="The editorial lens.")
    summary = models.TextField(blank=True, max_length=TEXT_MAX, help_text="In our own words.")
    quotes = models.JSONField(
        default=list, blank=True, validators=[StringList(max_items=100, max_length=2000)],
        help_text="Quoted sentences: a list of at most 100 strings of at most 2,000 characters.",
    )
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    incidents = models.ManyToManyField("incidents.Incident", blank=True, related_name="coverage")

    claims = GenericRelation("incidents.Claim", related_query_name="coverage")
    _revisions = revisions_relation("coverage")

    class Meta:
        ordering = ["-published_on", "title"]
        verbose_name_plural = "coverage"

    def __str__(self) -> str:
        return self.title

    @property
    def revisions(self):  # type: ignore[override]
        return self._revisions
