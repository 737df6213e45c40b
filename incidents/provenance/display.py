"""Claims, conflicts and alerts as templates and API ``display`` fields show them. How
each value reads ("about 25,000", "June 2026", "1.8 × february-2026-cluster") is
``incidents.formatting``'s; this module only knows which formatter a field needs."""

from __future__ import annotations

from typing import Any

from incidents.formatting import (  # noqa: F401  (the names this module always offered)
    QUALIFIER_WORDS,
    SET_QUALIFIER_WORDS,
    describe_value,
    format_date,
    format_number,
)


def field_kind(model_name: str | None, field: str) -> str:
    """The kind of a claim field ("count", "date" …); "text" for an unknown one."""
    from incidents.provenance.fields import FIELDS

    spec = FIELDS.get(model_name or "", {}).get(field)
    return spec.kind if spec else "text"


def field_label(model_name: str | None, field: str) -> str:
    """How a claim field is named to people ("fraudulent accounts")."""
    from incidents.provenance.fields import FIELDS

    spec = FIELDS.get(model_name or "", {}).get(field)
    return (spec.label or field) if spec else field


def value_text(kind: str, value: Any, detail: str = "") -> str:
    """A value of a field of ``kind`` with its ``detail`` (the qualifier of a count,
    number or set; the precision of a date), as ``incidents.formatting`` writes it."""
    return describe_value(kind, value, detail or "exact", detail if kind == "date" else "")


def claim_value_text(claim: Any, value: Any = None) -> str:
    """A claim's value as a person writes it ("about 26 million", "June 2026"); pass
    ``value`` to show another (a redacted) value of the same claim."""
    kind = field_kind(claim.content_type.model, claim.field)
    detail = claim.precision if kind == "date" else claim.qualifier
    return value_text(kind, claim.value if value is None else value, detail)


def side_text(conflict: Any, side: Any) -> str:
    """One side of a conflict as a person writes it ("10 June 2026", "about 3")."""
    if side.role == "figures":
        return str(side.description)
    kind = field_kind(conflict.subject._meta.model_name, conflict.field)
    return value_text(kind, side.value, side.detail)


def conflict_explanation(conflict: Any) -> str:
    """Why the sides cannot all be true, with each value as ``side_text`` writes it:
    "Sources state values that cannot all be true: 10 June 2026 (3 sources, weight 70)
    vs 10 June 2025 (1 source, weight 3)." A derived-statement conflict keeps the
    arithmetic's own explanation."""
    if str(getattr(conflict, "kind", "")) != "disagreement":
        return str(conflict.explanation)
    parts = []
    for side in conflict.sides:
        count = len(side.sources)
        parts.append(f"{side_text(conflict, side)} ({count} source{'' if count == 1 else 's'}, "
                     f"weight {side.weight})")
    return "Sources state values that cannot all be true: " + " vs ".join(parts) + "."


def conflict_rows(conflicts: Any) -> list[dict[str, Any]]:
    """Conflicts ready for a template: the explanation and each side with its value as
    a person writes it. ``[{"conflict": Conflict, "explanation": str,
    "sides": [{"side": ConflictSide, "value": str}]}]``."""
    return [{"conflict": conflict, "explanation": conflict_explanation(conflict),
             "sides": [{"side": side, "value": side_text(conflict, side)}
                       for side in conflict.sides]}
            for conflict in conflicts]
