import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import Actor, ActorKind, Campaign, Claim, Coverage, Event, Letter
from incidents.services.reference import (
    ReferenceDataError,
    reference_data_load,
    table_row_counts,
)

pytestmark = pytest.mark.django_db


def test_loading_twice_changes_no_row_count(reference_data, django_capture_on_commit_callbacks):
    before = table_row_counts()
    assert before["incidents.Claim"] > 0
    with django_capture_on_commit_callbacks(execute=True):
        second = reference_data_load()
    assert dict(second) == {}
    assert table_row_counts() == before


def test_command_reports_nothing_changed_the_second_time(capsys):
    call_command("load_reference_data")
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "nothing changed" in out


def test_reference_actors_and_outlets(reference_data):
    outlets = Actor.objects.filter(kind=ActorKind.MEDIA_OUTLET)
    assert outlets.count() == 17
    assert set(outlets.values_list("region", flat=True)) >= {"North America", "East Asia"}
    assert len(set(outlets.values_list("country", flat=True))) == 8
    assert Actor.objects.get(slug="qwen-lab").parent.slug == "alibaba"
    assert Actor.objects.get(slug="tim-scott").external_ids["bioguide"] == "S001184"
    assert Coverage.objects.count() == 17


def test_alibaba_figures_come_from_claims(reference_data):
    campaign = Campaign.objects.get(slug="alibaba-qwen")
    assert campaign.exchanges == 28_800_000
    assert (campaign.accounts, campaign.accounts_qualifier) == (25_000, "about")
    assert campaign.start_date == dt.date(2026, 4, 22)
    assert campaign.end_date == dt.date(2026, 6, 5)
    assert campaign.claims.filter(field="exchanges", status="accepted").count() >= 2


def test_cluster_and_children(reference_data):
    cluster = Campaign.objects.get(slug="february-2026-cluster")
    assert (cluster.exchanges, cluster.accounts) == (16_000_000, 24_000)
    children = dict(cluster.children.values_list("slug", "exchanges"))
    assert children == {
        "deepseek-feb-2026": 150_000,
        "moonshot-feb-2026": 3_400_000,
        "minimax-feb-2026": 13_000_000,
    }


def test_letter_date_and_its_conflicting_claim_are_both_kept(reference_data):
    letter = Letter.objects.get(slug="anthropic-to-senate-banking-2026-06-10")
    assert letter.date == dt.date(2026, 6, 10)
    dates = set(Claim.objects.filter(letter=letter, field="date").values_list("value", flat=True))
    assert dates == {"2026-06-10", "2025-06-10"}
    assert set(letter.recipients.values_list("slug", flat=True)) == {
        "tim-scott", "elizabeth-warren", "senate-banking-committee"}


def test_timeline_events(reference_data):
    kinds = {(e.kind, e.date) for e in Event.objects.filter(incidents__slug="alibaba-qwen-2026")}
    assert ("campaign_start", dt.date(2026, 4, 22)) in kinds
    assert ("campaign_end", dt.date(2026, 6, 5)) in kinds
    assert ("letter", dt.date(2026, 6, 10)) in kinds
    assert ("disclosure", dt.date(2026, 6, 24)) in kinds
    assert ("market_move", dt.date(2026, 6, 25)) in kinds
    assert ("regulatory_action", dt.date(2026, 6, 1)) in kinds
    fall = Event.objects.get(slug="alibaba-shares-fall-2026-06-25")
    assert float(fall.value) == -4.9 and fall.unit == "%"
    assert Event.objects.filter(slug="feb-2026-disclosure", date=dt.date(2026, 2, 23)).exists()


def test_malformed_file_stores_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "actors:\n  - {slug: x, name: X, kind: company}\n"
        "campaigns:\n  - {slug: c, name: C, operators: [nobody]}\n"
    )
    with pytest.raises(ReferenceDataError, match="unknown actor 'nobody'"):
        reference_data_load(path=bad)
    assert not Actor.objects.filter(slug="x").exists()


def test_command_bad_file_exits_with_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n")
    with pytest.raises(CommandError, match="expected a mapping"):
        call_command("load_reference_data", "--file", str(bad))


def test_the_derived_timeline_names_every_outlet_and_links_each_origin(reference_data):
    """All reference data is TLP:CLEAR, so the visibility rules of derived events leave
    the timeline as it was: every outlet named, every origin's incidents and actors
    linked, one event per origin and role."""
    from django.contrib.contenttypes.models import ContentType

    coverage_type = ContentType.objects.get_for_model(Coverage)
    for item in Coverage.objects.select_related("outlet").filter(published_on__isnull=False):
        event = Event.objects.get(origin_type=coverage_type, origin_id=item.pk)
        assert event.title == f"{item.outlet.name}: {item.title}"[:300]
        assert event.marking == item.marking
        assert set(event.incidents.all()) == set(item.incidents.all())
        assert list(event.actors.all()) == [item.outlet]
    campaign_type = ContentType.objects.get_for_model(Campaign)
    for campaign in Campaign.objects.all():
        events = Event.objects.filter(origin_type=campaign_type, origin_id=campaign.pk)
        assert events.count() == bool(campaign.start_date) + bool(campaign.end_date)
        for event in events:
            assert set(event.actors.all()) == set(campaign.operators.all())
            assert event.incidents.exists() == bool(campaign.incident_id or campaign.parent_id)
    letter = Letter.objects.get(slug="anthropic-to-senate-banking-2026-06-10")
    event = Event.objects.get(kind="letter")
    assert set(event.actors.all()) == {letter.sender, *letter.recipients.all()}


@pytest.mark.parametrize(("subject", "message"), [
    ("colour:x", "unknown type (one of campaign, incident, letter, event, accountcluster, "
                 "exchangevolume)"),
    ("accountcluster:x", "accountcluster has no slug to name it by"),
])
def test_claims_about_unknown_subject_types_are_refused(tmp_path, subject, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "sources:\n  - {key: s, title: S}\n"
        f"claims:\n  - {{subject: '{subject}', field: count, value: 1, source: s}}\n"
    )
    with pytest.raises(ReferenceDataError) as raised:
        reference_data_load(path=bad)
    assert message in str(raised.value)


def test_a_hostile_value_in_the_file_is_refused_with_the_models_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "actors:\n  - {slug: x, name: X, kind: company, external_ids: [1, 2]}\n"
    )
    with pytest.raises(ReferenceDataError, match="external_ids.*Expected an object"):
        reference_data_load(path=bad)
    assert not Actor.objects.filter(slug="x").exists()
