"""URLs of the REST API under /api/v1/. Each API module registers its routes here."""

from typing import Any

from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import DefaultRouter, DynamicRoute, Route

from kb.api.views import audit, ingest, provenance
from kb.api.views.crossref import GraphView
from kb.api.views.docs import docs_asset, not_found
from kb.api.views.entities import VIEWSETS
from kb.api.views.tokens import TokenViewSet


class Router(DefaultRouter):
    """The default router; an action whose ``url_path`` names a file (``export.docx``)
    has no trailing slash: ``/api/v1/letters/{slug}/export.docx``."""

    def _get_dynamic_route(self, route: DynamicRoute, action: Any) -> Route:
        made = super()._get_dynamic_route(route, action)
        if "." in action.url_path:
            made = made._replace(url=made.url.replace("{trailing_slash}", ""))
        return made


router = Router()
for prefix, viewset in VIEWSETS:
    router.register(prefix, viewset, basename=viewset.model._meta.model_name)
router.register("tokens", TokenViewSet, basename="apitoken")  # API tokens (own, or all)

# Claim review, conflicts, derived checks and alerts (before the router: claims/review/
# would otherwise read as the detail of a claim called "review").
claim_review = provenance.ClaimReviewViewSet.as_view({"post": "review"})
claim_accept = provenance.ClaimReviewViewSet.as_view({"post": "accept"})
claim_reject = provenance.ClaimReviewViewSet.as_view({"post": "reject"})
alert_list = provenance.AlertViewSet.as_view({"get": "list"})
alert_detail = provenance.AlertViewSet.as_view({"get": "retrieve"})
alert_acknowledge = provenance.AlertViewSet.as_view({"post": "acknowledge"})
provenance_urls = [
    path("claims/review/", claim_review, name="claim-review"),
    path("claims/<int:pk>/accept/", claim_accept, name="claim-accept"),
    path("claims/<int:pk>/reject/", claim_reject, name="claim-reject"),
    path("conflicts/", provenance.ConflictListView.as_view(), name="api-conflicts"),
    path("derived-checks/", provenance.DerivedCheckListView.as_view(),
         name="api-derived-checks"),
    path("alerts/", alert_list, name="factalert-list"),
    path("alerts/<int:pk>/", alert_detail, name="factalert-detail"),
    path("alerts/<int:pk>/acknowledge/", alert_acknowledge, name="factalert-acknowledge"),
]

urlpatterns: list = [
    *provenance_urls,
    path("ingest/", ingest.IngestView.as_view(), name="api-ingest"),
    path("audit/", audit.AuditListView.as_view(), name="api-audit"),
    path("audit/<int:pk>/revert/", audit.AuditRevertView.as_view(), name="api-audit-revert"),
    path("tasks/<str:task_id>/", ingest.TaskStatusView.as_view(), name="api-task-status"),
    path("", include(router.urls)),
    path("graph/", GraphView.as_view(), name="api-graph"),
    path("search/", include("kb.api.search")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("docs/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    re_path(r"^docs/assets/(?P<path>.+)$", docs_asset, name="api-docs-asset"),
]

# Keep this last: any other path under /api/v1/ gets a JSON 404, not an HTML page.
urlpatterns.append(re_path(r"^", not_found, name="api-not-found"))
