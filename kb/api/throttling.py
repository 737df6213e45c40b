"""Per-token rate limiting: each token (or signed-in user) has its own allowance.

Counted in fixed windows with the cache's atomic ``add`` and ``incr`` (Redis ``INCR`` on
a shared cache), not DRF's read-modify-write request history, so simultaneous requests
in several processes or hosts never undercount."""

from __future__ import annotations

import time
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

    def allow_request(self, request: Request, view: Any) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None or not self.num_requests or not self.duration:
            return True
        now = time.time()
        window = int(now // self.duration)
        self._window_end = (window + 1) * self.duration
        self._now = now
        counter = f"{key}:{window}"
        self.cache.add(counter, 0, timeout=self.duration + 1)
        try:
            count = self.cache.incr(counter)
        except ValueError:  # expired between add and incr: a fresh window
            self.cache.add(counter, 1, timeout=self.duration + 1)
            count = 1
        return count <= self.num_requests

    def wait(self) -> float | None:
        end, now = getattr(self, "_window_end", None), getattr(self, "_now", None)
        if end is None or now is None:
            return None
        return max(end - now, 1.0)
