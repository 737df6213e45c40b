"""The administrator role manages users without becoming more than an administrator:
Wagtail lets anyone holding ``auth.change_user`` tick another user's "Administrator"
(``is_superuser``) box and set a superuser's password. Here, only a superuser may make
a superuser or change a superuser's account (as Wagtail already has it for deleting
one); anyone else gets Wagtail's permission denied."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from wagtail import hooks
from wagtail.admin.auth import permission_denied


def _grants_superuser(request: HttpRequest) -> bool:
    return request.method == "POST" and bool(request.POST.get("is_superuser"))


@hooks.register("before_create_user")
def superuser_made_by_superusers(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_superuser and _grants_superuser(request):
        return permission_denied(request)
    return None


@hooks.register("before_edit_user")
def superuser_changed_by_superusers(request: HttpRequest, user: Any) -> HttpResponse | None:
    if request.user.is_superuser:
        return None
    if getattr(user, "is_superuser", False) or _grants_superuser(request):
        return permission_denied(request)
    return None
