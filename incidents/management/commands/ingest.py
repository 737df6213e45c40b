"""``manage.py ingest PATH… [--incident SLUG]``: ingest articles from files and folders.

Runs ``incidents.ingest.pipeline.ingest_document`` directly (no broker needed), one
file at a time, each in its own transaction: a refused file stores nothing and does not
stop the others; the command exits non-zero at the end if any file was refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from incidents.ingest.pipeline import (
    EXTENSIONS,
    IngestTally,
    document_check,
    error_text,
    ingest_document,
    result_line,
)
from incidents.models import Incident


def _files(paths: list[Path], skipped: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.suffix.lower() in EXTENSIONS:
                    yield child
                else:
                    skipped.append(child)
        elif path.suffix.lower() in EXTENSIONS:
            yield path
        else:
            skipped.append(path)


class Command(BaseCommand):
    help = ("Ingest articles (.txt, .md, .html, .htm; folders are searched recursively) "
            "into sources, coverage records and pending claims. Idempotent: a file already "
            "ingested (same canonical URL or same text) changes nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                            help="Files or folders.")
        parser.add_argument("--incident", default="",
                            help="Slug of the incident the articles are about.")
        parser.add_argument("--url", default="",
                            help="The article's URL (only with a single file).")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        incident = None
        if options["incident"]:
            incident = Incident.objects.filter(slug=options["incident"]).first()
            if incident is None:
                raise CommandError(f"No incident with the slug {options['incident']!r}.")
        missing = [str(p) for p in options["paths"] if not p.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        skipped: list[Path] = []
        files = list(_files(options["paths"], skipped))
        if options["url"] and len(files) != 1:
            raise CommandError("--url names the address of one article: give one file.")
        verbose = options["verbosity"] > 0
        for path in skipped:
            if verbose:
                self.stdout.write(f"{path}: skipped (not .txt, .md, .html or .htm)")
        # A bar only for a person watching: not in logs, pipes, tests or with -v0.
        show = not options["quiet"] and verbose and self.stderr.isatty()
        tally = IngestTally(skipped_files=len(skipped))
        for path in tqdm(files, desc="Ingesting", unit="file", file=self.stderr,
                         disable=not show, leave=False):
            kind = EXTENSIONS[path.suffix.lower()]
            try:
                content = document_check(path.read_bytes(), name="file")
                result = ingest_document(text=content if kind == "text" else None,
                                         html=content if kind == "html" else None,
                                         url=options["url"], incident=incident,
                                         name=path.name)
            except ValidationError as exc:
                tally.refuse()
                self.stderr.write(f"{path}: refused — {error_text(exc)}")
                continue
            except OSError as exc:
                tally.refuse()
                self.stderr.write(f"{path}: refused — cannot read it ({exc.strerror})")
                continue
            tally.add(result)
            if verbose:
                self.stdout.write(f"{path}: {result_line(result)}")
        if verbose:
            for line in tally.lines():
                self.stdout.write(line)
        if tally.refused:
            raise CommandError(f"{tally.refused} file(s) refused; nothing was stored for "
                               "them (the others were ingested).")
