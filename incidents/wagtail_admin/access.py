"""The admin's access rules as Wagtail extension points: permission policies, the
create / edit / delete actions, the bulk delete action and the site history report.

* **Permission policies** (``register_policies``): a domain record's per-instance
  permissions need the user to see it (``MarkedPermissionPolicy``); ``Clearance`` is
  for superusers only (``AdministratorsOnlyPolicy``), so its menu item, listing and
  forms are refused to everyone else, their own row included.
* **Actions** (``register_actions``): Wagtail's create, edit and delete actions for the
  domain's records run the services' rules and consequences — ``records.record_saved``
  after a save (derived events, figures on a marking change, citation snapshots of a
  sent letter), ``records.record_delete`` for a delete (refused, nothing deleted, when
  it would reach a record the user may not see).
* **Bulk delete** (``DomainDeleteBulkAction``): visible rows only, each checked like a
  single delete before any is deleted.
* **Site history** (``VisibleLogEntriesView``): log entries of domain records the user
  may not see — or that no longer exist — are left out, for anyone but a superuser; so
  are those of pages they may not explore (briefings above their clearance) or that
  were deleted.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import IntegerField as IntegerModelField
from django.db.models import ProtectedError, Q, QuerySet, Value
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import classproperty
from wagtail.actions import CreateAction, DeleteAction, EditAction
from wagtail.admin import messages
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import ModelLogEntry, Page, PageLogEntry
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.models import get_snippet_models

from incidents.models import Clearance
from incidents.models.base import MarkedModel
from incidents.services.records import (
    RestrictedCascade,
    delete_check,
    marking_check,
    record_delete,
    record_saved,
    stored_label,
)
from incidents.wagtail_admin.base import (
    APP_LABEL,
    PROTECTED_MESSAGE,
    _stored_marking,
    admin_rows,
    grouped_references_to,
    guarded_models,
    is_guarded,
    visible_log_entries,
)

# --- Permission policies -------------------------------------------------------------


class MarkedPermissionPolicy(ModelPermissionPolicy):
    """Django's model permissions; for one record, only if the user may see it."""

    def _shown(self, user: Any, instance: Any) -> bool:
        if instance is None or instance.pk is None:
            return True
        return admin_rows(self.model, user).filter(pk=instance.pk).exists()

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.user_has_permission(user, action) and self._shown(user, instance)

    def user_has_any_permission_for_instance(self, user: Any, actions: Any,
                                             instance: Any) -> bool:
        return self.user_has_any_permission(user, actions) and self._shown(user, instance)

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet:
        rows = super().instances_user_has_any_permission_for(user, actions)
        return rows.filter(pk__in=admin_rows(self.model, user).values("pk"))


class AdministratorsOnlyPolicy(ModelPermissionPolicy):
    """Clearances: superusers, and administrators (``auth.change_user`` plus the
    clearance model's permission: the Administrator role). Nobody edits or deletes their
    own row, so nobody raises their own clearance; ``ClearanceForm`` keeps a level above
    the editor's own out of reach."""

    @staticmethod
    def _administrator(user: Any, action: str) -> bool:
        if not getattr(user, "is_active", False):
            return False
        if getattr(user, "is_superuser", False):
            return True
        return bool(user.has_perm("auth.change_user")
                    and user.has_perm(f"{APP_LABEL}.{action}_clearance"))

    def user_has_permission(self, user: Any, action: str) -> bool:
        return self._administrator(user, action)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self._administrator(user, action) for action in actions)

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
            return True
        own = getattr(instance, "user_id", None) == getattr(user, "pk", None)
        return self._administrator(user, action) and (action == "view" or not own)

    def user_has_any_permission_for_instance(self, user: Any, actions: Any,
                                             instance: Any) -> bool:
        return any(self.user_has_permission_for_instance(user, action, instance)
                   for action in actions)

    def users_with_any_permission(self, actions: Any) -> QuerySet:
        users = get_user_model().objects.filter(is_active=True)
        codenames = [f"{action}_clearance" for action in actions]
        granted = (Q(groups__permissions__codename__in=codenames)
                   | Q(user_permissions__codename__in=codenames))
        changes_users = (Q(groups__permissions__codename="change_user")
                         | Q(user_permissions__codename="change_user"))
        # Two filters, two joins: the two permissions may come from different groups.
        administrators = users.filter(granted).filter(changes_users).values("pk")
        return users.filter(Q(is_superuser=True) | Q(pk__in=administrators))

    def users_with_permission(self, action: str) -> QuerySet:
        return self.users_with_any_permission([action])


def register_policies() -> None:
    """Register the policies; before the viewsets, which would make a fallback one."""
    for model in guarded_models():
        if model is Clearance:
            register_permission_policy(model, AdministratorsOnlyPolicy(model), exact_class=True)
        elif issubclass(model, MarkedModel):
            register_permission_policy(model, MarkedPermissionPolicy(model), exact_class=True)


# --- Actions -------------------------------------------------------------------------


