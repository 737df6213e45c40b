"""Content-Security-Policy: the strict ``SECURE_CSP`` for the site and the API, a relaxed
policy for Wagtail's admin.

Django's own ``ContentSecurityPolicyMiddleware`` sends ``settings.SECURE_CSP`` on every
response. Wagtail's admin (and the page previews it renders) needs inline scripts, so a
response under ``KB_CSP_ADMIN_PREFIX`` (``/admin/``) gets ``settings.KB_CSP_ADMIN``
instead. A view's own choice (Django's ``csp_override`` decorator) or a
``Content-Security-Policy`` header already set (Wagtail's documents send
``default-src 'none'``) is left as it is.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware


class KbContentSecurityPolicyMiddleware(ContentSecurityPolicyMiddleware):
    """Django's CSP middleware, with the admin's policy for paths under ``/admin/``."""

    def process_response(self, request: HttpRequest,
                         response: HttpResponse) -> HttpResponse:
        if (not hasattr(response, "_csp_config")
                and request.path_info.startswith(settings.KB_CSP_ADMIN_PREFIX)):
            response._csp_config = settings.KB_CSP_ADMIN  # type: ignore[attr-defined]
        return super().process_response(request, response)
