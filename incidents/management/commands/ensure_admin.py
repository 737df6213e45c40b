"""``manage.py ensure_admin``: the superuser ``admin`` of ``make run`` / ``make dev``.

Creates it once and never touches it again: a password changed later (in the admin,
or with ``manage.py changepassword admin``) is kept on every later run. Its password is
``KB_ADMIN_PASSWORD``; when that is empty (the default with DEBUG off) a random one is
generated and printed, once, on the run that creates the user.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

#: KB_ADMIN_PASSWORD's default under KB_DEBUG=1 (settings.py).
DEVELOPMENT_PASSWORD = "admin"  # noqa: S105


class Command(BaseCommand):
    help = ("Create the superuser 'admin' if it does not exist (idempotent): password "
            "KB_ADMIN_PASSWORD, or a random one printed once.")

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, **options):
        username = options["username"]
        users = get_user_model().objects
        existing = users.filter(username=username).first()
        if existing is not None:
            self.stdout.write(f"User {username!r} already exists: left as it is.")
            if not settings.DEBUG and existing.check_password(DEVELOPMENT_PASSWORD):
                self.stderr.write(self.style.WARNING(
                    f"User {username!r} still has the development password "
                    f"{DEVELOPMENT_PASSWORD!r}: change it with "
                    f"'manage.py changepassword {username}'."))
            return
        password = settings.KB_ADMIN_PASSWORD
        generated = not password
        if generated:
            password = secrets.token_urlsafe(15)
        users.create_superuser(username, f"{username}@localhost", password)
        if generated:
            self.stdout.write(self.style.SUCCESS(
                f"Created superuser {username!r} with the password {password}\n"
                "  It is shown only this once: note it, or change it with "
                f"'manage.py changepassword {username}'."))
        else:
            shown = password if settings.DEBUG else "(from KB_ADMIN_PASSWORD)"
            self.stdout.write(self.style.SUCCESS(
                f"Created superuser {username!r}, password {shown}"))
