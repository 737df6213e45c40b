"""``manage.py extract [--json] FILE…``: show what ingest would extract, writing nothing.

A dry run for analysts and for tuning the extractor: it reads each file (.txt/.md as
UTF-8; .html through trafilatura's readable text), runs ``incidents.ingest.extract``
with the actor names in the database, and prints the result. A file that is missing,
empty or not UTF-8 stops the command with a message rather than printing nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.ingest.extract import extract
from incidents.ingest.lexicon import lexicon_from_db
from incidents.ingest.types import Extraction

FIELDS = ("kind", "value", "unit", "qualifier", "subject", "text", "start", "end", "context")
HTML_SUFFIXES = {".html", ".htm"}


def read_article(path: Path) -> str:
    """The readable text of one file; ``CommandError`` when there is none."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise CommandError(f"{path}: no such file") from exc
    except OSError as exc:
        raise CommandError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    if path.suffix.lower() in HTML_SUFFIXES:
        import trafilatura  # only HTML needs it, and it is slow to import

        text = trafilatura.extract(text, include_comments=False) or ""
    if not text.strip():
        raise CommandError(f"{path}: empty (no readable text)")
    return text


def _row(extraction: Extraction) -> dict[str, Any]:
    data = extraction.as_json()
    return {name: data[name] for name in FIELDS}


class Command(BaseCommand):
    help = "Print the figures, dates, actors and quotes ingest would extract (writes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--json", action="store_true",
                            help="a JSON list, one object per file")

    def handle(self, *args: Any, **options: Any) -> None:
        # Read everything first: one bad file fails the run before any output.
        articles = [(name, read_article(Path(name))) for name in options["files"]]
        actors = lexicon_from_db()
        results = [(name, extract(text, actors)) for name, text in articles]
        if options["json"]:
            payload = [{"file": name, "extractions": [_row(e) for e in found]}
                       for name, found in results]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        for name, found in results:
            self.stdout.write(f"{name}: {len(found)} extractions")
            for e in found:
                value = json.dumps(e.value, ensure_ascii=False)
                if len(value) > 60:
                    value = value[:57] + "..."
                detail = " ".join(part for part in (e.unit, e.qualifier, e.subject) if part)
                self.stdout.write(f"  {e.start:>6}  {e.kind:<9} {value:<40} {detail}")
