"""Dates and periods in running text, with the precision the text gives them.

Articles write one day many ways ("June 10", "10 June 2026", "June 10, 2026",
"2026-06-10") and often leave the year out; the year then comes from the nearest year
the text states, else from the caller's ``reference_date``. Two dates joined by
"between … and", "from … through" or a dash are one period, and neither is reported on
its own: a period's ends are not events.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from incidents.ingest.types import Extraction

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("January", "Jan"), ("February", "Feb"), ("March", "Mar"), ("April", "Apr"),
            ("May",), ("June", "Jun"), ("July", "Jul"), ("August", "Aug"),
            ("September", "Sept", "Sep"), ("October", "Oct"), ("November", "Nov"),
            ("December", "Dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<{g}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<{g}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<{g}>(?:19|20)\d\d)"


def _fill(pattern: str, **groups: str) -> str:
    """Name the groups of a shared pattern: one regex holds several month groups."""
    return pattern.format(**groups)


# One date "atom"; the order matters: the longest readings first.
_ATOMS = [
    # 2026-06-10
    r"(?<![\w/-])(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d)(?![\w/-])",
    # June 10, 2026 / June 10 2026 / June 10
    r"\b" + _fill(_MONTH, g="m1") + r"\s+" + _fill(_DAY, g="d1")
    + r"(?!\d)(?:,?\s+" + _fill(_YEAR, g="y1") + r")?(?![\d%])(?!\w|-(?![A-Z]))",
    # 10 June 2026 / 10 June
    r"(?<![\w.,$-])" + _fill(_DAY, g="d2") + r"\s+" + _fill(_MONTH, g="m2")
    + r"(?:,?\s+" + _fill(_YEAR, g="y2") + r")?\b",
    # June 2026
    r"(?P<mw3>\b(?:[Ee]arly|[Ll]ate|[Mm]id-)\s?)?\b" + _fill(_MONTH, g="m3") + r",?\s+"
    + _fill(_YEAR, g="y3") + r"\b",
    # early 2025, in 2026, since 2024: a bare year only where the words make it a time
    r"(?P<yw>\b(?:[Ee]arly|[Ll]ate|[Mm]id-|[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Tt]hroughout|"
    r"[Dd]uring|[Ff]or|"
    # "the first half of 2026", "the end of 2025": a part of a year is still that year
    r"(?:half|quarter|end|start|beginning|middle|rest|spring|summer|autumn|winter)\s+of)"
    r"\s?)(?P<y4>(?:19|20)\d\d)\b(?![-\d])",
    # a timeline's headings: "February:" or "2026 —" at the start of a line
    r"(?m:^)(?:" + _fill(_MONTH, g="m7") + r"|" + _fill(_YEAR, g="y7")
    + r")(?=\s*(?::|—|–)\s)",
    # in February, early June: a bare month only after such a word ("May" is a verb)
    r"(?P<mw>\b(?:[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Ee]arly|[Ll]ate|[Mm]id-|[Ll]ast|[Tt]his|"
    r"[Ff]rom|[Tt]hrough|[Dd]uring|and|to|of|['’]s)\s?)" + _fill(_MONTH, g="m5") + r"\b(?!\s+\d)",
    # "the June letter": a month naming the event that follows it
    r"(?P<mw2>\b(?:the|a|its|their)\s)" + _fill(_MONTH, g="m6")
    + r"\s(?=(?:letter|disclosure|report|memo|hearing|announcement|statement|filing)\b)",
]
_ATOM_RE = re.compile("|".join(f"(?:{p})" for p in _ATOMS))
_YEAR_RE = re.compile(r"(?<![\w/.$-])(?:19|20)\d\d(?![\w/%-])")
_PERIOD_OPEN = re.compile(r"(?:\b(?:[Bb]etween|[Ff]rom)\s+)$")
_PERIOD_JOIN = re.compile(r"^\s*(?:and|through|thru|to|until|till|–|—|-)\s*$")
_DASH_JOIN = re.compile(r"^\s*[–—-]\s*$")
# "22 or 24 February", "February 22 or 24": two days that share a month.
_DAY_CHOICE = re.compile(
    r"(?<![\w.,$-])(?P<a>[0-3]?\d)\s+or\s+(?P<b>[0-3]?\d)\s+" + _fill(_MONTH, g="m")
    + r"(?:,?\s+" + _fill(_YEAR, g="y") + r")?\b"
    r"|\b" + _fill(_MONTH, g="m2") + r"\s+(?P<a2>[0-3]?\d)\s+or\s+(?P<b2>[0-3]?\d)"
    r"(?:,?\s+" + _fill(_YEAR, g="y2") + r")?\b(?!\d)"
)
CUE_REACH = 80  # characters: a cue further away in a long sentence is about something else
_CUES = [
    (re.compile(r"\bletters?\b", re.I), "letter"),
    (re.compile(r"\b(?:disclos\w*|announc\w*|made public|went public|revealed|published|"
                r"unveiled)\b", re.I), "disclosure"),
    (re.compile(r"\b(?:shares?|stock|traded|trading|market)\b", re.I), "market"),
]


@dataclass
class _Atom:
    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None
    text_start: int  # where the date words begin (after "in", "early" …)

    def iso(self, year: int) -> str:
        if self.month is None:
            return f"{year:04d}"
        if self.day is None:
            return f"{year:04d}-{self.month:02d}"
        return f"{year:04d}-{self.month:02d}-{self.day:02d}"


def _valid(year: int, month: int | None, day: int | None) -> bool:
    if month is None or day is None:
        return True
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _atoms(text: str, excluded: Sequence[tuple[int, int]]) -> list[_Atom]:
    found: list[_Atom] = []
    for match in _DAY_CHOICE.finditer(text):
        shared_month = MONTHS[(match["m"] or match["m2"]).rstrip(".")]
        year_text = match["y"] or match["y2"]
        shared_year = int(year_text) if year_text else None
        if match["a"]:  # "22 or 24 February": the second day carries the month
            spans = [(match.start("a"), match.end("a")), (match.start("b"), match.end())]
            days = [match["a"], match["b"]]
        else:  # "February 22 or 24": the first day carries it
            spans = [(match.start("m2"), match.end("a2")), (match.start("b2"), match.end())]
            days = [match["a2"], match["b2"]]
        for (start, end), day in zip(spans, days, strict=True):
            found.append(_Atom(start, end, shared_year, shared_month, int(day), start))
    taken = [(a.start, a.end) for a in found]
    for match in _ATOM_RE.finditer(text):
        if _inside(match.start(), excluded) or _overlaps(match.start(), match.end(), taken):
            continue
        groups = match.groupdict()
        year = next((int(groups[g]) for g in ("iy", "y1", "y2", "y3", "y4", "y7") if groups[g]),
                    None)
        month_name = next((groups[g] for g in ("m1", "m2", "m3", "m5", "m6", "m7") if groups[g]),
                          None)
        month = int(groups["im"]) if groups["im"] else (
            MONTHS[month_name.rstrip(".")] if month_name else None)
        day_text = groups["id"] or groups["d1"] or groups["d2"]
        day = int(day_text) if day_text else None
        if day is not None and not 1 <= day <= 31:
            continue
        if year is not None and month is not None and not _valid(year, month, day):
            continue
        lead = groups["yw"] or groups["mw"] or groups["mw2"] or groups["mw3"] or ""
        start, end = match.start(), match.end()
        if groups["m6"]:
            end = match.end("m6")
        found.append(_Atom(start, end, year, month, day, start + len(lead)))
    found.sort(key=lambda a: a.start)
    return found


def _inside(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _year_for(text: str, position: int, reference_date: dt.date | None,
                  excluded: Sequence[tuple[int, int]]) -> int | None:
    """The year a date without one belongs to: the last year stated before it (articles
    state the year once and let the reader carry it forward), else the first one after
    it, else the caller's reference date."""
    before: int | None = None
    after: int | None = None
    for match in _YEAR_RE.finditer(text):
        if _inside(match.start(), excluded):
            continue
        if match.start() < position:
            before = int(match.group())
        elif after is None:
            after = int(match.group())
    if before is not None or after is not None:
        return before if before is not None else after
    return reference_date.year if reference_date else None


