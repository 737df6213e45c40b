"""Ingest jobs: one document on its way from a request (API, admin upload) through a
Celery task to a source, a coverage record and pending claims."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from incidents.models.base import Marking, checked_clean_fields
from incidents.visibility import ORDER, clearance_for, markings_up_to

#: Characters a job's input may hold: a 5 MB document has at most this many.
CONTENT_MAX = 5 * 1024 * 1024


class IngestState(models.TextChoices):
    PENDING = "pending", "pending"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class IngestInputKind(models.TextChoices):
    TEXT = "text", "plain text or Markdown"
    HTML = "html", "HTML"


class IngestJobQuerySet(models.QuerySet["IngestJob"]):
    def visible_to(self, viewer: Any) -> IngestJobQuerySet:
        """Jobs ``viewer`` (a user or an API token) may see: their own, and for staff
        every job whose marking is within their clearance. A job holds the text it was
        given, so nobody else sees it, whatever their clearance."""
        user = viewer.user if getattr(viewer, "clearance_level", None) else viewer
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        own = Q(created_by=user)
        if not getattr(user, "is_staff", False):
            return self.filter(own)
        clearance = clearance_for(viewer)
        if clearance == ORDER[-1]:
            return self.all()
        return self.filter(own | Q(marking__in=markings_up_to(clearance)))


class IngestJob(models.Model):
    """One document to ingest and where it stands: pending → running → done or failed.

    The primary key is also the Celery task id (``/api/v1/tasks/<id>/``). The input
    (``content``) stays on the job so a retried task works from the same text; the task
    payload is the job id only. ``result`` is JSON: the source and coverage ids, whether
    the document was a duplicate, counts per extraction kind, claims created, candidate
    organisations. ``marking`` is the marking the source gets (TLP:GREEN, or the
    incident's when stricter).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = models.CharField(max_length=16, choices=IngestState.choices,
                             default=IngestState.PENDING, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)],
                                                help_text="Percent done, 0–100.")
    message = models.CharField(max_length=500, blank=True)
    input_kind = models.CharField(max_length=8, choices=IngestInputKind.choices)
    name = models.CharField(max_length=255, blank=True, help_text="The file name, if any.")
    url = models.URLField(max_length=500, blank=True)
    content = models.TextField(blank=True, max_length=CONTENT_MAX,
                               help_text="The text or HTML to ingest (at most 5 MB).")
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    marking = models.CharField(max_length=16, choices=Marking.choices, default=Marking.GREEN)
    clearance = models.CharField(
        max_length=16, choices=Marking.choices, blank=True,
        help_text="The requester's clearance when the job was made (a token's may be lower "
                  "than its user's): the task sees no more than this.")
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(IngestJobQuerySet)()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name or self.url or self.input_kind} ({self.state})"

    def clean_fields(self, exclude: Any = None) -> None:
        """The generic value rules of every domain record, then Django's own."""
        checked_clean_fields(self, exclude, super().clean_fields)

    @property
    def task_id(self) -> str:
        return str(self.id)

    @property
    def viewer(self) -> Any:
        """Whose eyes the task works with: the creator, capped at ``clearance`` (as a
        token is capped); ``None`` for a job without a creator (a system job)."""
        if self.created_by is None:
            return None
        if not self.clearance:
            return self.created_by
        return _CappedViewer(clearance_level=self.clearance, user=self.created_by)


@dataclass(frozen=True)
class _CappedViewer:
    """A viewer shaped like an API token (``incidents.visibility.clearance_for``)."""

    clearance_level: str
    user: Any
