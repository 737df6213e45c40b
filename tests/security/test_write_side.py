"""Writes never touch what the writer cannot see, markings stay within clearance, a
downgraded user's token reads at the new level at once, Clearance is for administrators,
and a figure changes only with the claim behind it (issue 8, "Done when" 2 and 3).

Each door is tried: the API (write-scoped tokens) and the Wagtail admin (a staff user
holding every domain permission, as the browser submits the forms).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django import forms
from django.urls import reverse
from rest_framework.test import APIClient

from incidents.models import (
    AccountCluster,
    Campaign,
    Capability,
    Claim,
    Clearance,
    ExchangeVolume,
)
from incidents.services.claims import facts_refresh
from incidents.services.records import FigureInput, record_update
from tests import factories as _factories
from tests.security.conftest import editors_group

f: Any = _factories  # factories return model rows; their stubs say otherwise

pytestmark = pytest.mark.django_db


# -- helpers -----------------------------------------------------------------------------------


def staff(level: str, name: str | None = None) -> Any:
    user = f.UserFactory(username=name or f"staff-{level.lower()}", is_staff=True,
                         clearance=level)
    user.groups.add(editors_group())
    return user


def api_as(user: Any, scope: str = "write") -> APIClient:
    _, raw = f.api_token(user=user, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def admin_url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"wagtailsnippets_incidents_{model._meta.model_name}:{view}", args=args)


def form_data(form: Any, **changes: Any) -> dict[str, Any]:
    """What a browser would submit for ``form`` as rendered, with ``changes`` typed in
    (a field the form does not have is sent anyway: a hostile browser can)."""
    data: dict[str, Any] = {}
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        if value is None and isinstance(bound.field, forms.ModelMultipleChoiceField):
            value = []
        elif value is None:
            value = ""
        elif isinstance(value, dt.datetime):
            value = value.strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, list | tuple):
            value = [str(v) for v in value]
        else:
            value = str(value)
        data[name] = value
    data.update(changes)
    return data


def admin_edit(client: Any, obj: Any, **changes: Any) -> Any:
    url = admin_url(type(obj), "edit", obj.pk)
    page = client.get(url)
    assert page.status_code == 200, f"edit form of {obj!r}: HTTP {page.status_code}"
    return client.post(url, form_data(page.context["form"], **changes))


def form_errors(response: Any) -> dict[str, Any]:
    form = response.context["form"] if response.context and "form" in response.context \
        else None
    return dict(form.errors) if form is not None else {}


@pytest.fixture
def linked(db):
    """A GREEN campaign with hidden (AMBER, RED) capabilities, techniques and operators."""
    w = type("W", (), {})()
    w.green_cap = f.CapabilityFactory(slug="g-cap", name="G cap", marking="GREEN")
    w.green_cap_2 = f.CapabilityFactory(slug="g-cap-2", name="G cap 2", marking="GREEN")
    w.amber_cap = f.CapabilityFactory(slug="a-cap", name="A cap", marking="AMBER")
    w.red_cap = f.CapabilityFactory(slug="r-cap", name="R cap", marking="RED")
    w.red_tech = f.TechniqueFactory(slug="r-tech", name="R tech", marking="RED")
    w.red_actor = f.ActorFactory(slug="r-actor", name="R actor", marking="RED")
    w.green_actor = f.ActorFactory(slug="g-actor", name="G actor", marking="GREEN")
    w.campaign = f.CampaignFactory(
        slug="g-campaign", name="G campaign", marking="GREEN",
        capabilities=[w.green_cap, w.amber_cap, w.red_cap], techniques=[w.red_tech],
        operators=[w.green_actor, w.red_actor])
    return w


def slugs(manager: Any) -> set[str]:
    return set(manager.values_list("slug", flat=True))


# -- hidden many-to-many links survive a lower writer ------------------------------------------


def test_api_patch_keeps_hidden_m2m_links(linked):
    green = staff("GREEN")
    response = api_as(green).patch(
        "/api/v1/campaigns/g-campaign/",
        {"capabilities": ["g-cap-2"], "techniques": [], "operators": []}, format="json")
    assert response.status_code == 200, response.content
    linked.campaign.refresh_from_db()
    assert slugs(linked.campaign.capabilities) == {"g-cap-2", "a-cap", "r-cap"}
    assert slugs(linked.campaign.techniques) == {"r-tech"}
    assert slugs(linked.campaign.operators) == {"r-actor"}
    # And the answer names none of them.
    assert "r-cap" not in response.content.decode() and "a-cap" not in response.content.decode()


def test_admin_edit_keeps_hidden_m2m_links(client, linked):
    client.force_login(staff("GREEN"))
    response = admin_edit(client, linked.campaign, capabilities=[str(linked.green_cap_2.pk)],
                          techniques=[], operators=[])
    assert response.status_code == 302, form_errors(response)
    linked.campaign.refresh_from_db()
    assert slugs(linked.campaign.capabilities) == {"g-cap-2", "a-cap", "r-cap"}
    assert slugs(linked.campaign.techniques) == {"r-tech"}
    assert slugs(linked.campaign.operators) == {"r-actor"}


def test_admin_edit_form_offers_no_hidden_choices(client, linked):
    client.force_login(staff("GREEN"))
    page = client.get(admin_url(Campaign, "edit", linked.campaign.pk))
    assert page.status_code == 200
    body = page.content.decode()
    for name in ("R cap", "A cap", "R tech", "R actor"):
        assert name not in body, f"the GREEN editor's form names {name!r}"
    # What the editor is offered is the widget's options (the field itself still knows
    # every marking, so a forged higher one gets the services' message, not "invalid").
    widget = page.context["form"].fields["marking"].widget
    marking_choices = {value for value, _ in widget.choices}
    assert marking_choices <= {"CLEAR", "GREEN", ""}, marking_choices
    offered = set(re.findall(r'<option value="([A-Z+]+)"', body))
    assert offered & {"AMBER", "AMBER+STRICT", "RED"} == set(), offered


# -- a delete never cascades into hidden records ------------------------------------------------


@pytest.fixture
def campaign_with_hidden_parts(db):
    campaign = f.CampaignFactory(slug="g-parts", name="G parts", marking="GREEN")
    f.AccountClusterFactory(campaign=campaign, marking="RED", label="R cluster")
    f.ExchangeVolumeFactory(campaign=campaign, marking="AMBER")
    f.AccountClusterFactory(campaign=campaign, marking="GREEN", label="G cluster")
    return campaign


def _counts() -> tuple[int, int, int]:
    return (Campaign.objects.count(), AccountCluster.objects.count(),
            ExchangeVolume.objects.count())


def test_api_delete_into_hidden_records_is_409(campaign_with_hidden_parts):
    before = _counts()
    response = api_as(staff("GREEN")).delete("/api/v1/campaigns/g-parts/")
    assert response.status_code == 409, response.content
    assert "R cluster" not in response.content.decode()
    assert _counts() == before


def test_admin_delete_into_hidden_records_is_refused(client, campaign_with_hidden_parts):
    client.force_login(staff("GREEN"))
    before = _counts()
    url = admin_url(Campaign, "delete", campaign_with_hidden_parts.pk)
    client.get(url)
    response = client.post(url)
    assert _counts() == before, "the admin deleted a campaign with hidden parts"
    assert Campaign.objects.filter(pk=campaign_with_hidden_parts.pk).exists()
    assert "R cluster" not in response.content.decode()


def test_api_delete_of_visible_parts_still_works(db):
    campaign = f.CampaignFactory(slug="g-free", marking="GREEN")
    f.AccountClusterFactory(campaign=campaign, marking="GREEN")
    response = api_as(staff("GREEN")).delete("/api/v1/campaigns/g-free/")
    assert response.status_code == 204, response.content
    assert not Campaign.objects.filter(slug="g-free").exists()


# -- markings ----------------------------------------------------------------------------------


def test_api_cannot_mark_above_own_clearance(db):
    api = api_as(staff("GREEN"))
    created = api.post("/api/v1/capabilities/",
                       {"slug": "too-high", "name": "Too high", "marking": "RED"},
                       format="json")
    assert created.status_code == 400, created.content
    assert "marking" in created.json().get("errors", created.json()).__str__()
    assert not Capability.objects.filter(slug="too-high").exists()
    mine = f.CapabilityFactory(slug="mine", marking="GREEN")
    raised = api.patch("/api/v1/capabilities/mine/", {"marking": "AMBER"}, format="json")
    assert raised.status_code == 400, raised.content
    mine.refresh_from_db()
    assert mine.marking == "GREEN"


def test_api_cannot_change_a_record_above_clearance(db):
    red = f.CapabilityFactory(slug="red-cap", name="Red cap", marking="RED")
    api = api_as(staff("GREEN"))
    for body in ({"marking": "CLEAR"}, {"name": "renamed"}):
        response = api.patch("/api/v1/capabilities/red-cap/", body, format="json")
        assert response.status_code == 404, response.content
    assert api.delete("/api/v1/capabilities/red-cap/").status_code == 404
    red.refresh_from_db()
    assert (red.marking, red.name) == ("RED", "Red cap")


def test_admin_cannot_mark_above_own_clearance(client):
    client.force_login(staff("GREEN"))
    add = admin_url(Capability, "add")
    page = client.get(add)
    assert page.status_code == 200
    response = client.post(add, form_data(page.context["form"], slug="too-high",
                                          name="Too high", marking="RED"))
    assert not Capability.objects.filter(slug="too-high").exists()
    assert response.status_code == 200 and "marking" in form_errors(response)
    mine = f.CapabilityFactory(slug="mine", name="Mine", marking="GREEN")
    response = admin_edit(client, mine, marking="AMBER")
    mine.refresh_from_db()
    assert mine.marking == "GREEN"
    assert "marking" in form_errors(response)


def test_admin_cannot_change_a_record_above_clearance(client):
    red = f.CapabilityFactory(slug="red-cap", name="Red cap", marking="RED")
    client.force_login(staff("GREEN"))
    url = admin_url(Capability, "edit", red.pk)
    assert client.get(url).status_code in (302, 403, 404)
    client.post(url, {"slug": "red-cap", "name": "renamed", "marking": "CLEAR"})
    client.post(admin_url(Capability, "delete", red.pk))
    red.refresh_from_db()
    assert (red.marking, red.name) == ("RED", "Red cap")


# -- tokens follow their user's clearance -------------------------------------------------------


def test_downgraded_users_token_reads_at_the_new_level_at_once(db):
    user = staff("RED", "analyst-red")
    f.CapabilityFactory(slug="red-cap", name="Red cap", marking="RED")
    f.CapabilityFactory(slug="amber-cap", name="Amber cap", marking="AMBER")
    api = api_as(user, scope="read")
    assert api.get("/api/v1/capabilities/red-cap/").status_code == 200
    assert api.get("/api/v1/capabilities/").json()["count"] == 2
    Clearance.objects.filter(user=user).update(level="AMBER")
    assert api.get("/api/v1/capabilities/red-cap/").status_code == 404  # same token
    assert api.get("/api/v1/capabilities/").json()["count"] == 1
    Clearance.objects.filter(user=user).update(level="CLEAR")
    assert api.get("/api/v1/capabilities/").json()["count"] == 0


# -- Clearance is for administrators -------------------------------------------------------------


def test_green_staff_cannot_list_or_edit_clearance(client):
    user = staff("GREEN")  # holds incidents.change_clearance through the editors group
    other = f.UserFactory(username="someone", clearance="AMBER")
    client.force_login(user)
    for url in (admin_url(Clearance, "list"), admin_url(Clearance, "add"),
                admin_url(Clearance, "edit", user.clearance.pk),
                admin_url(Clearance, "edit", other.clearance.pk)):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), f"{url}: {response.status_code}"
    client.post(admin_url(Clearance, "edit", user.clearance.pk),
                {"user": str(user.pk), "level": "RED"})
    client.post(admin_url(Clearance, "add"), {"user": str(other.pk), "level": "RED"})
    assert Clearance.objects.get(user=user).level == "GREEN"
    assert Clearance.objects.get(user=other).level == "AMBER"


def test_superuser_can_edit_clearance(client, admin_user):
    user = f.UserFactory(username="someone", clearance="GREEN")
    client.force_login(admin_user)
    response = admin_edit(client, user.clearance, level="AMBER")
    assert response.status_code == 302, form_errors(response)
    assert Clearance.objects.get(user=user).level == "AMBER"


# -- figures change only with their claim ---------------------------------------------------------


@pytest.fixture
def figured(db):
    incident = f.IncidentFactory(slug="fig-incident", title="Fig incident", marking="CLEAR")
    source = f.SourceFactory(key="src-13m", title="Thirteen source", marking="CLEAR")
    campaign = f.CampaignFactory(slug="fig-campaign", name="Fig campaign", marking="CLEAR",
                                 incident=incident)
    f.ClaimFactory(subject=campaign, field="exchanges", value=13_000_000, source=source,
                   marking="CLEAR", quote="13 million exchanges")
    facts_refresh(subject=campaign)
    campaign.refresh_from_db()
    assert campaign.exchanges == 13_000_000
    return campaign


def test_api_figure_without_claim_is_400(figured):
    api = api_as(staff("GREEN"))
    for body in ({"exchanges": 14_000_000}, {"exchanges": {"value": 14_000_000}}):
        response = api.patch("/api/v1/campaigns/fig-campaign/", body, format="json")
        assert response.status_code == 400, response.content
        assert "exchanges" in response.content.decode()
    figured.refresh_from_db()
    assert figured.exchanges == 13_000_000
    assert Claim.objects.filter(object_id=figured.pk, field="exchanges").count() == 1


def test_admin_figure_cannot_be_typed(client, figured):
    client.force_login(staff("GREEN"))
    response = admin_edit(client, figured, exchanges="14000000", exchanges_qualifier="more_than")
    figured.refresh_from_db()
    assert figured.exchanges == 13_000_000
    assert figured.exchanges_qualifier == "exact"
    assert Claim.objects.filter(object_id=figured.pk, field="exchanges").count() == 1
    # Either the field is not on the form (ignored) or the form refuses it.
    assert response.status_code in (200, 302)


def _exchanges_cell(page: str, slug: str) -> tuple[str, list[int]]:
    row = re.search(rf'<tr[^>]*data-campaign="{slug}".*?</tr>', page, re.S)
    assert row, f"no row for {slug}"
    cell = re.search(r'data-field="exchanges">(.*?)</td>', row.group(0), re.S)
    assert cell
    text = re.sub(r"<sup.*?</sup>", "", cell.group(1), flags=re.S)
    return re.sub(r"<[^>]+>", "", text).strip(), [int(n) for n in
                                                   re.findall(r'href="#fn-(\d+)"', cell.group(1))]


def _footnote(page: str, number: int) -> str:
    note = re.search(rf'<li id="fn-{number}"[^>]*>(.*?)</li>\s*(?=<li id="fn-|</ol>)', page, re.S)
    assert note, f"no footnote {number}"
    return note.group(0)


def test_api_figure_with_claim_page_and_footnotes_agree(client, figured):
    f.SourceFactory(key="src-14m", title="Fourteen source", marking="CLEAR")
    writer = staff("GREEN")
    response = api_as(writer).patch(
        "/api/v1/campaigns/fig-campaign/",
        {"exchanges": {"value": 14_000_000, "qualifier": "more_than", "source": "src-14m",
                       "quote": "more than 14 million exchanges"}}, format="json")
    assert response.status_code == 200, response.content
    # The old claim stays; the new one is accepted and reviewed by the writer.
    claim = Claim.objects.get(object_id=figured.pk, field="exchanges", source__key="src-14m")
    assert (claim.status, claim.reviewed_by) == ("accepted", writer)
    shown = response.json()["exchanges"]
    client.force_login(writer)
    page = client.get("/incidents/fig-incident/").content.decode()
    text, notes = _exchanges_cell(page, "fig-campaign")
    # Each footnote of the figure is one of the figure's sources, with its quoted words.
    assert len(notes) == len(shown["sources"]) >= 1, (text, notes, shown)
    notes_text = " ".join(_footnote(page, n) for n in notes)
    for ref in shown["sources"]:
        assert ref["title"] in notes_text and ref["quote"] in notes_text, (ref, notes_text)
    if shown["value"] == 14_000_000:
        assert "14" in text and "13" not in text, text
    else:
        assert shown["value"] == 13_000_000 and "13" in text, (text, shown)
    assert "[no source]" not in text


def test_service_figure_with_claim_page_and_footnotes_agree(client):
    incident = f.IncidentFactory(slug="svc-incident", marking="CLEAR")
    campaign = f.CampaignFactory(slug="svc-campaign", name="Svc", marking="CLEAR",
                                 incident=incident)
    source = f.SourceFactory(key="svc-src", title="Service source", marking="CLEAR")
    user = staff("GREEN")
    record_update(instance=campaign, user=user, data={}, figures={
        "exchanges": FigureInput(value=25_000, source=source, qualifier="about",
                                 quote="about 25,000 exchanges")})
    campaign.refresh_from_db()
    assert (campaign.exchanges, campaign.exchanges_qualifier) == (25_000, "about")
    client.force_login(user)
    page = client.get("/incidents/svc-incident/").content.decode()
    text, notes = _exchanges_cell(page, "svc-campaign")
    assert "25,000" in text and "about" in text.lower(), text
    assert len(notes) == 1
    note = _footnote(page, notes[0])
    assert "Service source" in note and "about 25,000 exchanges" in note
