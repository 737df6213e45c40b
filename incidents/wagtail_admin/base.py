"""What the domain's admin viewsets share: a base viewset (ORM search, inspect view,
joined listing queries), filter sets with date ranges, and a count-with-qualifier column."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import SnippetViewSet

#: JSON fields (aliases, quotes, detection signals …) are edited as JSON text.
JSON_TEXTAREA = forms.Textarea(attrs={"rows": 3})


class DomainViewSet(SnippetViewSet):
    """What every domain viewset shares: database (ORM) search, so no Wagtail search
    index is needed; an inspect view; history from Wagtail's log entries (revisions too
    for models with ``RevisionMixin``); and the listing's related rows fetched in the
    same query."""

    search_backend_name = None
    inspect_view_enabled = True
    list_per_page = 50
    #: Relations the listing's columns show, joined into the listing query.
    list_select_related: tuple[str, ...] = ()

    def get_queryset(self, request: Any) -> models.QuerySet | None:
        if not self.list_select_related:
            return None  # Wagtail's default queryset
        return self.model._default_manager.select_related(*self.list_select_related)


def filter_set(
    model: type[models.Model],
    fields: list[str] | dict[str, list[str]],
    *,
    periods: tuple[str, ...] = (),
) -> type[WagtailFilterSet]:
    """A listing filter set: ``fields`` as django-filter generates them, and each date
    field in ``periods`` as a from–to range (``<name>_after`` / ``<name>_before``)."""
    attrs: dict[str, Any] = {
        name: django_filters.DateFromToRangeFilter(
            label=str(getattr(model._meta.get_field(name), "verbose_name", name)).capitalize(),
            widget=DateRangePickerWidget,
        )
        for name in periods
    }
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": fields})
    return type(f"{model.__name__}AdminFilterSet", (WagtailFilterSet,), attrs)


def count_column(value_attr: str, qualifier_attr: str, label: str) -> Column:
    """A listing column showing a count with its qualifier ("about 25,000")."""

    def show(instance: Any) -> str:
        value = getattr(instance, value_attr)
        if value is None:
            return ""
        qualifier = getattr(instance, f"get_{qualifier_attr}_display")()
        return f"{qualifier} {value:,}"

    return Column(value_attr, label=label, accessor=show, sort_key=value_attr)
