"""Conflicts as templates and API ``display`` fields show them. How each value reads
("about 25,000", "June 2026", "1.8 × february-2026-cluster") is ``incidents.formatting``'s."""

from __future__ import annotations

from typing import Any

from incidents.formatting import (  # noqa: F401  (the names this module always offered)
    QUALIFIER_WORDS,
    SET_QUALIFIER_WORDS,
    describe_value,
    format_date,
    format_number,
)


def conflict_rows(conflicts: Any) -> list[dict[str, Any]]:
    """Conflicts ready for a template: each side with its value as a person writes it.
    ``[{"conflict": Conflict, "sides": [{"side": ConflictSide, "value": str}]}]``."""
    from incidents.provenance.fields import FIELDS

    rows = []
    for conflict in conflicts:
        spec = FIELDS.get(conflict.subject._meta.model_name or "", {}).get(conflict.field)
        kind = spec.kind if spec else "text"
        sides = []
        for side in conflict.sides:
            value = side.description if side.role == "figures" else describe_value(
                kind, side.value, side.detail, side.detail)
            sides.append({"side": side, "value": value})
        rows.append({"conflict": conflict, "sides": sides})
    return rows
