"""A briefing as PDF: the same view as the page (``kb.briefings.rendering``), printed by
WeasyPrint with charts as SVG, footnotes, the sources list and the marking on every page.

The print stylesheet is inlined and WeasyPrint's fetcher refuses every URL
(``_NoFetch``): making a PDF never reads the network or the disk beyond that file. An
image or stylesheet a rich-text block names is left out of the PDF, never fetched.
Links keep their targets, made absolute against the request when there is one, so a
reader of the PDF can open the live page, a record or a source.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from incidents.formatting import format_date
from kb.briefings.rendering import briefing_view

PRINT_CSS = "css/briefing_pdf.css"


@cache
def _print_css() -> str:
    found = finders.find(PRINT_CSS)
    return Path(str(found)).read_text(encoding="utf-8") if found else ""


class RefusedFetch(ValueError):
    """What the PDF's fetcher raises for every URL (WeasyPrint then leaves the resource
    out)."""


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class _NoFetch(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise RefusedFetch(f"A briefing's PDF reads no external resource ({url!r})")

    return _NoFetch()


def briefing_pdf_html(*, page: Any, viewer: Any, live_url: str = "") -> str:
    """The HTML WeasyPrint prints for ``page`` as ``viewer`` may read it (figures,
    redactions, footnotes as on the page)."""
    view = briefing_view(page=page, viewer=viewer)
    return render_to_string("briefings/briefing_pdf.html", {
        "page": page, "view": view, "print_css": _print_css(), "live_url": live_url,
        "printed": format_date(timezone.localdate()),
    })


def briefing_pdf(*, page: Any, viewer: Any, base_url: str | None = None,
                 live_url: str = "") -> bytes:
    """The PDF of ``page`` as ``viewer`` may read it. ``base_url`` makes the site's
    relative links absolute; nothing is ever fetched from it."""
    from weasyprint import HTML

    html = briefing_pdf_html(page=page, viewer=viewer, live_url=live_url)
    return bytes(HTML(string=html, base_url=base_url, url_fetcher=_fetcher()).write_pdf())


def briefing_pdf_response(*, page: Any, request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        briefing_pdf(page=page, viewer=request.user, base_url=request.build_absolute_uri("/"),
                     live_url=request.build_absolute_uri(page.url) if page.url else ""),
        content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{page.slug}.pdf"'
    from kb.audit.models import AuditAction
    from kb.audit.services import audit_record

    audit_record(action=AuditAction.EXPORT, user=request.user, obj=page, request=request,
                 data={"format": "pdf", "file": f"{page.slug}.pdf"})
    return response
