"""Timeline events derived from other records (campaign periods, letters, coverage)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from incidents.models import Campaign, Coverage, Event, EventKind, Letter, LetterStatus


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
        outlet = obj.outlet.name if obj.outlet is not None else "Coverage"
        wanted["coverage"] = {
            "title": f"{outlet}: {obj.title}"[:300],
            "kind": EventKind.COVERAGE,
            "date": obj.published_on,
            "precision": "day",
        }
    return wanted


def _incident_ids(obj: Any) -> list[int]:
    if isinstance(obj, Campaign):
        ids = []
        campaign: Campaign | None = obj
        while campaign is not None:  # a child campaign belongs to its cluster's incident
            if campaign.incident_id:
                ids.append(campaign.incident_id)
            campaign = campaign.parent
        return ids
    return list(obj.incidents.values_list("id", flat=True))


def _actor_ids(obj: Any) -> list[int]:
    if isinstance(obj, Campaign):
        return list(obj.operators.values_list("id", flat=True))
    if isinstance(obj, Letter):
        ids = list(obj.recipients.values_list("id", flat=True))
        return [obj.sender_id, *ids] if obj.sender_id else ids
    if isinstance(obj, Coverage):
        return [obj.outlet_id] if obj.outlet_id else []
    return []


@transaction.atomic
def derived_events_refresh(*, obj: Any) -> list[Event]:
    """Bring the events derived from ``obj`` in step with it: create, update, or delete.

    Idempotent: calling it twice leaves one event per origin and role. The events carry
    the origin's marking, incidents and actors.
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
