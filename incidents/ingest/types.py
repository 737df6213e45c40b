"""What the ingest parts share: one extraction, found at exact offsets in a text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ExtractionKind = Literal["quantity", "date", "period", "duration", "actor", "quote"]
KINDS: tuple[ExtractionKind, ...] = ("quantity", "date", "period", "duration", "actor", "quote")


@dataclass(frozen=True)
class Extraction:
    """One thing found in a text; ``text == source[start:end]`` always holds.

    ``value`` by kind:
      * quantity: a number (28800000 for "28.8 million", 4.9 for "4.9%"; negative for a
        fall: "shares fell as much as 4.9%" is -4.9), ``unit`` names what is counted,
        plural and lower case ("exchanges", "accounts", "queries", "interactions",
        "conversations", "percent"); ``subject`` the actor slug it is attributed to
        when the text says so ("MiniMax accounted for more than 13 million");
      * date: ISO string with its precision ("2026-06-10", "2026-02", "2026");
      * period: ``{"start": iso, "end": iso}``;
      * duration: a number of days (six weeks is 42, three months 90, as stated);
        ``unit`` the stated unit ("days", "weeks", "months");
      * actor: the KB actor's slug, or for an unknown organisation its name with
        ``unit == "candidate"``;
      * quote: the quoted words without the quotation marks; ``subject`` the speaker's
        actor slug (or name) when the text states it.
    ``qualifier`` is one of exact, about, nearly, more_than, at_least, up_to
    (``incidents.models.base.Qualifier``) for quantities and durations, else "".
    ``context`` is free-form detail for mapping to claims, e.g. {"about": "letter"} for a
    date the text ties to a letter, {"about": "disclosure"}, {"about": "market"}.
    """

    kind: ExtractionKind
    value: Any
    text: str
    start: int
    end: int
    unit: str = ""
    qualifier: str = ""
    subject: str = ""
    context: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return data


@dataclass(frozen=True)
class ActorName:
    """A name or alias the extractor recognises for a KB actor."""

    slug: str
    name: str
    kind: str = ""  # the Actor's kind: ai_lab, company, legislator, committee, media_outlet …
