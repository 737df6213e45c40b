from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.services.reference import ReferenceDataError, reference_data_load


class Command(BaseCommand):
    help = "Load the bundled reference data (idempotent: a second run changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, help="Another reference file to load.")

    def handle(self, *args, **options):
        verbose = options["verbosity"] > 1
        try:
            stats = reference_data_load(
                path=options["file"],
                progress=(lambda msg: self.stdout.write(f"  {msg}")) if verbose else None,
            )
        except ReferenceDataError as exc:
            raise CommandError(f"Reference data not loaded (nothing was stored): {exc}") from exc
        if not stats:
            self.stdout.write("Reference data already up to date: nothing changed.")
            return
        for label, count in sorted(stats.items()):
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))
