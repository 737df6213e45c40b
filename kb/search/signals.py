"""Keeps the index in step with the database, whichever door a change came in by
(services, Wagtail admin, API, shell).

Saving, deleting or relinking a searchable row queues its id; once the transaction
commits, one task per kind of record is sent with the ids (``transaction.on_commit``, so
a worker never reads a row before it is committed, and a rolled-back change is never
indexed). The task also re-indexes the documents that show something of the row (an
actor's name on its campaigns), so a new marking changes at once which documents may
embed it. Rows the index holds no document of but which documents show (capabilities,
techniques, account clusters …: ``documents.embedded_models``) queue those documents.
Wagtail pages with a ``search_document()`` method sync on publish, unpublish, move and
delete.

Every receiver names its sender (a model, a page class, an m2m through model): a
receiver for all senders would run on every save of every model and stop Django's fast
deletes everywhere.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from kb.search.documents import (
    PAGE_SOURCE,
    SOURCES,
    documents_showing,
    embedded_models,
    page_models,
    source_for,
)

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


def _schedule_showing(instance: Any, using: str) -> None:
    """Queue the documents that show something of ``instance`` as the database has it now."""
    if instance.pk is not None:
        for other, ids in documents_showing(type(instance), [instance.pk]).items():
            schedule(other, ids, using)


def _saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # fixture loading: ``search_index rebuild`` afterwards
        return
    source = source_for(instance)
    if source is not None:
        # The task indexes the row and the documents that show something of it.
        schedule(source, [instance.pk], _db(instance))
    else:
        _schedule_showing(instance, _db(instance))


def _before_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Relations cascade away with the row without m2m signals: find now which other
    # documents show something of it (an actor's name on its campaigns).
    _schedule_showing(instance, _db(instance))


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    source = source_for(instance)
    if source is not None and instance.pk is not None:
        schedule(source, [instance.pk], _db(instance))  # the task finds it gone: removed


def _relinked(sender: Any, instance: Any, action: str, model: Any, pk_set: Any,
              **kwargs: Any) -> None:
    using = kwargs.get("using") or _db(instance)
    source = source_for(instance)
    if action == "pre_clear":
        _schedule_showing(instance, using)
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


def _claims_reviewed(sender: Any, ids: Iterable[int], **kwargs: Any) -> None:
    """A review changed these claims' status with one UPDATE (no ``post_save``)."""
    source = source_for(sender)
    if source is not None:
        schedule(source, ids)


def connect() -> None:
    """Connect the receivers, each for a named sender (a receiver for all senders would
    stop Django's fast deletes of every other model). Called once from
    ``SearchConfig.ready``."""
    from wagtail.models import get_page_models
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from incidents.models import Claim
    from incidents.signals import claims_reviewed

    claims_reviewed.connect(_claims_reviewed, sender=Claim, dispatch_uid="kb.search:claims")
    pages = page_models()
    documents = [spec.model for spec in SOURCES.values()] + pages
    for model in [*documents, *embedded_models()]:
        uid = f"kb.search:{model._meta.label_lower}"
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=uid)
        if model in documents:
            post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
        for m2m in model._meta.many_to_many:
            through: Any = m2m.remote_field.through
            m2m_changed.connect(_relinked, sender=through,
                                dispatch_uid=f"kb.search:{through._meta.label_lower}")
    for page in pages:
        uid = f"kb.search:{page._meta.label_lower}"
        page_published.connect(_page_changed, sender=page, dispatch_uid=uid)
        page_unpublished.connect(_page_changed, sender=page, dispatch_uid=uid)
    if pages:
        # Moving any page gives every page below it a new URL: a searchable page may
        # sit below a page of any class.
        for model in get_page_models():
            post_page_move.connect(_page_moved, sender=model,
                                   dispatch_uid=f"kb.search:{model._meta.label_lower}")
