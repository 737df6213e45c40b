"""The hostile-value catalogue: values the validators used to let through, and that broke
the site for everyone afterwards (issue 8, "Values the validators let through").

Every case goes through the API with a write token and must get a 400 whose ``errors``
name the field and give a reason; a representative subset goes through the Wagtail
admin forms (a form error on the field) and the services (``ValidationError`` naming
the field). Each case leaves the database exactly as it was: the row count of every
incidents table (many-to-many tables included) and a SHA-256 of their ordered rows.
After the whole catalogue every API list endpoint and the site's pages answer 200.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient
from wagtail.blocks import BlockField
from wagtail.models import ModelLogEntry

from incidents.models import (
    AccountCluster,
    Actor,
    Campaign,
    Coverage,
    Event,
    ExchangeVolume,
    Incident,
    Letter,
    Source,
)
from incidents.services.claims import claim_upsert
from incidents.services.records import FigureInput, record_create, record_update
from tests import factories as f

pytestmark = pytest.mark.django_db

HASH = hashlib.sha256(b"hostile-account").hexdigest()
DEEP = 100_000
MEGABYTE = 1_000_001


# -- the world the cases write against --------------------------------------------------

@pytest.fixture
def world(db) -> dict[str, Any]:
    """Small factory-made data: one of each record the cases touch, all TLP:CLEAR."""
    actor = f.ActorFactory(slug="actor-a", name="Actor A", aliases=["A"],
                           external_ids={"wikidata": "Q1"})
    incident = f.IncidentFactory(slug="incident-i", target_provider=actor)
    source = f.SourceFactory(key="src", reliability="B")
    campaign = f.CampaignFactory(slug="camp-c", incident=incident, operators=[actor])
    child = f.CampaignFactory(slug="camp-d", parent=campaign)
    f.ClaimFactory(subject=campaign, field="exchanges", value=1000, source=source)
    cluster = f.AccountClusterFactory(campaign=campaign)
    volume = f.ExchangeVolumeFactory(campaign=campaign)
    event = f.EventFactory(slug="event-e", incidents=[incident])
    coverage = f.CoverageFactory(outlet=actor, incidents=[incident])
    letter = f.LetterFactory(slug="letter-l", sender=actor, incidents=[incident])
    return {"actor": actor, "incident": incident, "source": source, "campaign": campaign,
            "child": child, "cluster": cluster, "volume": volume, "event": event,
            "coverage": coverage, "letter": letter}


def database_state() -> tuple[dict[str, int], str]:
    """Row counts of every incidents table (through tables too), the number of log
    entries, and a SHA-256 of every row in primary-key order."""
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    for model in apps.get_app_config("incidents").get_models(include_auto_created=True):
        rows = list(model._default_manager.order_by("pk").values_list())
        counts[model._meta.label] = len(rows)
        digest.update(model._meta.label.encode())
        digest.update(repr(rows).encode())
    counts["log entries"] = ModelLogEntry.objects.count()
    return counts, digest.hexdigest()


# -- the API catalogue ------------------------------------------------------------------

def raw(value: Any) -> str:
    """JSON text for ``value``, NaN and Infinity written as Python's encoder does."""
    return json.dumps(value, allow_nan=True)


def deep_list(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


@dataclass(frozen=True)
class ApiCase:
    id: str
    method: str
    url: Callable[[dict[str, Any]], str]
    body: Callable[[dict[str, Any]], str]
    field: str
    #: a body the JSON parser itself refuses (NaN, 100,000 levels, over-size): a 400
    #: naming the field, or the body as a whole ("" / no field) with a reason
    body_level: bool = False


def post(route: str) -> Callable[[dict[str, Any]], str]:
    return lambda w: f"/api/v1/{route}/"


def at(route: str, key: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], str]:
    return lambda w: f"/api/v1/{route}/{key(w)}/"


def claim(field: str, value_json: str, **extra: Any) -> Callable[[dict[str, Any]], str]:
    def body(w: dict[str, Any]) -> str:
        base = {"subject": "campaign:camp-c", "field": field, "source": "src", **extra}
        text = json.dumps(base)
        return text[:-1] + f', "value": {value_json}}}'
    return body


def obj(base: dict[str, Any], **values: Any) -> Callable[[dict[str, Any]], str]:
    return lambda w: raw({**base, **values})


