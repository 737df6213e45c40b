"""factory_boy factories for every domain model, users, clearances and API tokens.

Small and cheap: no reference data, no signals beyond what ``save()`` does, no password
hashing cost (the suite's conftest uses MD5). Every factory takes a ``marking`` (default
TLP:CLEAR, as the model). Claims are made directly (accepted unless told otherwise) with
a unique fingerprint; call ``incidents.services.claims.facts_refresh(subject=...)`` when
the stored figure should follow them.

    from tests import factories as f
    red = f.UserFactory(clearance="RED")
    campaign = f.CampaignFactory(marking="GREEN", parent=f.CampaignFactory(marking="RED"))
    f.ClaimFactory(subject=campaign, field="exchanges", value=1000)
    token, raw = f.api_token(user=red, scope="write")
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from factory.django import DjangoModelFactory

from incidents.models import (
    Account,
    AccountCluster,
    Actor,
    Campaign,
    Capability,
    Claim,
    Clearance,
    CommitteeMembership,
    Coverage,
    Event,
    ExchangeVolume,
    Incident,
    Letter,
    Relationship,
    Source,
    Technique,
)

DAY = dt.date(2026, 1, 15)


class UserFactory(DjangoModelFactory[Any]):
    """A user; ``clearance="AMBER"`` adds a Clearance row (none = the default GREEN)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("pw-test-123")
    is_staff = False
    is_superuser = False

    @factory.post_generation
    def clearance(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if create and extracted:
            user: Any = self
            Clearance.objects.update_or_create(user=user, defaults={"level": extracted})


class ClearanceFactory(DjangoModelFactory[Clearance]):
    class Meta:
        model = Clearance

    user = factory.SubFactory(UserFactory)
    level = "GREEN"


def api_token(*, user: Any, scope: str = "read", clearance: str | None = None,
              name: str = "tests") -> tuple[Any, str]:
    """An API token made the way the project makes them: ``(ApiToken, raw token)``."""
    from kb.api.services import api_token_create

    return api_token_create(user=user, scope=scope, clearance=clearance, name=name)


class ActorFactory(DjangoModelFactory[Actor]):
    class Meta:
        model = Actor

    slug = factory.Sequence(lambda n: f"actor-{n}")
    name = factory.Sequence(lambda n: f"Actor {n}")
    kind = "ai_lab"


class CapabilityFactory(DjangoModelFactory[Capability]):
    class Meta:
        model = Capability

    slug = factory.Sequence(lambda n: f"capability-{n}")
    name = factory.Sequence(lambda n: f"Capability {n}")


class TechniqueFactory(DjangoModelFactory[Technique]):
    class Meta:
        model = Technique

    slug = factory.Sequence(lambda n: f"technique-{n}")
    name = factory.Sequence(lambda n: f"Technique {n}")


class IncidentFactory(DjangoModelFactory[Incident]):
    class Meta:
        model = Incident

    slug = factory.Sequence(lambda n: f"incident-{n}")
    title = factory.Sequence(lambda n: f"Incident {n}")
    disclosed_on = DAY


class CampaignFactory(DjangoModelFactory[Campaign]):
    """A campaign; pass ``operators=[...]``, ``capabilities=[...]``, ``techniques=[...]``."""

    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"campaign-{n}")
    name = factory.Sequence(lambda n: f"Campaign {n}")
    start_date = DAY

    @factory.post_generation
    def operators(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.operators.set(extracted)

    @factory.post_generation
    def capabilities(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.capabilities.set(extracted)

    @factory.post_generation
    def techniques(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.techniques.set(extracted)


class AccountClusterFactory(DjangoModelFactory[AccountCluster]):
    class Meta:
        model = AccountCluster

    campaign = factory.SubFactory(CampaignFactory)
    label = factory.Sequence(lambda n: f"Cluster {n}")
    count = 10
    detection_signals = factory.LazyFunction(lambda: ["burst"])


class AccountFactory(DjangoModelFactory[Account]):
    class Meta:
        model = Account

    cluster = factory.SubFactory(AccountClusterFactory)
    external_id_hash = factory.Sequence(lambda n: hashlib.sha256(f"acct{n}".encode()).hexdigest())


class ExchangeVolumeFactory(DjangoModelFactory[ExchangeVolume]):
    class Meta:
        model = ExchangeVolume

    campaign = factory.SubFactory(CampaignFactory)
    count = 1000


class LetterFactory(DjangoModelFactory[Letter]):
    """A letter; pass ``recipients=[...]`` and ``incidents=[...]``."""

    class Meta:
        model = Letter
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"letter-{n}")
    subject = factory.Sequence(lambda n: f"Letter {n}")
    date = DAY

    @factory.post_generation
    def recipients(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.recipients.set(extracted)

    @factory.post_generation
    def incidents(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.incidents.set(extracted)


def committee_with_leaders(*, code: str = "SSBK",
                           name: str = "Senate Committee on Banking, Housing, and Urban Affairs",
                           chair: str = "Tim Scott", ranking: str = "Elizabeth Warren",
                           members: tuple[str, ...] = (), marking: str = "CLEAR",
                           ) -> tuple[Actor, list[Actor]]:
    """A Senate committee with a Chairman, a Ranking Member and plain ``members``, each
    seat a ``member_of`` relationship with its ``CommitteeMembership`` (as
    ``import_legislators`` writes them). Returns the committee and its members, chair
    first."""
    committee = ActorFactory(kind="committee", name=name, committee_code=code,
                             chamber="senate", slug=f"committee-{code.lower()}",
                             marking=marking)
    people = []
    for n, (person, title, side) in enumerate(
            [(chair, "Chairman", "majority"), (ranking, "Ranking Member", "minority"),
             *((m, "", "majority") for m in members)], start=1):
        member = ActorFactory(kind="legislator", name=person, chamber="senate",
                              bioguide_id=f"{code[:2]}{n:05d}", marking=marking)
        edge = RelationshipFactory(kind="member_of", subject=member, object_actor=committee,
                                   marking=marking)
        CommitteeMembership.objects.create(relationship=edge, title=title, party_side=side,
                                           rank=n)
        people.append(member)
    return committee, people


class CoverageFactory(DjangoModelFactory[Coverage]):
    """A media item; pass ``incidents=[...]``."""

    class Meta:
        model = Coverage
        skip_postgeneration_save = True

    url = factory.Sequence(lambda n: f"https://news.example.org/story-{n}")
    title = factory.Sequence(lambda n: f"Story {n}")
    published_on = DAY
    quotes = factory.LazyFunction(list)

    @factory.post_generation
    def incidents(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.incidents.set(extracted)


class EventFactory(DjangoModelFactory[Event]):
    """An entered event; pass ``actors=[...]`` and ``incidents=[...]``."""

    class Meta:
        model = Event
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"event-{n}")
    title = factory.Sequence(lambda n: f"Event {n}")
    kind = "statement"
    date = DAY

    @factory.post_generation
    def actors(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.actors.set(extracted)

    @factory.post_generation
    def incidents(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.incidents.set(extracted)


class RelationshipFactory(DjangoModelFactory[Relationship]):
    """An actor → actor edge by default; pass ``object_actor=None, object_incident=...``
    for an actor → incident one, and ``sources=[...]``."""

    class Meta:
        model = Relationship
        skip_postgeneration_save = True

    kind = "accused"
    subject = factory.SubFactory(ActorFactory)
    object_actor = factory.SubFactory(ActorFactory)
    object_incident = None

    @factory.post_generation
    def sources(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.sources.set(extracted)


class SourceFactory(DjangoModelFactory[Source]):
    class Meta:
        model = Source

    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Source {n}")
    kind = "report"
    reliability = "B"
    text = "The report says so."


def _fingerprint(claim: Any) -> str:
    payload = f"{claim.subject._meta.label_lower}:{claim.subject.pk}:{claim.field}:" \
              f"{claim.source.key}:{claim.value!r}:{claim.qualifier}"
    return hashlib.sha256(payload.encode()).hexdigest()


class ClaimFactory(DjangoModelFactory[Claim]):
    """A claim about ``subject`` (any claim-bearing record), accepted by default."""

    class Meta:
        model = Claim
        exclude = ("subject",)

    subject = factory.SubFactory(CampaignFactory)
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.subject))
    object_id = factory.LazyAttribute(lambda o: o.subject.pk)
    field = "exchanges"
    value = 1000
    qualifier = "exact"
    source = factory.SubFactory(SourceFactory)
    quote = "the quoted words"
    credibility = 2
    status = "accepted"
    fingerprint = factory.LazyAttribute(_fingerprint)
