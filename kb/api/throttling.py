"""Per-token rate limiting: each token (or signed-in user) has its own allowance."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from kb.api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """``KB_API_THROTTLE_RATE`` requests per token; per user for session requests, per
    client address for anonymous ones. The counts live in Django's default cache."""

    scope = "token"

    def get_rate(self) -> str:
        return settings.KB_API_THROTTLE_RATE  # read per request, so tests can change it

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
