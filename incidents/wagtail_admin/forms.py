"""Admin forms and views with more to do than the generic ones: the claim form fills in
what an editor should not type (the fingerprint, who reviewed it) and saving a claim
brings its subject's shown figures up to date; the relationship form says once, in
words, that a relationship needs exactly one object."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.snippets.views.snippets import CopyView, CreateView, EditView, InspectView

from incidents.models import Claim, ClaimStatus
from incidents.provenance.fields import FIELDS, field_spec
from incidents.services.claims import claim_fingerprint, facts_refresh


class ClaimAdminForm(WagtailAdminModelForm):
    """Admin form for a claim.

    The editor picks a subject (a record type and its id), a registered field, a value and
    a source; the form checks the subject exists and the field is one the consensus knows,
    then computes the claim's fingerprint (its natural key) and refuses a duplicate. A
    change of status records who reviewed the claim and when.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "content_type" in self.fields:
            self.fields["content_type"].queryset = ContentType.objects.filter(
                app_label="incidents", model__in=sorted(FIELDS)
            )
            self.fields["content_type"].label = "Subject type"
        if "object_id" in self.fields:
            self.fields["object_id"].label = "Subject id"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        content_type = data.get("content_type")
        source = data.get("source")
        if content_type is None or data.get("object_id") is None or source is None:
            return data  # the missing field has its own message
        try:
            subject = content_type.get_object_for_this_type(pk=data["object_id"])
        except ObjectDoesNotExist:
            self.add_error(
                "object_id", f"There is no {content_type.name} with id {data['object_id']}."
            )
            return data
        if "field" not in data or "value" not in data:
            return data  # the missing field has its own message
        try:
            field_spec(content_type.model, data["field"])
        except KeyError as exc:
            self.add_error("field", str(exc.args[0]))
            return data
        fingerprint = claim_fingerprint(
            subject=subject,
            field=data["field"],
            source=source,
            value=data["value"],
            qualifier=data.get("qualifier") or "exact",
        )
        duplicate = Claim.objects.filter(fingerprint=fingerprint).exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise forms.ValidationError(
                "This source already makes this claim (same subject, field, value and "
                "qualifier); edit that claim instead."
            )
        self.instance.fingerprint = fingerprint
        if "status" in self.changed_data and data.get("status") != ClaimStatus.PENDING:
            self.instance.reviewed_by = getattr(self, "for_user", None)
            self.instance.reviewed_at = timezone.now()
        return data


class RelationshipAdminForm(WagtailAdminModelForm):
    def validate_constraints(self) -> None:
        # ``Relationship.clean`` already says in words that exactly one object is needed;
        # the database constraint behind it would only repeat that by its name.
        if not self.non_field_errors():
            super().validate_constraints()


class ClaimSavedMixin:
    """After the admin saves a claim, its subject's shown values follow the consensus."""

    def save_instance(self) -> Claim:
        claim = super().save_instance()  # type: ignore[misc]
        subject = claim.subject
        if subject is not None:
            facts_refresh(subject=subject)
        return claim


class ClaimCreateView(ClaimSavedMixin, CreateView):
    pass


class ClaimEditView(ClaimSavedMixin, EditView):
    pass


class ClaimCopyView(ClaimSavedMixin, CopyView):
    pass


class ClaimInspectView(InspectView):
    def get_field_display_value(self, field_name: str, field: Any) -> Any:
        # Wagtail looks for a ``get_<name>_display_value`` method on the view; for the
        # claim's ``field`` that is this very method, so answer for it first.
        if field_name == "field":
            return self.object.field
        return super().get_field_display_value(field_name, field)
