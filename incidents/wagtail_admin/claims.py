"""The claim form of the admin: a claim is entered without typing a database id.

* **Subject**: the record type, then the record itself with that type's chooser (the
  snippet chooser modal, visible records only: ``base.DomainChooserViewSet``);
* **Field**: a select of the claim fields of that type (``provenance.fields.FIELDS``),
  grouped by type; the script narrows it to the chosen type;
* **Value**: a typed input for the field's kind — a whole number with its qualifier
  (counts), a number (derived figures, event values), a date with its precision, a
  list of actors (sets of operators), a number and the campaign it is compared with
  (ratios);
* **Source**: the source chooser.

Without the script every input is shown and the form reads the ones the field's kind
needs. A subject the user may not see reads exactly like one that does not exist.
Once a claim is reviewed (or if what it states names a record the user may not see),
what it states is fixed and shown read-only (``ClaimStatementPanel``).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from wagtail.admin.panels import HelpPanel
from wagtail.admin.widgets import AdminDateInput
from wagtail.snippets.widgets import AdminSnippetChooser

from incidents.models import (
    AccountCluster,
    Actor,
    Campaign,
    Claim,
    ClaimKind,
    ClaimStatus,
    Event,
    ExchangeVolume,
    Incident,
    Letter,
)
from incidents.models.provenance import names_records
from incidents.models.validation import claim_value_check
from incidents.provenance.derived import is_derived_field
from incidents.provenance.display import claim_value_text, field_label
from incidents.provenance.fields import FIELDS, field_spec
from incidents.provenance.registry import claim_subject_model
from incidents.provenance.selectors import claim_redactor
from incidents.services.claims import claim_fingerprint
from incidents.wagtail_admin.base import admin_rows, shown_name
from incidents.wagtail_admin.forms import DomainAdminForm

#: The models a claim can be about, each with its subject chooser input. Kept in
#: step with ``provenance.registry`` (a test checks it).
SUBJECT_MODELS: tuple[type[models.Model], ...] = (
    Campaign, Incident, Letter, Event, AccountCluster, ExchangeVolume,
)

VALUE_INPUTS = ("value_count", "value_number", "value_date", "value_actors", "ratio_of")

#: Which inputs hold the value of a field of each kind (the script shows these only).
KIND_INPUTS: dict[str, tuple[str, ...]] = {
    "count": ("value_count", "qualifier"),
    "number": ("value_number", "qualifier"),
    "ratio": ("value_number", "ratio_of", "qualifier"),
    "date": ("value_date", "precision"),
    "set": ("value_actors", "qualifier"),
    "text": (),
}


def subject_input(model: type[models.Model] | str) -> str:
    """The name of the chooser input of a subject type: ``subject_campaign``."""
    name = model if isinstance(model, str) else model._meta.model_name
    return f"subject_{name}"


def subject_inputs() -> list[str]:
    return [subject_input(model) for model in SUBJECT_MODELS]


def field_choice(model_name: str, field: str) -> str:
    """The value of the field select for ``field`` of ``model_name``: "campaign:exchanges"."""
    return f"{model_name}:{field}"


def _type_label(model: type[models.Model]) -> str:
    return capfirst(str(model._meta.verbose_name))


def _field_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    groups = []
    for model in SUBJECT_MODELS:
        name = model._meta.model_name or ""
        specs = FIELDS.get(name, {})
        groups.append((_type_label(model), [
            (field_choice(name, field), capfirst(spec.label or field))
            for field, spec in specs.items()
        ]))
    return groups


def _field_kinds() -> dict[str, str]:
    return {field_choice(model, field): spec.kind
            for model, specs in FIELDS.items() for field, spec in specs.items()}


def _subject_field(model: type[models.Model]) -> forms.ModelChoiceField:
    # The queryset is narrowed to the user's visible rows by ``DomainAdminForm``
    # (and so is what the chooser widget displays).
    return forms.ModelChoiceField(
        queryset=model._default_manager.all(), required=False,
        label=_type_label(model),
        widget=AdminSnippetChooser(model, attrs={"data-claim-subject": model._meta.model_name}),
    )


def _value_widget(widget: forms.Widget, kind: str) -> forms.Widget:
    widget.attrs["data-claim-value"] = kind
    return widget


class ClaimAdminForm(DomainAdminForm):
    """Admin form for a claim (module docstring). The status is not edited here: a new
    claim is pending and is accepted or rejected in the review queue."""

    subject_type = forms.ChoiceField(
        label="Subject type",
        choices=[("", "---------")] + [(m._meta.model_name, _type_label(m))
                                       for m in SUBJECT_MODELS],
        widget=forms.Select(attrs={"data-claim-subject-type": ""}),
        help_text="What kind of record the claim is about.",
    )
    subject_campaign = _subject_field(Campaign)
    subject_incident = _subject_field(Incident)
    subject_letter = _subject_field(Letter)
    subject_event = _subject_field(Event)
    subject_accountcluster = _subject_field(AccountCluster)
    subject_exchangevolume = _subject_field(ExchangeVolume)
    field = forms.ChoiceField(
        label="Field", choices=[("", "---------"), *_field_choices()],
        widget=forms.Select(attrs={"data-claim-field": "",
                                   "data-claim-kinds": json.dumps(_field_kinds())}),
        help_text="One of the figures of the chosen record type.",
    )
    value_count = forms.IntegerField(
        label="Count", required=False, min_value=0,
        widget=_value_widget(forms.NumberInput(attrs={"step": "1"}), "count"),
        help_text="A whole number, as the source states it; its qualifier below.")
    value_number = forms.DecimalField(
        label="Number", required=False, max_digits=20, decimal_places=6,
        widget=_value_widget(forms.NumberInput(attrs={"step": "any"}), "number ratio"),
        help_text="A number (a ratio: how many times the other campaign's figure).")
    ratio_of = forms.ModelChoiceField(
        queryset=Campaign.objects.all(), required=False, label="Compared with campaign",
        widget=_value_widget(AdminSnippetChooser(Campaign), "ratio"),
        help_text="For a ratio: the campaign it compares with.")
    value_date = forms.DateField(
        label="Date", required=False, widget=_value_widget(AdminDateInput(), "date"),
        help_text="At a month's or a year's precision, enter its first day.")
    value_actors = forms.ModelMultipleChoiceField(
        queryset=Actor.objects.all(), required=False, label="Actors",
        widget=_value_widget(forms.CheckboxSelectMultiple(), "set"),
        help_text="The actors the source names.")

    class Media:
        js = ["js/admin_claim_form.js"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("status", None)
        for name in ("qualifier", "precision"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].widget.attrs["data-claim-value"] = name
        if "qualifier" in self.fields:
            self.fields["qualifier"].help_text = "For a count, number or list of actors."
        if "precision" in self.fields:
            self.fields["precision"].help_text = "For a date: day, month or year."
        if self.fixed():
            for name in (*STATEMENT_INPUTS, "kind"):
                self.fields.pop(name, None)
            return
        if not self.is_bound and self.instance.content_type_id is not None:
            # Editing a pending claim, or a copy: its statement in the typed inputs.
            self._initial_from_claim(self.instance)

    def fixed(self) -> bool:
        """Whether what the claim states can no longer change here: reviewed, or
        naming a record this user may not see (they could neither read nor rightly
        change it)."""
        if self.creating:
            return False
        return self.instance.status != ClaimStatus.PENDING or self._names_hidden_records()

    def _names_hidden_records(self) -> bool:
        redact = claim_redactor(viewer=self.viewer, claims=[self.instance])
        return redact(self.instance) is not self.instance

    def _initial_from_claim(self, claim: Claim) -> None:
        model_name = claim.content_type.model if claim.content_type_id else ""
        self.initial["subject_type"] = model_name
        if subject_input(model_name) in self.fields:
            self.initial[subject_input(model_name)] = claim.object_id
        self.initial["field"] = field_choice(model_name, claim.field)
        spec = FIELDS.get(model_name, {}).get(claim.field)
        value = claim.value
        if spec is None:
            return
        if spec.kind == "count":
            self.initial["value_count"] = value
        elif spec.kind == "date":
            self.initial["value_date"] = value
        elif spec.kind == "set" and isinstance(value, list):
            self.initial["value_actors"] = list(
                admin_rows(Actor, self.viewer).filter(slug__in=value))
        elif spec.kind == "ratio" and isinstance(value, dict):
            self.initial["value_number"] = value.get("ratio")
            self.initial["ratio_of"] = (admin_rows(Campaign, self.viewer)
                                        .filter(slug=value.get("of")).first())
        else:
            self.initial["value_number"] = value

    # -- cleaning --

    def clean_field(self) -> str:
        """The select's "campaign:exchanges" is stored as "exchanges"; the type is kept
        for ``clean`` to check against the subject."""
        raw: str = self.cleaned_data.get("field") or ""
        field_type, _, name = raw.partition(":")
        self._field_type = field_type
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "subject_type" not in self.fields:
            return data  # fixed: what it states does not change
        subject = self._subject(data)
        spec = self._spec(data)
        if subject is None or spec is None:
            return data
        value = self._value(data, spec.kind)
        if value is None:
            return data
        claim = self.instance
        claim.content_type = ContentType.objects.get_for_model(subject)
        claim.object_id = subject.pk
        claim.value = value
        if spec.kind == "date":
            claim.qualifier = "exact"
            data["qualifier"] = "exact"
            data["precision"] = data.get("precision") or "day"
        else:
            data["qualifier"] = data.get("qualifier") or "exact"
            data["precision"] = ""
        claim.kind = ClaimKind.DERIVED if is_derived_field(spec.name) else ClaimKind.FACT
        source = data.get("source")
        if source is None:
            return data  # the source has its own message
        fingerprint = claim_fingerprint(subject=subject, field=spec.name, source=source,
                                        value=value, qualifier=data["qualifier"])
        if Claim.objects.filter(fingerprint=fingerprint).exclude(pk=claim.pk).exists():
            raise forms.ValidationError(
                "This source already makes this claim (same subject, field, value and "
                "qualifier); edit that claim instead.")
        claim.fingerprint = fingerprint
        return data

    def _subject(self, data: dict[str, Any]) -> models.Model | None:
        model_name = data.get("subject_type") or ""
        model = claim_subject_model(model_name)
        if model is None:
            return None  # the select has its own message
        subject = data.get(subject_input(model_name))
        if subject is None:
            label = str(model._meta.verbose_name)
            self.add_error(subject_input(model_name) if subject_input(model_name)
                           not in self.errors else None,
                           f"Choose the {label} the claim is about.")
        return subject

    def _spec(self, data: dict[str, Any]) -> Any:
        name = data.get("field")
        model_name = data.get("subject_type") or ""
        if not name or not model_name:
            return None
        if getattr(self, "_field_type", model_name) != model_name:
            known = ", ".join(spec.label or f for f, spec in FIELDS.get(model_name, {}).items())
            self.add_error("field", f"That is not a field of a {model_name}; "
                           f"its fields are: {known}.")
            return None
        try:
            return field_spec(model_name, name)
        except KeyError as exc:
            self.add_error("field", str(exc.args[0]))
            return None

    def _value(self, data: dict[str, Any], kind: str) -> Any:
        """The claim's value from the typed inputs of ``kind``, checked as the model
        checks it (``validation.claim_value_check``); ``None`` with an error on the
        input if there is none or it does not fit."""
        value = self._typed_value(data, kind)
        if value is None:
            return None
        try:
            return claim_value_check(kind, value)
        except ValidationError as exc:
            target = KIND_INPUTS.get(kind, ("value_number",))[0]
            for message in exc.messages:
                self.add_error(target, message)
            return None

    def _typed_value(self, data: dict[str, Any], kind: str) -> Any:
        def missing(name: str, message: str) -> None:
            if name not in self.errors:
                self.add_error(name, message)

        if kind == "count":
            if data.get("value_count") is None:
                missing("value_count", "Enter the count the source states.")
                return None
            return int(data["value_count"])
        if kind == "date":
            day = data.get("value_date")
            if not isinstance(day, dt.date):
                missing("value_date", "Enter the date the source states.")
                return None
            return day.isoformat()
        if kind == "set":
            actors = data.get("value_actors")
            if not actors:
                missing("value_actors", "Choose the actors the source names.")
                return None
            return sorted(actor.slug for actor in actors)
        number = data.get("value_number")
        if number is None:
            missing("value_number", "Enter the number the source states.")
            return None
        plain = _plain_number(number)
        if kind == "ratio":
            other = data.get("ratio_of")
            return {"of": other.slug, "ratio": plain} if other is not None else plain
        return plain


def _plain_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


#: Inputs that say what the claim states (fixed once reviewed).
STATEMENT_INPUTS = ("subject_type", *subject_inputs(), "field", *VALUE_INPUTS,
                    "qualifier", "precision", "source")


class ClaimStatementPanel(HelpPanel):
    """What a claim states, read-only, where it can no longer change (reviewed, or
    naming records the user may not see): subject, field, value, source. A record the
    user may not see reads "restricted"."""

    class BoundPanel(HelpPanel.BoundPanel):
        def is_shown(self) -> bool:
            return self.form is not None and "subject_type" not in self.form.fields \
                and self.instance is not None and self.instance.pk is not None

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if not self.is_shown():
                return
            claim = self.instance
            user = getattr(self.request, "user", None)
            shown = claim_redactor(viewer=user, claims=[claim])(claim)
            rows = [
                ("Subject", shown_name(user, claim.subject)),
                ("Field", field_label(claim.content_type.model, claim.field)),
                ("Value", claim_value_text(claim, shown.value)),
                ("Source", shown_name(user, claim.source)),
            ]
            self.heading = "What the claim states"
            self.content = format_html(
                '<dl class="claim-statement">{}</dl><p class="help">{}</p>',
                format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
                "Fixed once the claim is reviewed: add another claim to say something else.",
            )


def claim_column(claim: Any) -> str:
    """A claim in the listing: "fraudulent accounts: about 26,000 (Source)". A value
    that can name other records (an operators set, the campaign a ratio is "of") is left
    out, as ``Claim.__str__`` leaves it out: those records may be hidden from the reader."""
    label = capfirst(field_label(claim.content_type.model, claim.field))
    if names_records(claim.value):
        return f"{label} ({claim.source})"
    return f"{label}: {claim_value_text(claim)} ({claim.source})"
