"""Admin forms: the rules every domain form keeps (``DomainAdminForm``), the figure
panels, and the claim and relationship forms.

``DomainAdminForm`` — the base of every domain viewset's form
(``base.DomainViewSet.get_edit_handler``):

* **Visibility**: foreign-key and many-to-many fields offer visible records only; a
  foreign key already pointing to a hidden record is kept, shown as "restricted" and
  not editable; many-to-many links to hidden records are kept on save
  (``records.m2m_with_hidden``).
* **Markings**: the marking choices stop at the user's clearance; a posted marking
  above it is an error on "marking" with the services' message (``records.marking_check``).
* **Figures are never typed**: on edit, the figure fields (``records.figure_attrs``) are
  not in the form; they are shown read-only with the consensus of the claims the user
  may see and a link to those claims (``FigurePanel``). A posted value changes
  nothing. On create, a figure is entered with its source, quote and note and saved as
  an accepted claim (``claim_upsert`` + ``facts_refresh``), so the stored value is the
  consensus from the start.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.widgets import BaseChooser

from incidents.figures import json_value
from incidents.formatting import describe_value
from incidents.models import Claim, ClaimStatus, Source
from incidents.models.validation import claim_value_check
from incidents.provenance.display import claim_value_text, field_label
from incidents.provenance.fields import FIELDS, FieldSpec, field_spec
from incidents.provenance.selectors import claim_redactor
from incidents.services.claims import facts_refresh
from incidents.services.records import (
    FigureInput,
    figure_attrs,
    figures_write,
    m2m_with_hidden,
    marking_check,
)
from incidents.visibility import RESTRICTED, clearance_for, markings_up_to, rank
from incidents.wagtail_admin.base import (
    DomainCopyView,
    DomainCreateView,
    DomainEditView,
    DomainInspectView,
    admin_rows,
    is_guarded,
    shown_name,
)

FIGURE_NEEDS_SOURCE = (
    "A figure is entered with the source that states it: choose the source (an "
    "analyst's note with a reason is a source too)."
)
RESTRICTED_LINK_HELP = (
    "Linked to a record above your clearance; someone cleared to see it can change this."
)


def figure_specs(model: type[models.Model]) -> dict[str, FieldSpec]:
    """The figures of ``model`` stored on the record (claim field → spec)."""
    specs = FIELDS.get(model._meta.model_name or "", {})
    return {name: spec for name, spec in specs.items() if spec.value_attr}


def claim_input_names(claim_field: str) -> tuple[str, str, str]:
    """The create-form fields holding a figure's source, quote and note."""
    return (f"{claim_field}__source", f"{claim_field}__quote", f"{claim_field}__note")


class RestrictedWidget(forms.Widget):
    """In place of a foreign-key input pointing to a hidden record: the neutral word."""

    def render(self, name: str, value: Any, attrs: Any = None,
               renderer: Any = None) -> SafeString:
        return format_html('<span class="w-field__restricted">{}</span>', RESTRICTED)


class VisibleChooserWidget(BaseChooser):
    """A chooser widget that only ever displays a record from its field's visible rows
    (a forged id re-rendered with the form's errors shows nothing)."""

    visible_rows: Any = None

    def get_instance(self, value: Any) -> Any:
        if value is None or value == "" or self.visible_rows is None:
            return super().get_instance(value)
        pk = value.pk if isinstance(value, models.Model) else value
        try:
            return self.visible_rows.filter(pk=pk).first()
        except (ValueError, ValidationError):
            return None


