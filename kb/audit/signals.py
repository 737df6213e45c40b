"""Logins, logouts and failed logins (site, admin, any door using Django's auth)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import signals as auth_signals

from kb.audit.models import AuditAction
from kb.audit.services import audit_record


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action=AuditAction.LOGIN, user=user, request=request)


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, user=user, request=request)


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None,
                  **kwargs: Any) -> None:
    # Django hides the password in ``credentials`` already; keep only the username.
    username = str(credentials.get("username") or "")[:150]
    audit_record(action=AuditAction.LOGIN_FAILED, username=username, request=request)


def connect() -> None:
    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid="kb_audit_login")
    auth_signals.user_logged_out.connect(_logged_out, dispatch_uid="kb_audit_logout")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid="kb_audit_failed")
    connect_changes()


def _record_saved(sender: Any, instance: Any, created: bool, raw: bool = False,
                  **kwargs: Any) -> None:
    from kb.audit import changes

    if not raw:
        changes.record_saved(instance, created)


EDIT_ACTIONS = frozenset({"wagtail.edit", "wagtail.revert", "wagtail.publish"})


def _log_entry_saving(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A log entry of an edit gets the edit's field changes, unless it has them."""
    from kb.audit import changes

    if raw or instance.pk is not None or instance.action not in EDIT_ACTIONS:
        return
    data = instance.data if isinstance(instance.data, dict) else {}
    if "changes" in data:
        return
    found = changes.take_changes(instance.content_type_id, instance.object_id)
    if found:
        instance.data = {**data, "changes": found}


def connect_changes() -> None:
    from django.apps import apps
    from django.db.models.signals import post_save, pre_save
    from wagtail.models import ModelLogEntry

    from incidents.models.base import MarkedModel

    # One receiver per domain model, not one for every save of every model.
    for model in apps.get_models():
        if issubclass(model, MarkedModel):
            post_save.connect(_record_saved, sender=model,
                              dispatch_uid=f"kb_audit_record_saved_{model._meta.label_lower}")
    pre_save.connect(_log_entry_saving, sender=ModelLogEntry,
                     dispatch_uid="kb_audit_log_entry_changes")
