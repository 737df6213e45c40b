"""``manage.py create_api_token USER --scope read|write [--clearance MARKING]``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.models import MARKING_ORDER
from kb.api.models import TokenScope
from kb.api.services import api_token_create


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

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: options["username"]})
        except User.DoesNotExist:
            raise CommandError(f"No user {options['username']!r}.") from None
        try:
            token, raw = api_token_create(
                user=user, scope=options["scope"], clearance=options["clearance"],
                name=options["name"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(
                f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()
            )) from None
        self.stderr.write(
            f"Token for {user} (scope {token.scope}, clearance {token.clearance_level}). "
            "It is shown once; store it now."
        )
        self.stdout.write(raw)
