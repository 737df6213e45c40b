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
