"""URLs of the REST API under /api/v1/. Each API module registers its routes here."""

from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import DefaultRouter

from kb.api.views.crossref import GraphView
from kb.api.views.docs import docs_asset, not_found
from kb.api.views.entities import VIEWSETS

router = DefaultRouter()
for prefix, viewset in VIEWSETS:
    router.register(prefix, viewset, basename=viewset.model._meta.model_name)

urlpatterns: list = [
    path("", include("kb.api.provenance")),  # claim review, conflicts, checks, alerts
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