def saved_consequences(*, instance: Any, created: bool, previous_marking: str | None = None,
                       previous_label: str | None = None) -> None:
    """The domain consequences of an admin save (``records.record_saved``)."""
    if isinstance(instance, MarkedModel):
        record_saved(instance=instance, created=created, previous_marking=previous_marking,
                     previous_label=previous_label)


class DomainCreateAction(CreateAction):
    """Wagtail's create (revision, log entry), then the domain's consequences."""

    @transaction.atomic
    def _create(self, skip_permission_checks: bool = False) -> Any:
        if self.user is not None:
            marking_check(viewer=self.user, marking=getattr(self.instance, "marking", None))
        instance = super()._create(skip_permission_checks=skip_permission_checks)
        saved_consequences(instance=instance, created=True)
        return instance


class DomainEditAction(EditAction):
    """Wagtail's edit (revision, log entry), then the domain's consequences, with the
    marking the record had before."""

    @transaction.atomic
    def _edit(self, skip_permission_checks: bool = False) -> Any:
        previous = _stored_marking(self.instance)
        label = stored_label(self.instance)
        if self.user is not None:
            marking_check(viewer=self.user, marking=getattr(self.instance, "marking", None))
        instance = super()._edit(skip_permission_checks=skip_permission_checks)
        saved_consequences(instance=instance, created=False, previous_marking=previous,
                           previous_label=label)
        return instance


class DomainDeleteAction(DeleteAction):
    """Delete through the service: logged, derived events removed, and refused
    (``RestrictedCascade``) when it would reach a record the user may not see."""

    def _delete(self) -> Any:
        record_delete(instance=self.instance, user=self.user)


def register_actions(registry: Any) -> None:
    for action in (DomainCreateAction, DomainEditAction, DomainDeleteAction):
        registry.register(MarkedModel, action)


# --- Bulk delete ---------------------------------------------------------------------


class DomainDeleteBulkAction(DeleteBulkAction):
    """Bulk delete of domain records: the visible rows among those chosen; refused as a
    whole, with the reason, when deleting any of them would reach a hidden record."""

    @classproperty
    def models(cls) -> list[Any]:  # noqa: N805 - a class property
        return [model for model in get_snippet_models() if is_guarded(model)]

    def get_queryset(self, model: Any, object_ids: Any) -> list[Any]:  # type: ignore[override]
        try:
            ids = [int(pk) for pk in object_ids]
        except (TypeError, ValueError):
            ids = []
        rows = list(admin_rows(model, self.request.user).filter(pk__in=ids))
        if not rows:
            raise Http404
        return rows

    def annotate_items(self, items: Any) -> Any:
        self.is_protected = False
        for item in items:
            item._usage_references = grouped_references_to(item, self.request.user)
            self.is_protected = self.is_protected or item._usage_references.is_protected
        return items

    def prepare_action(self, objects: Any, objects_without_access: Any) -> HttpResponse | None:
        super().prepare_action(objects, objects_without_access)
        back = (self.next_url if self.next_url != self.request.path
                else self.request.get_full_path())
        for obj in objects:
            try:
                delete_check(instance=obj, viewer=self.request.user)
            except RestrictedCascade as exc:
                messages.error(self.request, f"{obj}: {exc}")
                return redirect(back)
            except ProtectedError:
                messages.error(self.request, f"{obj}: {PROTECTED_MESSAGE}")
                return redirect(back)
        return None

    @classmethod
    def execute_action(cls, objects: Any, user: Any = None, **kwargs: Any) -> tuple[int, int]:
        view = kwargs["self"]
        for obj in objects:
            record_delete(instance=obj, user=view.request.user)
        return len(objects), 0


# --- Site history --------------------------------------------------------------------


def visible_page_log_entries(entries: Any, user: Any) -> Any:
    """Page log entries of pages ``user`` may explore: the page permission policy leaves
    out pages above their clearance (``kb.briefings.wagtail_hooks``). Not those of deleted
    pages, which keep the page's title, for anyone but a superuser."""
    if getattr(user, "is_superuser", False):
        return entries
    explorable = policy_registry.get_by_type(Page).explorable_instances(user)
    return entries.filter(page_id__in=explorable.values("pk"))


class VisibleLogEntriesView(LogEntriesView):
    """Wagtail's site history, without the log entries of domain records and pages the
    user may not see (or that are gone: their entries keep the record's name)."""

    def get_filtered_queryset(self) -> Any:
        queryset: Any = None
        self.log_models = list(log_action_registry.get_log_entry_models())
        for index, log_model in enumerate(self.log_models):
            entries = log_model.objects.viewable_by_user(self.request.user)
            if issubclass(log_model, ModelLogEntry):
                entries = visible_log_entries(entries, self.request.user)
            elif issubclass(log_model, PageLogEntry):
                entries = visible_page_log_entries(entries, self.request.user)
            sub_queryset = self.filter_queryset(
                entries.values("pk", "timestamp").annotate(
                    log_model_index=Value(index, output_field=IntegerModelField()))
            ).order_by()
            queryset = sub_queryset if queryset is None else queryset.union(
                sub_queryset, all=True)
        return queryset.order_by("-timestamp")