class DomainAdminForm(WagtailAdminModelForm):
    """The base of every domain admin form (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = getattr(self, "for_user", None)
        instance = self.instance
        self.creating = instance.pk is None or bool(getattr(instance, "_admin_copy", False))
        self._restrict_related()
        self._restrict_marking()
        self._setup_figures()

    # -- visibility --

    def _restrict_related(self) -> None:
        for name, field in self.fields.items():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            model = getattr(field.queryset, "model", None)
            if model is None or not is_guarded(model):
                continue
            rows = admin_rows(model, self.viewer)
            if isinstance(field, forms.ModelMultipleChoiceField):
                field.queryset = rows
                continue
            current = self.initial.get(name)
            if isinstance(current, models.Model):
                current = current.pk
            if current not in (None, "") and not rows.filter(pk=current).exists():
                if self.creating:  # a copy does not link a new record to a hidden one
                    self.initial[name] = None
                else:
                    field.queryset = model._default_manager.filter(pk=current)
                    field.disabled = True
                    field.widget = RestrictedWidget()
                    field.help_text = RESTRICTED_LINK_HELP
                    continue
            field.queryset = rows
            widget = field.widget
            if isinstance(widget, BaseChooser):
                if not isinstance(widget, VisibleChooserWidget):
                    widget.__class__ = type(widget.__class__.__name__,
                                            (VisibleChooserWidget, widget.__class__), {})
                widget.visible_rows = rows  # type: ignore[attr-defined]

    def _save_m2m(self) -> None:
        """Many-to-many links to records the user may not see stay."""
        for field in self._meta.model._meta.many_to_many:
            name = field.name
            if (name in self.fields and name in self.cleaned_data
                    and not self.fields[name].disabled and is_guarded(field.related_model)):
                self.cleaned_data[name] = m2m_with_hidden(
                    instance=self.instance, name=name, values=self.cleaned_data[name],
                    viewer=self.viewer)
        super()._save_m2m()  # type: ignore[misc]

    # -- markings --

    def _restrict_marking(self) -> None:
        field = self.fields.get("marking")
        if field is None:
            return
        allowed = set(markings_up_to(clearance_for(self.viewer)))
        # Only the widget: a posted marking above the clearance reaches ``clean`` and
        # gets the services' message, not "not one of the available choices".
        field.widget.choices = [(v, label) for v, label in field.choices
                                if v in allowed or v == ""]

    def _marking_clean(self, data: dict[str, Any]) -> None:
        marking = data.get("marking")
        if "marking" in self.fields and marking:
            try:
                marking_check(viewer=self.viewer, marking=marking)
            except ValidationError as exc:
                self.add_error(None, exc)

    # -- figures --

    def _setup_figures(self) -> None:
        model = self._meta.model
        attrs = figure_attrs(model)
        if not self.creating:
            for name in list(attrs) + self._claim_inputs():
                self.fields.pop(name, None)
            return
        if getattr(self.instance, "_admin_copy", False):
            # A copy starts without figures: each is entered again with its source.
            for attr in attrs:
                if attr in self.fields:
                    self.initial[attr] = model._meta.get_field(attr).get_default()
        for claim_field, spec in figure_specs(model).items():
            source = self.fields.get(claim_input_names(claim_field)[0])
            if source is not None and spec.value_attr in self.fields:
                source.required = self.fields[spec.value_attr].required

    def _claim_inputs(self) -> list[str]:
        return [name for claim in figure_specs(self._meta.model)
                for name in claim_input_names(claim)]

    def _figures_clean(self, data: dict[str, Any]) -> None:
        if not self.creating:
            return
        for claim_field, spec in figure_specs(self._meta.model).items():
            source_name = claim_input_names(claim_field)[0]
            attr = spec.value_attr or ""
            if attr not in self.fields or source_name not in self.fields:
                continue
            value = data.get(attr)
            source = data.get(source_name)
            if value in (None, ""):
                if source is not None and attr not in self.errors:
                    self.add_error(attr, "Enter the value the source states, "
                                   "or leave the source empty.")
                continue
            if source is None:
                if source_name not in self.errors:
                    self.add_error(source_name, FIGURE_NEEDS_SOURCE)
                continue
            marking = data.get("marking") or getattr(self.instance, "marking", None)
            if marking and rank(source.marking) > rank(marking):
                self.add_error(source_name, (
                    f"This source is marked {source.marking}, above the record's {marking}: "
                    "readers of the record could not see what backs the figure."))
                continue
            try:
                claim_value_check(spec.kind, json_value(value))
            except ValidationError as exc:
                for message in exc.messages:
                    self.add_error(attr, message)

    def _post_clean(self) -> None:
        # Editing (or reverting to a revision): the figures are what is stored, whatever
        # the instance was loaded from or the request posted.
        if not self.creating and self.instance.pk is not None:
            attrs = list(figure_attrs(self._meta.model))
            if attrs:
                stored = (type(self.instance)._default_manager.filter(pk=self.instance.pk)
                          .values(*attrs).first()) or {}
                for attr, value in stored.items():
                    setattr(self.instance, attr, value)
        super()._post_clean()

    def figures_save(self, instance: models.Model) -> None:
        """The accepted claims behind the figures entered on create, then the stored
        figures from their consensus (``incidents.services.records.figures_write``)."""
        figures: dict[str, FigureInput] = {}
        for claim_field, spec in figure_specs(self._meta.model).items():
            source_name, quote_name, note_name = claim_input_names(claim_field)
            source = self.cleaned_data.get(source_name)
            value = self.cleaned_data.get(spec.value_attr or "")
            if source is None or value in (None, ""):
                continue
            detail = self.cleaned_data.get(spec.detail_attr or "") or ""
            figures[claim_field] = FigureInput(
                value=json_value(value), source=source,
                qualifier=detail if spec.kind == "count" and detail else "exact",
                precision=detail if spec.kind == "date" else "",
                quote=self.cleaned_data.get(quote_name) or "",
                note=self.cleaned_data.get(note_name) or "",
            )
        figures_write(instance=instance, figures=figures, user=self._real_viewer())

    def _real_viewer(self) -> Any:
        return self.viewer if getattr(self.viewer, "is_authenticated", False) else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._marking_clean(data)
        self._figures_clean(data)
        return data

    def save(self, commit: bool = True) -> Any:
        instance = super().save(commit=commit)
        if commit and self.creating:
            self.figures_save(instance)
        return instance


def domain_form_class(model: type[models.Model], base: Any = None) -> type[DomainAdminForm]:
    """The form class of ``model``'s viewset: ``base`` (a ``DomainAdminForm``), with the
    source, quote and note inputs of each figure for the create form."""
    base = base or DomainAdminForm
    if not issubclass(base, DomainAdminForm):
        base = type(base.__name__, (DomainAdminForm, base), {})
    attrs: dict[str, Any] = {}
    for claim_field, spec in figure_specs(model).items():
        source, quote, note = claim_input_names(claim_field)
        label = spec.label or claim_field
        attrs[source] = forms.ModelChoiceField(
            queryset=Source.objects.all(), required=False, label=f"Source of the {label}",
            help_text="Required with a value: the figure is saved as an accepted claim "
            "of this source.")
        attrs[quote] = forms.CharField(
            required=False, label="Quote", max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text="The source's own words for the figure.")
        attrs[note] = forms.CharField(required=False, label="Note", max_length=2000,
                                      help_text="Why this value, if it needs saying.")
    return type(f"{model.__name__}AdminForm", (base,), attrs)


# --- Figure panels -------------------------------------------------------------------


def claims_url(instance: models.Model, claim_field: str) -> str:
    query = urlencode({
        "content_type": ContentType.objects.get_for_model(instance).pk,
        "object_id": instance.pk,
        "field": claim_field,
    })
    return f"{reverse('wagtailsnippets_incidents_claim:list')}?{query}"


def figure_help(instance: Any, attr: str, user: Any) -> str:
    """What a read-only figure field says: the consensus of the claims the user may see,
    and where its claims are."""
    from incidents.figures import figure

    claim_field = figure_attrs(type(instance)).get(attr)
    if claim_field is None or instance.pk is None:
        return ""
    spec = field_spec(instance._meta.model_name or "", claim_field)
    if getattr(instance, "accepted_claims", None) is None:
        instance.accepted_claims = list(
            Claim.objects.filter(
                content_type=ContentType.objects.get_for_model(instance),
                object_id=instance.pk, status=ClaimStatus.ACCEPTED,
            ).select_related("source").visible_about_visible(user).order_by("field", "id"))
    shown = figure(instance, claim_field)
    if spec.value_attr != attr:
        consensus = f"Follows the consensus of the claims for the {shown.label}."
    elif shown.known:
        value = shown.value.isoformat() if isinstance(shown.value, dt.date) else shown.value
        words = describe_value(spec.kind, value, shown.qualifier if spec.kind != "date"
                               else "exact", shown.qualifier if spec.kind == "date" else "")
        consensus = (f"Consensus of {len(shown.sources)} accepted claim(s): {words}"
                     + (" — sources disagree." if shown.conflict else "."))
    else:
        consensus = "No accepted claim yet."
    return format_html(
        '{} A figure changes through a claim with a source, not by typing: '
        '<a href="{}">its claims</a>.', consensus, claims_url(instance, claim_field))


class FigurePanel(FieldPanel):
    """A figure field: an input on create; on edit (where the form leaves the field
    out) its stored value, read-only, with the consensus and a link to its claims.
    Also used for claim fields that are fixed once a claim is reviewed."""

    class BoundPanel(FieldPanel.BoundPanel):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if self.form is not None and self.bound_field is None:
                self.read_only = True
                self.heading = self.panel.heading or capfirst(self.panel.db_field.verbose_name)
                user = getattr(self.request, "user", None)
                self.help_text = self.panel.help_text or figure_help(
                    self.instance, self.field_name, user)

        @cached_property
        def value_from_instance(self) -> Any:
            # A claim's value may name records hidden from this user (an operators set,
            # the campaign a ratio is "of"): shown with "restricted" in their place.
            if isinstance(self.instance, Claim) and self.field_name == "value":
                user = getattr(self.request, "user", None)
                return claim_redactor(viewer=user, claims=[self.instance])(self.instance).value
            shown = figure_text(self.instance, self.field_name)
            return shown if shown is not None else super().value_from_instance


def figure_text(instance: Any, attr: str) -> str | None:
    """A stored figure (``attr`` the value attribute of one of the record's figures) as
    ``incidents.formatting`` writes it, with its qualifier or precision; ``None`` for
    any other attribute."""
    for spec in figure_specs(type(instance)).values():
        if spec.value_attr == attr:
            value = getattr(instance, attr, None)
            if value is None:
                return "unknown"
            detail = getattr(instance, spec.detail_attr or "", "") or ""
            return describe_value(spec.kind, json_value(value), detail, detail)
    return None


def figure_panels(model: type[models.Model], *names: str) -> list[Any]:
    """``FigurePanel`` for each of ``names`` (figure attributes of ``model``)."""
    attrs = figure_attrs(model)
    return [FigurePanel(name) if name in attrs else FieldPanel(name) for name in names]


def claim_panels(model: type[models.Model]) -> list[Any]:
    """Per figure of ``model``, the source, quote and note to enter with it on create
    (hidden on edit: the form leaves them out)."""
    panels = []
    for claim_field, spec in figure_specs(model).items():
        source, quote, note = claim_input_names(claim_field)
        panels.append(MultiFieldPanel(
            [FieldPanel(source), FieldPanel(quote), FieldPanel(note)],
            heading=f"Where the {spec.label or claim_field} comes from",
        ))
    return panels


# --- Claims and relationships --------------------------------------------------------

class RelationshipAdminForm(DomainAdminForm):
    def validate_constraints(self) -> None:
        # ``Relationship.clean`` already says in words that exactly one object is needed;
        # the database constraint behind it would only repeat that by its name.
        if not self.non_field_errors():
            super().validate_constraints()


class ClaimSavedMixin:
    """After the admin saves a claim, its subject's shown values follow the consensus
    (its marking decides which claims count)."""

    def save_instance(self) -> Claim:
        claim = super().save_instance()  # type: ignore[misc]
        subject = claim.subject
        if subject is not None:
            facts_refresh(subject=subject)
        return claim


class ClaimCreateView(ClaimSavedMixin, DomainCreateView):
    pass


class ClaimEditView(ClaimSavedMixin, DomainEditView):
    pass


class ClaimCopyView(ClaimSavedMixin, DomainCopyView):
    pass


class ClaimInspectView(DomainInspectView):
    def get_field_display_value(self, field_name: str, field: Any) -> Any:
        # Wagtail looks for a ``get_<name>_display_value`` method on the view; for the
        # claim's ``field`` that is this very method, so answer for it first.
        if field_name == "field":
            return field_label(self.object.content_type.model, self.object.field)
        if field_name == "value":  # may name hidden records: see FigurePanel
            redact = claim_redactor(viewer=self.request.user, claims=[self.object])
            return claim_value_text(self.object, redact(self.object).value)
        if field_name == "object_id":  # the record, not its database id
            return shown_name(self.request.user, self.object.subject)
        return super().get_field_display_value(field_name, field)
