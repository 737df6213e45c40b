"""Reads shared by pages, the API, search and exports.

Every public selector applies visibility by TLP marking for the viewer and loads what
its callers render in a fixed number of queries (``select_related`` /
``prefetch_related`` here, once, never in views).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404

from incidents.models import (
    Actor,
    Campaign,
    Claim,
    ClaimStatus,
    Clearance,
    Event,
    Incident,
    Marking,
    markings_up_to,
)

DEFAULT_CLEARANCE = Marking.GREEN


def clearance_for(viewer: Any) -> str:
    """The most restricted marking ``viewer`` may see.

    A viewer is a user, or anything with a ``clearance_level`` attribute (API tokens).
    Superusers see everything; anonymous viewers only TLP:CLEAR; other users their
    ``Clearance`` row, TLP:GREEN without one.
    """
    if viewer is None:
        return Marking.CLEAR
    level = getattr(viewer, "clearance_level", None)
    if level:
        return str(level)
    if not getattr(viewer, "is_authenticated", False):
        return Marking.CLEAR
    if getattr(viewer, "is_superuser", False):
        return Marking.RED
    try:
        return viewer.clearance.level
    except Clearance.DoesNotExist:
        return DEFAULT_CLEARANCE


def visible[M: Model](queryset: QuerySet[M], viewer: Any) -> QuerySet[M]:
    """``queryset`` restricted to records the viewer's clearance allows."""
    return queryset.filter(marking__in=markings_up_to(clearance_for(viewer)))


def accepted_claims_prefetch(viewer: Any, lookup: str = "claims") -> Prefetch:
    """Prefetch the accepted, visible claims (with sources) of the records at ``lookup``
    into ``accepted_claims``: what ``incidents.figures`` reads."""
    claims = visible(
        Claim.objects.filter(status=ClaimStatus.ACCEPTED).select_related("source"), viewer
    ).filter(source__marking__in=markings_up_to(clearance_for(viewer)))
    return Prefetch(lookup, queryset=claims.order_by("field", "id"), to_attr="accepted_claims")


def campaign_queryset(viewer: Any) -> QuerySet[Campaign]:
    """Visible campaigns with everything ``incidents.figures.campaign_figures`` and a
    campaign card need: operators, capabilities, techniques, children and claims."""
    grandchildren = visible(Campaign.objects.all(), viewer).prefetch_related(
        accepted_claims_prefetch(viewer)
    )
    children = (
        visible(Campaign.objects.all(), viewer)
        .order_by("slug")
        .prefetch_related(
            accepted_claims_prefetch(viewer),
            "capabilities",
            "techniques",
            Prefetch("operators", queryset=visible(Actor.objects.all(), viewer)),
            Prefetch("children", queryset=grandchildren, to_attr="visible_children"),
        )
    )
    return (
        visible(Campaign.objects.all(), viewer)
        .select_related("incident", "parent")
        .prefetch_related(
            Prefetch("operators", queryset=visible(Actor.objects.all(), viewer)),
            "capabilities",
            "techniques",
            Prefetch("children", queryset=children, to_attr="visible_children"),
            accepted_claims_prefetch(viewer),
        )
    )


def campaign_list(*, viewer: Any) -> QuerySet[Campaign]:
    return campaign_queryset(viewer).order_by("start_date", "slug")


def campaign_get(*, viewer: Any, slug: str) -> Campaign:
    return get_visible_or_404(campaign_queryset(viewer), slug=slug)


def incident_list(*, viewer: Any) -> QuerySet[Incident]:
    """Visible incidents with their target and visible campaigns (figures ready)."""
    return (
        visible(Incident.objects.all(), viewer)
        .select_related("target_provider", "target_system")
        .prefetch_related(
            Prefetch(
                "campaigns",
                queryset=campaign_queryset(viewer).filter(parent__isnull=True)
                .order_by("start_date", "slug"),
                to_attr="visible_campaigns",
            ),
            accepted_claims_prefetch(viewer),
        )
        .order_by("-disclosed_on", "slug")
    )


def incident_get(*, viewer: Any, slug: str) -> Incident:
    return get_visible_or_404(incident_list(viewer=viewer), slug=slug)


def incident_events(*, viewer: Any, incident: Incident) -> QuerySet[Event]:
    """Visible timeline events of ``incident`` (entered and derived), in date order."""
    return (
        visible(Event.objects.filter(incidents=incident), viewer)
        .prefetch_related(accepted_claims_prefetch(viewer))
        .order_by("date", "id")
    )


def get_visible_or_404[M: Model](queryset: QuerySet[M], **lookup: Any) -> M:
    """One record or 404: a record the viewer may not see is indistinguishable from none."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404(f"No {queryset.model._meta.verbose_name} matches {lookup}.") from None
