"""Which claim fields exist, what kind of value they hold and where the consensus is shown.

A field registered with ``model_fields`` has its consensus written to the record by
``incidents.services.claims.facts_refresh``; other fields (sets of operators, derived
statements) are only compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ValueKind = Literal["count", "date", "set", "ratio", "number", "text"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: ValueKind
    value_attr: str | None = None  # model attribute holding the shown value
    detail_attr: str | None = None  # model attribute holding its qualifier or precision
    label: str = ""


# Keyed by model name (lower case), then claim field.
FIELDS: dict[str, dict[str, FieldSpec]] = {
    "campaign": {
        "exchanges": FieldSpec("exchanges", "count", "exchanges", "exchanges_qualifier",
                               "exchanges"),
        "accounts": FieldSpec("accounts", "count", "accounts", "accounts_qualifier",
                              "fraudulent accounts"),
        "start_date": FieldSpec("start_date", "date", "start_date", "start_precision",
                                "start of period"),
        "end_date": FieldSpec("end_date", "date", "end_date", "end_precision",
                              "end of period"),
        "operators": FieldSpec("operators", "set", label="operators"),
        # Derived statements, checked against the figures they derive from.
        "duration_days": FieldSpec("duration_days", "number", label="duration in days"),
        "duration_weeks": FieldSpec("duration_weeks", "number", label="duration in weeks"),
        "duration_months": FieldSpec("duration_months", "number", label="duration in months"),
        "exchanges_ratio": FieldSpec("exchanges_ratio", "ratio", label="exchanges ratio"),
        "exchanges_per_account": FieldSpec("exchanges_per_account", "number",
                                           label="exchanges per account"),
        "exchanges_per_day": FieldSpec("exchanges_per_day", "number",
                                       label="exchanges per day"),
    },
    "incident": {
        "disclosed_on": FieldSpec("disclosed_on", "date", "disclosed_on", "disclosed_precision",
                                  "disclosure date"),
    },
    "letter": {
        "date": FieldSpec("date", "date", "date", "date_precision", "date of the letter"),
    },
    "event": {
        "date": FieldSpec("date", "date", "date", "precision", "date"),
        "value": FieldSpec("value", "number", "value", None, "value"),
    },
    "accountcluster": {
        "count": FieldSpec("count", "count", "count", "qualifier", "accounts"),
    },
    "exchangevolume": {
        "count": FieldSpec("count", "count", "count", "qualifier", "exchanges"),
    },
}


def field_spec(model_name: str, field: str) -> FieldSpec:
    """The spec of ``field`` on ``model_name``; ``KeyError`` with a clear message if unknown."""
    try:
        return FIELDS[model_name][field]
    except KeyError:
        known = ", ".join(sorted(FIELDS.get(model_name, {}))) or "none"
        raise KeyError(
            f"No claim field {field!r} on {model_name}; known fields: {known}"
        ) from None
