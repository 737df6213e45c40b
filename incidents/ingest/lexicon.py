"""The names the extractor recognises: every actor's name and aliases, with its slug.

Two sources give the same shape: the bundled reference file (no database, for the
evaluation script and tests) and the ``Actor`` table (for the management command).
Legislators also answer to "Senator <surname>" and "Sen. <surname>"; the extractor
reads lists such as "Senators Tim Scott and Elizabeth Warren" from the same entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from incidents.ingest.types import ActorName

REFERENCE_FILE = Path(__file__).resolve().parent.parent / "reference" / "reference.yaml"


def _names(slug: str, name: str, aliases: Iterable[str], kind: str) -> list[ActorName]:
    names = [name, *aliases]
    # "The White House" is written "the White House" mid-sentence.
    names += [n[len("The "):] for n in names if n.startswith("The ") and len(n.split()) > 2]
    result = [ActorName(slug=slug, name=n, kind=kind) for n in dict.fromkeys(names) if n]
    if kind == "legislator" and len(name.split()) > 1:
        surname = name.split()[-1]
        result += [ActorName(slug=slug, name=f"{title} {surname}", kind=kind)
                   for title in ("Senator", "Sen.")]
    return result


def lexicon_from_reference(path: Path = REFERENCE_FILE) -> list[ActorName]:
    """Actors and aliases from the bundled reference YAML (no database)."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    result: list[ActorName] = []
    for row in data.get("actors", []):
        result += _names(str(row["slug"]), str(row["name"]),
                         [str(a) for a in row.get("aliases") or []], str(row.get("kind", "")))
    return result


def lexicon_from_db() -> list[ActorName]:
    """Actors and aliases from the ``Actor`` table, every marking included: the names
    only steer extraction and are never shown from here."""
    from incidents.models import Actor  # the models need Django set up; the YAML does not

    result: list[ActorName] = []
    for slug, name, aliases, kind in Actor.objects.values_list("slug", "name", "aliases", "kind"):
        result += _names(slug, name, [str(a) for a in aliases or []], kind)
    return result