def raw_obj(base: dict[str, Any], name: str, value_json: str) -> Callable[[dict[str, Any]], str]:
    return lambda w: json.dumps(base)[:-1] + (", " if base else "") + f'"{name}": {value_json}}}'


ACTOR = {"slug": "new-actor", "name": "New actor", "kind": "ai_lab"}
EVENT = {"slug": "new-event", "title": "New event", "kind": "statement",
         "date": {"value": "2026-06-05", "source": "src"}}
COVERAGE = {"url": "https://news.example.org/hostile", "title": "Hostile"}
SOURCE = {"key": "new-source", "title": "New source"}
CAMPAIGN = at("campaigns", lambda w: "camp-c")
ACTOR_A = at("actors", lambda w: "actor-a")
CLUSTER = at("account-clusters", lambda w: w["cluster"].pk)


def figure(value: Any) -> dict[str, Any]:
    return {"value": value, "source": "src"}


API_CASES: list[ApiCase] = [
    # Claim values, by kind.
    ApiCase("claim-count-1e300", "post", post("claims"), claim("exchanges", "1e300"), "value"),
    ApiCase("claim-count-2-63", "post", post("claims"), claim("exchanges", str(2**63)), "value"),
    ApiCase("claim-count-10-12-plus-1", "post", post("claims"),
            claim("exchanges", str(10**12 + 1)), "value"),
    ApiCase("claim-1.5-accounts", "post", post("claims"), claim("accounts", "1.5"), "value"),
    ApiCase("claim-negative-count", "post", post("claims"), claim("accounts", "-1"), "value"),
    ApiCase("claim-count-as-string", "post", post("claims"),
            claim("exchanges", '"28800000"'), "value"),
    ApiCase("claim-number-1e300", "post", post("claims"),
            claim("exchanges_per_day", "1e300"), "value"),
    ApiCase("claim-number-nan", "post", post("claims"), claim("exchanges_per_day", "NaN"),
            "value", body_level=True),
    ApiCase("claim-number-infinity", "post", post("claims"),
            claim("exchanges_per_day", "Infinity"), "value", body_level=True),
    ApiCase("claim-date-1899", "post", post("claims"), claim("start_date", '"1899-12-31"'),
            "value"),
    ApiCase("claim-date-2101", "post", post("claims"), claim("start_date", '"2101-01-01"'),
            "value"),
    ApiCase("claim-date-not-iso", "post", post("claims"), claim("start_date", '"22 April"'),
            "value"),
    ApiCase("claim-set-not-slugs", "post", post("claims"),
            claim("operators", raw(["a b", 3])), "value"),
    ApiCase("claim-set-101-slugs", "post", post("claims"),
            claim("operators", raw([f"op-{i}" for i in range(101)])), "value"),
    ApiCase("claim-nul-in-json-string", "post", post("claims"),
            claim("operators", raw(["alibaba\x00"])), "value"),
    ApiCase("claim-nul-in-json-key", "post", post("claims"),
            claim("exchanges_ratio", raw({"of\x00": "camp-d", "ratio": 1.8})), "value"),
    ApiCase("claim-ratio-bad-shape", "post", post("claims"),
            claim("exchanges_ratio", raw({"ratio": "1.8"})), "value"),
    ApiCase("claim-json-100000-deep", "post", post("claims"),
            claim("operators", deep_list()), "value", body_level=True),
    ApiCase("claim-unknown-field", "post", post("claims"), claim("colour", "1"), "field"),
    ApiCase("claim-quote-20001", "post", post("claims"),
            claim("accounts", "10", quote="q" * 20_001), "quote"),
    ApiCase("claim-quote-nul", "post", post("claims"),
            claim("accounts", "10", quote="a\x00b"), "quote"),
    ApiCase("claim-credibility-7", "post", post("claims"),
            claim("accounts", "10", credibility=7), "credibility"),
    # Actors: JSON schemas, names, NUL, slugs, types.
    ApiCase("actor-external-ids-list", "post", post("actors"),
            obj(ACTOR, external_ids=[1, 2]), "external_ids"),
    ApiCase("actor-external-ids-number", "post", post("actors"),
            obj(ACTOR, external_ids={"bioguide": 5}), "external_ids"),
    ApiCase("actor-external-ids-51", "post", post("actors"),
            obj(ACTOR, external_ids={f"s{i}": "x" for i in range(51)}), "external_ids"),
    ApiCase("actor-external-ids-nul-key", "post", post("actors"),
            obj(ACTOR, external_ids={"bio\x00guide": "S1"}), "external_ids"),
    ApiCase("actor-external-ids-long-scheme", "post", post("actors"),
            obj(ACTOR, external_ids={"s" * 51: "x"}), "external_ids"),
    ApiCase("actor-aliases-not-a-list", "post", post("actors"),
            obj(ACTOR, aliases="Alibaba Group"), "aliases"),
    ApiCase("actor-aliases-numbers", "post", post("actors"), obj(ACTOR, aliases=[1, 2]),
            "aliases"),
    ApiCase("actor-aliases-51", "post", post("actors"),
            obj(ACTOR, aliases=[f"a{i}" for i in range(51)]), "aliases"),
    ApiCase("actor-alias-201-chars", "post", post("actors"), obj(ACTOR, aliases=["a" * 201]),
            "aliases"),
    ApiCase("actor-aliases-nested-deep", "post", post("actors"),
            raw_obj(ACTOR, "aliases", deep_list()), "aliases", body_level=True),
    ApiCase("actor-name-201", "post", post("actors"), obj(ACTOR, name="n" * 201), "name"),
    ApiCase("actor-name-nul", "post", post("actors"), obj(ACTOR, name="Nul\x00lab"), "name"),
    ApiCase("actor-name-wrong-type", "post", post("actors"), obj(ACTOR, name=5), "name"),
    ApiCase("actor-description-megabyte", "post", post("actors"),
            obj(ACTOR, description="d" * MEGABYTE), "description", body_level=True),
    ApiCase("actor-description-20001", "post", post("actors"),
            obj(ACTOR, description="d" * 20_001), "description"),
    ApiCase("actor-empty-slug", "post", post("actors"), obj(ACTOR, slug=""), "slug"),
    ApiCase("actor-kind-unknown", "post", post("actors"), obj(ACTOR, kind="spaceship"), "kind"),
    ApiCase("actor-patch-aliases-object", "patch", ACTOR_A, obj({}, aliases={"a": 1}),
            "aliases"),
    ApiCase("actor-patch-description-nul", "patch", ACTOR_A,
            obj({}, description="x\x00y"), "description"),
    # Campaigns: parent cycles, figures, text.
    ApiCase("campaign-parent-cycle", "patch", CAMPAIGN, obj({}, parent="camp-d"), "parent"),
    ApiCase("campaign-own-parent", "patch", CAMPAIGN, obj({}, parent="camp-c"), "parent"),
    ApiCase("campaign-exchanges-2-63", "patch", CAMPAIGN, obj({}, exchanges=figure(2**63)),
            "exchanges"),
    ApiCase("campaign-exchanges-1e300", "patch", CAMPAIGN,
            raw_obj({}, "exchanges", '{"value": 1e300, "source": "src"}'), "exchanges"),
    ApiCase("campaign-accounts-1.5", "patch", CAMPAIGN, obj({}, accounts=figure(1.5)),
            "accounts"),
    ApiCase("campaign-accounts-negative", "patch", CAMPAIGN, obj({}, accounts=figure(-1)),
            "accounts"),
    ApiCase("campaign-exchanges-typed", "patch", CAMPAIGN, obj({}, exchanges=14_000_000),
            "exchanges"),
    ApiCase("campaign-start-1899", "patch", CAMPAIGN,
            obj({}, start_date=figure("1899-12-31")), "start_date"),
    ApiCase("campaign-end-2101", "patch", CAMPAIGN, obj({}, end_date=figure("2101-01-01")),
            "end_date"),
    ApiCase("campaign-description-20001", "patch", CAMPAIGN,
            obj({}, description="d" * 20_001), "description"),
    ApiCase("campaign-name-nul", "patch", CAMPAIGN, obj({}, name="C\x00"), "name"),
    ApiCase("campaign-name-301", "patch", CAMPAIGN, obj({}, name="n" * 301), "name"),
    # Events.
    ApiCase("event-empty-slug", "post", post("events"), obj(EVENT, slug=""), "slug"),
    ApiCase("event-value-1e300", "post", post("events"),
            raw_obj(EVENT, "value", '{"value": 1e300, "source": "src"}'), "value"),
    ApiCase("event-value-nan", "post", post("events"),
            raw_obj(EVENT, "value", '{"value": NaN, "source": "src"}'), "value",
            body_level=True),
    ApiCase("event-date-2101", "post", post("events"),
            obj(EVENT, date=figure("2101-01-01")), "date"),
    ApiCase("event-title-301", "patch", at("events", lambda w: w["event"].pk),
            obj({}, title="t" * 301), "title"),
    # Coverage.
    ApiCase("coverage-quotes-string", "post", post("coverage"), obj(COVERAGE, quotes="q"),
            "quotes"),
    ApiCase("coverage-quotes-numbers", "post", post("coverage"), obj(COVERAGE, quotes=[1]),
            "quotes"),
    ApiCase("coverage-quotes-101", "post", post("coverage"),
            obj(COVERAGE, quotes=["q"] * 101), "quotes"),
    ApiCase("coverage-quote-2001-chars", "post", post("coverage"),
            obj(COVERAGE, quotes=["q" * 2001]), "quotes"),
    ApiCase("coverage-published-1899", "patch", at("coverage", lambda w: w["coverage"].pk),
            obj({}, published_on="1899-12-31"), "published_on"),
    ApiCase("coverage-summary-nul", "patch", at("coverage", lambda w: w["coverage"].pk),
            obj({}, summary="s\x00"), "summary"),
    # Account clusters, volumes, accounts.
    ApiCase("cluster-signals-objects", "patch", CLUSTER,
            obj({}, detection_signals=[{"a": 1}]), "detection_signals"),
    ApiCase("cluster-signals-101", "patch", CLUSTER,
            obj({}, detection_signals=["s"] * 101), "detection_signals"),
    ApiCase("cluster-count-1.5", "patch", CLUSTER, obj({}, count=figure(1.5)), "count"),
    ApiCase("cluster-first-seen-2101", "patch", CLUSTER, obj({}, first_seen="2101-01-01"),
            "first_seen"),
    ApiCase("volume-count-over-10-12", "patch", at("exchange-volumes", lambda w: w["volume"].pk),
            obj({}, count=figure(10**12 + 1)), "count"),
    ApiCase("account-created-1899", "post", post("accounts"),
            lambda w: raw({"cluster": w["cluster"].pk, "external_id_hash": HASH,
                           "created_on": "1899-06-01T00:00:00Z"}), "created_on"),
    # Sources, letters, incidents.
    ApiCase("source-text-over-a-megabyte", "post", post("sources"),
            obj(SOURCE, text="t" * MEGABYTE), "text", body_level=True),
    ApiCase("source-published-2101", "patch", at("sources", lambda w: "src"),
            obj({}, published_on="2101-01-01"), "published_on"),
    ApiCase("source-title-nul", "patch", at("sources", lambda w: "src"),
            obj({}, title="T\x00"), "title"),
    ApiCase("letter-summary-20001", "patch", at("letters", lambda w: "letter-l"),
            obj({}, summary="b" * 20_001), "summary"),
    ApiCase("letter-date-2101", "patch", at("letters", lambda w: "letter-l"),
            obj({}, date={"value": "2101-01-01", "source": "src"}), "date"),
    ApiCase("incident-summary-20001", "patch", at("incidents", lambda w: "incident-i"),
            obj({}, summary="s" * 20_001), "summary"),
    ApiCase("incident-disclosed-1899", "patch", at("incidents", lambda w: "incident-i"),
            obj({}, disclosed_on=figure("1899-12-31")), "disclosed_on"),
]


