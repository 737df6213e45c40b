"""Ingest jobs: a request waiting for (or done by) its Celery task.

``ingest_job_create`` stores a checked request (``pipeline.ingest_request_check``);
``ingest_job_run`` is the whole of the task's work: a compare-and-swap to *running*,
``pipeline.ingest_document``, and the result, progress and state written back. Queueing
(``transaction.on_commit``) is ``incidents.ingest.tasks.ingest_job_enqueue``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.db.models import F

from incidents.ingest.pipeline import IngestRequest, error_text, ingest_document, result_line
from incidents.models.ingest import IngestInputKind, IngestJob, IngestState
from incidents.visibility import clearance_for

logger = logging.getLogger("kb.ingest")


def ingest_job_create(*, request: IngestRequest, user: Any, name: str = "",
                      viewer: Any = None) -> IngestJob:
    """A pending job for a checked request, created by ``user``; the task will see no
    more than ``viewer`` (the request's token, by default the user) may see now. Nothing
    is queued here: the caller queues it once its transaction commits."""
    creator = user if getattr(user, "is_authenticated", False) else None
    job = IngestJob(input_kind=request.input_kind, content=request.content, url=request.url,
                    incident=request.incident, marking=request.marking, name=name[:255],
                    created_by=creator,
                    clearance=clearance_for(viewer if viewer is not None else user)
                    if creator is not None else "")
    job.full_clean()
    job.save()
    return job


def _update(job_id: Any, **fields: Any) -> None:
    IngestJob.objects.filter(pk=job_id).update(**fields)


def ingest_job_run(*, job_id: str, final_attempt: bool = True) -> dict[str, Any]:
    """Run job ``job_id`` and record how it went; returns its result.

    Idempotent: a job already done is not run again (its result is returned); a job
    left *running* by a killed worker, or *failed*, runs again, and the dedupe and the
    single transaction of ``ingest_document`` mean the retry neither duplicates nor
    finds half-written rows. Bad input ends the job as *failed* with the reason. A
    database error is re-raised for the task to retry (the job says so), and fails the
    job on the last attempt; anything else fails the job and is logged.
    """
    job = IngestJob.objects.select_related("created_by", "incident").filter(pk=job_id).first()
    if job is None:
        logger.warning("Ingest job %s is gone; nothing to do.", job_id)
        return {"state": "missing"}
    if job.state == IngestState.DONE:
        return dict(job.result)
    IngestJob.objects.filter(pk=job.pk).exclude(state=IngestState.DONE).update(
        state=IngestState.RUNNING, attempts=F("attempts") + 1, progress=5, message="Started")

    def progress(percent: int, message: str) -> None:
        IngestJob.objects.filter(pk=job.pk, state=IngestState.RUNNING).update(
            progress=max(0, min(100, percent)), message=message[:500])

    content = {"text": job.content} if job.input_kind == IngestInputKind.TEXT else \
        {"html": job.content}
    try:
        result = ingest_document(**content, url=job.url, incident=job.incident,
                                 user=job.viewer, progress=progress, name=job.name)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        data = {"errors": errors}
        _update(job.pk, state=IngestState.FAILED, message=error_text(exc)[:500], result=data)
        return data
    except OperationalError:
        if final_attempt:
            _update(job.pk, state=IngestState.FAILED,
                    message="The database could not be reached; the job was given up.")
        else:
            _update(job.pk, message="The database could not be reached; retrying.")
        raise
    except Exception as exc:  # noqa: BLE001 — the job records the failure; the log has it
        logger.exception("Ingest job %s failed", job.pk)
        data = {"errors": {"": [f"Unexpected error ({type(exc).__name__}); it was logged."]}}
        _update(job.pk, state=IngestState.FAILED, result=data,
                message=f"Unexpected error ({type(exc).__name__}); it was logged.")
        return data
    data = result.as_json(viewer=job.viewer)
    _update(job.pk, state=IngestState.DONE, progress=100, result=data,
            message=result_line(result)[:500])
    return data