def _context(text: str, sentence: tuple[int, int], start: int, end: int) -> dict[str, str]:
    """What the sentence ties the date to: the cue word nearest the date wins, so
    "the letter, made public on June 24" is a disclosure and "a letter dated June 10"
    a letter."""
    best: tuple[int, str] | None = None
    sentence_text = text[sentence[0]:sentence[1]]
    for pattern, about in _CUES:
        for cue in pattern.finditer(sentence_text):
            cue_start, cue_end = sentence[0] + cue.start(), sentence[0] + cue.end()
            distance = start - cue_end if cue_end <= start else max(0, cue_start - end)
            if distance <= CUE_REACH and (best is None or distance < best[0]):
                best = (distance, about)
    return {"about": best[1]} if best else {}


def _sentence_of(position: int, sentences: Sequence[tuple[int, int]]) -> tuple[int, int]:
    for sentence in sentences:
        if sentence[0] <= position < sentence[1]:
            return sentence
    return (position, position)


def extract_dates(text: str, *, sentences: Sequence[tuple[int, int]],
                  excluded: Sequence[tuple[int, int]] = (),
                  reference_date: dt.date | None = None) -> list[Extraction]:
    """Dates and periods, each with its exact span; a date that ends a period is not
    reported again on its own."""
    atoms = _atoms(text, excluded)
    results: list[Extraction] = []
    index = 0
    while index < len(atoms):
        first = atoms[index]
        second = atoms[index + 1] if index + 1 < len(atoms) else None
        if second is not None and _is_period(text, first, second):
            period = _period(text, first, second, reference_date, excluded)
            if period is not None:
                results.append(period)
                index += 2
                continue
        single = _date(text, first, sentences, reference_date, excluded)
        if single is not None:
            results.append(single)
        index += 1
    return results


