"""Score the extractor against hand-labelled articles: precision and recall per kind.

An article may state a fact once or five times; what an analyst needs is the fact, so
each article's expected and found extractions are reduced to distinct facts (by the
matching key of their kind) before they are paired. Pairing is one-to-one, so a fact
found twice with two different values counts once right and once wrong.

Match rules: a quantity needs the same unit and subject and a value within 0.5 %; a
date the same ISO string; a period the same ends; a duration the same number of days;
an actor the same slug (or candidate name); a quote the same speaker and at least 80 %
of the expected words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from incidents.ingest.types import ActorName, Extraction

VALUE_TOLERANCE = 0.005
QUOTE_OVERLAP = 0.8
REPORT_KINDS = ("quantity", "date/period", "duration", "actor", "quote")
# The gate ``bench/eval_ingest.py`` applies: (recall, precision) floors.
THRESHOLDS = {"quantity": (0.95, 0.90), "date/period": (0.95, 0.90), "actor": (0.95, 0.90)}


@dataclass
class KindScore:
    expected: int = 0
    found: int = 0
    correct: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0


def report_kind(kind: str) -> str:
    return "date/period" if kind in ("date", "period") else kind


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _same_number(a: Any, b: Any) -> bool:
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return False
    if x == y:
        return True
    return abs(x - y) <= VALUE_TOLERANCE * max(abs(x), abs(y))


def matches(expected: Mapping[str, Any], found: Mapping[str, Any]) -> bool:
    """Whether one found extraction answers one expected one (see the module rules)."""
    kind = expected.get("kind")
    if kind != found.get("kind"):
        return False
    if kind == "quantity":
        return (_same_number(expected.get("value"), found.get("value"))
                and expected.get("unit", "") == found.get("unit", "")
                and expected.get("subject", "") == found.get("subject", ""))
    if kind == "duration":
        return _same_number(expected.get("value"), found.get("value"))
    if kind in ("date", "period", "actor"):
        return bool(expected.get("value") == found.get("value"))
    if kind == "quote":
        if expected.get("subject", "") != found.get("subject", ""):
            return False
        wanted = _tokens(str(expected.get("value", "")))
        got = set(_tokens(str(found.get("value", ""))))
        return bool(wanted) and sum(t in got for t in wanted) / len(wanted) >= QUOTE_OVERLAP
    return False


def _key(item: Mapping[str, Any]) -> str:
    """A fact's identity within one article, used to drop repeats."""
    kind = item.get("kind")
    value = item.get("value")
    if kind == "quantity":
        return json.dumps([kind, round(float(value or 0), 6), item.get("unit", ""),
                           item.get("subject", "")])
    if kind == "quote":
        return json.dumps([kind, " ".join(_tokens(str(value))), item.get("subject", "")])
    return json.dumps([kind, value], sort_keys=True)


def distinct(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    seen: dict[str, Mapping[str, Any]] = {}
    for item in items:
        seen.setdefault(_key(item), item)
    return list(seen.values())


def score_document(expected: Sequence[Mapping[str, Any]], found: Sequence[Mapping[str, Any]],
                   scores: dict[str, KindScore] | None = None) -> dict[str, KindScore]:
    """Add one article's counts to ``scores`` (per report kind) and return it."""
    scores = scores if scores is not None else {k: KindScore() for k in REPORT_KINDS}
    wanted = distinct(expected)
    got = distinct(found)
    for item in wanted:
        scores.setdefault(report_kind(str(item["kind"])), KindScore()).expected += 1
    for item in got:
        scores.setdefault(report_kind(str(item["kind"])), KindScore()).found += 1
    unused = list(got)
    for item in wanted:
        for candidate in unused:
            if matches(item, candidate):
                scores[report_kind(str(item["kind"]))].correct += 1
                unused.remove(candidate)
                break
    return scores


def as_dicts(extractions: Iterable[Extraction]) -> list[dict[str, Any]]:
    return [e.as_json() for e in extractions]


def evaluate_directory(directory: Path, actors: Sequence[ActorName]
                       ) -> tuple[dict[str, KindScore], list[tuple[str, list[Any], list[Any]]]]:
    """Run the extractor on every ``NN-slug.txt`` with an ``NN-slug.expected.json``.

    Returns the scores and, per article, what was missed and what was wrongly found,
    so a failing run says where to look.
    """
    from incidents.ingest.extract import extract

    scores = {k: KindScore() for k in REPORT_KINDS}
    details: list[tuple[str, list[Any], list[Any]]] = []
    for text_path in sorted(directory.glob("*.txt")):
        expected_path = text_path.with_name(text_path.stem + ".expected.json")
        if not expected_path.exists():
            continue
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        found = as_dicts(extract(text_path.read_text(encoding="utf-8"), actors))
        score_document(expected, found, scores)
        wanted, got = distinct(expected), distinct(found)
        missed = [w for w in wanted if not any(matches(w, g) for g in got)]
        wrong = [g for g in got if not any(matches(w, g) for w in wanted)]
        details.append((text_path.name, missed, wrong))
    return scores, details


def failures(scores: Mapping[str, KindScore]) -> list[str]:
    """The kinds below their recall or precision floor, as readable lines."""
    problems = []
    for kind, (recall, precision) in THRESHOLDS.items():
        score = scores.get(kind, KindScore())
        if score.recall < recall or score.precision < precision:
            problems.append(f"{kind}: recall {score.recall:.3f} (>= {recall}), "
                            f"precision {score.precision:.3f} (>= {precision})")
    return problems
