"""Ingesting articles from the Wagtail admin: an upload form (files, or a URL with
pasted text or HTML, and an optional incident) that queues one job per document, and a
page listing those jobs with their state and progress.

Thin: every document is checked by ``incidents.ingest.pipeline.ingest_request_check``
(the API's and the command's rule), jobs are made by ``ingest_job_create`` and queued on
commit by ``ingest_job_enqueue``. Only users who may add claims see the menu item and
the pages; the incident list holds only incidents the user may see, and the job list
only the user's own jobs (``IngestJob.objects.visible_to``). The hooks at the bottom
register the URLs (``/admin/ingest/…``) and the "Ingest articles" item of the
Provenance menu.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import ProhibitNullCharactersValidator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import include, path, reverse
from django.utils.http import urlencode
from django.views.generic import FormView, TemplateView
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from incidents.ingest.jobs import ingest_job_create
from incidents.ingest.pipeline import (
    EXTENSIONS,
    MAX_BYTES,
    IngestRequest,
    document_check,
    ingest_request_check,
)
from incidents.ingest.tasks import ingest_job_enqueue
from incidents.models import Incident
from incidents.models.ingest import IngestJob, IngestState
from incidents.selectors import visible
from incidents.wagtail_admin.review import PermissionMenuItem, PermissionRequiredMixin, TitledMixin

INGEST_PERMISSION = "incidents.add_claim"
#: Files one upload may carry.
MAX_FILES = 20
#: Django refuses form fields (not files) larger than DATA_UPLOAD_MAX_MEMORY_SIZE.
PASTE_NOTE = ("Pasting is limited by the server's form size (2.5 MB by default); upload "
              "larger documents as files.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "accept": ",".join(sorted(EXTENSIONS))}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class IngestForm(forms.Form):
    """Files, or a URL with pasted text or HTML; the incident they are about."""

    uploads = MultipleFileField(
        required=False, label="Files",
        help_text=f"Plain text (.txt), Markdown (.md) or HTML (.html, .htm), UTF-8, at most "
                  f"5 MB each, up to {MAX_FILES} at once.")
    url = forms.CharField(
        required=False, label="URL", max_length=2000,
        help_text="The article's address (for pasted text, or a single file). Without a "
                  "URL a document is kept as a source only, without a coverage record.")
    content = forms.CharField(
        required=False, label="Pasted text or HTML", strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="The article itself, if you are not uploading files. " + PASTE_NOTE)
    content_format = forms.ChoiceField(
        label="The pasted content is", initial="text", widget=forms.RadioSelect,
        choices=[("text", "plain text or Markdown"), ("html", "HTML")])
    incident = forms.ModelChoiceField(
        queryset=Incident.objects.none(), required=False, to_field_name="slug",
        empty_label="Not about a particular incident",
        help_text="Figures are matched to this incident's campaigns first.")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        incident_field: Any = self.fields["incident"]
        incident_field.queryset = visible(Incident.objects.all(), user).order_by("title")
        # NUL is the pipeline's to refuse, with its message (a binary document).
        content_field = self.fields["content"]
        content_field.validators = [v for v in content_field.validators
                                    if not isinstance(v, ProhibitNullCharactersValidator)]
        self.requests: list[tuple[str, IngestRequest]] = []

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        if self.errors:
            return data
        files: list[UploadedFile] = data.get("uploads") or []
        content: str = data.get("content") or ""
        url: str = data.get("url") or ""
        incident: Incident | None = data.get("incident")
        slug = incident.slug if incident is not None else ""
        if files and content.strip():
            raise ValidationError("Upload files or paste a document, not both.")
        if not files and not content.strip():
            self.add_error("content" if content else None,
                           "Upload at least one file or paste a document."
                           if not content else "The pasted document is empty.")
            return data
        if len(files) > MAX_FILES:
            self.add_error("uploads", f"At most {MAX_FILES} files at once.")
            return data
        if files and url and len(files) > 1:
            self.add_error("url", "A URL names one article: upload a single file with it, "
                                  "or leave it empty.")
            return data
        if files:
            for upload in files:
                self._add_file(upload, url=url, slug=slug)
        else:
            kind = data.get("content_format") or "text"
            self._add(url or "pasted document", {kind: content}, url=url, slug=slug,
                      content_field=None)
        return data

    def _add_file(self, upload: UploadedFile, *, url: str, slug: str) -> None:
        name = Path(upload.name or "").name or "upload"
        kind = EXTENSIONS.get(Path(name).suffix.lower())
        if kind is None:
            self.add_error("uploads", f"{name}: only .txt, .md, .html or .htm files are read.")
            return
        if (upload.size or 0) > MAX_BYTES:
            self.add_error("uploads", f"{name}: the document is {upload.size:,} bytes; at most "
                                    f"5 MB ({MAX_BYTES:,} bytes) is accepted.")
            return
        try:
            text = document_check(upload.read(MAX_BYTES + 1), name="file")
        except ValidationError as exc:
            for message in exc.message_dict.get("file", exc.messages):
                self.add_error("uploads", f"{name}: {message}")
            return
        self._add(name, {kind: text}, url=url, slug=slug, content_field="file")

    def _add(self, name: str, content: dict[str, str], *, url: str, slug: str,
             content_field: str | None) -> None:
        try:
            checked = ingest_request_check(**content, url=url, incident=slug,
                                           viewer=self.user, content_field=content_field)
        except ValidationError as exc:
            fields = {"text": "content", "html": "content", "file": "uploads", "url": "url",
                      "incident": "incident"}
            for key, messages in exc.message_dict.items():
                target = fields.get(key)
                for message in messages:
                    shown = f"{name}: {message}" if target == "uploads" else message
                    if target is not None and target in self.fields:
                        self.add_error(target, shown)
                    else:
                        self.add_error(None, shown)
            return
        self.requests.append((name, checked))


class IngestFormView(PermissionRequiredMixin, TitledMixin, WagtailAdminTemplateMixin,
                     FormView):
    """The upload form; on success, one job per document, queued on commit."""

    permission = INGEST_PERMISSION
    page_title = "Ingest articles"
    header_icon = "upload"
    template_name = "incidents/admin/ingest_form.html"
    form_class = IngestForm

    def parent_breadcrumbs(self) -> list[dict[str, Any]]:
        return []

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["jobs_url"] = reverse("incidents_ingest:jobs")
        return context

    def form_valid(self, form: IngestForm) -> HttpResponse:
        with transaction.atomic():
            jobs = []
            for name, checked in form.requests:
                job = ingest_job_create(request=checked, user=self.request.user, name=name)
                ingest_job_enqueue(job)
                jobs.append(job)
        query = urlencode([("job", str(job.pk)) for job in jobs])
        return HttpResponseRedirect(f"{reverse('incidents_ingest:jobs')}?{query}")


class IngestJobsView(PermissionRequiredMixin, TitledMixin, WagtailAdminTemplateMixin,
                     TemplateView):
    """The jobs of one upload (``?job=<id>&job=…``), or the user's 50 latest jobs."""

    permission = INGEST_PERMISSION
    page_title = "Ingest jobs"
    header_icon = "tasks"
    template_name = "incidents/admin/ingest_jobs.html"

    def parent_breadcrumbs(self) -> list[dict[str, Any]]:
        return [{"url": reverse("incidents_ingest:form"), "label": "Ingest articles"}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        jobs: Any = IngestJob.objects.visible_to(self.request.user).filter(
            created_by_id=self.request.user.pk).select_related("incident")
        wanted = []
        for value in self.request.GET.getlist("job"):
            try:
                wanted.append(uuid.UUID(value))
            except ValueError:
                continue
        jobs = jobs.filter(pk__in=wanted) if wanted else jobs
        rows = [_job_row(job) for job in jobs.order_by("-created_at")[:50]]
        context.update(
            rows=rows, selected=bool(wanted),
            active=any(r["job"].state in {IngestState.PENDING, IngestState.RUNNING}
                       for r in rows),
            queue_url=reverse("incidents_review:queue"),
            form_url=reverse("incidents_ingest:form"))
        return context


def _job_row(job: IngestJob) -> dict[str, Any]:
    result = job.result or {}
    claims = sum(int(v) for v in (result.get("claims_created") or {}).values())
    review_url = ""
    if result.get("source") and job.state == IngestState.DONE and not result.get("duplicate"):
        review_url = reverse("incidents_review:queue") + "?" + urlencode(
            {"status": "pending", "source": result["source"]})
    source_url = ""
    if result.get("source_key"):
        source_url = reverse("incidents_review:source", kwargs={"key": result["source_key"]})
    return {"job": job, "claims": claims, "review_url": review_url, "source_url": source_url,
            "duplicate": bool(result.get("duplicate")),
            "candidates": result.get("candidates") or [],
            "errors": [m for messages in (result.get("errors") or {}).values()
                       for m in messages]}


# -- registration ------------

urlpatterns = [
    path("", IngestFormView.as_view(), name="form"),
    path("jobs/", IngestJobsView.as_view(), name="jobs"),
]


@hooks.register("register_admin_urls")
def register_ingest_urls() -> list:
    return [path("ingest/", include((urlpatterns, "incidents_ingest"),
                                    namespace="incidents_ingest"))]


def ingest_menu_item() -> MenuItem:
    return PermissionMenuItem("Ingest articles", reverse("incidents_ingest:form"),
                              icon_name="upload", order=50, permission=INGEST_PERMISSION)


@hooks.register("construct_main_menu")
def add_ingest_to_provenance_menu(request: HttpRequest, menu_items: list) -> None:
    """"Ingest articles" first in the Provenance menu (``review.py`` builds it with a
    fixed list of items; this request gets a copy with ours added). A user who may add
    claims but sees no Provenance menu gets the item on its own."""
    item = ingest_menu_item()
    if not item.is_shown(request):
        return
    for index, existing in enumerate(menu_items):
        if isinstance(existing, SubmenuMenuItem) and existing.name == "provenance":
            items = [item, *existing.menu.registered_menu_items]
            menu_items[index] = SubmenuMenuItem(
                existing.label, Menu(items=items), name=existing.name,
                icon_name=existing.icon_name, classname=existing.classname,
                attrs=existing.attrs, order=existing.order)
            return
    menu_items.append(item)
