"""Conflicts: things the sources say about one field of one record that cannot all be
true. Pure functions, no I/O; ``incidents.provenance.selectors`` feeds them.

Two kinds:

* ``disagreement`` — accepted claims on the same field split into more than one side
  (``consensus.sides``): the letter dated 10 June 2026 by three sources and 10 June 2025
  by one; the operators of a campaign listed differently.
* ``derived`` — a derived statement ("about three months") is inconsistent with the
  figures it derives from (a period of 22 April – 5 June). Derived statements that are
  each consistent with the arithmetic never conflict with each other, even when they
  differ ("44 days" as a difference, "45 days" counted inclusively). When an input figure
  is missing, derived claims are compared with each other like facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from incidents.figures import SourceRef
from incidents.formatting import describe_value
from incidents.provenance.consensus import Side, sides_by_key
from incidents.provenance.derived import DerivedCheck, Verdict, is_derived_field


class ConflictKind(StrEnum):
    DISAGREEMENT = "disagreement"
    DERIVED = "derived"


@dataclass(frozen=True)
class ConflictSide:
    """One position in a conflict, with the claims (and so the sources) behind it."""

    role: str  # "statement" (claims on the field) or "figures" (inputs of a derivation)
    value: Any
    detail: str  # qualifier for numbers and sets, precision for dates
    weight: int
    sources: tuple[SourceRef, ...]
    description: str = ""


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    subject: Any
    subject_key: str  # "campaign:alibaba-qwen"
    field: str
    label: str  # "Alibaba / Qwen campaign — operators"
    sides: tuple[ConflictSide, ...]
    explanation: str
    of: str | None = None  # ratios: the campaign compared with

    @property
    def key(self) -> str:
        return f"{self.subject_key}:{self.field}" + (f":{self.of}" if self.of else "")

    @property
    def claim_ids(self) -> list[int]:
        return [ref.claim_id for side in self.sides for ref in side.sources]


def source_ref(claim: Any) -> SourceRef:
    """A claim as the UI and API cite it: source, grade, credibility and quoted span."""
    return SourceRef(
        claim_id=claim.pk,
        source_key=claim.source.key,
        title=claim.source.title,
        url=claim.source.url,
        reliability=claim.source.reliability,
        credibility=claim.credibility,
        quote=claim.quote,
        value=claim.value,
        qualifier=claim.qualifier,
    )


def _statement_side(kind: str, side: Side) -> ConflictSide:
    return ConflictSide(
        role="statement",
        value=side.value,
        detail=side.precision if kind == "date" else side.qualifier,
        weight=side.weight,
        sources=tuple(source_ref(c) for c in side.claims),
    )


def _describe(kind: str, side: Side) -> str:
    value = describe_value(kind, side.value, side.qualifier or "exact", side.precision or "")
    count = len(side.claims)
    noun = "source" if count == 1 else "sources"
    return f"{value} ({count} {noun}, weight {side.weight})"


def disagreement(*, subject: Any, subject_key: str, field: str, label: str, kind: str,
                 claims: Iterable[Any]) -> list[Conflict]:
    """Conflicts among ``claims`` (accepted, same subject and field): at most one per
    comparison key (one, except for ratios to different campaigns)."""
    conflicts = []
    for key, field_sides in sides_by_key(kind, claims).items():
        if len(field_sides) < 2:
            continue
        conflicts.append(Conflict(
            kind=ConflictKind.DISAGREEMENT,
            subject=subject,
            subject_key=subject_key,
            field=field,
            label=label,
            sides=tuple(_statement_side(kind, s) for s in field_sides),
            explanation="Sources state values that cannot all be true: "
            + " vs ".join(_describe(kind, s) for s in field_sides) + ".",
            of=key,
        ))
    return conflicts


def derived_conflict(*, subject: Any, subject_key: str, field: str, label: str,
                     checks: Sequence[DerivedCheck]) -> Conflict | None:
    """A conflict between the inconsistent derived claims in ``checks`` and the figures
    they derive from, or ``None`` if every statement fits the arithmetic."""
    bad = [c for c in checks if c.verdict == Verdict.INCONSISTENT]
    if not bad:
        return None
    first = bad[0]
    inputs = first.inputs
    figures = ConflictSide(
        role="figures",
        value={i.name: i.value for i in inputs},
        detail=", ".join(f"{i.name}: {i.detail}" for i in inputs if i.detail),
        weight=0,
        sources=tuple(ref for i in inputs for ref in i.sources),
        description="; ".join(f"{i.label or i.name} = {i.value}" for i in inputs),
    )
    statement = ConflictSide(
        role="statement",
        value=first.claim.value,
        detail=first.claim.qualifier,
        weight=0,
        sources=tuple(source_ref(c.claim) for c in bad),
        description=first.explanation,
    )
    of = first.claim.value.get("of") if isinstance(first.claim.value, dict) else None
    return Conflict(
        kind=ConflictKind.DERIVED,
        subject=subject,
        subject_key=subject_key,
        field=field,
        label=label,
        sides=(figures, statement),
        explanation=first.explanation,
        of=of,
    )


def subject_conflicts(*, subject: Any, subject_key: str, subject_label: str,
                      claims: Iterable[Any], kind_of: Callable[[str], str],
                      label_of: Callable[[str], str],
                      checks: Iterable[DerivedCheck] = ()) -> list[Conflict]:
    """Every conflict on one record, from its accepted ``claims`` and the ``checks`` of
    its derived claims, ordered by field."""
    by_field: dict[str, list[Any]] = {}
    for claim in claims:
        by_field.setdefault(claim.field, []).append(claim)
    checks_by_claim = {id(c.claim): c for c in checks}
    conflicts: list[Conflict] = []
    for field in sorted(by_field):
        field_claims = by_field[field]
        label = f"{subject_label} — {label_of(field)}"
        common = {"subject": subject, "subject_key": subject_key, "field": field,
                  "label": label}
        if is_derived_field(field):
            checked = [checks_by_claim[id(c)] for c in field_claims if id(c) in checks_by_claim]
            known = [c for c in checked if c.verdict != Verdict.UNKNOWN]
            unchecked = [c for c in field_claims
                         if id(c) not in checks_by_claim
                         or checks_by_claim[id(c)].verdict == Verdict.UNKNOWN]
            by_of: dict[Any, list[DerivedCheck]] = {}
            for check in known:
                value = check.claim.value
                by_of.setdefault(value.get("of") if isinstance(value, dict) else None,
                                 []).append(check)
            for group in by_of.values():
                conflict = derived_conflict(checks=group, **common)
                if conflict is not None:
                    conflicts.append(conflict)
            if len(unchecked) > 1:
                conflicts.extend(disagreement(kind=kind_of(field), claims=unchecked, **common))
            continue
        conflicts.extend(disagreement(kind=kind_of(field), claims=field_claims, **common))
    return conflicts
