"""Registers the domain's admin: permission policies (first: the viewsets would make
fallback ones), actions, snippet viewsets, the bulk delete action and the provenance
review queue. The site history report that keeps the visibility rule is mounted in
``kb/urls.py`` ahead of the admin's URLs."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from incidents.wagtail_admin import (
    access,
    review,  # noqa: F401  (registers its own hooks)
)
from incidents.wagtail_admin import ingest as ingest_admin  # noqa: F401  (its own hooks)
from incidents.wagtail_admin.viewsets import VIEWSETS

access.register_policies()

for viewset in VIEWSETS:
    register_snippet(viewset)

hooks.register("register_actions", access.register_actions)
# After Wagtail's own snippet bulk delete (order 0), so it replaces it for our models.
hooks.register("register_bulk_action", access.DomainDeleteBulkAction, order=100)


