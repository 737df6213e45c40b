"""Registers the domain's admin: snippet viewsets and the provenance review queue."""

from wagtail.snippets.models import register_snippet

from incidents.wagtail_admin import review  # noqa: F401  (registers its own hooks)
from incidents.wagtail_admin.viewsets import VIEWSETS

for viewset in VIEWSETS:
    register_snippet(viewset)
