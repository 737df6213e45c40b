"""A real Celery worker against Redis ingests a batch of three documents posted to the
API, and a redelivered task changes nothing.

As in ``tests/search/test_celery_worker.py``: the worker must see the rows the test
writes, so the test uses committed transactions (``django_db(transaction=True)``) and
a database another process can open — PostgreSQL's test database, whose URL the worker
gets. (On SQLite the test database lives in this process's memory; the test is skipped
there, and ``scripts/test.sh`` runs the slow families on PostgreSQL.) The worker uses
Redis database 8 (``KB_INGEST_TEST_BROKER_URL`` overrides it) and a queue of its own.
Without Redis the test fails under CI=true and skips loudly otherwise.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from incidents.models import Coverage, Source
from incidents.models.ingest import IngestJob, IngestState
from kb.celery import app as celery_app
from tests import factories as f
from tests.api.conftest import client_with_token, grant
from tests.ingest.conftest import ARTICLE_URL, table_counts
from tests.support import redis_reachable, require

pytestmark = [pytest.mark.celery_worker, pytest.mark.slow_family,
              pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("KB_INGEST_TEST_BROKER_URL", "redis://127.0.0.1:6379/8")
SETTLE_SECONDS = 120


def _reset_celery_connections() -> None:
    # The producer pool and the queues/routes are built lazily, once: drop them so the
    # next send uses the broker and queue set now (see the search worker test).
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def worker(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("NOT TESTED here: a worker in another process needs a shared database; "
                    "run on PostgreSQL (KB_DATABASE_URL=postgres://…)")
    require(redis_reachable(BROKER), f"Redis at {BROKER} (real Celery worker test)")
    db = connection.settings_dict
    queue = f"kb-ingest-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "KB_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
                           f"{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "kb.settings",
        "KB_BROKER_URL": BROKER, "KB_RESULT_BACKEND": "",
        "KB_SEARCH_INDEX_DIR": str(settings.KB_SEARCH_INDEX_DIR),
        "KB_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "worker.log"
    proc = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "kb", "worker", "-l", "info", "-c", "2",
         "-n", f"ingest-{queue}@%h", "-Q", queue, "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager",
                                             "task_default_queue")}
    celery_app.conf.update(broker_url=BROKER, task_always_eager=False,
                           task_default_queue=queue)
    _reset_celery_connections()
    try:
        deadline = time.monotonic() + 90
        while " ready." not in log.read_text():
            if proc.poll() is not None:
                pytest.fail(f"worker exited early:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("worker not ready in 90 s:\n" + log.read_text()[-3000:])
            time.sleep(0.3)
        yield {"log": log, "queue": queue}
    finally:
        import redis

        client = redis.Redis.from_url(BROKER)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        celery_app.conf.update(saved)
        _reset_celery_connections()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # warm shutdown: running tasks finish
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_for(job_ids: list[str], log: Path) -> list[IngestJob]:
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        jobs = list(IngestJob.objects.filter(pk__in=job_ids))
        if all(j.state in {IngestState.DONE, IngestState.FAILED} for j in jobs):
            return jobs
        if time.monotonic() > deadline:
            pytest.fail(f"jobs not done in {SETTLE_SECONDS} s: "
                        f"{[(j.name, j.state, j.message) for j in jobs]}\n"
                        + log.read_text()[-3000:])
        time.sleep(0.3)


def test_a_worker_ingests_a_batch_of_three_and_a_redelivery_changes_nothing(
        ingest_world, worker, article_html):
    user = f.UserFactory(username="writer")
    grant(user, "add_claim")
    _, raw = f.api_token(user=user, scope="write")
    client = client_with_token(raw)
    documents = [
        {"url": ARTICLE_URL, "html": article_html, "incident": "harbour-case"},
        {"url": "https://news.example.org/coral-denies", "text": "# Coral Systems denies it\n\n"
         "Coral Systems said on 5 March 2026 that it never used 1,200 accounts."},
        {"text": "Analyst note\n\nHarbour Lab counted about 2.5 million exchanges."},
    ]
    job_ids = []
    for body in documents:
        response = client.post("/api/v1/ingest/", data=json.dumps(body),
                               content_type="application/json")
        assert response.status_code == 202, response.content
        job_ids.append(response.json()["task_id"])

    jobs = _wait_for(job_ids, worker["log"])
    assert [j.state for j in jobs] == [IngestState.DONE] * 3, [j.message for j in jobs]
    assert Source.objects.count() == 3 and Coverage.objects.count() == 2
    statuses = [client.get(f"/api/v1/tasks/{pk}/").json() for pk in job_ids]
    assert all(s["state"] == "done" and s["progress"] == 100 for s in statuses)
    assert all(s["result"]["created"] and not s["result"]["duplicate"] for s in statuses)
    assert Source.objects.get(url=ARTICLE_URL).coverage.incidents.get() == ingest_world.incident

    # The first task delivered once more (acks_late after a lost ack), and the same
    # article posted again: neither stores anything.
    before = table_counts()
    from incidents.ingest.tasks import ingest_document_task

    ingest_document_task.apply_async(args=[job_ids[0]], task_id=str(uuid.uuid4()))
    again = client.post("/api/v1/ingest/", data=json.dumps(documents[0]),
                        content_type="application/json").json()["task_id"]
    [duplicate] = _wait_for([again], worker["log"])
    assert duplicate.state == IngestState.DONE and duplicate.result["duplicate"] is True
    time.sleep(1)  # the redelivered task finishes too
    assert table_counts() == {**before, "jobs": before["jobs"] + 1}
    text = worker["log"].read_text()
    assert text.count("kb.ingest.ingest_document[") >= 5
    assert "Traceback" not in text and "raised unexpected" not in text, text[-3000:]
