"""Curation in the admin without database ids: the claim form (subject chooser, the
subject's fields, typed values, source chooser), choosers that list only visible
records, one-action conflict resolution, page titles and the dashboard's counts."""

from __future__ import annotations

import datetime as dt
import json
from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Campaign, Claim, Source
from incidents.provenance.registry import claim_subject_models
from incidents.provenance.selectors import conflict_list
from incidents.services.claims import facts_refresh
from incidents.wagtail_admin.claims import SUBJECT_MODELS, subject_input, subject_inputs
from tests import factories as f

pytestmark = pytest.mark.django_db

ADD = "wagtailsnippets_incidents_claim:add"


def claim_post(client: Any, **data: Any) -> Any:
    """Post the claim add form as a browser would, with ``data`` typed in."""
    body = {"subject_type": "", "field": "", "qualifier": "exact", "precision": "",
            "quote": "", "credibility": "3", "note": "", "marking": "CLEAR", **data}
    return client.post(reverse(ADD), body)


def staff(clearance: str | None = None) -> Any:
    """A non-superuser editor with every domain permission and admin access."""
    user = f.UserFactory(is_staff=True, clearance=clearance)
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="incidents"))
    return user


def _errors(response: Any) -> Any:
    context = getattr(response, "context", None)
    return context["form"].errors if context and "form" in context else response.status_code


# --- The form --------------------------------------------------------------------------


def test_a_chooser_for_every_model_a_claim_can_be_about():
    assert set(subject_inputs()) == {subject_input(m) for m in claim_subject_models()}
    assert set(SUBJECT_MODELS) == set(claim_subject_models())


def test_the_add_form_asks_for_no_database_id(admin_client):
    f.ActorFactory()  # the actor list shows one checkbox per visible actor
    response = admin_client.get(reverse(ADD))
    assert response.status_code == 200
    html = response.content.decode()
    # No id to type and no JSON value: a chooser per subject type, typed value inputs.
    for name in ("object_id", "content_type", "value"):
        assert f'name="{name}"' not in html, name
    for model in SUBJECT_MODELS:
        chooser = reverse(model.snippet_viewset.chooser_viewset.get_url_name("choose"))
        assert f'data-chooser-url="{chooser}"' in html
        assert f'name="{subject_input(model)}"' in html
    for name in ("value_count", "value_number", "value_date", "value_actors", "ratio_of",
                 "qualifier", "precision", "source"):
        assert f'name="{name}"' in html, name
    form = response.context["form"]
    # The field select: each type's own fields, grouped, with their kinds for the script.
    groups = dict(form.fields["field"].choices[1:])
    assert [v for v, _ in groups["Campaign"]][:4] == [
        "campaign:exchanges", "campaign:accounts", "campaign:start_date", "campaign:end_date"]
    assert [v for v, _ in groups["Letter"]] == ["letter:date"]
    kinds = json.loads(form.fields["field"].widget.attrs["data-claim-kinds"])
    assert kinds["campaign:operators"] == "set" and kinds["letter:date"] == "date"
    assert "js/admin_claim_form.js" in html


@pytest.mark.parametrize(
    ("make_subject", "field", "typed", "expected"),
    [
        pytest.param(f.CampaignFactory, "campaign:accounts",
                     {"value_count": "26000", "qualifier": "about"},
                     {"field": "accounts", "value": 26000, "qualifier": "about",
                      "precision": "", "kind": "fact"}, id="count"),
        pytest.param(f.LetterFactory, "letter:date",
                     {"value_date": "2026-06-01", "precision": "month", "qualifier": "about"},
                     {"field": "date", "value": "2026-06-01", "qualifier": "exact",
                      "precision": "month", "kind": "fact"}, id="date-at-month"),
        pytest.param(f.CampaignFactory, "campaign:duration_days",
                     {"value_number": "45", "qualifier": "about"},
                     {"field": "duration_days", "value": 45, "qualifier": "about",
                      "kind": "derived"}, id="derived-number"),
        pytest.param(f.EventFactory, "event:value", {"value_number": "-4.9"},
                     {"field": "value", "value": -4.9, "qualifier": "exact"}, id="number"),
    ],
)
def test_a_claim_is_added_with_typed_values(admin_client, make_subject, field, typed,
                                             expected):
    subject = make_subject()
    source = f.SourceFactory()
    model_name = subject._meta.model_name
    response = claim_post(admin_client, subject_type=model_name,
                          **{subject_input(model_name): subject.pk}, field=field,
                          source=source.pk, quote="as quoted", **typed)
    assert response.status_code == 302, _errors(response)
    claim = Claim.objects.get(object_id=subject.pk, source=source)
    assert claim.subject == subject
    assert claim.status == "pending" and len(claim.fingerprint) == 64
    for name, value in expected.items():
        assert getattr(claim, name) == value, name


