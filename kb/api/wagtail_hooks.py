"""The admin's "API tokens" page (``kb.api.admin_views``): its URLs, an item in the
Settings menu and one in the account menu. Every admin user manages their own tokens;
administrators (``kb_api.view_apitoken`` / ``change_apitoken``) everyone's."""

from __future__ import annotations

from typing import Any

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from kb.api import admin_views

urlpatterns = [
    path("", admin_views.TokenIndexView.as_view(), name="index"),
    path("new/", admin_views.TokenCreateView.as_view(), name="new"),
    path("<int:pk>/revoke/", admin_views.TokenRevokeView.as_view(), name="revoke"),
]


@hooks.register("register_admin_urls")
def token_urls() -> list[Any]:
    return [path("api-tokens/", include((urlpatterns, admin_views.NAMESPACE),
                                        namespace=admin_views.NAMESPACE))]


@hooks.register("register_settings_menu_item")
def token_menu_item() -> MenuItem:
    return MenuItem("API tokens", reverse(f"{admin_views.NAMESPACE}:index"),
                    name="api-tokens", icon_name="key", order=900)


@hooks.register("register_account_menu_item")
def token_account_item(request: Any) -> dict[str, str]:
    return {"url": reverse(f"{admin_views.NAMESPACE}:index"), "label": "API tokens",
            "help_text": "Tokens for the REST API: create, see and revoke them."}
