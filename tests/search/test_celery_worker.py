"""Real Celery workers against Redis: two worker processes (two pool processes each)
index at once, and no update is lost.

The workers must see the rows the test writes, so the test uses pytest-django's
``transactional_db`` (rows are really committed) and a database both processes can open:

* on PostgreSQL, the test database itself (``test_kb_search``): the workers get its URL;
* on SQLite, the test database lives in memory, which another process cannot open, so
  the migrated in-memory database is copied into a file with SQLite's backup API and
  the test's connection is pointed at that file for the duration of the test.

The workers use Redis database 7 (``KB_SEARCH_TEST_BROKER_URL`` overrides it) and a queue
of their own per run. Without Redis the test fails under CI=true and skips loudly
otherwise.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from incidents.models import Incident
from kb.celery import app as celery_app
from kb.search.backends import get_backend
from kb.search.documents import iter_all_documents
from tests.support import redis_reachable, require

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("KB_SEARCH_TEST_BROKER_URL", "redis://127.0.0.1:6379/7")
WORKERS = 2
RECORDS = 30
ROUNDS = 3
SETTLE_SECONDS = 120


@pytest.fixture(params=["whoosh", "postgres"])
def backend_name(request, settings):
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip(f"postgres search backend: the test database is {connection.vendor}, "
                    "not PostgreSQL")
    settings.KB_SEARCH_BACKEND = request.param
    return request.param


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    """Environment that points a worker at the test's database (see the module doc)."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        yield {"KB_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
                                  f"{db['PORT'] or 5432}/{db['NAME']}"}
        return
    data_dir = tmp_path / "shared-data"
    data_dir.mkdir()
    path = data_dir / "kb.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    # Django never closes an in-memory SQLite connection (that would drop the database):
    # set it aside, and put it back afterwards for pytest-django's clean-up.
    original_name, in_memory = connection.settings_dict["NAME"], connection.connection
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        yield {"KB_DATA_DIR": str(data_dir)}
    finally:
        if connection.connection is not None:
            connection.connection.close()
        connection.connection = in_memory
        connection.settings_dict["NAME"] = original_name


@pytest.fixture
def broker():
    require(redis_reachable(BROKER), f"Redis at {BROKER} (real Celery worker test)")
    return BROKER


@pytest.fixture
def workers(broker, shared_database, backend_name, tmp_path):
    """Two worker processes on a queue of their own; this process sends to it."""
    queue = f"kb-search-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ, **shared_database,
        "DJANGO_SETTINGS_MODULE": "kb.settings",
        "KB_BROKER_URL": broker, "KB_RESULT_BACKEND": "",  # no results kept in Redis
        "KB_SEARCH_BACKEND": backend_name,
        "KB_SEARCH_INDEX_DIR": str(settings.KB_SEARCH_INDEX_DIR),
        "KB_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",  # the logs are read while the workers run
    }
    procs, logs = [], []
    for number in range(WORKERS):
        log = tmp_path / f"worker-{number}.log"
        logs.append(log)
        procs.append(subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "kb", "worker", "-l", "info", "-c", "2",
             "-n", f"search{number}-{queue}@%h", "-Q", queue, "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        ))
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager",
                                             "task_default_queue")}
    celery_app.conf.update(broker_url=broker, task_always_eager=False,
                           task_default_queue=queue)
    _reset_celery_connections()
    try:
        deadline = time.monotonic() + 90
        while not all(" ready." in log.read_text() for log in logs):
            for proc, log in zip(procs, logs, strict=True):
                if proc.poll() is not None:
                    pytest.fail(f"worker exited early:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("workers not ready in 90 s:\n" + logs[0].read_text()[-3000:])
            time.sleep(0.3)
        yield {"logs": logs, "queue": queue}
    finally:
        import redis

        client = redis.Redis.from_url(broker)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        celery_app.conf.update(saved)
        _reset_celery_connections()
        for proc in procs:  # a warm shutdown: running tasks finish first
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _reset_celery_connections() -> None:
    # The connection pool and the queues/routes (``app.amqp``) are built lazily from the
    # configuration, once: drop them so the next send uses the broker and queue set now.
    # (Not closed: kombu shares producer pools per broker URL across the process.)
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


def _index_matches_database(backend) -> tuple[bool, dict[str, tuple[str, str]]]:
    expected = {d.key: d.content_hash for d in iter_all_documents()}
    actual = dict(backend.hashes())
    diff = {k: (expected.get(k, "-"), actual.get(k, "-"))
            for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)}
    return not diff, diff


def test_two_workers_indexing_at_once_lose_no_update(workers):
    call_command("search_index", "rebuild", "--no-progress")  # an empty, healthy index
    backend = get_backend()

    # Every save commits on its own, so every save sends its own task: many small tasks
    # for the same rows, racing each other across four worker processes.
    incidents = [Incident.objects.create(slug=f"race-{i}", title=f"Race probe {i} created")
                 for i in range(RECORDS)]
    for round_number in range(1, ROUNDS + 1):
        for incident in incidents:
            incident.title = f"Race probe {incident.slug} round {round_number}"
            incident.save()
    for incident in incidents[:5]:
        incident.delete()

    import redis

    queued = redis.Redis.from_url(BROKER)
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:  # until every task has been taken and the index agrees with the database
        matches, diff = _index_matches_database(backend)
        drained = queued.llen(workers["queue"]) == 0
        if (matches and drained) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    time.sleep(2)  # tasks taken last finish writing
    matches, diff = _index_matches_database(backend)
    texts = [log.read_text() for log in workers["logs"]]
    assert matches, (f"index differs from the database in {len(diff)} documents: "
                     f"{sorted(diff.items())[:5]}\n" + "\n".join(t[-3000:] for t in texts))
    assert len(dict(backend.hashes())) == RECORDS - 5
    done = [t.count("kb.search.index_records[") for t in texts]
    assert all(n > 0 for n in done), f"each worker should have indexed something: {done}"
    assert not any("Traceback" in t or "raised unexpected" in t for t in texts), texts