def test_a_set_of_actors_and_a_ratio_are_chosen_not_typed(admin_client):
    campaign, other = f.CampaignFactory(), f.CampaignFactory(slug="other-campaign")
    actors = [f.ActorFactory(slug="zeta-lab"), f.ActorFactory(slug="alpha-lab")]
    source = f.SourceFactory()
    response = claim_post(admin_client, subject_type="campaign", subject_campaign=campaign.pk,
                          field="campaign:operators",
                          value_actors=[a.pk for a in actors], source=source.pk)
    assert response.status_code == 302, _errors(response)
    assert Claim.objects.get(field="operators").value == ["alpha-lab", "zeta-lab"]

    response = claim_post(admin_client, subject_type="campaign", subject_campaign=campaign.pk,
                          field="campaign:exchanges_ratio", value_number="1.8",
                          ratio_of=other.pk, source=source.pk)
    assert response.status_code == 302, _errors(response)
    claim = Claim.objects.get(field="exchanges_ratio")
    assert (claim.value, claim.kind) == ({"of": "other-campaign", "ratio": 1.8}, "derived")


def test_the_subject_type_field_and_value_must_agree(admin_client):
    campaign, source = f.CampaignFactory(), f.SourceFactory()
    base = {"subject_type": "campaign", "subject_campaign": campaign.pk, "source": source.pk}
    cases = [
        ({"field": "letter:date", "value_date": "2026-06-01"},
         "field", "That is not a field of a campaign"),
        ({"subject_campaign": "", "field": "campaign:exchanges", "value_count": "5"},
         "subject_campaign", "Choose the campaign the claim is about."),
        ({"field": "campaign:start_date", "value_count": "5"},
         "value_date", "Enter the date the source states."),
        ({"field": "campaign:exchanges", "value_count": str(10**13)},
         "value_count", "A count lies between 0 and"),
    ]
    for changes, field, message in cases:
        response = claim_post(admin_client, **{**base, **changes})
        assert response.status_code == 200, changes
        errors = response.context["form"].errors
        assert any(message in e for e in errors.get(field, [])), (changes, errors)
    assert not Claim.objects.exists()


def test_a_pending_claim_opens_with_its_typed_values_and_a_reviewed_one_is_fixed(
        admin_client):
    letter = f.LetterFactory(subject="Letter to the committee")
    claim = f.ClaimFactory(subject=letter, field="date", value="2026-06-10",
                           precision="month", status="pending")
    url = reverse("wagtailsnippets_incidents_claim:edit", args=[claim.pk])
    form = admin_client.get(url).context["form"]
    assert form.initial["subject_type"] == "letter"
    assert form.initial["subject_letter"] == letter.pk
    assert form.initial["field"] == "letter:date"
    assert form.initial["value_date"] == "2026-06-10"

    Claim.objects.filter(pk=claim.pk).update(status="accepted")
    response = admin_client.get(url)
    html = response.content.decode()
    assert not {"subject_type", "field", "value_date", "source"} & set(
        response.context["form"].fields)
    # What it states, read-only, in words: the record by name, the date at its precision.
    assert "What the claim states" in html
    assert "Letter to the committee" in html and "June 2026" in html
    # A copy starts from the statement, in the typed inputs, to say something else.
    copy = admin_client.get(reverse("wagtailsnippets_incidents_claim:copy", args=[claim.pk]))
    form = copy.context["form"]
    assert form.initial["subject_letter"] == letter.pk and "value_date" in form.fields


