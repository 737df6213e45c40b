"""Timeline events derived from other records (campaign periods, letters, coverage).

A derived event embeds other records (a title naming an outlet, links to actors and
incidents), so "most restrictive wins" applies, the way the derived events surface
chose it (``docs/architecture.md``): the event carries its **origin's marking**, and it
**leaves out what is more restricted** than that marking, so it never names a record a
reader of the event may not see:

* a coverage event is titled ``"<outlet>: <title>"`` only when the outlet's marking is
  no more restricted than the coverage item's; otherwise ``"Coverage: <title>"``;
* the event links only the actors and incidents no more restricted than itself; a
  campaign's events link the incidents of its cluster (its ancestors) only through
  ancestors no more restricted than the campaign.

The events are refreshed by the services that change their origin (``record_saved``,
``facts_refresh``), not by signals; ``derived_events_follow`` refreshes the events that
embed a record whose name or marking changed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from incidents.models import (
    Actor,
    Campaign,
    Coverage,
    Event,
    EventKind,
    Incident,
    Letter,
    LetterStatus,
)
from incidents.visibility import rank


def _within(obj: Any, marking: str) -> bool:
    """``obj`` is no more restricted than ``marking`` (so an event so marked may name it)."""
    return rank(obj.marking) <= rank(marking)


def _wanted_events(obj: Any) -> dict[str, dict[str, Any]]:
    """role → event fields, for each event ``obj`` should have on the timeline."""
    wanted: dict[str, dict[str, Any]] = {}
    if isinstance(obj, Campaign):
        if obj.start_date:
            wanted["start"] = {
                "title": f"{obj.name}: campaign starts",
                "kind": EventKind.CAMPAIGN_START,
                "date": obj.start_date,
                "precision": obj.start_precision,
            }
        if obj.end_date:
            wanted["end"] = {
                "title": f"{obj.name}: campaign ends",
                "kind": EventKind.CAMPAIGN_END,
                "date": obj.end_date,
                "precision": obj.end_precision,
            }
    elif isinstance(obj, Letter):
        date = obj.sent_on or obj.date
        if date and (obj.status == LetterStatus.SENT or obj.sent_on):
            wanted["letter"] = {
                "title": f"Letter: {obj.subject}",
                "kind": EventKind.LETTER,
                "date": date,
                "precision": obj.date_precision if not obj.sent_on else "day",
            }
    elif isinstance(obj, Coverage) and obj.published_on:
        outlet = "Coverage"
        if obj.outlet is not None and _within(obj.outlet, obj.marking):
            outlet = obj.outlet.name
        wanted["coverage"] = {
            "title": f"{outlet}: {obj.title}"[:300],
            "kind": EventKind.COVERAGE,
            "date": obj.published_on,
            "precision": "day",
        }
    return wanted


def _incident_ids(obj: Any) -> list[int]:
    """Incidents the events of ``obj`` link: only those no more restricted than ``obj``."""
    if isinstance(obj, Campaign):
        ids: list[int] = []
        seen: set[int] = set()
        campaign: Campaign | None = obj
        # A child campaign belongs to its cluster's incident, but only through ancestors
        # the event may name; stop at a loop (``Campaign.clean`` refuses them anyway).
        while campaign is not None and campaign.pk not in seen and _within(campaign, obj.marking):
            seen.add(campaign.pk)
            if campaign.incident_id:
                ids.append(campaign.incident_id)
            campaign = campaign.parent
        candidates = Incident.objects.filter(pk__in=ids)
    else:
        candidates = obj.incidents.all()
    return [i.pk for i in candidates.only("pk", "marking") if _within(i, obj.marking)]


def _actor_ids(obj: Any) -> list[int]:
    """Actors the events of ``obj`` link: only those no more restricted than ``obj``."""
    ids: list[int] = []
    if isinstance(obj, Campaign):
        ids = list(obj.operators.values_list("id", flat=True))
    elif isinstance(obj, Letter):
        ids = list(obj.recipients.values_list("id", flat=True))
        if obj.sender_id:
            ids = [obj.sender_id, *ids]
    elif isinstance(obj, Coverage) and obj.outlet_id:
        ids = [obj.outlet_id]
    markings = {a.pk: a.marking for a in Actor.objects.filter(pk__in=ids).only("pk", "marking")}
    return [pk for pk in ids if pk in markings and rank(markings[pk]) <= rank(obj.marking)]


@transaction.atomic
def derived_events_refresh(*, obj: Any) -> list[Event]:
    """Bring the events derived from ``obj`` in step with it: create, update, or delete.

    Idempotent: calling it twice leaves one event per origin and role. The events carry
    the origin's marking, and its incidents and actors that are no more restricted than
    it (see the module docstring).
    """
    origin_type = ContentType.objects.get_for_model(obj)
    existing = {
        e.origin_role: e
        for e in Event.objects.filter(origin_type=origin_type, origin_id=obj.pk)
    }
    wanted = _wanted_events(obj)
    for role, event in existing.items():
        if role not in wanted:
            event.delete()
    result = []
    incident_ids = _incident_ids(obj)
    actor_ids = _actor_ids(obj)
    for role, fields in wanted.items():
        event = existing.get(role) or Event(
            origin_type=origin_type, origin_id=obj.pk, origin_role=role
        )
        dirty = event.pk is None or obj.marking != event.marking
        for name, value in fields.items():
            if getattr(event, name) != value:
                setattr(event, name, value)
                dirty = True
        event.marking = obj.marking
        if dirty:
            event.save()
        if set(event.incidents.values_list("id", flat=True)) != set(incident_ids):
            event.incidents.set(incident_ids)
        if set(event.actors.values_list("id", flat=True)) != set(actor_ids):
            event.actors.set(actor_ids)
        result.append(event)
    return result


def derived_events_remove(*, obj: Any) -> None:
    """Delete the events derived from ``obj`` (called when it is deleted)."""
    Event.objects.filter(
        origin_type=ContentType.objects.get_for_model(obj), origin_id=obj.pk
    ).delete()


def derived_events_follow(*, obj: Any) -> int:
    """Refresh the events that embed ``obj`` (an actor, incident or campaign) without
    being derived from it: call when its name or marking changes, so an event never
    keeps naming or linking a record that became more restricted than the event.
    Returns how many origins were refreshed."""
    origins: list[Any] = []
    if isinstance(obj, Actor):
        origins += list(Coverage.objects.filter(outlet=obj).select_related("outlet"))
        origins += list(Campaign.objects.filter(operators=obj).select_related("parent"))
        origins += list(Letter.objects.filter(sender=obj))
        origins += list(Letter.objects.filter(recipients=obj))
    elif isinstance(obj, Incident):
        campaigns = list(Campaign.objects.filter(incident=obj))
        origins += campaigns + _descendants(campaigns)
        origins += list(Letter.objects.filter(incidents=obj))
        origins += list(Coverage.objects.filter(incidents=obj).select_related("outlet"))
    elif isinstance(obj, Campaign):
        origins += _descendants([obj])
    done: set[tuple[str, int]] = set()
    for origin in origins:
        key = (origin._meta.label_lower, origin.pk)
        if key not in done:
            done.add(key)
            derived_events_refresh(obj=origin)
    return len(done)


def _descendants(campaigns: list[Campaign]) -> list[Campaign]:
    found: list[Campaign] = []
    seen = {c.pk for c in campaigns}
    frontier = [c.pk for c in campaigns]
    while frontier:
        children = list(Campaign.objects.filter(parent_id__in=frontier).exclude(pk__in=seen))
        seen |= {c.pk for c in children}
        found += children
        frontier = [c.pk for c in children]
    return found
