"""Writes of letters: drafting from an incident, following the review workflow, sending
and correcting. Each is one transaction; bad input raises ``ValidationError`` naming the
field, and nothing is stored then.

Sending is what makes a letter a record: the sent date, a snapshot of every figure its
fact blocks cite (``citations_issue``, which arms the fact-drift alert), the letter on
its incidents' timelines (the derived event, ``record_saved``) and a sourced ``wrote_to``
edge from the sender to every recipient, committees included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.log_actions import log

from incidents.models import (
    Actor,
    FigureCitation,
    Incident,
    Letter,
    LetterStatus,
    Relationship,
    RelationshipKind,
    Source,
    SourceKind,
)
from incidents.services.citations import citation_add, citations_issue
from incidents.services.records import record_saved
from incidents.visibility import can_see, strictest
from kb.briefings.rendering import fact_citations

SENT_READ_ONLY = "A sent letter is read-only: correct it with a new letter."
SEND_LOG_ACTION = "letters.send"
CORRECT_LOG_ACTION = "letters.correct"


def _real_user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def letter_edit_check(*, letter: Letter) -> None:
    """Refuse any change to a sent letter (the admin, the API and services call it)."""
    if letter.pk and Letter.objects.filter(pk=letter.pk, status=LetterStatus.SENT).exists():
        raise ValidationError({"status": SENT_READ_ONLY})


@transaction.atomic
def letter_citations_sync(*, letter: Letter) -> int:
    """Make the letter's citations those of its fact blocks (added, or removed with
    their alerts). Not issued: that happens when it is sent. Returns how many."""
    wanted = fact_citations(letter)
    kept = [citation_add(document=letter, subject=subject, field=field)
            for subject, field in wanted]
    for citation, (subject, _field) in zip(kept, wanted, strict=True):
        marking = strictest(letter.marking, str(getattr(subject, "marking", letter.marking)))
        if citation.marking != marking:
            FigureCitation.objects.filter(pk=citation.pk).update(marking=marking)
    FigureCitation.objects.filter(
        document_type=ContentType.objects.get_for_model(Letter), document_id=letter.pk,
    ).exclude(pk__in=[c.pk for c in kept]).delete()
    return len(kept)


def _unique_slug(base: str) -> str:
    base = (slugify(base)[:100] or "letter").rstrip("-")
    slug, n = base, 2
    while Letter.objects.filter(slug=slug).exists():
        slug = f"{base[:95]}-{n}"
        n += 1
    return slug


def _paragraph(text: str) -> dict[str, Any]:
    from django.utils.html import escape

    return {"type": "paragraph", "value": f"<p>{escape(text)}</p>", "id": str(uuid.uuid4())}


def _fact(kind: str, pk: int, field: str, lead: str, trail: str) -> dict[str, Any]:
    return {"type": kind, "id": str(uuid.uuid4()),
            "value": {"record": pk, "figure": field, "lead": lead, "trail": trail}}


def incident_body(*, incident: Incident, viewer: Any) -> list[dict[str, Any]]:
    """A draft's body for ``incident`` as ``viewer`` may see it: its summary, the key
    figures of its visible campaigns as fact blocks, and its dated events as a timeline
    of fact blocks. Records above ``viewer``'s clearance are left out."""
    from incidents import selectors

    blocks: list[dict[str, Any]] = []
    if incident.summary:
        blocks.append(_paragraph(incident.summary))
    blocks.append(_fact("incident_fact", incident.pk, "disclosed_on",
                        "The incident was disclosed on", ""))
    campaigns = selectors.campaign_queryset(viewer).filter(incident=incident).order_by("pk")
    if campaigns:
        blocks.append({"type": "heading", "value": "Key figures", "id": str(uuid.uuid4())})
    for campaign in campaigns:
        blocks.append(_fact("campaign_fact", campaign.pk, "exchanges",
                            f"{campaign.name}: the campaign made", "exchanges with the model."))
        blocks.append(_fact("campaign_fact", campaign.pk, "accounts",
                            "It used", "fraudulent accounts."))
    events = list(selectors.visible(incident.events.all(), viewer)
                  .filter(date__isnull=False).order_by("date", "pk")[:12])
    if events:
        blocks.append({"type": "heading", "value": "Timeline", "id": str(uuid.uuid4())})
    for event in events:
        blocks.append(_fact("event_fact", event.pk, "date", f"{event.title}:", ""))
    return blocks


