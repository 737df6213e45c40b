"""A briefing as PDF: the same view as the page (``kb.briefings.rendering``), printed by
WeasyPrint with charts as SVG, footnotes, the sources list and the marking on every page.

The print stylesheet is inlined and WeasyPrint's fetcher refuses every URL
(``_NoFetch``): making a PDF never reads the network or the disk beyond that file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from kb.briefings.rendering import briefing_view

PRINT_CSS = "css/briefing_pdf.css"


@cache
def _print_css() -> str:
    found = finders.find(PRINT_CSS)
    return Path(str(found)).read_text(encoding="utf-8") if found else ""


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class _NoFetch(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"A briefing's PDF reads no external resource ({url!r})")

    return _NoFetch()


def briefing_pdf(*, page: Any, viewer: Any) -> bytes:
    """The PDF of ``page`` as ``viewer`` may read it (figures, redactions, footnotes as
    on the page)."""
    from weasyprint import HTML

    view = briefing_view(page=page, viewer=viewer)
    html = render_to_string("briefings/briefing_pdf.html",
                            {"page": page, "view": view, "css": _print_css()})
    return bytes(HTML(string=html, url_fetcher=_fetcher()).write_pdf())


def briefing_pdf_response(*, page: Any, request: HttpRequest) -> HttpResponse:
    response = HttpResponse(briefing_pdf(page=page, viewer=request.user),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{page.slug}.pdf"'
    return response
