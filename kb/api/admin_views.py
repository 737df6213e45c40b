"""The Wagtail admin's "API tokens" page (``kb.api.wagtail_hooks`` mounts it):

* **index** — your tokens (name, prefix, scope, clearance, created, last used, expires,
  revoked); a user with ``kb_api.view_apitoken`` or ``change_apitoken`` sees everyone's
  (``?user=<username>`` for one user's);
* **new** — a form for a token of your own; the page that answers shows the raw token
  once (it is never stored, nor put in a message or the session);
* **revoke** — a confirmation, then the revocation (the owner, or a user with
  ``kb_api.change_apitoken``); revoking a revoked token changes nothing.

The rules are the API's (``kb.api.views.tokens``: who sees and changes which token) and
the writes its services'; each creation and revocation is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from incidents.models import MARKING_ORDER, Marking
from incidents.selectors import clearance_for
from kb.api.models import ApiToken, TokenScope
from kb.api.serializers.tokens import MAX_DAYS, token_status
from kb.api.services import api_token_create, api_token_revoke, token_audit_data
from kb.api.views.tokens import may_change, sees_all_tokens, tokens_for
from kb.audit.models import AuditAction
from kb.audit.services import audit_record

NAMESPACE = "kb_api_tokens"


def url(name: str, *args: Any) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


class TokenAdminMixin(WagtailAdminTemplateMixin):
    header_icon = "key"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        items = [{"url": reverse("wagtailadmin_home"), "label": "Home"},
                 {"url": url("index"), "label": "API tokens"}]
        title = self.get_page_title()
        if title != "API tokens":
            items.append({"url": "", "label": title})
        return items


class TokenIndexView(TokenAdminMixin, TemplateView):
    template_name = "kb_api/token_index.html"
    page_title = "API tokens"

    def get_header_buttons(self) -> list[Any]:
        return [HeaderButton("New token", url=url("new"), icon_name="plus")]

    def tokens(self) -> models.QuerySet[ApiToken]:
        tokens = tokens_for(self.request.user)
        username = self.request.GET.get("user", "").strip()
        if username and sees_all_tokens(self.request.user):
            tokens = tokens.filter(**{f"user__{get_user_model().USERNAME_FIELD}": username})
        return tokens.order_by("-created_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = [{"token": t, "status": token_status(t), "can_revoke": may_change(user, t)
                 and not t.is_revoked, "revoke_url": url("revoke", t.pk)}
                for t in self.tokens()]
        context.update(rows=rows, sees_all=sees_all_tokens(user),
                       filter_user=self.request.GET.get("user", ""), new_url=url("new"))
        return context


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, help_text="What the token is for.")
    scope = forms.ChoiceField(choices=TokenScope.choices, initial=TokenScope.READ,
                              help_text="Read, or read and write.")
    clearance = forms.ChoiceField(
        choices=Marking.choices,
        help_text="The most restricted TLP marking the token may see (at most your own).")
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=MAX_DAYS, required=False, initial=90,
        help_text="The token stops working after this many days (blank: never).")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ceiling = clearance_for(user)
        choices = [(value, label) for value, label in Marking.choices
                   if MARKING_ORDER.index(value) <= MARKING_ORDER.index(ceiling)]
        field: Any = self.fields["clearance"]
        field.choices = choices
        field.initial = ceiling


class TokenCreateView(TokenAdminMixin, FormView):
    template_name = "kb_api/token_form.html"
    page_title = "New API token"
    form_class = TokenForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "action_url": url("new"),
                "index_url": url("index")}

    def form_valid(self, form: TokenForm) -> HttpResponse:
        data = form.cleaned_data
        days = data.get("expires_in_days")
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        try:
            token, raw = api_token_create(
                user=self.request.user, scope=data["scope"], clearance=data["clearance"],
                name=data["name"], expires_at=expires_at)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        audit_record(action=AuditAction.TOKEN_CREATE, user=self.request.user, obj=token,
                     request=self.request, data=token_audit_data(token))
        # The raw token is in this answer only: rendered, never redirected to.
        response = render(self.request, "kb_api/token_created.html", {
            **self.get_context_data(form=form), "page_title": "Token created",
            "header_title": "Token created", "token": token, "raw_token": raw,
        })
        response["Cache-Control"] = "no-store"
        return response


class TokenRevokeView(TokenAdminMixin, TemplateView):
    template_name = "kb_api/token_revoke.html"
    page_title = "Revoke API token"
    token: ApiToken

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = tokens_for(request.user).filter(pk=kwargs["pk"]).first()
        if token is None:
            raise Http404("No such token")
        if not may_change(request.user, token):
            return permission_denied(request)
        self.token = token
        return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]

    def get_page_subtitle(self) -> str:
        return f"{self.token.name or self.token.prefix} ({self.token.user})"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "token": self.token,
                "action_url": url("revoke", self.token.pk), "index_url": url("index")}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = self.token
        label = token.name or f"{token.prefix}…"
        if api_token_revoke(token=token):
            audit_record(action=AuditAction.TOKEN_REVOKE, user=request.user, obj=token,
                         request=request, data=token_audit_data(token))
            messages.success(request, f"Token “{label}” revoked: it is refused from now on.")
        else:
            messages.warning(request, f"Token “{label}” was revoked already.")
        return HttpResponseRedirect(url("index"))
