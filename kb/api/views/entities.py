"""Endpoints for every entity. Each viewset says which rows (via the selectors), how
they are found (slug, key or id), and how they may be filtered, ordered and searched."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import OuterRef, Prefetch

from incidents import selectors
from incidents.models import (
    Account,
    AccountCluster,
    Actor,
    Campaign,
    Capability,
    Claim,
    ClaimStatus,
    Coverage,
    Event,
    ExchangeVolume,
    Incident,
    Relationship,
    Source,
    Technique,
)
from incidents.provenance.selectors import claim_redactor
from incidents.selectors import accepted_claims_prefetch, visible
from incidents.services.claims import facts_refresh
from incidents.services.records import record_delete
from kb.api import filters
from kb.api.authentication import viewer_of
from kb.api.serializers import claims as claim_serializers
from kb.api.serializers import entities as s
from kb.api.views.base import ID_REGEX, EntityViewSet
from kb.api.views.crossref import CampaignCrossrefMixin, IncidentTimelineMixin
from kb.api.views.letters import LetterViewSet


def _visible(model: type[models.Model], viewer: Any) -> models.QuerySet:
    return visible(model._default_manager.all(), viewer)


class ActorViewSet(EntityViewSet):
    """Companies, labs, AI systems, government bodies, legislators, committees, outlets."""

    model = Actor
    serializer_class = s.ActorSerializer
    filterset_class = filters.ActorFilter
    ordering_fields = ["name", "slug", "kind", "country", "created_at", "updated_at"]
    search_fields = ["name", "slug", "aliases", "description", "country"]

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return _visible(Actor, viewer).select_related("parent").order_by("name", "pk")


class CapabilityViewSet(EntityViewSet):
    """Capabilities campaigns target."""

    model = Capability
    serializer_class = s.CapabilitySerializer
    filterset_class = filters.CapabilityFilter
    ordering_fields = ["name", "slug", "created_at"]
    search_fields = ["name", "slug", "description", "external_id"]

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return _visible(Capability, viewer).order_by("name", "pk")


class TechniqueViewSet(CapabilityViewSet):
    """Techniques campaigns use."""

    model = Technique  # type: ignore[assignment]
    serializer_class = s.TechniqueSerializer  # type: ignore[assignment]
    filterset_class = filters.TechniqueFilter

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return _visible(Technique, viewer).order_by("name", "pk")


class IncidentViewSet(IncidentTimelineMixin, EntityViewSet):
    """Reported cases, with their disclosure date as a sourced figure."""

    model = Incident
    serializer_class = s.IncidentSerializer
    filterset_class = filters.IncidentFilter
    ordering_fields = ["disclosed_on", "slug", "title", "status", "created_at", "updated_at"]
    search_fields = ["title", "slug", "summary"]
    # ``campaigns`` lists the visible top-level ones: a hidden top-level one is withheld.
    extra_withheld = {"campaigns": (Campaign, {"incident": OuterRef("pk"),
                                               "parent__isnull": True})}

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return selectors.incident_list(viewer=viewer)


class CampaignViewSet(CampaignCrossrefMixin, EntityViewSet):
    """Campaigns, with exchanges, accounts and period as sourced figures; a cluster
    without figures of its own shows the sum of its campaigns' (``rolled_up``)."""

    model = Campaign
    serializer_class = s.CampaignSerializer
    filterset_class = filters.CampaignFilter
    ordering_fields = ["start_date", "end_date", "slug", "name", "exchanges", "accounts",
                       "created_at", "updated_at"]
    search_fields = ["name", "slug", "description"]
    extra_withheld = {"children": (Campaign, {"parent": OuterRef("pk")})}

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return selectors.campaign_list(viewer=viewer).select_related(
            "incident__target_provider", "parent__incident__target_provider"
        )


class AccountClusterViewSet(EntityViewSet):
    """Reported groups of fraudulent accounts."""

    model = AccountCluster
    serializer_class = s.AccountClusterSerializer
    filterset_class = filters.AccountClusterFilter
    lookup_field = "pk"
    lookup_value_regex = ID_REGEX
    claims_without_relation = True
    ordering_fields = ["label", "count", "first_seen", "last_seen", "created_at"]
    search_fields = ["label", "campaign__slug"]

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return (_visible(AccountCluster, viewer).select_related("campaign")
                .order_by("campaign__slug", "label", "pk"))


class AccountViewSet(EntityViewSet):
    """Individual fraudulent accounts (only a hash of the provider's id is kept)."""

    model = Account
    serializer_class = s.AccountSerializer
    filterset_class = filters.AccountFilter
    lookup_field = "pk"
    lookup_value_regex = ID_REGEX
    ordering_fields = ["created_on", "banned_on", "created_at"]
    search_fields = ["external_id_hash"]

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return (_visible(Account, viewer).select_related("cluster__campaign")
                .order_by("pk"))


class ExchangeVolumeViewSet(EntityViewSet):
    """Exchanges over a period: reported totals and points of a series."""

    model = ExchangeVolume
    serializer_class = s.ExchangeVolumeSerializer
    filterset_class = filters.ExchangeVolumeFilter
    lookup_field = "pk"
    lookup_value_regex = ID_REGEX
    claims_without_relation = True
    ordering_fields = ["count", "period_start", "period_end", "created_at"]
    search_fields = ["campaign__slug", "campaign__name"]

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return (_visible(ExchangeVolume, viewer)
                .select_related("campaign", "capability", "account_cluster__campaign")
                .order_by("campaign__slug", "period_start", "pk"))


