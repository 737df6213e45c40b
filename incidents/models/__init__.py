from incidents.models.access import Clearance
from incidents.models.actors import Actor, ActorKind, Chamber, CommitteeMembership, PartySide
from incidents.models.alerts import AlertStatus, FactAlert, FigureCitation
from incidents.models.base import (
    MARKING_ORDER,
    DatePrecision,
    MarkedModel,
    Marking,
    Qualifier,
    markings_up_to,
)
from incidents.models.cases import Campaign, Capability, Incident, IncidentStatus, Technique
from incidents.models.documents import Coverage, Letter, LetterStatus
from incidents.models.ingest import IngestJob as IngestJob
from incidents.models.provenance import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Reliability,
    Source,
    SourceKind,
)
from incidents.models.timeline import Event, EventKind, Relationship, RelationshipKind
from incidents.models.volumes import Account, AccountCluster, ExchangeVolume, Granularity

__all__ = [
    "MARKING_ORDER",
    "Account",
    "AccountCluster",
    "Actor",
    "ActorKind",
    "Chamber",
    "CommitteeMembership",
    "PartySide",
    "AlertStatus",
    "Campaign",
    "Capability",
    "Claim",
    "ClaimKind",
    "ClaimStatus",
    "Clearance",
    "Coverage",
    "DatePrecision",
    "Event",
    "EventKind",
    "ExchangeVolume",
    "FactAlert",
    "FigureCitation",
    "Granularity",
    "Incident",
    "IncidentStatus",
    "Letter",
    "LetterStatus",
    "MarkedModel",
    "Marking",
    "Qualifier",
    "Relationship",
    "RelationshipKind",
    "Reliability",
    "Source",
    "SourceKind",
    "Technique",
    "markings_up_to",
]
