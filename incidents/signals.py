"""Keeps derived timeline events in step, whichever door a record was saved through
(services, Wagtail admin, API). Thin: the work is in ``services.timeline``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from incidents.models import Campaign, Coverage, Letter
from incidents.services.timeline import derived_events_refresh, derived_events_remove

DERIVING = (Campaign, Letter, Coverage)


@receiver(post_save)
def _refresh_derived(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not isinstance(instance, DERIVING):
        return
    # After the m2m fields the admin sets after save() are in place.
    transaction.on_commit(lambda: _refresh_if_exists(instance))


@receiver(m2m_changed)
def _m2m_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if isinstance(instance, DERIVING) and action in {"post_add", "post_remove", "post_clear"}:
        transaction.on_commit(lambda: _refresh_if_exists(instance))


@receiver(post_delete)
def _remove_derived(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, DERIVING):
        derived_events_remove(obj=instance)


def _refresh_if_exists(instance: Any) -> None:
    model = type(instance)
    fresh = model.objects.filter(pk=instance.pk).first()
    if fresh is not None:
        derived_events_refresh(obj=fresh)
