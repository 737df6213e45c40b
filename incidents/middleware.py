"""The reader of the request being served, for code that renders without a request:
Wagtail's StreamField blocks draw their admin form state from the block definition alone
(``incidents.blocks.MarkedSnippetChooserBlock`` needs to know who is looking)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

_request: ContextVar[HttpRequest | None] = ContextVar("kb_request", default=None)


def current_viewer() -> Any:
    """The user of the request being served (``None`` outside a request)."""
    request = _request.get()
    return getattr(request, "user", None) if request is not None else None


class ViewerMiddleware:
    """Makes ``request`` the current one while it is served, and forgets it after."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
