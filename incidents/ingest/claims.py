"""From extractions to pending claims: which record each figure or date is about.

An article says "Alibaba ran 28.8 million exchanges between April 22 and June 5, 2026";
the extractor finds a quantity, a period and an actor. Here they become pending claims
on the campaign those actors operated (``exchanges``, ``start_date``, ``end_date``), a
letter date on the letter whose recipients the sentence names, a share move on the
market event of the actor named, a disclosure date on the incident. Every claim keeps
the sentence it was read from and its offsets in the source's stored text, so a reviewer
sees the exact words. Nothing is accepted here: analysts decide in the review queue, and
the existing conflict and derived-statement checks compare the accepted ones.

Attribution is deliberately conservative: a figure whose record cannot be told (no
operator named in its sentence or the article, two campaigns equally likely) is skipped
with the reason, not guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from incidents.ingest.types import Extraction
from incidents.models import (
    Campaign,
    Claim,
    Event,
    EventKind,
    Incident,
    Letter,
    Source,
)
from incidents.services.claims import claim_upsert
from incidents.visibility import strictest

#: Units that count exchanges with the model (articles use all of these words).
EXCHANGE_UNITS = frozenset(
    {"exchanges", "queries", "interactions", "conversations", "prompts", "requests"}
)
ACCOUNT_UNITS = frozenset({"accounts"})
#: A duration's stated unit → the derived-statement field and days per unit.
DURATION_FIELDS = {
    "days": ("duration_days", 1),
    "weeks": ("duration_weeks", 7),
    "months": ("duration_months", 30),
}
#: "down 33% year to date": a share figure over a longer period than the event's day.
_OTHER_PERIOD = re.compile(
    r"\s*(?:\w+\s+){0,2}?(?:year[- ]to[- ]date|this year|so far|since\b|over the (?:past|last))",
    re.I)
#: Where a sentence ends: after . ! ? or a line break, before the next capital or quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“'A-Z0-9\[(])|\n+")


@dataclass
class ClaimsReport:
    """What ``pending_claims_create`` did with each extraction."""

    created: list[Claim] = field(default_factory=list)
    existing: list[Claim] = field(default_factory=list)
    skipped: list[tuple[Extraction, str]] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Claims created per field, for summaries."""
        return dict(Counter(claim.field for claim in self.created))


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences_of(text: str) -> list[Sentence]:
    """The text cut into sentences with their offsets (good enough for news prose)."""
    found: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.start() > start:
            found.append(Sentence(start, match.start(), text[start:match.start()]))
        start = match.end()
    if start < len(text):
        found.append(Sentence(start, len(text), text[start:]))
    return found


def _sentence_at(sentences: Sequence[Sentence], offset: int) -> Sentence | None:
    for sentence in sentences:
        if sentence.start <= offset < sentence.end:
            return sentence
    return None


