"""Find figures, dates, periods, durations, actors and quotes in an article's text.

Pure functions: no database, no network, so the same text always gives the same
extractions and the tests need no fixtures. Every extraction carries its exact offsets
(``text == source[start:end]``) so a reviewer can see it highlighted in the source.

The rules lean towards precision: an analyst reviews every pending claim, and a wrong
figure wastes more of their time than a missed one they can add by hand.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from incidents.ingest.dates import extract_dates
from incidents.ingest.numbers import extract_durations, extract_quantities
from incidents.ingest.types import ActorName, Extraction

# Words ending in a full stop that do not end a sentence.
_ABBREVIATIONS = {"Inc.", "Ltd.", "Corp.", "Co.", "Sen.", "Sens.", "Rep.", "Mr.", "Ms.", "Mrs.",
                  "Dr.", "St.", "U.S.", "U.K.", "No.", "vs.", "e.g.", "i.e.", "approx.",
                  "Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."}
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])|\n+")
_URL = re.compile(r"https?://\S+|www\.\S+|\]\([^)\s]*\)|\b[\w-]+\.(?:com|org|net|in|pk|xyz|cn|"
                  r"co\.jp|tv)/\S*")
_CITATION = re.compile(r"\[\s*\d+(?:\s*,\s*\d+)*\s*\]")
_QUOTE = re.compile(r"\"(?P<a>[^\"\n]+)\"|“(?P<b>[^”\n]+)”")
_SPEECH_VERB = (r"(?:said|says|wrote|writes|added|adds|stated|states|noted|notes|argued|argues|"
                r"warned|warns|told [A-Za-z ]{1,30}?|explained|insisted|claimed|continued|"
                r"according to|describ(?:ed|es|ing) [\w ]{1,40}? as|call(?:ed|s|ing) [\w ]{1,40}?)")
_SPEAKER_BEFORE = re.compile(r"(?P<who>[^.;\"“”]*?)\s+" + _SPEECH_VERB + r"\s*[,:]?\s*$")
_SPEAKER_AFTER = re.compile(
    r"^\s*[,.]?\s*(?:" + _SPEECH_VERB + r"\s+(?P<who1>[^.,;\"“]{2,60}?)\s*[.,;]"
    r"|(?P<who2>[^.,;\"“]{2,60}?)\s+" + _SPEECH_VERB + r"\b)"
)
# 'Warren said the figures exposed "a gap in the law"': a quoted fragment inside the
# clause a speech verb reports; the speaker is the verb's subject.
_REPORTED_CLAUSE = re.compile(
    r"(?P<who>[^.;\"“”]*?)\s+(?:said|says|wrote|writes|added|adds|stated|states|noted|notes|"
    r"argued|argues|warned|warns|insisted|claimed|told [A-Za-z ]{1,30}?)(?:\s+that)?"
    r"\s+(?:[^\"“”;.]|\.\d){1,120}$")
_ENDS_SENTENCE = re.compile(r"[.!?][\"”]$")
_PERSON = re.compile(r"\b[A-Z][a-z]+(?: (?:[A-Z]\. )?[A-Z][a-z]+(?:-[A-Za-z][a-z]+)?){1,2}\b")
_PRONOUNS = {"he", "she", "they", "it", "He", "She", "They", "It"}
# "…," the company said: who that is comes from the rest of the article.
_THE_COMPANY = {"the company", "The company", "the firm", "The firm", "the lab", "The lab",
                "the start-up", "the startup"}
_COMPANY_KINDS = {"ai_lab", "company", ""}
_CORPORATE = r"(?:Inc\.|Ltd\.|Corp\.|Co\.|LLC|PLC)"
# Words of one name are joined by single spaces: a line break ends a heading, not a name.
_CANDIDATE = re.compile(
    r"\b(?P<name>(?:[A-Z][\w&'-]* ){1,4}" + _CORPORATE
    + r"|(?:[A-Z][\w&'-]* ){1,3}(?:Group|Labs|AI|Technologies|Holdings)(?: " + _CORPORATE
    + r")?)(?![\w-])"
)
# Capitalised words that start a phrase but never a company's name.
_NOT_A_NAME = {
    "The", "A", "An", "In", "On", "For", "And", "But", "Its", "Their", "This", "That",
    "These", "Those", "Every", "Some", "Both", "Other", "Several", "Many", "Chinese",
    "American", "US", "U.S.", "Western", "European", "Asian", "Japanese", "Korean",
    "Indian", "Frontier", "Generative", "Open", "Responsible", "Agentic", "Leading",
    "Rival", "Global", "General", "Artificial", "Safe", "Big", "Major", "Top", "New",
    "China", "America", "When", "While", "After", "Before", "As", "If", "Why", "How",
    "What", "Which", "Who", "Anthropic", "Claude", "Senate", "Congress", "House", "Like",
}
_DEMONYMS = {"Chinese", "American", "Korean", "Japanese", "European", "Asian", "Indian",
             "Western", "Taiwanese", "British", "French", "German", "Israeli", "Russian"}
# A name word, not a title: "Chairman Scott and Ranking Member Warren" names two people.
_NAME_WORD = r"(?!(?:Ranking|Member|Chairman|Chairwoman|Chair|Senators?)\b)[A-Z][\w'-]+"
_SENATORS = re.compile(
    r"\b(?:Senators?|Sens?\.|Chairman|Chairwoman|Chair|Ranking Member)\s+(?P<names>"
    + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?"
    r"(?:(?:,\s+|,?\s+and\s+)" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?)*)"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence boundaries, good enough for news prose: a stop before a capital ends a
    sentence unless it ends an abbreviation ("Alibaba Group Holding Ltd. said")."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        word = text[max(0, match.start() - 12):match.end()].split()[-1:] or [""]
        if match.group().startswith(".") and word[0].rstrip("\"”’)]") in _ABBREVIATIONS:
            continue
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _excluded_spans(text: str) -> list[tuple[int, int]]:
    """Addresses and citation marks: their digits are never figures or dates."""
    return [m.span() for m in _URL.finditer(text)] + [m.span() for m in _CITATION.finditer(text)]


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _lexicon_pattern(actors: Sequence[ActorName]) -> re.Pattern[str] | None:
    names = sorted({a.name for a in actors if a.name.strip()}, key=len, reverse=True)
    if not names:
        return None
    # "Tom's Hardware" is as often written with a curly apostrophe.
    alternatives = "|".join(re.escape(name).replace("'", "['’]") for name in names)
    # Whole words, case-sensitive; "Alibaba's" matches "Alibaba", "Z.ai" needs no \b fix.
    return re.compile(r"(?<![\w.])(?:" + alternatives + r")(?![\w]|\.[a-z])")


def extract_actors(text: str, actors: Sequence[ActorName],
                   excluded: Sequence[tuple[int, int]] = ()) -> list[Extraction]:
    """Known actors by name or alias (the longest name wins), senators by surname after
    "Senator"/"Senators"/"Sen.", and unknown organisations as candidates."""
    by_name = {a.name.replace("’", "'"): a for a in actors}
    found: list[Extraction] = []
    pattern = _lexicon_pattern(actors)
    if pattern is not None:
        for match in pattern.finditer(text):
            if _overlaps(match.start(), match.end(), excluded):
                continue
            actor = by_name[match.group().replace("’", "'")]
            found.append(Extraction(kind="actor", value=actor.slug,
                                    text=match.group(), start=match.start(), end=match.end()))
    found.extend(_senators(text, actors, [(e.start, e.end) for e in found]))
    taken = [(e.start, e.end) for e in found]
    for match in _CANDIDATE.finditer(text):
        name_start, name = _candidate_name(match.start("name"), match["name"])
        if not name or _overlaps(name_start, name_start + len(name), taken + list(excluded)):
            continue
        found.append(Extraction(kind="actor", value=name, text=name, start=name_start,
                                end=name_start + len(name), unit="candidate"))
    return sorted(found, key=lambda e: e.start)


def _candidate_name(start: int, name: str) -> tuple[int, str]:
    """Drop leading words that cannot begin a name; keep it only if two words remain."""
    words = name.split(" ")
    while words and (words[0] in _NOT_A_NAME or _is_acronym_prefix(words[0])):
        start += len(words[0]) + 1
        words = words[1:]
    if len(words) < 2 or _DEMONYMS & set(words):  # "South Korean AI" is a sector
        return start, ""
    return start, " ".join(words)


def _is_acronym_prefix(word: str) -> bool:
    """"US-China AI", "EU AI": a place or bloc in front of a generic word."""
    if word in ("US", "EU", "UK", "UN"):
        return True
    parts = word.split("-")
    return len(parts) > 1 and any(part.isupper() and len(part) <= 3 for part in parts)


def _senators(text: str, actors: Sequence[ActorName],
              taken: Sequence[tuple[int, int]]) -> list[Extraction]:
    """"Senator Warren", "Sens. Scott and Warren": the surname alone names a legislator
    only right after the title, where it cannot be anyone else."""
    surnames: dict[str, str] = {}
    for actor in actors:
        if actor.kind == "legislator":
            parts = actor.name.split()
            if parts and not actor.name.startswith(("Senator ", "Sen. ")):
                surnames.setdefault(parts[-1], actor.slug)
    found: list[Extraction] = []
    for match in _SENATORS.finditer(text):
        names_start = match.start("names")
        for item in re.finditer(r"[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?", match["names"]):
            last = item.group().split()[-1]
            start = names_start + item.start() + item.group().rfind(last)
            end = start + len(last)
            if last in surnames and not _overlaps(start, end, taken):
                found.append(Extraction(kind="actor", value=surnames[last], text=last,
                                        start=start, end=end))
    return found


def extract_quotes(text: str, actor_found: Sequence[Extraction],
                   sentences: Sequence[tuple[int, int]],
                   kinds: dict[str, str] | None = None) -> list[Extraction]:
    """Quoted words (four or more) with the speaker when the sentence names one."""
    results: list[Extraction] = []
    last_speaker = ""
    for match in _QUOTE.finditer(text):
        words = match["a"] if match["a"] is not None else match["b"]
        if len(words.split()) < 4:
            continue
        speaker = _speaker(text, match.start(), match.end(), actor_found, sentences)
        if speaker in ("he", "she", "He", "She"):
            speaker = _antecedent(text, match.start(), actor_found, kinds) or _earlier_person(
                text, match.start(), actor_found)
        elif speaker in ("it", "It"):
            # '"…," it says' of a letter or report: its author, the story's organisation
            speaker = last_speaker or _main_organisation(match.start(), actor_found, kinds)
        elif speaker in _PRONOUNS:
            speaker = last_speaker
        elif speaker in _THE_COMPANY:
            speaker = _main_organisation(match.start(), actor_found, kinds)
        if speaker:
            last_speaker = speaker
        results.append(Extraction(kind="quote", value=words.strip(), text=match.group(),
                                  start=match.start(), end=match.end(), subject=speaker))
    return results


def _main_organisation(position: int, actor_found: Sequence[Extraction],
                       kinds: dict[str, str] | None) -> str:
    """"…," the company said: the company or lab the article names most often, ties
    going to one named before the quote, then to the first named: in news copy that is
    the story's protagonist."""
    counts: dict[str, int] = {}
    first_seen: dict[str, int] = {}
    for e in actor_found:
        slug = str(e.value)
        if e.unit == "candidate" or (kinds or {}).get(slug, "") not in _COMPANY_KINDS:
            continue
        counts[slug] = counts.get(slug, 0) + 1
        first_seen.setdefault(slug, e.start)
    if not counts:
        return ""
    return max(counts, key=lambda slug: (counts[slug], first_seen[slug] < position,
                                         -first_seen[slug]))


