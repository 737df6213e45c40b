"""``Authorization: Token <token>`` authentication, and who a request acts as."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from kb.api.models import ApiToken
from kb.api.services import api_token_touch, token_hash

KEYWORD = "Token"
INVALID = "Invalid or revoked token."
EXPIRED = "Token expired."


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Looks the token up by its SHA-256; sets ``request.auth`` to the ``ApiToken``.

    Checked in the database on every request (no cache): a token revoked or expired a
    moment ago is refused with 401 on the very next request, saying which.

    ``authenticate_header`` makes DRF answer unauthenticated requests with 401 and a
    ``WWW-Authenticate: Token`` challenge rather than 403.
    """

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid token header: use 'Authorization: Token <token>'."
            )
        try:
            raw = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        token = ApiToken.objects.select_related("user").filter(token_hash=token_hash(raw)).first()
        if token is None or token.is_revoked or not token.user.is_active:
            raise exceptions.AuthenticationFailed(INVALID)
        if token.is_expired:
            raise exceptions.AuthenticationFailed(EXPIRED, code="token_expired")
        api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


def viewer_of(request: Request) -> Any:
    """Whose clearance the selectors apply: the token's when one was used, else the user's."""
    if isinstance(request.auth, ApiToken):
        return request.auth
    return request.user
