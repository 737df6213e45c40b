"""The ingest task: one per document, thin (the work is ``jobs.ingest_job_run``).

The payload is the job id only (JSON); the job holds the input. ``acks_late``: a worker
killed midway leaves the message to be delivered again, and the retry is safe (see
``ingest_job_run``). A database that cannot be reached retries with exponential backoff
and full jitter, as the search tasks do.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import OperationalError, transaction

from incidents.ingest.jobs import ingest_job_run
from incidents.models.ingest import IngestJob, IngestState

logger = logging.getLogger("kb.ingest")

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(name="kb.ingest.ingest_document", bind=True, **RETRY)
def ingest_document_task(self: Any, job_id: str) -> dict[str, Any]:
    """Ingest the document of job ``job_id`` (idempotent; see ``ingest_job_run``)."""
    retries = int(getattr(self.request, "retries", 0) or 0)
    return ingest_job_run(job_id=job_id, final_attempt=retries >= int(self.max_retries or 0))


def ingest_job_enqueue(job: IngestJob) -> None:
    """Send the job's task once the current transaction commits (the task id is the
    job's id). A broker that cannot be reached fails the job with the reason rather
    than the request that made it."""
    job_id = str(job.pk)

    def send() -> None:
        try:
            ingest_document_task.apply_async(args=[job_id], task_id=job_id)
        except Exception:  # noqa: BLE001 — the job says it was not queued; the log says why
            logger.exception("Could not queue ingest job %s", job_id)
            IngestJob.objects.filter(pk=job_id, state=IngestState.PENDING).update(
                state=IngestState.FAILED,
                message="The job could not be queued (the task broker is unreachable).")

    transaction.on_commit(send)
