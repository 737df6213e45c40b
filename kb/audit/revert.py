"""Reverting what one log entry did, as one action that is itself audited: an edit's
field changes are set back (through the same service, rules and validation as any
edit), a claim's review decision is undone (the figures follow at once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from wagtail.models import ModelLogEntry

from incidents.services.records import figure_attrs, record_update
from incidents.services.review import REVIEW_LOG_ACTION, claims_review
from kb.audit.changes import IGNORED, is_long, jsonable
from kb.audit.trail import REVERTIBLE, object_resolve

REVERT_LOG_ACTION = "wagtail.revert"


class RevertError(Exception):
    """Nothing was reverted: ``status`` 400 (not revertible) or 409 (changed since)."""

    def __init__(self, message: str, *, status: int = 400,
                 fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.fields = fields or {}


@dataclass(frozen=True)
class RevertResult:
    object: models.Model
    reverted: list[str]  # fields set back, or ["status"] for a review decision
    skipped: dict[str, str]  # field → why it was not set back


def revertible_entry(entry_id: int, viewer: Any) -> tuple[ModelLogEntry, models.Model]:
    """The log entry and its record, if ``viewer`` may see the record (else LookupError)."""
    entry = ModelLogEntry.objects.select_related("content_type").filter(pk=entry_id).first()
    model = entry.content_type.model_class() if entry is not None else None
    if entry is None or model is None:
        raise LookupError(f"No audit entry {entry_id}.")
    try:
        obj = object_resolve(f"{model._meta.label_lower}:{entry.object_id}", viewer)
    except ValueError:
        raise LookupError(f"No audit entry {entry_id}.") from None
    return entry, obj


@transaction.atomic
def entry_revert(*, entry: ModelLogEntry, obj: models.Model, user: Any,
                 viewer: Any = None) -> RevertResult:
    """Undo ``entry`` on ``obj``. Refused (``RevertError``, nothing changed) when the
    entry is not an edit or a review decision, or when a field it changed has been
    changed again since (409: revert the later change first, or edit by hand)."""
    viewer = user if viewer is None else viewer
    if entry.action not in REVERTIBLE:
        raise RevertError(f"A {entry.action!r} entry cannot be reverted; only edits and "
                          "review decisions can.")
    data = entry.data if isinstance(entry.data, dict) else {}
    if entry.action == REVIEW_LOG_ACTION:
        return _decision_revert(entry=entry, claim=obj, data=data, user=user, viewer=viewer)
    return _edit_revert(entry=entry, obj=obj, data=data, user=user, viewer=viewer)


def _decision_revert(*, entry: ModelLogEntry, claim: Any, data: dict[str, Any], user: Any,
                     viewer: Any) -> RevertResult:
    before, after = data.get("from"), data.get("to")
    if not before or not after:
        raise RevertError("This review entry does not say which decision it was.")
    if claim.status != after:
        raise RevertError(
            f"The claim is {claim.status} now, not {after}: a later decision changed it; "
            "revert that one first.", status=409, fields={"status": claim.status})
    result = claims_review(claim_ids=[claim.pk], status=before, expected_status=after,
                           user=user, viewer=viewer, reverts=entry.pk)
    if not result.reviewed:
        raise RevertError("The claim changed while reverting; nothing was changed.",
                          status=409)
    claim.refresh_from_db()
    return RevertResult(object=claim, reverted=["status"], skipped={})


def _edit_revert(*, entry: ModelLogEntry, obj: models.Model, data: dict[str, Any],
                 user: Any, viewer: Any) -> RevertResult:
    changes = [c for c in data.get("changes", []) if c.get("field") not in IGNORED]
    if not changes:
        raise RevertError("This entry records no field changes to revert.")
    figures = set(figure_attrs(type(obj)))
    values: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    conflicts: dict[str, str] = {}
    for change in changes:
        name = change["field"]
        try:
            model_field: Any = obj._meta.get_field(name)
        except Exception:  # noqa: BLE001
            skipped[name] = "the field no longer exists"
            continue
        if name in figures or model_field.attname in figures:
            skipped[name] = "a figure: it follows its claims (revert the claim decision)"
            continue
        if is_long(change.get("old")) or is_long(change.get("new")):
            skipped[name] = "a long text: restore it from the record's revisions"
            continue
        current = getattr(obj, model_field.attname)
        if jsonable(current, model_field) != change.get("new"):
            conflicts[name] = "changed again since this entry"
            continue
        values[name] = _field_value(model_field, change.get("old"))
    if conflicts:
        raise RevertError("Fields this entry changed have been changed again since; "
                          "nothing was reverted.", status=409, fields=conflicts)
    if not values:
        raise RevertError("Nothing in this entry can be reverted: "
                          + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
    try:
        record_update(instance=obj, user=user, viewer=viewer, data=values,
                      log_action=REVERT_LOG_ACTION, log_data={"reverts": entry.pk})
    except ValidationError as exc:
        raise RevertError("The old values are not valid now: " + "; ".join(exc.messages),
                          fields={k: "; ".join(v) for k, v in
                                  getattr(exc, "message_dict", {}).items()}) from None
    return RevertResult(object=obj, reverted=sorted(values), skipped=skipped)


def _field_value(model_field: Any, value: Any) -> Any:
    """The Python value ``record_update`` takes for a recorded JSON value."""
    if value is None:
        return None
    related = getattr(model_field, "related_model", None)
    if related is not None and (model_field.many_to_one or model_field.one_to_one):
        return related._default_manager.get(pk=value)
    return model_field.to_python(value)
