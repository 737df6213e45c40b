"""Reads behind the records pages (dashboard, letters, coverage, campaign events).

Each applies ``incidents.visibility`` for the viewer through ``visible()`` and loads what
its page renders in a fixed number of queries: related records the viewer may see are
prefetched through visible querysets, and ``withheld_<relation>`` annotations say whether
any related record is hidden, so a page can show one neutral marker without naming or
counting it. Figures (a letter's date, an incident's disclosure) read the accepted claims
prefetched here for this viewer (``accepted_claims_prefetch``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet

from incidents.models import (
    Actor,
    Campaign,
    Coverage,
    Event,
    Incident,
    Letter,
    Source,
)
from incidents.selectors import accepted_claims_prefetch, get_visible_or_404, visible, withheld


def _visible_actors(viewer: Any) -> QuerySet[Actor]:
    return visible(Actor.objects.all(), viewer).order_by("name")


def _visible_incidents(viewer: Any) -> QuerySet[Incident]:
    return visible(Incident.objects.all(), viewer).order_by("-disclosed_on", "slug")


def _visible_sources(viewer: Any) -> QuerySet[Source]:
    return visible(Source.objects.all(), viewer).order_by("title", "key")


# -- letters ------------


def letter_queryset(viewer: Any) -> QuerySet[Letter]:
    """Visible letters with their sender (named only if visible: ``named()``), visible
    recipients and incidents, ``withheld_recipients`` / ``withheld_incidents``, and the
    claims behind their date."""
    return (
        visible(Letter.objects.all(), viewer)
        .annotate(**withheld(viewer, recipients=(Actor, "letters_received"),
                             incidents=(Incident, "letters")))
        .select_related("sender")
        .prefetch_related(
            Prefetch("recipients", queryset=_visible_actors(viewer)),
            Prefetch("incidents", queryset=_visible_incidents(viewer)),
            accepted_claims_prefetch(viewer),
        )
        .order_by("-date", "slug")
    )


def letter_list(*, viewer: Any, incident: Incident | None = None) -> QuerySet[Letter]:
    """Visible letters, newest first; only those about ``incident`` if given."""
    letters = letter_queryset(viewer)
    if incident is not None:
        letters = letters.filter(incidents=incident)
    return letters


def letter_get(*, viewer: Any, slug: str) -> Letter:
    """One visible letter (404 otherwise) with the visible sources that report it, the
    letter it corrects (``named()`` only if visible), its visible corrections and
    ``withheld_corrections``."""
    return get_visible_or_404(
        letter_queryset(viewer)
        .annotate(**withheld(viewer, corrections=(Letter, "corrects")))
        .select_related("corrects")
        .prefetch_related(
            Prefetch("sources", queryset=_visible_sources(viewer)),
            Prefetch("corrections", queryset=visible(Letter.objects.all(), viewer)
                     .order_by("-date", "slug")),
        ),
        slug=slug,
    )


# -- coverage ------------


def coverage_queryset(viewer: Any) -> QuerySet[Coverage]:
    """Visible coverage with its outlet (named only if visible), visible incidents and
    ``withheld_incidents``, newest first."""
    return (
        visible(Coverage.objects.all(), viewer)
        .annotate(**withheld(viewer, incidents=(Incident, "coverage")))
        .select_related("outlet")
        .prefetch_related(Prefetch("incidents", queryset=_visible_incidents(viewer)))
        .order_by("-published_on", "title", "pk")
    )


def coverage_list(*, viewer: Any, incident: Incident | None = None) -> QuerySet[Coverage]:
    coverage = coverage_queryset(viewer)
    if incident is not None:
        coverage = coverage.filter(incidents=incident)
    return coverage


def coverage_get(*, viewer: Any, pk: int) -> Coverage:
    """One visible coverage item (404 otherwise) with the visible sources read from it."""
    return get_visible_or_404(
        coverage_queryset(viewer).prefetch_related(
            Prefetch("sources", queryset=_visible_sources(viewer))),
        pk=pk,
    )


# -- campaigns ------------


def campaign_events(*, viewer: Any, campaign: Campaign) -> QuerySet[Event]:
    """Visible events derived from ``campaign`` and its visible children (start, end),
    in date order, with visible actors, ``withheld_actors`` and the claims behind their
    dates and values."""
    ids = [campaign.pk, *(c.pk for c in getattr(campaign, "visible_children", []))]
    return (
        visible(Event.objects.filter(origin_type=ContentType.objects.get_for_model(Campaign),
                                     origin_id__in=ids), viewer)
        .annotate(**withheld(viewer, actors=(Actor, "events")))
        .prefetch_related(Prefetch("actors", queryset=_visible_actors(viewer)),
                          accepted_claims_prefetch(viewer))
        .order_by("date", "id")
    )


# -- dashboard ------------


def recent_incidents(*, viewer: Any) -> QuerySet[Incident]:
    """Visible incidents, most recently disclosed first, with target and claims."""
    return (
        _visible_incidents(viewer)
        .select_related("target_provider", "target_system")
        .prefetch_related(accepted_claims_prefetch(viewer))
    )
