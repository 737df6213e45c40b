"""API test fixtures: tokens for each scope and clearance, and an API client with one."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from kb.api.services import api_token_create


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()  # throttle counts live in the cache; each test starts with a full allowance
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def client_with_token(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def admin_token(admin_user):
    """A write-scoped token of the superuser: RED clearance."""
    return api_token_create(user=admin_user, scope="write", name="tests")


@pytest.fixture
def read_token(admin_user):
    return api_token_create(user=admin_user, scope="read", name="tests read")


@pytest.fixture
def admin_api(admin_token) -> APIClient:
    return client_with_token(admin_token[1])


@pytest.fixture
def read_api(read_token) -> APIClient:
    return client_with_token(read_token[1])


ROWS = 55  # "a realistic number": more than one default page (50)


@pytest.fixture
def many_rows(db):
    """ROWS of every entity, linked to each other the way real data is (operators,
    capabilities, recipients, incidents, sources, accepted claims behind figures)."""
    import datetime as dt
    import hashlib

    from django.contrib.contenttypes.models import ContentType

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
        Letter,
        Relationship,
        Source,
        Technique,
    )

    n = range(ROWS)
    day = dt.date(2026, 1, 1)
    actors = Actor.objects.bulk_create(
        Actor(slug=f"actor-{i}", name=f"Actor {i}", kind="ai_lab") for i in n)
    capabilities = Capability.objects.bulk_create(
        Capability(slug=f"cap-{i}", name=f"Capability {i}") for i in n)
    techniques = Technique.objects.bulk_create(
        Technique(slug=f"tech-{i}", name=f"Technique {i}") for i in n)
    incidents = Incident.objects.bulk_create(
        Incident(slug=f"incident-{i}", title=f"Incident {i}", target_provider=actors[0],
                 disclosed_on=day + dt.timedelta(days=i)) for i in n)
    campaigns = Campaign.objects.bulk_create(
        Campaign(slug=f"campaign-{i}", name=f"Campaign {i}", incident=incidents[i],
                 start_date=day, end_date=day + dt.timedelta(days=i), exchanges=1000 * (i + 1),
                 accounts=10 * (i + 1)) for i in n)
    for i, campaign in enumerate(campaigns):
        campaign.operators.set(actors[i:i + 3])
        campaign.capabilities.set(capabilities[i:i + 2])
        campaign.techniques.set(techniques[i:i + 2])
        if i:
            Campaign.objects.filter(pk=campaign.pk).update(parent=campaigns[0])
    clusters = AccountCluster.objects.bulk_create(
        AccountCluster(campaign=campaigns[i], label=f"Cluster {i}", count=i,
                       detection_signals=["burst"]) for i in n)
    Account.objects.bulk_create(
        Account(cluster=clusters[i], external_id_hash=hashlib.sha256(str(i).encode()).hexdigest())
        for i in n)
    volumes = ExchangeVolume.objects.bulk_create(
        ExchangeVolume(campaign=campaigns[i], count=i, capability=capabilities[i],
                       account_cluster=clusters[i]) for i in n)
    letters = Letter.objects.bulk_create(
        Letter(slug=f"letter-{i}", subject=f"Letter {i}", sender=actors[i], date=day,
               status="sent") for i in n)
    for i, letter in enumerate(letters):
        letter.recipients.set(actors[i:i + 2])
        letter.incidents.set(incidents[i:i + 2])
    coverage = Coverage.objects.bulk_create(
        Coverage(url=f"https://example.org/{i}", outlet=actors[i], title=f"Story {i}",
                 published_on=day, quotes=["q"]) for i in n)
    for i, item in enumerate(coverage):
        item.incidents.set(incidents[i:i + 2])
    sources = Source.objects.bulk_create(
        Source(key=f"source-{i}", title=f"Source {i}", publisher=actors[i], coverage=coverage[i],
               letter=letters[i], reliability="B") for i in n)
    events = Event.objects.bulk_create(
        Event(slug=f"event-{i}", title=f"Event {i}", kind="statement", date=day) for i in n)
    for i, event in enumerate(events):
        event.actors.set(actors[i:i + 2])
        event.incidents.set(incidents[:2])
    relationships = Relationship.objects.bulk_create(
        Relationship(kind="accused", subject=actors[i], object_actor=actors[(i + 1) % ROWS])
        for i in n)
    for i, rel in enumerate(relationships):
        rel.sources.set(sources[i:i + 2])
    claims = []
    kinds = [(Campaign, campaigns, "exchanges"), (Incident, incidents, "disclosed_on"),
             (Letter, letters, "date"), (Event, events, "date"),
             (AccountCluster, clusters, "count"), (ExchangeVolume, volumes, "count")]
    for model, rows, field in kinds:
        ct = ContentType.objects.get_for_model(model)
        for i, row in enumerate(rows):
            value = "2026-01-01" if field in {"disclosed_on", "date"} else 1000 * (i + 1)
            claims.append(Claim(
                content_type=ct, object_id=row.pk, field=field, value=value,
                source=sources[i], quote="q", status="accepted", credibility=2,
                fingerprint=hashlib.sha256(f"{model.__name__}{i}{field}".encode()).hexdigest(),
            ))
    Claim.objects.bulk_create(claims)
    return {"actors": actors, "campaigns": campaigns, "incidents": incidents}


# -- a small world with restricted records linked to visible ones ----------------------


def token_api(user, *, scope: str = "read", clearance: str | None = None) -> APIClient:
    """An API client with a fresh token of ``user``."""
    _, raw = api_token_create(user=user, scope=scope, clearance=clearance, name="tests")
    return client_with_token(raw)


def grant(user, *codenames: str) -> None:
    from django.contrib.auth.models import Permission

    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


@pytest.fixture
def world(db):
    """GREEN records linked to RED ones, the way the issue's leaks were found:

    * campaign ``green`` (GREEN): RED incident, RED parent ``red-parent``, operators
      ``green-actor`` and ``red-actor``, capabilities ``green-cap`` and ``red-cap``,
      technique ``red-tech``, a RED child, exchanges 1,000 by a GREEN source and
      4,444,000 by an accepted RED claim on a RED source;
    * campaign ``green-two`` (GREEN): same RED parent, also ``red-cap`` and ``red-actor``,
      incident ``green-inc-two``; both green incidents target ``red-actor``;
    * coverage (GREEN) by the RED outlet ``red-outlet`` about a green and a red incident;
    * a RED relationship between two GREEN actors, a GREEN one to a RED actor;
    * an event (GREEN) with a green and a red actor; a GREEN source published by a RED
      actor; a RED account cluster under ``green``.
    """
    import datetime as dt
    from types import SimpleNamespace

    from incidents.models import (
        AccountCluster,
        Actor,
        Campaign,
        Capability,
        Coverage,
        Event,
        Incident,
        Relationship,
        Source,
        Technique,
    )
    from incidents.services.claims import claim_upsert

    def actor(slug: str, marking: str) -> Actor:
        return Actor.objects.create(slug=slug, name=slug.replace("-", " ").title(),
                                    kind="company", marking=marking)

    w = SimpleNamespace()
    w.green_actor, w.green_other = actor("green-actor", "GREEN"), actor("green-other", "GREEN")
    w.red_actor, w.red_outlet = actor("red-actor", "RED"), actor("red-outlet", "RED")
    w.green_cap = Capability.objects.create(slug="green-cap", name="Green cap", marking="GREEN")
    w.red_cap = Capability.objects.create(slug="red-cap", name="Red cap", marking="RED")
    w.red_tech = Technique.objects.create(slug="red-tech", name="Red tech", marking="RED")
    w.red_inc = Incident.objects.create(slug="red-inc", title="Red incident", marking="RED")
    w.green_inc = Incident.objects.create(slug="green-inc", title="Green incident",
                                          marking="GREEN", target_provider=w.red_actor)
    w.green_inc_two = Incident.objects.create(slug="green-inc-two", title="Green two",
                                              marking="GREEN", target_provider=w.red_actor)
    w.red_parent = Campaign.objects.create(slug="red-parent", name="Red parent", marking="RED")
    w.green = Campaign.objects.create(slug="green", name="Green", marking="GREEN",
                                      incident=w.red_inc, parent=w.red_parent)
    w.green.operators.set([w.green_actor, w.red_actor])
    w.green.capabilities.set([w.green_cap, w.red_cap])
    w.green.techniques.set([w.red_tech])
    w.red_child = Campaign.objects.create(slug="red-child", name="Red child", marking="RED",
                                          parent=w.green)
    w.green_two = Campaign.objects.create(slug="green-two", name="Green two", marking="GREEN",
                                          incident=w.green_inc_two, parent=w.red_parent)
    w.green_two.operators.set([w.red_actor])
    w.green_two.capabilities.set([w.red_cap])
    w.green_three = Campaign.objects.create(slug="green-three", name="Green three",
                                            marking="GREEN", incident=w.green_inc)
    w.green_three.capabilities.set([w.green_cap])
    w.green_source = Source.objects.create(key="green-source", title="Green source",
                                           marking="GREEN", reliability="B",
                                           publisher=w.red_actor)
    w.red_source = Source.objects.create(key="red-source", title="Red source", marking="RED",
                                         reliability="B")
    claim_upsert(subject=w.green, field="exchanges", value=1000, source=w.green_source,
                 quote="1,000 exchanges", status="accepted")
    claim_upsert(subject=w.green, field="exchanges", value=4_444_000, source=w.red_source,
                 quote="4.444 million", status="accepted", marking="RED")
    w.coverage = Coverage.objects.create(url="https://example.org/green", outlet=w.red_outlet,
                                         title="Green story", marking="GREEN",
                                         published_on=dt.date(2026, 6, 1))
    w.coverage.incidents.set([w.green_inc, w.red_inc])
    w.red_link = Relationship.objects.create(kind="accused", subject=w.green_actor,
                                             object_actor=w.green_other, marking="RED")
    w.link_to_red = Relationship.objects.create(kind="accused", subject=w.green_actor,
                                                object_actor=w.red_actor, marking="GREEN")
    w.event = Event.objects.create(slug="green-event", title="Green event", kind="statement",
                                   date=dt.date(2026, 6, 2), marking="GREEN")
    w.event.actors.set([w.green_actor, w.red_actor])
    w.event.incidents.set([w.green_inc, w.red_inc])
    w.red_cluster = AccountCluster.objects.create(campaign=w.green, label="Red cluster",
                                                  count=3, marking="RED")
    return w


@pytest.fixture
def green_api(analyst) -> APIClient:
    """A read token of a GREEN analyst (no Clearance row: the default)."""
    return token_api(analyst)
