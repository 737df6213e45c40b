"""One validation, every door: the value rules every domain record shares.

The admin's forms, the API's serializers (through the services), the reference loader and
imports all end in ``Model.full_clean()``, so the rules live here and in the models, and
every door gives the same message, naming the field and the reason:

* **Generic, for every field of every domain record** (``MarkedModel.clean_fields``):
  no NUL character in any text, nor in any string or key of a JSON value; every text
  field has a length limit (``max_length``, enforced for ``TextField`` too, which Django
  leaves to the form); JSON values nested at most ``JSON_MAX_DEPTH`` deep, with finite
  numbers only; every date and date-time between ``DATE_MIN`` and ``DATE_MAX``; whole
  numbers in integer fields (1.5 accounts is an error, not 1); no empty slug.
* **Per field**: counts are whole numbers 0 … ``COUNT_MAX`` (``count_validators``);
  JSON fields have a schema (``string_list``, ``string_map``).
* **Claim values by kind** (``claim_value_check``): the same rules as the figure fields
  the claims set, so a value that could not be stored on the record is refused before
  it is stored as a claim.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.deconstruct import deconstructible

#: Largest count (exchanges, accounts) a record or claim may hold: 10¹².
COUNT_MAX = 10**12
#: Largest magnitude of a plain number claim (durations, ratios, per-account rates).
NUMBER_MAX = 10**12
#: Dates (and date-times) of domain records lie in this range.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
#: Limits of free text: descriptions, summaries, bodies, notes, quotes …
TEXT_MAX = 20_000
#: … and of the text a source was read from.
SOURCE_TEXT_MAX = 1_000_000
#: How deep a JSON value may nest (the schemas here need 2 or 3).
JSON_MAX_DEPTH = 20
#: Items in a set claim (a list of slugs).
SET_MAX = 100

NUL = "\x00"
NUL_MESSAGE = "May not contain NUL characters."
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")


def count_validators() -> list[Any]:
    """Validators of a count field: a whole number from 0 to 10¹²."""
    return [MinValueValidator(0), MaxValueValidator(COUNT_MAX)]


def json_problem(value: Any, max_depth: int = JSON_MAX_DEPTH) -> str | None:
    """Why ``value`` is not acceptable JSON for a record (NUL in a string or key, too
    deep, a non-finite number, a non-JSON type), or ``None``. Iterative, so a value
    nested 100,000 deep is refused rather than overflowing the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return f"Nested more than {max_depth} levels deep."
        if isinstance(item, str):
            if NUL in item:
                return NUL_MESSAGE
        elif isinstance(item, bool) or item is None or isinstance(item, int):
            continue
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "Numbers must be finite (no NaN or Infinity)."
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    return "Object keys must be strings."
                if NUL in key:
                    return "Object keys may not contain NUL characters."
                stack.append((child, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1) for child in item)
        else:
            return f"Not a JSON value: {type(item).__name__}."
    return None


@deconstructible
class StringList:
    """A JSON list of at most ``max_items`` strings of at most ``max_length`` characters."""

    def __init__(self, max_items: int, max_length: int) -> None:
        self.max_items = max_items
        self.max_length = max_length

    def __call__(self, value: Any) -> None:
        if not isinstance(value, list):
            raise ValidationError(
                f"Expected a list of strings, got {_json_type(value)}.", code="schema"
            )
        if len(value) > self.max_items:
            raise ValidationError(
                f"At most {self.max_items} items (it has {len(value)}).", code="schema"
            )
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise ValidationError(
                    f"Item {index} is {_json_type(item)}; expected a string.", code="schema"
                )
            if len(item) > self.max_length:
                raise ValidationError(
                    f"Item {index} has {len(item)} characters; at most {self.max_length}.",
                    code="schema",
                )

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, StringList) and other.max_items == self.max_items
                and other.max_length == self.max_length)

    def __hash__(self) -> int:
        return hash((self.max_items, self.max_length))


