"""A letter as one reader may read it: letterhead, date, address blocks, salutation, the
body with its footnotes (``kb.briefings.rendering.body_view``, the same fact blocks as
briefings) and the signature. The letter page, its preview, the PDF and the Word
document all render this view, so they say the same thing.

A recipient above the reader's clearance is left out of the addresses and the
salutation (never named); a cited record above it gives the redaction marker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from incidents.figures import Figure, figure
from incidents.formatting import format_date
from incidents.models import Actor, Letter, LetterStatus
from incidents.presentation import FootnoteRegister
from incidents.selectors import accepted_claims_prefetch
from incidents.visibility import can_see
from kb.briefings.rendering import BodyView, body_view
from kb.letters.addressing import Addressee, addressees, salutation


@dataclass
class LetterView:
    letter: Letter
    sender: str  # the letterhead: the sender's name, if the reader may see it
    date: str  # "10 June 2026": sent date, else the letter's date, else today (a draft)
    date_notes: list[int]
    addressees: list[Addressee]
    salutation: str
    body: BodyView
    signer_name: str
    signer_title: str
    draft: bool  # not sent: the document says so

    @property
    def footnotes(self) -> list[Any]:
        return self.body.footnotes

    @property
    def text_lines(self) -> list[str]:
        """Every line of address, for tests and the combined document's headers."""
        return [line for a in self.addressees for line in a.lines]


def _recipients(letter: Letter) -> list[Actor]:
    if not letter.pk:
        return []
    return list(letter.recipients.all().order_by("name"))


def letter_date(letter: Letter, viewer: Any, notes: FootnoteRegister
                ) -> tuple[dt.date | None, list[int]]:
    """The date the letter bears: the day it was marked sent; for a letter found in the
    record, its date figure (the consensus of the claims ``viewer`` may see, footnoted);
    none for a draft."""
    if letter.sent_on:
        return letter.sent_on, []
    if not letter.pk:
        return None, []
    source = letter if hasattr(letter, "accepted_claims") else \
        Letter.objects.prefetch_related(accepted_claims_prefetch(viewer)).get(pk=letter.pk)
    shown: Figure = figure(source, "date")
    if shown.known and isinstance(shown.value, dt.date):
        return shown.value, notes.cite(shown)
    return None, []


def letter_view(*, letter: Letter, viewer: Any, recipient: Actor | None = None
                ) -> LetterView:
    """``letter`` as ``viewer`` may read it; addressed to ``recipient`` alone when given
    (one personalised document per recipient)."""
    notes = FootnoteRegister()
    when, date_notes = letter_date(letter, viewer, notes)
    people = addressees(_recipients(letter), viewer)
    if recipient is not None:
        # A member keeps the title their seat gives them on the letter's committee; a
        # committee addressed through its members gets its own address on its copy.
        people = [a for a in people if a.actor.pk == recipient.pk] or \
            addressees([recipient], viewer)
    sender = letter.sender if letter.sender_id else None
    body = body_view(document=letter, viewer=viewer, notes=notes)
    return LetterView(
        letter=letter,
        sender=sender.name if sender is not None and can_see(viewer, sender) else "",
        date=format_date(when) if when else format_date(timezone.localdate()),
        date_notes=date_notes,
        addressees=people,
        salutation=salutation(people),
        body=body,
        signer_name=letter.signer_name,
        signer_title=letter.signer_title,
        draft=letter.status != LetterStatus.SENT,
    )
