"""Who may do what: read with any credential; write with a write-scoped token, or as a
signed-in user holding Django's model permission for the change."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from kb.api.models import ApiToken

_ACTION_PERM = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


class ApiAccess(permissions.BasePermission):
    message = "This credential may read but not write."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF turns this into 401 (the authenticator has a challenge)
        if request.method in permissions.SAFE_METHODS:
            return True
        if isinstance(request.auth, ApiToken) and not request.auth.can_write:
            self.message = "This token is read-scoped; writing needs a write-scoped token."
            return False
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None:
            return True
        action = _ACTION_PERM.get(request.method or "", "change")
        perm = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
        if not request.user.has_perm(perm):
            self.message = f"You lack the permission {perm!r}."
            return False
        return True


class ChangePermission(permissions.BasePermission):
    """Reads with any credential; the provenance writes (reviewing claims, acknowledging
    alerts) change records, so they need a write-scoped token (or a session) and the
    model's *change* permission (``view.change_model``)."""

    message = "This credential may read but not write."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # 401: the token authenticator sends a challenge
        if request.method in permissions.SAFE_METHODS:
            return True
        if isinstance(request.auth, ApiToken) and not request.auth.can_write:
            self.message = "This token is read-scoped; writing needs a write-scoped token."
            return False
        perm = f"incidents.change_{view.change_model}"
        if not request.user.has_perm(perm):
            self.message = f"You lack the permission {perm!r}."
            return False
        return True