def _earlier_person(text: str, position: int, actor_found: Sequence[Extraction]) -> str:
    """"…," he said: failing a named speaker, the last person named before the quote."""
    window_start = max(0, position - 400)
    actors = [(e.start, e.end) for e in actor_found]
    people = [m.group() for m in _PERSON.finditer(text[window_start:position])
              if m.group().split()[0] not in _NOT_A_NAME
              and not _overlaps(window_start + m.start(), window_start + m.end(), actors)]
    return people[-1] if people else ""


_NAMED_SPEAKER = re.compile(
    r"(?P<who>[A-Z][a-z]+(?: [A-Z][a-z]+){1,2})(?:,[^.;\n]{0,60},)? "
    r"(?:said|says|told|added|wrote|warned|argued|noted)\b"
)


_PERSON_KINDS = {"legislator", "person"}


def _antecedent(text: str, position: int, actor_found: Sequence[Extraction],
                kinds: dict[str, str] | None) -> str:
    """"…," he said: the person named last before the quote, either as saying something
    ("Jane Roe said …") or as a person the KB knows ("Chairman Scott sounded cautious."),
    since a reader resolves the pronoun to the nearest person, not the nearest speaker."""
    window_start = max(0, position - 600)
    found: list[tuple[int, str]] = []
    for m in _NAMED_SPEAKER.finditer(text[window_start:position]):
        if m["who"].split()[0] not in _NOT_A_NAME:
            who_start, who_end = window_start + m.start("who"), window_start + m.end("who")
            found.append((who_start, _who(text, who_start, who_end, actor_found)))
    found += [(e.start, str(e.value)) for e in actor_found
              if window_start <= e.start and e.end <= position
              and (kinds or {}).get(str(e.value), "") in _PERSON_KINDS]
    found = [item for item in found if item[1]]
    return max(found)[1] if found else ""


