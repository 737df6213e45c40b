"""The letters' admin hooks: the letter views' URLs (``kb.letters.admin_views``), their
buttons in the letters listing and on incidents, and a sent letter's edit view without
any action (it is read-only). The log actions "letters.send" and "letters.correct" are
registered by ``kb.letters.log_actions``."""

from __future__ import annotations

from typing import Any

from django.urls import include, path
from wagtail import hooks
from wagtail.admin.widgets.button import Button
from wagtail.snippets.action_menu import ActionMenuItem

from incidents.models import Incident, Letter, LetterStatus
from kb.letters import admin_views

urlpatterns = [
    path("new/", admin_views.FromIncidentView.as_view(), name="from_incident"),
    path("<int:pk>/send/", admin_views.SendView.as_view(), name="send"),
    path("<int:pk>/correct/", admin_views.CorrectView.as_view(), name="correct"),
    path("<int:pk>/committee/", admin_views.CommitteeView.as_view(), name="committee"),
    path("<int:pk>/download/<str:fmt>/", admin_views.DownloadView.as_view(),
         name="download"),
]


@hooks.register("register_admin_urls")
def letter_urls() -> list[Any]:
    return [path("letter-tools/", include((urlpatterns, admin_views.NAMESPACE),
                                          namespace=admin_views.NAMESPACE))]


def _from_incident_url(incident: Incident) -> str:
    return f"{admin_views.tool_url('from_incident')}?incident={incident.pk}"


@hooks.register("register_snippet_listing_buttons")
def letter_listing_buttons(snippet: Any, user: Any, next_url: str | None = None
                           ) -> list[Button]:
    """A letter's actions in its row's menu; "Draft a letter" on an incident's."""
    if isinstance(snippet, Letter):
        return admin_views.letter_buttons(snippet, user, listed=True)
    if isinstance(snippet, Incident) and admin_views.can(user, "add"):
        return [Button("Draft a letter", url=_from_incident_url(snippet), icon_name="mail",
                       priority=30)]
    return []


class DraftLetterMenuItem(ActionMenuItem):
    """On an incident's edit view: a new letter about it."""

    name = "action-draft-letter"
    label = "Draft a letter about this incident"
    icon_name = "mail"

    def is_shown(self, context: dict[str, Any]) -> bool:
        return (context.get("view") == "edit" and context.get("instance") is not None
                and admin_views.can(context["request"].user, "add"))

    def get_url(self, parent_context: dict[str, Any]) -> str:
        return _from_incident_url(parent_context["instance"])


@hooks.register("register_snippet_action_menu_item")
def draft_letter_menu_item(model: type) -> ActionMenuItem | None:
    return DraftLetterMenuItem(order=90) if model is Incident else None


@hooks.register("construct_snippet_action_menu")
def sent_letter_without_actions(menu_items: list[Any], request: Any,
                                context: dict[str, Any]) -> None:
    """A sent letter is read-only: no save, publish, workflow or lock action."""
    instance = context.get("instance")
    if isinstance(instance, Letter) and instance.pk is not None and \
            admin_views.stored_status(instance) == LetterStatus.SENT:
        menu_items.clear()
