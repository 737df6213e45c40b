"""API tokens: only a SHA-256 of the token is stored; the token itself is shown once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.models import Marking


class TokenScope(models.TextChoices):
    READ = "read", "read"
    WRITE = "write", "read and write"


class ApiToken(models.Model):
    """A bearer credential for internal tooling, acting as ``user`` within ``scope``.

    Its ``clearance_level`` is what the selectors see (``incidents.selectors.clearance_for``
    reads it), so a token can be given less than its user may see, never more.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kb_api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for.")
    prefix = models.CharField(
        max_length=12, db_index=True, help_text="The token's first characters, to recognise it."
    )
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token.")
    scope = models.CharField(max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    clearance_level = models.CharField(
        max_length=16, choices=Marking.choices, default=Marking.GREEN,
        help_text="The most restricted TLP marking this token may see.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this the token is refused (none: never)."
    )

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user}, {self.scope})"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        """Neither revoked nor expired (its user's ``is_active`` is checked at use)."""
        return not (self.is_revoked or self.is_expired)
