"""Audit events that are not changes to a record: logins, exports, tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from incidents.models import Marking
from incidents.visibility import MarkedQuerySet


class AuditAction(models.TextChoices):
    LOGIN = "login", "signed in"
    LOGIN_FAILED = "login_failed", "failed to sign in"
    LOGOUT = "logout", "signed out"
    EXPORT = "export", "exported"
    TOKEN_CREATE = "token_create", "created an API token"
    TOKEN_REVOKE = "token_revoke", "revoked an API token"
    TOKEN_CHANGE = "token_change", "changed an API token"


class AuditEvent(models.Model):
    """One audited event. ``marking`` is the most restrictive marking of what the event
    names (an export of a RED record is RED), so readers below it never meet it."""

    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, blank=True,
                                help_text="As given at login; kept if the user is deleted.")
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    object_id = models.CharField(max_length=255, blank=True, db_index=True)
    marking = models.CharField(max_length=16, choices=Marking.choices,
                               default=Marking.CLEAR, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = models.Manager.from_queryset(MarkedQuerySet)()

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.username or '-'} {self.action}"
