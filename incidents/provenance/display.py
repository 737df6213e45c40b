"""How claim values read in the admin, on pages and in API ``display`` fields:
"about 25,000", "10 June 2026", "June 2026", "alibaba, qwen-lab", "1.8 × february-2026-cluster".
Pure functions, no I/O."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from incidents.provenance.consensus import parse_date

QUALIFIER_WORDS = {
    "exact": "",
    "about": "about",
    "nearly": "nearly",
    "more_than": "more than",
    "at_least": "at least",
    "up_to": "up to",
}

SET_QUALIFIER_WORDS = {"at_least": "including", "more_than": "including", "up_to": "among"}


def format_number(value: Any) -> str:
    """1200 → "1,200", 1.80 → "1.8"; what is not a finite number, as text."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,f}".rstrip("0").rstrip(".")


def format_date(value: Any, precision: str = "day") -> str:
    day = parse_date(value)
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return day.strftime("%B %Y")
    return f"{day.day} {day.strftime('%B %Y')}"


def describe_value(kind: str, value: Any, qualifier: str = "exact", precision: str = "") -> str:
    """A claim's value as a person would write it."""
    if value is None:
        return "—"
    if kind == "date":
        return format_date(value, precision or "day")
    if kind == "set":
        members = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) \
            else str(value)
        word = SET_QUALIFIER_WORDS.get(qualifier, "")
        return f"{word} {members}".strip()
    if isinstance(value, dict):  # a ratio: {"of": slug, "ratio": n}
        text = f"{format_number(value.get('ratio'))} × {value.get('of')}"
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        text = format_number(value)
    else:
        text = str(value)
    word = QUALIFIER_WORDS.get(qualifier, qualifier)
    return f"{word} {text}".strip()


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