@pytest.fixture
def writer(admin_user) -> APIClient:
    """An API client with a write-scoped token of a superuser (TLP:RED)."""
    _token, secret = f.api_token(user=admin_user, scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def send(client: APIClient, case: ApiCase, world: dict[str, Any]) -> Any:
    cache.clear()  # throttle counts live in the cache: the catalogue is not a flood
    return client.generic(case.method.upper(), case.url(world), case.body(world),
                          content_type="application/json")


def refusal_problem(case: ApiCase, response: Any) -> str | None:
    """What is wrong with ``response`` as the refusal of ``case``, or None."""
    if response.status_code != 400:
        return f"status {response.status_code}: {response.content[:300]!r}"
    try:
        payload = response.json()
    except ValueError:
        return f"not JSON: {response.content[:200]!r}"
    errors = payload.get("errors")
    if not isinstance(errors, list):
        return f"no errors list: {payload!r}"[:400]
    named = [e for e in errors if (e.get("field") == case.field
                                   or str(e.get("field", "")).startswith(case.field + "."))
             and e.get("reason")]
    if named:
        return None
    if case.body_level and payload.get("detail") and all(
        not e.get("field") for e in errors
    ):
        return None  # the body as a whole was refused, with a reason
    return f"no error names {case.field!r}: {payload!r}"[:600]


def test_the_catalogue_covers_enough_cases():
    assert len(API_CASES) >= 40
    assert len({c.id for c in API_CASES}) == len(API_CASES)


@pytest.mark.parametrize("case", API_CASES, ids=[c.id for c in API_CASES])
def test_the_api_refuses_the_value_naming_the_field(world, writer, case):
    before = database_state()
    response = send(writer, case, world)
    assert refusal_problem(case, response) is None, refusal_problem(case, response)
    assert database_state() == before


# -- the same values through the services -----------------------------------------------

SERVICE_CASES: list[Any] = [
    pytest.param(lambda w: claim_upsert(subject=w["campaign"], field="exchanges", value=1e300,
                                        source=w["source"]), "value", id="claim-1e300"),
    pytest.param(lambda w: claim_upsert(subject=w["campaign"], field="exchanges", value=2**63,
                                        source=w["source"], status="accepted"), "value",
                 id="claim-2-63"),
    pytest.param(lambda w: claim_upsert(subject=w["campaign"], field="accounts", value=1.5,
                                        source=w["source"]), "value", id="claim-1.5-accounts"),
    pytest.param(lambda w: record_update(instance=w["campaign"], data={},
                                         figures={"accounts": FigureInput(1.5, w["source"])}),
                 "accounts", id="figure-1.5-accounts"),
    pytest.param(lambda w: record_create(model=Actor, data={**ACTOR, "external_ids": [1, 2]}),
                 "external_ids", id="actor-external-ids-list"),
    pytest.param(lambda w: record_create(model=Actor, data={**ACTOR, "aliases": "x"}),
                 "aliases", id="actor-aliases-string"),
    pytest.param(lambda w: record_create(model=Actor, data={
        **ACTOR, "aliases": json.loads(deep_list(1000))}), "aliases", id="actor-aliases-deep"),
    pytest.param(lambda w: record_create(model=Actor, data={
        **ACTOR, "external_ids": {"k\x00": "v"}}), "external_ids", id="actor-nul-json-key"),
    pytest.param(lambda w: record_create(model=Actor, data={**ACTOR, "name": "a\x00"}),
                 "name", id="actor-nul-name"),
    pytest.param(lambda w: record_create(model=Source, data={**SOURCE, "text": "t" * MEGABYTE}),
                 "text", id="source-megabyte-text"),
    pytest.param(lambda w: record_create(model=Coverage, data={
        **COVERAGE, "published_on": dt.date(2101, 1, 1)}), "published_on",
        id="coverage-2101"),
    pytest.param(lambda w: record_create(model=Event, data={
        "slug": "", "title": "T", "kind": "statement"},
        figures={"date": FigureInput("2026-06-05", w["source"])}), "slug",
        id="event-empty-slug"),
    pytest.param(lambda w: record_update(instance=w["campaign"], data={"parent": w["child"]}),
                 "parent", id="campaign-parent-cycle"),
    pytest.param(lambda w: record_update(instance=w["cluster"], data={
        "detection_signals": [None]}), "detection_signals", id="cluster-signals-null"),
    pytest.param(lambda w: record_update(instance=w["volume"], data={
        "period_start": dt.date(1899, 12, 31)}), "period_start", id="volume-1899"),
    pytest.param(lambda w: record_update(instance=w["letter"], data={"summary": "b" * 20_001}),
                 "summary", id="letter-long-summary"),
]


@pytest.mark.parametrize(("call", "field_name"), SERVICE_CASES)
def test_the_services_refuse_the_value_naming_the_field(world, call, field_name):
    before = database_state()
    with pytest.raises(ValidationError) as raised:
        call(world)
    messages = raised.value.message_dict.get(field_name)
    assert messages and all(messages), raised.value.message_dict
    assert database_state() == before


# -- and through the admin forms --------------------------------------------------------

def admin_url(model: type, view: str, *args: Any) -> str:
    return reverse(f"wagtailsnippets_incidents_{model._meta.model_name}:{view}", args=args)


def form_data(form: Any, **changes: Any) -> dict[str, Any]:
    """What a browser would submit for ``form`` as rendered, with ``changes`` typed in."""
    data: dict[str, Any] = {}
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        if bound.field.disabled:
            continue  # a browser does not send a disabled input
        if isinstance(bound.field, BlockField):
            data[f"{name}-count"] = "0"  # a StreamField as its widget posts an empty one
            continue
        if value is None and isinstance(bound.field, forms.ModelMultipleChoiceField):
            value = []
        elif value is None:
            value = ""
        elif isinstance(value, dt.datetime):
            value = value.strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, list | tuple):
            value = [str(v) for v in value]
        else:
            value = str(bound.field.prepare_value(value)) if isinstance(
                bound.field, forms.JSONField) else str(value)
        data[name] = value
    for name, value in changes.items():
        assert name in data, f"{name} is not a field of the admin form"
        data[name] = value
    return data


