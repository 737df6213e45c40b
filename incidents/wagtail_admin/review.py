"""Provenance in the Wagtail admin: the review queue for claims, the conflicts view, a
source's text with its quoted spans, fact-drift alerts and their dashboard panel.

Views are thin: reads go through ``incidents.provenance.selectors``, writes through
``incidents.services.review.claims_review`` and ``incidents.services.claims``. The hooks
at the bottom register the URLs (``/admin/provenance/…``), the menu and the panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import django_filters
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.site_summary import PagesSummaryItem, SummaryItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import BaseListingView, WagtailAdminTemplateMixin
from wagtail.documents.wagtail_hooks import DocumentsSummaryItem
from wagtail.images.wagtail_hooks import ImagesSummaryItem

from incidents.formatting import describe_value, format_date, format_number
from incidents.models import AlertStatus, Campaign, Claim, ClaimStatus, Incident, Source
from incidents.provenance.display import (
    conflict_rows,
    field_kind,
    field_label,
    side_text,
    value_text,
)
from incidents.provenance.evidence import find_quote
from incidents.provenance.fields import FIELDS
from incidents.provenance.selectors import (
    alert_list,
    claim_assessments,
    claim_queue,
    claim_redactor,
    claims_visible,
    conflict_list,
    incident_claims_q,
)
from incidents.selectors import visible
from incidents.services.citations import alerts_acknowledge
from incidents.services.review import claims_review
from incidents.visibility import RESTRICTED, can_see

REVIEW_PERMISSION = "incidents.change_claim"
ALERT_PERMISSION = "incidents.change_factalert"


def claim_value(claim: Claim) -> str:
    kind = field_kind(claim.content_type.model, claim.field)
    return describe_value(kind, claim.value, claim.qualifier, claim.precision)


class TitledMixin:
    """A page whose header names it ("Conflicts", a source's title), not just "Home":
    the title is the last breadcrumb, as on Wagtail's own listings."""

    def get_page_title(self) -> str:
        return str(getattr(self, "page_title", ""))

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [
            {"url": reverse("wagtailadmin_home"), "label": "Home"},
            *self.parent_breadcrumbs(),
            {"url": "", "label": self.get_page_title()},
        ]

    def parent_breadcrumbs(self) -> list[dict[str, Any]]:
        return [{"url": reverse("incidents_review:queue"), "label": "Review queue"}]


class PermissionRequiredMixin:
    permission = REVIEW_PERMISSION

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(self.permission):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# -- review queue ------------

FIELD_CHOICES = sorted({(f, f.replace("_", " ")) for specs in FIELDS.values() for f in specs})


class ClaimQueueFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices, empty_label="Any status")
    incident = django_filters.ModelChoiceFilter(queryset=Incident.objects.none(),
                                                method="filter_incident")
    field = django_filters.ChoiceFilter(choices=FIELD_CHOICES, empty_label="Any field")
    source = django_filters.ModelChoiceFilter(queryset=Source.objects.none())

    class Meta:
        model = Claim
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        viewer = self.request.user if self.request else None
        self.filters["incident"].queryset = visible(Incident.objects.all(), viewer)
        self.filters["source"].queryset = visible(Source.objects.all(), viewer)

    def filter_incident(self, queryset: Any, name: str, value: Incident | None) -> Any:
        return queryset.filter(incident_claims_q(value)) if value else queryset


@dataclass(frozen=True)
class QueueRow:
    claim: Claim
    label: str
    value: str
    assessment: Any
    consensus: str = ""  # the consensus the claim is checked against, as written


