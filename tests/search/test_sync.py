"""Keeping the index in step: signals → on_commit → task, deletes, relinks, dependents,
lock timeouts and retries, damaged or outdated indexes, ``search_index update|check``."""

from __future__ import annotations

import json
import random
from unittest import mock

import filelock
import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from incidents.models import Actor, Campaign, Claim, Incident
from kb.search.backends import get_backend
from kb.search.backends.base import IndexLockedError
from kb.search.indexing import index_check, records_index
from kb.search.selectors import search_records
from kb.search.tasks import index_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_index(search_backend):
    call_command("search_index", "rebuild", "--no-progress")
    return search_backend


def found(viewer, q):
    return [h.key for h in search_records(viewer=viewer, q=q).hits]


def test_a_save_is_indexed_when_its_transaction_commits(
        empty_index, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incident = Incident.objects.create(slug="zanzibar", title="Zanzibar probe")
        assert found(admin_user, "Zanzibar") == []  # not before the commit
    for callback in callbacks:
        callback()
    assert found(admin_user, "Zanzibar") == [f"incident:{incident.pk}"]


def test_a_rolled_back_save_is_never_indexed(empty_index, admin_user,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            Incident.objects.create(slug="ghost", title="Ghost probe")
            raise RuntimeError
        Incident.objects.create(slug="real", title="Real probe")
    assert found(admin_user, "probe") == [f"incident:{Incident.objects.get(slug='real').pk}"]
    assert index_check().ok


def test_updates_deletes_and_relinks_follow_the_database(
        indexed, admin_user, django_capture_on_commit_callbacks):
    campaign = Campaign.objects.get(slug="alibaba-qwen")
    with django_capture_on_commit_callbacks(execute=True):
        campaign.name = "Tangerine campaign"
        campaign.save()
    assert f"campaign:{campaign.pk}" in found(admin_user, "Tangerine")

    # An actor added to the campaign (m2m) and then renamed: the campaign shows the name.
    with django_capture_on_commit_callbacks(execute=True):
        zorblax = Actor.objects.create(slug="zorblax", name="Zorblax Labs", kind="ai_lab")
        campaign.operators.add(zorblax)
    assert f"campaign:{campaign.pk}" in found(admin_user, "Zorblax")
    with django_capture_on_commit_callbacks(execute=True):
        zorblax.name = "Quokka Labs"
        zorblax.save()
    assert f"campaign:{campaign.pk}" in found(admin_user, "Quokka")
    assert f"campaign:{campaign.pk}" not in found(admin_user, "Zorblax")

    # Deleting the actor cascades its links away without m2m signals; its name goes too.
    with django_capture_on_commit_callbacks(execute=True):
        zorblax.delete()
    assert found(admin_user, "Quokka") == []

    with django_capture_on_commit_callbacks(execute=True):
        campaign.delete()
    assert f"campaign:{campaign.pk}" not in found(admin_user, "Tangerine")
    assert index_check().ok


def test_update_repairs_what_no_signal_reported(indexed, admin_user, capsys):
    incident = Incident.objects.get(slug="alibaba-qwen-2026")
    Incident.objects.filter(pk=incident.pk).update(summary="Persimmon orchard")  # no signal
    claim = Claim.objects.order_by("pk").first()
    with connection.cursor() as cursor:  # a row gone behind the ORM's back
        cursor.execute("DELETE FROM incidents_claim WHERE id = %s", [claim.pk])
    assert found(admin_user, "Persimmon") == []
    with pytest.raises(CommandError, match="run search_index update"):
        call_command("search_index", "check")
    call_command("search_index", "update", "--no-progress")
    assert "1 written, 1 removed" in capsys.readouterr().out
    assert found(admin_user, "Persimmon") == [f"incident:{incident.pk}"]
    call_command("search_index", "check")
    call_command("search_index", "update", "--no-progress")
    assert "0 written, 0 removed" in capsys.readouterr().out  # idempotent


# --- locks and retries -----------------------------------------------------------------

@pytest.fixture
def held_lock(search_backend, settings):
    """Another writer holds the index lock (another process, as far as the lock knows)."""
    settings.KB_SEARCH_LOCK_TIMEOUT = 0.2
    if search_backend == "whoosh":
        call_command("search_index", "rebuild", "--no-progress")
        other = filelock.FileLock(str(settings.KB_SEARCH_INDEX_DIR / "write.lock"))
        other.acquire()
        yield other.release
        other.release()
    else:
        from django.db import connections
        from django.db.utils import ConnectionHandler

        from kb.search.backends.postgres import LOCK_KEY, SCHEMA_VERSION
        from kb.search.models import SearchIndexState

        # An empty, healthy index, made without taking the lock: an advisory lock taken
        # in the test's transaction would be held until the test ends.
        SearchIndexState.objects.create(backend="postgres", schema_version=SCHEMA_VERSION,
                                        built_at=timezone.now())

        handler = ConnectionHandler(settings.DATABASES)  # a second session
        conn = handler["default"]
        conn.settings_dict["NAME"] = connections["default"].settings_dict["NAME"]
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])

        def release():
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock_all()")

        yield release
        release()
        conn.close()


