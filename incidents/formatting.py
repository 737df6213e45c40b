"""The one home of how numbers, qualifiers, dates and precisions read, wherever they are
shown: pages, charts, the admin, search titles, API ``display`` fields, exports.

* a count: ``28_800_000`` → "28.8 million", ``13_000_000`` with "more_than" → "more than
  13 million", ``25_000`` with "about" → "about 25,000" (the qualifier is part of the
  text: never a bare number where the source said "more than");
* a number: ``1200`` → "1,200", ``1.80`` → "1.8", with a unit: "-4.9%";
* a date at its precision: "5 June 2026", "June 2026", "2026" (a month-precision date is
  never shown with a day);
* a period: "22 April – 5 June 2026".

Pure functions of their arguments, no I/O.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

#: The words a qualifier adds before a count or number ("exact" adds none).
QUALIFIER_WORDS: dict[str, str] = {
    "exact": "",
    "about": "about",
    "nearly": "nearly",
    "more_than": "more than",
    "at_least": "at least",
    "up_to": "up to",
}

#: How a qualified set of actors reads: "including alibaba, qwen-lab".
SET_QUALIFIER_WORDS: dict[str, str] = {
    "at_least": "including", "more_than": "including", "up_to": "among",
}

PRECISIONS = ("day", "month", "year")


def qualified(text: str, qualifier: str = "exact") -> str:
    """``text`` with the words of ``qualifier`` before it ("more than 13 million")."""
    word = QUALIFIER_WORDS.get(qualifier or "exact", "")
    return f"{word} {text}".strip()


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def format_number(value: Any, unit: str = "") -> str:
    """``1200`` → "1,200", ``1.80`` → "1.8", ``-4.9`` with "%" → "-4.9%"; what is not a
    finite number, as text."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    if number == number.to_integral_value():
        text = f"{int(number):,}"
    else:
        text = f"{number:,f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


def _scaled(value: Decimal, scale: int, word: str) -> str:
    text = f"{value / scale:.3f}".rstrip("0").rstrip(".")
    return f"{text} {word}"


def format_count(value: Any, qualifier: str = "exact") -> str:
    """A count as people write it: "28.8 million", "about 25,000", "more than 13 million",
    "1.2 billion"; "unknown" for no value."""
    number = _decimal(value)
    if number is None:
        return "unknown" if value is None else str(value)
    magnitude = abs(number)
    if magnitude >= 1_000_000_000:
        text = _scaled(number, 1_000_000_000, "billion")
    elif magnitude >= 1_000_000:
        text = _scaled(number, 1_000_000, "million")
    else:
        text = format_number(number)
    return qualified(text, qualifier)


def as_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or an ISO string ("2026-06" and "2026" too)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        text = value.strip()
        for candidate in (text, f"{text}-01", f"{text}-01-01"):
            try:
                return dt.date.fromisoformat(candidate)
            except ValueError:
                continue
    return None


def _date_text(value: Any, precision: str, month: str) -> str:
    """A date at its precision, its month written with the strftime code ``month``."""
    day = as_date(value)
    if day is None:
        return "unknown"
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{day:{month}} {day.year}"
    return f"{day.day} {day:{month}} {day.year}"


def format_date(value: Any, precision: str = "day") -> str:
    """"5 June 2026", "June 2026" (month precision), "2026" (year); "unknown" if none."""
    return _date_text(value, precision, "%B")


def format_short_date(value: Any, precision: str = "day") -> str:
    """A compact date for timelines and tables: "25 Jun 2026", "Jun 2026", "2026"."""
    return _date_text(value, precision, "%b")


def format_month(value: Any) -> str:
    """"Feb 2026": the month a record falls in, as search titles name it."""
    day = as_date(value)
    return f"{day:%b} {day.year}" if day else ""


def format_period(start: Any, start_precision: str, end: Any, end_precision: str) -> str:
    """"22 April – 5 June 2026"; "June – July 2026"; "January 2026 – unknown"."""
    a, b = as_date(start), as_date(end)
    if a is None and b is None:
        return "unknown"
    if a and b and a.year == b.year and start_precision != "year" and end_precision != "year":
        left = f"{a:%B}" if start_precision == "month" else f"{a.day} {a:%B}"
        if a == b and start_precision == end_precision:
            return format_date(a, start_precision)
        return f"{left} – {format_date(b, end_precision)}"
    return f"{format_date(a, start_precision)} – {format_date(b, end_precision)}"


def format_set(value: Any, qualifier: str = "exact") -> str:
    members = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    word = SET_QUALIFIER_WORDS.get(qualifier, "")
    return f"{word} {members}".strip()


def describe_value(kind: str, value: Any, qualifier: str = "exact", precision: str = "",
                   unit: str = "") -> str:
    """A value of ``kind`` (a claim field kind: count, date, set, ratio, number, text) as
    a person writes it. The one formatter behind claim values, figures and API
    ``display`` fields."""
    if value is None:
        return "—"
    if kind == "date":
        return format_date(value, precision or qualifier or "day")
    if kind == "count":
        return format_count(value, qualifier)
    if kind == "set":
        return format_set(value, qualifier)
    if isinstance(value, dict):  # a ratio: {"of": slug, "ratio": n}
        return qualified(f"{format_number(value.get('ratio'))} × {value.get('of')}", qualifier)
    if _decimal(value) is not None:
        return qualified(format_number(value, unit), qualifier)
    return str(value)


def format_figure(figure: Any, kind: str, unit: str = "") -> str:
    """An ``incidents.figures.Figure`` as shown: its value at its qualifier (counts,
    numbers) or precision (dates); "unknown" when no claim the reader may see gives it."""
    if not figure.known:
        return "unknown"
    if kind == "date":
        return format_date(figure.value, figure.qualifier or "day")
    return describe_value(kind, figure.value, figure.qualifier or "exact", unit=unit)