class ReviewQueueView(PermissionRequiredMixin, BaseListingView):
    """Pending claims (or any status, by filter) with their quoted span and source."""

    page_title = "Review queue"
    header_icon = "openquote"
    template_name = "incidents/review/queue.html"
    results_template_name = "incidents/review/queue_results.html"
    index_url_name = "incidents_review:queue"
    index_results_url_name = "incidents_review:queue_results"
    filterset_class = ClaimQueueFilterSet
    paginate_by = 50
    verbose_name_plural = "claims"

    def get_filterset_kwargs(self) -> dict[str, Any]:
        data = self.request.GET.copy()
        data.setdefault("status", ClaimStatus.PENDING)  # the queue proper, unless told
        return {"data": data, "request": self.request}

    def get_base_queryset(self) -> Any:
        return claim_queue(viewer=self.request.user, status=None)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        claims = list(context["object_list"])
        assessments = claim_assessments(viewer=self.request.user, claims=claims)
        context["rows"] = [
            QueueRow(c, field_label(c.content_type.model, c.field), claim_value(c),
                     assessments.get(c.pk), _consensus_text(c, assessments.get(c.pk)))
            for c in claims
        ]
        return context


def _consensus_text(claim: Claim, assessment: Any) -> str:
    if assessment is None or assessment.consensus_value is None:
        return ""
    kind = field_kind(claim.content_type.model, claim.field)
    return value_text(kind, assessment.consensus_value, assessment.consensus_detail)


class ReviewDecisionView(PermissionRequiredMixin, View):
    """POST: accept or reject the claims ticked (``claim`` + ``decision``) or one row
    (``one=accepted:17``). Each claim carries the status the reviewer saw
    (``expected_<id>``): the review is a compare-and-swap on it, in one transaction."""

    def post(self, request: HttpRequest) -> HttpResponse:
        back = _safe_next(request, reverse("incidents_review:queue"))
        one = request.POST.get("one", "")
        if one:
            decision, _, pk = one.partition(":")
            ids = [pk]
        else:
            decision = request.POST.get("decision", "")
            ids = request.POST.getlist("claim")
        try:
            claim_ids = [int(pk) for pk in ids]
        except ValueError:
            claim_ids = []
        if decision not in (ClaimStatus.ACCEPTED, ClaimStatus.REJECTED) or not claim_ids:
            messages.error(request, "Choose at least one claim and accept or reject.")
            return HttpResponseRedirect(back)
        by_expected: dict[str, list[int]] = {}
        for claim_id in claim_ids:
            expected = request.POST.get(f"expected_{claim_id}", ClaimStatus.PENDING)
            by_expected.setdefault(expected, []).append(claim_id)
        reviewed: list[int] = []
        skipped: list[int] = []
        changed: dict[str, list[str]] = {}
        with transaction.atomic():
            for expected, group in by_expected.items():
                result = claims_review(claim_ids=group, status=decision, user=request.user,
                                       expected_status=expected,
                                       note=request.POST.get("note", ""))
                reviewed += result.reviewed
                skipped += result.skipped
                changed.update(result.changed)
        verb = "Accepted" if decision == ClaimStatus.ACCEPTED else "Rejected"
        if reviewed:
            figures = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(changed.items()))
            messages.success(request, f"{verb} {len(reviewed)} claim(s)."
                             + (f" Figures updated — {figures}." if figures else ""))
        if skipped:
            messages.warning(request, f"{len(skipped)} claim(s) skipped: already reviewed "
                             "by someone else, or not visible to you.")
        return HttpResponseRedirect(back)


# -- conflicts ------------


class ConflictsView(PermissionRequiredMixin, TitledMixin, WagtailAdminTemplateMixin,
                    TemplateView):
    """Every conflict with its sides, each side's sources and quoted spans, and a form
    that resolves it in one action (``ConflictResolveView``)."""

    page_title = "Conflicts"
    header_icon = "warning"
    template_name = "incidents/review/conflicts.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        viewer = self.request.user
        incidents = visible(Incident.objects.all(), viewer)
        incident = None
        if self.request.GET.get("incident"):
            incident = incidents.filter(slug=self.request.GET["incident"]).first()
        rows = conflict_rows(conflict_list(viewer=viewer, incident=incident))
        for row in rows:
            for item in row["sides"]:
                item["keep"] = ",".join(str(pk) for pk in side_claim_ids(item["side"]))
        context.update(rows=rows, incidents=incidents, incident=incident)
        return context


def side_claim_ids(side: Any) -> list[int]:
    return sorted(ref.claim_id for ref in side.sources)


