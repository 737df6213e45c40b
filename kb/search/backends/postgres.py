"""PostgreSQL full-text search, for deployments with several web machines.

Documents live in ``kb_search_entry`` with a weighted ``tsvector`` (A title, B actors,
C body; English stemming) under a GIN index; ``SearchRank`` orders, ``SearchHeadline``
highlights. Typo tolerance and prefixes look words up in ``kb_search_word`` through a
pg_trgm trigram index, with the same edit-distance rule as the Whoosh backend.

Writes hold a transaction-level advisory lock (``lock()``), so two workers never
interleave their read-the-rows-then-write steps; a lock wait past ``lock_timeout``
raises ``IndexLockedError`` and the task retries. Readers never wait: a rebuild replaces
the rows inside one transaction and searches see the old rows until it commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import DatabaseError, OperationalError, connections, transaction
from django.db.models import F, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber

from kb.search.backends.base import (
    MARK_END,
    MARK_START,
    BackendUnavailableError,
    FacetValue,
    IndexLockedError,
    IndexStatus,
    IndexUnavailableError,
    Progress,
    SearchHit,
    SearchRequest,
    SearchResults,
    dedupe,
    framed,
    leading_words,
)
from kb.search.documents import DOCUMENT_VERSION, SearchDocument, result_url, words_of
from kb.search.models import SearchEntry, SearchIndexState, SearchWord
from kb.search.query import (
    PREFIX_MAX_EXPANSIONS,
    FieldFilter,
    Phrase,
    Prefix,
    Word,
    closest,
    max_edits,
)

SCHEMA_VERSION = 1000 * DOCUMENT_VERSION + 1
CONFIG = "english"
# An arbitrary 64-bit constant: the key of the advisory lock every index write holds.
LOCK_KEY = 0x6B625F736561726368  # "kb_search"
LOCK_KEY &= (1 << 63) - 1
BATCH = 1000
WEIGHTS = [0.1, 0.2, 0.4, 1.0]  # D, C, B, A
# Lock-related SQLSTATEs: lock_not_available, deadlock_detected, serialization_failure.
LOCK_ERRORS = {"55P03", "40P01", "40001"}

VECTOR = (
    SearchVector("title", weight="A", config=CONFIG)
    + SearchVector("actor_text", weight="B", config=CONFIG)
    + SearchVector("body", weight="C", config=CONFIG)
)
ENTRY_FIELDS = ["group_key", "source", "doc_type", "object_id", "slug", "url", "title", "body",
                "actor_text", "actor_names", "region", "lens", "year", "date", "marking",
                "boost", "content_hash", "search_vector"]
DDL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS kb_search_entry_vector_gin "
    "ON kb_search_entry USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS kb_search_word_trgm ON kb_search_word "
    "USING gin (word gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS kb_search_word_prefix ON kb_search_word "
    "(word varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS kb_search_entry_actor_names ON kb_search_entry "
    "USING gin (actor_names jsonb_path_ops)",
]


def _entry(doc: SearchDocument) -> SearchEntry:
    return SearchEntry(
        key=doc.key, group_key=doc.group_key, source=doc.source, doc_type=doc.type,
        object_id=doc.object_id,
        slug=doc.slug, url=doc.url, title=doc.title, body=doc.body,
        actor_text=doc.actor_text, actor_names=list(doc.actors), region=doc.region,
        lens=doc.lens, year=doc.year, date=doc.date, marking=doc.marking, boost=doc.boost,
        content_hash=doc.content_hash, search_vector=None,
    )


def _hit(row: Mapping[str, Any], highlight: str | None) -> SearchHit:
    return SearchHit(
        key=row["key"], type=row["doc_type"], object_id=row["object_id"], slug=row["slug"],
        title=row["title"],
        url=result_url(row["doc_type"], row["slug"], row["url"], row["object_id"]),
        highlight=framed(highlight, row["body"]) if highlight else leading_words(row["body"]),
        score=float(row["rank"] or 0.0), date=row["date"], marking=row["marking"],
        group=row["group_key"] or row["key"],
    )


def _lock_error(exc: BaseException) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in LOCK_ERRORS


class _Nothing(Exception):
    """A required clause can match nothing visible: the whole query matches nothing."""


class _Compiler:
    """Turns a parsed query into ``SearchQuery`` objects and filters on entries."""

    def __init__(self, backend: PostgresBackend, request: SearchRequest) -> None:
        self.backend = backend
        self.request = request
        self.markings = list(request.markings)
        self.corrections: dict[str, list[str]] = {}

    def _cursor(self) -> Any:
        return connections[self.backend.using].cursor()

    def plain(self, text: str) -> SearchQuery:
        return SearchQuery(text, config=CONFIG)

    def word(self, clause: Word) -> SearchQuery | None:
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT numnode(plainto_tsquery(%s::regconfig, %s)), EXISTS ("
                " SELECT 1 FROM kb_search_entry WHERE marking = ANY(%s)"
                " AND search_vector @@ plainto_tsquery(%s::regconfig, %s))",
                [CONFIG, clause.text, self.markings, CONFIG, clause.text],
            )
            nodes, known = cursor.fetchone()
        if not nodes:
            return None  # a stop word
        if known or clause.negated or len(words_of(clause.text)) != 1:
            return self.plain(clause.text)
        return self.fuzzy(words_of(clause.text)[0])

    def fuzzy(self, word: str) -> SearchQuery:
        limit = max_edits(word)
        if limit == 0:
            raise _Nothing
        # Trigram similarity finds the candidates (a lower bar for short words, whose
        # few trigrams a single typo changes); the edit distance decides, as in Whoosh.
        threshold = "0.3" if len(word) >= 6 else "0.1"
        # In a transaction: set_config(..., true) lasts until its end.
        with transaction.atomic(using=self.backend.using), self._cursor() as cursor:
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                           [threshold])
            cursor.execute(
                "SELECT word, similarity(word, %s) FROM kb_search_word"
                " WHERE word %% %s AND left(word, 1) = left(%s, 1)"
                " ORDER BY 2 DESC LIMIT 200",
                [word, word, word],
            )
            near = [(w, int(sim * 1000)) for w, sim in cursor.fetchall()]
            candidates = closest(word, near)
            if not candidates:
                raise _Nothing
            cursor.execute(
                "SELECT w FROM unnest(%s::text[]) WITH ORDINALITY AS c(w, n) WHERE EXISTS ("
                " SELECT 1 FROM kb_search_entry WHERE marking = ANY(%s)"
                " AND search_vector @@ plainto_tsquery(%s::regconfig, c.w)) ORDER BY n",
                [candidates, self.markings, CONFIG],
            )
            used = [row[0] for row in cursor.fetchall()]
        if not used:
            raise _Nothing
        self.corrections[word] = used
        return self._any(used)

    def _any(self, words: list[str]) -> SearchQuery:
        query = self.plain(words[0])
        for w in words[1:]:
            query = query | self.plain(w)
        return query

    def prefix(self, clause: Prefix) -> SearchQuery | None:
        pattern = re.sub(r"([\\%_])", r"\\\1", clause.text) + "%"
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT word FROM kb_search_word WHERE word LIKE %s ORDER BY length(word), word"
                " LIMIT %s", [pattern, PREFIX_MAX_EXPANSIONS],
            )
            words = [row[0] for row in cursor.fetchall()]
        if not words:
            if clause.negated:
                return None
            raise _Nothing
        return self._any(words)

    def phrase(self, clause: Phrase) -> SearchQuery:
        return SearchQuery(" ".join(clause.words), search_type="phrase", config=CONFIG)

    def weighted(self, value: str, weight: str) -> SearchQuery | None:
        words = [w for w in re.findall(r"\w+", value) if "_" not in w]
        if not words:
            return None
        return SearchQuery(" & ".join(f"{w}:{weight}" for w in words), search_type="raw",
                           config=CONFIG)

    def field_filter(self, f: FieldFilter) -> Q:
        value = f.value
        if f.field == "type":
            return Q(doc_type=value.lower())
        if f.field == "year":
            return Q(year=int(value)) if value.isdigit() else Q(pk__in=[])
        if f.field == "marking":
            return Q(marking=value.upper().removeprefix("TLP:"))
        if f.field in {"region", "lens"}:
            q = Q()
            for word in words_of(value):
                q &= Q(**{f"{f.field}__iregex": rf"\m{re.escape(word)}\M"})
            return q
        query = self.weighted(value, "B" if f.field == "actor" else "A")
        return Q(search_vector=query) if query is not None else Q(pk__in=[])

    def compile(self, queryset: QuerySet) -> tuple[QuerySet, SearchQuery | None]:
        """The queryset restricted to matches, and the text query to rank and highlight."""
        positive: list[SearchQuery] = []
        for clause in self.request.query.clauses:
            if isinstance(clause, Word):
                q = self.word(clause)
            elif isinstance(clause, Prefix):
                q = self.prefix(clause)
            else:
                q = self.phrase(clause)
            if q is None:
                continue
            if clause.negated:
                queryset = queryset.exclude(search_vector=q)
            else:
                positive.append(q)
        if self.request.query.positive and not positive:
            raise _Nothing  # only stop words: "the" should not list everything
        for f in self.request.query.filters:
            condition = self.field_filter(f)
            queryset = queryset.exclude(condition) if f.negated else queryset.filter(condition)
        text: SearchQuery | None = None
        for q in positive:
            text = q if text is None else text & q
        if text is not None:
            queryset = queryset.filter(search_vector=text)
        return queryset, text


class PostgresBackend:
    """Full-text search in PostgreSQL tables; see the module docstring."""

    name = "postgres"

    def __init__(self, lock_timeout: float = 30.0, using: str = "default") -> None:
        self.lock_timeout = lock_timeout
        self.using = using

    def _require_postgres(self) -> None:
        vendor = connections[self.using].vendor
        if vendor != "postgresql":
            raise BackendUnavailableError(
                f"KB_SEARCH_BACKEND=postgres needs a PostgreSQL database "
                f"(KB_DATABASE_URL=postgres://…); this one is {vendor}."
            )

    # --- writing ---------------------------------------------------------------------
    @contextmanager
    def lock(self) -> Iterator[None]:
        self._require_postgres()
        with transaction.atomic(using=self.using):
            try:
                with connections[self.using].cursor() as cursor:
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)",
                                   [f"{int(self.lock_timeout * 1000)}ms"])
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            except OperationalError as exc:
                if _lock_error(exc):
                    raise IndexLockedError(f"search index lock: {exc}") from exc
                raise
            yield

    def _store(self, documents: Iterable[SearchDocument], *, conflicts: bool,
               progress: Progress | None = None) -> int:
        count = 0
        iterator = iter(documents)
        while batch := list(islice(iterator, BATCH)):
            entries = [_entry(d) for d in batch]
            if conflicts:
                SearchEntry.objects.using(self.using).bulk_create(
                    entries, update_conflicts=True, unique_fields=["key"],
                    update_fields=ENTRY_FIELDS,
                )
            else:
                SearchEntry.objects.using(self.using).bulk_create(entries)
            SearchEntry.objects.using(self.using).filter(
                key__in=[e.key for e in entries]).update(search_vector=VECTOR)
            words = {w for d in batch for w in words_of(d.all_text) if len(w) <= 100}
            SearchWord.objects.using(self.using).bulk_create(
                [SearchWord(word=w) for w in sorted(words)], ignore_conflicts=True,
                batch_size=5000,
            )
            count += len(batch)
            if progress:
                progress(len(batch))
        return count

    def write(self, upserts: Iterable[SearchDocument], removals: Iterable[str] = ()) -> int:
        upserts, removals = dedupe(upserts, removals)
        if not upserts and not removals:
            return 0
        try:
            with self.lock():
                self._usable()
                if removals:
                    with connections[self.using].cursor() as cursor:
                        cursor.execute("DELETE FROM kb_search_entry WHERE key = ANY(%s)",
                                       [removals])
                return self._store(upserts, conflicts=True)
        except OperationalError as exc:
            if _lock_error(exc):
                raise IndexLockedError(str(exc)) from exc
            raise

    def add_or_update(self, documents: Iterable[SearchDocument]) -> int:
        return self.write(documents)

    def remove(self, keys: Iterable[str]) -> int:
        keys = list(keys)
        self.write((), keys)
        return len(keys)

    def rebuild(self, documents: Iterable[SearchDocument], progress: Progress | None = None,
                *, procs: int = 1) -> int:
        with self.lock():
            with connections[self.using].cursor() as cursor:
                for statement in DDL:  # repairs a dropped index or extension
                    cursor.execute(statement)
                # DELETE, not TRUNCATE: readers keep seeing the old rows until we commit.
                cursor.execute("DELETE FROM kb_search_entry")
                cursor.execute("DELETE FROM kb_search_word")
            count = self._store(documents, conflicts=False, progress=progress)
            SearchIndexState.objects.using(self.using).update_or_create(
                backend=self.name,
                defaults={"schema_version": SCHEMA_VERSION, "documents": count,
                          "built_at": dt.datetime.now(dt.UTC)},
            )
        return count

    def hashes(self) -> Iterator[tuple[str, str]]:
        self._usable()
        yield from SearchEntry.objects.using(self.using).values_list(
            "key", "content_hash").order_by("key").iterator(chunk_size=5000)

    # --- state -----------------------------------------------------------------------
    def status(self, *, count: bool = True) -> IndexStatus:
        self._require_postgres()
        try:
            state = SearchIndexState.objects.using(self.using).filter(backend=self.name).first()
            with connections[self.using].cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = "
                               "'kb_search_entry_vector_gin'")
                has_gin = cursor.fetchone()[0] == 1
        except DatabaseError as exc:
            return IndexStatus("missing", f"search tables unreadable (run migrate): {exc}")
        if state is None:
            return IndexStatus("missing", "the PostgreSQL search index was never built")
        built = state.built_at.isoformat(timespec="seconds")
        if state.schema_version != SCHEMA_VERSION:
            return IndexStatus("outdated", f"index schema {state.schema_version}, this code "
                               f"writes {SCHEMA_VERSION}", schema_version=state.schema_version,
                               built_at=built)
        if not has_gin:
            return IndexStatus("corrupt", "the GIN index kb_search_entry_vector_gin is missing",
                               schema_version=state.schema_version, built_at=built)
        if not count:
            return IndexStatus("ok", "usable", None, state.schema_version, built)
        documents = SearchEntry.objects.using(self.using).count()
        return IndexStatus("ok", f"{documents} documents in kb_search_entry", documents,
                           state.schema_version, built)

    def _usable(self) -> None:
        status = self.status(count=False)
        if not status.ok:
            raise IndexUnavailableError(status)

    # --- searching -------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResults:
        self._usable()
        queryset = SearchEntry.objects.using(self.using).filter(marking__in=request.markings)
        exact = request.filters
        if exact.get("type"):
            queryset = queryset.filter(doc_type__in=exact["type"])
        if exact.get("region"):
            queryset = queryset.filter(region__in=exact["region"])
        if exact.get("lens"):
            queryset = queryset.filter(lens__in=exact["lens"])
        if exact.get("year"):
            queryset = queryset.filter(year__in=[int(y) for y in exact["year"] if y.isdigit()])
        if exact.get("actor"):
            any_actor = Q()
            for name in exact["actor"]:
                any_actor |= Q(actor_names__contains=[name])
            queryset = queryset.filter(any_actor)
        if request.groups:
            queryset = queryset.filter(group_key__in=request.groups)
        compiler = _Compiler(self, request)
        try:
            queryset, text = compiler.compile(queryset)
        except _Nothing:
            return SearchResults.empty(corrections=compiler.corrections)

        count, facets = self._count_and_facets(queryset, request)
        if request.sort == "date" or text is None:
            ranked = queryset.annotate(rank=Value(0.0))
            order = [F("date").desc(nulls_last=True), F("key").asc()]
        else:
            ranked = queryset.annotate(
                rank=SearchRank(F("search_vector"), text, weights=WEIGHTS, normalization=1)
                * F("boost"))
            order = [F("rank").desc(), F("key").asc()]
        if request.collapse:
            # The best of each group (a subject and its claims), then those in order.
            ranked = ranked.annotate(in_group=Window(
                RowNumber(), partition_by=[F("group_key")], order_by=order,
            )).filter(in_group=1)
        ordered = ranked.order_by(*order)
        rows = list(ordered.values(
            "id", "key", "group_key", "doc_type", "object_id", "slug", "title", "url", "date",
            "marking", "rank", "body",
        )[request.offset:request.offset + request.page_size])
        highlights = self._highlights([r["id"] for r in rows], text)
        hits = [_hit(r, highlights.get(r["id"])) for r in rows]
        return SearchResults(count=count, hits=hits, facets=facets,
                             corrections=compiler.corrections)

    def fetch(self, keys: Iterable[str], markings: tuple[str, ...]) -> list[SearchHit]:
        keys = list(dict.fromkeys(keys))
        if not keys:
            return []
        rows = SearchEntry.objects.using(self.using).filter(
            key__in=keys, marking__in=markings).annotate(rank=Value(0.0)).values(
            "id", "key", "group_key", "doc_type", "object_id", "slug", "title", "url", "date",
            "marking", "rank", "body")
        return [_hit(r, None) for r in rows]

    def _count_and_facets(self, queryset: QuerySet, request: SearchRequest
                          ) -> tuple[int, dict[str, list[FacetValue]]]:
        """The exact count (of groups, when collapsing) and every facet (of documents) in
        one statement over the matching rows."""
        matched = queryset.values("id", "group_key", "doc_type", "year", "region", "lens",
                                  "actor_names")
        sql, params = matched.query.sql_with_params()
        counted = "count(DISTINCT group_key)" if request.collapse else "count(*)"
        parts = [f"SELECT 'count', NULL, {counted} FROM m"]  # noqa: S608 — a constant
        if request.facets:
            parts += [
                "SELECT 'type', doc_type, count(*) FROM m GROUP BY doc_type",
                "SELECT 'year', year::text, count(*) FROM m WHERE year IS NOT NULL GROUP BY year",
                "SELECT 'region', region, count(*) FROM m WHERE region <> '' GROUP BY region",
                "SELECT 'lens', lens, count(*) FROM m WHERE lens <> '' GROUP BY lens",
                "SELECT 'actor', a.name, count(*) FROM m CROSS JOIN LATERAL "
                "jsonb_array_elements_text(m.actor_names) AS a(name) GROUP BY a.name",
            ]
        statement = f"WITH m AS MATERIALIZED ({sql}) " + " UNION ALL ".join(parts)
        with connections[self.using].cursor() as cursor:
            cursor.execute(statement, params)
            rows = cursor.fetchall()
        count = 0
        facets: dict[str, list[FacetValue]] = (
            {name: [] for name in ("type", "actor", "year", "region", "lens")}
            if request.facets else {}
        )
        for facet, value, n in rows:
            if facet == "count":
                count = int(n)
            else:
                facets[facet].append(FacetValue(str(value), int(n)))
        for name, values in facets.items():
            values.sort(key=lambda v: (-v.count, v.value))
            facets[name] = values[:request.facet_limit]
        return count, facets

    def _highlights(self, ids: list[int], text: SearchQuery | None) -> dict[int, str]:
        """Snippets of the bodies that match (the title is shown anyway)."""
        if not ids or text is None:
            return {}
        rows = SearchEntry.objects.using(self.using).filter(id__in=ids).annotate(
            in_body=SearchHeadline("body", text, config=CONFIG, start_sel=MARK_START,
                                   stop_sel=MARK_END, max_fragments=2, max_words=30,
                                   min_words=12, fragment_delimiter=" … "),
        ).values_list("id", "in_body")
        return {pk: in_body for pk, in_body in rows if MARK_START in (in_body or "")}
