#!/usr/bin/env python
"""Ingest the five seed articles into a scratch knowledge base and show what came out.

    .venv/bin/python scripts/ingest_seeds.py [SEED_DIR]   (default ../shared/seeds)

Not a test: a demonstration on the documents the project was built from, which live
outside the repository. It builds a throw-away SQLite database in a temporary folder,
loads the bundled reference data and then takes out every claim and the hash-only
records of these five articles, so the KB knows the actors, campaigns, letter and
events but none of their figures, as on the day the articles arrived. Then it

1. ingests each seed through the same service the CLI, the API and the admin use;
2. prints extractions and pending claims per kind, and checks the claims the
   articles must yield (28.8 million exchanges, about 25,000 accounts, 22 April –
   5 June 2026, the 10 June letter to Senators Scott and Warren, the 4.9 % fall);
3. ingests them again, which must change nothing;
4. accepts every pending claim and lists the conflicts: one source dates the letter
   10 June 2025, which must surface as a conflict on the letter's date.

Exits non-zero when any of these checks fails.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    seed_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "seeds")
    seeds = sorted(seed_dir.glob("*.txt"))
    if not seeds:
        print(f"No .txt seed articles in {seed_dir}", file=sys.stderr)
        return 2
    scratch = tempfile.mkdtemp(prefix="kb-seeds-")
    os.environ.update({"KB_DATA_DIR": scratch, "KB_DEBUG": "0",
                       "KB_SECRET_KEY": "scratch-key-for-the-seed-demonstration"})
    os.environ.pop("KB_DATABASE_URL", None)
    os.environ.pop("KB_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)

    from incidents.ingest.extract import extract
    from incidents.ingest.lexicon import lexicon_from_db
    from incidents.ingest.pipeline import ingest_document
    from incidents.models import Claim, ClaimStatus, Coverage, Source
    from incidents.provenance.selectors import conflict_list
    from incidents.services.claims import facts_refresh
    from incidents.services.review import claims_review

    # The KB as it was before these articles were read: records, no figures.
    Claim.objects.all().delete()
    Source.objects.filter(sha256__in=[_sha(p) for p in seeds]).delete()
    for model in _subject_models():
        for record in model.objects.all():
            facts_refresh(subject=record)

    lexicon = lexicon_from_db()
    kinds: Counter[str] = Counter()
    for path in seeds:
        text = path.read_text(encoding="utf-8")
        found = extract(text, lexicon)
        kinds.update(e.kind for e in found)
        result = ingest_document(text=text, name=path.name)
        print(f"{path.name}: {len(found)} extractions, "
              f"{Claim.objects.filter(source=result.source).count()} pending claims")
    print("\nExtractions per kind:", dict(sorted(kinds.items())))
    pending = Claim.objects.filter(status=ClaimStatus.PENDING)
    per_field = Counter(f"{c.content_type.model}.{c.field}" for c in pending)
    print("Pending claims per record kind and field:")
    for name, count in sorted(per_field.items()):
        print(f"  {name:32} {count}")

    failures = [name for name, ok in _expected(pending) if not ok]
    for name, ok in _expected(pending):
        print(f"  [{'ok' if ok else 'MISSING'}] {name}")

    before = (Source.objects.count(), Coverage.objects.count(), Claim.objects.count())
    for path in seeds:
        ingest_document(text=path.read_text(encoding="utf-8"), name=path.name)
    after = (Source.objects.count(), Coverage.objects.count(), Claim.objects.count())
    print(f"\nRe-ingesting: sources, coverage, claims {before} -> {after}")
    if before != after:
        failures.append("re-ingesting changed the database")

    reviewer = get_user_model().objects.create_superuser("seed-reviewer", password=None)
    claims_review(claim_ids=list(pending.values_list("pk", flat=True)),
                  status=ClaimStatus.ACCEPTED, user=reviewer)
    conflicts = conflict_list(viewer=reviewer)
    print(f"\nAfter accepting every claim: {len(conflicts)} conflicts")
    for conflict in conflicts:
        print(f"  {conflict.label} ({conflict.kind}): "
              + " vs ".join(side.description or str(side.value) for side in conflict.sides))
    if not any(c.field == "date" and "letter" in c.subject_key for c in conflicts):
        failures.append("the 2025 letter date did not surface as a conflict")

    print(f"\nScratch database left in {scratch}")
    if failures:
        print("FAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    print("All checks passed.")
    return 0


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _subject_models() -> list:
    from incidents.models import AccountCluster, Campaign, Event, ExchangeVolume, Incident, Letter

    return [Campaign, Incident, Letter, Event, AccountCluster, ExchangeVolume]


def _expected(pending) -> list[tuple[str, bool]]:
    """The claims the seed articles must yield, as (description, found)."""
    def has(model: str, slug: str, field: str, test) -> bool:
        return any(test(c.value) for c in pending
                   if c.content_type.model == model and c.field == field
                   and getattr(c.subject, "slug", None) == slug)

    return [
        ("alibaba-qwen exchanges 28.8 million",
         has("campaign", "alibaba-qwen", "exchanges", lambda v: v == 28_800_000)),
        ("alibaba-qwen accounts about 25,000",
         has("campaign", "alibaba-qwen", "accounts", lambda v: 24_000 <= v <= 26_000)),
        ("alibaba-qwen period starts 2026-04-22",
         has("campaign", "alibaba-qwen", "start_date", lambda v: v == "2026-04-22")),
        ("alibaba-qwen period ends 2026-06-05",
         has("campaign", "alibaba-qwen", "end_date", lambda v: v == "2026-06-05")),
        ("letter to Scott and Warren dated 2026-06-10",
         has("letter", "anthropic-to-senate-banking-2026-06-10", "date",
             lambda v: v == "2026-06-10")),
        ("Alibaba shares fell 4.9 %",
         has("event", "alibaba-shares-fall-2026-06-25", "value", lambda v: float(v) == -4.9)),
    ]


if __name__ == "__main__":
    sys.exit(main())
