"""Writes of the API app itself: issuing and revoking tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import MARKING_ORDER
from incidents.selectors import clearance_for
from kb.api.models import ApiToken, TokenScope

TOKEN_PREFIX = "kb_"  # noqa: S105  (a marker, not a secret)


def token_hash(raw: str) -> str:
    """SHA-256 hex of a token. Tokens are 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: Any, scope: str = TokenScope.READ, clearance: str | None = None, name: str = ""
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns the row and the raw token (shown once, not stored).

    The clearance defaults to the user's own and may not exceed it. Raises
    ``ValidationError`` for an unknown scope or a clearance above the user's.
    """
    if scope not in TokenScope.values:
        raise ValidationError({"scope": f"Unknown scope {scope!r}; use read or write."})
    ceiling = clearance_for(user)
    level = clearance or ceiling
    if level not in MARKING_ORDER:
        raise ValidationError(
            {"clearance": f"Unknown marking {level!r}; use one of {', '.join(MARKING_ORDER)}."}
        )
    if MARKING_ORDER.index(level) > MARKING_ORDER.index(ceiling):
        raise ValidationError(
            {"clearance": f"{user} may see up to {ceiling}; a token cannot see more."}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name, prefix=raw[:12], token_hash=token_hash(raw), scope=scope,
        clearance_level=level,
    )
    token.full_clean()
    token.save()
    return token, raw


def api_token_revoke(*, token: ApiToken) -> None:
    """Revoke ``token``; idempotent (a revoked token keeps its first revocation time)."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_touch(*, token: ApiToken, every_seconds: int = 60) -> None:
    """Record that ``token`` was used, at most once a minute (compare-and-swap, no race)."""
    now = timezone.now()
    if token.last_used_at and (now - token.last_used_at).total_seconds() < every_seconds:
        return
    ApiToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(last_used_at=now)
    token.last_used_at = now
