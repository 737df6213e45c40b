"""Writing audit events. Call ``audit_record`` from the door that did the thing."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from incidents.visibility import ORDER
from kb.audit.models import AuditEvent


def acting_user(user: Any) -> Any:
    """The user behind ``user``: an API token acts for its user; anonymous is nobody."""
    user = getattr(user, "user", user) if hasattr(user, "token_hash") else user
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *, action: str, user: Any = None, obj: models.Model | None = None,
    data: dict[str, Any] | None = None, request: HttpRequest | None = None,
    username: str = "", marking: str | None = None,
) -> AuditEvent:
    """Store one audit event. ``marking`` defaults to ``obj``'s (CLEAR without one): an
    event is seen only by readers who may see what it names."""
    real = acting_user(user)
    if marking is None:
        marking = getattr(obj, "marking", None) or ORDER[0]
    return AuditEvent.objects.create(
        action=action,
        user=real,
        username=username or (real.get_username() if real is not None else ""),
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        marking=marking,
        ip_address=client_address(request),
        data=data or {},
    )
