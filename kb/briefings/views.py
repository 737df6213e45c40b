"""The one view of briefings outside Wagtail's page serving: the PDF."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from wagtail.models import Site

from kb.briefings.models import BriefingPage


def briefing_pdf(request: HttpRequest, path: str) -> HttpResponse:
    """``<briefing url>briefing.pdf``: the briefing at ``path`` (found as Wagtail finds
    pages), printed, behind the page's own guard (login; 404 above the reader's
    clearance). Any other page, or none, is a 404."""
    if not request.user.is_authenticated:
        # Before any lookup: whether a briefing is there is not for anonymous readers.
        return redirect_to_login(request.get_full_path())
    site = Site.find_for_request(request)
    if site is None:
        raise Http404("No site")
    result = site.root_page.localized.specific.route(
        request, [part for part in path.split("/") if part])
    page = result[0] if isinstance(result, tuple) else getattr(result, "page", None)
    page = getattr(page, "specific", None)
    if not isinstance(page, BriefingPage) or not page.live:
        raise Http404("No such briefing")
    return page.serve_pdf(request)