class _Context:
    """The records an article can be about, and the actors it names where."""

    def __init__(self, *, text: str, extractions: Sequence[Extraction],
                 incident: Incident | None, viewer: Any) -> None:
        self.text = text
        self.sentences = sentences_of(text)
        self.actor_hits = [
            e for e in extractions if e.kind == "actor" and e.unit != "candidate"
        ]
        self.mentions = Counter(str(e.value) for e in self.actor_hits)
        campaigns = Campaign.objects.prefetch_related("operators").select_related(
            "incident", "parent__incident")
        letters = Letter.objects.prefetch_related("recipients", "incidents").select_related(
            "sender")
        incidents = Incident.objects.all()
        events = Event.objects.filter(kind=EventKind.MARKET_MOVE).prefetch_related(
            "actors", "incidents")
        if viewer is not None:
            # A writer never adds to what they cannot see.
            campaigns = campaigns.visible_to(viewer)
            letters = letters.visible_to(viewer)
            incidents = incidents.visible_to(viewer)
            events = events.visible_to(viewer)
        if incident is not None:
            campaigns = campaigns.filter(
                models.Q(incident=incident) | models.Q(parent__incident=incident))
            letters = letters.filter(incidents=incident)
            events = events.filter(incidents=incident)
        self.incident = incident
        self.campaigns = list(campaigns)
        self.operators = {c.pk: {a.slug for a in c.operators.all()} for c in self.campaigns}
        self.letters = list(letters)
        self.events = list(events)
        self.incidents = {i.pk: i for i in incidents}

    def actors_near(self, extraction: Extraction) -> set[str]:
        """Slugs of the actors named in the extraction's sentence."""
        sentence = _sentence_at(self.sentences, extraction.start)
        if sentence is None:
            return set()
        return {str(e.value) for e in self.actor_hits
                if sentence.start <= e.start < sentence.end}

    def sentence_span(self, extraction: Extraction) -> tuple[str, tuple[int, int]]:
        """The sentence the extraction was read from, trimmed, with its offsets."""
        sentence = _sentence_at(self.sentences, extraction.start)
        if sentence is None:
            return extraction.text, (extraction.start, extraction.end)
        start, end = sentence.start, max(sentence.end, extraction.end)
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return self.text[start:end], (start, end)

    # --- which record --------------------------------------------------------------------

    def campaign_for(self, extraction: Extraction) -> Campaign | str:
        """The campaign a figure is about, or why it cannot be told.

        In order: the actor the extractor attributed the figure to; else the operator
        named nearest before the figure in its sentence, read together with the other
        operators that sentence names ("DeepSeek, Moonshot AI and MiniMax collectively
        …" is the cluster); else the campaign the article is mostly about. An operator
        named only after the figure is not enough: "28.8 million exchanges, more than the
        February cluster (DeepSeek, …)" compares with them; the extractor attributes
        "came from MiniMax" itself."""
        if not self.campaigns:
            return "no campaign to attach it to"
        operators = self._all_operators()
        if extraction.subject:
            return self._best({extraction.subject}, anchor=extraction.subject)
        near = [e for e in self._actors_in_sentence(extraction) if str(e.value) in operators]
        before = [e for e in near if e.end <= extraction.start]
        if before:
            return self._best({str(e.value) for e in near}, anchor=str(before[-1].value))
        return self._document_campaign()

    def _actors_in_sentence(self, extraction: Extraction) -> list[Extraction]:
        sentence = _sentence_at(self.sentences, extraction.start)
        if sentence is None:
            return []
        return [e for e in self.actor_hits if sentence.start <= e.start < sentence.end]

    def _all_operators(self) -> set[str]:
        return set().union(*self.operators.values()) if self.operators else set()

    def _best(self, named: set[str], *, anchor: str) -> Campaign | str:
        """Among the campaigns ``anchor`` operates, the one whose operators best match
        ``named``: most of them, then fewest others (MiniMax's own campaign rather than
        the cluster it is part of, unless the sentence names the whole cluster)."""
        fitting = [c for c in self.campaigns if anchor in self.operators[c.pk]]
        if not fitting:
            return "the actor named operates no known campaign"

        def score(campaign: Campaign) -> tuple[int, int]:
            operators = self.operators[campaign.pk]
            return len(operators & named), -len(operators - named)

        ranked = sorted(fitting, key=score, reverse=True)
        if len(ranked) > 1 and score(ranked[1]) == score(ranked[0]):
            return "two campaigns fit equally well"
        return ranked[0]

    def _document_campaign(self) -> Campaign | str:
        """The campaign whose operator the article names most often (first named, on a
        tie: news leads with its subject), for figures whose sentence names nobody."""
        operators = self._all_operators()
        named = [e for e in self.actor_hits if str(e.value) in operators]
        if not named:
            if len(self.campaigns) == 1:
                return self.campaigns[0]
            return "no operator named near the figure or in the article"
        first: dict[str, int] = {}
        for hit in named:
            first.setdefault(str(hit.value), hit.start)
        lead = max(first, key=lambda slug: (self.mentions[slug], -first[slug]))
        return self._best({lead}, anchor=lead)

    def letter_for(self, extraction: Extraction) -> Letter | str:
        """The letter a date is about: the one whose recipients or sender the sentence
        (or, failing that, the article) names most."""
        if not self.letters:
            return "no letter to attach it to"
        near = self.actors_near(extraction) or set(self.mentions)

        def score(letter: Letter) -> int:
            names = {a.slug for a in letter.recipients.all()}
            if letter.sender is not None:
                names.add(letter.sender.slug)
            return len(names & near)

        ranked = sorted(self.letters, key=score, reverse=True)
        if score(ranked[0]) == 0:
            return "no letter's sender or recipients are named"
        if len(ranked) > 1 and score(ranked[1]) == score(ranked[0]):
            return "two letters fit equally well"
        return ranked[0]

    def event_for(self, extraction: Extraction) -> Event | str:
        """The market move a share figure is about: the one of the actor the figure is
        attributed to, or named in its sentence (never just somewhere in the article:
        "other firms' shares fell 3%" is not Alibaba's move)."""
        near = {extraction.subject} if extraction.subject else self.actors_near(extraction)
        fitting = [e for e in self.events if {a.slug for a in e.actors.all()} & near]
        if not fitting:
            return "no market event of the actors named"
        if len(fitting) > 1:
            return "several market events fit"
        return fitting[0]

    def incident_for(self, extraction: Extraction) -> Incident | str:
        if self.incident is not None:
            return self.incident
        campaign = self.campaign_for(extraction)
        if isinstance(campaign, str):
            return campaign
        found = campaign.incident or (campaign.parent.incident if campaign.parent else None)
        return found if found is not None else "the campaign has no incident"


def _precision(iso: str) -> str:
    return {10: "day", 7: "month", 4: "year"}.get(len(iso), "day")


