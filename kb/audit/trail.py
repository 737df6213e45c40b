"""Reading the audit trail: a record's log entries and audit events, or everyone's, as
the reader may see them (nothing about a record above their clearance, not even in a
diff: a foreign key to a hidden record reads ``restricted``)."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

from incidents.visibility import RESTRICTED, can_see
from kb.audit.changes import IGNORED, is_long
from kb.audit.models import AuditEvent

#: Log actions a revert can undo (``kb.audit.revert``).
REVERTIBLE = frozenset({"wagtail.edit", "wagtail.revert", "kb.claim.review"})


class ObjectRefError(ValueError):
    """``?object=`` names no record the reader may see (or is malformed)."""


@dataclass
class TrailEntry:
    id: str
    kind: str  # "change" (a log entry) or "event" (an audit event)
    timestamp: datetime
    user: str
    action: str
    message: str
    object: str  # "app_label.model:pk", or "" for events about no record
    object_label: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    revertible: bool = False
    log_entry_id: int | None = None


def object_ref(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def object_resolve(ref: str, viewer: Any) -> models.Model:
    """The record ``ref`` (``app_label.model:pk`` or ``app_label.model:slug``) names,
    if ``viewer`` may see it; ``ObjectRefError`` saying why not otherwise (a hidden
    record and a missing one read the same)."""
    label, sep, key = ref.partition(":")
    if not sep or not key:
        raise ObjectRefError("Use app_label.model:id or app_label.model:slug, e.g. "
                             "incidents.campaign:alibaba-qwen.")
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise ObjectRefError(f"No record type {label!r}.") from None
    rows: Any = model._default_manager.all()
    if hasattr(rows, "visible_to"):
        rows = rows.visible_to(viewer)
    elif not getattr(getattr(viewer, "user", viewer), "is_superuser", False):
        raise ObjectRefError(f"No record type {label!r} has an audit trail here.")
    lookup = ({"pk": int(key)} if key.isdigit()
              else {"slug": key} if any(f.name == "slug" for f in model._meta.fields)
              else None)
    found = rows.filter(**lookup).first() if lookup else None
    if found is None:
        raise ObjectRefError(f"No {model._meta.verbose_name} {ref!r}.")
    return found


def _shown_value(model: type[models.Model] | None, name: str, value: Any, viewer: Any) -> Any:
    if model is None or value is None:
        return value
    try:
        model_field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001  (a field since removed: show the stored value)
        return value
    related = getattr(model_field, "related_model", None)
    if not related or not getattr(model_field, "many_to_one", False) and not getattr(
            model_field, "one_to_one", False):
        return value
    target = related._default_manager.filter(pk=value).first()
    if target is None or not can_see(viewer, target) or (
            hasattr(related._default_manager, "visible_to")
            and not related._default_manager.visible_to(viewer).filter(pk=value).exists()):
        return RESTRICTED
    return {"id": value, "label": str(target)}


def shown_changes(entry: ModelLogEntry, viewer: Any) -> list[dict[str, Any]]:
    data = entry.data if isinstance(entry.data, dict) else {}
    model = entry.content_type.model_class() if entry.content_type_id else None
    shown = []
    for change in data.get("changes", []):
        name = change.get("field", "")
        if name in IGNORED:
            continue
        shown.append({
            "field": name,
            "old": _shown_value(model, name, change.get("old"), viewer),
            "new": _shown_value(model, name, change.get("new"), viewer),
            "revertible": not (is_long(change.get("old")) or is_long(change.get("new"))),
        })
    return shown


def _message(entry: ModelLogEntry) -> str:
    try:
        return str(entry.message)
    except Exception:  # noqa: BLE001  (an action no longer registered)
        return entry.action


def entry_from_log(entry: ModelLogEntry, viewer: Any) -> TrailEntry:
    changes = shown_changes(entry, viewer)
    data = entry.data if isinstance(entry.data, dict) else {}
    model = entry.content_type.model_class() if entry.content_type_id else None
    revertible = entry.action in REVERTIBLE and (
        entry.action == "kb.claim.review" or any(c["revertible"] for c in changes))
    return TrailEntry(
        id=f"log-{entry.pk}", kind="change", timestamp=entry.timestamp,
        user=entry.user.get_username() if entry.user_id and entry.user else "",
        action=entry.action, message=_message(entry),
        object=f"{model._meta.label_lower}:{entry.object_id}" if model else "",
        object_label=entry.label, changes=changes,
        data={k: v for k, v in data.items() if k in {"from", "to", "note", "reverts"}},
        revertible=revertible, log_entry_id=entry.pk,
    )


def entry_from_event(event: AuditEvent) -> TrailEntry:
    model = event.content_type.model_class() if event.content_type is not None else None
    return TrailEntry(
        id=f"event-{event.pk}", kind="event", timestamp=event.timestamp,
        user=event.username, action=event.action, message=event.get_action_display(),
        object=f"{model._meta.label_lower}:{event.object_id}" if model else "",
        object_label="", data=event.data,
    )


def log_entries_for(viewer: Any, obj: models.Model | None = None) -> Any:
    from incidents.wagtail_admin.base import visible_log_entries

    entries = ModelLogEntry.objects.select_related("user", "content_type")
    if obj is not None:
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        return entries.filter(content_type=content_type, object_id=str(obj.pk))
    user = getattr(viewer, "user", viewer)
    entries = visible_log_entries(entries, user)
    if user is not viewer:  # an API token: its clearance may be below its user's
        entries = entries.exclude(_hidden_from_token_q(viewer))
    return entries


def _hidden_from_token_q(token: Any) -> Q:
    from incidents.wagtail_admin.base import guarded_models

    q = Q(pk__in=[])
    for model in guarded_models():
        rows: Any = model._default_manager.all()
        if not hasattr(rows, "visible_to"):
            continue
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        shown = [str(pk) for pk in rows.visible_to(token).values_list("pk", flat=True)]
        q |= Q(content_type=content_type) & ~Q(object_id__in=shown)
    return q


def events_for(viewer: Any, obj: models.Model | None = None) -> Any:
    events = AuditEvent.objects.visible_to(viewer).select_related("content_type")
    if obj is not None:
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        events = events.filter(content_type=content_type, object_id=str(obj.pk))
    return events


class Trail:
    """Log entries and audit events, newest first, as one sliceable sequence (what a
    paginator needs): a page reads at most its end offset of rows from each table."""

    def __init__(self, viewer: Any, obj: models.Model | None = None,
                 action: str = "") -> None:
        self.viewer = viewer
        self.entries = log_entries_for(viewer, obj).order_by("-timestamp", "-pk")
        self.events = events_for(viewer, obj).order_by("-timestamp", "-pk")
        if action:
            self.entries = self.entries.filter(action=action)
            self.events = self.events.filter(action=action)

    def count(self) -> int:
        return self.entries.count() + self.events.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[TrailEntry]:
        if not isinstance(index, slice):
            raise TypeError("Trail supports slices only")
        stop = index.stop if index.stop is not None else self.count()
        merged = heapq.merge(
            (entry_from_log(e, self.viewer) for e in self.entries[:stop]),
            (entry_from_event(e) for e in self.events[:stop]),
            key=lambda t: t.timestamp, reverse=True,
        )
        return list(merged)[index]


def action_label(action: str) -> str:
    try:
        return str(log_registry.get_action_label(action))
    except Exception:  # noqa: BLE001
        return action
