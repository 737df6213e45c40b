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
    ExchangeVolume,
    Incident,
    Relationship,
    Source,
)
from incidents.services.records import record_create, record_delete, record_update
from incidents.services.reference import table_row_counts

pytestmark = pytest.mark.django_db

GOOD_HASH = hashlib.sha256(b"provider-account-4711").hexdigest()
NOT_NEGATIVE = "Ensure this value is greater than or equal to 0."
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
    campaign = record_create(
        model=Campaign,
        data={
            "slug": "alibaba-qwen",
            "name": "Alibaba campaign",
            "incident": incident,
            "start_date": dt.date(2026, 4, 22),
            "end_date": dt.date(2026, 6, 5),
            "exchanges": 28_800_000,
            "accounts": 25_000,
            "accounts_qualifier": "about",
        },
    )
    cluster = record_create(
        model=AccountCluster,
        data={
            "campaign": campaign,
            "label": "Fraudulent operator accounts",
            "count": 25_000,
        },
    )
    source = record_create(model=Source, data={"key": "digest", "title": "Event digest"})
    return {
        "alibaba": alibaba,
        "anthropic": anthropic,
        "incident": incident,
        "campaign": campaign,
        "cluster": cluster,
        "source": source,
    }


def database_state() -> tuple[dict[str, int], int]:
    return table_row_counts(), ModelLogEntry.objects.count()


BAD_CREATES: list[Any] = [
    pytest.param(
        Campaign,
        lambda w: {
            "slug": "backwards",
            "name": "Backwards",
            "start_date": dt.date(2026, 6, 5),
            "end_date": dt.date(2026, 4, 22),
        },
        "end_date",
        "The period ends (2026-04-22) before it starts (2026-06-05).",
        id="campaign-end-before-start",
    ),
    pytest.param(
        Campaign,
        lambda w: {
            "slug": "negative",
            "name": "Negative",
            "exchanges": -5,
            "operators": [w["alibaba"]],
        },
        "exchanges",
        NOT_NEGATIVE,
        id="campaign-negative-exchanges",
    ),
    pytest.param(
        Campaign,
        lambda w: {"slug": "negative", "name": "Negative", "accounts": -1},
        "accounts",
        NOT_NEGATIVE,
        id="campaign-negative-accounts",
    ),
    pytest.param(
        ExchangeVolume,
        lambda w: {"campaign": w["campaign"], "count": -28_800_000},
        "count",
        NOT_NEGATIVE,
        id="exchange-volume-negative-count",
    ),
    pytest.param(
        ExchangeVolume,
        lambda w: {
            "campaign": w["campaign"],
            "count": 1,
            "period_start": dt.date(2026, 6, 5),
            "period_end": dt.date(2026, 4, 22),
        },
        "period_end",
        "The period ends before it starts.",
        id="exchange-volume-backwards",
    ),
    pytest.param(
        AccountCluster,
        lambda w: {"campaign": w["campaign"], "label": "x", "count": -1},
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
        "last_seen",
        "Last seen is before first seen.",
        id="account-cluster-backwards",
    ),
    pytest.param(
        Coverage,
        lambda w: {"title": "Not a link", "url": "cnbc dot com slash story"},
        "url",
        "Enter a valid URL.",
        id="coverage-url-not-a-url",
    ),
    pytest.param(
        Source,
        lambda w: {"key": "bad-url", "title": "Bad URL", "url": "www example org"},
        "url",
        "Enter a valid URL.",
        id="source-url-not-a-url",
    ),
    pytest.param(
        Actor,
        lambda w: {"slug": "bad-url", "name": "Bad URL", "kind": "other", "url": "ftp//nowhere"},
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
        NON_FIELD_ERRORS,
        ONE_OBJECT,
        id="relationship-both-objects",
    ),
    pytest.param(
        Relationship,
        lambda w: {"subject": w["alibaba"], "kind": "accused"},
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
        "end_date",
        "The relationship ends before it starts.",
        id="relationship-backwards",
    ),
    pytest.param(
        Account,
        lambda w: {"cluster": w["cluster"], "external_id_hash": "account-4711"},
        "external_id_hash",
        HASH_MESSAGE,
        id="account-hash-too-short",
    ),
    pytest.param(
        Account,
        lambda w: {"cluster": w["cluster"], "external_id_hash": GOOD_HASH.upper()},
        "external_id_hash",
        HASH_MESSAGE,
        id="account-hash-uppercase",
    ),
    pytest.param(
        Account,
        lambda w: {"cluster": w["cluster"], "external_id_hash": "g" * 64},
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
        "banned_on",
        "An account cannot be banned before it exists.",
        id="account-banned-early",
    ),
]


@pytest.mark.parametrize(("model", "values", "field_name", "message"), BAD_CREATES)
def test_create_with_a_bad_value_names_the_field_and_stores_nothing(
    world, admin_user, model, values, field_name, message
):
    data = values(world)
    before = database_state()

    with pytest.raises(ValidationError) as raised:
        record_create(model=model, user=admin_user, data=data)

    assert message in raised.value.message_dict[field_name]
    assert database_state() == before


BAD_UPDATES: list[Any] = [
    pytest.param(
        "campaign",
        {"end_date": dt.date(2026, 1, 1)},
        "end_date",
        "The period ends (2026-01-01) before it starts (2026-04-22).",
        id="campaign-end-before-start",
    ),
    pytest.param(
        "campaign",
        {"start_date": dt.date(2026, 7, 1)},
        "end_date",
        "The period ends (2026-06-05) before it starts (2026-07-01).",
        id="campaign-start-after-end",
    ),
    pytest.param(
        "campaign",
        {"exchanges": -1, "name": "Renamed"},
        "exchanges",
        NOT_NEGATIVE,
        id="campaign-negative-exchanges",
    ),
    pytest.param(
        "cluster", {"count": -25_000}, "count", NOT_NEGATIVE, id="account-cluster-negative-count"
    ),
    pytest.param(
        "source", {"url": "not a url"}, "url", "Enter a valid URL.", id="source-url-not-a-url"
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

    with pytest.raises(ValidationError) as raised:
        record_update(instance=instance, user=admin_user, data=changes)

    assert message in raised.value.message_dict[field_name]
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
    assert not Claim.objects.exists()


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
    record_update(
        instance=campaign,
        user=admin_user,
        data={"operators": [world["alibaba"]], "exchanges": 28_900_000},
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
    ("model", "data"),
    [
        (
            Campaign,
            lambda w: {
                "slug": "empty-period",
                "name": "Same day",
                "start_date": dt.date(2026, 6, 5),
                "end_date": dt.date(2026, 6, 5),
                "exchanges": 0,
            },
        ),
        (Account, lambda w: {"cluster": w["cluster"], "external_id_hash": GOOD_HASH}),
        (Coverage, lambda w: {"title": "A link", "url": "https://www.cnbc.com/story"}),
        (
            Relationship,
            lambda w: {
                "subject": w["alibaba"],
                "kind": "accused",
                "object_incident": w["incident"],
            },
        ),
    ],
    ids=["campaign-one-day-zero-exchanges", "account", "coverage", "relationship"],
)
def test_good_values_at_the_edges_are_accepted(world, model, data: Callable):
    instance = record_create(model=model, data=data(world))
    assert model.objects.filter(pk=instance.pk).exists()