@dataclass(frozen=True)
class AdminCase:
    id: str
    model: type
    target: Callable[[dict[str, Any]], Any] | None  # the record edited; None: a new one
    changes: dict[str, Any] = field(default_factory=dict)
    field: str = ""


NEW_ACTOR = {"slug": "admin-actor", "name": "Admin actor", "kind": "ai_lab"}

ADMIN_CASES = [
    AdminCase("actor-external-ids-list", Actor, None,
              {**NEW_ACTOR, "external_ids": "[1, 2]"}, "external_ids"),
    AdminCase("actor-external-ids-number", Actor, lambda w: w["actor"],
              {"external_ids": '{"bioguide": 5}'}, "external_ids"),
    AdminCase("actor-aliases-not-a-list", Actor, lambda w: w["actor"],
              {"aliases": '"Alibaba"'}, "aliases"),
    AdminCase("actor-aliases-nul", Actor, lambda w: w["actor"],
              {"aliases": '["a\\u0000b"]'}, "aliases"),
    AdminCase("actor-external-ids-nul-key", Actor, lambda w: w["actor"],
              {"external_ids": '{"a\\u0000": "b"}'}, "external_ids"),
    AdminCase("actor-description-20001", Actor, lambda w: w["actor"],
              {"description": "d" * 20_001}, "description"),
    AdminCase("campaign-parent-cycle", Campaign, lambda w: w["campaign"],
              {"parent": lambda w: str(w["child"].pk)}, "parent"),
    AdminCase("coverage-quotes-string", Coverage, lambda w: w["coverage"],
              {"quotes": '"just one"'}, "quotes"),
    AdminCase("coverage-published-2101", Coverage, lambda w: w["coverage"],
              {"published_on": "2101-01-01"}, "published_on"),
    AdminCase("cluster-signals-numbers", AccountCluster, lambda w: w["cluster"],
              {"detection_signals": "[1, 2]"}, "detection_signals"),
    AdminCase("event-empty-slug", Event, lambda w: w["event"], {"slug": ""}, "slug"),
    AdminCase("source-published-1899", Source, lambda w: w["source"],
              {"published_on": "1899-12-31"}, "published_on"),
    AdminCase("incident-summary-20001", Incident, lambda w: w["incident"],
              {"summary": "s" * 20_001}, "summary"),
    AdminCase("letter-summary-20001", Letter, lambda w: w["letter"],
              {"summary": "b" * 20_001}, "summary"),
    AdminCase("volume-period-1899", ExchangeVolume, lambda w: w["volume"],
              {"period_start": "1899-12-31"}, "period_start"),
]


