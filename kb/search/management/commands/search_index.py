"""``manage.py search_index rebuild|update|check [--if-needed]``.

    rebuild   build the whole index from the database (readers keep the old one meanwhile)
    update    write only what differs from the database, remove what is gone
    check     say whether the index is usable and complete; exit 1 when it is not

``--if-needed`` makes ``rebuild`` and ``update`` do nothing when ``check`` finds the
index healthy (``make run`` calls ``rebuild --if-needed`` at every start).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kb.search import indexing
from kb.search.backends import get_backend
from kb.search.backends.base import SearchError
from kb.search.documents import count_all


class Command(BaseCommand):
    help = "Rebuild, update or check the search index (KB_SEARCH_BACKEND)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "update", "check"])
        parser.add_argument("--if-needed", action="store_true",
                            help="Only rebuild/update when `check` finds a problem.")
        parser.add_argument("--backend", choices=["whoosh", "postgres"],
                            help="Override KB_SEARCH_BACKEND for this run.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument("--procs", type=int, default=min(4, os.cpu_count() or 1),
                            help="Processes analysing text in a Whoosh rebuild (default: "
                            "the CPUs, at most 4).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backend = get_backend(options["backend"])
            report = indexing.index_check(backend=backend)
        except SearchError as exc:
            raise CommandError(str(exc)) from exc
        action = options["action"]
        name = f"{backend.name} search index"
        if action == "check":
            self.stdout.write(f"{name}: {report.status.state} — {report.status.detail}")
            if report.status.built_at:
                self.stdout.write(f"built {report.status.built_at}, "
                                  f"schema {report.status.schema_version}")
            self.stdout.write(f"searchable records in the database: {report.expected}")
            if not report.ok:
                raise CommandError("; ".join(report.problems))
            self.stdout.write(self.style.SUCCESS("The search index is healthy."))
            return
        if options["if_needed"] and report.ok:
            self.stdout.write(f"{name} is healthy ({report.status.documents} documents); "
                              f"nothing to do.")
            return
        for problem in report.problems:
            self.stderr.write(f"{name}: {problem}")
        with tqdm(total=count_all(), unit="doc", desc=f"{action} {backend.name}",
                  disable=options["no_progress"], file=self.stderr) as bar:
            try:
                if action == "rebuild" or (options["if_needed"] and not report.status.ok):
                    count = indexing.index_rebuild(backend=backend, progress=bar.update,
                                                   procs=max(1, options["procs"]))
                    summary = f"rebuilt the {name}: {count} documents"
                else:
                    result = indexing.index_update(backend=backend, progress=bar.update)
                    summary = (f"{'rebuilt' if result.rebuilt else 'updated'} the {name}: "
                               f"{result.written} written, {result.removed} removed")
            except SearchError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(summary))
