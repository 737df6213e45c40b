"""Letters as records: addressing from committee seats, drafting from an incident, the
workflow's status, sending (sent date, cited figures, timeline, ``wrote_to`` edges, the
fact-drift alert), read-only sent letters and corrections. Factories only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import (
    AlertStatus,
    Event,
    FactAlert,
    FigureCitation,
    Letter,
    LetterStatus,
    Relationship,
)
from incidents.services.claims import claim_upsert
from kb.letters.addressing import addressees, committee_recipients, salutation
from kb.letters.rendering import letter_view
from kb.letters.services import (
    letter_correct,
    letter_edit_check,
    letter_from_incident,
    letter_send,
    letter_status_follow,
)
from tests import factories as _factories

f: Any = _factories
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> Any:
    committee, (scott, warren, crapo) = f.committee_with_leaders(members=("Mike Crapo",))
    incident = f.IncidentFactory(title="The Alibaba case", summary="What happened.")
    campaign = f.CampaignFactory(incident=incident, name="Alibaba campaign")
    source = f.SourceFactory(title="A wire report")
    f.ClaimFactory(subject=campaign, field="exchanges", value=28_800_000, source=source,
                   quote="28.8 million exchanges")
    from incidents.services.claims import facts_refresh

    facts_refresh(subject=campaign)
    sender = f.ActorFactory(slug="anthropic", name="Anthropic", kind="ai_lab")
    user = f.UserFactory(clearance="RED", is_superuser=True)
    return {"committee": committee, "scott": scott, "warren": warren, "crapo": crapo,
            "incident": incident, "campaign": campaign, "sender": sender, "user": user,
            "source": source}


def _approved(letter: Letter) -> Letter:
    letter_status_follow(letter=letter, status=LetterStatus.IN_REVIEW)
    letter_status_follow(letter=letter, status=LetterStatus.APPROVED)
    letter.refresh_from_db()
    return letter


def test_titles_come_from_the_committee_seats(world):
    people = addressees([world["warren"], world["committee"], world["scott"]])
    assert salutation(people) == "Dear Chairman Scott and Ranking Member Warren:"
    assert people[0].lines == ("The Honorable Tim Scott", "Chairman",
                               "Committee on Banking, Housing, and Urban Affairs",
                               "United States Senate", "Washington, DC 20510")
    # Without the committee among the recipients, members are addressed by chamber.
    assert salutation(addressees([world["scott"]])) == "Dear Senator Scott:"
    # A committee alone is addressed to its members.
    assert salutation(addressees([world["committee"]])) == \
        "Dear Members of the Committee:"


def test_choosing_a_committee_offers_its_leaders_or_all_members(world):
    assert committee_recipients(world["committee"]) == [world["scott"], world["warren"]]
    assert set(committee_recipients(world["committee"], leaders_only=False)) == {
        world["scott"], world["warren"], world["crapo"]}


def test_a_recipient_above_the_readers_clearance_is_not_named(world):
    world["warren"].marking = "RED"
    world["warren"].save()
    green = f.UserFactory(clearance="GREEN")
    letter = f.LetterFactory(recipients=[world["committee"], world["scott"], world["warren"]])
    view = letter_view(letter=letter, viewer=green)
    assert view.salutation == "Dear Chairman Scott:"
    assert "Warren" not in " ".join(view.text_lines)


def test_a_draft_from_an_incident_cites_its_figures(world):
    letter = letter_from_incident(incident=world["incident"], user=world["user"],
                                  recipients=[world["committee"], world["scott"]])
    assert letter.status == LetterStatus.DRAFT and not letter.live
    assert list(letter.incidents.all()) == [world["incident"]]
    view = letter_view(letter=letter, viewer=world["user"])
    assert "28.8 million" in view.body.values
    assert [n.source.title for n in view.footnotes] == ["A wire report"]
    cited = FigureCitation.objects.filter(document_id=letter.pk, field="exchanges").get()
    assert cited.issued_at is None  # armed only when the letter is sent
    assert letter.revisions.count() == 1


def test_sending_makes_the_letter_a_record(world):
    letter = _approved(letter_from_incident(
        incident=world["incident"], user=world["user"], sender=world["sender"],
        recipients=[world["committee"], world["scott"], world["warren"]]))
    sent_on = timezone.localdate() - dt.timedelta(days=1)
    letter_send(letter=letter, user=world["user"], sent_on=sent_on)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT and letter.sent_on == sent_on
    # On the incident's timeline.
    event = Event.objects.get(origin_id=letter.pk, kind="letter")
    assert event.date == sent_on and list(event.incidents.all()) == [world["incident"]]
    # wrote_to edges to every recipient, committee included, sourced to the letter.
    edges = Relationship.objects.filter(kind="wrote_to", subject=world["sender"])
    assert {e.object_actor for e in edges} == {world["committee"], world["scott"],
                                               world["warren"]}
    assert all(e.sources.get().letter == letter for e in edges)
    # The cited figure is snapshotted; changing it raises an alert naming the letter.
    citation = FigureCitation.objects.get(document_id=letter.pk, field="exchanges")
    assert citation.issued_at is not None and citation.value == 28_800_000
    claim_upsert(subject=world["campaign"], field="exchanges", value=30_000_000,
                 source=f.SourceFactory(reliability="A"), credibility=1,
                 quote="30 million exchanges", status="accepted")
    alert = FactAlert.objects.get(citation=citation, status=AlertStatus.OPEN)
    assert alert.cited_value == 28_800_000 and alert.current_value != 28_800_000
    assert alert.citation.document == letter


def test_only_an_approved_letter_with_a_sender_is_sent(world):
    draft = f.LetterFactory(recipients=[world["scott"]], sender=world["sender"])
    with pytest.raises(ValidationError) as raised:
        letter_send(letter=draft, user=world["user"])
    assert "status" in raised.value.message_dict
    nobody = _approved(f.LetterFactory(recipients=[world["scott"]]))
    with pytest.raises(ValidationError) as raised:
        letter_send(letter=nobody, user=world["user"])
    assert "sender" in raised.value.message_dict
    future = _approved(f.LetterFactory(recipients=[world["scott"]], sender=world["sender"]))
    with pytest.raises(ValidationError) as raised:
        letter_send(letter=future, user=world["user"],
                    sent_on=timezone.localdate() + dt.timedelta(days=3))
    assert "sent_on" in raised.value.message_dict
    future.refresh_from_db()
    assert future.status == LetterStatus.APPROVED and future.sent_on is None
    assert not Relationship.objects.filter(kind="wrote_to").exists()


def test_a_sent_letter_is_read_only_and_corrected_by_a_new_one(world):
    letter = _approved(f.LetterFactory(recipients=[world["scott"]], sender=world["sender"],
                                       incidents=[world["incident"]]))
    letter_send(letter=letter, user=world["user"])
    with pytest.raises(ValidationError):
        letter_edit_check(letter=letter)
    letter_status_follow(letter=letter, status=LetterStatus.DRAFT)  # the workflow can't
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT
    correction = letter_correct(letter=letter, user=world["user"])
    assert correction.corrects == letter and correction.status == LetterStatus.DRAFT
    assert list(correction.recipients.all()) == [world["scott"]]
    assert correction.subject.startswith("Correction: ")
    with pytest.raises(ValidationError):
        letter_correct(letter=correction, user=world["user"])