class ConflictResolveView(PermissionRequiredMixin, View):
    """POST: resolve a conflict in one action — keep one side (``keep``: its claims, as
    ``12,15``) and reject the claims of every other side, with the reviewer's note on
    each claim, in one transaction (``claims_review``, a compare-and-swap on
    "accepted"). The conflict is found again among those the reviewer may see now, by
    its ``key``; if it is gone or its sides changed, nothing is done and the page says
    so."""

    def post(self, request: HttpRequest) -> HttpResponse:
        back = _safe_next(request, reverse("incidents_review:conflicts"))
        key = request.POST.get("conflict", "")
        keep = request.POST.get("keep", "")
        note = request.POST.get("note", "").strip()
        conflict = next((c for c in conflict_list(viewer=request.user) if c.key == key),
                        None)
        if conflict is None:
            messages.warning(request, "That conflict is no longer open (resolved by "
                             "someone else, or not visible to you); nothing was changed.")
            return HttpResponseRedirect(back)
        sides = {",".join(str(pk) for pk in side_claim_ids(side)): side
                 for side in conflict.sides}
        kept = sides.get(keep)
        if kept is None:
            messages.error(request, "Choose the side to keep; its sources changed since "
                           "the page was shown, so look again.")
            return HttpResponseRedirect(back)
        rejected = sorted({pk for k, side in sides.items() if k != keep
                           for pk in side_claim_ids(side)} - set(side_claim_ids(kept)))
        resolution = note or "Conflict resolved"
        with transaction.atomic():
            confirmed = claims_review(
                claim_ids=side_claim_ids(kept), status=ClaimStatus.ACCEPTED,
                user=request.user, expected_status=ClaimStatus.ACCEPTED,
                note=f"{resolution} (kept this side of {conflict.label})")
            result = claims_review(
                claim_ids=rejected, status=ClaimStatus.REJECTED, user=request.user,
                expected_status=ClaimStatus.ACCEPTED,
                note=f"{resolution} (rejected: conflicts with the side kept, "
                f"{side_text(conflict, kept)})")
        figures = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(result.changed.items()))
        messages.success(
            request, f"Resolved “{conflict.label}”: kept {side_text(conflict, kept)} "
            f"({len(confirmed.reviewed)} claim(s)), rejected {len(result.reviewed)} claim(s)."
            + (f" Figures updated — {figures}." if figures else ""))
        if result.skipped or confirmed.skipped:
            messages.warning(request, f"{len(result.skipped) + len(confirmed.skipped)} "
                             "claim(s) skipped: already reviewed by someone else.")
        return HttpResponseRedirect(back)


# -- a source and its quoted spans ------------


