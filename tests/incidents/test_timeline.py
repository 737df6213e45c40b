"""Derived timeline events: refreshed by the services (no signal receivers), carrying
their origin's marking and never naming or linking a record more restricted than it."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from incidents.models import Campaign, Claim, ClaimStatus, Event, Letter, LetterStatus
from incidents.services.records import FigureInput, record_delete, record_update
from incidents.services.review import claims_review
from incidents.services.timeline import derived_events_follow, derived_events_refresh
from tests import factories as f

pytestmark = pytest.mark.django_db


def events_of(obj) -> list[Event]:
    return list(Event.objects.filter(origin_type=ContentType.objects.get_for_model(obj),
                                     origin_id=obj.pk).order_by("origin_role"))


def test_a_new_end_date_claim_moves_the_campaigns_derived_event(reference_data, admin_user):
    """The period is a figure: it moves through a claim (and review), never by typing."""
    campaign = Campaign.objects.get(slug="alibaba-qwen")
    old = list(Claim.objects.filter(content_type__model="campaign", object_id=campaign.pk,
                                    field="end_date", status=ClaimStatus.ACCEPTED)
               .values_list("pk", flat=True))
    assert old
    source = f.SourceFactory(reliability="A")
    record_update(instance=campaign, user=admin_user, data={}, figures={
        "end_date": FigureInput("2026-06-06", source, precision="day", quote="until 6 June"),
    })
    claims_review(claim_ids=old, status="rejected", user=admin_user,
                  expected_status=ClaimStatus.ACCEPTED)

    end = Event.objects.get(kind="campaign_end", incidents__slug="alibaba-qwen-2026")
    assert end.date == dt.date(2026, 6, 6)
    assert Event.objects.filter(kind="campaign_end", origin_id=campaign.pk).count() == 1


def test_derived_refresh_is_idempotent(reference_data):
    campaign = Campaign.objects.get(slug="alibaba-qwen")
    before = Event.objects.count()
    first = derived_events_refresh(obj=campaign)
    second = derived_events_refresh(obj=campaign)
    assert [e.pk for e in first] == [e.pk for e in second]
    assert Event.objects.count() == before


def test_a_draft_letter_is_not_on_the_timeline_until_sent(reference_data):
    letter = Letter.objects.get()
    record_update(instance=letter, data={"status": LetterStatus.DRAFT})
    assert not Event.objects.filter(kind="letter").exists()
    record_update(instance=letter, data={"status": LetterStatus.SENT})
    assert Event.objects.get(kind="letter").date == dt.date(2026, 6, 10)


def test_deleting_the_origin_removes_its_events(reference_data, admin_user):
    campaign = Campaign.objects.get(slug="alibaba-qwen")
    pk = campaign.pk
    assert Event.objects.filter(kind__in=["campaign_start", "campaign_end"],
                                origin_id=pk).count() == 2
    record_delete(instance=campaign, user=admin_user)
    assert not Event.objects.filter(kind__in=["campaign_start", "campaign_end"],
                                    origin_id=pk).exists()


# -- most restrictive wins ------------------------------------------------------------

def test_a_coverage_event_of_a_red_outlet_on_green_coverage_does_not_name_it():
    outlet = f.ActorFactory(name="Secret Wire", kind="media_outlet", marking="RED")
    public = f.ActorFactory(name="Open Post", kind="media_outlet", marking="CLEAR")
    incident = f.IncidentFactory(marking="RED")
    green = f.CoverageFactory(title="A story", outlet=outlet, marking="GREEN",
                              incidents=[incident])
    plain = f.CoverageFactory(title="Another", outlet=public, marking="GREEN")

    [event] = derived_events_refresh(obj=green)
    assert event.title == "Coverage: A story"
    assert "Secret Wire" not in event.title
    assert event.marking == "GREEN"
    assert list(event.actors.all()) == [] and list(event.incidents.all()) == []

    [other] = derived_events_refresh(obj=plain)
    assert other.title == "Open Post: Another"
    assert list(other.actors.all()) == [public]


def test_an_outlet_at_the_coverage_marking_is_named():
    outlet = f.ActorFactory(name="Amber Wire", kind="media_outlet", marking="AMBER")
    coverage = f.CoverageFactory(title="Story", outlet=outlet, marking="AMBER")
    [event] = derived_events_refresh(obj=coverage)
    assert (event.title, event.marking) == ("Amber Wire: Story", "AMBER")
    assert list(event.actors.all()) == [outlet]


def test_campaign_events_link_only_what_they_may_name():
    red_op, green_op = f.ActorFactory(marking="RED"), f.ActorFactory(marking="GREEN")
    red_incident = f.IncidentFactory(marking="RED")
    cluster_incident = f.IncidentFactory(marking="GREEN")
    red_parent = f.CampaignFactory(marking="RED", incident=cluster_incident)
    campaign = f.CampaignFactory(marking="GREEN", incident=red_incident, parent=red_parent,
                                 operators=[red_op, green_op])

    [start] = derived_events_refresh(obj=campaign)
    assert start.marking == "GREEN"
    assert list(start.actors.all()) == [green_op]
    # Neither the RED incident nor the incident reached through the RED parent.
    assert list(start.incidents.all()) == []

    open_parent = f.CampaignFactory(marking="GREEN", incident=cluster_incident)
    child = f.CampaignFactory(marking="GREEN", parent=open_parent)
    [child_start] = derived_events_refresh(obj=child)
    assert list(child_start.incidents.all()) == [cluster_incident]


def test_letter_events_leave_out_restricted_sender_and_recipients():
    sender, recipient = f.ActorFactory(marking="RED"), f.ActorFactory(marking="CLEAR")
    letter = f.LetterFactory(marking="GREEN", status="sent", sender=sender,
                             recipients=[recipient])
    [event] = derived_events_refresh(obj=letter)
    assert list(event.actors.all()) == [recipient]


def test_following_an_outlet_that_became_restricted_renames_its_events():
    outlet = f.ActorFactory(name="Soon Secret", kind="media_outlet", marking="CLEAR")
    coverage = f.CoverageFactory(title="Story", outlet=outlet, marking="CLEAR")
    [event] = derived_events_refresh(obj=coverage)
    assert event.title == "Soon Secret: Story"

    outlet.marking = "RED"
    outlet.save()
    assert derived_events_follow(obj=outlet) == 1
    [event] = events_of(coverage)
    assert event.title == "Coverage: Story"
    assert list(event.actors.all()) == []


def test_following_an_incident_reaches_the_campaigns_of_its_cluster():
    incident = f.IncidentFactory(marking="CLEAR")
    parent = f.CampaignFactory(marking="CLEAR", incident=incident)
    child = f.CampaignFactory(marking="CLEAR", parent=parent)
    derived_events_refresh(obj=parent)
    derived_events_refresh(obj=child)
    assert [list(e.incidents.all()) for e in events_of(child)] == [[incident]]

    incident.marking = "AMBER"
    incident.save()
    assert derived_events_follow(obj=incident) == 2
    assert [list(e.incidents.all()) for e in events_of(child)] == [[]]
    assert [list(e.incidents.all()) for e in events_of(parent)] == [[]]


def test_ensure_admin_is_idempotent(settings, capsys):
    settings.KB_ADMIN_PASSWORD = "s3cret-pass"
    call_command("ensure_admin")
    call_command("ensure_admin")
    users = get_user_model().objects.filter(username="admin")
    assert users.count() == 1 and users.get().check_password("s3cret-pass")
    assert "already exists" in capsys.readouterr().out


def test_ensure_admin_without_password_generates_one_and_prints_it_once(settings, capsys):
    settings.KB_ADMIN_PASSWORD = ""
    call_command("ensure_admin")
    out = capsys.readouterr().out
    password = out.split("with the password ", 1)[1].split()[0]
    assert get_user_model().objects.get(username="admin").check_password(password)
    call_command("ensure_admin")
    assert password not in capsys.readouterr().out
