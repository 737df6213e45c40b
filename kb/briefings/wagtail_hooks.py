"""Briefings in the Wagtail admin keep the visibility rule: a user never meets a briefing
above their clearance, not in a listing, a chooser, a search, a report, a dashboard
panel or a count, and cannot open any view of it (``kb.briefings.permissions``).

* **The page permission policy** (``ClearancePagePermissionPolicy``, registered for
  ``Page``): Wagtail asks it for the pages a user may explore (the explorer, its menu,
  admin search, the site history of pages) and may act on (the aging pages, locked
  pages and workflow reports, the dashboard): hidden briefings are never among them.
* **Hooks**: the explorer's and the page chooser's querysets; the before-hooks of edit,
  delete, copy, move, convert-alias and unpublish answer 404; the dashboard's page
  panels leave hidden briefings out.

Hidden means ``BriefingPage.objects.visible_to(user)`` leaves it out (the one rule).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest
from wagtail import hooks
from wagtail.admin.views.home import (
    LockedPagesPanel,
    RecentEditsPanel,
    UserObjectsInWorkflowModerationPanel,
    WorkflowObjectsToModeratePanel,
)
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import register_permission_policy

from incidents.visibility import can_see
from kb.briefings.models import BriefingPage

# --- the rule, for pages ---------------------------------------------------------------


def hidden_briefings(user: Any) -> QuerySet[BriefingPage]:
    """Briefings ``user`` may not see (none for a RED reader)."""
    visible = BriefingPage.objects.visible_to(user)  # type: ignore[attr-defined]
    return BriefingPage.objects.exclude(pk__in=visible.values("pk"))


def without_hidden_briefings(pages: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """``pages`` (of any page class) without the briefings ``user`` may not see."""
    return pages.exclude(pk__in=hidden_briefings(user).values("pk"))


def page_visible(user: Any, page: Any) -> bool:
    """Whether ``user`` may see ``page`` (any page: only briefings carry a marking). A
    briefing held as a revision counts with its stored row: most restrictive wins."""
    if page is None:
        return False
    if not isinstance(page, Page):  # a snippet in a workflow (a letter): its own rule
        rows = type(page)._default_manager.all()
        if page.pk is not None and hasattr(rows, "visible_to"):
            return bool(rows.visible_to(user).filter(pk=page.pk).exists())
        return True
    if isinstance(page, BriefingPage) and not can_see(user, page):
        return False
    if page.pk is None or page.specific_class is not BriefingPage:
        return True
    return not hidden_briefings(user).filter(pk=page.pk).exists()


def _refuse_hidden(request: HttpRequest, page: Any, *args: Any) -> None:
    """A hidden briefing is a page that does not exist (before-hooks of page views)."""
    if not page_visible(request.user, page):
        raise Http404("No such page")


class ClearancePagePermissionPolicy(PagePermissionPolicy):
    """Wagtail's page permissions, without the briefings above the user's clearance."""

    def user_has_any_permission_for_instance(self, user: Any, actions: Any,
                                             instance: Any) -> bool:
        return page_visible(user, instance) and super().user_has_any_permission_for_instance(
            user, actions, instance)

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet:
        return without_hidden_briefings(
            super().instances_user_has_any_permission_for(user, actions), user)

    def explorable_instances(self, user: Any) -> QuerySet:
        return without_hidden_briefings(super().explorable_instances(user), user)


# Before any admin view asks for the policy of ``Page`` (none would be cached: Wagtail's
# own is registered for ``AbstractPage``, which this one takes precedence over).
register_permission_policy(Page, ClearancePagePermissionPolicy())


# --- listings and choosers ---------------------------------------------------------------


@hooks.register("construct_explorer_page_queryset")
def explorer_without_hidden(parent_page: Any, pages: QuerySet, request: HttpRequest) -> QuerySet:
    return without_hidden_briefings(pages, request.user)


@hooks.register("construct_page_chooser_queryset")
def chooser_without_hidden(pages: QuerySet, request: HttpRequest) -> QuerySet:
    return without_hidden_briefings(pages, request.user)


# --- views of one page ---------------------------------------------------------------------
# ``BriefingPermissionTester`` already answers 404 before these run; they keep the views
# that have a hook closed whatever tester a page class uses.

for _hook in ("before_edit_page", "before_delete_page", "before_copy_page",
              "before_move_page", "before_convert_alias_page", "before_unpublish_page"):
    hooks.register(_hook, _refuse_hidden)


# --- the dashboard -----------------------------------------------------------------------


class VisibleWorkflowObjectsToModeratePanel(WorkflowObjectsToModeratePanel):
    """"Awaiting your review", without hidden briefings (a moderator's group does not
    raise their clearance)."""

    def get_context_data(self, parent_context: Any) -> Any:
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        context["states"] = [s for s in context["states"] if page_visible(user, s["obj"])]
        return context


class VisibleUserObjectsInWorkflowModerationPanel(UserObjectsInWorkflowModerationPanel):
    def get_context_data(self, parent_context: Any) -> Any:
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        context["workflow_states"] = [s for s in context["workflow_states"]
                                      if page_visible(user, s.content_object)]
        return context


class VisibleRecentEditsPanel(RecentEditsPanel):
    """A user's recent edits, without briefings since marked above their clearance."""

    def get_context_data(self, parent_context: Any) -> Any:
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        context["last_edits"] = [(when, page) for when, page in context["last_edits"]
                                 if page_visible(user, page)]
        return context


class VisibleLockedPagesPanel(LockedPagesPanel):
    def get_context_data(self, parent_context: Any) -> Any:
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        context["locked_pages"] = without_hidden_briefings(context["locked_pages"], user)
        return context


PANELS = {
    WorkflowObjectsToModeratePanel: VisibleWorkflowObjectsToModeratePanel,
    UserObjectsInWorkflowModerationPanel: VisibleUserObjectsInWorkflowModerationPanel,
    RecentEditsPanel: VisibleRecentEditsPanel,
    LockedPagesPanel: VisibleLockedPagesPanel,
}


@hooks.register("construct_homepage_panels")
def panels_without_hidden(request: HttpRequest, panels: list[Any]) -> None:
    for index, panel in enumerate(panels):
        replacement = PANELS.get(type(panel))
        if replacement is not None:
            panels[index] = replacement()



# --- reports Wagtail does not filter by permission ------------------------------------------


class VisiblePageTypesUsageReportView(PageTypesUsageReportView):
    """Wagtail's page types usage report (a count and the last edited page of each page
    type, over all pages), with briefings counted and named only as the user may see
    them. Mounted on the report's own paths, ahead of the admin's URLs (``kb/urls.py``)."""

    def decorate_paginated_queryset(self, page_types: Any) -> Any:
        page_types = super().decorate_paginated_queryset(page_types)
        user = self.request.user
        for item in page_types:
            if item.model_class() is BriefingPage:
                visible = BriefingPage.objects.visible_to(user)  # type: ignore[attr-defined]
                item.count = visible.count()
                item.last_edited_page = visible.order_by(
                    F("latest_revision_created_at").desc(nulls_last=True), "title",
                    "-pk").first()
        return page_types
