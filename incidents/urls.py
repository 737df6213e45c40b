"""The analyst site's pages: each module of ``incidents.site`` owns its routes."""

from django.urls import URLPattern

from incidents.site import entities, records, timeline

urlpatterns: list[URLPattern] = [
    *records.urlpatterns,
    *entities.urlpatterns,
    *timeline.urlpatterns,
]