def _is_period(text: str, first: _Atom, second: _Atom) -> bool:
    """Two dates are one period when "between"/"from" opens it and "and"/"to"/"through"
    joins them ("from late April to early June"), when a dash joins them, or when "to"
    joins two full days ("22 April 2026 to 5 June 2026")."""
    between = text[first.end:second.start]
    second_lead = text[second.start:second.text_start].strip().lower()
    first_lead = text[first.start:first.text_start].strip().lower()
    if second_lead in ("to", "and", "through", "until") and not between.strip():
        joiner = second_lead
    elif _PERIOD_JOIN.match(between) and second_lead in ("", "early", "late", "mid-"):
        joiner = between.strip()
    else:
        return False
    if first_lead in ("from", "between"):
        return True
    if first_lead not in ("", "early", "late", "mid-"):
        return False
    if _PERIOD_OPEN.search(text[max(0, first.start - 12):first.start]):
        return True
    if joiner in ("–", "—", "-"):
        return True
    both_days = first.day is not None and second.day is not None
    return both_days and joiner in ("to", "through", "until", "till", "thru")


def _fill_atom(atom: _Atom, other: _Atom) -> _Atom:
    """"April 22 – June 5, 2026": the first end borrows what only the second states."""
    year = atom.year if atom.year is not None else other.year
    month = atom.month if atom.month is not None else other.month
    return _Atom(atom.start, atom.end, year, month, atom.day, atom.text_start)


def _period(text: str, first: _Atom, second: _Atom, reference_date: dt.date | None,
            excluded: Sequence[tuple[int, int]]) -> Extraction | None:
    first = _fill_atom(first, second)
    year = second.year or _year_for(text, second.start, reference_date, excluded)
    if year is None:
        return None
    first_year = first.year or year
    lead = re.search(r"\b(?:[Bb]etween|[Ff]rom)\s+$", text[max(0, first.start - 12):first.start])
    start = first.start - (len(lead.group()) if lead else 0)
    value = {"start": first.iso(first_year), "end": second.iso(year)}
    return Extraction(kind="period", value=value, text=text[start:second.end], start=start,
                      end=second.end)


def _date(text: str, atom: _Atom, sentences: Sequence[tuple[int, int]],
          reference_date: dt.date | None, excluded: Sequence[tuple[int, int]]) -> Extraction | None:
    year = atom.year or _year_for(text, atom.start, reference_date, excluded)
    if year is None or not _valid(year, atom.month, atom.day):
        return None
    start = atom.text_start
    context = _context(text, _sentence_of(start, sentences), start, atom.end)
    return Extraction(kind="date", value=atom.iso(year), text=text[start:atom.end], start=start,
                      end=atom.end, context=context)
