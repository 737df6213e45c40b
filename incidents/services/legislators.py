"""Importing members of Congress, committees and memberships (congress-legislators YAML).

The three files of https://github.com/unitedstates/congress-legislators (public domain):
``legislators-current.yaml`` (a list of members), ``committees-current.yaml`` (a list of
committees with their subcommittees) and ``committee-membership-current.yaml`` (committee
code → list of seats). Members and committees become ``Actor`` rows keyed by
``bioguide_id`` / ``committee_code``; a seat becomes a ``member_of`` ``Relationship``
(member → committee) with a ``CommitteeMembership`` holding its title, side and rank.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.text import slugify

from incidents.models import Actor, ActorKind, Marking, Relationship, RelationshipKind
from incidents.models.actors import Chamber, CommitteeMembership, PartySide

#: Wraps an iterable to show progress: ``(rows, description, total) -> rows``.
Progress = Callable[[Iterable[Any], str, int], Iterable[Any]]

COUNTRY = "United States"
_CHAMBER_OF_TERM = {"sen": Chamber.SENATE, "rep": Chamber.HOUSE}
_CHAMBERS = {c.value for c in Chamber}
_SIDES = {s.value for s in PartySide}


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LegislatorDataError(Exception):
    """A congress file is malformed; the message names the file, the record and why."""


@dataclass(frozen=True)
class MemberRow:
    bioguide_id: str
    name: str
    party: str
    state: str
    chamber: str
    term_start: dt.date | None
    term_end: dt.date | None


@dataclass(frozen=True)
class CommitteeRow:
    code: str
    name: str
    chamber: str
    parent_code: str | None


@dataclass(frozen=True)
class SeatRow:
    committee_code: str
    bioguide_id: str
    title: str
    party_side: str
    rank: int | None


# -- reading and checking the files (no database) -------------------------------------------

def _read(path: Path, expected: type) -> Any:
    try:
        # libyaml's loader when built in: the legislators file is a megabyte.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LegislatorDataError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(data, expected):
        raise LegislatorDataError(
            f"{path}: expected a {'list' if expected is list else 'mapping'} at the top, "
            f"got {type(data).__name__}"
        )
    return data


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _date(value: Any, what: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from exc


def _member(record: Any) -> MemberRow:
    if not isinstance(record, dict):
        raise ValueError(f"expected a mapping, got {type(record).__name__}")
    ids = record.get("id")
    bioguide = _text(ids.get("bioguide")) if isinstance(ids, dict) else ""
    if not bioguide:
        raise ValueError("no bioguide id (id.bioguide)")
    name_field = record.get("name")
    name: dict[str, Any] = name_field if isinstance(name_field, dict) else {}
    full = _text(name.get("official_full")) or " ".join(
        p for p in (_text(name.get("first")), _text(name.get("last"))) if p)
    if not full:
        raise ValueError("no name (name.official_full, or name.first and name.last)")
    terms = record.get("terms")
    if not isinstance(terms, list) or not terms or not isinstance(terms[-1], dict):
        raise ValueError("no terms")
    term = terms[-1]
    chamber = _CHAMBER_OF_TERM.get(str(term.get("type")))
    if chamber is None:
        raise ValueError(f"current term type {term.get('type')!r} is not 'sen' or 'rep'")
    return MemberRow(
        bioguide_id=bioguide, name=full, party=_text(term.get("party")),
        state=_text(term.get("state")), chamber=chamber,
        term_start=_date(term.get("start"), "term start"),
        term_end=_date(term.get("end"), "term end"),
    )


def _committee(record: Any) -> list[CommitteeRow]:
    if not isinstance(record, dict):
        raise ValueError(f"expected a mapping, got {type(record).__name__}")
    code, name = _text(record.get("thomas_id")), _text(record.get("name"))
    if not code:
        raise ValueError("no committee code (thomas_id)")
    if not name:
        raise ValueError("no name")
    chamber = record.get("type")
    if chamber not in _CHAMBERS:
        raise ValueError(f"type {chamber!r} is not one of {sorted(_CHAMBERS)}")
    rows = [CommitteeRow(code=code, name=name, chamber=chamber, parent_code=None)]
    subcommittees = record.get("subcommittees") or []
    if not isinstance(subcommittees, list):
        raise ValueError("subcommittees is not a list")
    for number, sub in enumerate(subcommittees):
        sub_code = _text(sub.get("thomas_id")) if isinstance(sub, dict) else ""
        sub_name = _text(sub.get("name")) if isinstance(sub, dict) else ""
        if not sub_code or not sub_name:
            raise ValueError(f"subcommittee {number} has no thomas_id or no name")
        rows.append(CommitteeRow(code=code + sub_code, name=sub_name, chamber=chamber,
                                 parent_code=code))
    return rows


def _seat(code: str, record: Any, members: set[str]) -> SeatRow:
    if not isinstance(record, dict):
        raise ValueError(f"expected a mapping, got {type(record).__name__}")
    bioguide = _text(record.get("bioguide"))
    if not bioguide:
        raise ValueError("no bioguide id")
    if bioguide not in members:
        raise ValueError(f"unknown bioguide id {bioguide!r} (not in the legislators file)")
    side = record.get("party")
    if side not in _SIDES:
        raise ValueError(f"party {side!r} is not 'majority' or 'minority'")
    rank = record.get("rank")
    if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int) or rank < 1):
        raise ValueError(f"rank {rank!r} is not a whole number from 1")
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        raise ValueError(f"title {title!r} is not text")
    return SeatRow(committee_code=code, bioguide_id=bioguide, title=_text(title),
                   party_side=side, rank=rank)


def _records[T](path: Path, rows: Iterable[tuple[Any, Any]], parse: Callable[[Any], T],
             key: Callable[[Any], str]) -> Iterator[T]:
    for index, record in rows:
        try:
            yield parse(record)
        except ValueError as exc:
            raise LegislatorDataError(f"{path}: record {index} ({key(record)}): {exc}") from exc


def _record_id(record: Any, *keys: str) -> str:
    value: Any = record
    for k in keys:
        value = value.get(k) if isinstance(value, dict) else None
    return str(value) if value else "no id"


def _member_id(record: Any) -> str:
    found = _record_id(record, "id", "bioguide")
    if found != "no id":
        return found
    return f"no id, name {_record_id(record, 'name', 'official_full')}"


def congress_files_parse(*, legislators: Path, committees: Path, membership: Path
                         ) -> tuple[list[MemberRow], list[CommitteeRow], list[SeatRow]]:
    """Read and check the three files; ``LegislatorDataError`` names the first problem."""
    members: list[MemberRow] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(_records(
            legislators, enumerate(_read(legislators, list)), _member,
            _member_id)):
        if row.bioguide_id in seen:
            raise LegislatorDataError(f"{legislators}: record {index} ({row.bioguide_id}): "
                                      f"bioguide id already used by record {seen[row.bioguide_id]}")
        seen[row.bioguide_id] = index
        members.append(row)

    committee_rows: list[CommitteeRow] = []
    codes: set[str] = set()
    for index, record in enumerate(_read(committees, list)):
        for committee in next(_records(committees, [(index, record)], _committee,
                                       lambda r: _record_id(r, "thomas_id"))):
            if committee.code in codes:
                raise LegislatorDataError(f"{committees}: record {index} ({committee.code}): "
                                          "committee code used twice")
            codes.add(committee.code)
            committee_rows.append(committee)

    seats: list[SeatRow] = []
    for code, records in _read(membership, dict).items():
        where = f"{membership}: committee {code!r}"
        if code not in codes:
            raise LegislatorDataError(f"{where}: unknown committee code (not in {committees})")
        if not isinstance(records, list):
            raise LegislatorDataError(f"{where}: expected a list of members")
        taken: set[str] = set()
        for index, record in enumerate(records):
            try:
                seat = _seat(str(code), record, set(seen))
            except ValueError as exc:
                raise LegislatorDataError(
                    f"{where}, record {index} ({_record_id(record, 'bioguide')}): {exc}"
                ) from exc
            if seat.bioguide_id in taken:
                raise LegislatorDataError(f"{where}, record {index} ({seat.bioguide_id}): "
                                          "member listed twice")
            taken.add(seat.bioguide_id)
            seats.append(seat)
    return members, committee_rows, seats


# -- writing --------------------------------------------------------------------------------

def _no_progress(rows: Iterable[Any], _desc: str, _total: int) -> Iterable[Any]:
    return rows


class _Writer:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.stats: Counter[str] = Counter()

    def save_if_changed(self, instance: models.Model, fields: dict[str, Any], label: str,
                        trusted: tuple[str, ...] = ()) -> bool:
        """Set ``fields``; validate and save only when something differs (idempotent).

        ``trusted`` names foreign keys set from rows this import holds in hand: their
        per-row existence query is skipped (with ~3,900 seats it is most of the time),
        and so are uniqueness and constraint checks the caller guarantees by construction
        (the database still enforces both)."""
        created = instance.pk is None
        dirty = created
        for name, value in fields.items():
            if getattr(instance, name) != value:
                setattr(instance, name, value)
                dirty = True
        if not dirty:
            return False
        try:
            instance.full_clean(exclude=trusted, validate_unique=not trusted,
                                validate_constraints=not trusted)
        except ValidationError as exc:
            raise LegislatorDataError(f"{label}: {exc.message_dict}") from exc
        instance.save()
        self.stats[f"{instance._meta.verbose_name} {'created' if created else 'updated'}"] += 1
        return True

    def actors(self, members: list[MemberRow], committees: list[CommitteeRow]
               ) -> tuple[dict[str, Actor], dict[str, Actor]]:
        bioguides = {m.bioguide_id for m in members}
        codes = {c.code for c in committees}
        by_bioguide: dict[str, Actor] = {}
        by_code: dict[str, Actor] = {}
        # One query for every actor that may be one of ours: keyed already, or entered by
        # hand with the key only in external_ids (the reference data's Scott, Warren, SSBK).
        candidates = Actor.objects.filter(
            models.Q(bioguide_id__in=bioguides) | models.Q(committee_code__in=codes)
            | models.Q(kind__in=[ActorKind.LEGISLATOR, ActorKind.COMMITTEE],
                       bioguide_id__isnull=True, committee_code__isnull=True)
        )
        adoptable_members: dict[str, Actor] = {}
        adoptable_committees: dict[str, Actor] = {}
        for actor in candidates:
            if actor.bioguide_id:
                by_bioguide[actor.bioguide_id] = actor
            elif actor.committee_code:
                by_code[actor.committee_code] = actor
            elif actor.kind == ActorKind.LEGISLATOR:
                key = str((actor.external_ids or {}).get("bioguide", ""))
                adoptable_members.setdefault(key, actor)
            else:
                ids = actor.external_ids or {}
                key = str(ids.get("thomas_id") or ids.get("committee_code") or "")
                adoptable_committees.setdefault(key, actor)
        slugs = set(Actor.objects.values_list("slug", flat=True))

        def new_actor(slug: str) -> Actor:
            slug = slug[:100].rstrip("-")
            if slug in slugs:
                raise LegislatorDataError(f"slug {slug!r} is taken by another actor")
            slugs.add(slug)
            return Actor(slug=slug, marking=Marking.CLEAR, country=COUNTRY)

        for m in self.progress(members, "members", len(members)):
            actor = by_bioguide.get(m.bioguide_id) or adoptable_members.pop(m.bioguide_id, None) \
                or new_actor(f"member-{m.bioguide_id.lower()}-{slugify(m.name)}")
            self.save_if_changed(actor, {
                "name": m.name, "kind": ActorKind.LEGISLATOR, "bioguide_id": m.bioguide_id,
                "party": m.party, "state": m.state, "chamber": m.chamber,
                "term_start": m.term_start, "term_end": m.term_end,
            }, f"member {m.bioguide_id}")
            by_bioguide[m.bioguide_id] = actor
        for c in self.progress(committees, "committees", len(committees)):
            actor = by_code.get(c.code) or adoptable_committees.pop(c.code, None) \
                or new_actor(f"committee-{c.code.lower()}-{slugify(c.name)}")
            self.save_if_changed(actor, {
                "name": c.name, "kind": ActorKind.COMMITTEE, "committee_code": c.code,
                "chamber": c.chamber,
                # Parents come before their subcommittees in the file.
                "parent": by_code[c.parent_code] if c.parent_code else actor.parent,
            }, f"committee {c.code}")
            by_code[c.code] = actor
        return by_bioguide, by_code

    def seats(self, seats: list[SeatRow], by_bioguide: dict[str, Actor],
              by_code: dict[str, Actor]) -> None:
        members = {a.pk for a in by_bioguide.values()}
        committees = {a.pk for a in by_code.values()}
        existing: dict[tuple[int, int], Relationship] = {}
        ours: list[Relationship] = []
        rows = (Relationship.objects.filter(kind=RelationshipKind.MEMBER_OF)
                .filter(models.Q(subject__in=members) | models.Q(object_actor__in=committees))
                .select_related("committee_membership").order_by("id"))
        for rel in rows:
            has_detail = hasattr(rel, "committee_membership")
            if has_detail:
                ours.append(rel)
            key = (rel.subject_id, rel.object_actor_id or 0)
            # Prefer the edge this import wrote before over a hand-entered duplicate.
            if key not in existing or (has_detail and not hasattr(existing[key],
                                                                 "committee_membership")):
                existing[key] = rel
        kept: set[int] = set()
        for seat in self.progress(seats, "memberships", len(seats)):
            member, committee = by_bioguide[seat.bioguide_id], by_code[seat.committee_code]
            label = f"membership {seat.committee_code}/{seat.bioguide_id}"
            rel = existing.get((member.pk, committee.pk))
            if rel is None:
                rel = Relationship(kind=RelationshipKind.MEMBER_OF, subject=member,
                                   object_actor=committee, marking=Marking.CLEAR)
                # One edge per (member, committee), always to an actor: the lookup above
                # and the constructor guarantee what validate_unique/constraints check.
                self.save_if_changed(rel, {}, label,
                                     trusted=("subject", "object_actor", "object_incident"))
                existing[(member.pk, committee.pk)] = rel
            kept.add(rel.pk)
            detail = getattr(rel, "committee_membership", None) or CommitteeMembership(
                relationship=rel)
            self.save_if_changed(detail, {"title": seat.title, "party_side": seat.party_side,
                                          "rank": seat.rank}, label, trusted=("relationship",))
        # Current data: a seat no longer in the file is gone. Only edges this import
        # manages (with a membership row) are removed; hand-entered ones stay.
        gone = [rel.pk for rel in ours if rel.pk not in kept]
        if gone:
            Relationship.objects.filter(pk__in=gone).delete()
            self.stats["membership removed"] += len(gone)


def legislators_import(*, legislators: Path, committees: Path, membership: Path,
                       progress: Progress | None = None) -> Counter[str]:
    """Create or update members, committees and memberships from the three files.

    Transactional: every file is read and checked before anything is written, and the
    writes are one transaction; a malformed file raises ``LegislatorDataError`` (naming the
    file, the record and the reason) and stores nothing. Idempotent: rows are matched on
    bioguide id and committee code (actors entered by hand with those ids in
    ``external_ids`` are adopted, keeping their slug) and saved only when a field
    differs, so a second run returns an empty counter and touches no row. Memberships no
    longer in the file are deleted. New rows are TLP:CLEAR (public-domain data); the
    marking of an existing row is left as an editor set it.
    """
    members, committee_rows, seats = congress_files_parse(
        legislators=legislators, committees=committees, membership=membership)
    writer = _Writer(progress or _no_progress)
    with transaction.atomic():
        by_bioguide, by_code = writer.actors(members, committee_rows)
        writer.seats(seats, by_bioguide, by_code)
    return writer.stats