# A name after one of these is an affiliation ("an analyst at X"), not the speaker.
_AFFILIATION_BEFORE = re.compile(
    r"\b(?:at|of|from|for|with|to|in|on|by|about|against|like|including|joined)\s+"
    r"(?:(?:the|a|an)\s+)?$", re.I)


def _mentions(text: str, start: int, end: int,
              actor_found: Sequence[Extraction]) -> list[tuple[int, int, str]]:
    """(start, end, speaker) of every actor and every person's name in the span."""
    inside = [(e.start, e.end, str(e.value)) for e in actor_found
              if start <= e.start and e.end <= end]
    taken = [(s, e) for s, e, _ in inside]
    people = [(start + m.start(), start + m.end(), m.group())
              for m in _PERSON.finditer(text[start:end])
              if m.group().split()[0] not in _NOT_A_NAME
              and not _overlaps(start + m.start(), start + m.end(), taken)]
    return sorted(inside + people)


def _head(text: str, start: int, mentions: Sequence[tuple[int, int, str]]) -> str:
    """The speaker among the names of a phrase: the last one that is not an affiliation
    ("Omar Haddad, a researcher at Tessel Labs" → Omar Haddad, "an Anthropic official"
    → Anthropic) and not a possessor ("Anthropic's letter" counts only when nothing else
    does); with no such name, as in "analysts at Corvane Research Group", the last name."""
    heads = [m for m in mentions if not _AFFILIATION_BEFORE.search(text[start:m[0]])]
    owners = [m for m in heads if text.startswith(("'s", "’s"), m[1])]
    plain = [m for m in heads if m not in owners]
    return (plain or heads or list(mentions))[-1][2]


