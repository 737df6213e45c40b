"""The audit trail's admin URLs, its Reports menu item (whole trail) and an "Audit
trail" button on every domain record's listing row and edit page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import include, path
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from incidents.models.base import MarkedModel
from kb.audit import admin_views


@hooks.register("register_admin_urls")
def register_audit_urls() -> list:
    return [path("audit/", include((admin_views.urlpatterns, "kb_audit"), namespace="kb_audit"))]


class _TrailMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(admin_views.WHOLE_TRAIL_PERMISSION))


@hooks.register("register_reports_menu_item")
def register_audit_report() -> MenuItem:
    from django.urls import reverse

    return _TrailMenuItem("Audit trail", reverse("kb_audit:trail"), icon_name="history",
                          order=50)


@hooks.register("register_snippet_listing_buttons")
def audit_listing_button(snippet: Any, user: Any, next_url: str | None = None
                         ) -> list[Button]:
    if isinstance(snippet, MarkedModel):
        return [Button("Audit trail", url=admin_views.trail_url(snippet),
                       icon_name="history", priority=90)]
    return []
