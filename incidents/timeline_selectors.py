"""Reads behind timelines: events (entered and derived) with what their figures need,
and the campaign periods drawn beside them.

Every row comes through ``visible(...)``; a derived event gets its origin attached as
``date_origin`` (a campaign, letter or coverage item the viewer may see, with its
accepted claims and, for letters and coverage, the visible ``Source`` rows made from it
as ``visible_sources``), so ``incidents.figures.event_date_figure`` can name the sources
of the date the event derives from without a query. The number of queries does not grow
with the number of events: one per relation, and one per kind of origin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet

from incidents.models import Actor, Campaign, Coverage, Event, Incident, Letter, Source
from incidents.selectors import accepted_claims_prefetch, visible, withheld


def event_queryset(viewer: Any) -> QuerySet[Event]:
    """Visible events with their accepted claims, visible actors (by name) and
    ``withheld_actors`` (whether an actor is hidden from the viewer)."""
    return (
        visible(Event.objects.all(), viewer)
        .annotate(**withheld(viewer, actors=(Actor, "events")))
        .prefetch_related(
            accepted_claims_prefetch(viewer),
            Prefetch("actors", queryset=visible(Actor.objects.all(), viewer).order_by("name")),
        )
        .order_by("date", "id")
    )


def _campaign_ids(campaign: Campaign, viewer: Any) -> list[int]:
    """``campaign`` and its visible descendants (a cluster's parts), one query a level."""
    ids = [campaign.pk]
    frontier = [campaign.pk]
    while frontier:
        frontier = [pk for pk in visible(Campaign.objects.filter(parent_id__in=frontier), viewer)
                    .values_list("pk", flat=True) if pk not in ids]
        ids += frontier
    return ids


def timeline_events(*, viewer: Any, incident: Incident | None = None,
                    campaign: Campaign | None = None, actor: Actor | None = None,
                    kind: str | None = None, start: dt.date | None = None,
                    end: dt.date | None = None) -> list[Event]:
    """Visible events, filtered (all given filters apply), in date order, with their
    origins attached (``origins_attach``).

    ``campaign``: the events derived from it and from its visible parts. ``start`` and
    ``end`` select by the date each event is filed under (inclusive); a month-precision
    event filed on the 1st is kept when the range touches its month."""
    events = event_queryset(viewer)
    if incident is not None:
        events = events.filter(incidents=incident)
    if campaign is not None:
        events = events.filter(origin_type=ContentType.objects.get_for_model(Campaign),
                               origin_id__in=_campaign_ids(campaign, viewer))
    if actor is not None:
        events = events.filter(actors=actor)
    if kind:
        events = events.filter(kind=kind)
    if start is not None:
        month_start = start.replace(day=1)
        events = events.filter(Q(date__gte=start) | Q(date__gte=month_start,
                                                      precision="month")
                               | Q(date__gte=start.replace(month=1, day=1), precision="year"))
    if end is not None:
        events = events.filter(date__lte=end)
    rows = list(events.distinct())
    origins_attach(rows, viewer)
    return rows


def origins_attach(events: list[Event], viewer: Any) -> None:
    """Set ``date_origin`` on each derived event: its origin if the viewer may see it
    (else ``None``), loaded with what ``incidents.figures.event_date_figure`` reads.
    One query per kind of origin (and one per prefetched relation)."""
    wanted: dict[int, set[int]] = {}
    for event in events:
        event.date_origin = None  # type: ignore[attr-defined]
        if event.origin_type_id:
            wanted.setdefault(event.origin_type_id, set()).add(event.origin_id or 0)
    if not wanted:
        return
    loaded: dict[tuple[int, int], Any] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        rows: QuerySet[Any] | None = None
        if model is Campaign:
            rows = visible(Campaign.objects.filter(pk__in=ids), viewer).prefetch_related(
                accepted_claims_prefetch(viewer))
        elif model is Letter:
            rows = visible(Letter.objects.filter(pk__in=ids), viewer).prefetch_related(
                accepted_claims_prefetch(viewer),
                Prefetch("sources", queryset=visible(Source.objects.order_by("key"), viewer),
                         to_attr="visible_sources"))
        elif model is Coverage:
            rows = visible(Coverage.objects.filter(pk__in=ids), viewer).select_related(
                "outlet").prefetch_related(
                Prefetch("sources", queryset=visible(Source.objects.order_by("key"), viewer),
                         to_attr="visible_sources"))
        if rows is not None:
            loaded.update({(type_id, row.pk): row for row in rows})
    for event in events:
        if event.origin_type_id:
            event.date_origin = loaded.get(  # type: ignore[attr-defined]
                (event.origin_type_id, event.origin_id or 0))


def timeline_campaigns(*, viewer: Any, incident: Incident | None = None,
                       campaign: Campaign | None = None,
                       actor: Actor | None = None) -> list[Campaign]:
    """Visible campaigns whose periods a timeline draws, with their accepted claims:
    an incident's campaigns and their parts; a campaign and its parts; the campaigns an
    actor operated; every campaign when nothing is given."""
    rows = visible(Campaign.objects.all(), viewer)
    if incident is not None:
        rows = rows.filter(Q(incident=incident) | Q(parent__incident=incident))
    if campaign is not None:
        rows = rows.filter(pk__in=_campaign_ids(campaign, viewer))
    if actor is not None:
        rows = rows.filter(operators=actor)
    return list(rows.select_related(None).prefetch_related(accepted_claims_prefetch(viewer))
                .order_by("start_date", "slug").distinct())