def test_a_held_lock_times_out_and_the_task_retries_with_jitter(held_lock):
    incident = Incident.objects.create(slug="queued", title="Queued probe")
    with pytest.raises(IndexLockedError):
        records_index(source="incident", ids=[incident.pk])

    assert index_records.autoretry_for == (IndexLockedError,)
    assert index_records.retry_jitter is True
    countdowns = []

    def fake_retry(*, exc, countdown, **kwargs):
        countdowns.append(countdown)
        return Retry(exc=exc, when=countdown)

    random.seed(5)
    with mock.patch.object(index_records, "retry", side_effect=fake_retry):
        for retries in range(20):
            result = index_records.apply(args=["incident", [incident.pk]], retries=retries % 4,
                                         throw=False)
            assert result.state == "RETRY"
    # Exponential (2 s × 2^retries, at most 120 s) with full jitter: spread, not in step.
    assert all(0 <= c <= 2 * 2 ** 3 for c in countdowns)
    assert len(set(countdowns)) > 5

    held_lock()  # the other writer finishes: the retried task goes through
    assert index_records.apply(args=["incident", [incident.pk]]).get() == {
        "indexed": 1, "removed": 0}


# --- damaged and outdated indexes ------------------------------------------------------

def test_a_corrupt_whoosh_index_is_reported_kept_aside_and_rebuilt(indexed, admin_user, caplog,
                                                                  search_backend):
    if search_backend != "whoosh":
        pytest.skip("Whoosh files: the PostgreSQL variant is the next test")
    index_dir = settings.KB_SEARCH_INDEX_DIR
    generation = json.loads((index_dir / "index.json").read_text())["generation"]
    for toc in (index_dir / generation).glob("*.toc"):
        toc.write_bytes(b"not a table of contents")
    get_backend()._open.clear()  # as a fresh process would open it
    assert index_check().status.state == "corrupt"
    with pytest.raises(CommandError, match="corrupt"):
        call_command("search_index", "check")

    results = search_records(viewer=admin_user, q="Qwen distillation")  # heals itself
    assert results.count > 0 and not results.unavailable
    assert "is corrupt" in caplog.text and "kept" in caplog.text
    assert [p.name for p in index_dir.glob("corrupt-*")] == [
        generation.replace("gen-", "corrupt-", 1)]
    assert index_check().ok


def test_a_damaged_postgres_index_is_reported_and_rebuilt(indexed, admin_user, search_backend):
    if search_backend != "postgres":
        pytest.skip("PostgreSQL tables: the Whoosh variant is the previous test")
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX kb_search_entry_vector_gin")
    assert index_check().status.state == "corrupt"
    call_command("search_index", "rebuild", "--if-needed", "--no-progress")
    assert index_check().ok
    assert search_records(viewer=admin_user, q="Qwen distillation").count > 0


def test_an_index_of_another_schema_version_is_rebuilt_if_needed(indexed, search_backend,
                                                                 capsys):
    if search_backend == "whoosh":
        manifest = settings.KB_SEARCH_INDEX_DIR / "index.json"
        data = json.loads(manifest.read_text())
        data["schema_version"] = 1
        manifest.write_text(json.dumps(data))
    else:
        from kb.search.models import SearchIndexState

        SearchIndexState.objects.update(schema_version=1)
    assert index_check().status.state == "outdated"
    call_command("search_index", "rebuild", "--if-needed", "--no-progress")
    assert "rebuilt" in capsys.readouterr().out
    assert index_check().ok


# --- receivers name their senders ---------------------------------------------------------

def test_page_receivers_are_connected_per_page_class(monkeypatch):
    """With a searchable page class, publish/unpublish listen to that class only and a
    move to every page class (a searchable page can sit below any page), each by name."""
    from django.contrib.sessions.models import Session
    from django.db.models.signals import post_delete, post_save, pre_delete
    from wagtail.models import Page, get_page_models
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from kb.search import signals

    monkeypatch.setattr(signals, "page_models", lambda: [Page])
    try:
        signals.connect()
        assert page_published.has_listeners(Page) and page_unpublished.has_listeners(Page)
        assert all(post_page_move.has_listeners(model) for model in get_page_models())
        for signal in (page_published, page_unpublished, post_save, post_delete):
            assert not signal.has_listeners(Session)
        assert not {r for r in post_page_move.receivers
                    if str(r[0][0]).startswith("kb.search") and r[0][1] == id(None)}
    finally:
        uid = "kb.search:wagtailcore.page"
        for signal in (page_published, page_unpublished, post_save, pre_delete, post_delete):
            signal.disconnect(sender=Page, dispatch_uid=uid)
        for model in get_page_models():
            post_page_move.disconnect(sender=model,
                                      dispatch_uid=f"kb.search:{model._meta.label_lower}")
    assert not page_published.has_listeners(Page)
