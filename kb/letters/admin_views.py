"""The letter admin's own views and buttons (issue 11), next to Wagtail's snippet views
of ``LetterViewSet`` (``incidents.wagtail_admin.viewsets``):

* **Mark sent** (an approved letter): the sent date, then ``letter_send``;
* **Correct** (a sent letter): ``letter_correct``, then the new draft's edit view;
* **New letter from incident**: ``letter_from_incident``, optionally addressed to a
  committee's leaders or members, then its edit view;
* **Add a committee** (a letter not sent): the committee and its leaders or members;
* **Downloads**: Word, PDF and one document per recipient (``letter_export_response``).

A sent letter is read-only: its edit view shows it with no action and refuses any post
(``SENT_READ_ONLY``). Every view answers 404 for a letter, incident or actor the user may
not see (``admin_rows``), and checks the letter permissions of ``kb.letters.workflow``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView, View
from wagtail.admin import messages
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permissions import policy_registry

from incidents.formatting import format_date
from incidents.models import Incident, Letter, LetterStatus
from incidents.wagtail_admin.base import DomainEditView, DomainIndexView, admin_rows
from kb.letters import forms as letter_forms
from kb.letters.services import (
    SENT_READ_ONLY,
    letter_correct,
    letter_from_incident,
    letter_send,
)

NAMESPACE = "letters_admin"
SNIPPET_URLS = "wagtailsnippets_incidents_letter"
# Download formats, as ``kb.letters.export.letter_export_response`` names them.
DOWNLOADS = (
    ("docx", "Download Word"),
    ("pdf", "Download PDF"),
    ("zip-docx", "Word, one per recipient (zip)"),
    ("zip-pdf", "PDF, one per recipient (zip)"),
)


# --- permissions and URLs ------------------------------------------------------------


def can(user: Any, action: str, letter: Letter | None = None) -> bool:
    """Whether ``user`` has the letter permission ``action`` (on ``letter``, which they
    must then be able to see)."""
    policy = policy_registry.get_by_type(Letter)
    if letter is None:
        return bool(policy.user_has_permission(user, action))
    return bool(policy.user_has_permission_for_instance(user, action, letter))


def stored_status(letter: Letter) -> str | None:
    """The letter's status as stored (an edit view's object may come from a revision)."""
    return Letter.objects.filter(pk=letter.pk).values_list("status", flat=True).first()


def edit_url(letter: Letter) -> str:
    return reverse(f"{SNIPPET_URLS}:edit", args=[letter.pk])


def tool_url(name: str, letter: Letter | None = None, **kwargs: Any) -> str:
    args = [letter.pk] if letter is not None else []
    return reverse(f"{NAMESPACE}:{name}", args=[*args, *kwargs.values()])


def letter_buttons(letter: Letter, user: Any, *, listed: bool = False) -> list[Button]:
    """The letter's own actions ``user`` may take now (header and listing menus). A
    ``listed`` letter is a row of the listing: stored, and visible to ``user``."""
    status = letter.status if listed else stored_status(letter)
    changes = can(user, "change") if listed else can(user, "change", letter)
    buttons: list[Button] = []
    if status == LetterStatus.APPROVED and changes:
        buttons.append(Button("Mark sent", url=tool_url("send", letter), icon_name="mail",
                              priority=1))
    if status == LetterStatus.SENT and can(user, "add"):
        buttons.append(Button("Correct with a new letter", url=tool_url("correct", letter),
                              icon_name="edit", priority=2))
    if status != LetterStatus.SENT and changes:
        buttons.append(Button("Add a committee", url=tool_url("committee", letter),
                              icon_name="group", priority=3))
    for index, (fmt, label) in enumerate(DOWNLOADS):
        buttons.append(Button(label, url=tool_url("download", letter, fmt=fmt),
                              icon_name="download", priority=10 + index))
    return buttons


# --- the snippet views, with the letter's actions ------------------------------------


class LetterIndexView(DomainIndexView):
    """The letters listing, with "New letter from incident" next to "Add letter"."""

    @cached_property
    def header_buttons(self) -> list[Any]:
        buttons = list(super().header_buttons)
        if can(self.request.user, "add"):
            buttons.append(HeaderButton("New letter from incident",
                                        url=tool_url("from_incident"), icon_name="mail"))
        return buttons


class LetterEditView(DomainEditView):
    """Edit a letter; its actions in the header ("Mark sent" first when it is approved).
    A sent letter is read-only: shown, never saved."""

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.sent = self.object.pk is not None and stored_status(self.object) == \
            LetterStatus.SENT
        if self.sent:
            self.autosave_enabled = False

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.sent:
            messages.warning(request, SENT_READ_ONLY)
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.sent:
            if self.expects_json_response:
                return self.json_error_response("sent", SENT_READ_ONLY)
            messages.error(request, SENT_READ_ONLY)
            return HttpResponseRedirect(edit_url(self.object))
        return super().post(request, *args, **kwargs)

    @cached_property
    def header_buttons(self) -> list[Any]:
        buttons = list(super().header_buttons)
        if self.object.pk is not None and stored_status(self.object) == LetterStatus.APPROVED \
                and can(self.request.user, "change", self.object):
            buttons.append(HeaderButton("Mark sent", url=tool_url("send", self.object),
                                        icon_name="mail"))
        return buttons

    @cached_property
    def header_more_buttons(self) -> list[Any]:
        buttons = list(super().header_more_buttons)
        if self.object.pk is not None:
            buttons += [b for b in letter_buttons(self.object, self.request.user)
                        if b.label != "Mark sent"]
        return buttons


# --- the letter views ------------------------------------------------------------------


class LetterFormView(WagtailAdminTemplateMixin, FormView):
    """A form about one letter (URL ``pk``), for users with ``permission`` on it."""

    template_name = "letters/admin/form.html"
    permission = "change"
    header_icon = "mail"
    submit_label = "Save"
    intro = ""
    letter: Letter | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "pk" in kwargs:
            self.letter = admin_rows(Letter, request.user).filter(pk=kwargs["pk"]).first()
            if self.letter is None:
                raise Http404("No such letter")
        if not can(request.user, self.permission, self.letter):
            return permission_denied(request)
        refusal = self.refusal()
        if refusal:
            messages.error(request, refusal)
            return HttpResponseRedirect(edit_url(self.letter) if self.letter
                                        else reverse(f"{SNIPPET_URLS}:list"))
        return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]

    def refusal(self) -> str:
        """Why this view cannot be used on the letter now ("" if it can)."""
        return ""

    def get_page_subtitle(self) -> str:
        return str(self.letter) if self.letter else ""

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        items = [{"url": reverse("wagtailadmin_home"), "label": "Home"},
                 {"url": reverse(f"{SNIPPET_URLS}:list"), "label": "Letters"}]
        if self.letter is not None:
            items.append({"url": edit_url(self.letter), "label": str(self.letter)})
        return [*items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.get_full_path(), letter=self.letter, intro=self.intro,
            submit_button_label=self.submit_label, submit_button_active_label="Working…",
        )
        return context

    def errors_to_form(self, form: Any, exc: ValidationError) -> HttpResponse:
        """The service's refusal, on the form: a field's message on that field when the
        form has it, otherwise above the form."""
        for field, errors in getattr(exc, "message_dict", {"": exc.messages}).items():
            form.add_error(field if field in form.fields else None, errors)
        return self.form_invalid(form)


class SendView(LetterFormView):
    """Mark an approved letter sent: its date, the figures it cites, its incidents'
    timelines and the ``wrote_to`` edges (``letter_send``)."""

    form_class = letter_forms.SendForm
    page_title = "Mark sent"
    submit_label = "Mark sent"
    intro = ("Marking the letter sent records the day it went out, keeps the figures it "
             "cites as they stand today, puts it on its incidents' timelines and records "
             "that the sender wrote to each recipient. A sent letter cannot be changed.")

    def refusal(self) -> str:
        assert self.letter is not None
        status = stored_status(self.letter)
        if status == LetterStatus.SENT:
            return "This letter was already sent."
        if status != LetterStatus.APPROVED:
            return "Only an approved letter can be sent: submit it for review first."
        return ""

    def form_valid(self, form: Any) -> HttpResponse:
        assert self.letter is not None
        try:
            letter = letter_send(letter=self.letter, user=self.request.user,
                                 sent_on=form.cleaned_data["sent_on"])
        except ValidationError as exc:
            return self.errors_to_form(form, exc)
        messages.success(self.request,
                         f"Letter '{letter}' marked sent on {format_date(letter.sent_on)}.")
        return HttpResponseRedirect(edit_url(letter))


class CorrectView(LetterFormView):
    """Correct a sent letter with a new draft (``letter_correct``)."""

    form_class = forms.Form
    permission = "add"
    page_title = "Correct"
    submit_label = "Start the correction"
    intro = ("A sent letter is not changed. The correction is a new draft with the same "
             "recipients, incidents, text and signer, which names this letter as the one "
             "it corrects; it is reviewed and sent like any letter.")

    def refusal(self) -> str:
        assert self.letter is not None
        if stored_status(self.letter) != LetterStatus.SENT:
            return "Only a sent letter is corrected; edit a draft."
        return ""

    def form_valid(self, form: Any) -> HttpResponse:
        assert self.letter is not None
        try:
            correction = letter_correct(letter=self.letter, user=self.request.user)
        except ValidationError as exc:
            return self.errors_to_form(form, exc)
        messages.success(self.request, f"Correction '{correction}' created as a draft.")
        return HttpResponseRedirect(edit_url(correction))


class CommitteeView(LetterFormView):
    """Address a letter to a committee: the committee and its chair and ranking member,
    or all its members (``committee_recipients``; members the user may not see are
    left out)."""

    form_class = letter_forms.CommitteeForm
    page_title = "Add a committee"
    submit_label = "Add recipients"
    intro = ("Adds the committee and its chair and ranking member (or all its members) "
             "to the letter's recipients.")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def refusal(self) -> str:
        assert self.letter is not None
        return SENT_READ_ONLY if stored_status(self.letter) == LetterStatus.SENT else ""

    def form_valid(self, form: Any) -> HttpResponse:
        assert self.letter is not None
        added = form.recipients()
        self.letter.recipients.add(*added)
        messages.success(self.request, f"Added {len(added)} recipient(s): "
                         + ", ".join(str(a) for a in added) + ".")
        return HttpResponseRedirect(edit_url(self.letter))


class FromIncidentView(LetterFormView):
    """A new draft about an incident (``letter_from_incident``): its summary, key
    figures and timeline as fact blocks, addressed to a committee if one is chosen."""

    form_class = letter_forms.FromIncidentForm
    permission = "add"
    page_title = "New letter from incident"
    header_icon = "warning"
    submit_label = "Draft the letter"
    intro = ("The draft starts with the incident's summary, its key figures and its "
             "timeline as live facts; edit it before submitting it for review.")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        pk = self.request.GET.get("incident", "")
        if pk.isdigit() and admin_rows(Incident, self.request.user).filter(pk=pk).exists():
            initial["incident"] = int(pk)
        return initial

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            letter = letter_from_incident(
                incident=form.cleaned_data["incident"], user=self.request.user,
                recipients=form.recipients(), sender=form.cleaned_data.get("sender"))
        except ValidationError as exc:
            return self.errors_to_form(form, exc)
        messages.success(self.request, f"Draft letter '{letter}' created.")
        return HttpResponseRedirect(edit_url(letter))


class DownloadView(View):
    """The letter as Word or PDF, or one per recipient in a zip
    (``kb.letters.export.letter_export_response``); ``?recipient=<slug>`` for one."""

    def get(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        letter = admin_rows(Letter, request.user).filter(pk=pk).first()
        if letter is None or fmt not in dict(DOWNLOADS):
            raise Http404("No such letter")
        if not any(can(request.user, action, letter) for action in ("add", "change", "view")):
            return permission_denied(request)
        from kb.letters.export import letter_export_response  # type: ignore[attr-defined]

        return letter_export_response(letter=letter, request=request, fmt=fmt,
                                      recipient_slug=request.GET.get("recipient") or None)
