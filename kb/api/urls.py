"""URLs of the REST API under /api/v1/. Each API module registers its routes here."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns: list = [
    path("", include(router.urls)),
]
