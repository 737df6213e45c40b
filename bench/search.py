#!/usr/bin/env python
"""Search benchmark: build rate and query latency on a generated corpus.

    .venv/bin/python bench/search.py                  # 100,000 documents (make bench)
    .venv/bin/python bench/search.py --docs 5000      # a quick run
    .venv/bin/python bench/search.py --no-postgres    # Whoosh only (no PostgreSQL here)

Four systems answer the same fixed query set over the same documents:

* ``kb whoosh``   – ``kb.search.backends.whoosh`` (parse, typo/prefix lookup, TLP filter,
                    exact count, five facets, highlighted snippets, page of 20);
* ``raw whoosh``  – Whoosh alone on the very same index files: its own query parser over
                    title/actors/body, top 20, no count, facets, snippets or markings;
* ``kb postgres`` – ``kb.search.backends.postgres``, doing everything ``kb whoosh`` does;
* ``wagtail db``  – Wagtail's own database search backend (PostgreSQL flavour) over the
                    same texts in a table of their own: top 20 and the count, operator
                    "and", no facets, snippets or markings.

The PostgreSQL parts use a database of their own (``--database-url``, created when
missing, dropped afterwards unless ``--keep``); the Whoosh index lives in a temporary
directory. Build rates are documents per second of a full rebuild; latencies are
milliseconds over every (query, repetition) after one warm-up run per query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

QUERIES = [
    "distillation",
    "Qwen distillation",
    "Alibba",                       # a typo: read as "alibaba"
    '"fraudulent accounts"',        # a phrase
    "agent*",                       # a prefix
    "type:coverage region:Asia",    # field filters only
    "Senate Banking",
    "exchanges accounts proxy",
    "claude -alibaba",              # an exclusion
    "Moonshoot",                    # a typo: read as "moonshot"
    "minimax tool use",
    "year:2025 type:claim capability",
]
VIEWER_MARKINGS = ("CLEAR", "GREEN")  # a GREEN analyst
PAGE_SIZE = 20

TYPES = [("coverage", 30), ("claim", 30), ("event", 14), ("source", 10), ("actor", 5),
         ("campaign", 5), ("letter", 4), ("incident", 2)]
MARKINGS = [("CLEAR", 60), ("GREEN", 25), ("AMBER", 10), ("AMBER+STRICT", 2), ("RED", 3)]
REGIONS = ["North America", "Europe", "East Asia", "South Asia", "Southeast Asia",
           "Middle East", "Latin America", "Africa"]
LENSES = ["unlabelled", "US tech financial", "Asia tech, US-China framing", "security trade",
          "Chinese state media", "European regulatory", "business explainer",
          "hardware / security detail", "policy newsletter", "wire report"]
KNOWN_ACTORS = ["Anthropic", "Claude", "Alibaba", "Qwen lab", "DeepSeek", "Moonshot AI",
                "MiniMax", "Z.ai", "Tim Scott", "Elizabeth Warren",
                "Senate Committee on Banking, Housing, and Urban Affairs", "The White House",
                "Department of Defense (Pentagon)", "Department of Commerce", "MITRE"]
DOMAIN_WORDS: list[str] = """
distillation extraction capability capabilities model models exchanges accounts
fraudulent proxy hydra network networks agentic reasoning coding tool use computer
long-horizon tasks software engineering campaign campaigns cluster disclosure letter senators
committee banking lawmakers penalties export controls blacklist military companies
shares market alignment safety terms service regional block evidence detection signals
registration bursts prompts datasets scale largest attack attacks allegation allegations
dispute denial response statement regulation legislation
""".split()  # noqa: SIM905


def _syllable_words(rng: random.Random, count: int) -> list[str]:
    consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
    words: set[str] = set()
    while len(words) < count:
        syllables = rng.randint(2, 4)
        words.add("".join(rng.choice(consonants) + rng.choice(vowels)
                          for _ in range(syllables)))
    return sorted(words)


class Corpus:
    """Deterministic documents: the same seed gives the same corpus."""

    def __init__(self, size: int, seed: int = 42) -> None:
        self.size = size
        self.seed = seed
        self.rng = random.Random(seed)
        filler = _syllable_words(self.rng, 6000)
        self.vocabulary = DOMAIN_WORDS + filler
        # Zipf-like: a few words are common, most are rare.
        self.weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(self.vocabulary))]
        self.rng.shuffle(self.weights)
        for i in range(len(DOMAIN_WORDS)):  # domain words stay common
            self.weights[i] = max(self.weights[i], 0.02)
        self.cum = list(_accumulate(self.weights))
        self.actors = KNOWN_ACTORS + [w.capitalize() + " " + self.rng.choice(
            ["Labs", "AI", "Group", "Times", "News", "Institute"]) for w in filler[:400]]
        self.actor_cum = list(_accumulate([8.0] * len(KNOWN_ACTORS) + [1.0] * 400))

    def _words(self, n: int) -> str:
        return " ".join(self.rng.choices(self.vocabulary, cum_weights=self.cum, k=n))

    def documents(self) -> Iterator:
        from kb.search.documents import TYPE_BOOST, SearchDocument

        # Each call yields the same documents: every system indexes the same corpus.
        rng = self.rng = random.Random(self.seed + 1)
        types = [t for t, _ in TYPES]
        type_cum = list(_accumulate([w for _, w in TYPES]))
        markings = [m for m, _ in MARKINGS]
        marking_cum = list(_accumulate([w for _, w in MARKINGS]))
        start = dt.date(2019, 1, 1)
        phrases = ["fraudulent accounts", "Senate Banking Committee", "distillation attack",
                   "Qwen lab", "tool use"]
        for pk in range(1, self.size + 1):
            doc_type = rng.choices(types, cum_weights=type_cum)[0]
            actors = tuple(dict.fromkeys(
                rng.choices(self.actors, cum_weights=self.actor_cum, k=rng.randint(0, 4))))
            body = self._words(rng.randint(40, 160))
            if rng.random() < 0.15:
                body += " " + rng.choice(phrases) + " " + self._words(10)
            has_region = doc_type in {"coverage", "actor"}
            yield SearchDocument(
                key=f"{doc_type}:{pk}", source=doc_type, type=doc_type, object_id=pk,
                title=self._words(rng.randint(4, 11)).capitalize(), body=body,
                slug=f"{doc_type}-{pk}", actors=actors, actor_text="\n".join(actors),
                date=start + dt.timedelta(days=rng.randint(0, 2900))
                if doc_type != "actor" else None,
                region=rng.choice(REGIONS) if has_region else "",
                lens=rng.choice(LENSES) if doc_type == "coverage" else "",
                marking=rng.choices(markings, cum_weights=marking_cum)[0],
                url=f"https://example.org/{doc_type}/{pk}", boost=TYPE_BOOST.get(doc_type, 1.0),
            )


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for v in values:
        total += v
        yield total


# --- timing ------------------------------------------------------------------------------

class Timing:
    def __init__(self, name: str) -> None:
        self.name = name
        self.build_rate: float | None = None
        self.samples: list[float] = []
        self.per_query: dict[str, list[float]] = {}
        self.hits: dict[str, int] = {}

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(timing: Timing, run: Callable[[str], int], repeats: int) -> None:
    for q in QUERIES:
        timing.hits[q] = run(q)  # warm-up (and the number it reports)
        for _ in range(repeats):
            started = time.perf_counter()
            run(q)
            elapsed = (time.perf_counter() - started) * 1000
            timing.samples.append(elapsed)
            timing.per_query.setdefault(q, []).append(elapsed)


def build(timing: Timing, label: str, size: int, work: Callable[[], int]) -> None:
    print(f"  building {label} …", flush=True)
    started = time.perf_counter()
    count = work()
    seconds = time.perf_counter() - started
    assert count == size, (count, size)
    timing.build_rate = size / seconds
    print(f"  {label}: {size:,} documents in {seconds:.1f} s", flush=True)


# --- the systems -------------------------------------------------------------------------

def bench_kb_whoosh(corpus: Corpus, index_dir: Path, repeats: int) -> tuple[Timing, Timing]:
    from whoosh import index
    from whoosh.qparser import MultifieldParser

    from kb.search.backends.base import SearchRequest
    from kb.search.backends.whoosh import WhooshBackend
    from kb.search.query import parse

    backend = WhooshBackend(index_dir)
    kb = Timing("kb whoosh")
    procs = min(4, os.cpu_count() or 1)  # as `search_index rebuild` does
    build(kb, "kb whoosh index", corpus.size,
          lambda: backend.rebuild(corpus.documents(), procs=procs))

    def run_kb(q: str) -> int:
        return backend.search(SearchRequest(parse(q), VIEWER_MARKINGS,
                                            page_size=PAGE_SIZE)).count

    measure(kb, run_kb, repeats)

    raw = Timing("raw whoosh")
    generation = next(index_dir.glob("gen-*"))
    ix = index.open_dir(str(generation))
    parser = MultifieldParser(["title", "actors", "body"], ix.schema)

    searcher = ix.searcher()  # one searcher kept open, as kb whoosh keeps one per thread

    def run_raw(q: str) -> int:
        return len(searcher.search(parser.parse(q), limit=PAGE_SIZE))

    measure(raw, run_raw, repeats)
    searcher.close()
    return kb, raw


def bench_kb_postgres(corpus: Corpus, repeats: int) -> Timing:
    from kb.search.backends.base import SearchRequest
    from kb.search.backends.postgres import PostgresBackend
    from kb.search.query import parse

    backend = PostgresBackend()
    timing = Timing("kb postgres")
    build(timing, "kb postgres index", corpus.size, lambda: backend.rebuild(corpus.documents()))
    with backend_connection() as cursor:
        cursor.execute("VACUUM ANALYZE kb_search_entry")
        cursor.execute("VACUUM ANALYZE kb_search_word")

    def run(q: str) -> int:
        return backend.search(SearchRequest(parse(q), VIEWER_MARKINGS,
                                            page_size=PAGE_SIZE)).count

    measure(timing, run, repeats)
    return timing


def backend_connection():
    from django.db import connection

    connection.ensure_connection()
    connection.connection.autocommit = True
    return connection.cursor()


def bench_wagtail(corpus: Corpus, repeats: int) -> Timing:
    from django.db import connection, models
    from modelsearch.abstract_models import TextIDGenericRelation
    from modelsearch.utils import parse_query_string
    from wagtail.search import index
    from wagtail.search.backends import get_search_backend
    from wagtail.search.models import IndexEntry

    class BenchDocument(index.Indexed, models.Model):
        title = models.TextField()
        actors = models.TextField()
        body = models.TextField()
        doc_type = models.CharField(max_length=32)

        search_fields = [
            index.SearchField("title", boost=3),
            index.SearchField("actors", boost=2),
            index.SearchField("body"),
            index.FilterField("doc_type"),
        ]

        class Meta:
            app_label = "kb_search"
            db_table = "kb_bench_document"

        def __str__(self) -> str:
            return self.title

    # What Wagtail's search app does at start-up for every indexed model.
    TextIDGenericRelation(IndexEntry).contribute_to_class(BenchDocument, "index_entries")
    with connection.schema_editor() as editor:
        editor.execute("DROP TABLE IF EXISTS kb_bench_document")
        editor.create_model(BenchDocument)
    rows = (BenchDocument(id=d.object_id, title=d.title, actors=d.actor_text, body=d.body,
                          doc_type=d.type) for d in corpus.documents())
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) == 5000:
            BenchDocument.objects.bulk_create(batch)
            batch = []
    BenchDocument.objects.bulk_create(batch)

    backend = get_search_backend("default")
    timing = Timing("wagtail db")

    def index_all() -> int:
        backend.reset_indexes()
        done = 0
        last = 0
        while True:  # as Wagtail's update_index does: chunks of 1,000
            chunk = list(BenchDocument.objects.filter(pk__gt=last).order_by("pk")[:1000])
            if not chunk:
                return done
            backend.add_bulk(BenchDocument, chunk)
            done += len(chunk)
            last = chunk[-1].pk

    build(timing, "wagtail database index", corpus.size, index_all)
    with backend_connection() as cursor:
        cursor.execute("VACUUM ANALYZE wagtailsearch_indexentry")

    def run(q: str) -> int:
        _filters, query = parse_query_string(q, operator="and")
        results = backend.search(query, BenchDocument.objects.all(), operator="and")
        list(results[:PAGE_SIZE])
        return results.count()

    measure(timing, run, repeats)
    with connection.schema_editor() as editor:
        editor.execute("DELETE FROM wagtailsearch_indexentry")
        editor.execute("DROP TABLE kb_bench_document")
    return timing


# --- setup and report --------------------------------------------------------------------

def ensure_database(url: str) -> bool:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    try:
        with psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432,
                             user=cfg["USER"] or None, password=cfg["PASSWORD"] or None,
                             dbname="postgres", autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  [cfg["NAME"]]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL unavailable at {url} ({exc}): skipping the PostgreSQL systems.")
        return False
    return True


def drop_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from django.db import connections

    connections.close_all()
    cfg = dj_database_url.parse(url)
    with psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432,
                         user=cfg["USER"] or None, password=cfg["PASSWORD"] or None,
                         dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')


def report(corpus: Corpus, timings: dict[str, Timing], repeats: int, verbose: bool) -> None:
    print()
    print(f"Search benchmark: {corpus.size:,} generated documents, {len(QUERIES)} queries × "
          f"{repeats} runs each, page of {PAGE_SIZE}, viewer cleared for GREEN")
    print(f"{'system':<14}{'build docs/s':>14}{'p50 ms':>10}{'p95 ms':>10}")
    for t in timings.values():
        rate = f"{t.build_rate:,.0f}" if t.build_rate else "(same index)"
        print(f"{t.name:<14}{rate:>14}{t.p50:>10.1f}{t.p95:>10.1f}")
    print()
    pairs = [("kb whoosh", "raw whoosh"), ("kb postgres", "wagtail db"),
             ("kb postgres", "kb whoosh"), ("kb whoosh", "wagtail db")]
    for a, b in pairs:
        if a in timings and b in timings:
            ta, tb = timings[a], timings[b]
            line = f"{a} / {b}: p50 {ta.p50 / tb.p50:.2f}×, p95 {ta.p95 / tb.p95:.2f}×"
            if ta.build_rate and tb.build_rate:
                line += f", build rate {ta.build_rate / tb.build_rate:.2f}×"
            print(line)
    if verbose:
        print()
        names = list(timings)
        print(f"{'query (p50 ms / hits)':<36}" + "".join(f"{n:>20}" for n in names))
        for q in QUERIES:
            cells = "".join(f"{statistics.median(timings[n].per_query[q]):>12.1f}"
                            f"{timings[n].hits[q]:>8}" for n in names)
            print(f"{q:<36}{cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000, help="corpus size")
    parser.add_argument("--repeats", type=int, default=10, help="timed runs per query")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database-url", default=os.environ.get(
        "KB_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kb_bench"))
    parser.add_argument("--no-postgres", action="store_true",
                        help="only the Whoosh systems (no PostgreSQL needed)")
    parser.add_argument("--no-wagtail", action="store_true", help="skip Wagtail's backend")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--verbose", action="store_true", help="per-query figures too")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    use_postgres = not args.no_postgres and ensure_database(args.database_url)
    os.environ.update({"KB_DEBUG": "1", "KB_DATA_DIR": str(work),
                       "KB_SEARCH_INDEX_DIR": str(work / "index"),
                       "DJANGO_SETTINGS_MODULE": "kb.settings", "KB_LOG_LEVEL": "WARNING"})
    if use_postgres:
        os.environ["KB_DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.core.management import call_command

    corpus = Corpus(args.docs, args.seed)
    timings: dict[str, Timing] = {}
    started = time.perf_counter()
    try:
        print(f"Whoosh ({work / 'index'}):", flush=True)
        timings["kb whoosh"], timings["raw whoosh"] = bench_kb_whoosh(
            corpus, work / "index", args.repeats)
        if use_postgres:
            print(f"PostgreSQL ({args.database_url}):", flush=True)
            call_command("migrate", verbosity=0)
            timings["kb postgres"] = bench_kb_postgres(corpus, args.repeats)
            if not args.no_wagtail:
                timings["wagtail db"] = bench_wagtail(corpus, args.repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if use_postgres and not args.keep:
            drop_database(args.database_url)
    report(corpus, timings, args.repeats, args.verbose)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
