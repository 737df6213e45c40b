"""The Wagtail admin keeps the visibility and write rules for a lower-cleared editor.

A staff user with every snippet permission but the default TLP:GREEN clearance meets
TLP:RED records linked to GREEN ones. Through every admin surface (listings, filters,
inspect, edit, copy, delete, history, usage, revision comparison, site history, the
dashboard, choosers) no RED record is shown or named: a view about one answers 404, a
GREEN record names it "restricted". Markings stop at the clearance, Clearance rows are
for superusers only, figures are not typed, hidden links survive a save and a delete
that would reach a hidden record is refused. Small data made with the ORM and the
services, no reference data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from wagtail.models import ModelLogEntry

from incidents.models import (
    Account,
    AccountCluster,
    Actor,
    Campaign,
    Capability,
    Claim,
    Clearance,
    Coverage,
    Event,
    ExchangeVolume,
    Incident,
    Letter,
    Relationship,
    Source,
    Technique,
)
from incidents.services.records import record_create, record_delete
from incidents.visibility import RESTRICTED
from tests.incidents.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db

#: Every RED record's name; none may appear in what the GREEN editor is shown.
RED_NAMES = (
    "Crimson Handler", "Scarlet Affair", "Vermilion Op", "Ruby Reasoning", "Garnet accounts",
    "Maroon Dossier", "Carmine Letter", "Cerise Coverage", "Rust Event", "Ochre Deleted",
    "Blood Technique",
)


def assert_no_red(html: str, where: str = "") -> None:
    leaked = [name for name in RED_NAMES if name in html]
    assert not leaked, f"{where}: {leaked}"


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "pw")


@pytest.fixture
def green_staff(db):
    """Staff, every permission on every domain model and admin access; no Clearance row,
    so TLP:GREEN."""
    user = get_user_model().objects.create_user("green", "green@example.org", "pw",
                                                is_staff=True)
    incidents_types = ContentType.objects.filter(app_label="incidents")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__in=incidents_types),
        Permission.objects.get(codename="access_admin"),
    )
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def green_client(client, green_staff):
    client.force_login(green_staff)
    return client


@pytest.fixture
def world(superuser) -> dict[str, Any]:
    """GREEN records linked to RED ones, made (and logged) by a superuser."""

    def make(model: Any, **data: Any) -> Any:
        return record_create(model=model, user=superuser, data=data)

    w: dict[str, Any] = {}
    w["red_actor"] = make(Actor, slug="crimson", name="Crimson Handler", kind="person",
                          marking="RED")
    w["green_actor"] = make(Actor, slug="open-lab", name="Open Lab", kind="ai_lab",
                            marking="GREEN")
    w["red_incident"] = make(Incident, slug="scarlet", title="Scarlet Affair", marking="RED")
    w["green_incident"] = make(Incident, slug="public-case", title="Public Case",
                               marking="GREEN", target_provider=w["red_actor"])
    w["red_campaign"] = make(Campaign, slug="vermilion", name="Vermilion Op", marking="RED")
    w["red_capability"] = make(Capability, slug="ruby", name="Ruby Reasoning", marking="RED")
    w["green_capability"] = make(Capability, slug="tool-use", name="Tool use",
                                 marking="GREEN")
    w["red_technique"] = make(Technique, slug="blood", name="Blood Technique", marking="RED")
    w["green_campaign"] = make(
        Campaign, slug="daylight", name="Daylight Op", marking="GREEN",
        incident=w["red_incident"], parent=w["red_campaign"],
        operators=[w["green_actor"], w["red_actor"]],
        capabilities=[w["green_capability"], w["red_capability"]],
        techniques=[w["red_technique"]],
    )
    w["plain_campaign"] = make(Campaign, slug="plain", name="Plain Op", marking="GREEN")
    w["red_cluster"] = make(AccountCluster, campaign=w["green_campaign"],
                            label="Garnet accounts", marking="RED")
    w["red_source"] = make(Source, key="maroon", title="Maroon Dossier", marking="RED")
    w["green_source"] = make(Source, key="open-report", title="Open report", marking="GREEN",
                             publisher=w["red_actor"])
    w["red_letter"] = make(Letter, slug="carmine", subject="Carmine Letter", marking="RED")
    w["red_coverage"] = make(Coverage, url="https://example.org/cerise",
                             title="Cerise Coverage", marking="RED")
    w["green_coverage"] = make(Coverage, url="https://example.org/open", title="Open story",
                               marking="GREEN", outlet=w["red_actor"])
    w["red_relationship"] = make(Relationship, subject=w["green_actor"], kind="accused",
                                 object_actor=w["red_actor"], marking="GREEN")
    deleted = make(Actor, slug="ochre", name="Ochre Deleted", kind="person", marking="RED")
    record_delete(instance=deleted, user=superuser)
    return w


# --- What is shown ---------------------------------------------------------------------

LISTED = [Incident, Campaign, Actor, Letter, Coverage, Event, Source, Claim, Relationship,
          AccountCluster, Account, ExchangeVolume, Capability, Technique]


@pytest.mark.parametrize("model", LISTED, ids=lambda m: m.__name__)
def test_listings_show_no_red_row_or_name(green_client, world, model):
    response = green_client.get(admin_url(model, "list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_red(html, model.__name__)
    shown = list(response.context["object_list"])
    assert all(row.marking in {"CLEAR", "GREEN"} for row in shown)
    results = green_client.get(admin_url(model, "list_results"))
    assert results.status_code == 200
    assert_no_red(results.content.decode(), f"{model.__name__} results")


def test_listing_names_hidden_related_records_restricted(green_client, world):
    html = green_client.get(admin_url(Campaign, "list")).content.decode()
    assert "Daylight Op" in html
    assert RESTRICTED in html  # its incident and parent
    html = green_client.get(admin_url(Incident, "list")).content.decode()
    assert "Public Case" in html and RESTRICTED in html  # its target provider


def test_filters_offer_no_hidden_choice_and_a_hidden_id_is_like_an_unknown_one(
    green_client, world
):
    red = world["red_campaign"]
    by_hidden = green_client.get(admin_url(Campaign, "list"), {"parent": red.pk})
    by_unknown = green_client.get(admin_url(Campaign, "list"), {"parent": 999_999})
    assert by_hidden.status_code == by_unknown.status_code == 200
    assert_no_red(by_hidden.content.decode(), "filter by hidden parent")
    assert (list(by_hidden.context["object_list"])
            == list(by_unknown.context["object_list"]))
    for name, hidden in (("operators", world["red_actor"].pk),
                         ("capabilities", world["red_capability"].pk),
                         ("incident", world["red_incident"].pk)):
        response = green_client.get(admin_url(Campaign, "list"), {name: hidden})
        unknown = green_client.get(admin_url(Campaign, "list"), {name: 999_999})
        assert response.status_code == 200
        assert_no_red(response.content.decode(), name)
        assert (list(response.context["object_list"])
                == list(unknown.context["object_list"])), name
    # The filter drawer lists the visible related records only.
    html = green_client.get(admin_url(Campaign, "list")).content.decode()
    assert "Open Lab" in html and "Tool use" in html


RED_RECORDS = ["red_actor", "red_incident", "red_campaign", "red_capability",
               "red_technique", "red_cluster", "red_source", "red_letter", "red_coverage",
               "red_relationship"]


@pytest.mark.parametrize("key", RED_RECORDS)
def test_views_of_a_red_record_are_404(green_client, world, key):
    obj = world[key]
    model = type(obj)
    views = ["edit", "inspect", "delete", "history", "history_results", "usage"]
    if model.snippet_viewset.copy_view_enabled:
        views.append("copy")
    for view in views:
        response = green_client.get(admin_url(model, view, obj.pk))
        assert response.status_code == 404, (key, view)
        assert_no_red(response.content.decode(), f"{key} {view}")
    # Writes too: a forged edit or delete changes nothing.
    assert green_client.post(admin_url(model, "edit", obj.pk), {"marking": "CLEAR"}
                             ).status_code == 404
    assert green_client.post(admin_url(model, "delete", obj.pk)).status_code == 404
    assert model.objects.filter(pk=obj.pk, marking=obj.marking).exists()


def test_a_red_relationship_between_visible_actors_is_hidden(green_client, world, superuser):
    link = record_create(model=Relationship, user=superuser, data={
        "subject": world["green_actor"], "kind": "member_of",
        "object_actor": Actor.objects.create(slug="lab-b", name="Lab B", marking="GREEN"),
        "marking": "RED", "description": "Secret membership"})
    response = green_client.get(admin_url(Relationship, "list"))
    assert "Secret membership" not in response.content.decode()
    assert link not in list(response.context["object_list"])
    assert green_client.get(admin_url(Relationship, "inspect", link.pk)).status_code == 404


def test_edit_inspect_and_copy_of_a_green_record_name_no_red_record(green_client, world):
    campaign = world["green_campaign"]
    for view in ("edit", "inspect", "copy", "history", "usage"):
        response = green_client.get(admin_url(Campaign, view, campaign.pk))
        assert response.status_code == 200, view
        html = response.content.decode()
        assert_no_red(html, view)
        assert "Daylight Op" in html
    html = green_client.get(admin_url(Campaign, "edit", campaign.pk)).content.decode()
    assert RESTRICTED in html  # incident and parent
    html = green_client.get(admin_url(Campaign, "inspect", campaign.pk)).content.decode()
    assert RESTRICTED in html
    for key, model in (("green_source", Source), ("green_coverage", Coverage),
                       ("green_incident", Incident)):
        response = green_client.get(admin_url(model, "edit", world[key].pk))
        assert response.status_code == 200
        assert_no_red(response.content.decode(), key)
        assert RESTRICTED in response.content.decode()


def test_usage_and_delete_confirmation_count_no_hidden_user(green_client, world):
    # The RED campaign, cluster and the GREEN campaign use the green actor; only the
    # GREEN campaign may be named or counted.
    actor = world["green_actor"]
    response = green_client.get(admin_url(Actor, "usage", actor.pk))
    assert response.status_code == 200
    assert_no_red(response.content.decode(), "usage")
    rows = list(response.context["object_list"])
    assert all(getattr(r[0], "marking", "GREEN") != "RED" for r in rows)


def test_revision_comparison_names_a_hidden_related_record_restricted(
    green_client, world, superuser
):
    campaign = world["plain_campaign"]
    first = campaign.save_revision(user=superuser)
    campaign.parent = world["red_campaign"]
    campaign.incident = world["red_incident"]
    campaign.save()
    second = campaign.save_revision(user=superuser)
    url = reverse("wagtailsnippets_incidents_campaign:revisions_compare",
                  args=[campaign.pk, first.pk, second.pk])
    response = green_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_red(html, "compare")
    assert RESTRICTED in html
    # The superuser sees the names.
    green_client.force_login(superuser)
    assert "Vermilion Op" in green_client.get(url).content.decode()


def test_site_history_and_dashboard_name_no_red_record(green_client, world, superuser):
    response = green_client.get(reverse("wagtailadmin_reports:site_history"))
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_red(html, "site history")
    assert "Daylight Op" in html  # GREEN records' entries are there
    results = green_client.get(reverse("wagtailadmin_reports:site_history_results"),
                               {"label": "Crimson"})
    assert results.status_code == 200
    assert_no_red(results.content.decode(), "site history search")
    assert list(results.context["object_list"]) == []
    home = green_client.get(reverse("wagtailadmin_home"))
    assert home.status_code == 200
    assert_no_red(home.content.decode(), "dashboard")
    # A superuser sees every entry, a deleted record's included.
    green_client.force_login(superuser)
    html = green_client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "Crimson Handler" in html and "Ochre Deleted" in html


def test_choosers_offer_only_visible_records(green_client, world):
    for model, red_key in ((Actor, "red_actor"), (Campaign, "red_campaign"),
                           (Incident, "red_incident"), (Source, "red_source")):
        name = f"wagtailsnippetchoosers_incidents_{model._meta.model_name}"
        for view in ("choose", "choose_results"):
            response = green_client.get(reverse(f"{name}:{view}"))
            assert response.status_code == 200, (model, view)
            assert_no_red(response.content.decode(), f"{model.__name__} {view}")
        red = world[red_key]
        assert green_client.get(reverse(f"{name}:chosen", args=[red.pk])).status_code == 404
        multiple = green_client.get(reverse(f"{name}:chosen_multiple"), {"id": [red.pk]})
        assert_no_red(multiple.content.decode(), f"{model.__name__} chosen multiple")
    actors = green_client.get(reverse("wagtailsnippetchoosers_incidents_actor:choose"))
    assert "Open Lab" in actors.content.decode()


# --- Markings and clearances -----------------------------------------------------------


def test_marking_choices_stop_at_the_clearance(green_client, world):
    response = green_client.get(admin_url(Actor, "add"))
    field = response.context["form"]["marking"]
    offered = [value for value, _ in field.field.widget.choices]
    assert offered == ["CLEAR", "GREEN"]
    response = green_client.get(admin_url(Campaign, "edit", world["plain_campaign"].pk))
    html = response.content.decode()
    assert 'value="RED"' not in html and 'value="AMBER"' not in html


@pytest.mark.parametrize("marking", ["AMBER", "RED"])
def test_a_marking_above_the_clearance_is_a_form_error(green_client, world, marking):
    form = green_client.get(admin_url(Actor, "add")).context["form"]
    response = green_client.post(admin_url(Actor, "add"), form_data(
        form, name="Too high", slug="too-high", kind="person", marking=marking))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["marking"] == [
        f"Your clearance is GREEN; you cannot mark a record {marking}."]
    assert not Actor.objects.filter(slug="too-high").exists()
    # Raising a visible record on edit is refused the same way.
    campaign = world["plain_campaign"]
    form = green_client.get(admin_url(Campaign, "edit", campaign.pk)).context["form"]
    response = green_client.post(admin_url(Campaign, "edit", campaign.pk),
                                 form_data(form, marking=marking))
    assert response.status_code == 200
    assert "marking" in response.context["form"].errors
    campaign.refresh_from_db()
    assert campaign.marking == "GREEN"


def test_clearances_are_for_superusers_only(client, green_client, green_staff, superuser):
    own = Clearance.objects.create(user=green_staff, level="GREEN")
    other = Clearance.objects.create(
        user=get_user_model().objects.create_user("amber", "a@example.org"), level="AMBER")
    for url in (admin_url(Clearance, "list"), admin_url(Clearance, "add"),
                admin_url(Clearance, "edit", own.pk), admin_url(Clearance, "edit", other.pk),
                admin_url(Clearance, "inspect", own.pk),
                admin_url(Clearance, "history", own.pk),
                admin_url(Clearance, "delete", own.pk)):
        response = green_client.get(url)
        # Refused: 403/404, or Wagtail's "permission denied" redirect to the dashboard.
        assert response.status_code in {302, 403, 404}, url
        if response.status_code == 302:
            assert response["Location"] == reverse("wagtailadmin_home")
        assert "amber" not in response.content.decode()
    response = green_client.post(admin_url(Clearance, "edit", own.pk),
                                 {"user": green_staff.pk, "level": "RED"})
    assert response.status_code in {302, 403, 404}
    own.refresh_from_db()
    assert own.level == "GREEN"
    chooser = green_client.get(reverse("wagtailsnippetchoosers_incidents_clearance:choose"))
    assert "amber" not in chooser.content.decode()
    home = green_client.get(reverse("wagtailadmin_home")).content.decode()
    assert admin_url(Clearance, "list") not in home  # no menu item

    client.force_login(superuser)
    assert client.get(admin_url(Clearance, "list")).status_code == 200
    assert client.get(admin_url(Clearance, "edit", own.pk)).status_code == 200
    assert admin_url(Clearance, "list") in client.get(reverse("wagtailadmin_home")
                                                      ).content.decode()


# --- Writes ----------------------------------------------------------------------------


def test_a_forged_figure_post_changes_nothing(green_client, world):
    campaign = world["plain_campaign"]
    form = green_client.get(admin_url(Campaign, "edit", campaign.pk)).context["form"]
    assert "exchanges" not in form.fields
    data = form_data(form, description="Edited")
    data.update(exchanges="14000000", exchanges_qualifier="more_than",
                start_date="2026-01-01", accounts="99")
    response = green_client.post(admin_url(Campaign, "edit", campaign.pk), data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.description == "Edited"
    assert (campaign.exchanges, campaign.exchanges_qualifier, campaign.start_date,
            campaign.accounts) == (None, "exact", None, None)
    assert not Claim.objects.filter(object_id=campaign.pk).exists()


def test_saving_keeps_hidden_links(green_client, world):
    campaign = world["green_campaign"]
    form = green_client.get(admin_url(Campaign, "edit", campaign.pk)).context["form"]
    offered = [str(obj) for obj in form.fields["operators"].queryset]
    assert offered and "Crimson Handler" not in offered
    response = green_client.post(admin_url(Campaign, "edit", campaign.pk),
                                 form_data(form, description="Still linked"))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert set(campaign.operators.all()) == {world["green_actor"], world["red_actor"]}
    assert set(campaign.capabilities.all()) == {world["green_capability"],
                                                world["red_capability"]}
    assert set(campaign.techniques.all()) == {world["red_technique"]}
    assert (campaign.parent, campaign.incident) == (world["red_campaign"],
                                                    world["red_incident"])
    # Unticking the visible operator removes that link only.
    form = green_client.get(admin_url(Campaign, "edit", campaign.pk)).context["form"]
    green_client.post(admin_url(Campaign, "edit", campaign.pk), form_data(form, operators=[]))
    assert set(campaign.operators.all()) == {world["red_actor"]}


def test_a_hidden_record_cannot_be_chosen_by_a_forged_post(green_client, world):
    campaign = world["plain_campaign"]
    form = green_client.get(admin_url(Campaign, "edit", campaign.pk)).context["form"]
    response = green_client.post(admin_url(Campaign, "edit", campaign.pk), form_data(
        form, parent=str(world["red_campaign"].pk),
        operators=[str(world["red_actor"].pk)]))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "parent" in errors and "operators" in errors
    assert_no_red(response.content.decode(), "forged choice")
    campaign.refresh_from_db()
    assert campaign.parent is None and not campaign.operators.exists()


def test_a_delete_reaching_a_hidden_record_is_refused(green_client, world):
    campaign = world["green_campaign"]  # its RED account cluster would cascade
    confirm = green_client.get(admin_url(Campaign, "delete", campaign.pk))
    assert confirm.status_code == 200
    assert "you may not see" in confirm.content.decode()
    assert_no_red(confirm.content.decode(), "delete confirmation")
    response = green_client.post(admin_url(Campaign, "delete", campaign.pk), follow=True)
    assert "you may not see" in response.content.decode()
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    assert AccountCluster.objects.filter(pk=world["red_cluster"].pk).exists()
    assert not ModelLogEntry.objects.filter(
        action="wagtail.delete", object_id=str(campaign.pk),
        content_type=ContentType.objects.get_for_model(Campaign)).exists()

    bulk = reverse("wagtail_bulk_action", args=["incidents", "campaign", "delete"])
    response = green_client.post(
        f"{bulk}?id={campaign.pk}&id={world['plain_campaign'].pk}", follow=True)
    assert "you may not see" in response.content.decode()
    assert Campaign.objects.filter(pk__in=[campaign.pk, world["plain_campaign"].pk]).count() == 2


def test_bulk_delete_of_visible_records_deletes_and_logs(green_client, world, green_staff):
    plain = world["plain_campaign"]
    bulk = reverse("wagtail_bulk_action", args=["incidents", "campaign", "delete"])
    confirm = green_client.get(f"{bulk}?id={plain.pk}&id={world['red_campaign'].pk}")
    assert confirm.status_code == 200
    assert_no_red(confirm.content.decode(), "bulk confirmation")
    response = green_client.post(f"{bulk}?id={plain.pk}&id={world['red_campaign'].pk}")
    assert response.status_code == 302
    assert not Campaign.objects.filter(pk=plain.pk).exists()
    assert Campaign.objects.filter(pk=world["red_campaign"].pk).exists()
    entry = ModelLogEntry.objects.get(
        action="wagtail.delete", object_id=str(plain.pk),
        content_type=ContentType.objects.get_for_model(Campaign))
    assert entry.user == green_staff


def test_a_claim_about_a_hidden_subject_reads_like_an_unknown_one(green_client, world):
    form = green_client.get(admin_url(Claim, "add")).context["form"]
    assert "status" not in form.fields
    data = form_data(form, subject_type="campaign",
                     subject_campaign=str(world["red_campaign"].pk), field="campaign:exchanges",
                     value_count="5", source=str(world["green_source"].pk))
    response = green_client.post(admin_url(Claim, "add"), data)
    assert response.status_code == 200
    hidden = response.context["form"].errors["subject_campaign"]
    missing = green_client.post(admin_url(Claim, "add"), {**data, "subject_campaign": "999999"})
    assert hidden == missing.context["form"].errors["subject_campaign"]  # read the same
    assert "Select a valid choice" in hidden[0]
    assert_no_red(response.content.decode(), "claim form")
    offered = [str(s) for s in form.fields["source"].queryset]
    assert "Maroon Dossier" not in offered and "Open report" in offered


def test_a_figure_entered_on_create_is_an_accepted_claim(green_client, world, green_staff):
    form = green_client.get(admin_url(ExchangeVolume, "add")).context["form"]
    base = {"campaign": str(world["plain_campaign"].pk), "count": "640000",
            "qualifier": "about", "granularity": "total", "marking": "GREEN"}
    response = green_client.post(admin_url(ExchangeVolume, "add"), form_data(form, **base))
    assert response.status_code == 200
    assert "count__source" in response.context["form"].errors
    assert not ExchangeVolume.objects.exists()
    red_source = form_data(form, **base, count__source=str(world["red_source"].pk))
    response = green_client.post(admin_url(ExchangeVolume, "add"), red_source)
    assert response.status_code == 200 and "count__source" in response.context["form"].errors
    response = green_client.post(admin_url(ExchangeVolume, "add"), form_data(
        form, **base, count__source=str(world["green_source"].pk),
        count__quote="some 640,000 exchanges", count__note="Read from the report."))
    assert response.status_code == 302
    volume = ExchangeVolume.objects.get()
    claim = Claim.objects.get(object_id=volume.pk, field="count")
    assert (claim.status, claim.value, claim.qualifier, claim.reviewed_by) == (
        "accepted", 640000, "about", green_staff)
    assert claim.quote == "some 640,000 exchanges" and claim.note == "Read from the report."
    assert (volume.count, volume.qualifier) == (640000, "about")
    # On edit the figure is read-only, with its consensus and a link to its claims.
    html = green_client.get(admin_url(ExchangeVolume, "edit", volume.pk)).content.decode()
    assert 'name="count"' not in html and 'name="count__source"' not in html
    assert "Consensus of 1 accepted claim(s): about 640,000" in html
    assert f"object_id={volume.pk}" in html


def test_an_event_date_is_entered_with_its_source(green_client, world):
    form = green_client.get(admin_url(Event, "add")).context["form"]
    response = green_client.post(admin_url(Event, "add"), form_data(
        form, title="Shares fall", slug="shares-fall", kind="market_move",
        date="2026-07-03", precision="day", marking="GREEN",
        date__source=str(world["green_source"].pk), date__quote="on 3 July"))
    assert response.status_code == 302
    event = Event.objects.get(slug="shares-fall")
    assert event.date == dt.date(2026, 7, 3)
    assert Claim.objects.get(object_id=event.pk, field="date").value == "2026-07-03"


def test_a_pending_claim_naming_a_hidden_record_is_shown_redacted_and_fixed(
        green_client, world):
    # A GREEN, still pending operators claim whose value lists the RED actor's slug: the
    # GREEN editor may open it, but reads "restricted" in place of the slug and cannot
    # rewrite the value (they could not know what they would be removing).
    from incidents.services.claims import claim_upsert

    claim, _ = claim_upsert(subject=world["green_campaign"], field="operators",
                            value=["open-lab", "crimson"], source=world["green_source"],
                            marking="GREEN")
    for view in ("edit", "inspect"):
        response = green_client.get(admin_url(Claim, view, claim.pk))
        assert response.status_code == 200
        html = response.content.decode()
        assert "crimson" not in html, view
        assert RESTRICTED in html, view
    form = green_client.get(admin_url(Claim, "edit", claim.pk)).context["form"]
    assert "value" not in form.fields
