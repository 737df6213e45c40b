"""The Wagtail admin edits every domain model.

Drives ``/admin/`` with the test client as a superuser, the way a browser submits the
forms: for every model the listing (with search and a filter), the add form, creating,
editing, the inspect view and the history; bad values are refused with the model's
message and store nothing. Most tests run on a small world of rows made through the
services (loading the full reference data takes seconds); one walks every admin page
over the full reference data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.html import escape
from wagtail.blocks import BlockField
from wagtail.models import ModelLogEntry, Revision

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
from incidents.services.records import FigureInput, record_create
from incidents.wagtail_admin.claims import claim_column
from incidents.wagtail_admin.viewsets import VIEWSETS

pytestmark = pytest.mark.django_db


def admin_url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"wagtailsnippets_incidents_{model._meta.model_name}:{view}", args=args)


def form_data(form: Any, **changes: Any) -> dict[str, Any]:
    """What a browser would submit for ``form`` as rendered, with ``changes`` typed in."""
    data: dict[str, Any] = {}
    for name, bound in ((name, form[name]) for name in form.fields):
        value = bound.value()
        if bound.field.disabled:
            continue  # a browser does not send a disabled input
        if isinstance(bound.field, BlockField):
            # A StreamField as its widget posts it: these tests only post empty streams.
            data[f"{name}-count"] = "0"
            continue
        if isinstance(bound.field, forms.ModelMultipleChoiceField):
            # Ticked among the options shown: the field's queryset (no hidden record).
            rows: Any = bound.field.queryset
            shown = {str(pk) for pk in rows.values_list("pk", flat=True)}
            value = [str(getattr(v, "pk", v)) for v in value or [] if str(getattr(v, "pk", v))
                     in shown]
        elif value is None:
            value = ""
        elif isinstance(value, dt.datetime):
            value = value.strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, list | tuple):
            value = [str(v) for v in value]
        else:
            value = str(value)
        data[name] = value
    for name, value in changes.items():
        assert name in data, f"{name} is not a field of the admin form"
        data[name] = value
    return data


def text_of(response: Any) -> str:
    return response.content.decode()


class Ref:
    """Rows of the world the tests run on, by natural key."""

    def actor(self, slug: str) -> int:
        return Actor.objects.get(slug=slug).pk

    def incident(self, slug: str) -> int:
        return Incident.objects.get(slug=slug).pk

    def campaign(self, slug: str) -> int:
        return Campaign.objects.get(slug=slug).pk

    def source(self, key: str) -> int:
        return Source.objects.get(key=key).pk

    def capability(self, slug: str) -> int:
        return Capability.objects.get(slug=slug).pk

    def cluster(self) -> int:
        return AccountCluster.objects.get(campaign__slug="alibaba-qwen").pk

    def content_type(self, model: type[models.Model]) -> int:
        return ContentType.objects.get_for_model(model).pk

    def user(self, username: str) -> int:
        return get_user_model().objects.create_user(username, f"{username}@example.org").pk


@dataclass
class Case:
    """One model: what to type in to create a row, how to find it, and one edit."""

    model: type[models.Model]
    create: Callable[[Ref], dict[str, Any]]
    find: dict[str, Any]
    listed: str  # text of a row the listing shows (the created row, if not seeded)
    edit: Callable[[Ref], dict[str, Any]]
    expect: Callable[[Any], bool]  # the edited row as it should be
    shown: str  # the edited value as the inspect view shows it
    filter: dict[str, str] = field(default_factory=lambda: {"marking": "CLEAR"})
    search: str = ""  # a term the listing's search finds; ``listed`` if not given
    seeded: bool = True  # the `ref` world has rows of this model

    @property
    def search_term(self) -> str:
        return self.search or self.listed

    def __str__(self) -> str:
        return self.model.__name__


ACCOUNT_HASH = hashlib.sha256(b"provider-account-4711").hexdigest()

CASES = [
    Case(
        Incident,
        lambda r: {
            "title": "Proxy resale of model access",
            "slug": "proxy-resale-2026",
            "status": "alleged",
            "target_provider": r.actor("anthropic"),
            "disclosed_on": "2026-07-01",
            "disclosed_on__source": r.source("event-digest-17-takes"),
            "disclosed_on__quote": "disclosed on 1 July",
        },
        {"slug": "proxy-resale-2026"},
        "February 2026 disclosure",
        lambda r: {"status": "confirmed"},
        lambda o: o.status == "confirmed",
        "confirmed",
        {"status": "alleged"},
    ),
    Case(
        Campaign,
        lambda r: {
            "name": "Proxy resale campaign",
            "slug": "proxy-resale",
            "incident": r.incident("alibaba-qwen-2026"),
            "operators": [str(r.actor("qwen-lab"))],
            "start_date": "2026-07-01",
            "start_date__source": r.source("event-digest-17-takes"),
            "end_date": "2026-07-20",
            "end_date__source": r.source("event-digest-17-takes"),
            "exchanges": "1200",
            "exchanges_qualifier": "about",
            "exchanges__source": r.source("event-digest-17-takes"),
            "exchanges__quote": "some 1,200 exchanges",
            "capabilities": [str(r.capability("tool-use"))],
        },
        {"slug": "proxy-resale"},
        "Alibaba",
        lambda r: {"description": "Access resold through proxies."},
        lambda o: o.description == "Access resold through proxies." and o.exchanges == 1200,
        "Access resold through proxies.",
    ),
    Case(
        Actor,
        lambda r: {
            "name": "Harbour Daily",
            "slug": "harbour-daily",
            "kind": "media_outlet",
            "aliases": '["HD"]',
            "external_ids": "{}",
            "region": "Europe",
            "language": "en",
        },
        {"slug": "harbour-daily"},
        "Moonshot AI",
        lambda r: {"aliases": '["HD", "The Harbour Daily"]'},
        lambda o: o.aliases == ["HD", "The Harbour Daily"],
        "The Harbour Daily",
        {"kind": "media_outlet"},
    ),
    Case(
        Letter,
        lambda r: {
            "subject": "Follow-up on proxy resale",
            "slug": "follow-up-proxy-resale",
            "sender": r.actor("anthropic"),
            "recipients": [str(r.actor("tim-scott"))],
            "date": "2026-07-15",
            "date__source": r.source("mitre-atlas-cs0056"),
            "incidents": [str(r.incident("alibaba-qwen-2026"))],
        },
        {"slug": "follow-up-proxy-resale"},
        "distillation campaign against Claude",
        # status follows the review workflow and "Mark sent": not a field of the form
        lambda r: {"signer_title": "Head of Policy"},
        lambda o: o.signer_title == "Head of Policy" and o.status == "draft",
        "Head of Policy",
        {"status": "sent"},
    ),
    Case(
        Coverage,
        lambda r: {
            "title": "Harbour Daily on proxy resale",
            "url": "https://example.org/proxy",
            "outlet": r.actor("cnbc"),
            "published_on": "2026-07-02",
            "quotes": '["Access was resold by the thousand."]',
        },
        {"url": "https://example.org/proxy"},
        "Chinese experts dismiss",
        lambda r: {"quotes": '["Access was resold by the thousand.", "A second quote."]'},
        lambda o: o.quotes[-1] == "A second quote.",
        "A second quote.",
        {"region": "North America"},
    ),
    Case(
        Event,
        lambda r: {
            "title": "Shares of the reseller fall",
            "slug": "reseller-shares-fall",
            "kind": "market_move",
            "date": "2026-07-03",
            "date__source": r.source("wire-summary-bloomberg-reuters"),
            "value": "-2.5",
            "value__source": r.source("wire-summary-bloomberg-reuters"),
            "value__quote": "fell 2.5 %",
            "unit": "%",
        },
        {"slug": "reseller-shares-fall"},
        "White House",
        lambda r: {"description": "The reseller's shares fell on the news."},
        lambda o: o.description.startswith("The reseller") and str(o.value) == "-2.5000",
        "The reseller&#x27;s shares fell on the news.",
        {"kind": "regulatory_action"},
    ),
    Case(
        Source,
        lambda r: {
            "title": "Reseller's statement",
            "key": "reseller-statement",
            "kind": "statement",
            "url": "https://example.org/statement",
            "reliability": "C",
        },
        {"key": "reseller-statement"},
        "MITRE ATLAS case study",
        lambda r: {"reliability": "B"},
        lambda o: o.reliability == "B",
        "B – usually reliable",
        {"kind": "dataset"},
    ),
    Case(
        Claim,
        lambda r: {
            "subject_type": "campaign",
            "subject_campaign": r.campaign("alibaba-qwen"),
            "field": "campaign:accounts",
            "value_count": "26000",
            "qualifier": "about",
            "source": r.source("event-digest-17-takes"),
            "quote": "some 26,000 accounts",
        },
        {"field": "accounts", "quote": "some 26,000 accounts"},
        "Exchanges: 28.8 million",
        lambda r: {"note": "Outlier: other sources say 25,000."},
        lambda o: o.note.startswith("Outlier"),
        "Outlier: other sources say 25,000.",
        {"status": "accepted"},
        search="exchanges",
    ),
    Case(
        Relationship,
        lambda r: {
            "subject": r.actor("pentagon"),
            "kind": "designated",
            "object_actor": r.actor("deepseek"),
            "start_date": "2026-06-01",
            "sources": [str(r.source("wire-summary-bloomberg-reuters"))],
        },
        {"kind": "designated", "object_actor__slug": "deepseek"},
        "Qwen lab",
        lambda r: {"description": "Listed as a Chinese military company."},
        lambda o: o.description == "Listed as a Chinese military company.",
        "Listed as a Chinese military company.",
        {"kind": "part_of"},
    ),
    Case(
        AccountCluster,
        lambda r: {
            "label": "Resold accounts",
            "campaign": r.campaign("alibaba-qwen"),
            "count": "500",
            "qualifier": "about",
            "count__source": r.source("event-digest-17-takes"),
            "detection_signals": '["shared payment cards"]',
        },
        {"label": "Resold accounts"},
        "Fraudulent operator accounts",
        lambda r: {"detection_signals": '["shared payment cards", "one proxy exit"]'},
        lambda o: o.detection_signals == ["shared payment cards", "one proxy exit"],
        "one proxy exit",
    ),
    Case(
        Account,
        lambda r: {
            "external_id_hash": ACCOUNT_HASH,
            "cluster": r.cluster(),
            "created_on": "2026-04-22 08:00",
        },
        {"external_id_hash": ACCOUNT_HASH},
        ACCOUNT_HASH[:12],
        lambda r: {"banned_on": "2026-06-05 12:30"},
        lambda o: o.banned_on == dt.datetime(2026, 6, 5, 12, 30, tzinfo=dt.UTC),
        "5 Jun 2026, 12:30",
        seeded=False,
    ),
    Case(
        ExchangeVolume,
        lambda r: {
            "campaign": r.campaign("alibaba-qwen"),
            "count": "640000",
            "count__source": r.source("event-digest-17-takes"),
            "granularity": "day",
            "period_start": "2026-04-22",
            "period_end": "2026-04-22",
        },
        {"count": 640000},
        "28,800,000 exchanges",
        lambda r: {"granularity": "week"},
        lambda o: o.granularity == "week" and o.count == 640000,
        "per week",
        {"granularity": "total"},
        search="minimax",
    ),
    Case(
        Capability,
        lambda r: {"name": "Multilingual reasoning", "slug": "multilingual-reasoning"},
        {"slug": "multilingual-reasoning"},
        "Agentic reasoning",
        lambda r: {"description": "Reasoning across languages."},
        lambda o: o.description == "Reasoning across languages.",
        "Reasoning across languages.",
    ),
    Case(
        Technique,
        lambda r: {"name": "Account farming", "slug": "account-farming"},
        {"slug": "account-farming"},
        "Fraudulent accounts",
        lambda r: {"external_id": "AML.T0099"},
        lambda o: o.external_id == "AML.T0099",
        "AML.T0099",
    ),
    Case(
        Clearance,
        lambda r: {"user": r.user("policy-lead"), "level": "AMBER"},
        {"user__username": "policy-lead"},
        "policy-lead",
        lambda r: {"level": "RED"},
        lambda o: o.level == "RED",
        "TLP:RED",
        {"level": "AMBER"},
        seeded=False,
    ),
]


@pytest.fixture
def ref(db) -> Ref:
    """A small world named like the reference data, made through the services."""

    def make(model: type[models.Model], **data: Any) -> Any:
        return record_create(model=model, data=data)

    anthropic = make(Actor, slug="anthropic", name="Anthropic", kind="ai_lab")
    alibaba = make(Actor, slug="alibaba", name="Alibaba", kind="company", country="China")
    qwen = make(Actor, slug="qwen-lab", name="Qwen lab", kind="ai_lab", parent=alibaba)
    make(Actor, slug="deepseek", name="DeepSeek", kind="ai_lab")
    make(Actor, slug="moonshot-ai", name="Moonshot AI", kind="ai_lab")
    make(Actor, slug="tim-scott", name="Tim Scott", kind="legislator")
    make(Actor, slug="pentagon", name="Pentagon", kind="government_body")
    cnbc = make(Actor, slug="cnbc", name="CNBC", kind="media_outlet", region="North America")
    alibaba_case = make(
        Incident, slug="alibaba-qwen-2026", title="Alibaba / Qwen case", target_provider=anthropic
    )
    make(Incident, slug="february-2026-disclosure", title="February 2026 disclosure")
    make(Capability, slug="tool-use", name="Tool use")
    make(Capability, slug="agentic-reasoning", name="Agentic reasoning")
    make(Technique, slug="fraudulent-accounts", name="Fraudulent accounts")
    make(Source, key="mitre-atlas-cs0056", title="MITRE ATLAS case study", kind="dataset")
    digest = make(Source, key="event-digest-17-takes", title="Event digest", kind="coverage")
    make(Source, key="wire-summary-bloomberg-reuters", title="Wire summary", kind="coverage")

    def fig(value: Any, **kwargs: Any) -> FigureInput:
        return FigureInput(value=value, source=digest, **kwargs)

    campaign = record_create(
        model=Campaign,
        data={"slug": "alibaba-qwen", "name": "Alibaba campaign", "incident": alibaba_case,
              "operators": [alibaba, qwen]},
        figures={
            "start_date": fig("2026-04-22", precision="day"),
            "end_date": fig("2026-06-05", precision="day"),
            "exchanges": fig(28_800_000),
            "accounts": fig(25_000, qualifier="about"),
        },
    )
    minimax = make(Campaign, slug="minimax-feb-2026", name="MiniMax campaign")
    record_create(
        model=AccountCluster,
        data={"campaign": campaign, "label": "Fraudulent operator accounts",
              "detection_signals": ["registration bursts"]},
        figures={"count": fig(25_000, qualifier="about")},
    )
    record_create(model=ExchangeVolume, data={"campaign": campaign},
                  figures={"count": fig(28_800_000)})
    record_create(model=ExchangeVolume, data={"campaign": minimax},
                  figures={"count": fig(13_000_000, qualifier="more_than")})
    make(
        Letter,
        slug="letter-2026-06-10",
        sender=anthropic,
        status="sent",
        subject="Alibaba's distillation campaign against Claude",
    )
    make(
        Coverage,
        url="https://www.cnbc.com/story",
        outlet=cnbc,
        region="North America",
        title="Chinese experts dismiss the claims",
    )
    record_create(
        model=Event,
        data={"slug": "white-house-memo", "title": "White House memo",
              "kind": "regulatory_action"},
        figures={"date": fig("2026-04-01", precision="month")},
    )
    make(Relationship, subject=qwen, kind="part_of", object_actor=alibaba)
    return Ref()


def create_through_admin(client: Any, case: Case, ref: Ref) -> Any:
    form = client.get(admin_url(case.model, "add")).context["form"]
    response = client.post(admin_url(case.model, "add"), form_data(form, **case.create(ref)))
    assert response.status_code == 302, _errors(response)
    return case.model._default_manager.get(**case.find)


def _errors(response: Any) -> Any:
    form = response.context and response.context.get("form")
    return form.errors if form is not None else response.status_code


def listed_rows(client: Any, model: type[models.Model], **params: str) -> list[Any]:
    response = client.get(admin_url(model, "list"), params)
    assert response.status_code == 200
    return list(response.context["object_list"])


@pytest.mark.parametrize("case", CASES, ids=str)
def test_listing_shows_rows_searches_and_filters(admin_client, ref, case):
    if not case.seeded:
        create_through_admin(admin_client, case, ref)
    response = admin_client.get(admin_url(case.model, "list"))
    assert response.status_code == 200
    assert case.listed in text_of(response)
    if case.model is not Clearance:
        assert "TLP:CLEAR" in text_of(response)  # the marking column

    found = listed_rows(admin_client, case.model, q=case.search_term)
    assert found
    assert len(found) < case.model.objects.count() or case.model.objects.count() == 1
    assert not listed_rows(admin_client, case.model, q="zz-no-such-thing")

    filtered = admin_client.get(admin_url(case.model, "list"), case.filter)
    assert filtered.status_code == 200
    rows = list(filtered.context["object_list"])
    assert rows, "the filter matches rows of the world"
    for name, value in case.filter.items():
        assert all(getattr(row, name) == value for row in rows)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_add_form_offers_every_edited_field(admin_client, ref, case):
    response = admin_client.get(admin_url(case.model, "add"))
    assert response.status_code == 200
    page = text_of(response)
    for name in case.create(ref):
        assert f'name="{name}"' in page
    if case.model is not Clearance:
        assert 'name="marking"' in page


@pytest.mark.parametrize("case", CASES, ids=str)
def test_create_edit_inspect_and_history(admin_client, admin_user, ref, case):
    obj = create_through_admin(admin_client, case, ref)
    created = ModelLogEntry.objects.for_instance(obj).get()
    assert created.action == "wagtail.create"
    assert created.user == admin_user

    form = admin_client.get(admin_url(case.model, "edit", obj.pk)).context["form"]
    response = admin_client.post(
        admin_url(case.model, "edit", obj.pk), form_data(form, **case.edit(ref))
    )
    assert response.status_code == 302, _errors(response)
    obj.refresh_from_db()
    assert case.expect(obj)
    edits = ModelLogEntry.objects.for_instance(obj).filter(action="wagtail.edit")
    assert edits.count() == 1
    if hasattr(case.model, "save_revision"):  # models with RevisionMixin keep revisions
        assert Revision.objects.for_instance(obj).count() == 2

    inspect = admin_client.get(admin_url(case.model, "inspect", obj.pk))
    assert inspect.status_code == 200
    assert case.shown in text_of(inspect)

    if case.model.snippet_viewset.copy_view_enabled:
        copy = admin_client.get(admin_url(case.model, "copy", obj.pk))
        assert copy.status_code == 200
        assert case.expect(copy.context["form"].instance)  # the copy starts from the edit

    history = admin_client.get(admin_url(case.model, "history", obj.pk))
    assert history.status_code == 200
    page = text_of(history)
    assert "Created" in page
    assert "Edited" in page
    entries = [(entry.action, entry.user) for entry in history.context["object_list"]]
    assert entries == [("wagtail.edit", admin_user), ("wagtail.create", admin_user)]


def registered_models() -> list[type[models.Model]]:
    viewsets: list[Any] = []
    for entry in VIEWSETS:
        viewsets.extend(getattr(entry, "items", None) or [entry])
    return [viewset.model for viewset in viewsets]


def test_every_model_has_a_case_and_a_viewset():
    assert {case.model for case in CASES} == set(registered_models())
    assert len(registered_models()) == 15


def test_every_admin_page_renders_the_reference_data(
    admin_client, reference_data, django_assert_max_num_queries
):
    for model in registered_models():
        if not model._default_manager.exists():
            continue  # accounts and clearances are not reference data
        with django_assert_max_num_queries(20):  # no query per row
            listing = admin_client.get(admin_url(model, "list"))
        assert listing.status_code == 200, model
        rows = list(listing.context["object_list"])
        assert rows, model
        shown = claim_column(rows[0]) if model is Claim else str(rows[0])
        assert escape(shown) in listing.content.decode()
        for view in ("edit", "inspect", "history"):
            response = admin_client.get(admin_url(model, view, rows[0].pk))
            assert response.status_code == 200, (model, view)


def test_marking_filter_keeps_only_that_marking(admin_client, admin_user, ref):
    record_create(
        model=Actor,
        user=admin_user,
        data={"slug": "insider", "name": "Insider source", "kind": "person", "marking": "AMBER"},
    )
    rows = listed_rows(admin_client, Actor, marking="AMBER")
    assert [row.slug for row in rows] == ["insider"]
    assert len(listed_rows(admin_client, Actor)) == Actor.objects.count()


def test_menu_groups_the_models(admin_client):
    page = text_of(admin_client.get(reverse("wagtailadmin_home")))
    for label in ("Knowledge base", "Evidence", "Figures", "Vocabularies", "Clearances"):
        assert label in page


def test_campaign_listing_shows_figures_with_qualifiers(admin_client, ref):
    page = text_of(admin_client.get(admin_url(Campaign, "list")))
    # As ``incidents.formatting`` writes them everywhere (never "exactly 28,800,000").
    assert "28.8 million" in page and "28,800,000" not in page
    assert "about 25,000" in page


def test_claim_made_in_admin_is_pending_until_reviewed_in_the_queue(
    admin_client, admin_user, ref
):
    campaign = record_create(model=Campaign, data={"name": "Reseller", "slug": "reseller"})
    data = {
        "subject_type": "campaign",
        "subject_campaign": campaign.pk,
        "field": "campaign:exchanges",
        "value_count": "120000",
        "qualifier": "about",
        "source": ref.source("event-digest-17-takes"),
        "credibility": "2",
        "quote": "some 120,000 exchanges",
    }
    form = admin_client.get(admin_url(Claim, "add")).context["form"]
    assert "status" not in form.fields  # reviewing happens in the review queue
    response = admin_client.post(admin_url(Claim, "add"), form_data(form, **data))
    assert response.status_code == 302, _errors(response)

    claim = Claim.objects.get(object_id=campaign.pk, field="exchanges")
    assert len(claim.fingerprint) == 64
    assert (claim.status, claim.reviewed_by) == ("pending", None)
    campaign.refresh_from_db()
    assert campaign.exchanges is None  # a pending claim does not set the figure

    # A forged status is ignored.
    forged = form_data(form, **{**data, "value_count": "130000"})
    forged["status"] = "accepted"
    admin_client.post(admin_url(Claim, "add"), forged)
    assert Claim.objects.get(object_id=campaign.pk, value=130000).status == "pending"

    again = admin_client.post(admin_url(Claim, "add"), form_data(form, **data))
    assert again.status_code == 200
    assert "This source already makes this claim" in text_of(again)

    admin_client.post(reverse("incidents_review:decide"), {
        "one": f"accepted:{claim.pk}", f"expected_{claim.pk}": "pending"})
    claim.refresh_from_db()
    assert (claim.status, claim.reviewed_by) == ("accepted", admin_user)
    assert claim.reviewed_at is not None
    campaign.refresh_from_db()
    assert (campaign.exchanges, campaign.exchanges_qualifier) == (120000, "about")

    # Once reviewed, what the claim states is fixed; its note is not.
    form = admin_client.get(admin_url(Claim, "edit", claim.pk)).context["form"]
    assert not {"value", "value_count", "subject_campaign", "source"} & set(form.fields)
    forged = form_data(form, note="Checked against the digest.")
    forged["value"] = "999"
    response = admin_client.post(admin_url(Claim, "edit", claim.pk), forged)
    assert response.status_code == 302, _errors(response)
    claim.refresh_from_db()
    assert (claim.value, claim.note) == (120000, "Checked against the digest.")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("field", "campaign:velocity", "Select a valid choice"),
        ("field", "incident:disclosed_on", "That is not a field of a campaign"),
        ("subject_campaign", "999999", "Select a valid choice"),
        ("value_count", "", "Enter the count the source states."),
        ("value_count", "-5", "Ensure this value is greater than or equal to 0."),
    ],
)
def test_claim_form_refuses_unknown_field_or_subject(admin_client, ref, field, value, message):
    before = Claim.objects.count()
    data = {
        "subject_type": "campaign",
        "subject_campaign": ref.campaign("alibaba-qwen"),
        "field": "campaign:exchanges",
        "value_count": "1",
        "source": ref.source("mitre-atlas-cs0056"),
        field: value,
    }
    form = admin_client.get(admin_url(Claim, "add")).context["form"]
    response = admin_client.post(admin_url(Claim, "add"), form_data(form, **data))
    assert response.status_code == 200
    assert message in text_of(response)
    assert Claim.objects.count() == before


# --- Bad values ----------------------------------------------------------------------

BAD_CREATES = [
    pytest.param(
        Campaign,
        lambda r: {
            "name": "Backwards",
            "slug": "backwards",
            "start_date": "2026-06-05",
            "end_date": "2026-04-22",
        },
        "end_date",
        "The period ends (2026-04-22) before it starts (2026-06-05).",
        id="campaign-end-before-start",
    ),
    pytest.param(
        Campaign,
        lambda r: {"name": "Negative", "slug": "negative", "exchanges": "-5"},
        "exchanges",
        "Ensure this value is greater than or equal to 0.",
        id="campaign-negative-exchanges",
    ),
    pytest.param(
        ExchangeVolume,
        lambda r: {"campaign": r.campaign("alibaba-qwen"), "count": "-28800000"},
        "count",
        "Ensure this value is greater than or equal to 0.",
        id="exchange-volume-negative-count",
    ),
    pytest.param(
        AccountCluster,
        lambda r: {"label": "Negative", "campaign": r.campaign("alibaba-qwen"), "count": "-1"},
        "count",
        "Ensure this value is greater than or equal to 0.",
        id="account-cluster-negative-count",
    ),
    pytest.param(
        Coverage,
        lambda r: {"title": "Not a link", "url": "cnbc dot com slash story"},
        "url",
        "Enter a valid URL.",
        id="coverage-url-not-a-url",
    ),
    pytest.param(
        Relationship,
        lambda r: {
            "subject": r.actor("alibaba"),
            "kind": "accused",
            "object_actor": r.actor("anthropic"),
            "object_incident": r.incident("alibaba-qwen-2026"),
        },
        "__all__",
        "A relationship points to exactly one object: an actor or an incident.",
        id="relationship-both-objects",
    ),
    pytest.param(
        Relationship,
        lambda r: {"subject": r.actor("alibaba"), "kind": "accused"},
        "__all__",
        "A relationship points to exactly one object: an actor or an incident.",
        id="relationship-no-object",
    ),
    pytest.param(
        Account,
        lambda r: {"external_id_hash": "not-a-sha256-" + "0" * 51, "cluster": r.cluster()},
        "external_id_hash",
        "Must be a SHA-256 hex digest (64 lowercase hex digits).",
        id="account-bad-hash",
    ),
    pytest.param(
        Account,
        lambda r: {"external_id_hash": ACCOUNT_HASH.upper(), "cluster": r.cluster()},
        "external_id_hash",
        "Must be a SHA-256 hex digest (64 lowercase hex digits).",
        id="account-uppercase-hash",
    ),
]


@pytest.mark.parametrize(("model", "values", "field_name", "message"), BAD_CREATES)
def test_bad_values_are_refused_with_a_clear_message(
    admin_client, ref, model, values, field_name, message
):
    before = model.objects.count()
    form = admin_client.get(admin_url(model, "add")).context["form"]
    response = admin_client.post(admin_url(model, "add"), form_data(form, **values(ref)))

    assert response.status_code == 200  # the form again, not a redirect
    errors = response.context["form"].errors
    assert message in errors[field_name]
    page = text_of(response)
    assert "could not be created due to errors" in page
    assert message.replace("'", "&#x27;") in page
    if model is Relationship:  # said once, in words, not again as a constraint name
        assert "relationship_exactly_one_object" not in page
    assert model.objects.count() == before


def test_bad_edit_keeps_the_old_values(admin_client, ref):
    campaign = Campaign.objects.get(slug="alibaba-qwen")
    form = admin_client.get(admin_url(Campaign, "edit", campaign.pk)).context["form"]
    response = admin_client.post(
        admin_url(Campaign, "edit", campaign.pk),
        form_data(form, parent=str(campaign.pk), description="Changed"),
    )
    assert response.status_code == 200
    assert "A campaign cannot be its own parent." in text_of(response)
    campaign.refresh_from_db()
    assert (campaign.parent, campaign.description) == (None, "")
    assert not ModelLogEntry.objects.for_instance(campaign).filter(action="wagtail.edit")


FIGURE_MODELS = [Incident, Campaign, Letter, Event, AccountCluster, ExchangeVolume]


@pytest.mark.parametrize("model", FIGURE_MODELS, ids=lambda m: m.__name__)
def test_figures_are_read_only_on_edit_and_need_a_source_on_create(admin_client, ref, model):
    from incidents.services.records import figure_attrs

    obj = model.objects.first() or create_through_admin(
        admin_client, next(c for c in CASES if c.model is model), ref)
    form = admin_client.get(admin_url(model, "edit", obj.pk)).context["form"]
    attrs = figure_attrs(model)
    assert attrs and not set(attrs) & set(form.fields)
    page = text_of(admin_client.get(admin_url(model, "edit", obj.pk)))
    assert "A figure changes through a claim with a source" in page
    assert f"object_id={obj.pk}" in page  # the link to its claims

    add = admin_client.get(admin_url(model, "add")).context["form"]
    assert set(attrs) <= set(add.fields)
    claim_field = next(iter(c for c in attrs.values()))
    assert f"{claim_field}__source" in add.fields


def test_a_figure_typed_without_a_source_is_refused(admin_client, ref):
    form = admin_client.get(admin_url(Campaign, "add")).context["form"]
    response = admin_client.post(admin_url(Campaign, "add"), form_data(
        form, name="Typed", slug="typed", exchanges="14000000"))
    assert response.status_code == 200
    assert "exchanges__source" in response.context["form"].errors
    assert not Campaign.objects.filter(slug="typed").exists()


def test_edit_of_a_row_created_by_a_service_shows_both_in_history(admin_client, ref):
    capability = record_create(model=Capability, data={"name": "Planning", "slug": "planning"})
    form = admin_client.get(admin_url(Capability, "edit", capability.pk)).context["form"]
    admin_client.post(
        admin_url(Capability, "edit", capability.pk), form_data(form, name="Long-range planning")
    )
    page = text_of(admin_client.get(admin_url(Capability, "history", capability.pk)))
    assert "Created" in page
    assert "Edited" in page