# --- Visibility --------------------------------------------------------------------------


def test_choosers_and_the_actor_list_offer_only_visible_records(client):
    editor = staff()  # GREEN
    f.CampaignFactory(name="Open campaign")
    f.CampaignFactory(name="Crimson campaign", marking="RED")
    f.SourceFactory(title="Open report")
    f.SourceFactory(title="Maroon dossier", marking="RED")
    f.ActorFactory(name="Open lab")
    f.ActorFactory(name="Scarlet lab", marking="RED")
    client.force_login(editor)

    for model, shown, hidden in ((Campaign, "Open campaign", "Crimson campaign"),
                                 (Source, "Open report", "Maroon dossier")):
        url = reverse(model.snippet_viewset.chooser_viewset.get_url_name("choose"))
        html = client.get(url).content.decode()
        assert shown in html and hidden not in html, model
        # Searching the chooser does not find it either.
        results = reverse(model.snippet_viewset.chooser_viewset.get_url_name("choose_results"))
        assert hidden not in client.get(results, {"q": hidden.split()[0]}).content.decode()

    html = client.get(reverse(ADD)).content.decode()
    assert "Open lab" in html and "Scarlet lab" not in html


def test_a_hidden_subject_or_source_reads_like_a_missing_one(client):
    editor = staff()
    hidden = f.CampaignFactory(marking="RED")
    hidden_source = f.SourceFactory(marking="RED")
    source = f.SourceFactory()
    client.force_login(editor)
    errors = []
    for pk in (hidden.pk, 987654):
        response = claim_post(client, subject_type="campaign", subject_campaign=pk,
                              field="campaign:exchanges", value_count="5", source=source.pk)
        errors.append(response.context["form"].errors["subject_campaign"])
    assert errors[0] == errors[1]
    response = claim_post(client, subject_type="campaign",
                          subject_campaign=f.CampaignFactory().pk, field="campaign:exchanges",
                          value_count="5", source=hidden_source.pk)
    assert "source" in response.context["form"].errors
    assert not Claim.objects.exists()


# --- Conflicts -----------------------------------------------------------------------------


@pytest.fixture
def disputed(db):
    """A campaign whose sources disagree on its exchanges: 1,000 (two) vs 5,000 (one)."""
    campaign = f.CampaignFactory(name="Disputed campaign")
    low = [f.ClaimFactory(subject=campaign, value=1000, source=f.SourceFactory(reliability="A"))
           for _ in range(2)]
    high = f.ClaimFactory(subject=campaign, value=5000, source=f.SourceFactory(reliability="C"),
                          quote="five thousand")
    facts_refresh(subject=campaign)
    return campaign, low, high


def _conflict(user: Any, campaign: Campaign) -> Any:
    return next(c for c in conflict_list(viewer=user) if c.subject == campaign)


def test_a_conflict_is_resolved_in_one_action(admin_client, admin_user, disputed):
    campaign, low, high = disputed
    page = admin_client.get(reverse("incidents_review:conflicts")).content.decode()
    assert 'action="/admin/provenance/conflicts/resolve/"' in page
    assert "Keep 1,000 (consensus)" in page and "Keep 5,000" in page
    conflict = _conflict(admin_user, campaign)

    response = admin_client.post(reverse("incidents_review:resolve"), {
        "conflict": conflict.key, "keep": str(high.pk),
        "note": "The later report recounted them."}, follow=True)

    assert response.status_code == 200
    assert "Resolved" in response.content.decode()
    for claim in low:
        claim.refresh_from_db()
        assert (claim.status, claim.reviewed_by) == ("rejected", admin_user)
        assert "The later report recounted them." in claim.note
    high.refresh_from_db()
    assert high.status == "accepted" and "The later report recounted them." in high.note
    campaign.refresh_from_db()
    assert campaign.exchanges == 5000  # the figure follows at once
    assert not [c for c in conflict_list(viewer=admin_user) if c.subject == campaign]