def _who(text: str, start: int, end: int, actor_found: Sequence[Extraction]) -> str:
    """The actor or person ``text[start:end]`` names as the speaker (see ``_head``); a
    surname alone ("Warren said") is the actor or person named in full before it."""
    phrase = text[start:end].strip()
    if phrase in _PRONOUNS or phrase in _THE_COMPANY:
        return phrase
    mentions = _mentions(text, start, end, actor_found)
    if mentions:
        return _head(text, start, mentions)
    if re.fullmatch(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?", phrase):
        named = [str(e.value) for e in actor_found
                 if e.end <= start and e.text.split()[-1] == phrase and e.unit != "candidate"]
        if named:
            return named[-1]
        earlier = [m.group() for m in _PERSON.finditer(text[:start])
                   if m.group().split()[-1] == phrase]
        if earlier:
            return earlier[-1]
    return ""


def _speaker(text: str, start: int, end: int, actor_found: Sequence[Extraction],
             sentences: Sequence[tuple[int, int]]) -> str:
    sentence_start = next((s for s, e in sentences if s <= start < e), 0)
    before = text[sentence_start:start]
    if before.rstrip().endswith(":"):  # "Anthropic's letter put it bluntly: "…""
        who = _who(text, sentence_start, start, actor_found)
        if who:
            return who
    for pattern in (_SPEAKER_BEFORE, _REPORTED_CLAUSE):
        match = pattern.search(before)
        if match:
            who = _who(text, sentence_start + match.start("who"),
                       sentence_start + match.end("who"), actor_found)
            if who:
                return who
    if _ENDS_SENTENCE.search(text[start:end]):
        return ""  # '"… become law." The White House has said': a new sentence, not a tag
    after = _SPEAKER_AFTER.match(text[end:end + 100])
    if after:
        group = "who1" if after["who1"] else "who2"
        return _who(text, end + after.start(group), end + after.end(group), actor_found)
    return ""


def extract(text: str, actors: Sequence[ActorName], *,
            reference_date: dt.date | None = None) -> list[Extraction]:
    """Everything found in ``text``, sorted by start offset.

    Dates come first so their day numbers are not read as counts; quotes may contain
    figures and actors, which are reported as well.
    """
    sentences = sentence_spans(text)
    excluded = _excluded_spans(text)
    dates = extract_dates(text, sentences=sentences, excluded=excluded,
                          reference_date=reference_date)
    date_spans = [(e.start, e.end) for e in dates]
    durations = extract_durations(text, excluded=excluded + date_spans)
    actor_found = extract_actors(text, actors, excluded)
    known = [(e.start, e.end, str(e.value)) for e in actor_found if e.unit != "candidate"]
    quantities = extract_quantities(
        text, sentences=sentences,
        excluded=excluded + date_spans + [(e.start, e.end) for e in durations],
        actor_spans=known,
    )
    kinds = {a.slug: a.kind for a in actors}
    quotes = extract_quotes(text, actor_found, sentences, kinds)
    everything = dates + durations + quantities + actor_found + quotes
    return sorted(everything, key=lambda e: (e.start, e.end, e.kind))
