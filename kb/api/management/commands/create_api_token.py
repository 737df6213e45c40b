"""``manage.py create_api_token USER --scope read|write [--clearance MARKING]
[--expires-days N]``: the token is recorded in the audit trail like one made in the
admin or through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from incidents.models import MARKING_ORDER
from kb.api.models import TokenScope
from kb.api.services import api_token_create, token_audit_data
from kb.audit.models import AuditAction
from kb.audit.services import audit_record


class Command(BaseCommand):
    help = "Create an API token for USER and print it (once: only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument(
            "--clearance", choices=MARKING_ORDER, default=None,
            help="Most restricted TLP marking the token may see (default: the user's own).",
        )
        parser.add_argument("--name", default="", help="What the token is for.")
        parser.add_argument("--expires-days", type=int, default=None,
                            help="Days until the token expires (default: never).")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: options["username"]})
        except User.DoesNotExist:
            raise CommandError(f"No user {options['username']!r}.") from None
        days = options["expires_days"]
        if days is not None and days < 1:
            raise CommandError("--expires-days: a whole number of days, at least 1.")
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        try:
            token, raw = api_token_create(
                user=user, scope=options["scope"], clearance=options["clearance"],
                name=options["name"], expires_at=expires_at,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(
                f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()
            )) from None
        audit_record(action=AuditAction.TOKEN_CREATE, user=user, obj=token,
                     data={**token_audit_data(token), "via": "manage.py create_api_token"})
        self.stderr.write(
            f"Token for {user} (scope {token.scope}, clearance {token.clearance_level}"
            + (f", expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "")
            + "). "
            "It is shown once; store it now."
        )
        self.stdout.write(raw)
