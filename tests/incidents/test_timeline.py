import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import Campaign, Event, Letter, LetterStatus
from incidents.services.records import record_update
from incidents.services.timeline import derived_events_refresh

pytestmark = pytest.mark.django_db


def test_editing_a_campaign_moves_its_derived_events(reference_data,
                                                     django_capture_on_commit_callbacks):
    campaign = Campaign.objects.get(slug="alibaba-qwen")
    with django_capture_on_commit_callbacks(execute=True):
        record_update(instance=campaign, data={"end_date": dt.date(2026, 6, 6)})
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


def test_a_draft_letter_is_not_on_the_timeline_until_sent(reference_data,
                                                           django_capture_on_commit_callbacks):
    letter = Letter.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        record_update(instance=letter, data={"status": LetterStatus.DRAFT})
    assert not Event.objects.filter(kind="letter").exists()
    with django_capture_on_commit_callbacks(execute=True):
        record_update(instance=letter, data={"status": LetterStatus.SENT})
    assert Event.objects.get(kind="letter").date == dt.date(2026, 6, 10)


def test_deleting_the_origin_removes_its_events(reference_data):
    campaign = Campaign.objects.get(slug="alibaba-qwen")
    campaign.delete()
    assert not Event.objects.filter(kind__in=["campaign_start", "campaign_end"],
                                    origin_id=campaign.pk).exists()


def test_ensure_admin_is_idempotent(settings, capsys):
    settings.KB_ADMIN_PASSWORD = "s3cret-pass"
    call_command("ensure_admin")
    call_command("ensure_admin")
    users = get_user_model().objects.filter(username="admin")
    assert users.count() == 1 and users.get().check_password("s3cret-pass")
    assert "already exists" in capsys.readouterr().out


def test_ensure_admin_without_password_fails(settings):
    settings.KB_ADMIN_PASSWORD = ""
    with pytest.raises(CommandError, match="KB_ADMIN_PASSWORD is not set"):
        call_command("ensure_admin")
