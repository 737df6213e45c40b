from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the superuser 'admin' with KB_ADMIN_PASSWORD if it does not exist (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, **options):
        username = options["username"]
        users = get_user_model().objects
        if users.filter(username=username).exists():
            self.stdout.write(f"User {username!r} already exists: left as it is.")
            return
        password = settings.KB_ADMIN_PASSWORD
        if not password:
            raise CommandError(
                "KB_ADMIN_PASSWORD is not set (it defaults to 'admin' only with KB_DEBUG=1)."
            )
        users.create_superuser(username, f"{username}@localhost", password)
        shown = password if settings.DEBUG else "(from KB_ADMIN_PASSWORD)"
        self.stdout.write(self.style.SUCCESS(f"Created superuser {username!r}, password {shown}"))
