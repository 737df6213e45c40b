"""Writes of the API app itself: issuing, changing and revoking tokens.

Audit events are written by the door that called these (the API views, the admin
views): it knows the request. ``token_audit_data`` is what they record: never the raw
token or its hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import MARKING_ORDER
from incidents.selectors import clearance_for
from kb.api.models import ApiToken, TokenScope

TOKEN_PREFIX = "kb_"  # noqa: S105  (a marker, not a secret)


def token_hash(raw: str) -> str:
    """SHA-256 hex of a token. Tokens are 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


def check_expiry(expires_at: dt.datetime | None) -> None:
    """``ValidationError`` on ``expires_at`` unless it is None (never) or in the future."""
    if expires_at is None:
        return
    if timezone.is_naive(expires_at):
        raise ValidationError({"expires_at": "Give a time zone (e.g. 2027-01-01T00:00:00Z)."})
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})


def _check_clearance(level: str, ceiling: str, who: Any) -> None:
    if level not in MARKING_ORDER:
        raise ValidationError(
            {"clearance": f"Unknown marking {level!r}; use one of {', '.join(MARKING_ORDER)}."}
        )
    if MARKING_ORDER.index(level) > MARKING_ORDER.index(ceiling):
        raise ValidationError(
            {"clearance": f"{who} may see up to {ceiling}; a token cannot see more."}
        )


@transaction.atomic
def api_token_create(
    *, user: Any, scope: str = TokenScope.READ, clearance: str | None = None, name: str = "",
    expires_at: dt.datetime | None = None, viewer: Any = None,
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns the row and the raw token (shown once, not stored).

    The clearance defaults to the user's own and may not exceed it, nor the clearance of
    ``viewer`` when given (a token creating a token passes itself). ``expires_at`` must be
    in the future (None: the token never expires). Raises ``ValidationError`` for an
    unknown scope, a clearance above the ceiling or an expiry in the past.
    """
    if scope not in TokenScope.values:
        raise ValidationError({"scope": f"Unknown scope {scope!r}; use read or write."})
    ceiling = clearance_for(viewer if viewer is not None else user)
    level = clearance or ceiling
    _check_clearance(level, ceiling, viewer if viewer is not None else user)
    check_expiry(expires_at)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name, prefix=raw[:12], token_hash=token_hash(raw), scope=scope,
        clearance_level=level, expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return token, raw


_UNSET: Any = object()


@transaction.atomic
def api_token_change(
    *, token: ApiToken, name: str | None = None, expires_at: Any = _UNSET,
    scope: str | None = None, clearance: str | None = None,
) -> list[str]:
    """Rename ``token``, change its expiry (None: never), or lower its scope or clearance;
    returns the names of the fields that changed.

    Raises ``ValidationError`` for a raised scope or clearance, an expiry in the past, and
    any change but a rename of a revoked or expired token (create a new one instead: an
    old secret is not brought back to life).
    """
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    changed: list[str] = []
    if name is not None and name != locked.name:
        locked.name = name
        changed.append("name")
    wants_more = (expires_at is not _UNSET and expires_at != locked.expires_at) or (
        scope is not None and scope != locked.scope) or (
        clearance is not None and clearance != locked.clearance_level)
    if wants_more and not locked.is_usable:
        state = "revoked" if locked.is_revoked else "expired"
        raise ValidationError({NON_FIELD_ERRORS: f"The token is {state}; only its name can change. "
                                   "Create a new token instead."})
    if expires_at is not _UNSET and expires_at != locked.expires_at:
        check_expiry(expires_at)
        locked.expires_at = expires_at
        changed.append("expires_at")
    if scope is not None and scope != locked.scope:
        if scope not in TokenScope.values:
            raise ValidationError({"scope": f"Unknown scope {scope!r}; use read or write."})
        if scope == TokenScope.WRITE:
            raise ValidationError({"scope": "A token's scope can be lowered, not raised; "
                                            "create a write-scoped token instead."})
        locked.scope = scope
        changed.append("scope")
    if clearance is not None and clearance != locked.clearance_level:
        _check_clearance(clearance, locked.clearance_level, "This token")
        locked.clearance_level = clearance
        changed.append("clearance")
    if changed:
        locked.full_clean()
        locked.save(update_fields=[{"clearance": "clearance_level"}.get(f, f) for f in changed])
    for field in ("name", "expires_at", "scope", "clearance_level"):
        setattr(token, field, getattr(locked, field))
    return changed


def api_token_revoke(*, token: ApiToken) -> bool:
    """Revoke ``token``; idempotent (a revoked token keeps its first revocation time).
    Returns whether this call revoked it (False: it was revoked already)."""
    now = timezone.now()
    done = bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    )
    token.revoked_at = ApiToken.objects.filter(pk=token.pk).values_list(
        "revoked_at", flat=True).first()
    return done


def token_audit_data(token: ApiToken, **extra: Any) -> dict[str, Any]:
    """What an audit event says about ``token``: never the raw token or its hash."""
    return {
        "name": token.name, "prefix": token.prefix, "owner": token.user.get_username(),
        "scope": token.scope, "clearance": token.clearance_level,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        **extra,
    }


def api_token_touch(*, token: ApiToken, every_seconds: int = 60) -> None:
    """Record that ``token`` was used, at most once a minute (compare-and-swap, no race)."""
    now = timezone.now()
    if token.last_used_at and (now - token.last_used_at).total_seconds() < every_seconds:
        return
    ApiToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(last_used_at=now)
    token.last_used_at = now