class CoverageViewSet(EntityViewSet):
    """Media coverage; its canonical URL is unique, its id is the lookup."""

    model = Coverage
    serializer_class = s.CoverageSerializer
    filterset_class = filters.CoverageFilter
    lookup_field = "pk"
    lookup_value_regex = ID_REGEX
    ordering_fields = ["published_on", "title", "region", "created_at"]
    search_fields = ["title", "summary", "lens", "outlet__name", "url"]

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return (
            _visible(Coverage, viewer)
            .select_related("outlet")
            .prefetch_related(Prefetch("incidents", queryset=_visible(Incident, viewer)))
            .order_by("-published_on", "title", "pk")
        )


class EventViewSet(EntityViewSet):
    """Timeline entries; derived ones (campaign periods, letters, coverage) follow the
    record they come from and cannot be edited here."""

    model = Event
    serializer_class = s.EventSerializer
    filterset_class = filters.EventFilter
    lookup_field = "pk"
    lookup_value_regex = ID_REGEX
    ordering_fields = ["date", "kind", "title", "created_at"]
    search_fields = ["title", "description", "slug"]

    def decorate(self, objs: list[Any]) -> None:
        super().decorate(objs)
        s.origins_attach(objs, viewer_of(self.request))  # one query per kind of origin

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return (
            _visible(Event, viewer)
            .prefetch_related(
                Prefetch("actors", queryset=_visible(Actor, viewer)),
                Prefetch("incidents", queryset=_visible(Incident, viewer)),
                accepted_claims_prefetch(viewer),
            )
            .order_by("date", "pk")
        )

    def perform_destroy(self, instance: Any) -> None:
        if instance.is_derived:
            from rest_framework.exceptions import ValidationError

            raise ValidationError(
                "This event is derived from another record; delete or change that record."
            )
        super().perform_destroy(instance)


class RelationshipViewSet(EntityViewSet):
    """Typed, dated, sourced edges from an actor to an actor or an incident."""

    model = Relationship
    serializer_class = s.RelationshipSerializer
    filterset_class = filters.RelationshipFilter
    lookup_field = "pk"
    lookup_value_regex = ID_REGEX
    ordering_fields = ["kind", "start_date", "end_date", "created_at"]
    search_fields = ["subject__name", "object_actor__name", "object_incident__title",
                     "description"]

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return (
            _visible(Relationship, viewer)
            .select_related("subject", "object_actor", "object_incident")
            .prefetch_related(Prefetch("sources", queryset=_visible(Source, viewer)))
            .order_by("subject__name", "kind", "pk")
        )


class SourceViewSet(EntityViewSet):
    """Where claims were read from, found by their stable key."""

    model = Source
    serializer_class = s.SourceSerializer
    filterset_class = filters.SourceFilter
    lookup_field = "key"
    ordering_fields = ["title", "key", "published_on", "reliability", "created_at"]
    search_fields = ["title", "key", "url"]

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return (_visible(Source, viewer).select_related("publisher", "coverage", "letter")
                .order_by("title", "pk"))


class ClaimViewSet(EntityViewSet):
    """Claims: what each source says about each figure and date.

    Posting a claim is idempotent and leaves it *pending*; only its quote, note,
    credibility and marking can be edited afterwards.
    """

    model = Claim
    serializer_class = claim_serializers.ClaimSerializer
    filterset_class = filters.ClaimFilter
    lookup_field = "pk"
    lookup_value_regex = ID_REGEX
    ordering_fields = ["field", "status", "credibility", "created_at", "updated_at"]
    search_fields = ["quote", "note", "field", "source__title"]

    def get_serializer_class(self) -> type:
        if self.action in {"update", "partial_update"}:
            return claim_serializers.ClaimUpdateSerializer
        return claim_serializers.ClaimSerializer

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        # Claim, source and subject visible (``ClaimQuerySet``, over the registry).
        return (
            _visible(Claim, viewer)
            .select_related("source", "content_type", "reviewed_by")
            .prefetch_related("subject")
            .order_by("content_type_id", "object_id", "field", "pk")
        )

    def decorate(self, objs: list[Any]) -> None:
        super().decorate(objs)
        self.claim_redactor = claim_redactor(viewer=viewer_of(self.request), claims=objs)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        redactor = getattr(self, "claim_redactor", None)
        if redactor is not None:
            context["claim_redactor"] = redactor
        return context

    @transaction.atomic
    def perform_destroy(self, instance: Any) -> None:
        subject, accepted = instance.subject, instance.status == ClaimStatus.ACCEPTED
        record_delete(instance=instance, user=self.request.user,
                      viewer=viewer_of(self.request))
        if accepted and subject is not None:
            facts_refresh(subject=subject)  # the shown value may rest on this claim


VIEWSETS: list[tuple[str, type[EntityViewSet]]] = [
    ("actors", ActorViewSet),
    ("incidents", IncidentViewSet),
    ("campaigns", CampaignViewSet),
    ("account-clusters", AccountClusterViewSet),
    ("accounts", AccountViewSet),
    ("exchange-volumes", ExchangeVolumeViewSet),
    ("capabilities", CapabilityViewSet),
    ("techniques", TechniqueViewSet),
    ("letters", LetterViewSet),
    ("coverage", CoverageViewSet),
    ("events", EventViewSet),
    ("relationships", RelationshipViewSet),
    ("sources", SourceViewSet),
    ("claims", ClaimViewSet),
]