def test_a_stale_or_forged_resolution_changes_nothing(admin_client, admin_user, disputed):
    campaign, low, high = disputed
    conflict = _conflict(admin_user, campaign)
    url = reverse("incidents_review:resolve")
    # A side that is not one of the conflict's (a claim id picked by hand).
    admin_client.post(url, {"conflict": conflict.key, "keep": f"{high.pk},{low[0].pk}"})
    # A conflict that is not (or no longer) open.
    admin_client.post(url, {"conflict": "campaign:nowhere:exchanges", "keep": str(high.pk)})
    assert set(Claim.objects.values_list("status", flat=True)) == {"accepted"}


def test_resolving_needs_the_review_permission(client, disputed, admin_user):
    campaign, low, high = disputed
    user = f.UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    conflict = _conflict(admin_user, campaign)
    client.post(reverse("incidents_review:resolve"),
                {"conflict": conflict.key, "keep": str(high.pk)})
    assert set(Claim.objects.values_list("status", flat=True)) == {"accepted"}


# --- Titles, dashboard, formatting ------------------------------------------------------


def test_admin_pages_have_their_own_titles(admin_client, disputed):
    source = f.SourceFactory(key="named-source", title="A named source")
    for url, title in ((reverse("incidents_review:conflicts"), "Conflicts"),
                       (reverse("incidents_review:alerts"), "Fact-drift alerts"),
                       (reverse("incidents_review:source", args=[source.key]), source.title),
                       (reverse("incidents_review:queue"), "Review queue")):
        response = admin_client.get(url)
        html = response.content.decode()
        assert f"<title>{title}" in " ".join(html.split()).replace("<title> ", "<title>"), url
        assert response.context["breadcrumbs_items"][-1]["label"] == title
        assert html.count("<h1") == 1, url


def test_the_dashboard_counts_what_the_user_may_see(client, admin_client, disputed):
    f.IncidentFactory.create_batch(3)
    f.IncidentFactory(marking="RED")
    f.ClaimFactory(subject=f.CampaignFactory(), status="pending")
    f.ClaimFactory(subject=f.CampaignFactory(marking="RED"), status="pending",
                   marking="RED")
    home = reverse("wagtailadmin_home")

    html = " ".join(admin_client.get(home).content.decode().split())
    assert "4 incidents" in html and "2 claims to review" in html
    assert "1 open conflict" in html
    assert "Pages</a>" not in html and "Images</a>" not in html  # not what this site keeps

    client.force_login(staff())  # GREEN
    html = " ".join(client.get(home).content.decode().split())
    assert "3 incidents" in html and "1 claim to review" in html
    assert "4 incidents" not in html


def test_listings_write_figures_and_dates_as_the_formatting_home_does(admin_client):
    f.CampaignFactory(name="Formatted campaign", exchanges=13_000_000,
                      exchanges_qualifier="more_than", start_date=dt.date(2026, 6, 1),
                      start_precision="month")
    html = admin_client.get(reverse("wagtailsnippets_incidents_campaign:list")).content.decode()
    assert "more than 13 million" in html and "13,000,000" not in html
    assert "June 2026" in html and "1 June 2026" not in html


# --- Query counts ---------------------------------------------------------------------------


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", ["incidents_review:conflicts", "wagtailadmin_home",
                                      "incidents_review:queue"])
def test_pages_take_a_fixed_number_of_queries(admin_client, url_name,
                                              django_assert_max_num_queries):
    def dispute(n: int) -> None:
        for _ in range(n):
            campaign = f.CampaignFactory(incident=f.IncidentFactory())
            f.ClaimFactory(subject=campaign, value=1000)
            f.ClaimFactory(subject=campaign, value=9000)
            f.ClaimFactory(subject=campaign, field="accounts", value=20, status="pending")

    url = reverse(url_name)
    dispute(3)
    admin_client.get(url)  # warm caches (content types, site)
    few = _queries(admin_client, url)
    dispute(6)
    many = _queries(admin_client, url)
    assert many == few, (few, many)
    with django_assert_max_num_queries(40):
        admin_client.get(url)


