"""``manage.py assign_role USERNAME ROLE [--remove]``: add a user to a role's group
(or take them out of it). An unknown user or role is an error (exit status 1)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kb.roles.definitions import ROLES, role_named


class Command(BaseCommand):
    help = "Give a user a role (viewer, analyst, policy-editor, administrator), or take it away."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", help="One of: " + ", ".join(
            role.lower().replace(" ", "-") for role in ROLES))
        parser.add_argument("--remove", action="store_true",
                            help="Take the role away instead of giving it.")

    def handle(self, *args: Any, username: str, role: str, remove: bool,
               **options: Any) -> None:
        name = role_named(role)
        if name is None:
            choices = ", ".join(r.lower().replace(" ", "-") for r in ROLES)
            raise CommandError(f"Unknown role {role!r}; one of: {choices}.")
        user_model = get_user_model()
        user = user_model._default_manager.filter(
            **{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        group = Group.objects.filter(name=name).first()
        if group is None:
            raise CommandError(f"The group of role {name!r} does not exist: run migrate.")
        if remove:
            user.groups.remove(group)
            self.stdout.write(f"{username} no longer has the role {name}.")
        else:
            user.groups.add(group)
            self.stdout.write(f"{username} has the role {name}.")
