"""What an edit changed: each saved domain record is compared with the values it was
loaded with (``MarkedModel.from_db``), and the log entry Wagtail or our services write
for that edit carries the difference as ``data["changes"]``, whichever door saved it.

A change is ``{"field": name, "old": value, "new": value}`` with JSON values (foreign
keys as ids). Texts longer than ``MAX_TEXT`` are recorded by length only (not revertible).
"""

from __future__ import annotations

import json
import threading
import weakref
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

#: Bookkeeping columns an edit changes by itself; not what an editor changed.
IGNORED = frozenset({
    "created_at", "updated_at", "latest_revision", "live_revision", "locked", "locked_at",
    "locked_by", "has_unpublished_changes", "first_published_at", "last_published_at",
    "live", "go_live_at", "expire_at", "expired",
})
MAX_TEXT = 10_000
_LONG = "__long_text__"


class _Recent(threading.local):
    def __init__(self) -> None:
        self.saved: weakref.WeakValueDictionary[tuple[int, str], models.Model] = (
            weakref.WeakValueDictionary())


_recent = _Recent()


def jsonable(value: Any, field: Any = None) -> Any:
    """``value`` as JSON (through ``field``'s database form when it has no JSON form of
    its own, e.g. a StreamField); a long one by its length only."""
    try:
        text = json.dumps(value, cls=DjangoJSONEncoder)
    except TypeError:
        prepared = field.get_prep_value(value) if field is not None else str(value)
        text = json.dumps(prepared, cls=DjangoJSONEncoder, default=str)
    if len(text) > MAX_TEXT:
        return {_LONG: len(value) if isinstance(value, str) else len(text)}
    return json.loads(text)


def is_long(value: Any) -> bool:
    return isinstance(value, dict) and _LONG in value


def changes_since_load(instance: models.Model) -> list[dict[str, Any]]:
    """The fields of ``instance`` whose values differ from those it was loaded with."""
    loaded = getattr(instance, "_loaded_values", None)
    if loaded is None:
        return []
    changes = []
    for field in instance._meta.concrete_fields:
        name = field.attname
        if field.name in IGNORED or name in IGNORED or name not in loaded:
            continue
        old, new = jsonable(loaded[name], field), jsonable(getattr(instance, name), field)
        if old != new:
            changes.append({"field": field.name, "old": old, "new": new})
    return changes


def record_saved(instance: models.Model, created: bool) -> None:
    """After a save: remember what changed until the log entry of this edit is written."""
    from django.contrib.contenttypes.models import ContentType

    if not created:
        pending = {c["field"]: c for c in getattr(instance, "_audit_changes", [])}
        for change in changes_since_load(instance):
            if change["field"] in pending:  # saved twice in one edit: first old, last new
                change = {**change, "old": pending[change["field"]]["old"]}
            pending[change["field"]] = change
        instance._audit_changes = [  # type: ignore[attr-defined]
            c for c in pending.values() if c["old"] != c["new"]]
    # The next edit compares with what is stored now.
    instance._loaded_values = {  # type: ignore[attr-defined]
        f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
    content_type = ContentType.objects.get_for_model(instance, for_concrete_model=False)
    _recent.saved[(content_type.pk, str(instance.pk))] = instance


def take_changes(content_type_id: int, object_id: str) -> list[dict[str, Any]] | None:
    """The changes of the record a log entry is being written for (and forget them)."""
    instance = _recent.saved.get((content_type_id, str(object_id)))
    if instance is None:
        return None
    changes = getattr(instance, "_audit_changes", None)
    instance._audit_changes = []  # type: ignore[attr-defined]
    return changes