def test_a_source_page_takes_a_fixed_number_of_queries(admin_client,
                                                       django_assert_max_num_queries):
    source = f.SourceFactory(key="busy-source", text="The report says so, and more.")

    def cite(n: int) -> None:
        for _ in range(n):
            f.ClaimFactory(subject=f.CampaignFactory(), source=source, quote="says so")
            f.ClaimFactory(subject=f.LetterFactory(), field="date", value="2026-06-01",
                           precision="month", source=source, status="pending")

    url = reverse("incidents_review:source", args=[source.key])
    cite(3)
    admin_client.get(url)
    few = _queries(admin_client, url)
    cite(6)
    assert _queries(admin_client, url) == few
    html = admin_client.get(url).content.decode()
    assert "June 2026" in html and "2026-06-01" not in html
    with django_assert_max_num_queries(40):
        admin_client.get(url)


def test_the_claim_form_takes_a_fixed_number_of_queries(admin_client,
                                                        django_assert_max_num_queries):
    f.CampaignFactory.create_batch(5)
    f.ActorFactory.create_batch(5)
    f.SourceFactory.create_batch(5)
    admin_client.get(reverse(ADD))
    few = _queries(admin_client, reverse(ADD))
    f.ActorFactory.create_batch(10)
    f.CampaignFactory.create_batch(10)
    assert _queries(admin_client, reverse(ADD)) == few
    with django_assert_max_num_queries(30):
        admin_client.get(reverse(ADD))


# --- The reference data: one figure, one text ------------------------------------------


def test_reference_figures_read_in_the_admin_as_the_formatting_home_writes_them(
        admin_client, admin_user, reference_data):
    """Every figure of the reference campaigns and incidents reads in the admin's
    listings, inspect views and edit forms exactly as ``incidents.formatting`` gives it
    for the site (``format_figure`` over the figures of ``incidents.figures``), and the
    admin's conflicts read as the API's ``display`` fields."""
    from rest_framework.test import APIClient

    from incidents.figures import figure
    from incidents.formatting import format_figure
    from incidents.models import Incident
    from incidents.selectors import accepted_claims_prefetch, campaign_list, visible
    from kb.api.services import api_token_create

    def text_of(url: str) -> str:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        return " ".join(unescape(response.content.decode()).split())

    checked = 0
    records: list[tuple[Any, list[tuple[str, str]]]] = [
        (campaign, [("exchanges", "count"), ("accounts", "count"), ("start_date", "date"),
                    ("end_date", "date")])
        for campaign in campaign_list(viewer=admin_user)
    ] + [
        (incident, [("disclosed_on", "date")])
        for incident in visible(Incident.objects.all(), admin_user).prefetch_related(
            accepted_claims_prefetch(admin_user))
    ]
    listings = {model: text_of(reverse(f"wagtailsnippets_incidents_{model}:list"))
                for model in ("campaign", "incident")}
    for record, fields in records:
        model = record._meta.model_name
        inspect = text_of(reverse(f"wagtailsnippets_incidents_{model}:inspect",
                                  args=[record.pk]))
        edit = text_of(reverse(f"wagtailsnippets_incidents_{model}:edit", args=[record.pk]))
        for field, kind in fields:
            shown = figure(record, field)
            if not shown.known:
                continue
            text = format_figure(shown, kind)
            assert text in listings[model], (record, field, text)
            assert text in inspect, (record, field, text)
            assert text in edit, (record, field, text)
            checked += 1
    assert checked >= 10
    # The Alibaba campaign, as the issue names it.
    assert "28.8 million" in listings["campaign"] and "about 25,000" in listings["campaign"]
    assert "28,800,000" not in listings["campaign"]

    # Conflicts: the admin writes each side as the API's display field does.
    _, raw = api_token_create(user=admin_user, scope="read", name="formatting")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    body = api.get("/api/v1/conflicts/").json()
    conflicts = text_of(reverse("incidents_review:conflicts"))
    displays = [side["display"] for c in body["results"] for side in c["sides"]]
    assert "10 June 2026" in displays
    for conflict in body["results"]:
        assert conflict["explanation"] in conflicts
        for side in conflict["sides"]:
            assert side["display"] in conflicts
