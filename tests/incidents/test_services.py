"""The generic write services (``incidents.services.records``).

Bad values raise ``ValidationError`` naming the field and saying what is wrong, and leave
the database exactly as it was; good writes leave a Wagtail log entry, which is what
the admin's history view shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from wagtail.models import ModelLogEntry

from incidents.models import (
    Account,
    AccountCluster,
    Actor,
    Campaign,
    Capability,
    Claim,
    Coverage,
    Event,
    ExchangeVolume,
    Incident,
    Relationship,
    Source,
)
from incidents.services.claims import claim_upsert
from incidents.services.records import FigureInput, record_create, record_delete, record_update
from incidents.services.reference import table_row_counts

pytestmark = pytest.mark.django_db

GOOD_HASH = hashlib.sha256(b"provider-account-4711").hexdigest()
NOT_NEGATIVE = "Ensure this value is greater than or equal to 0."
TOO_BIG = "Ensure this value is less than or equal to 1000000000000."
TYPED = "A figure: it shows the consensus of its accepted claims."
ONE_OBJECT = "A relationship points to exactly one object: an actor or an incident."
HASH_MESSAGE = "Must be a SHA-256 hex digest (64 lowercase hex digits)."


@pytest.fixture
def world(db) -> dict[str, Any]:
    alibaba = record_create(
        model=Actor, data={"slug": "alibaba", "name": "Alibaba", "kind": "company"}
    )
    anthropic = record_create(
        model=Actor, data={"slug": "anthropic", "name": "Anthropic", "kind": "ai_lab"}
    )
    incident = record_create(
        model=Incident, data={"slug": "alibaba-qwen-2026", "title": "Alibaba / Qwen case"}
    )
    source = record_create(model=Source, data={"key": "digest", "title": "Event digest"})
    campaign = record_create(
        model=Campaign,
        data={"slug": "alibaba-qwen", "name": "Alibaba campaign", "incident": incident},
        figures={
            "start_date": FigureInput("2026-04-22", source, precision="day"),
            "end_date": FigureInput("2026-06-05", source, precision="day"),
            "exchanges": FigureInput(28_800_000, source),
            "accounts": FigureInput(25_000, source, qualifier="about"),
        },
    )
    cluster = record_create(
        model=AccountCluster,
        data={"campaign": campaign, "label": "Fraudulent operator accounts"},
        figures={"count": FigureInput(25_000, source)},
    )
    return {
        "alibaba": alibaba,
        "anthropic": anthropic,
        "incident": incident,
        "campaign": campaign,
        "cluster": cluster,
        "source": source,
    }


def test_the_world_figures_rest_on_claims(world):
    campaign = Campaign.objects.get(pk=world["campaign"].pk)
    assert (campaign.exchanges, campaign.accounts, campaign.accounts_qualifier) == (
        28_800_000, 25_000, "about")
    assert (campaign.start_date, campaign.end_date) == (dt.date(2026, 4, 22),
                                                        dt.date(2026, 6, 5))
    assert AccountCluster.objects.get().count == 25_000
    assert Claim.objects.filter(status="accepted").count() == 5


def database_state() -> tuple[dict[str, int], int]:
    return table_row_counts(), ModelLogEntry.objects.count()


BAD_CREATES: list[Any] = [
    pytest.param(
        Campaign,
        lambda w: {"slug": "backwards", "name": "Backwards"},
        {"start_date": "2026-06-05", "end_date": "2026-04-22"},
        "end_date",
        "The period ends (2026-04-22) before it starts (2026-06-05).",
        id="campaign-end-before-start",
    ),
    pytest.param(
        Campaign,
        lambda w: {"slug": "negative", "name": "Negative", "operators": [w["alibaba"]]},
        {"exchanges": -5},
        "exchanges",
        NOT_NEGATIVE,
        id="campaign-negative-exchanges",
    ),
    pytest.param(
        Campaign,
        lambda w: {"slug": "negative", "name": "Negative"},
        {"accounts": -1},
        "accounts",
        NOT_NEGATIVE,
        id="campaign-negative-accounts",
    ),
    pytest.param(
        Campaign,
        lambda w: {"slug": "fractional", "name": "Fractional"},
        {"accounts": 1.5},
        "accounts",
        "Must be a whole number (got 1.5).",
        id="campaign-fractional-accounts",
    ),
    pytest.param(
        Campaign,
        lambda w: {"slug": "huge", "name": "Huge"},
        {"exchanges": 2**63},
        "exchanges",
        TOO_BIG,
        id="campaign-exchanges-2-63",
    ),
    pytest.param(
        Campaign,
        lambda w: {"slug": "typed", "name": "Typed", "exchanges": 14_000_000},
        {},
        "exchanges",
        TYPED,
        id="campaign-typed-figure",
    ),
    pytest.param(
        ExchangeVolume,
        lambda w: {"campaign": w["campaign"]},
        {"count": -28_800_000},
        "count",
        NOT_NEGATIVE,
        id="exchange-volume-negative-count",
    ),
    pytest.param(
        ExchangeVolume,
        lambda w: {
            "campaign": w["campaign"],
            "period_start": dt.date(2026, 6, 5),
            "period_end": dt.date(2026, 4, 22),
        },
        {"count": 1},
        "period_end",
        "The period ends before it starts.",
        id="exchange-volume-backwards",
    ),
    pytest.param(
        AccountCluster,
        lambda w: {"campaign": w["campaign"], "label": "x"},
        {"count": -1},
        "count",
        NOT_NEGATIVE,
        id="account-cluster-negative-count",
    ),
    pytest.param(
        AccountCluster,
        lambda w: {
            "campaign": w["campaign"],
            "label": "x",
            "first_seen": dt.date(2026, 6, 5),
            "last_seen": dt.date(2026, 4, 22),
        },
        {},
        "last_seen",
        "Last seen is before first seen.",
        id="account-cluster-backwards",
    ),
    pytest.param(
        Coverage,
        lambda w: {"title": "Not a link", "url": "cnbc dot com slash story"},
        {},
        "url",
        "Enter a valid URL.",
        id="coverage-url-not-a-url",
    ),
    pytest.param(
        Source,
        lambda w: {"key": "bad-url", "title": "Bad URL", "url": "www example org"},
        {},
        "url",
        "Enter a valid URL.",
        id="source-url-not-a-url",
    ),
    pytest.param(
        Actor,
        lambda w: {"slug": "bad-url", "name": "Bad URL", "kind": "other", "url": "ftp//nowhere"},
        {},
        "url",
        "Enter a valid URL.",
        id="actor-url-not-a-url",
    ),
    pytest.param(
        Relationship,
        lambda w: {
            "subject": w["alibaba"],
            "kind": "accused",
            "object_actor": w["anthropic"],
            "object_incident": w["incident"],
        },
        {},
        NON_FIELD_ERRORS,
        ONE_OBJECT,
        id="relationship-both-objects",
    ),
    pytest.param(
        Relationship,
        lambda w: {"subject": w["alibaba"], "kind": "accused"},
        {},
        NON_FIELD_ERRORS,
        ONE_OBJECT,
        id="relationship-no-object",
    ),
    pytest.param(
        Relationship,
        lambda w: {
            "subject": w["alibaba"],
            "kind": "accused",
            "object_actor": w["anthropic"],
            "start_date": dt.date(2026, 6, 5),
            "end_date": dt.date(2026, 4, 22),
        },
        {},
        "end_date",
        "The relationship ends before it starts.",
        id="relationship-backwards",
    ),
    pytest.param(
        Account,
        lambda w: {"cluster": w["cluster"], "external_id_hash": "account-4711"},
        {},
        "external_id_hash",
        HASH_MESSAGE,
        id="account-hash-too-short",
    ),
    pytest.param(
        Account,
        lambda w: {"cluster": w["cluster"], "external_id_hash": GOOD_HASH.upper()},
        {},
        "external_id_hash",
        HASH_MESSAGE,
        id="account-hash-uppercase",
    ),
    pytest.param(
        Account,
        lambda w: {"cluster": w["cluster"], "external_id_hash": "g" * 64},
        {},
        "external_id_hash",
        HASH_MESSAGE,
        id="account-hash-not-hex",
    ),
    pytest.param(
        Account,
        lambda w: {
            "cluster": w["cluster"],
            "external_id_hash": GOOD_HASH,
            "created_on": dt.datetime(2026, 6, 5, tzinfo=dt.UTC),
            "banned_on": dt.datetime(2026, 4, 22, tzinfo=dt.UTC),
        },
        {},
        "banned_on",
        "An account cannot be banned before it exists.",
        id="account-banned-early",
    ),
]


@pytest.mark.parametrize(("model", "values", "figures", "field_name", "message"), BAD_CREATES)
def test_create_with_a_bad_value_names_the_field_and_stores_nothing(
    world, admin_user, model, values, figures, field_name, message
):
    data = values(world)
    before = database_state()

    with pytest.raises(ValidationError) as raised:
        record_create(model=model, user=admin_user, data=data, figures={
            name: FigureInput(value, world["source"]) for name, value in figures.items()
        })

    assert any(m.startswith(message) for m in raised.value.message_dict[field_name])
    assert database_state() == before


BAD_UPDATES: list[Any] = [
    pytest.param(
        "campaign",
        {"end_date": dt.date(2026, 1, 1)},
        "end_date",
        TYPED,
        id="campaign-typed-end-date",
    ),
    pytest.param(
        "campaign",
        {"exchanges": -1, "name": "Renamed"},
        "exchanges",
        TYPED,
        id="campaign-typed-exchanges",
    ),
    pytest.param(
        "cluster", {"count": 1}, "count", TYPED, id="account-cluster-typed-count"
    ),
    pytest.param(
        "campaign", {"name": "x" * 301}, "name",
        "Ensure this value has at most 300 characters (it has 301).", id="campaign-long-name",
    ),
    pytest.param(
        "campaign", {"description": "x" * 20_001}, "description",
        "Ensure this value has at most 20000 characters (it has 20001).",
        id="campaign-long-description",
    ),
    pytest.param(
        "campaign", {"name": "Nul\x00name"}, "name", "May not contain NUL characters.",
        id="campaign-nul-name",
    ),
    pytest.param(
        "campaign", {"parent": "campaign"}, "parent", "A campaign cannot be its own parent.",
        id="campaign-own-parent",
    ),
    pytest.param(
        "source", {"url": "not a url"}, "url", "Enter a valid URL.", id="source-url-not-a-url"
    ),
    pytest.param(
        "source", {"published_on": dt.date(1899, 12, 31)}, "published_on",
        "Dates lie between 1900-01-01 and 2100-12-31.", id="source-date-1899",
    ),
    pytest.param(
        "alibaba", {"external_ids": [1, 2]}, "external_ids",
        'Expected an object of scheme → identifier (e.g. {"bioguide": "S001184"}), got a list.',
        id="actor-external-ids-list",
    ),
    pytest.param(
        "alibaba", {"aliases": "Alibaba Group"}, "aliases",
        "Expected a list of strings, got a string.", id="actor-aliases-string",
    ),
]


@pytest.mark.parametrize(("name", "changes", "field_name", "message"), BAD_UPDATES)
def test_update_with_a_bad_value_keeps_the_old_values(
    world, admin_user, name, changes, field_name, message
):
    instance = world[name]
    model = type(instance)
    old = model.objects.filter(pk=instance.pk).values().get()
    before = database_state()
    changes = {k: world[v] if isinstance(v, str) and v in world else v
               for k, v in changes.items()}

    with pytest.raises(ValidationError) as raised:
        record_update(instance=instance, user=admin_user, data=changes)

    assert any(m.startswith(message) for m in raised.value.message_dict[field_name])
    assert model.objects.filter(pk=instance.pk).values().get() == old
    assert database_state() == before


def test_update_of_a_relationship_to_two_objects_is_refused(world):
    relationship = record_create(
        model=Relationship,
        data={
            "subject": world["alibaba"],
            "kind": "accused",
            "object_actor": world["anthropic"],
        },
    )
    with pytest.raises(ValidationError) as raised:
        record_update(instance=relationship, data={"object_incident": world["incident"]})
    assert ONE_OBJECT in raised.value.message_dict[NON_FIELD_ERRORS]
    relationship.refresh_from_db()
    assert relationship.object_incident is None


def test_claim_credibility_is_on_the_admiralty_scale(world):
    with pytest.raises(ValidationError) as raised:
        record_create(
            model=Claim,
            data={
                "subject": world["campaign"],
                "field": "exchanges",
                "value": 1,
                "source": world["source"],
                "credibility": 7,
                "fingerprint": "f" * 64,
            },
        )
    assert raised.value.message_dict["credibility"] == [
        "Ensure this value is less than or equal to 6."
    ]
    assert not Claim.objects.filter(fingerprint="f" * 64).exists()


def log_entries(instance: models.Model) -> list[tuple[str, Any]]:
    entries = ModelLogEntry.objects.for_instance(instance).order_by("timestamp", "id")
    return [(entry.action, entry.user) for entry in entries]


def test_create_and_update_write_history_with_the_user(world, admin_user):
    capability = record_create(
        model=Capability, user=admin_user, data={"slug": "tool-use", "name": "Tool use"}
    )
    record_update(instance=capability, user=admin_user, data={"name": "Tool use (APIs)"})

    capability.refresh_from_db()
    assert capability.name == "Tool use (APIs)"
    assert log_entries(capability) == [("wagtail.create", admin_user), ("wagtail.edit", admin_user)]
    edit = ModelLogEntry.objects.for_instance(capability).get(action="wagtail.edit")
    assert edit.label == "Tool use (APIs)"


def test_update_sets_many_to_many_values_and_logs_once(world, admin_user):
    campaign = world["campaign"]
    primary = record_create(model=Source, data={"key": "primary", "title": "Primary",
                                                "reliability": "A"})
    record_update(
        instance=campaign,
        user=admin_user,
        data={"operators": [world["alibaba"]]},
        figures={"exchanges": FigureInput(28_900_000, primary, quote="28.9 million")},
    )

    campaign.refresh_from_db()
    assert campaign.exchanges == 28_900_000
    assert list(campaign.operators.all()) == [world["alibaba"]]
    assert [action for action, _ in log_entries(campaign)] == ["wagtail.create", "wagtail.edit"]


def test_writes_without_a_signed_in_user_are_logged_without_one(world, analyst):
    from django.contrib.auth.models import AnonymousUser

    actor = record_create(
        model=Actor,
        user=AnonymousUser(),
        data={"slug": "deepseek", "name": "DeepSeek", "kind": "ai_lab"},
    )
    record_update(instance=actor, user=analyst, data={"country": "China"})
    assert log_entries(actor) == [("wagtail.create", None), ("wagtail.edit", analyst)]


def test_delete_is_logged_and_cascades(world, admin_user):
    cluster = world["cluster"]
    record_create(model=Account, data={"cluster": cluster, "external_id_hash": GOOD_HASH})
    pk = cluster.pk
    record_delete(instance=cluster, user=admin_user)

    assert not AccountCluster.objects.filter(pk=pk).exists()
    assert not Account.objects.exists()
    deleted = ModelLogEntry.objects.get(action="wagtail.delete")
    assert (deleted.object_id, deleted.user) == (str(pk), admin_user)


@pytest.mark.parametrize(
    ("model", "data", "figures"),
    [
        (
            Campaign,
            lambda w: {"slug": "empty-period", "name": "Same day"},
            {"start_date": "2026-06-05", "end_date": "2026-06-05", "exchanges": 0},
        ),
        (Campaign, lambda w: {"slug": "big", "name": "Big"}, {"exchanges": 10**12}),
        (Account, lambda w: {"cluster": w["cluster"], "external_id_hash": GOOD_HASH}, {}),
        (Coverage, lambda w: {"title": "A link", "url": "https://www.cnbc.com/story",
                              "summary": "s" * 20_000, "published_on": dt.date(1900, 1, 1),
                              "quotes": ["q" * 2000] * 100}, {}),
        (Actor, lambda w: {"slug": "edge", "name": "n" * 200, "kind": "other",
                           "aliases": ["a" * 200] * 50,
                           "external_ids": {f"s{i}": "x" * 200 for i in range(50)}}, {}),
        (Source, lambda w: {"key": "long-text", "title": "Long", "text": "t" * 1_000_000,
                            "published_on": dt.date(2100, 12, 31)}, {}),
        (
            Relationship,
            lambda w: {
                "subject": w["alibaba"],
                "kind": "accused",
                "object_incident": w["incident"],
            },
            {},
        ),
    ],
    ids=["campaign-one-day-zero-exchanges", "campaign-10-12-exchanges", "account",
         "coverage", "actor", "source-megabyte-text", "relationship"],
)
def test_good_values_at_the_edges_are_accepted(world, model, data: Callable, figures):
    instance = record_create(model=model, data=data(world), figures={
        name: FigureInput(value, world["source"]) for name, value in figures.items()
    })
    assert model.objects.filter(pk=instance.pk).exists()
    for name, value in figures.items():
        stored = getattr(model.objects.get(pk=instance.pk), name)
        assert str(stored) == str(value)


# -- claims: the same rules as the records they set -----------------------------------

@pytest.mark.parametrize(("field", "value", "message"), [
    ("exchanges", 2**63, "A count lies between 0 and 1,000,000,000,000."),
    ("exchanges", 10**12 + 1, "A count lies between 0 and 1,000,000,000,000."),
    ("exchanges", 1e300, "A count lies between 0 and 1,000,000,000,000."),
    ("accounts", 1.5, "A count is a whole number; got 1.5."),
    ("accounts", -1, "A count lies between 0 and 1,000,000,000,000."),
    ("accounts", "25000", "A count is a whole number; got '25000'."),
    ("accounts", True, "A count is a whole number; got True."),
    ("exchanges_per_day", 1e300, "A number lies between -1,000,000,000,000 and "
                                 "1,000,000,000,000."),
    ("exchanges_per_day", float("nan"), "Numbers must be finite (no NaN or Infinity)."),
    ("exchanges_per_day", float("inf"), "Numbers must be finite (no NaN or Infinity)."),
    ("start_date", "1899-12-31", "Dates lie between 1900-01-01 and 2100-12-31."),
    ("start_date", "2101-01-01", "Dates lie between 1900-01-01 and 2100-12-31."),
    ("start_date", "22 April", "Expected an ISO date (YYYY-MM-DD), got '22 April'."),
    ("operators", ["alibaba", "not a slug"], "Expected a list of slugs."),
    ("operators", [f"op-{i}" for i in range(101)], "At most 100 slugs (it has 101)."),
    ("exchanges_ratio", {"of": "x", "ratio": 1.8, "extra": 1},
     'A ratio is {"of": "<campaign slug>", "ratio": <number>}.'),
    ("exchanges_ratio", -2, "A number lies between 0 and 1,000,000,000,000."),
    ("exchanges", {"k\x00": 1}, "Object keys may not contain NUL characters."),
])
def test_claim_upsert_refuses_bad_values_before_storing(world, field, value, message):
    before = database_state()
    with pytest.raises(ValidationError) as raised:
        claim_upsert(subject=world["campaign"], field=field, value=value,
                     source=world["source"], status="accepted")
    assert raised.value.message_dict["value"] == [message]
    assert database_state() == before


def test_a_whole_float_count_is_stored_as_a_whole_number(world):
    claim, created = claim_upsert(subject=world["campaign"], field="accounts", value=26000.0,
                                  source=world["source"])
    assert created and claim.value == 26000 and isinstance(claim.value, int)
    assert Claim.objects.get(pk=claim.pk).value == 26000


def test_claim_upsert_refuses_an_unknown_field(world):
    with pytest.raises(ValidationError) as raised:
        claim_upsert(subject=world["campaign"], field="colour", value=1, source=world["source"])
    assert "No claim field 'colour' on campaign" in raised.value.message_dict["field"][0]


@pytest.mark.parametrize(("given", "source_marking", "stored"), [
    (None, "AMBER", "AMBER"),
    ("GREEN", "AMBER", "AMBER"),  # never below the source
    ("RED", "AMBER", "RED"),
    ("CLEAR", "CLEAR", "CLEAR"),
])
def test_a_claim_is_at_least_as_restricted_as_its_source(world, given, source_marking, stored):
    source = Source.objects.create(key=f"s-{source_marking.lower()}-{given}", title="S",
                                   marking=source_marking)
    claim, _ = claim_upsert(subject=world["campaign"], field="accounts", value=24_000,
                            source=source, marking=given)
    assert claim.marking == stored
    assert Claim.objects.get(pk=claim.pk).marking == stored


def test_the_claim_model_refuses_a_marking_below_its_source(world):
    source = Source.objects.create(key="amber", title="Amber", marking="AMBER")
    claim = Claim(subject=world["campaign"], field="accounts", value=1, source=source,
                  marking="GREEN", fingerprint="e" * 64)
    with pytest.raises(ValidationError) as raised:
        claim.full_clean()
    assert raised.value.message_dict["marking"] == [
        "A claim is at least as restricted as its source (AMBER); it cannot be GREEN."]


def test_the_claim_model_checks_the_value_by_kind(world):
    claim = Claim(subject=world["campaign"], field="exchanges", value=1e300,
                  source=world["source"], fingerprint="d" * 64)
    with pytest.raises(ValidationError) as raised:
        claim.full_clean()
    assert raised.value.message_dict["value"] == [
        "A count lies between 0 and 1,000,000,000,000."]


def test_a_campaign_parent_cycle_is_refused(world, admin_user):
    a = world["campaign"]
    b = record_create(model=Campaign, user=admin_user,
                      data={"slug": "b", "name": "B", "parent": a})
    c = record_create(model=Campaign, user=admin_user,
                      data={"slug": "c", "name": "C", "parent": b})
    before = database_state()
    with pytest.raises(ValidationError) as raised:
        record_update(instance=Campaign.objects.get(pk=a.pk), user=admin_user,
                      data={"parent": c})
    assert raised.value.message_dict["parent"] == [
        "That parent would make a cycle: alibaba-qwen → c → b → alibaba-qwen; a campaign "
        "cannot be inside one of its own parts."]
    assert database_state() == before
    assert Campaign.objects.get(pk=a.pk).parent_id is None


@pytest.mark.parametrize(("slug", "message"), [
    ("", "May not be empty."),
    (None, "An entered event needs a slug (its natural key); only events derived from "
           "another record have none."),
])
def test_an_entered_event_needs_a_non_empty_slug(world, slug, message):
    before = database_state()
    with pytest.raises(ValidationError) as raised:
        record_create(model=Event, data={"slug": slug, "title": "T", "kind": "statement"},
                      figures={"date": FigureInput("2026-06-05", world["source"])})
    assert raised.value.message_dict["slug"] == [message]
    assert database_state() == before
