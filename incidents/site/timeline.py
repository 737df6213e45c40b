"""Placeholder: filled in by the analyst-site work (issue 9)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
