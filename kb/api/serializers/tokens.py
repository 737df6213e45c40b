"""API tokens as the API shows them (never the hash; the raw token once, at creation) and
the bodies that create and change them (``kb.api.views.tokens``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.models import Marking
from kb.api.models import ApiToken, TokenScope
from kb.api.serializers.base import StrictIntegerField

MAX_DAYS = 3650  # ten years: further than that is "never", say so with null
STATUSES = ["active", "expired", "revoked"]


def token_status(token: ApiToken) -> str:
    if token.is_revoked:
        return "revoked"
    if token.is_expired:
        return "expired"
    return "active"


class TextField(serializers.CharField):
    """Text that must arrive as a JSON string (no numbers coerced) without NUL."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError("Must be a string.")
        if "\x00" in data:
            raise serializers.ValidationError("May not contain NUL characters.")
        return super().to_internal_value(data)


class StrictDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time as a JSON string (no numbers); a time without a zone
    reads as UTC."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601")
        if "\x00" in value:
            raise serializers.ValidationError("May not contain NUL characters.")
        try:
            return super().to_internal_value(value)
        except (OverflowError, ValueError):  # a year past 9999 once the zone is applied
            self.fail("invalid", format="ISO 8601")


class TokenSerializer(serializers.ModelSerializer):
    """A token as its owner and administrators see it."""

    user = serializers.CharField(source="user.get_username", read_only=True,
                                 help_text="Whose token it is (acts as this user).")
    clearance = serializers.ChoiceField(
        source="clearance_level", choices=Marking.choices, read_only=True,
        help_text="The most restricted TLP marking the token may see.")
    status = serializers.SerializerMethodField(
        help_text="active, expired or revoked (expired and revoked tokens get 401).")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "user", "scope", "clearance", "status",
                  "created_at", "last_used_at", "expires_at", "revoked_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=STATUSES))
    def get_status(self, token: ApiToken) -> str:
        return token_status(token)


class TokenCreatedSerializer(TokenSerializer):
    """A token just created: with the raw token, this once."""

    token = serializers.SerializerMethodField(
        help_text="The token itself. Shown this once: only its hash is stored.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields

    def get_token(self, token: ApiToken) -> str:
        return str(self.context.get("raw_token", ""))


class TokenCreateSerializer(serializers.Serializer):
    name = TextField(required=False, allow_blank=True, max_length=100, default="",
                     help_text="What the token is for.")
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)
    clearance = serializers.ChoiceField(
        choices=Marking.choices, required=False,
        help_text="The most restricted marking the token may see; at most your own "
        "(the default).")
    expires_at = StrictDateTimeField(
        required=False, allow_null=True,
        help_text="When the token stops working (in the future; null or absent: never).")
    expires_in_days = StrictIntegerField(
        required=False, min_value=1, max_value=MAX_DAYS,
        help_text="Instead of expires_at: the token stops working this many days from now.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        days = attrs.pop("expires_in_days", None)
        if days is not None:
            if attrs.get("expires_at") is not None:
                raise serializers.ValidationError(
                    {"expires_in_days": "Give expires_at or expires_in_days, not both."})
            attrs["expires_at"] = timezone.now() + dt.timedelta(days=days)
        return attrs


class TokenChangeSerializer(serializers.Serializer):
    """A rename, a new expiry, or a lower scope or clearance (never a higher one)."""

    name = TextField(required=False, allow_blank=True, max_length=100)
    expires_at = StrictDateTimeField(
        required=False, allow_null=True,
        help_text="A new expiry, in the future; null: never. Not for an expired or "
        "revoked token.")
    scope = serializers.ChoiceField(choices=TokenScope.choices, required=False,
                                    help_text="Only from write down to read.")
    clearance = serializers.ChoiceField(choices=Marking.choices, required=False,
                                        help_text="Only lower than the token's.")


class TokenQuerySerializer(serializers.Serializer):
    user = serializers.CharField(
        required=False, max_length=150,
        help_text="Only this user's tokens (username). For administrators; everyone "
        "else sees only their own.")
