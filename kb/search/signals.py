"""Keeps the index in step with the database, whichever door a change came in by
(services, Wagtail admin, API, shell).

Saving, deleting or relinking a searchable row queues its id; once the transaction
commits, one task per kind of record is sent with the ids (``transaction.on_commit``, so
a worker never reads a row before it is committed, and a rolled-back change is never
indexed). Wagtail pages with a ``search_document()`` method sync on publish, unpublish,
move and delete.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from kb.search.documents import PAGE_SOURCE, SOURCES, dependents_of, page_models, source_for

_local = threading.local()


def _pending(using: str) -> dict[str, set[int]]:
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    return buffers.setdefault(using, {})


def schedule(source: str, ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> None:
    """Index rows ``ids`` of ``source`` after the current transaction commits (at once
    outside a transaction). Ids queued in one transaction go out together."""
    ids = [int(i) for i in ids if i is not None]
    if not ids:
        return
    _pending(using).setdefault(source, set()).update(ids)
    # One callback per call; all but the first find the buffer empty. A buffer left by a
    # rolled-back transaction goes out with the next commit: the task then finds the
    # database unchanged (or the row gone) and writes exactly that, so no harm.
    transaction.on_commit(partial(_flush, using), using=using, robust=True)


def _flush(using: str) -> None:
    from kb.search.tasks import enqueue

    buffers = _pending(using)
    pending = dict(buffers)
    buffers.clear()
    for source, ids in pending.items():
        enqueue(source, ids)


def _db(instance: Any) -> str:
    return instance._state.db or router.db_for_write(type(instance))


def _saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # fixture loading: ``search_index rebuild`` afterwards
        return
    source = source_for(instance)
    if source is not None:
        schedule(source, [instance.pk], _db(instance))


def _before_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Relations cascade away with the row without m2m signals: find now which other
    # documents show something of it (an actor's name on its campaigns).
    source = source_for(instance)
    if source is not None and instance.pk is not None:
        for other, ids in dependents_of(source, [instance.pk]).items():
            schedule(other, ids, _db(instance))


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    source = source_for(instance)
    if source is not None and instance.pk is not None:
        schedule(source, [instance.pk], _db(instance))  # the task finds it gone: removed


def _relinked(sender: Any, instance: Any, action: str, model: Any, pk_set: Any,
              **kwargs: Any) -> None:
    using = kwargs.get("using") or _db(instance)
    source = source_for(instance)
    if action == "pre_clear" and source is not None:
        for other, ids in dependents_of(source, [instance.pk]).items():
            schedule(other, ids, using)
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if source is not None:
        schedule(source, [instance.pk], using)
    related = source_for(model)
    if related is not None and pk_set:
        schedule(related, pk_set, using)


def _page_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if source_for(instance.specific_class or type(instance)) == PAGE_SOURCE:
        schedule(PAGE_SOURCE, [instance.pk])


def _page_moved(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Every page below the moved one has a new URL.
    ids = instance.get_descendants(inclusive=True).live().values_list("pk", flat=True)
    schedule(PAGE_SOURCE, ids)


def connect() -> None:
    """Connect the receivers, per model (a receiver for all senders would stop Django's
    fast deletes of every other model). Called once from ``SearchConfig.ready``."""
    from wagtail.signals import page_published, page_unpublished, post_page_move

    models = [spec.model for spec in SOURCES.values()] + page_models()
    for model in models:
        uid = f"kb.search:{model._meta.label_lower}"
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
        for m2m in model._meta.many_to_many:
            through: Any = m2m.remote_field.through
            m2m_changed.connect(_relinked, sender=through,
                                dispatch_uid=f"kb.search:{through._meta.label_lower}")
    page_published.connect(_page_changed, dispatch_uid="kb.search:page_published")
    page_unpublished.connect(_page_changed, dispatch_uid="kb.search:page_unpublished")
    post_page_move.connect(_page_moved, dispatch_uid="kb.search:post_page_move")