def _claims_for(extraction: Extraction, ctx: _Context) -> list[tuple[models.Model, str, Any,
                                                                      str, str]] | str:
    """``(subject, field, value, qualifier, precision)`` for each claim an extraction
    makes, or why it makes none."""
    kind, about = extraction.kind, extraction.context.get("about", "")
    qualifier = extraction.qualifier or "exact"
    if kind == "quantity":
        if extraction.unit == "percent":
            if about != "market":
                return "a percentage that is not a share move"
            if _OTHER_PERIOD.match(ctx.text, extraction.end):
                return "a change over another period than the day's move"
            event = ctx.event_for(extraction)
            if isinstance(event, str):
                return event
            return [(event, "value", extraction.value, "exact", "")]
        if extraction.unit in EXCHANGE_UNITS or extraction.unit in ACCOUNT_UNITS:
            campaign = ctx.campaign_for(extraction)
            if isinstance(campaign, str):
                return campaign
            name = "accounts" if extraction.unit in ACCOUNT_UNITS else "exchanges"
            return [(campaign, name, int(round(extraction.value)), qualifier, "")]
        return f"no claim field counts {extraction.unit or 'this'}"
    if kind == "period":
        campaign = ctx.campaign_for(extraction)
        if isinstance(campaign, str):
            return campaign
        start, end = extraction.value["start"], extraction.value["end"]
        return [(campaign, "start_date", _full(start), "exact", _precision(start)),
                (campaign, "end_date", _full(end), "exact", _precision(end))]
    if kind == "duration":
        if extraction.unit not in DURATION_FIELDS:
            return f"no claim field for a duration in {extraction.unit or 'these units'}"
        campaign = ctx.campaign_for(extraction)
        if isinstance(campaign, str):
            return campaign
        name, per_unit = DURATION_FIELDS[extraction.unit]
        value = round(float(extraction.value) / per_unit, 2)
        return [(campaign, name, int(value) if value == int(value) else value, qualifier, "")]
    if kind == "date":
        iso = str(extraction.value)
        if about == "letter":
            letter = ctx.letter_for(extraction)
            return letter if isinstance(letter, str) else [
                (letter, "date", _full(iso), "exact", _precision(iso))]
        if about == "disclosure":
            incident = ctx.incident_for(extraction)
            return incident if isinstance(incident, str) else [
                (incident, "disclosed_on", _full(iso), "exact", _precision(iso))]
        if about == "market":
            event = ctx.event_for(extraction)
            return event if isinstance(event, str) else [
                (event, "date", _full(iso), "exact", _precision(iso))]
        return "a date not tied to a letter, a disclosure or a market move"
    if kind == "quote":
        return "quotes are kept on the coverage record"
    if kind == "actor":
        return "actors say what the article is about; they are not claims"
    return f"nothing to do with a {kind}"


def _full(iso: str) -> str:
    """A month or year as the first day of it: a date claim's value is a full ISO date,
    its precision says how much of it was stated."""
    if len(iso) == 7:
        return f"{iso}-01"
    if len(iso) == 4:
        return f"{iso}-01-01"
    return iso


@transaction.atomic
def pending_claims_create(*, source: Source, text: str, extractions: Sequence[Extraction],
                          incident: Incident | None = None, viewer: Any = None
                          ) -> ClaimsReport:
    """Create a pending claim for each figure and date whose record can be told.

    Idempotent: claims are upserted on their fingerprint (subject, field, source, value,
    qualifier), so running it twice on the same source creates nothing the second time.
    With ``viewer``, only records that viewer may see are considered. A claim is as
    restricted as the strictest of its source and its subject.
    """
    ctx = _Context(text=text, extractions=extractions, incident=incident, viewer=viewer)
    report = ClaimsReport()
    about: dict[int, Incident] = {}
    for extraction in extractions:
        made = _claims_for(extraction, ctx)
        if isinstance(made, str):
            report.skipped.append((extraction, made))
            continue
        quote, span = ctx.sentence_span(extraction)
        for subject, name, value, qualifier, precision in made:
            claim, created = claim_upsert(
                subject=subject, field=name, value=value, source=source,
                qualifier=qualifier, precision=precision, quote=quote, quote_span=span,
                marking=strictest(source.marking, getattr(subject, "marking", "CLEAR")),
            )
            (report.created if created else report.existing).append(claim)
            for found in _incidents_of(subject, ctx):
                about[found.pk] = found
    if incident is not None:
        about.setdefault(incident.pk, incident)
    report.incidents = list(about.values())
    return report


def _incidents_of(subject: models.Model, ctx: _Context) -> Iterable[Incident]:
    """The (visible) incidents a record belongs to."""
    ids: list[int] = []
    if isinstance(subject, Incident):
        ids = [subject.pk]
    elif isinstance(subject, Campaign):
        owner = subject.incident_id or (subject.parent.incident_id if subject.parent else None)
        ids = [owner] if owner else []
    elif isinstance(subject, Letter | Event):
        ids = [i.pk for i in subject.incidents.all()]
    return [ctx.incidents[i] for i in ids if i in ctx.incidents]
