"""``manage.py import_legislators --legislators F --committees F --membership F``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from incidents.services.legislators import LegislatorDataError, legislators_import


class Command(BaseCommand):
    help = ("Create or update members of Congress, committees and memberships from the "
            "congress-legislators YAML files (idempotent: a second run changes nothing).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--legislators", type=Path, required=True,
                            help="legislators-current.yaml")
        parser.add_argument("--committees", type=Path, required=True,
                            help="committees-current.yaml")
        parser.add_argument("--membership", type=Path, required=True,
                            help="committee-membership-current.yaml")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        # A bar only for a person watching: not in logs, pipes, tests or with -v0.
        show = (not options["quiet"] and options["verbosity"] > 0
                and self.stderr.isatty())

        def progress(rows: Iterable[Any], desc: str, total: int) -> Iterable[Any]:
            return tqdm(rows, desc=desc, total=total, unit="row", file=self.stderr,
                        disable=not show, leave=False)

        try:
            stats = legislators_import(legislators=options["legislators"],
                                       committees=options["committees"],
                                       membership=options["membership"], progress=progress)
        except LegislatorDataError as exc:
            raise CommandError(f"Legislators not imported (nothing was stored): {exc}") from exc
        if options["verbosity"] == 0:
            return
        if not stats:
            self.stdout.write("Members and committees already up to date: nothing changed.")
            return
        for label, count in sorted(stats.items()):
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(self.style.SUCCESS("Members and committees imported."))
