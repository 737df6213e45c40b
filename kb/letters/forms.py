"""The letter forms of the admin: the letter's own edit form (``LetterAdminForm``, the
base of ``LetterViewSet``'s form), and the forms of the letter views
(``kb.letters.admin_views``): mark sent, draft from an incident, add a committee.

Every choice of a record offers only what the user may see (``admin_rows``): a reader
never meets a record above their clearance, not even its name in a list of choices.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from incidents.models import Actor, ActorKind, Incident, Letter, LetterStatus
from incidents.visibility import can_see
from incidents.wagtail_admin.base import admin_rows
from incidents.wagtail_admin.forms import DomainAdminForm
from kb.letters.addressing import committee_recipients
from kb.letters.services import SENT_READ_ONLY

DATE_FORMAT = "%Y-%m-%d"
LEADERS, ALL_MEMBERS = "leaders", "all"
SCOPE_CHOICES = [(LEADERS, "Chair and ranking member"), (ALL_MEMBERS, "All members")]
# Committees first, then members of Congress, then anyone else.
_KIND_ORDER = Case(When(kind=ActorKind.COMMITTEE, then=Value(0)),
                   When(kind=ActorKind.LEGISLATOR, then=Value(1)),
                   default=Value(2), output_field=IntegerField())


def recipient_rows(user: Any) -> QuerySet[Actor]:
    """The actors ``user`` may address a letter to: committees, members, the others."""
    return admin_rows(Actor, user).annotate(_kind_order=_KIND_ORDER).order_by(
        "_kind_order", "name")


def committee_rows(user: Any) -> QuerySet[Actor]:
    return admin_rows(Actor, user).filter(kind=ActorKind.COMMITTEE).order_by("name")


def visible_members(committee: Actor, user: Any, *, leaders_only: bool) -> list[Actor]:
    """``committee_recipients``, without the members ``user`` may not see."""
    return [a for a in committee_recipients(committee, leaders_only=leaders_only)
            if can_see(user, a)]


def actor_label(actor: Actor) -> str:
    kinds: dict[str, str] = {ActorKind.COMMITTEE: "committee", ActorKind.LEGISLATOR: "member"}
    kind = kinds.get(actor.kind, actor.get_kind_display())
    return f"{actor.name} ({kind})"


class RecipientsWidget(forms.CheckboxSelectMultiple):
    """The recipients: a searchable list of members and committees (type to filter),
    where a committee can add its chair and ranking member, or all its members, in one
    click. ``committees`` (set by the form) maps a committee's pk to the pks of its
    visible leaders and members."""

    template = "letters/admin/recipients_widget.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.committees: dict[str, dict[str, list[str]]] = {}

    def render(self, name: str, value: Any, attrs: Any = None,
               renderer: Any = None) -> SafeString:
        context = self.get_context(name, value, attrs)
        options = []
        for _group, group_options, _index in context["widget"]["optgroups"]:
            for option in group_options:
                pk = str(option["value"])
                expand = self.committees.get(pk)
                options.append({**option, "pk": pk, "expand": expand,
                                "leaders": " ".join(expand["leaders"]) if expand else "",
                                "members": " ".join(expand["members"]) if expand else ""})
        attrs = attrs or {}
        html = render_to_string(self.template, {
            "name": name, "id": attrs.get("id") or f"id_{name}", "options": options,
            "disabled": bool(attrs.get("disabled") or self.attrs.get("disabled")),
        })
        return mark_safe(html)  # noqa: S308 - rendered by a template, which escapes


class LetterAdminForm(DomainAdminForm):
    """The letter's admin form: the domain form's rules, recipients chosen from a
    searchable list (members and committees first), ``status`` and ``sent_on`` kept as
    stored (they change through the workflow and "Mark sent" only), and a sent letter
    refused (``letter_edit_check``'s message)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("recipients")
        if isinstance(field, forms.ModelMultipleChoiceField) and not field.disabled:
            field.queryset = recipient_rows(self.viewer)
            field.label_from_instance = actor_label  # type: ignore[method-assign,assignment]
            widget = RecipientsWidget()
            widget.committees = {
                str(c.pk): {
                    "leaders": [str(a.pk) for a in visible_members(
                        c, self.viewer, leaders_only=True)],
                    "members": [str(a.pk) for a in visible_members(
                        c, self.viewer, leaders_only=False)],
                } for c in committee_rows(self.viewer)
            }
            widget.choices = field.choices  # type: ignore[assignment]
            field.widget = widget
            field.help_text = ("Type to find members and committees. A committee's "
                               "buttons add its chair and ranking member, or all members.")

        if not self.creating and self._stored().get("status") == LetterStatus.SENT:
            for each in self.fields.values():  # shown, not editable: nothing is posted
                each.disabled = True

    def _stored(self) -> dict[str, Any]:
        if self.instance.pk is None:
            return {}
        row = Letter.objects.filter(pk=self.instance.pk).values("status", "sent_on").first()
        return dict(row) if row else {}

    def _post_clean(self) -> None:
        # The instance may come from a revision: its status and sent date are the
        # stored ones, whatever the revision holds or the request posted.
        if self.creating:
            self.instance.status = LetterStatus.DRAFT
            self.instance.sent_on = None
        else:
            for attr, value in self._stored().items():
                setattr(self.instance, attr, value)
        super()._post_clean()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.creating and self._stored().get("status") == LetterStatus.SENT:
            self.add_error(None, SENT_READ_ONLY)
        return data


class SendForm(forms.Form):
    """Mark an approved letter sent on a day (today by default)."""

    sent_on = forms.DateField(
        label="Sent on", input_formats=[DATE_FORMAT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
        help_text="The day the letter went out; not in the future.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("sent_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class CommitteeForm(forms.Form):
    """A committee to address, with its leaders or all its members."""

    committee = forms.ModelChoiceField(queryset=Actor.objects.none(), label="Committee")
    scope = forms.ChoiceField(choices=SCOPE_CHOICES, initial=LEADERS,
                              widget=forms.RadioSelect, label="Address")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["committee"].queryset = committee_rows(user)  # type: ignore[attr-defined]

    def recipients(self) -> list[Actor]:
        """The committee and its visible leaders or members (after ``is_valid``)."""
        committee = self.cleaned_data.get("committee")
        if committee is None:
            return []
        members = visible_members(committee, self.user,
                                  leaders_only=self.cleaned_data.get("scope") != ALL_MEMBERS)
        return [committee, *members]


class FromIncidentForm(CommitteeForm):
    """A new draft about an incident: its sender and, optionally, a committee."""

    incident = forms.ModelChoiceField(queryset=Incident.objects.none(), label="Incident")
    sender = forms.ModelChoiceField(queryset=Actor.objects.none(), required=False,
                                    label="Sender", help_text="Who sends the letter.")
    field_order = ["incident", "sender", "committee", "scope"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["incident"].queryset = (  # type: ignore[attr-defined]
            admin_rows(Incident, user).order_by("title"))
        self.fields["sender"].queryset = (  # type: ignore[attr-defined]
            admin_rows(Actor, user).exclude(
                kind__in=[ActorKind.LEGISLATOR, ActorKind.COMMITTEE]).order_by("name"))
        committee = self.fields["committee"]
        committee.required = False
        committee.help_text = "Optional: address the letter to a committee."
