"""Who may do what: read with any credential; write with a write-scoped token, or as a
signed-in user holding Django's model permission for the change.

The permission a write needs is the method's (POST *add*, PUT / PATCH *change*, DELETE
*delete*) on the endpoint's model; a viewset's own POST actions need *change* when they
act on one record (a letter's submit, approve, reject, send) and *add* when they make
one (a draft from an incident), unless the viewset says otherwise in
``action_permissions`` (``{"correct": "add"}``: correcting a letter makes a new one).
The roles (``kb.roles.definitions``) are groups holding these permissions."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from kb.api.models import ApiToken

_ACTION_PERM = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}
#: DRF's own actions: the method says which permission.
_STANDARD_ACTIONS = {"list", "create", "retrieve", "update", "partial_update", "destroy",
                     "metadata", None}


def required_action(request: Request, view: Any) -> str:
    """The model permission's action (``add``, ``change``, ``delete``) a write needs."""
    name = getattr(view, "action", None)
    declared = getattr(view, "action_permissions", {}).get(name)
    if declared:
        return str(declared)
    if name not in _STANDARD_ACTIONS:
        return "change" if getattr(view, "detail", False) else "add"
    return _ACTION_PERM.get(request.method or "", "change")


READ_SCOPED = "This token is read-scoped; writing needs a write-scoped token."


def read_scoped(request: Request) -> bool:
    """Whether ``request`` came with a token that may only read."""
    return isinstance(request.auth, ApiToken) and not request.auth.can_write


class WriteCredential(permissions.BasePermission):
    """Any signed-in credential reads; writing needs a session or a write-scoped token.
    Subclasses add what a write needs besides (``write_allowed``)."""

    message = "This credential may read but not write."
    read_scoped_message = READ_SCOPED

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF turns this into 401 (the authenticator has a challenge)
        if request.method in permissions.SAFE_METHODS:
            return True
        if read_scoped(request):
            self.message = self.read_scoped_message
            return False
        return self.write_allowed(request, view)

    def write_allowed(self, request: Request, view: Any) -> bool:
        return True


class ApiAccess(WriteCredential):
    def write_allowed(self, request: Request, view: Any) -> bool:
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None:
            return True
        action = required_action(request, view)
        perm = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
        if not request.user.has_perm(perm):
            self.message = f"You lack the permission {perm!r}."
            return False
        return True


class ChangePermission(WriteCredential):
    """Reads with any credential; the provenance writes (reviewing claims, acknowledging
    alerts) change records, so they need a write-scoped token (or a session) and the
    model's *change* permission (``view.change_model``)."""

    def write_allowed(self, request: Request, view: Any) -> bool:
        perm = f"incidents.change_{view.change_model}"
        if not request.user.has_perm(perm):
            self.message = f"You lack the permission {perm!r}."
            return False
        return True
