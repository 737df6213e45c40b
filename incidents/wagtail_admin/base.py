"""What the domain's admin viewsets share, and how they keep the visibility rule.

Every view of a domain viewset only ever shows rows the request user may see
(``incidents.visibility``, through ``admin_rows``):

* a view about one record (edit, inspect, delete, history, usage, copy, revisions,
  compare, revert …) answers 404 for a record the user may not see, whatever its URL
  (``DomainViewSet.construct_view`` wraps every view it builds);
* the listing, its filters' related-record choices, the choosers and the usage lists
  hold only visible rows; a column, field or comparison that would name a hidden
  related record shows ``visibility.RESTRICTED`` instead;
* ``Clearance`` rows are for superusers only (its permission policy, ``access``).

The forms (``forms.DomainAdminForm``) keep the marking, figure and hidden-link rules;
the actions (``access``) run the services' checks and consequences on every save and
delete.
"""

from __future__ import annotations

import functools
from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import CharField, ProtectedError, Q
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.text import capfirst
from wagtail.admin import compare
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.models import ReferenceIndex
from wagtail.permissions import policy_registry
from wagtail.snippets.side_panels import SnippetStatusSidePanel
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views import snippets as snippet_views

from incidents.formatting import format_count, format_date, format_number
from incidents.services.records import RestrictedCascade, delete_check
from incidents.visibility import RESTRICTED, MarkedQuerySet, can_see

#: JSON fields (aliases, quotes, detection signals …) are edited as JSON text.
JSON_TEXTAREA = forms.Textarea(attrs={"rows": 3})

APP_LABEL = "incidents"
PROTECTED_MESSAGE = (
    "This record is still used by other records that protect it; it cannot be deleted."
)
ANY_PERMISSION = {"add", "change", "delete", "view"}


# --- The rule, as the admin applies it ----------------------------------------------


def admin_rows(model: type[models.Model], user: Any) -> models.QuerySet:
    """The rows of ``model`` the admin shows ``user``: the visible ones for a marked
    model; all or none by the model's permission policy otherwise (``Clearance``: only
    superusers)."""
    rows = model._default_manager.all()
    if hasattr(rows, "visible_to"):
        return rows.visible_to(user)
    if model._meta.app_label != APP_LABEL:
        return rows  # users, content types …: not the domain's to restrict
    policy = policy_registry.get_by_type(model)
    if policy.user_has_any_permission(user, ANY_PERMISSION):
        return rows
    return rows.none()


def guarded_models() -> list[type[models.Model]]:
    """The domain's models: each row is shown only to who may see it."""
    return list(apps.get_app_config(APP_LABEL).get_models())


_MARKED_ELSEWHERE: list[type[models.Model]] = []


def guard_marked_model(model: type[models.Model]) -> None:
    """Filter the log entries and references of ``model``, a marked model outside the
    domain (a briefing page, whose manager has ``visible_to``), like the domain's own."""
    if model not in _MARKED_ELSEWHERE:
        _MARKED_ELSEWHERE.append(model)


def is_guarded(model: type[models.Model] | None) -> bool:
    return model is not None and model._meta.app_label == APP_LABEL


def related_visible(user: Any, obj: Any) -> bool:
    """Whether ``user`` may see ``obj``, a related record already loaded: its own
    marking for plain records; parts, links and claims by the full rule (a query)."""
    if obj is None:
        return False
    model = type(obj)
    if not is_guarded(model):
        return True
    rows = model._default_manager.all()
    if type(rows) is MarkedQuerySet:
        return can_see(user, obj)
    return admin_rows(model, user).filter(pk=obj.pk).exists()


def shown_name(user: Any, obj: Any) -> str:
    """How a related record is named to ``user``: its name, or "restricted"."""
    if obj is None:
        return ""
    return str(obj) if related_visible(user, obj) else RESTRICTED


def _pk_strings(rows: models.QuerySet) -> models.QuerySet:
    return rows.annotate(_pk_str=Cast("pk", CharField())).values("_pk_str")


