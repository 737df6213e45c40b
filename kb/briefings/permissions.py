"""What the admin lets a user do with one briefing: nothing at all above their clearance.

``BriefingPage.permissions_for_user`` (Wagtail's per-class extension point) returns a
``BriefingPermissionTester``. Every admin view of a page (edit, revisions, compare,
history, preview, delete, copy, move, unpublish, lock, usage, workflow) asks it before it
shows anything; for a briefing above the user's clearance it answers 404, exactly as for
a page id that does not exist, so no view shows the briefing's title and no status tells
it apart from a missing page. Listings, choosers, search and reports never ask about such
a briefing: ``kb.briefings.wagtail_hooks`` removes it from their querysets first.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from wagtail.models import PagePermissionTester

from incidents.visibility import can_see


class BriefingPermissionTester(PagePermissionTester):
    """Wagtail's page permissions, for a briefing the user may see; a 404 otherwise."""

    def __init__(self, user: Any, page: Any) -> None:
        # ``page`` is the briefing as the view holds it: for the edit view, its latest
        # revision, so a draft re-marked above the user's clearance is hidden too.
        if not can_see(user, page):
            raise Http404("No such page")
        super().__init__(user, page)