class SourceEvidenceView(PermissionRequiredMixin, TitledMixin, WagtailAdminTemplateMixin,
                         TemplateView):
    """A source's text with the spans its claims quote highlighted, or, for a source
    kept by hash only, its SHA-256 and retrieval time."""

    header_icon = "doc-full"
    template_name = "incidents/review/source.html"

    def get_page_title(self) -> str:
        return self.source.title

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.source = get_object_or_404(visible(Source.objects.all(), request.user),
                                        key=kwargs["key"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        claims = list(claims_visible(self.request.user).filter(source=self.source)
                      .prefetch_related("subject"))
        redact = claim_redactor(viewer=self.request.user, claims=claims)
        spans = []
        rows = []
        for claim in claims:
            found = find_quote(self.source.text, claim.quote)
            rows.append({"claim": claim, "value": claim_value(redact(claim)), "found": found,
                         "label": field_label(claim.content_type.model, claim.field)})
            if found:
                spans.append((found[0], found[1], claim))
        publisher = self.source.publisher
        context.update(source=self.source, rows=rows,
                       published=format_date(self.source.published_on)
                       if self.source.published_on else "",
                       retrieved=format_date(self.source.retrieved_at)
                       if self.source.retrieved_at else "",
                       publisher=(publisher if can_see(self.request.user, publisher)
                                  else RESTRICTED) if publisher is not None else None,
                       segments=_segments(self.source.text, spans))
        return context


def _segments(text: str, spans: list[tuple[int, int, Claim]]) -> list[dict[str, Any]]:
    """The text cut into plain and quoted pieces; overlapping quotes join the first."""
    pieces: list[dict[str, Any]] = []
    at = 0
    for start, end, claim in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < at:
            continue
        if start > at:
            pieces.append({"text": text[at:start], "claim": None})
        pieces.append({"text": text[start:end], "claim": claim})
        at = end
    if at < len(text):
        pieces.append({"text": text[at:], "claim": None})
    return pieces


# -- fact-drift alerts ------------


def alert_rows(alerts: Any) -> list[dict[str, Any]]:
    rows = []
    for alert in alerts:
        citation = alert.citation
        model_name = citation.subject_type.model
        kind = field_kind(model_name, citation.field)
        rows.append({
            "alert": alert,
            "document": citation.document,
            "subject": citation.subject,
            "figure": field_label(model_name, citation.field),
            "cited": value_text(kind, alert.cited_value, alert.cited_detail),
            "current": value_text(kind, alert.current_value, alert.current_detail),
            "issued": format_date(citation.issued_at),
        })
    return rows


class AlertsView(PermissionRequiredMixin, TitledMixin, WagtailAdminTemplateMixin,
                 TemplateView):
    permission = ALERT_PERMISSION
    page_title = "Fact-drift alerts"
    header_icon = "warning"
    template_name = "incidents/review/alerts.html"

    def parent_breadcrumbs(self) -> list[dict[str, Any]]:
        return []

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", AlertStatus.OPEN)
        if status not in AlertStatus.values:
            status = ""
        alerts = alert_list(viewer=self.request.user, status=status or None)[:200]
        context.update(rows=alert_rows(alerts), status=status, statuses=AlertStatus.choices)
        return context


class AlertAcknowledgeView(PermissionRequiredMixin, View):
    permission = ALERT_PERMISSION

    def post(self, request: HttpRequest) -> HttpResponse:
        back = _safe_next(request, reverse("incidents_review:alerts"))
        visible_ids = set(alert_list(viewer=request.user).values_list("pk", flat=True))
        try:
            ids = [int(pk) for pk in request.POST.getlist("alert")]
        except ValueError:
            ids = []
        done = alerts_acknowledge(alert_ids=[pk for pk in ids if pk in visible_ids],
                                  user=request.user, note=request.POST.get("note", ""))
        if done:
            messages.success(request, f"Acknowledged {len(done)} alert(s).")
        else:
            messages.warning(request, "No open alert was acknowledged.")
        return HttpResponseRedirect(back)


class FactAlertsPanel(Component):
    """Dashboard: open fact-drift alerts, and how much is waiting in the review queue."""

    name = "fact_alerts"
    template_name = "incidents/review/dashboard_panel.html"
    order = 90

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        context = super().get_context_data(parent_context)
        request = parent_context["request"]
        user = request.user
        open_alerts = alert_list(viewer=user, status=AlertStatus.OPEN)
        can_review = user.has_perm(REVIEW_PERMISSION)
        context.update(
            request=request,
            csrf_token=parent_context.get("csrf_token"),
            rows=alert_rows(open_alerts[:5]),
            open_count=open_alerts.count(),
            pending_count=claim_queue(viewer=user).count() if can_review else None,
            conflict_count=len(conflict_list(viewer=user)) if can_review else None,
            can_acknowledge=user.has_perm(ALERT_PERMISSION),
        )
        return context


class CountSummaryItem(SummaryItem):
    """One count in the dashboard's summary ("2 incidents"), of what the user may see,
    linking to where those records are."""

    template_name = "incidents/review/_summary_item.html"

    def __init__(self, request: HttpRequest, *, count: int, singular: str, plural: str,
                 url: str, icon: str, order: int) -> None:
        super().__init__(request)
        self.count, self.singular, self.plural = count, singular, plural
        self.url, self.icon, self.order = url, icon, order

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        return {"count": format_number(self.count),
                "noun": self.singular if self.count == 1 else self.plural,
                "url": self.url, "icon": self.icon}


def summary_items(request: HttpRequest) -> list[CountSummaryItem]:
    """The dashboard's counts: the domain's records the user may see (Wagtail's own
    pages, images and documents are not what this site keeps)."""
    user = request.user
    items = []
    wanted = [
        (Incident, "incident", "incidents", "warning", "wagtailsnippets_incidents_incident:list"),
        (Campaign, "campaign", "campaigns", "crosshairs",
         "wagtailsnippets_incidents_campaign:list"),
        (Source, "source", "sources", "doc-full", "wagtailsnippets_incidents_source:list"),
    ]
    for order, (model, singular, plural, icon, url_name) in enumerate(wanted):
        if user.has_perm(f"incidents.view_{model._meta.model_name}") or user.has_perm(
                f"incidents.change_{model._meta.model_name}"):
            items.append(CountSummaryItem(
                request, count=visible(model.objects.all(), user).count(), singular=singular,
                plural=plural, url=reverse(url_name), icon=icon, order=10 + order))
    if user.has_perm(REVIEW_PERMISSION):
        items.append(CountSummaryItem(
            request, count=claim_queue(viewer=user).count(), singular="claim to review",
            plural="claims to review", url=reverse("incidents_review:queue"),
            icon="openquote", order=20))
        items.append(CountSummaryItem(
            request, count=len(conflict_list(viewer=user)), singular="open conflict",
            plural="open conflicts", url=reverse("incidents_review:conflicts"),
            icon="warning", order=21))
    if user.has_perm(ALERT_PERMISSION):
        items.append(CountSummaryItem(
            request, count=alert_list(viewer=user, status=AlertStatus.OPEN).count(),
            singular="open fact-drift alert", plural="open fact-drift alerts",
            url=reverse("incidents_review:alerts"), icon="warning", order=22))
    return items


# -- registration ------------

urlpatterns = [
    path("", ReviewQueueView.as_view(), name="queue"),
    path("results/", ReviewQueueView.as_view(results_only=True), name="queue_results"),
    path("decide/", ReviewDecisionView.as_view(), name="decide"),
    path("conflicts/", ConflictsView.as_view(), name="conflicts"),
    path("conflicts/resolve/", ConflictResolveView.as_view(), name="resolve"),
    path("sources/<slug:key>/", SourceEvidenceView.as_view(), name="source"),
    path("alerts/", AlertsView.as_view(), name="alerts"),
    path("alerts/acknowledge/", AlertAcknowledgeView.as_view(), name="acknowledge"),
]


@hooks.register("register_admin_urls")
def register_review_urls() -> list:
    return [path("provenance/", include((urlpatterns, "incidents_review"),
                                        namespace="incidents_review"))]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args: Any, permission: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(self.permission))


@hooks.register("register_admin_menu_item")
def register_review_menu() -> MenuItem:
    menu = Menu(items=[
        PermissionMenuItem("Review queue", reverse("incidents_review:queue"),
                           icon_name="openquote", order=100, permission=REVIEW_PERMISSION),
        PermissionMenuItem("Conflicts", reverse("incidents_review:conflicts"),
                           icon_name="warning", order=200, permission=REVIEW_PERMISSION),
        PermissionMenuItem("Fact-drift alerts", reverse("incidents_review:alerts"),
                           icon_name="warning", order=300, permission=ALERT_PERMISSION),
    ])
    return SubmenuMenuItem("Provenance", menu, icon_name="tasks", order=250)


@hooks.register("construct_homepage_panels")
def add_fact_alerts_panel(request: HttpRequest, panels: list) -> None:
    if request.user.has_perm(ALERT_PERMISSION) or request.user.has_perm(REVIEW_PERMISSION):
        panels.append(FactAlertsPanel())


@hooks.register("construct_homepage_summary_items", order=100)
def replace_summary_items(request: HttpRequest, items: list) -> None:
    """After Wagtail's own items: the page, image and document counts (this site keeps
    none) give way to the counts of its records."""
    items[:] = [item for item in items
                if not isinstance(item, PagesSummaryItem | ImagesSummaryItem
                                  | DocumentsSummaryItem)]
    items.extend(summary_items(request))


@hooks.register("insert_global_admin_css")
def provenance_css() -> str:
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))
