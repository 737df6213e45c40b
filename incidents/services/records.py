"""Generic create / update / delete with validation, used by the per-entity services.

Each runs ``full_clean`` (so the admin, the API and the loader give the same messages),
saves in one transaction, sets many-to-many fields, and records a Wagtail log entry so
the record's history shows who changed it, whichever door they came in by.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from wagtail.log_actions import log


def _split(model: type[models.Model], data: Mapping[str, Any]) -> tuple[dict, dict]:
    m2m_names = {f.name for f in model._meta.many_to_many}
    fields = {k: v for k, v in data.items() if k not in m2m_names}
    m2m = {k: v for k, v in data.items() if k in m2m_names}
    return fields, m2m


@transaction.atomic
def record_create[M: models.Model](
    *, model: type[M], user: Any = None, data: Mapping[str, Any]
) -> M:
    """Validate and create one ``model`` row with ``data`` (m2m values: lists of rows or
    ids). Raises ``ValidationError`` naming the field and the reason; stores nothing then."""
    fields, m2m = _split(model, data)
    instance = model(**fields)
    instance.full_clean()
    instance.save()
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    log(instance, "wagtail.create", user=_real_user(user))
    return instance


@transaction.atomic
def record_update[M: models.Model](*, instance: M, user: Any = None, data: Mapping[str, Any]) -> M:
    """Validate and apply ``data`` to ``instance``; all or nothing."""
    fields, m2m = _split(type(instance), data)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    log(instance, "wagtail.edit", user=_real_user(user))
    return instance


@transaction.atomic
def record_delete(*, instance: models.Model, user: Any = None) -> None:
    """Delete ``instance`` (and what cascades from it), logging the deletion."""
    log(instance, "wagtail.delete", user=_real_user(user))
    instance.delete()


def _real_user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None
