"""The leak-matrix world: visible records linked to restricted ones, and readers at every
clearance (signed-in users, staff in the admin, API tokens).

Every record carries a greppable marker of its marking in its name or slug, so a leak is
a marker in a response body: ``zzgrn`` (TLP:GREEN), ``zzamb`` (AMBER), ``zzstr``
(AMBER+STRICT), ``zzred`` (RED). The figures a RED claim would give are markers too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from wagtail.log_actions import log

from incidents.models import Campaign
from incidents.services.claims import facts_refresh
from incidents.services.timeline import derived_events_refresh
from tests import factories as _factories

f: Any = _factories  # factories return model rows; their stubs say otherwise

LEVELS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")

#: What a reader below each level must never meet: the level's name markers and, for
#: RED, the figures only RED claims (or a RED source) give.
MARKERS: dict[str, tuple[str, ...]] = {
    "CLEAR": (),
    "GREEN": ("zzgrn",),
    "AMBER": ("zzamb",),
    "AMBER+STRICT": ("zzstr",),
    "RED": ("zzred", "7777777", "7,777,777", "7.78 million", "7.8 million", "7.777",
            "5555555", "5,555,555", "5.56 million", "5.6 million"),
}

GREEN_EXCHANGES = 1_000_000
RED_EXCHANGES = 7_777_777
RED_SOURCE_ACCOUNTS = 5_555_555
GREEN_ACCOUNTS = 2_000


def forbidden_for(level: str) -> tuple[str, ...]:
    """The markers of every level above ``level``."""
    above = LEVELS[LEVELS.index(level) + 1:]
    return tuple(m for lvl in above for m in MARKERS[lvl])


@dataclass
class Reader:
    name: str
    level: str
    kind: str  # "anon", "user", "token"
    user: Any = None
    raw_token: str = ""
    token: Any = None
    tags: set[str] = field(default_factory=set)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()  # API throttle counts live in the cache
    yield
    cache.clear()


def editors_group() -> Group:
    """Every permission of the domain models and the admin: what a staff analyst has."""
    group, _ = Group.objects.get_or_create(name="security-editors")
    group.permissions.set(Permission.objects.filter(
        content_type__app_label__in=["incidents", "kb_api", "kb_audit"]
    ) | Permission.objects.filter(codename="access_admin"))
    return group


def make_reader_users() -> dict[str, Any]:
    """One staff analyst (all domain permissions, not superuser) per clearance."""
    group = editors_group()
    users = {}
    for level in LEVELS:
        user = f.UserFactory(username=f"reader-{level.lower().replace('+', '-')}",
                             is_staff=True, clearance=level)
        user.groups.add(group)
        users[level] = user
    return users


@pytest.fixture
def readers(db) -> list[Reader]:
    users = make_reader_users()
    out = [Reader("anon", "CLEAR", "anon")]
    out += [Reader(f"user:{lvl}", lvl, "user", user=u) for lvl, u in users.items()]
    # Tokens: lower than their user's clearance, and one of a user later downgraded.
    for name, owner, level in [("token:GREEN<RED", "RED", "GREEN"),
                               ("token:AMBER", "AMBER", "AMBER"),
                               ("token:AMBER+STRICT<RED", "RED", "AMBER+STRICT")]:
        token, raw = f.api_token(user=users[owner], scope="read", clearance=level,
                                 name=name)
        out.append(Reader(name, level, "token", user=users[owner], raw_token=raw,
                          token=token))
    return out


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def world(db) -> SimpleNamespace:
    """Seed the world (factories, ~70 rows, no reference data)."""
    return seed_world()


def seed_world() -> SimpleNamespace:  # noqa: PLR0915  (one flat list of rows)
    G, A, S, R = "GREEN", "AMBER", "AMBER+STRICT", "RED"
    w = SimpleNamespace()
    author = f.UserFactory(username="seed-author", clearance=R)
    w.author = author

    # -- actors -------------------------------------------------------------------------
    w.red_operator = f.ActorFactory(slug="zzred-operator", name="ZZRED Operator", marking=R)
    w.green_operator = f.ActorFactory(slug="zzgrn-operator", name="ZZGRN Operator",
                                      marking=G, parent=w.red_operator)
    w.amber_operator = f.ActorFactory(slug="zzamb-operator", name="ZZAMB Operator", marking=A)
    w.strict_operator = f.ActorFactory(slug="zzstr-operator", name="ZZSTR Operator", marking=S)
    w.red_outlet = f.ActorFactory(slug="zzred-outlet", name="ZZRED Outlet", marking=R,
                                  kind="media_outlet", region="Zzredland", language="xx")
    w.red_publisher = f.ActorFactory(slug="zzred-publisher", name="ZZRED Publisher", marking=R)
    w.red_sender = f.ActorFactory(slug="zzred-sender", name="ZZRED Sender", marking=R,
                                  kind="legislator")
    w.red_recipient = f.ActorFactory(slug="zzred-recipient", name="ZZRED Recipient",
                                     marking=R, kind="committee")
    w.green_recipient = f.ActorFactory(slug="zzgrn-recipient", name="ZZGRN Recipient",
                                       marking=G, kind="committee")
    w.red_provider = f.ActorFactory(slug="zzred-provider", name="ZZRED Provider", marking=R)
    w.red_system = f.ActorFactory(slug="zzred-system", name="ZZRED System", marking=R,
                                  kind="ai_system")
    w.red_event_actor = f.ActorFactory(slug="zzred-event-actor", name="ZZRED Event Actor",
                                       marking=R)
    w.actor_a = f.ActorFactory(slug="zzgrn-actor-a", name="ZZGRN Actor A", marking=G)
    # Linked to actor A only by a RED relationship (the OpenCTI case): below RED, nothing
    # about A may show B, and nothing about B may show A.
    w.partner = f.ActorFactory(slug="zzgrn-secret-partner", name="ZZGRN Secret Partner",
                               marking=G)
    w.red_related = f.ActorFactory(slug="zzred-related-actor", name="ZZRED Related Actor",
                                   marking=R)

    # -- vocabularies -------------------------------------------------------------------
    w.green_capability = f.CapabilityFactory(slug="zzgrn-capability",
                                             name="ZZGRN Capability", marking=G)
    w.amber_capability = f.CapabilityFactory(slug="zzamb-capability",
                                             name="ZZAMB Capability", marking=A)
    w.red_capability = f.CapabilityFactory(slug="zzred-capability", name="ZZRED Capability",
                                           marking=R)
    w.green_technique = f.TechniqueFactory(slug="zzgrn-technique", name="ZZGRN Technique",
                                           marking=G)
    w.red_technique = f.TechniqueFactory(slug="zzred-technique", name="ZZRED Technique",
                                         marking=R)

    # -- incidents and campaigns ----------------------------------------------------------
    w.red_incident = f.IncidentFactory(slug="zzred-incident", title="ZZRED Incident",
                                       marking=R, summary="zzred summary")
    w.green_incident = f.IncidentFactory(slug="zzgrn-incident", title="ZZGRN Incident",
                                         marking=G, target_provider=w.red_provider,
                                         target_system=w.red_system)
    w.red_parent = f.CampaignFactory(slug="zzred-parent", name="ZZRED Parent Campaign",
                                     marking=R, incident=w.red_incident,
                                     capabilities=[w.green_capability],
                                     techniques=[w.green_technique])
    w.campaign = f.CampaignFactory(
        slug="zzgrn-campaign", name="ZZGRN Campaign", marking=G, parent=w.red_parent,
        incident=w.red_incident,
        operators=[w.green_operator, w.amber_operator, w.strict_operator, w.red_operator],
        capabilities=[w.green_capability, w.amber_capability, w.red_capability],
        techniques=[w.green_technique, w.red_technique],
    )
    # On a visible incident, so the pages show it (and its figure).
    w.campaign_b = f.CampaignFactory(
        slug="zzgrn-campaign-b", name="ZZGRN Campaign B", marking=G, incident=w.green_incident,
        operators=[w.green_operator, w.red_operator],
        capabilities=[w.green_capability, w.red_capability], techniques=[w.red_technique],
    )
    w.red_sibling = f.CampaignFactory(slug="zzred-sibling", name="ZZRED Sibling Campaign",
                                      marking=R, incident=w.green_incident)

    # -- sources and claims ---------------------------------------------------------------
    w.red_source = f.SourceFactory(key="zzred-source", title="ZZRED Source", marking=R)
    w.red_coverage = f.CoverageFactory(url="https://news.example.org/zzred-coverage",
                                       title="ZZRED Coverage Story", marking=R,
                                       outlet=w.red_outlet)
    w.red_letter = f.LetterFactory(slug="zzred-letter", subject="ZZRED Letter", marking=R)
    w.green_source = f.SourceFactory(key="zzgrn-source", title="ZZGRN Source", marking=G,
                                     publisher=w.red_publisher, coverage=w.red_coverage,
                                     letter=w.red_letter)
    w.green_source_2 = f.SourceFactory(key="zzgrn-source-2", title="ZZGRN Source Two",
                                       marking=G)
    for subject in (w.campaign, w.campaign_b):
        f.ClaimFactory(subject=subject, field="exchanges", value=GREEN_EXCHANGES,
                       source=w.green_source, marking=G, quote="zzgrn one million")
        f.ClaimFactory(subject=subject, field="exchanges", value=GREEN_EXCHANGES,
                       source=w.green_source_2, marking=G, quote="zzgrn a million")
        f.ClaimFactory(subject=subject, field="accounts", value=GREEN_ACCOUNTS,
                       source=w.green_source_2, marking=G, quote="zzgrn two thousand")
        # An accepted RED claim (from a GREEN source) with another value.
        f.ClaimFactory(subject=subject, field="exchanges", value=RED_EXCHANGES,
                       source=w.green_source_2, marking=R, quote="zzred seven million")
        # A GREEN claim from a RED source.
        f.ClaimFactory(subject=subject, field="accounts", value=RED_SOURCE_ACCOUNTS,
                       source=w.red_source, marking=G, quote="zzred-sourced accounts")
    # GREEN claims whose *values* name hidden records: an operators set listing the RED
    # operator, a ratio "of" the RED cluster (the claim is visible, the names are not).
    w.operators_claim = f.ClaimFactory(
        subject=w.campaign, field="operators", value=["zzgrn-operator", "zzred-operator"],
        source=w.green_source_2, marking=G, quote="zzgrn operators")
    w.ratio_claim = f.ClaimFactory(
        subject=w.campaign, field="exchanges_ratio", value={"of": "zzred-parent", "ratio": 1.8},
        source=w.green_source_2, marking=G, quote="zzgrn ratio")
    w.green_claim = w.campaign.claims.filter(marking=G, source=w.green_source).first()
    w.red_claim = w.campaign.claims.filter(marking=R).first()
    w.claim_from_red_source = w.campaign.claims.filter(source=w.red_source).first()
    # A GREEN claim on a RED subject.
    w.claim_on_red_subject = f.ClaimFactory(
        subject=w.red_parent, field="exchanges", value=3_333_333, source=w.green_source_2,
        marking=G, quote="zzred parent three million")
    for campaign in (w.campaign, w.campaign_b, w.red_parent):
        facts_refresh(subject=campaign)

    # -- parts of campaigns ---------------------------------------------------------------
    w.green_cluster = f.AccountClusterFactory(campaign=w.campaign, label="ZZGRN Cluster",
                                              marking=G)
    w.green_account = f.AccountFactory(cluster=w.green_cluster, marking=G,
                                       external_id_hash=_hash("zzgrn-account"))
    w.part_cluster = f.AccountClusterFactory(campaign=w.red_parent,
                                             label="ZZRED-part cluster", marking=G)
    w.part_account = f.AccountFactory(cluster=w.part_cluster, marking=G,
                                      external_id_hash=_hash("zzred-part-account"))
    w.green_volume = f.ExchangeVolumeFactory(campaign=w.campaign, marking=G, count=1234,
                                             capability=w.red_capability,
                                             account_cluster=w.green_cluster)
    w.part_volume = f.ExchangeVolumeFactory(campaign=w.red_parent, marking=G, count=4321,
                                            capability=w.green_capability)

    # -- documents and the timeline -------------------------------------------------------
    w.letter = f.LetterFactory(slug="zzgrn-letter", subject="ZZGRN Letter", marking=G,
                               sender=w.red_sender, status="sent",
                               recipients=[w.red_recipient, w.green_recipient],
                               incidents=[w.green_incident, w.red_incident])
    w.coverage = f.CoverageFactory(url="https://news.example.org/zzgrn-coverage",
                                   title="ZZGRN Coverage Story", marking=G, region="Europe",
                                   outlet=w.red_outlet, incidents=[w.green_incident])
    w.event = f.EventFactory(slug="zzgrn-event", title="ZZGRN Event", marking=G,
                             actors=[w.red_event_actor, w.green_operator],
                             incidents=[w.green_incident, w.red_incident])
    w.red_event = f.EventFactory(slug="zzred-event", title="ZZRED Event", marking=R,
                                 incidents=[w.green_incident])
    for obj in (w.coverage, w.letter, w.campaign, w.campaign_b):
        derived_events_refresh(obj=obj)
    from incidents.models import Event
    w.coverage_event = Event.objects.get(origin_id=w.coverage.pk, origin_role="coverage")

    # -- relationships ----------------------------------------------------------------------
    w.red_rel = f.RelationshipFactory(subject=w.actor_a, object_actor=w.partner, marking=R,
                                      kind="accused", description="zzred accusation")
    w.rel_to_red = f.RelationshipFactory(subject=w.actor_a, object_actor=w.red_related,
                                         marking=G, kind="member_of",
                                         description="zzgrn to hidden")
    w.rel_visible = f.RelationshipFactory(subject=w.actor_a, object_actor=w.green_operator,
                                          marking=G, kind="develops",
                                          sources=[w.green_source_2, w.red_source])
    w.rel_to_red_incident = f.RelationshipFactory(subject=w.actor_a, object_actor=None,
                                                  object_incident=w.red_incident,
                                                  marking=G, kind="targeted")

    # -- history: log entries and revisions ------------------------------------------------
    log(w.red_parent, "wagtail.edit", user=author)
    log(w.red_incident, "wagtail.edit", user=author)
    # A GREEN campaign saved (revision) while its parent and incident were RED, then
    # edited again: its history and revisions must not name them.
    w.campaign_rev_1 = w.campaign.save_revision(user=author, log_action=True)
    Campaign.objects.filter(pk=w.campaign.pk).update(description="zzgrn revised")
    w.campaign.refresh_from_db()
    w.campaign_rev_2 = w.campaign.save_revision(user=author, log_action=True)
    return w
