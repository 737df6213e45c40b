"""The audit trail in the Wagtail admin: ``/admin/audit/?object=app.model:id`` lists a
record's entries (who, when, what changed) with a Revert button on each edit and review
decision; without ``object`` the whole trail, for holders of ``kb_audit.view_auditevent``.
Reverting runs ``kb.audit.revert.entry_revert``, the API's rule."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from incidents.wagtail_admin.review import TitledMixin
from kb.audit.models import AuditAction
from kb.audit.revert import RevertError, entry_revert, revertible_entry
from kb.audit.trail import ObjectRefError, Trail, object_ref, object_resolve

WHOLE_TRAIL_PERMISSION = "kb_audit.view_auditevent"
PAGE_SIZE = 50
ACTION_CHOICES = [
    ("wagtail.create", "created"), ("wagtail.edit", "edited"), ("wagtail.delete", "deleted"),
    ("wagtail.revert", "reverted"), ("kb.claim.review", "review decision"),
    *[(value, str(label)) for value, label in AuditAction.choices],
]


def trail_url(obj: Any) -> str:
    return f"{reverse('kb_audit:trail')}?{urlencode({'object': object_ref(obj)})}"


class AuditTrailView(TitledMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "kb_audit/trail.html"
    page_title = "Audit trail"
    header_icon = "history"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.obj = None
        ref = request.GET.get("object", "")
        if ref:
            try:
                self.obj = object_resolve(ref, request.user)
            except ObjectRefError:
                raise Http404 from None
        elif not request.user.has_perm(WHOLE_TRAIL_PERMISSION):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return f"Audit trail: {self.obj}" if self.obj is not None else "Audit trail"

    def parent_breadcrumbs(self) -> list[dict[str, Any]]:
        return []

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        action = self.request.GET.get("action", "")[:64]
        trail = Trail(self.request.user, self.obj, action=action)
        page: Any = Paginator(trail, PAGE_SIZE).get_page(  # type: ignore[arg-type]
            self.request.GET.get("p"))
        may_revert = self.obj is not None and self.request.user.has_perm(
            f"{self.obj._meta.app_label}.change_{self.obj._meta.model_name}")
        context.update(
            obj=self.obj, page_obj=page, entries=page.object_list, may_revert=may_revert,
            object_ref=object_ref(self.obj) if self.obj is not None else "",
            back=self.request.get_full_path(), action=action, action_choices=ACTION_CHOICES,
        )
        return context


class AuditRevertView(View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            entry, obj = revertible_entry(pk, request.user)
        except LookupError:
            raise Http404 from None
        if not request.user.has_perm(f"{obj._meta.app_label}.change_{obj._meta.model_name}"):
            return permission_denied(request)
        try:
            result = entry_revert(entry=entry, obj=obj, user=request.user)
        except RevertError as exc:
            detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
            messages.error(request, f"Not reverted: {exc}" + (f" ({detail})" if detail else ""))
        else:
            note = ", ".join(result.reverted)
            skipped = "; ".join(f"{k}: {v}" for k, v in result.skipped.items())
            messages.success(request, f"Reverted {note} of {obj}."
                             + (f" Not reverted: {skipped}." if skipped else ""))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = trail_url(obj)
        return HttpResponseRedirect(target)


urlpatterns = [
    path("", AuditTrailView.as_view(), name="trail"),
    path("<int:pk>/revert/", AuditRevertView.as_view(), name="revert"),
]
