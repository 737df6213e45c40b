"""The site's own error pages (404, 403, 500), in the site's layout.

``kb/urls.py`` names the handlers (``handler404`` …). A hidden record's page is a 404
indistinguishable from a missing one, so the 404 page says the same thing in both
cases: the record may not exist, or may be outside the reader's clearance.

With ``DEBUG`` off (``make run``, gunicorn, and every deployment) Django calls these
handlers. Django shows its technical pages instead when ``DEBUG`` is on (``make dev``);
``ErrorPagesMiddleware`` keeps our 404 and 403 pages there too. A 500 under ``DEBUG``
still shows Django's traceback: that is what a developer needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader

logger = logging.getLogger(__name__)

# Served when even the plain 500 template cannot be rendered (a broken template engine,
# a missing template directory): no template, no database, no context processors.
MINIMAL_500 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Something went wrong · Distillation incident KB</title></head>"
    '<body><main><h1>Something went wrong</h1><p>The server could not show this page. '
    'The error has been logged. <a href="/">Go to the dashboard</a>.</p></main></body></html>'
)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Our 404 page, with the reader's navigation. Says nothing about why there is no
    page here (missing and hidden records must look the same)."""
    body = loader.render_to_string("404.html", {"request_path": request.path}, request)
    return HttpResponseNotFound(body)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Our 403 page."""
    body = loader.render_to_string("403.html", {}, request)
    return HttpResponseForbidden(body)


def server_error(request: HttpRequest) -> HttpResponse:
    """Our 500 page. Rendering it must not fail in turn: first with the reader's
    navigation, then without the request's context (no session or database lookups),
    then as a fixed page."""
    try:
        return HttpResponseServerError(loader.render_to_string("500.html", {}, request))
    except Exception:
        logger.exception("The 500 page could not be rendered with the request's context")
    try:
        return HttpResponseServerError(loader.render_to_string("500.html", {}))
    except Exception:
        logger.exception("The 500 page could not be rendered")
    return HttpResponseServerError(MINIMAL_500)


class ErrorPagesMiddleware:
    """Under ``DEBUG`` only: our 404 and 403 pages instead of Django's technical ones, for
    ``Http404`` / ``PermissionDenied`` raised by a view and for paths no URL matches.

    Put it last in ``MIDDLEWARE`` so that its ``process_exception`` runs first. Does
    nothing when ``DEBUG`` is off: ``handler404`` / ``handler403`` serve the same pages.
    Non-HTML 404s (the API's JSON ones) are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (settings.DEBUG and response.status_code == 404
                and getattr(request, "resolver_match", None) is None
                and response.get("Content-Type", "").startswith("text/html")):
            return page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest,
                          exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        return None