@transaction.atomic
def letter_from_incident(*, incident: Incident, user: Any, recipients: list[Actor] | None = None,
                         sender: Actor | None = None) -> Letter:
    """A new draft about ``incident``: subject, incident, recipients and a body
    prefilled with its summary, key figures and timeline (``incident_body``). Marked as
    the incident; ``user`` must be able to see the incident and every recipient."""
    if not can_see(user, incident):
        raise ValidationError({"incident": "No such incident."})
    for actor in recipients or []:
        if not can_see(user, actor):
            raise ValidationError({"recipients": "No such recipient."})
    letter = Letter(
        slug=_unique_slug(f"letter-{incident.slug}-{timezone.localdate():%Y-%m-%d}"),
        subject=f"{incident.title}"[:300], sender=sender, marking=incident.marking,
        status=LetterStatus.DRAFT, live=False,
        body=incident_body(incident=incident, viewer=user),  # type: ignore[misc]
    )
    letter.full_clean()
    letter.save()
    letter.incidents.set([incident])
    if recipients:
        letter.recipients.set(recipients)
    letter_citations_sync(letter=letter)
    letter.save_revision(user=_real_user(user), log_action=True)
    log(letter, "wagtail.create", user=_real_user(user))
    return letter


def letter_status_follow(*, letter: Letter, status: str) -> None:
    """Record the workflow's step as the letter's status (a sent letter stays sent)."""
    if letter.status == LetterStatus.SENT or letter.status == status:
        return
    Letter.objects.filter(pk=letter.pk).exclude(status=LetterStatus.SENT).update(
        status=status, updated_at=timezone.now())
    letter.status = status


def _letter_source(letter: Letter) -> Source:
    """The letter itself as a source (what the ``wrote_to`` edges and the timeline
    event cite): one row per letter, keyed on its slug."""
    key = f"letter-{letter.slug}"[:120]
    text = f"{letter.subject}\n{letter.sent_on or ''}"
    source, _ = Source.objects.get_or_create(key=key, defaults={
        "title": f"Letter: {letter.subject}"[:400], "kind": SourceKind.LETTER,
        "letter": letter, "publisher": letter.sender, "published_on": letter.sent_on,
        "reliability": "A", "marking": letter.marking,
        "sha256": hashlib.sha256(text.encode()).hexdigest(), "retrieved_at": timezone.now(),
    })
    return source


@transaction.atomic
def letter_send(*, letter: Letter, user: Any, sent_on: dt.date | None = None) -> Letter:
    """Mark an approved letter sent on ``sent_on`` (today by default).

    Stores the date; snapshots the figures it cites; puts it on its incidents'
    timelines; adds a ``wrote_to`` edge from the sender to each recipient, sourced to
    the letter; logs ``letters.send``. Refused (nothing changed) for a letter that is
    not approved, has no sender or no recipient, or is dated in the future."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.status == LetterStatus.SENT:
        raise ValidationError({"status": "This letter was already sent."})
    if letter.status != LetterStatus.APPROVED:
        raise ValidationError({"status": "Only an approved letter can be sent: submit it "
                                         "for review first."})
    sent_on = sent_on or timezone.localdate()
    if sent_on > timezone.localdate():
        raise ValidationError({"sent_on": "The sent date cannot be in the future."})
    if letter.sender is None:
        raise ValidationError({"sender": "Choose who sends the letter."})
    recipients = list(letter.recipients.all())
    if not recipients:
        raise ValidationError({"recipients": "Choose at least one recipient."})
    letter.status = LetterStatus.SENT
    letter.sent_on = sent_on
    letter.save(update_fields=["status", "sent_on", "updated_at"])
    letter_citations_sync(letter=letter)
    citations_issue(document=letter, reissue=True)
    source = _letter_source(letter)
    for recipient in recipients:
        edge, _ = Relationship.objects.get_or_create(
            kind=RelationshipKind.WROTE_TO, subject=letter.sender, object_actor=recipient,
            start_date=sent_on,
            defaults={"marking": strictest(letter.marking, letter.sender.marking,
                                           recipient.marking),
                      "description": f"Letter: {letter.subject}"[:2000]},
        )
        edge.sources.add(source)
    record_saved(instance=letter)
    log(letter, SEND_LOG_ACTION, user=_real_user(user),
        data={"sent_on": sent_on.isoformat(), "recipients": [r.pk for r in recipients]})
    return letter


@transaction.atomic
def letter_correct(*, letter: Letter, user: Any) -> Letter:
    """A new draft correcting the sent ``letter``: the same recipients, incidents, body
    and signer, its ``corrects`` naming the original. The original is unchanged."""
    if letter.status != LetterStatus.SENT:
        raise ValidationError({"status": "Only a sent letter is corrected; edit a draft."})
    correction = Letter(
        slug=_unique_slug(f"{letter.slug}-correction"),
        subject=f"Correction: {letter.subject}"[:300], sender=letter.sender,
        marking=letter.marking, status=LetterStatus.DRAFT, live=False,
        body=letter.body.raw_data,  # type: ignore[misc]
        signer_name=letter.signer_name, signer_title=letter.signer_title, corrects=letter,
    )
    correction.full_clean()
    correction.save()
    correction.recipients.set(letter.recipients.all())
    correction.incidents.set(letter.incidents.all())
    letter_citations_sync(letter=correction)
    correction.save_revision(user=_real_user(user), log_action=True)
    log(correction, CORRECT_LOG_ACTION, user=_real_user(user), data={"corrects": letter.pk})
    return correction