@pytest.mark.parametrize("case", ADMIN_CASES, ids=[c.id for c in ADMIN_CASES])
def test_the_admin_form_refuses_the_value_on_the_field(world, admin_client, case):
    target = case.target(world) if case.target else None
    url = admin_url(case.model, "edit", target.pk) if target else admin_url(case.model, "add")
    form = admin_client.get(url).context["form"]
    changes = {k: v(world) if callable(v) else v for k, v in case.changes.items()}
    before = database_state()
    response = admin_client.post(url, form_data(form, **changes))
    assert response.status_code == 200, "the form again, not a redirect"
    errors = response.context["form"].errors
    assert errors.get(case.field), dict(errors)
    assert database_state() == before


# -- afterwards, everything still answers -------------------------------------------------

def list_urls() -> list[str]:
    from kb.api.views.entities import VIEWSETS

    urls = [f"/api/v1/{prefix}/" for prefix, _ in VIEWSETS]
    urls += [f"/api/v1/{prefix}/?format=csv" for prefix, _ in VIEWSETS]
    urls += ["/api/v1/conflicts/", "/api/v1/derived-checks/", "/api/v1/alerts/"]
    return urls


def test_after_the_whole_catalogue_every_list_and_page_answers_200(
        world, writer, admin_client, client):
    before = database_state()
    failures = {}
    for case in API_CASES:
        problem = refusal_problem(case, send(writer, case, world))
        if problem:
            failures[case.id] = problem
    for call, _field in ((p.values[0], p.values[1]) for p in SERVICE_CASES):
        with pytest.raises(ValidationError):
            call(world)
    assert database_state() == before
    assert not failures, failures

    broken = {}
    for url in list_urls():
        cache.clear()
        response = writer.get(url)
        if response.status_code != 200:
            broken[url] = response.status_code
    for url in ["/", f"/incidents/{world['incident'].slug}/", "/search/?q=x"]:
        for reader in (client, admin_client):
            response = reader.get(url)
            if response.status_code != 200:
                broken[f"{url} ({'admin' if reader is admin_client else 'anonymous'})"] = (
                    response.status_code)
    assert not broken, broken