@deconstructible
class StringMap:
    """A JSON object of at most ``max_items`` entries, each key (a scheme) a string of at
    most ``key_length`` characters and each value a string of at most ``max_length``."""

    def __init__(self, max_items: int, key_length: int, max_length: int) -> None:
        self.max_items = max_items
        self.key_length = key_length
        self.max_length = max_length

    def __call__(self, value: Any) -> None:
        if not isinstance(value, dict):
            raise ValidationError(
                f'Expected an object of scheme → identifier (e.g. {{"bioguide": "S001184"}}), '
                f"got {_json_type(value)}.", code="schema",
            )
        if len(value) > self.max_items:
            raise ValidationError(
                f"At most {self.max_items} entries (it has {len(value)}).", code="schema"
            )
        for key, item in value.items():
            if not isinstance(key, str) or not key.strip():
                raise ValidationError("Every scheme must be a non-empty string.", code="schema")
            if len(key) > self.key_length:
                raise ValidationError(
                    f"Scheme {key[:40]!r}… is longer than {self.key_length} characters.",
                    code="schema",
                )
            if not isinstance(item, str):
                raise ValidationError(
                    f"The identifier for {key!r} is {_json_type(item)}; expected a string.",
                    code="schema",
                )
            if len(item) > self.max_length:
                raise ValidationError(
                    f"The identifier for {key!r} has {len(item)} characters; at most "
                    f"{self.max_length}.", code="schema",
                )

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, StringMap) and other.max_items == self.max_items
                and other.key_length == self.key_length and other.max_length == self.max_length)

    def __hash__(self) -> int:
        return hash((self.max_items, self.key_length, self.max_length))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _date_of(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def field_problem(field: models.Field, value: Any) -> str | None:
    """Why ``value`` (as assigned, before Django's own ``clean``) may not be stored in
    ``field`` under the generic rules, or ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        if NUL in value:
            return NUL_MESSAGE
        if isinstance(field, models.SlugField) and value == "":
            return "May not be empty."
        if isinstance(field, models.TextField):
            limit = field.max_length or TEXT_MAX
            if len(value) > limit:
                return (f"Ensure this value has at most {limit} characters "
                        f"(it has {len(value)}).")
    if isinstance(field, models.JSONField):
        return json_problem(value)
    if isinstance(field, models.IntegerField) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return "Must be a whole number (not NaN or Infinity)."
        if isinstance(value, float | Decimal) and value != int(value):
            return f"Must be a whole number (got {value})."
    if isinstance(field, models.DecimalField | models.FloatField) and isinstance(
        value, float | Decimal
    ) and not _finite(value):
        return "Must be a finite number (not NaN or Infinity)."
    if isinstance(field, models.DateField | models.DateTimeField):
        day = _date_of(value)
        if day is not None and not DATE_MIN <= day <= DATE_MAX:
            return f"Dates lie between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}."
    return None


def _finite(value: float | Decimal) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


# -- claim values ---------------------------------------------------------------------------

def claim_value_check(kind: str, value: Any) -> Any:
    """The value of a claim of ``kind`` as it will be stored, or ``ValidationError`` on
    ``value`` saying why not: the same ranges as the record fields the claims set.

    * count: a whole number 0 … 10¹² (an integral float such as 2.0 becomes 2);
    * number: a finite number within ±10¹²;
    * ratio: a number 0 … 10¹², or ``{"of": "<campaign slug>", "ratio": <number>}``;
    * date: an ISO date ``YYYY-MM-DD`` between 1900-01-01 and 2100-12-31;
    * set: a list of at most 100 slugs;
    * text: a string of at most 20,000 characters.
    """
    problem = json_problem(value)
    if problem:
        raise ValidationError({"value": problem})
    if kind == "count":
        if not _is_number(value) or (isinstance(value, float) and not value.is_integer()):
            raise ValidationError({"value": f"A count is a whole number; got {value!r}."})
        if not 0 <= value <= COUNT_MAX:
            raise ValidationError({"value": f"A count lies between 0 and {COUNT_MAX:,}."})
        return int(value)
    if kind == "number":
        _number_check(value, minimum=-NUMBER_MAX)
        return value
    if kind == "ratio":
        if isinstance(value, dict):
            if set(value) != {"of", "ratio"} or not isinstance(value["of"], str) \
                    or not _SLUG.match(value["of"]):
                raise ValidationError(
                    {"value": 'A ratio is {"of": "<campaign slug>", "ratio": <number>}.'}
                )
            _number_check(value["ratio"], minimum=0)
            return value
        _number_check(value, minimum=0)
        return value
    if kind == "date":
        if not isinstance(value, str):
            raise ValidationError(
                {"value": f"Expected an ISO date (YYYY-MM-DD), got {_json_type(value)}."}
            )
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                {"value": f"Expected an ISO date (YYYY-MM-DD), got {value[:40]!r}."}
            ) from None
        if not DATE_MIN <= day <= DATE_MAX:
            raise ValidationError({"value": (
                f"Dates lie between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}."
            )})
        return day.isoformat()
    if kind == "set":
        if not isinstance(value, list) or not all(
            isinstance(v, str) and _SLUG.match(v) and len(v) <= 120 for v in value
        ):
            raise ValidationError({"value": "Expected a list of slugs."})
        if len(value) > SET_MAX:
            raise ValidationError({"value": f"At most {SET_MAX} slugs (it has {len(value)})."})
        return value
    if kind == "text":
        if not isinstance(value, str) or len(value) > TEXT_MAX:
            raise ValidationError(
                {"value": f"Expected a string of at most {TEXT_MAX} characters."}
            )
        return value
    raise ValidationError({"value": f"Unknown kind of value {kind!r}."})


def _number_check(value: Any, *, minimum: float) -> None:
    if not _is_number(value):
        raise ValidationError({"value": f"Expected a number, got {_json_type(value)}."})
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError({"value": "Numbers must be finite (no NaN or Infinity)."})
    if not minimum <= value <= NUMBER_MAX:
        low = "0" if minimum == 0 else f"{minimum:,}"
        raise ValidationError({"value": f"A number lies between {low} and {NUMBER_MAX:,}."})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


#: Slugs that name a list-level route beside the records' own (``/api/v1/letters/
#: recipients/``, ``/api/v1/campaigns/compare/``): a record with one of them could not be
#: reached at its address.
RESERVED_SLUGS = frozenset({"recipients", "from-incident", "compare"})


def not_reserved_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(
            f"{value!r} is reserved for a route of its own; choose another slug.")
