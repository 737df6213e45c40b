"""The embedded default: a Whoosh index in ``KB_SEARCH_INDEX_DIR``.

Layout of the index directory::

    index.json      manifest: schema version, active generation, build time, count
    write.lock      our file lock, held around every write (and the reads feeding it)
    gen-<stamp>/    the Whoosh index files of one build

A rebuild writes a new generation beside the active one and switches the manifest
atomically, so searches keep answering from the old index until the new one is complete.
Writes use Whoosh's blocking ``SegmentWriter`` inside our own lock, never ``AsyncWriter``
(whose background thread can drop writes). An index that cannot be opened is reported as
corrupt and kept aside (``corrupt-<stamp>/``) when it is rebuilt, never silently deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import filelock
from whoosh import columns, fields, index, sorting
from whoosh.analysis import RegexTokenizer, StemmingAnalyzer
from whoosh.analysis.filters import LowercaseFilter
from whoosh.highlight import ContextFragmenter, Formatter, get_text
from whoosh.index import LockError
from whoosh.query import And, Every, Not, NullQuery, Or, Phrase, Query, Term
from whoosh.searching import Hit, Searcher

from kb.search.backends.base import (
    MARK_END,
    MARK_START,
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
from kb.search.documents import DOCUMENT_VERSION, FACETS, SearchDocument, result_url
from kb.search.query import (
    PREFIX_MAX_EXPANSIONS,
    FieldFilter,
    Prefix,
    Word,
    closest,
    max_edits,
)
from kb.search.query import (
    Phrase as PhraseClause,
)

logger = logging.getLogger(__name__)

# Bump with any change to ``build_schema`` (the document version is part of it too).
SCHEMA_VERSION = 1000 * DOCUMENT_VERSION + 1
MANIFEST = "index.json"
LOCK_FILE = "write.lock"
ACTOR_SEPARATOR = "\x1f"
TEXT_FIELDS = ("title", "actors", "body")
EXACT_FIELDS = {"type": "type", "actor": "actor_exact", "region": "region_exact",
                "lens": "lens_exact", "year": "year"}
FACET_FIELDS = {"type": "type", "year": "year", "region": "region_exact", "lens": "lens_exact"}


def build_schema() -> fields.Schema:
    stemmed = StemmingAnalyzer()
    plain = RegexTokenizer() | LowercaseFilter()
    return fields.Schema(
        key=fields.ID(stored=True, unique=True, sortable=True),
        group=fields.ID(stored=True, sortable=True),
        type=fields.ID(stored=True, sortable=True),
        object_id=fields.STORED,
        slug=fields.STORED,
        url=fields.STORED,
        hash=fields.STORED,
        title=fields.TEXT(stored=True, analyzer=stemmed, field_boost=3.0),
        actors=fields.TEXT(analyzer=stemmed, field_boost=2.0),
        body=fields.TEXT(stored=True, analyzer=stemmed),
        # Unstemmed words of title, actors and body: where typos and prefixes are looked up.
        words=fields.TEXT(analyzer=plain, phrase=False),
        region=fields.TEXT(analyzer=plain, phrase=False),
        lens=fields.TEXT(analyzer=plain, phrase=False),
        region_exact=fields.ID(stored=True, sortable=True),
        lens_exact=fields.ID(stored=True, sortable=True),
        actor_exact=fields.TEXT(analyzer=RegexTokenizer(r"[^\x1f]+"), phrase=False),
        actor_list=fields.COLUMN(columns.VarBytesColumn()),
        year=fields.ID(stored=True, sortable=True),
        date=fields.DATETIME(stored=True, sortable=True),
        marking=fields.ID(stored=True),
    )


def _fields_of(doc: SearchDocument) -> dict[str, Any]:
    values: dict[str, Any] = {
        "key": doc.key, "group": doc.group_key, "type": doc.type,
        "object_id": doc.object_id, "slug": doc.slug,
        "url": doc.url, "hash": doc.content_hash, "title": doc.title, "body": doc.body,
        "actors": doc.actor_text, "words": doc.all_text, "marking": doc.marking,
        "actor_list": ACTOR_SEPARATOR.join(doc.actors).encode(),
        "_boost": doc.boost,
    }
    if doc.actors:
        values["actor_exact"] = ACTOR_SEPARATOR.join(doc.actors)
    if doc.region:
        values["region"] = doc.region
        values["region_exact"] = doc.region
    if doc.lens:
        values["lens"] = doc.lens
        values["lens_exact"] = doc.lens
    if doc.date:
        values["date"] = dt.datetime.combine(doc.date, dt.time())
        values["year"] = str(doc.date.year)
    return values


class _ListFacet(sorting.FacetType):
    """Groups by the names in a column of separator-joined names (a document with three
    actors counts once for each): Whoosh's own overlapping facets re-read the whole
    field for every search, which a column avoids."""

    def __init__(self, fieldname: str) -> None:
        self.fieldname = fieldname
        self.maptype = sorting.Count
        self.allow_overlap = True

    def categorizer(self, global_searcher: Searcher) -> sorting.Categorizer:
        return _ListCategorizer(self.fieldname)


class _ListCategorizer(sorting.Categorizer):
    allow_overlap = True

    def __init__(self, fieldname: str) -> None:
        self.fieldname = fieldname
        self._column: Any = None

    def set_searcher(self, segment_searcher: Searcher, docoffset: int) -> None:
        reader = segment_searcher.reader()
        self._column = (reader.column_reader(self.fieldname)
                        if reader.has_column(self.fieldname) else None)

    def keys_for(self, matcher: Any, docid: int) -> list[str]:
        raw = self._column[docid] if self._column is not None else b""
        return raw.decode().split(ACTOR_SEPARATOR) if raw else []


class _SentinelFormatter(Formatter):
    """Marks matches with the sentinels ``kb.search.highlight`` turns into <mark>."""

    between = " … "

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"{MARK_START}{get_text(text, token, replace)}{MARK_END}"


class _Nothing(Exception):
    """A required clause can match nothing visible: the whole query matches nothing."""


class _Compiler:
    """Turns a parsed query into Whoosh queries, looking typos and prefixes up in the
    lexicon of documents the viewer may see."""

    def __init__(self, searcher: Searcher, request: SearchRequest, visible: Any) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.request = request
        self.visible = visible
        schema = searcher.schema
        self.stem = schema["title"].analyzer
        self.plain = schema["region"].analyzer
        self.corrections: dict[str, list[str]] = {}

    def tokens(self, text: str) -> list[str]:
        return [t.text for t in self.stem(text)]

    @staticmethod
    def anywhere(token: str) -> Query:
        return Or([Term(f, token) for f in TEXT_FIELDS])

    def visible_match(self, q: Query) -> bool:
        return not self.searcher.search(q, filter=self.visible, limit=1, scored=False).is_empty()

    def word(self, clause: Word) -> Query | None:
        tokens = self.tokens(clause.text)
        if not tokens:
            return None  # a stop word
        q = And([self.anywhere(t) for t in tokens]) if len(tokens) > 1 else self.anywhere(
            tokens[0])
        if clause.negated or len(tokens) > 1:
            return q
        known = any(self.reader.doc_frequency(f, tokens[0]) for f in TEXT_FIELDS)
        if known and self.visible_match(q):
            return q
        return self.fuzzy(clause.text.lower())

    def fuzzy(self, word: str) -> Query:
        limit = max_edits(word)
        if limit == 0:
            raise _Nothing
        near = [(w, self.reader.doc_frequency("words", w))
                for w in self.reader.terms_within("words", word, limit, prefix=1)]
        queries, used = [], []
        for candidate in closest(word, near):
            tokens = self.tokens(candidate)
            if not tokens:
                continue
            q = self.anywhere(tokens[0])
            if self.visible_match(q):
                queries.append(q)
                used.append(candidate)
        if not queries:
            raise _Nothing
        self.corrections[word] = used
        return Or(queries)

    def prefix(self, clause: Prefix) -> Query:
        # The most frequent words with this prefix (from a bounded scan of the lexicon),
        # matched through their stems like typed words are.
        words: list[str] = []
        for raw in self.reader.expand_prefix("words", clause.text):
            words.append(raw.decode())
            if len(words) >= 8 * PREFIX_MAX_EXPANSIONS:
                break
        words.sort(key=lambda w: -self.reader.doc_frequency("words", w))
        stems = list(dict.fromkeys(
            t for w in words[:PREFIX_MAX_EXPANSIONS] for t in self.tokens(w)[:1]
        ))
        if not stems:
            if clause.negated:
                return NullQuery
            raise _Nothing
        return Or([self.anywhere(s) for s in stems])

    def phrase(self, clause: PhraseClause) -> Query | None:
        tokens = self.tokens(" ".join(clause.words))
        if not tokens:
            return None
        if len(tokens) == 1:
            return self.anywhere(tokens[0])
        return Or([Phrase("title", tokens), Phrase("body", tokens)])

    def field_filter(self, f: FieldFilter) -> Query:
        value = f.value
        if f.field == "type":
            return Term("type", value.lower())
        if f.field == "year":
            return Term("year", value)
        if f.field == "marking":
            return Term("marking", value.upper().removeprefix("TLP:"))
        if f.field in {"region", "lens"}:
            return And([Term(f.field, t.text) for t in self.plain(value)])
        tokens = self.tokens(value)
        target = "actors" if f.field == "actor" else "title"
        return And([Term(target, t) for t in tokens]) if tokens else NullQuery

    def compile(self) -> Query:
        query = self.request.query
        positive: list[Query] = []
        negative: list[Query] = []
        for clause in query.clauses:
            if isinstance(clause, Word):
                q = self.word(clause)
            elif isinstance(clause, Prefix):
                q = self.prefix(clause)
            else:
                q = self.phrase(clause)
            if q is not None and q is not NullQuery:
                (negative if clause.negated else positive).append(q)
        if query.positive and not positive:
            raise _Nothing  # only stop words: "the" should not list everything
        for f in query.filters:
            (negative if f.negated else positive).append(self.field_filter(f))
        if not positive:
            positive = [Every()]
        if negative:
            # And(…, Not(…)) rather than AndNot: whoosh-reloaded's AndNot matcher lets
            # excluded documents through once segments hold deletions.
            positive.append(Not(Or(negative)))
        return And(positive) if len(positive) > 1 else positive[0]


class WhooshBackend:
    """Whoosh index under ``index_dir``; see the module docstring for its layout."""

    name = "whoosh"

    def __init__(self, index_dir: Path, lock_timeout: float = 30.0) -> None:
        self.index_dir = Path(index_dir)
        self.lock_timeout = lock_timeout
        self._lock = filelock.FileLock(str(self.index_dir / LOCK_FILE), thread_local=True)
        self._open: dict[str, index.FileIndex] = {}
        self._open_guard = threading.Lock()
        # Each thread keeps one searcher and refreshes it per search (cheap when nothing
        # changed), with the documents each set of markings may see worked out once.
        self._local = threading.local()

    # --- the manifest and opening ----------------------------------------------------
    def _manifest(self) -> dict[str, Any] | None:
        path = self.index_dir / MANIFEST
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        data = json.loads(text)  # ValueError → corrupt, reported by status()
        if not isinstance(data, dict) or "generation" not in data:
            raise ValueError(f"{path}: not a manifest")
        return data

    def _open_index(self, generation: str) -> index.FileIndex:
        path = self.index_dir / generation
        with self._open_guard:
            ix = self._open.get(generation)
            if ix is None:
                if not path.is_dir():
                    raise FileNotFoundError(f"{path} is missing")
                ix = index.open_dir(str(path), schema=None)
                self._open[generation] = ix
            return ix

    def status(self) -> IndexStatus:
        try:
            manifest = self._manifest()
        except (OSError, ValueError) as exc:
            return IndexStatus("corrupt", f"cannot read {self.index_dir / MANIFEST}: {exc}")
        if manifest is None:
            return IndexStatus("missing", f"no search index at {self.index_dir}")
        version = manifest.get("schema_version")
        built_at = manifest.get("built_at")
        if version != SCHEMA_VERSION:
            return IndexStatus("outdated", f"index schema {version}, this code writes "
                               f"{SCHEMA_VERSION}", schema_version=version, built_at=built_at)
        try:
            ix = self._open_index(manifest["generation"])
            with ix.reader() as reader:
                count = reader.doc_count()
                reader.doc_frequency("key", "")  # touches the term index
        except Exception as exc:  # noqa: BLE001 — any failure to read is corruption
            self._forget(manifest["generation"])
            return IndexStatus("corrupt", f"cannot open {self.index_dir / manifest['generation']}"
                               f": {type(exc).__name__}: {exc}", schema_version=version,
                               built_at=built_at)
        return IndexStatus("ok", f"{count} documents in {self.index_dir}", count, version,
                           built_at)

    def _forget(self, generation: str) -> None:
        with self._open_guard:
            self._open.pop(generation, None)

    def _usable(self) -> index.FileIndex:
        """The open index of the active generation, cheaply: the full ``status()`` runs
        only when the manifest is missing or stale, or the generation fails to open."""
        try:
            manifest = self._manifest()
        except (OSError, ValueError):
            manifest = None
        if manifest and manifest.get("schema_version") == SCHEMA_VERSION:
            try:
                return self._open_index(manifest["generation"])
            except Exception:  # noqa: BLE001 — status() below says what is wrong
                self._forget(manifest["generation"])
        status = self.status()
        if status.ok:  # pragma: no cover — it became usable meanwhile
            return self._usable()
        raise IndexUnavailableError(status)

    # --- writing ---------------------------------------------------------------------
    @contextmanager
    def lock(self) -> Iterator[None]:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=self.lock_timeout)
        except filelock.Timeout as exc:
            raise IndexLockedError(
                f"{self.index_dir / LOCK_FILE} held for more than {self.lock_timeout}s"
            ) from exc
        try:
            yield
        finally:
            self._lock.release()

    def write(self, upserts: Iterable[SearchDocument], removals: Iterable[str] = ()) -> int:
        """Upsert ``upserts`` and delete ``removals`` in one commit, under the lock."""
        upserts, removals = dedupe(upserts, removals)
        if not upserts and not removals:
            return 0
        with self.lock():
            ix = self._usable()
            try:
                writer = ix.writer(timeout=self.lock_timeout)
            except LockError as exc:
                raise IndexLockedError(f"Whoosh's own lock is held: {exc}") from exc
            try:
                for key in removals:
                    writer.delete_by_term("key", key)
                for doc in upserts:
                    writer.update_document(**_fields_of(doc))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        return len(upserts)

    def add_or_update(self, documents: Iterable[SearchDocument]) -> int:
        return self.write(documents)

    def remove(self, keys: Iterable[str]) -> int:
        keys = list(keys)
        self.write((), keys)
        return len(keys)

    def rebuild(self, documents: Iterable[SearchDocument], progress: Progress | None = None,
                *, procs: int = 1) -> int:
        with self.lock():
            status = self.status()
            generation = "gen-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + \
                "-" + uuid.uuid4().hex[:6]
            path = self.index_dir / generation
            path.mkdir()
            ix = index.create_in(str(path), build_schema())
            # With procs > 1, Whoosh's MpWriter analyses in sub-processes (blocking, unlike
            # AsyncWriter) and keeps one segment per process instead of merging them. It
            # forks, which is only safe in a single-threaded process (the command's).
            if threading.active_count() > 1:
                procs = 1
            writer = (ix.writer(procs=procs, limitmb=128, multisegment=True) if procs > 1
                      else ix.writer(limitmb=256))
            count = 0
            try:
                for doc in documents:
                    writer.add_document(**_fields_of(doc))
                    count += 1
                    if progress:
                        progress(1)
            except BaseException:
                writer.cancel()
                shutil.rmtree(path, ignore_errors=True)
                raise
            writer.commit()
            previous = self._previous_generation()
            self._write_manifest(generation, count)
            self._retire(previous, corrupt=status.state == "corrupt", keep=generation)
        return count

    def _previous_generation(self) -> str | None:
        try:
            manifest = self._manifest()
        except (OSError, ValueError):
            return None
        return manifest["generation"] if manifest else None

    def _write_manifest(self, generation: str, count: int) -> None:
        manifest = {
            "backend": self.name, "schema_version": SCHEMA_VERSION, "generation": generation,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "documents": count,
        }
        tmp = self.index_dir / f".{MANIFEST}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        os.replace(tmp, self.index_dir / MANIFEST)

    def _retire(self, previous: str | None, *, corrupt: bool, keep: str) -> None:
        """Delete superseded generations; keep a corrupt one aside for inspection."""
        for child in self.index_dir.iterdir():
            if not child.is_dir() or not child.name.startswith("gen-") or child.name == keep:
                continue
            self._forget(child.name)
            if corrupt and child.name == previous:
                aside = self.index_dir / child.name.replace("gen-", "corrupt-", 1)
                child.rename(aside)
                logger.error("The corrupt search index was kept at %s for inspection.", aside)
            else:
                shutil.rmtree(child, ignore_errors=True)

    def hashes(self) -> Iterator[tuple[str, str]]:
        ix = self._usable()
        with ix.reader() as reader:
            for _, stored in reader.iter_docs():
                yield stored["key"], stored.get("hash", "")

    # --- searching -------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResults:
        ix = self._usable()
        try:
            searcher = self._searcher(ix)
        except Exception as exc:  # noqa: BLE001 — files damaged since it was opened
            self._forget_all()
            status = self.status()
            raise IndexUnavailableError(status if not status.ok else IndexStatus(
                "corrupt", f"cannot read the index: {type(exc).__name__}: {exc}")) from exc
        return self._search(searcher, request)

    def _searcher(self, ix: index.FileIndex) -> Searcher:
        cached = getattr(self._local, "searcher", None)
        if cached is not None:
            if cached[0] is ix and ix.latest_generation() == cached[1].reader().generation():
                return cached[1]
            # Not Searcher.refresh(): it reuses segment readers whose deletions are stale,
            # so replaced documents would be found twice.
            cached[1].close()
        searcher = ix.searcher()
        searcher.kb_visible = {}
        self._local.searcher = (ix, searcher)
        return searcher

    def _visible(self, searcher: Searcher, markings: tuple[str, ...]) -> set[int]:
        """Document numbers the markings allow, computed once per searcher."""
        cache: dict[tuple[str, ...], set[int]] = searcher.kb_visible
        if markings not in cache:
            cache[markings] = set(searcher.docs_for_query(
                Or([Term("marking", m) for m in markings])))
        return cache[markings]

    def _forget_all(self) -> None:
        with self._open_guard:
            self._open.clear()
        self._local.searcher = None

    def _search(self, searcher: Searcher, request: SearchRequest) -> SearchResults:
        visible = self._visible(searcher, tuple(sorted(request.markings)))
        exact = [
            Or([Term(EXACT_FIELDS[name], v) for v in values])
            for name, values in request.filters.items() if values and name in EXACT_FIELDS
        ]
        if request.groups:
            exact.append(Or([Term("group", g) for g in request.groups]))
        restrict = visible
        if exact:
            restrict = visible & set(searcher.docs_for_query(And(exact)))
        if not restrict:
            # Nothing visible matches the filters. (Whoosh reads an empty filter set as
            # "no filter", so this must stop here.)
            return SearchResults.empty()
        compiler = _Compiler(searcher, request, visible)
        try:
            q = compiler.compile()
        except _Nothing:
            return SearchResults.empty(corrections=compiler.corrections)
        has_text = bool(request.query.positive)
        by_date = request.sort == "date" or not has_text
        groupedby: dict[str, sorting.FacetType] = {}
        if request.facets:
            groupedby = {name: sorting.FieldFacet(FACET_FIELDS[name], maptype=sorting.Count)
                         for name in FACETS if name in FACET_FIELDS}
            groupedby["actor"] = _ListFacet("actor_list")
        sortedby = sorting.MultiFacet([sorting.FieldFacet("date", reverse=True),
                                       sorting.FieldFacet("key")]) if by_date else None
        results = searcher.search(
            q, filter=restrict,
            # Collapsing reads every match (Whoosh's own collapsing is skipped by filters).
            limit=None if request.collapse else request.offset + request.page_size,
            sortedby=sortedby, groupedby=groupedby or None, terms=has_text,
            optimize=not groupedby and not request.collapse,
        )
        results.fragmenter = ContextFragmenter(maxchars=240, surround=60)
        results.formatter = _SentinelFormatter()
        if request.collapse:
            count, page = _collapsed(searcher, results, request)
        else:
            count, page = len(results), list(
                results[request.offset:request.offset + request.page_size])
        hits = [self._hit(hit, has_text and not by_date) for hit in page]
        facets = {name: _facet_values(results.groups(name), request.facet_limit)
                  for name in FACETS if name in groupedby}
        return SearchResults(count=count, hits=hits, facets=facets,
                             corrections=compiler.corrections)

    def fetch(self, keys: Iterable[str], markings: tuple[str, ...]) -> list[SearchHit]:
        keys = list(dict.fromkeys(keys))
        if not keys:
            return []
        searcher = self._searcher(self._usable())
        visible = self._visible(searcher, tuple(sorted(markings)))
        if not visible:
            return []
        results = searcher.search(Or([Term("key", k) for k in keys]), filter=visible,
                                  limit=len(keys), scored=False)
        return [self._hit(hit, False) for hit in results]

    @staticmethod
    def _hit(hit: Any, scored: bool) -> SearchHit:
        stored = hit.fields()
        body = stored.get("body") or ""
        highlight = ""
        if hit.results.has_matched_terms():
            # The title is shown anyway: a snippet is from the body.
            highlight = hit.highlights("body", top=2)
        highlight = framed(highlight, body) if highlight else leading_words(body)
        date = stored.get("date")
        return SearchHit(
            key=stored["key"], type=stored["type"], object_id=stored["object_id"],
            slug=stored.get("slug", ""), title=stored["title"],
            url=result_url(stored["type"], stored.get("slug", ""), stored.get("url", ""),
                           stored["object_id"]),
            highlight=highlight, score=float(hit.score or 0.0) if scored else 0.0,
            date=date.date() if date else None, marking=stored["marking"],
            group=stored.get("group") or stored["key"],
        )


def _collapsed(searcher: Searcher, results: Any, request: SearchRequest
               ) -> tuple[int, list[Hit]]:
    """The number of groups among ``results`` (every match, in order) and the page of
    them: each group's first (best) document."""
    column = searcher.reader().column_reader("group")
    seen: set[Any] = set()
    kept: list[tuple[float, int]] = []
    for score, docnum in results.top_n:
        group = column[docnum]
        if group in seen:
            continue
        seen.add(group)
        kept.append((score, docnum))
    page = kept[request.offset:request.offset + request.page_size]
    return len(kept), [Hit(results, docnum, request.offset + i, score)
                       for i, (score, docnum) in enumerate(page)]


def _facet_values(groups: dict[Any, int], limit: int) -> list[FacetValue]:
    values = [FacetValue(str(k), int(n)) for k, n in groups.items() if k not in (None, "")]
    values.sort(key=lambda v: (-v.count, v.value))
    return values[:limit]