# -- the generic rules hold for every field of every domain record -----------------------

def domain_fields(kinds: tuple[type, ...]) -> list[Any]:
    from django.db import models

    found = []
    for model in apps.get_app_config("incidents").get_models():
        if not hasattr(model, "marking"):
            continue
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, kinds) and not isinstance(model_field, models.SlugField) \
                    and model_field.name != "marking" and not model_field.choices:
                found.append(pytest.param(model, model_field.name,
                                          id=f"{model._meta.model_name}.{model_field.name}"))
    return found


def test_every_text_field_has_a_length_limit():
    from django.db import models

    unlimited = [f"{m._meta.label}.{fl.name}"
                 for m in apps.get_app_config("incidents").get_models()
                 for fl in m._meta.concrete_fields
                 if isinstance(fl, models.TextField | models.CharField) and not fl.max_length]
    assert unlimited == []


def _text_fields() -> list[Any]:
    from django.db import models

    return domain_fields((models.CharField, models.TextField))


def _date_fields() -> list[Any]:
    from django.db import models

    return [p for p in domain_fields((models.DateField, models.DateTimeField))
            if p.values[1] not in {"created_at", "updated_at"}]


@pytest.mark.parametrize(("model", "name"), _text_fields())
def test_no_text_field_takes_a_nul_or_more_than_its_limit(model, name):
    record = model()
    setattr(record, name, "a\x00b")
    with pytest.raises(ValidationError) as raised:
        record.full_clean(validate_unique=False, validate_constraints=False)
    assert "May not contain NUL characters." in raised.value.message_dict[name]

    limit = model._meta.get_field(name).max_length
    setattr(record, name, "x" * (limit + 1))
    with pytest.raises(ValidationError) as raised:
        record.full_clean(validate_unique=False, validate_constraints=False)
    assert any(str(limit) in m for m in raised.value.message_dict[name])


@pytest.mark.parametrize(("model", "name"), _date_fields())
@pytest.mark.parametrize("year", [1899, 2101])
def test_no_date_field_takes_a_date_outside_1900_to_2100(model, name, year):
    from django.db import models

    record = model()
    day = dt.date(year, 6, 1)
    if isinstance(model._meta.get_field(name), models.DateTimeField):
        value: Any = dt.datetime(year, 6, 1, tzinfo=dt.UTC)
    else:
        value = day
    setattr(record, name, value)
    with pytest.raises(ValidationError) as raised:
        record.full_clean(validate_unique=False, validate_constraints=False)
    assert raised.value.message_dict[name] == ["Dates lie between 1900-01-01 and 2100-12-31."]
