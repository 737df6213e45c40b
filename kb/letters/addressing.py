"""Who a letter is addressed to, and how: titles from committee seats, the salutation
("Dear Chairman Scott and Ranking Member Warren:") and one address block per recipient.

A member's title comes from their seat on a committee the letter is also addressed to
(``CommitteeMembership.title``, written by ``import_legislators``): "Chairman", "Ranking
Member", "Chair" … A member with no such seat is "Senator" or "Representative" by
chamber. Committees are addressed through their members: they get an address block of
their own only when the letter names none of their members.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from incidents.models import Actor, ActorKind, Chamber, CommitteeMembership
from incidents.visibility import can_see

# Titles a salutation uses, most senior first (the seat's own words are kept).
LEADING_TITLES = ("Chairman", "Chairwoman", "Chair", "Vice Chairman", "Vice Chair",
                  "Ranking Member")
SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
CHAMBER_ADDRESS = {
    Chamber.SENATE: ("United States Senate", "Washington, DC 20510"),
    Chamber.HOUSE: ("United States House of Representatives", "Washington, DC 20515"),
}


@dataclass(frozen=True)
class Addressee:
    """One recipient as the letter addresses them."""

    actor: Actor
    title: str  # "Chairman", "Ranking Member", "Senator", "" for a committee
    committee: Actor | None = None  # the committee whose seat gives the title
    lines: tuple[str, ...] = field(default=())

    @property
    def salutation_name(self) -> str:
        return f"{self.title} {last_name(self.actor.name)}".strip()


def last_name(name: str) -> str:
    words = [w for w in name.replace(",", " ").split() if w.lower() not in SUFFIXES]
    return words[-1] if words else name


def _chamber_lines(actor: Actor) -> tuple[str, ...]:
    return CHAMBER_ADDRESS.get(actor.chamber, ())  # type: ignore[call-overload]


def _committee_name(committee: Actor) -> str:
    """"Committee on Banking, Housing, and Urban Affairs" from the file's "Senate
    Committee on …": the chamber line below says which house."""
    name = committee.name
    for prefix in ("Senate ", "House ", "Joint "):
        if name.startswith(prefix) and "Committee" in name:
            return name[len(prefix):]
    return name


def _seats(members: list[Actor], committees: list[Actor]) -> dict[int, tuple[str, Actor]]:
    """member pk → (title, committee) of their most senior titled seat on one of
    ``committees``."""
    if not members or not committees:
        return {}
    rows = CommitteeMembership.objects.filter(
        relationship__subject__in=members, relationship__object_actor__in=committees,
    ).exclude(title="").select_related("relationship__object_actor")
    found: dict[int, tuple[str, Actor]] = {}
    for row in rows:
        member_id = row.relationship.subject_id
        committee = row.relationship.object_actor
        if committee is None:
            continue
        title = row.title
        seniority = LEADING_TITLES.index(title) if title in LEADING_TITLES else 99
        held = found.get(member_id)
        held_rank = LEADING_TITLES.index(held[0]) if held and held[0] in LEADING_TITLES else 99
        if held is None or seniority < held_rank:
            found[member_id] = (title, committee)
    return found


def addressees(recipients: Iterable[Actor], viewer: Any = None) -> list[Addressee]:
    """The recipients ``viewer`` may see (all of them with no viewer: the letter as
    sent), titled and with their address lines: members first, most senior title first,
    then committees none of whose members is a recipient."""
    shown = [a for a in recipients if viewer is None or can_see(viewer, a)]
    members = [a for a in shown if a.kind == ActorKind.LEGISLATOR]
    committees = [a for a in shown if a.kind == ActorKind.COMMITTEE]
    others = [a for a in shown if a.kind not in (ActorKind.LEGISLATOR, ActorKind.COMMITTEE)]
    seats = _seats(members, committees)
    result: list[Addressee] = []
    used_committees: set[int] = set()
    for member in members:
        title, committee = seats.get(member.pk, ("", None))
        if committee is not None:
            used_committees.add(committee.pk)
        title = title or ("Senator" if member.chamber == Chamber.SENATE else
                          "Representative" if member.chamber == Chamber.HOUSE else "")
        lines = [f"The Honorable {member.name}"]
        if committee is not None:
            lines += [title, _committee_name(committee)]
        lines += list(_chamber_lines(committee or member))
        result.append(Addressee(actor=member, title=title, committee=committee,
                                lines=tuple(lines)))
    result.sort(key=lambda a: (LEADING_TITLES.index(a.title)
                               if a.title in LEADING_TITLES else 99, last_name(a.actor.name)))
    for committee in committees:
        if committee.pk in used_committees:
            continue
        result.append(Addressee(actor=committee, title="", lines=(
            "Members of the", _committee_name(committee), *_chamber_lines(committee))))
    for other in others:
        result.append(Addressee(actor=other, title="", lines=(other.name,)))
    return result


def _joined(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def salutation(people: list[Addressee]) -> str:
    """"Dear Chairman Scott and Ranking Member Warren:"; committees with no named member
    are "Members of the Committee"; nobody at all is "Dear Sir or Madam:"."""
    names = [a.salutation_name if a.title else
             ("Members of the Committee" if a.actor.kind == ActorKind.COMMITTEE
              else a.actor.name) for a in people]
    return f"Dear {_joined(names)}:" if names else "Dear Sir or Madam:"


def committee_recipients(committee: Actor, *, leaders_only: bool = True) -> list[Actor]:
    """What choosing ``committee`` offers: its chair and ranking member (any leading
    title) or all its members, most senior first."""
    rows = CommitteeMembership.objects.filter(
        relationship__object_actor=committee, relationship__kind="member_of",
    ).select_related("relationship__subject")
    if leaders_only:
        rows = rows.filter(title__in=LEADING_TITLES)
    ordered = sorted(rows, key=lambda r: (
        LEADING_TITLES.index(r.title) if r.title in LEADING_TITLES else 99,
        r.party_side, r.rank or 999))
    return [r.relationship.subject for r in ordered]
