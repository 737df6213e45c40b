#!/usr/bin/env python
"""Legislators import benchmark: a first and a second import of the full files.

    .venv/bin/python bench/bench_import_legislators.py               # SQLite, temporary
    .venv/bin/python bench/bench_import_legislators.py --data DIR    # other files
    .venv/bin/python bench/bench_import_legislators.py --database-url postgres://…/kb_bench_leg

Imports the three congress-legislators files (default ``../shared/data/congress``) into
an empty, freshly migrated database with ``manage.py import_legislators`` twice, and
prints the wall time of each run and the rows it made. The second run must change
nothing. Skips with a message when the files are not there. A PostgreSQL database
named by ``--database-url`` must exist and be empty (it is migrated, not dropped).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
DEFAULT_DATA = BASE_DIR.parent / "shared" / "data" / "congress"
FILES = {"legislators": "legislators-current.yaml", "committees": "committees-current.yaml",
         "membership": "committee-membership-current.yaml"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="directory holding the three YAML files")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: "
                        "SQLite in a temporary directory)")
    args = parser.parse_args()
    paths = {key: args.data / name for key, name in FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        print(f"Legislators import benchmark skipped: missing {', '.join(missing)}")
        return

    work = Path(tempfile.mkdtemp(prefix="kb-bench-leg-"))
    os.environ.update({"KB_DEBUG": "1", "KB_DATA_DIR": str(work),
                       "KB_SEARCH_INDEX_DIR": str(work / "index"),
                       "DJANGO_SETTINGS_MODULE": "kb.settings", "KB_LOG_LEVEL": "WARNING"})
    if args.database_url:
        os.environ["KB_DATABASE_URL"] = args.database_url
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from incidents.models import Actor, ActorKind, Relationship, RelationshipKind
        from incidents.models.actors import CommitteeMembership
        from incidents.services.legislators import legislators_import

        call_command("migrate", verbosity=0)
        print(f"Legislators import: {args.data} into {connection.vendor}")
        for run in ("first", "second"):
            started = time.perf_counter()
            stats = legislators_import(**paths)
            elapsed = time.perf_counter() - started
            changed = ", ".join(f"{k} {v}" for k, v in sorted(stats.items())) or "nothing"
            print(f"{run} import   {elapsed:6.2f} s   changed: {changed}")
        members = Actor.objects.filter(kind=ActorKind.LEGISLATOR, bioguide_id__isnull=False)
        committees = Actor.objects.filter(kind=ActorKind.COMMITTEE,
                                          committee_code__isnull=False)
        print(f"members {members.count()}, committees {committees.filter(parent=None).count()}"
              f" + subcommittees {committees.exclude(parent=None).count()}, memberships "
              f"{CommitteeMembership.objects.count()} (member_of edges "
              f"{Relationship.objects.filter(kind=RelationshipKind.MEMBER_OF).count()})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
