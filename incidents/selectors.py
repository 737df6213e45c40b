"""Reads shared by pages, the API, search and exports.

Every public selector applies visibility by TLP marking for the viewer and loads what
its callers render in a fixed number of queries (``select_related`` /
``prefetch_related`` here, once, never in views).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from incidents.models import (
    Actor,
    Campaign,
    Capability,
    Claim,
    ClaimStatus,
    Event,
    Incident,
    Technique,
)
from incidents.visibility import DEFAULT_CLEARANCE, ORDER, clearance_for, hidden_rows

__all__ = ["DEFAULT_CLEARANCE", "clearance_for", "visible"]


def visible[M: Model](queryset: QuerySet[M], viewer: Any) -> QuerySet[M]:
    """``queryset`` restricted to the rows the viewer may see (``incidents.visibility``:
    own marking, and for parts, links and claims what they depend on)."""
    return queryset.visible_to(viewer)  # type: ignore[attr-defined]


def accepted_claims_prefetch(viewer: Any, lookup: str = "claims") -> Prefetch:
    """Prefetch the accepted, visible claims (with sources) of the records at ``lookup``
    into ``accepted_claims``: what ``incidents.figures`` reads."""
    claims = (Claim.objects.filter(status=ClaimStatus.ACCEPTED)
              .select_related("source", "content_type")
              .visible_about_visible(viewer))
    return Prefetch(lookup, queryset=claims.order_by("field", "id"), to_attr="accepted_claims")


def withheld(viewer: Any, **links: tuple[type[Model], str]) -> dict[str, Exists]:
    """Annotations ``withheld_<name>``, one per ``name=(model, link)``: whether the record
    is linked (``link``: the lookup from ``model`` back to the record) to a row of
    ``model`` the viewer may not see. What a page needs to show one neutral "restricted"
    marker in place of hidden related records without naming or counting them. Nothing
    to annotate at TLP:RED (read them with ``getattr(obj, "withheld_…", False)``)."""
    if clearance_for(viewer) == ORDER[-1]:
        return {}
    return {
        f"withheld_{name}": Exists(hidden_rows(model, viewer).filter(**{link: OuterRef("pk")}))
        for name, (model, link) in links.items()
    }


def campaign_withheld(viewer: Any) -> dict[str, Exists]:
    """``withheld_operators``, ``_capabilities``, ``_techniques`` and ``_children``."""
    return withheld(
        viewer,
        operators=(Actor, "operated_campaigns"),
        capabilities=(Capability, "campaigns"),
        techniques=(Technique, "campaigns"),
        children=(Campaign, "parent"),
    )


def campaign_queryset(viewer: Any) -> QuerySet[Campaign]:
    """Visible campaigns with everything ``incidents.figures.campaign_figures`` and a
    campaign card need: operators, capabilities, techniques, children and claims, and
    (``campaign_withheld``) whether any operator, capability, technique or child is
    hidden from the viewer."""
    grandchildren = visible(Campaign.objects.all(), viewer).prefetch_related(
        accepted_claims_prefetch(viewer)
    )
    children = (
        visible(Campaign.objects.all(), viewer)
        .annotate(**campaign_withheld(viewer))
        .order_by("slug")
        .prefetch_related(
            accepted_claims_prefetch(viewer),
            Prefetch("capabilities", queryset=visible(Capability.objects.all(), viewer)),
            Prefetch("techniques", queryset=visible(Technique.objects.all(), viewer)),
            Prefetch("operators", queryset=visible(Actor.objects.all(), viewer)),
            Prefetch("children", queryset=grandchildren, to_attr="visible_children"),
        )
    )
    return (
        visible(Campaign.objects.all(), viewer)
        .annotate(**campaign_withheld(viewer))
        .select_related("incident", "parent")
        .prefetch_related(
            Prefetch("operators", queryset=visible(Actor.objects.all(), viewer)),
            Prefetch("capabilities", queryset=visible(Capability.objects.all(), viewer)),
            Prefetch("techniques", queryset=visible(Technique.objects.all(), viewer)),
            Prefetch("children", queryset=children, to_attr="visible_children"),
            accepted_claims_prefetch(viewer),
        )
    )


def campaign_list(*, viewer: Any) -> QuerySet[Campaign]:
    return campaign_queryset(viewer).order_by("start_date", "slug")


def campaign_get(*, viewer: Any, slug: str) -> Campaign:
    return get_visible_or_404(campaign_queryset(viewer), slug=slug)


def incident_list(*, viewer: Any) -> QuerySet[Incident]:
    """Visible incidents with their target and visible campaigns (figures ready).

    ``visible_campaigns`` are the incident's visible top-level campaigns: those without a
    parent, and those whose parent the viewer may not see (shown on their own, their
    parent never named)."""
    top_level = Q(parent__isnull=True)
    if clearance_for(viewer) != ORDER[-1]:
        top_level |= Q(parent__in=hidden_rows(Campaign, viewer))
    return (
        visible(Incident.objects.all(), viewer)
        .select_related("target_provider", "target_system")
        .prefetch_related(
            Prefetch(
                "campaigns",
                queryset=campaign_queryset(viewer).filter(top_level)
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


def incident_timeline(*, viewer: Any, incident: Incident) -> QuerySet[Event]:
    """``incident_events`` as the incident page shows them: with their visible actors and
    ``withheld_actors`` (whether any actor is hidden from the viewer)."""
    return (
        incident_events(viewer=viewer, incident=incident)
        .annotate(**withheld(viewer, actors=(Actor, "events")))
        .prefetch_related(Prefetch("actors", queryset=visible(Actor.objects.all(), viewer)
                                   .order_by("name")))
    )


def get_visible_or_404[M: Model](queryset: QuerySet[M], **lookup: Any) -> M:
    """One record or 404: a record the viewer may not see is indistinguishable from none."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404(f"No {queryset.model._meta.verbose_name} matches {lookup}.") from None