def hidden_objects_q(user: Any, *, type_field: str = "content_type",
                     id_field: str = "object_id") -> Q:
    """Rows (log entries, references) about a domain record ``user`` may not see,
    or about one that no longer exists: by a content type and a text object id."""
    q = Q(pk__in=[])
    for model in [*guarded_models(), *_MARKED_ELSEWHERE]:
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        shown = _pk_strings(admin_rows(model, user))
        q |= Q(**{type_field: content_type}) & ~Q(**{f"{id_field}__in": shown})
    return q


def visible_log_entries(entries: models.QuerySet, user: Any) -> models.QuerySet:
    """Log entries ``user`` may see: none about a domain record they may not see or that
    is gone (its entries keep its name). Superusers see all."""
    if getattr(user, "is_superuser", False):
        return entries
    return entries.exclude(hidden_objects_q(user))


def visible_references(references: models.QuerySet, user: Any) -> models.QuerySet:
    """Reference-index rows whose *source* record ``user`` may see."""
    if getattr(user, "is_superuser", False):
        return references
    return references.exclude(hidden_objects_q(user))


# --- Listings ------------------------------------------------------------------------


class VisibleFilterSet(WagtailFilterSet):
    """A listing filter set whose related-record choices are the visible rows only: a
    hidden record is not offered, and choosing it by id is an invalid choice, exactly
    like an id that does not exist."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        for filter_ in self.filters.values():
            queryset = getattr(filter_, "queryset", None)
            if isinstance(queryset, models.QuerySet) and is_guarded(queryset.model):
                filter_.queryset = admin_rows(queryset.model, user)


def filter_set(
    model: type[models.Model],
    fields: list[str] | dict[str, list[str]],
    *,
    periods: tuple[str, ...] = (),
) -> type[WagtailFilterSet]:
    """A listing filter set: ``fields`` as django-filter generates them (related-record
    choices: visible rows only), and each date field in ``periods`` as a from–to range
    (``<name>_after`` / ``<name>_before``)."""
    attrs: dict[str, Any] = {
        name: django_filters.DateFromToRangeFilter(
            label=str(getattr(model._meta.get_field(name), "verbose_name", name)).capitalize(),
            widget=DateRangePickerWidget,
        )
        for name in periods
    }
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": fields})
    return type(f"{model.__name__}AdminFilterSet", (VisibleFilterSet,), attrs)


def count_column(value_attr: str, qualifier_attr: str, label: str) -> Column:
    """A listing column showing a count with its qualifier ("about 25,000", "28.8
    million"), as ``incidents.formatting`` writes it everywhere."""

    def show(instance: Any) -> str:
        value = getattr(instance, value_attr)
        if value is None:
            return ""
        return format_count(value, getattr(instance, qualifier_attr) or "exact")

    return Column(value_attr, label=label, accessor=show, sort_key=value_attr)


def date_column(date_attr: str, precision_attr: str | None = None, label: str = "") -> Column:
    """A listing column showing a date at its precision ("June 2026" for a month)."""

    def show(instance: Any) -> str:
        value = getattr(instance, date_attr)
        if value is None:
            return ""
        precision = getattr(instance, precision_attr) if precision_attr else "day"
        return format_date(value, precision or "day")

    return Column(date_attr, label=label or date_attr.replace("_", " ").capitalize(),
                  accessor=show, sort_key=date_attr)


def number_column(value_attr: str, unit_attr: str | None = None, label: str = "") -> Column:
    """A listing column showing a number ("1,200", "-4.9%")."""

    def show(instance: Any) -> str:
        value = getattr(instance, value_attr)
        if value is None:
            return ""
        unit = getattr(instance, unit_attr) if unit_attr else ""
        return format_number(value, unit if unit == "%" else "") + (
            f" {unit}" if unit and unit != "%" else "")

    return Column(value_attr, label=label or value_attr.capitalize(), accessor=show,
                  sort_key=value_attr)


def _foreign_key(model: type[models.Model], name: str) -> Any:
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - "__str__", a column object's name …
        return None
    if getattr(field, "many_to_one", False) or getattr(field, "one_to_one", False):
        return field
    return None


class DomainIndexView(snippet_views.IndexView):
    """The listing: visible rows (the viewset's ``get_queryset``), filters offering
    visible records only, and related-record columns naming a hidden record
    "restricted" (not sortable: an order would hint at the hidden name)."""

    base_filterset_class = VisibleFilterSet

    def _get_custom_column(self, field_name: str, column_class: Any = Column,
                           **kwargs: Any) -> Any:
        field = _foreign_key(self.model, field_name)
        if field is None or not is_guarded(field.related_model) or column_class is not Column:
            return super()._get_custom_column(field_name, column_class, **kwargs)
        user = self.request.user

        def show(instance: Any) -> str:
            return shown_name(user, getattr(instance, field_name))

        return Column(field_name, label=capfirst(field.verbose_name), accessor=show, **kwargs)


# --- One record ----------------------------------------------------------------------


class DomainInspectView(snippet_views.InspectView):
    """Inspect: a hidden related record reads "restricted"; a many-to-many field lists
    the visible records only."""

    def get_field_display_value(self, field_name: str, field: Any) -> Any:
        from incidents.wagtail_admin.forms import figure_text

        user = self.request.user
        shown = figure_text(self.object, field_name)
        if shown is not None:  # a figure, as ``incidents.formatting`` writes it
            return shown
        if field is not None and is_guarded(getattr(field, "related_model", None)):
            if getattr(field, "many_to_many", False):
                rows = admin_rows(field.related_model, user).filter(
                    pk__in=getattr(self.object, field_name).values("pk"))
                return ", ".join(str(row) for row in rows) or "-"
            if getattr(field, "many_to_one", False) or getattr(field, "one_to_one", False):
                related = getattr(self.object, field_name)
                return shown_name(user, related) if related is not None else None
        return super().get_field_display_value(field_name, field)


def grouped_references_to(obj: Any, user: Any) -> Any:
    """Wagtail's usage groups for ``obj``, from the records ``user`` may see only."""
    references: Any = visible_references(ReferenceIndex.get_references_to(obj), user)
    return references.group_by_source_object()


class DomainUsageView(snippet_views.UsageView):
    """Usage: where the record is used, by visible records only (never their count)."""

    def get_queryset(self) -> Any:
        return grouped_references_to(self.object, self.request.user)


class VisibleUsageStatusPanel(SnippetStatusSidePanel):
    """The status side panel, counting usage by visible records only."""

    def get_usage_context(self) -> dict[str, Any]:
        context = super().get_usage_context()
        if self.object.pk is not None:
            context["usage_count"] = grouped_references_to(self.object, self.request.user).count()
        return context


class DeleteRefusalMixin:
    """Delete: refused, with the service's message and nothing deleted, when it would
    reach a record the user may not see (``records.delete_check``); the confirmation
    page says so beforehand. Usage counts only visible records."""

    request: HttpRequest
    object: Any

    def get_usage(self) -> Any:
        if not getattr(self, "usage_url", None):
            return None
        return grouped_references_to(self.object, self.request.user)

    def refusal(self) -> str | None:
        try:
            delete_check(instance=self.object, viewer=self.request.user)
        except RestrictedCascade as exc:
            return str(exc)
        except ProtectedError:
            return PROTECTED_MESSAGE
        return None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if message := self.refusal():
            messages.error(request, message)
        return super().get(request, *args, **kwargs)  # type: ignore[misc]

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            return super().form_valid(form)  # type: ignore[misc]
        except RestrictedCascade as exc:
            messages.error(self.request, str(exc))
        except ProtectedError:
            messages.error(self.request, PROTECTED_MESSAGE)
        return redirect(self.request.path)


class DomainDeleteView(DeleteRefusalMixin, snippet_views.DeleteView):
    pass


class RestrictedForeignObjectComparison(compare.ForeignObjectComparison):
    """A revision comparison of a foreign key: a hidden record reads "restricted"."""

    user: Any = None

    def get_objects(self) -> tuple[Any, Any]:
        obj_a, obj_b = super().get_objects()
        return (obj_a if obj_a is None or related_visible(self.user, obj_a) else RESTRICTED,
                obj_b if obj_b is None or related_visible(self.user, obj_b) else RESTRICTED)


class RestrictedM2MFieldComparison(compare.M2MFieldComparison):
    """A revision comparison of a many-to-many field: visible records only."""

    user: Any = None

    def get_items(self) -> tuple[list[Any], list[Any]]:
        items_a, items_b = super().get_items()
        return ([i for i in items_a if related_visible(self.user, i)],
                [i for i in items_b if related_visible(self.user, i)])


def _restricted_comparison(comparison: Any, user: Any) -> Any:
    func = getattr(comparison, "func", None)
    if not isinstance(func, type):
        return comparison
    field = comparison.args[0] if comparison.args else None
    if not is_guarded(getattr(field, "related_model", None)):
        return comparison
    for base, restricted in ((compare.M2MFieldComparison, RestrictedM2MFieldComparison),
                             (compare.ForeignObjectComparison,
                              RestrictedForeignObjectComparison)):
        if issubclass(func, base):
            cls = type(restricted.__name__, (restricted,), {"user": user})
            return functools.partial(cls, *comparison.args, **comparison.keywords)
    return comparison


class DomainRevisionsCompareView(snippet_views.RevisionsCompareView):
    """Comparing revisions: related records the user may not see read "restricted"
    (a hidden many-to-many link is left out)."""

    def _get_comparison(self, revision_a: Any, revision_b: Any) -> list[Any]:
        comparison = (
            self.get_edit_handler()
            .get_bound_panel(instance=self.object, request=self.request, form=None)
            .get_comparison()
        )
        result = []
        for comp in comparison:
            diff = _restricted_comparison(comp, self.request.user)(revision_a, revision_b)
            if diff.has_changed():
                result.append(diff)
        return result


class VisibleUsageSidePanelsMixin:
    request: HttpRequest

    def get_side_panels(self) -> Any:
        panels = super().get_side_panels()  # type: ignore[misc]
        for panel in panels:
            if type(panel) is SnippetStatusSidePanel:
                panel.__class__ = VisibleUsageStatusPanel
        return panels


class DomainCreateView(VisibleUsageSidePanelsMixin, snippet_views.CreateView):
    pass


class DomainEditView(VisibleUsageSidePanelsMixin, snippet_views.EditView):
    pass


class DomainCopyView(VisibleUsageSidePanelsMixin, snippet_views.CopyView):
    """Copy: a form prefilled from the record, marked as a copy so the form treats it
    as a new record (figures to enter with their sources, no hidden links)."""

    def get_initial_form_instance(self) -> Any:
        instance = super().get_initial_form_instance()
        instance._admin_copy = True
        return instance


class RevertRecordSavedMixin:
    """Reverting to a revision saves through the form, not an action: apply the
    domain consequences here too."""

    form: Any
    request: HttpRequest

    def save_instance(self) -> Any:
        from incidents.wagtail_admin.access import saved_consequences

        previous = _stored_marking(self.form.instance)
        instance = super().save_instance()  # type: ignore[misc]
        saved_consequences(instance=instance, created=False, previous_marking=previous)
        return instance


def _stored_marking(instance: Any) -> str | None:
    if instance.pk is None or not hasattr(instance, "marking"):
        return None
    return (type(instance)._default_manager.filter(pk=instance.pk)
            .values_list("marking", flat=True).first())


# --- Choosers ------------------------------------------------------------------------


class VisibleChooseMixin:
    request: HttpRequest
    model_class: Any

    def get_object_list(self) -> models.QuerySet:
        return admin_rows(self.model_class, self.request.user)


class DomainChooseView(VisibleChooseMixin, snippet_chooser.ChooseView):
    pass


class DomainChooseResultsView(VisibleChooseMixin, snippet_chooser.ChooseResultsView):
    pass


class DomainChosenView(snippet_chooser.SnippetChosenView):
    def get_object(self, pk: Any) -> Any:
        try:
            return admin_rows(self.model_class, self.request.user).get(pk=pk)
        except (ValueError, ValidationError):
            raise ObjectDoesNotExist from None


class DomainChosenMultipleView(snippet_chooser.SnippetChosenMultipleView):
    def get_objects(self, pks: list[str]) -> models.QuerySet:
        try:
            ids = [int(pk) for pk in pks]
        except ValueError:
            ids = []
        return admin_rows(self.model_class, self.request.user).filter(pk__in=ids)


class DomainChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    """The chooser modal (the FK widgets' picker): visible rows only; choosing a hidden
    row by id is a 404."""

    choose_view_class = DomainChooseView
    choose_results_view_class = DomainChooseResultsView
    chosen_view_class = DomainChosenView
    chosen_multiple_view_class = DomainChosenMultipleView


# --- The viewset ---------------------------------------------------------------------


def _gate(model: type[models.Model], view: Any) -> Any:
    """``view``, answering 404 for a record (URL ``pk``) the user may not see."""

    @functools.wraps(view)
    def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pk = kwargs.get("pk")
        if pk is not None:
            try:
                shown = admin_rows(model, request.user).filter(pk=unquote(str(pk))).exists()
            except (ValueError, ValidationError):
                shown = False
            if not shown:
                raise Http404
        return view(request, *args, **kwargs)

    return gated


class ChangesColumn(Column):
    """The fields an edit changed, old → new (``kb.audit``), as the reader may see them:
    a foreign key to a hidden record reads "restricted"."""

    cell_template_name = "kb_audit/changes_cell.html"

    def get_cell_context_data(self, instance: Any, parent_context: Any) -> dict[str, Any]:
        from kb.audit.trail import shown_changes

        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        context["changes"] = shown_changes(instance, getattr(request, "user", None))
        return context


class DomainHistoryView(snippet_views.HistoryView):
    """Wagtail's history of a record, with what each edit changed."""

    @cached_property
    def columns(self) -> list[Any]:
        columns = list(super().columns)
        columns.insert(1, ChangesColumn("changes", label="Changes", width="35%"))
        return columns


class DomainViewSet(snippet_views.SnippetViewSet):
    """What every domain viewset shares: database (ORM) search, so no Wagtail search
    index is needed; an inspect view; history from Wagtail's log entries (revisions too
    for models with ``RevisionMixin``); the listing's related rows fetched in the same
    query; and the visibility rule on every view (module docstring)."""

    search_backend_name = None
    inspect_view_enabled = True
    list_per_page = 50
    #: Relations the listing's columns show, joined into the listing query.
    list_select_related: tuple[str, ...] = ()

    index_view_class = DomainIndexView
    add_view_class = DomainCreateView
    edit_view_class = DomainEditView
    copy_view_class = DomainCopyView
    delete_view_class = DomainDeleteView
    usage_view_class = DomainUsageView
    inspect_view_class = DomainInspectView
    revisions_compare_view_class = DomainRevisionsCompareView
    history_view_class = DomainHistoryView
    chooser_viewset_class = DomainChooserViewSet

    def construct_view(self, view_class: Any, **kwargs: Any) -> Any:
        return _gate(self.model, super().construct_view(view_class, **kwargs))

    def get_queryset(self, request: Any) -> models.QuerySet:
        rows = admin_rows(self.model, request.user)
        if self.list_select_related:
            rows = rows.select_related(*self.list_select_related)
        return rows

    @property
    def revisions_revert_view_class(self) -> Any:
        return type(
            "_RevisionsRevertView",
            (RevertRecordSavedMixin, generic.RevisionsRevertMixin, self.edit_view_class),
            {"view_name": "revisions_revert"},
        )

    def get_edit_handler(self) -> Any:
        from incidents.wagtail_admin.forms import domain_form_class

        handler = self.edit_handler if hasattr(self, "edit_handler") else ObjectList(self.panels)
        base = getattr(handler, "base_form_class", None)
        handler = handler.clone()
        handler.base_form_class = domain_form_class(self.model, base)
        return handler.bind_to_model(self.model)
