"""Counted quantities, percentages and durations in running text.

A number is a quantity only when the text says what it counts: a counted noun after it
("25,000 fake accounts"), a percent sign, or a scale word ("close to 29 million") with a
counted noun elsewhere in the sentence to carry the unit from. Everything else an
article is full of (years, day numbers, ranks, "17 takes", money, model versions,
citation marks) is left alone: a wrong figure costs an analyst more than a missing one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from incidents.ingest.types import Extraction

# What a count counts, singular or plural as written → the unit we store.
COUNTED_NOUNS = {
    "exchanges": "exchanges", "exchange": "exchanges",
    "accounts": "accounts", "account": "accounts",
    "queries": "queries", "query": "queries",
    "interactions": "interactions", "interaction": "interactions",
    "conversations": "conversations", "conversation": "conversations",
    "prompts": "prompts", "prompt": "prompts",
    "requests": "requests", "request": "requests",
}
SCALES = {
    "thousand": 1_000, "k": 1_000,
    "million": 1_000_000, "m": 1_000_000, "mn": 1_000_000, "mln": 1_000_000,
    "billion": 1_000_000_000, "bn": 1_000_000_000, "b": 1_000_000_000,
}
# The phrase that starts earliest wins, so "just under" beats "under" and "a little over"
# beats "over".
QUALIFIERS = [
    ("close to", "nearly"), ("just under", "nearly"), ("just shy of", "nearly"),
    ("a little under", "nearly"), ("under", "nearly"), ("a little over", "more_than"),
    ("just over", "more_than"), ("passed", "more_than"), ("topped", "more_than"),
    ("surpassed", "more_than"), ("within", "up_to"), ("c.", "about"),
    ("less than", "up_to"), ("fewer than", "up_to"),
    ("almost", "nearly"), ("nearly", "nearly"), ("roughly", "about"),
    ("approximately", "about"), ("an estimated", "about"), ("estimated", "about"),
    ("about", "about"), ("around", "about"), ("some", "about"), ("approx.", "about"),
    ("circa", "about"), ("~", "about"), ("at least", "at_least"),
    ("no fewer than", "at_least"), ("no less than", "at_least"), ("up to", "up_to"),
    ("as much as", "up_to"), ("as many as", "up_to"), ("at most", "up_to"),
    ("more than", "more_than"), ("over", "more_than"), ("upwards of", "more_than"),
    ("in excess of", "more_than"), ("north of", "more_than"), ("above", "more_than"),
    ("exceeding", "more_than"),
]
_QUALIFIER_RE = re.compile(
    r"(?:(?<=\W)|^)(?P<q>" + "|".join(re.escape(p) for p, _ in QUALIFIERS)
    + r")\s*$", re.I,
)
_QUALIFIER_OF = {phrase: qualifier for phrase, qualifier in QUALIFIERS}

_NUMBER_RE = re.compile(
    r"(?<![\w.,/#$€£¥-])(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>thousand|million|billion|mln|mn|bn|m|k|b)\b)?"
    r"(?P<pct>\s?%|\s(?:percent|per cent)\b)?"
    r"(?![\w-]|,\d|\.\d)"
)
_CURRENCY_BEFORE = re.compile(r"(?:[$€£¥]|US\$|USD|EUR|RMB|HK\$|yuan|¥)\s*$", re.I)
_CURRENCY_AFTER = re.compile(
    r"^\s*(?:dollars|euros|yuan|renminbi|pounds|yen|USD|EUR|RMB|in (?:funding|revenue))\b"
    r"|^\s*(?:\w+\s+)?(?:valuation|revenue|market cap\w*|funding|investment)\b", re.I)
# "1 in 5 accounts" is a rate, neither 1 nor 5 of anything.
_ONE_IN = re.compile(r"\b(?:\d+|one)\s+in\s+$", re.I)
_ONE_IN_AFTER = re.compile(r"^\s+in\s+\d")
_RANK_BEFORE = re.compile(r"(?:\b(?:top|No\.|number|rank(?:ed)?|#|version|v|GLM|GPT)\s*)$",
                          re.I)
# Words a count may have between the number and its noun: "25,000 fake operator accounts".
# Never "per", "a" or a counted noun: in the rate "1,200 exchanges per account" the
# figure counts exchanges, the first noun, and the account is only what it is spread over.
_MODIFIER = (r"(?:(?!(?:and|or|of|in|to|with|from|through|by|for|per|a|an|each|every)\b"
             r"|(?:" + "|".join(COUNTED_NOUNS) + r")\b)[A-Za-z][\w-]*\s+)")
_NOUN_AFTER = re.compile(
    r"^\s+" + _MODIFIER + r"{0,2}(?P<noun>" + "|".join(COUNTED_NOUNS) + r")\b", re.I
)
# A bare number followed by a noun of its own ("1,300 proxy domains", "8,000 words")
# counts that noun, so it borrows no unit; what may follow a count whose noun was left
# out is punctuation or a function word ("Moonshot 3.4 million, while", "29 million over").
_FUNCTION_WORDS = (
    "of|in|on|at|over|across|from|during|between|through|throughout|to|for|with|within|by|"
    "per|a|an|each|apiece|alone|apart|altogether|overall|total|and|or|but|while|whereas|"
    "as|than|before|after|since|until|this|that|these|those|last|so|more|were|was|are|is|"
    "had|have|has|came|come|went|belonged|according|compared|versus|vs|against|among|"
    "respectively|then|now|too|also|the|its|their|his|her"
)
_OWN_NOUN_AFTER = re.compile(r"^\s+(?!(?:" + _FUNCTION_WORDS + r")\b)[a-z][\w-]*(?!\w)")
_ANY_NOUN = re.compile(r"\b(?P<noun>" + "|".join(COUNTED_NOUNS) + r")\b", re.I)
_FALL = re.compile(r"\b(?:fell|fall(?:s|ing)?|dropp\w*|drops?|declin\w*|slid|slides?|sank|sinks?|"
                   r"tumbl\w*|plung\w*|slump\w*|slipp?\w*|lost|los(?:e|es|ing)|down|lower|shed|"
                   r"gave up|give up|giving up|wiped|wipes|wiping|erased|knocked|reduc\w*|"
                   r"cut|cuts|cutting|shrink\w*|shrank)\b", re.I)
_RISE = re.compile(r"\b(?:rose|ris(?:e|es|ing)|gain\w*|climb\w*|jump\w*|up(?!\s+to\b)|higher|"
                   r"surg\w*)\b", re.I)
_FROM_AFTER = re.compile(r"\s+from\b", re.I)
_MARKET = re.compile(r"\b(?:shares?|stocks?|traded|trading|market|index)\b", re.I)
_RATIO_AFTER = re.compile(r"^\s*(?:larger|bigger|more|higher|greater|smaller|fewer|less|lower)\b",
                          re.I)
# "a 4.9% one-day drop": the fall may come a word or two after the figure.
_FALL_AFTER = re.compile(r"^\s*(?:(?!and\b|or\b|but\b)[\w-]+\s+){0,2}?"
                         r"(?:drop|fall|decline|slide|loss|plunge|slump)\b", re.I)
# "a 4.9% drop in Alibaba's shares": the actor after the move.
_MOVE_OF = re.compile(r"^\s*(?:(?!and\b|or\b|but\b)[\w-]+\s+){0,2}?(?:drop|fall|decline|slide|loss|"
                      r"plunge|slump|rise|"
                      r"gain|jump)\s+(?:in|for)\s+")

# Durations: "six weeks", "45 days", "a three-month period", "a roughly six-week period".
WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
CARRY_SENTENCES = 2  # how many sentences back a bare count may look for its noun
DAYS_PER_UNIT = {"day": 1, "week": 7, "month": 30}
_COUNT_WORD = (r"(?:\d{1,3}|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-"
               r"(?:one|two|three|four|five|six|seven|eight|nine)|"
               + "|".join(WORD_NUMBERS) + r")")
_DURATION_RE = re.compile(
    r"(?<![\w.,$-])(?P<n>" + _COUNT_WORD + r")"
    r"(?:\s+(?P<unit>days|weeks|months)\b(?!\s+(?:later|ago|earlier|on)\b)"
    r"|-(?P<hunit>day|week|month)(?:-long)?\s+(?P<noun>period|window|span|campaign|stretch|"
    r"operation|run|effort|duration)\b)",
    re.I,
)
# Numbers in words: "twenty-five thousand", "one hundred and fifty thousand", "a million".
_SMALL_WORD = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
               r"(?:-(?:one|two|three|four|five|six|seven|eight|nine))?|"
               + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True)) + r")")
_GROUP_WORD = (r"(?:(?:a|" + _SMALL_WORD + r")\s+hundred(?:\s+(?:and\s+)?" + _SMALL_WORD
               + r")?|" + _SMALL_WORD + r")")
_WORD_FIGURE_RE = re.compile(
    r"(?<![\w-])(?P<w>(?:" + _GROUP_WORD + r"|an?)\s+(?:thousand|million|billion)"
    r"(?:\s+(?:and\s+)?" + _GROUP_WORD + r"(?![\w-]))?|" + _GROUP_WORD + r")"
    r"(?P<pct>\s(?:percent|per cent)\b)?(?![\w-])",
    re.I,
)
_OFFSET_BEFORE = re.compile(r"^\s+before\b")
_OFFSET_AFTER = re.compile(r"^\s+after\b")
# "ran for roughly three weeks after the story broke": right after "for" it is a length.
_LASTED_JUST_BEFORE = re.compile(
    r"\b(?:lasted|for|spanned|took|stretched over)\s+(?:(?:roughly|about|around|nearly|almost|"
    r"some|approximately|close to|more than|over|just|at least|up to)\s+)?$", re.I)
_LASTED = re.compile(r"\b(?:lasted|ran|run|for|over|took|spanned|stretched|went on)\b", re.I)
_ARTICLE_BEFORE = re.compile(r"\b(?:a|an|the)\s+(?P<q>roughly|about|approximately|nearly|almost|"
                             r"some|around|just)?\s*$", re.I)


def _number_value(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@dataclass(frozen=True)
class _Figure:
    """One number as written, in digits ("13.4 million") or in words ("thirteen
    million"), with what decides whether it can stand without a noun."""

    start: int
    end: int
    value: Decimal
    percent: bool
    bare_ok: bool  # written like a count: a scale word, or digits with a thousands comma


def _figures(text: str) -> list[_Figure]:
    """Every number in ``text``, digits first; a number in words only where no digits
    are, so "twenty-five thousand accounts" reads like "25,000 accounts"."""
    found: list[_Figure] = []
    for match in _NUMBER_RE.finditer(text):
        value = _number_value(match["n"])
        scale = match["scale"]
        if scale:
            value *= SCALES[scale.lower()]
        found.append(_Figure(match.start(), match.end(), value, bool(match["pct"]),
                             _is_bare_count(match["n"], scale)))
    taken = [(f.start, f.end) for f in found]
    for match in _WORD_FIGURE_RE.finditer(text):
        if any(match.start() < end and start < match.end() for start, end in taken):
            continue
        words = match["w"]
        if words.lower() in ("one", "a", "an"):
            continue  # "one suspended account" names a thing; it is no tally
        scaled = re.search(r"\b(?:thousand|million|billion)\b", words, re.I)
        # "a thousand" alone is a figure of speech ("look like a thousand"), not a count
        bare_ok = bool(scaled) and not re.match(r"an?\s", words, re.I)
        found.append(_Figure(match.start(), match.end(), Decimal(spelled_number(words)),
                             bool(match["pct"]), bare_ok))
    return sorted(found, key=lambda f: f.start)


def spelled_number(words: str) -> int:
    """The value of a number written in words: "one hundred and fifty thousand" is
    150000, "twenty-five thousand" 25000, "a thousand" 1000. Each scale word closes a
    group ("thousand", "million"), "hundred" multiplies inside one, "and" is filler."""
    total, group = 0, 0
    for word in re.findall(r"[a-z]+", words.lower()):
        if word in ("a", "an"):
            group = 1
        elif word in WORD_NUMBERS:
            group += WORD_NUMBERS[word]
        elif word == "hundred":
            group = (group or 1) * 100
        elif word in SCALES:
            total += (group or 1) * SCALES[word]
            group = 0
    return total + group


def _word_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    parts = text.lower().split("-")
    return sum(WORD_NUMBERS[part] for part in parts)


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _sentence_of(position: int, sentences: Sequence[tuple[int, int]]) -> int:
    for index, (start, end) in enumerate(sentences):
        if start <= position < end:
            return index
    return -1


def _inside(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _qualifier(text: str, start: int) -> tuple[str, int]:
    """The qualifier phrase just before ``start`` and where it begins."""
    before = text[max(0, start - 20):start]
    match = _QUALIFIER_RE.search(before)
    if not match:
        return "exact", start
    return _QUALIFIER_OF[match["q"].lower()], start - len(before) + match.start("q")


def _carried_unit(text: str, position: int, value: Decimal, sentences: Sequence[tuple[int, int]],
                  counted: Sequence[tuple[int, Decimal, str]]) -> str:
    """The unit a bare count borrows: from the stated count of the nearest size in its
    sentence or the one before ("16m exchanges across 24k accounts, with MiniMax
    responsible for 13m" → exchanges), else from the nearest counted noun. A run of
    bare per-actor figures may go back further, to the paragraph's stated total, but never
    across a paragraph break."""
    index = _sentence_of(position, sentences)
    for candidate in range(index, index - CARRY_SENTENCES - 1, -1):
        if candidate < 0 or "\n" in text[sentences[candidate][0]:position]:
            break
        start, end = sentences[candidate]
        near = [(abs(len(str(int(v))) - len(str(int(value)))), abs(p - position), unit)
                for p, v, unit in counted if start <= p < end]
        if near:
            return min(near)[2]
        nouns = [(abs(m.start() + start - position), m["noun"].lower())
                 for m in _ANY_NOUN.finditer(text[start:end])]
        if nouns:
            return COUNTED_NOUNS[min(nouns)[1]]
    return ""


def extract_quantities(text: str, *, sentences: Sequence[tuple[int, int]],
                       excluded: Sequence[tuple[int, int]],
                       actor_spans: Sequence[tuple[int, int, str]] = ()) -> list[Extraction]:
    """Counts with their unit and qualifier, and percentages (negative for a fall).

    ``excluded`` are spans already read as something else (dates, URLs, citation marks);
    ``actor_spans`` (start, end, slug) let a count name the actor it belongs to.
    """
    results: list[Extraction] = []
    counted = _stated_counts(text, excluded)
    for figure in _figures(text):
        start, end, value = figure.start, figure.end, figure.value
        if _inside(start, excluded):
            continue
        before, after = text[max(0, start - 12):start], text[end:end + 40]
        if _CURRENCY_BEFORE.search(before) or _CURRENCY_AFTER.search(after):
            continue
        if _RANK_BEFORE.search(before) or _ONE_IN.search(before) or _ONE_IN_AFTER.match(after):
            continue
        qualifier, span_start = _qualifier(text, start)
        context: dict[str, str] = {}
        if figure.percent:
            unit = "percent"
            context, value = _percent_context(text, start, end, sentences, value)
        else:
            noun = _NOUN_AFTER.match(after)
            if noun:
                unit = COUNTED_NOUNS[noun["noun"].lower()]
                end += noun.end()
            elif _may_stand_alone(text, figure, span_start) and not _OWN_NOUN_AFTER.match(after):
                unit = _carried_unit(text, start, value, sentences, counted)
            else:
                unit = ""
            if not unit:
                continue
        subject = (_subject(text, span_start, end, sentences, actor_spans)
                   or _participle_subject(text, span_start, sentences, results))
        results.append(Extraction(
            kind="quantity", value=_plain(value), text=text[span_start:end], start=span_start,
            end=end, unit=unit, qualifier=qualifier, subject=subject, context=context,
        ))
    return results


def _stated_counts(text: str, excluded: Sequence[tuple[int, int]]
                   ) -> list[tuple[int, Decimal, str]]:
    """(position, value, unit) of every count written with its noun."""
    counts = []
    for figure in _figures(text):
        if figure.percent or _inside(figure.start, excluded):
            continue
        noun = _NOUN_AFTER.match(text[figure.end:figure.end + 40])
        if noun:
            counts.append((figure.start, figure.value, COUNTED_NOUNS[noun["noun"].lower()]))
    return counts


_COMPARED_BEFORE = re.compile(r"\b(?:compared (?:with|to)|against|versus|vs\.|up from|down from)"
                              r"\s+$", re.I)
_YEAR_LIKE = re.compile(r"(?:19|20)\d\d")


def _may_stand_alone(text: str, figure: _Figure, span_start: int) -> bool:
    """Whether a number without a noun may still be a count: when written like one
    (see ``_is_bare_count``), or when set against a stated count ("1,200 exchanges per
    account, compared with roughly 670"), where the comparison supplies the noun."""
    if figure.bare_ok:
        return True
    digits = text[figure.start:figure.end]
    return (not _YEAR_LIKE.fullmatch(digits)
            and bool(_COMPARED_BEFORE.search(text[max(0, span_start - 20):span_start])))


def _is_bare_count(number: str, scale: str | None) -> bool:
    """A number with no noun is still a count when it is big and written like one:
    "close to 29 million", "DeepSeek for more than 150,000"; a year or "17" is not."""
    if scale:
        return True
    return "," in number and "." not in number


def _percent_context(text: str, start: int, end: int, sentences: Sequence[tuple[int, int]],
                     value: Decimal) -> tuple[dict[str, str], Decimal]:
    """A ratio ("80% larger"), or a move: negative when the nearest verb before it is a
    fall ("fell as much as 4.9%"), "market" context when the sentence is about shares."""
    index = _sentence_of(start, sentences)
    sentence_start = sentences[index][0] if index >= 0 else max(0, start - 80)
    before = text[max(sentence_start, start - 60):start]
    after = text[end:end + 20]
    if _RATIO_AFTER.match(after):
        return {"about": "ratio"}, value
    sentence_text = text[sentence_start:sentences[index][1] if index >= 0 else end]
    # "down from a forecast of 21%": the figure after "from" is the earlier level, no move
    falls = [m.end() for m in _FALL.finditer(before) if not _FROM_AFTER.match(before[m.end():])]
    rises = [m.end() for m in _RISE.finditer(before) if not _FROM_AFTER.match(before[m.end():])]
    # ">=": "gave up 1.8%" ends a fall word and a rise word ("up") at the same place
    falling = bool(_FALL_AFTER.match(after)) or (
        bool(falls) and max(falls) >= max(rises, default=-1))
    if falling:
        value = -value
    if _MARKET.search(sentence_text):
        return {"about": "market"}, value
    return {}, value


# Adverbs that may sit between an actor and its verb: "MiniMax nonetheless generated".
_ADVERB = (r"(?:alone|itself|also|then|only|together|nonetheless|nevertheless|still|however|"
           r"meanwhile|even|again|instead|though|too|thus|later|already|[a-z]{3,}ly)")
_VERBS = (r"(?:accounted for|accounting for|accounts for|(?:was |were )?responsible for|"
          r"ran|runs|running|generated|generates|generating|produced|produces|producing|made|"
          r"makes|making|conducted|sent|sending|drove|drives|contributed|contributing|used|"
          r"uses|using|operated|operating|created|creating|registered|registering|opened|"
          r"controlled|logged|racked up|fired off|submitted|extracted|pulled|had|has|"
          r"fell|falls?|dropped|drops?|declined|declines?|slid|slides?|sank|sinks?|tumbled|"
          r"lost|loses?|rose|rises?|gained|gains?|climbed|climbs?|jumped|slumped|plunged|"
          r"slipped|slips?|shed|sheds|gave up|gives up|(?:was|were|is|are) (?:down|up))")
# Between an actor and its count: "'s Hong Kong shares", ", the best known of the three,",
# ", which had", adverbs, then a verb ("ran", "accounted for", "fell"), the elided
# "for" of a list ("Moonshot AI for 3.4 million") or "'s share of".
_SUBJECT_LINK = re.compile(
    r"^(?:['’]s?(?:\s+[A-Za-z][\w-]*){0,2}?)?(?:\s+(?:shares?|stock|share price))?"
    r"(?:-(?:linked|tied|backed|affiliated|controlled)\s+[a-z]+)?"
    r"(?:,[^,.;:\d]{1,60},|,\s+(?:which|who)(?:\s+(?:had|has|have))?"
    # "MiniMax was by far the heaviest user, running upwards of 13 million"
    r"|\s+(?:was|were|is|are)\s+[^,.;:\d\"“”]{1,50},)?"
    r"\s+(?:" + _ADVERB + r"\s+)*"
    r"(?:" + _VERBS + r"\b(?:\s+(?!(?:said|says|that|told|which|who)\b)(?:[^\s.;:,]|\.\d)+){0,6}"
    r"\s+|for\s+|"
    r"(?:share|total|tally|portion|fall|drop|decline|slide|rise|gain)\s+(?:\w+\s+)?of\s+"
    r"(?:\w+\s+)?|"
    # "DeepSeek's share was comparatively small at 150,000"
    r"(?:share|total|tally|portion|count|contribution)\s+(?:was|were|is|came to|stood at|"
    r"reached|amounted to|totall?ed|ran to)(?:\s+[a-z]+){0,3}?\s+(?:(?:at|to)\s+)?)$"
)
# "Moonshot AI more than 3.4 million" after "MiniMax generated 13 million, and": the verb
# of the first clause is left out of the second (gapping), so the actor is still its subject.
_GAPPED_LINK = re.compile(r"^ $")
_GAPPED_BEFORE = re.compile(r"(?:,|\band|\bwhile|\bwhereas)\s+$")
# "Alibaba's 4.9% slide": a possessor right before a move owns it.
_POSSESSIVE_LINK = re.compile(r"^['’]s\s+$")
_MOVE_AFTER = re.compile(r"^\s*(?:(?!and\b|or\b|but\b)[\w-]+\s+){0,2}?(?:drop|fall|decline|"
                         r"slide|loss|plunge|slump|rise|gain|jump|increase|climb|advance)s?\b",
                         re.I)
_PASSIVE_LINK = re.compile(r"^\s+(?:(?:were|was|are|is)\s+)?(?:came from|come from|attributed to|"
                           r"traced to|made by|run by|generated by|by|for)\s+")
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:to|with|from|against|than|of|by|on|like|including|as|at|into|about)\s+$", re.I)
_WITH_BEFORE = re.compile(r"\bwith\s+$", re.I)
# "with MiniMax accounting for 13 million": "with" opens a clause of its own here, unlike
# "exchanges with Claude using 25,000 accounts".
_PARTICIPLE = re.compile(r"^\s+(?:alone\s+|itself\s+)?(?:accounting for|responsible for|making up|"
                         r"contributing|generating|producing|running)\b")
_LIST_BEFORE = re.compile(r"(?:,\s*|,?\s+(?:and|or|as well as)\s+)(?:(?:its|their|the)\s+)?$")
_PREPOSITION_POSSESSOR = re.compile(
    r"\b(?:to|with|from|against|than|of|by|on|like|including|as|at|into|about)\s+[\w.-]+['’]s\s+$",
    re.I)
_POSSESSOR_BEFORE = re.compile(r"(?:['’]s\s+|\b(?:shares?|stock)\s+of\s+)$")


def _subject(text: str, start: int, end: int, sentences: Sequence[tuple[int, int]],
             actor_spans: Sequence[tuple[int, int, str]]) -> str:
    """The actor a count belongs to when that actor is the subject of the clause:
    "MiniMax accounted for more than 13 million", "Moonshot AI for 3.4 million",
    "13 million exchanges came from MiniMax", "Alibaba shares fell 4.9%". An actor
    after a preposition or in a list ("DeepSeek, Moonshot AI and MiniMax generated")
    is not one actor's figure, so the count stays unattributed."""
    index = _sentence_of(start, sentences)
    sentence_start = sentences[index][0] if index >= 0 else 0
    for link in (_PASSIVE_LINK, _MOVE_OF):
        after = link.match(text[end:end + 50])
        if after:
            for actor_start, _actor_end, slug in actor_spans:
                if actor_start == end + after.end():
                    return slug
    before = [span for span in actor_spans if sentence_start <= span[0] and span[1] <= start]
    if not before:
        return ""
    actor_start, actor_end, slug = max(before)
    between = text[actor_end:start]
    lead = text[max(sentence_start, actor_start - 16):actor_start]
    if _POSSESSIVE_LINK.match(between) and _MOVE_AFTER.match(text[end:end + 40]):
        return slug  # "Alibaba's 4.9% slide", even after a verb or preposition
    gapped = bool(_GAPPED_LINK.match(between) and _GAPPED_BEFORE.search(lead))
    if not gapped and not _SUBJECT_LINK.match(between):
        return ""
    if _POSSESSOR_BEFORE.search(lead):
        # "Alibaba's Qwen lab ran" yes; "accounts tied to China's Alibaba made" no
        wider = text[max(sentence_start, actor_start - 40):actor_start]
        return "" if _PREPOSITION_POSSESSOR.search(wider) else slug
    if _WITH_BEFORE.search(lead) and _PARTICIPLE.match(text[actor_end:start]):
        return slug  # "with MiniMax accounting for 13 million"
    if _PREPOSITION_BEFORE.search(lead):
        return ""
    listed = _LIST_BEFORE.search(text[sentence_start:actor_start])
    if listed and any(
        sentence_start + listed.start() - 3 <= other_end <= sentence_start + listed.start()
        for _s, other_end, _slug in actor_spans
    ):
        return ""  # "DeepSeek, Moonshot AI and MiniMax generated …": no one lab's figure
    return slug


# ", using nearly 25,000 accounts", ", generating about 28.8 million": a participle
# clause whose subject is left out, so it is the subject of the clause it hangs from.
_PARTICIPLE_CLAUSE = re.compile(
    r",\s+(?:" + _ADVERB + r"\s+)?(?:using|generating|running|making|sending|producing|"
    r"creating|opening|operating|logging|submitting|racking up|accounting for)"
    r"(?:\s+[^\s.;:,]+){0,3}?\s+$")
_CLAUSE_BREAK = re.compile(r"[;:]|\b(?:and that|but|while|whereas|although|though)\b")


def _participle_subject(text: str, start: int, sentences: Sequence[tuple[int, int]],
                        earlier: Sequence[Extraction]) -> str:
    """The subject a figure in a participle clause shares with the figure before it in
    the same clause: "Alibaba's Qwen lab ran 28.8 million exchanges over 45 days, using
    nearly 25,000 fake accounts" gives both figures to the Qwen lab."""
    if not earlier or not earlier[-1].subject:
        return ""
    previous = earlier[-1]
    if _sentence_of(previous.start, sentences) != _sentence_of(start, sentences):
        return ""
    between = text[previous.end:start]
    if _CLAUSE_BREAK.search(between) or not _PARTICIPLE_CLAUSE.search(between):
        return ""
    return previous.subject


def extract_durations(text: str, *, excluded: Sequence[tuple[int, int]]) -> list[Extraction]:
    """How long something lasted, in days (a week is 7, a month 30), with the stated unit."""
    results: list[Extraction] = []
    for match in _DURATION_RE.finditer(text):
        start, end = match.start(), match.end()
        if _inside(start, excluded):
            continue
        if _OFFSET_BEFORE.match(text[end:end + 8]) and not _LASTED.search(
                text[max(0, start - 30):start]):
            continue  # "two weeks before the hearing" is when, not how long
        if _OFFSET_AFTER.match(text[end:end + 8]) and not _LASTED_JUST_BEFORE.search(
                text[max(0, start - 40):start]):
            continue  # "two weeks after the letter" too, unless something lasted that long
        unit_word = (match["unit"] or match["hunit"]).lower().rstrip("s")
        days = _word_number(match["n"]) * DAYS_PER_UNIT[unit_word]
        qualifier, span_start = _qualifier(text, start)
        if match["hunit"]:
            article = _ARTICLE_BEFORE.search(text[max(0, start - 30):start])
            if article and article["q"]:
                qualifier = _QUALIFIER_OF.get(article["q"].lower(), "exact")
                span_start = start - len(text[max(0, start - 30):start]) + article.start("q")
        results.append(Extraction(
            kind="duration", value=days, text=text[span_start:end], start=span_start, end=end,
            unit=unit_word + "s", qualifier=qualifier,
        ))
    return results

