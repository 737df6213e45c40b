"""The query language both backends understand, parsed once into a small tree.

    Qwen distillation           words: every word must match (title, actors, body)
    "distillation attack"       a phrase: the words next to each other, in that order
    agent*                      a prefix: any word starting with "agent"
    -deepseek, -"tool use"      exclude what matches
    type:coverage region:Asia   field filters: type, region, lens, actor, year, title,
    actor:"Tim Scott"           marking (a quoted value may hold spaces)

A word no visible document contains is matched to the nearest words that do (typo
tolerance: "Alibba" finds Alibaba); the backends do the looking up, with the edit-distance
rules here. Unknown ``name:`` prefixes are read as plain words, and parsing never fails:
any string is a query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FILTER_FIELDS: frozenset[str] = frozenset(
    {"type", "region", "lens", "actor", "year", "title", "marking"}
)

# Typo tolerance: how far a word may be from the word it means, by its length.
FUZZY_MIN_LENGTH = 4
FUZZY_MAX_CANDIDATES = 5
# Prefix queries: the shortest prefix expanded, and how many words it may stand for.
PREFIX_MIN_LENGTH = 2
PREFIX_MAX_EXPANSIONS = 64

_TOKEN_RE = re.compile(
    r"""
    (?P<neg>-)?
    (?:
        (?P<field>[A-Za-z]+):(?:"(?P<fquoted>[^"]*)"?|(?P<fvalue>[^\s"]+))
      | "(?P<phrase>[^"]*)"?
      | (?P<word>[^\s"]+)
    )
    """,
    re.VERBOSE,
)
# A word as the analysers see it: letters and digits, keeping "28.8" and "Alibaba's".
_WORD_RE = re.compile(r"\w+(?:[.'’]\w+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Prefix:
    text: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class FieldFilter:
    field: str
    value: str
    negated: bool = False


Clause = Word | Phrase | Prefix


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    clauses: tuple[Clause, ...] = ()
    filters: tuple[FieldFilter, ...] = ()

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.negated)

    @property
    def is_empty(self) -> bool:
        """Nothing to look for: no positive words, phrases, prefixes or filters."""
        return not self.positive and not [f for f in self.filters if not f.negated]

    def __str__(self) -> str:
        parts: list[str] = []
        for clause in self.clauses:
            sign = "-" if clause.negated else ""
            if isinstance(clause, Word):
                parts.append(f"{sign}{clause.text}")
            elif isinstance(clause, Prefix):
                parts.append(f"{sign}{clause.text}*")
            else:
                parts.append(f'{sign}"{" ".join(clause.words)}"')
        for f in self.filters:
            value = f'"{f.value}"' if " " in f.value else f.value
            parts.append(f"{'-' if f.negated else ''}{f.field}:{value}")
        return " ".join(parts)


def parse(text: str) -> ParsedQuery:
    """Parse a user's query. Total: never raises; drops what has no words in it."""
    clauses: list[Clause] = []
    filters: list[FieldFilter] = []
    for match in _TOKEN_RE.finditer(text or ""):
        negated = bool(match.group("neg"))
        field = (match.group("field") or "").lower()
        if field:
            value = match.group("fquoted")
            if value is None:
                value = match.group("fvalue") or ""
            value = " ".join(value.split())
            if field in FILTER_FIELDS:
                if value and _WORD_RE.search(value):
                    filters.append(FieldFilter(field, value, negated))
                continue
            # Not a field we know ("AML.T0040:x", "http://…"): its words are words.
            clauses.extend(_words(match.group(0).lstrip("-"), negated))
        elif match.group("phrase") is not None:
            words = tuple(_WORD_RE.findall(match.group("phrase")))
            if len(words) == 1:
                clauses.append(Word(words[0], negated))
            elif words:
                clauses.append(Phrase(words, negated))
        else:
            clauses.extend(_words(match.group("word"), negated))
    return ParsedQuery(tuple(_dedupe(clauses)), tuple(_dedupe(filters)))


def _words(raw: str, negated: bool) -> list[Clause]:
    words = _WORD_RE.findall(raw)
    if not words:
        return []
    out: list[Clause] = [Word(w, negated) for w in words[:-1]]
    last = words[-1]
    if raw.endswith("*") and raw.rstrip("*").endswith(last) and len(last) >= PREFIX_MIN_LENGTH:
        out.append(Prefix(last.lower(), negated))
    else:
        out.append(Word(last, negated))
    return out


def _dedupe[T](items: list[T]) -> list[T]:
    return list(dict.fromkeys(items))


def max_edits(word: str) -> int:
    """Edits allowed between a misspelt word and a word of the index."""
    if len(word) < FUZZY_MIN_LENGTH:
        return 0
    return 1 if len(word) <= 7 else 2


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Damerau–Levenshtein distance (optimal string alignment): insertions, deletions,
    substitutions and swaps of neighbours each count one. Stops early past ``limit``."""
    if a == b:
        return 0
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if limit is not None and min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1] if limit is None else min(previous[-1], limit + 1)


def closest(word: str, candidates: list[tuple[str, int]]) -> list[str]:
    """Of ``(candidate, frequency)`` pairs, those within ``max_edits(word)`` of ``word``,
    nearest first, then most frequent; at most ``FUZZY_MAX_CANDIDATES``."""
    limit = max_edits(word)
    if limit == 0:
        return []
    scored = []
    for candidate, frequency in dict(candidates).items():
        distance = edit_distance(word, candidate, limit)
        if 0 < distance <= limit:
            scored.append((distance, -frequency, candidate))
    return [c for _, _, c in sorted(scored)[:FUZZY_MAX_CANDIDATES]]
