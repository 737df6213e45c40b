"""Ingest endpoints: ``POST /ingest/`` queues an article, ``GET /tasks/{task_id}/`` says
how its job stands.

Thin: the request is checked by ``incidents.ingest.pipeline.ingest_request_check``
(through ``IngestRequestSerializer``), the job made by ``ingest_job_create`` and queued
on commit by ``ingest_job_enqueue``; the work happens in the Celery task. Writing needs
a write-scoped token (or a session) and ``incidents.add_claim``: ingesting makes pending
claims. A job is visible only to its creator (and staff cleared for its marking);
anyone else gets the 404 an unknown id gets.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.ingest.jobs import ingest_job_create
from incidents.ingest.pipeline import MAX_BYTES
from incidents.ingest.tasks import ingest_job_enqueue
from incidents.models import Claim
from incidents.models.ingest import IngestJob
from kb.api.authentication import viewer_of
from kb.api.parsers import LimitedJSONParser
from kb.api.serializers.ingest import (
    IngestAcceptedSerializer,
    IngestRequestSerializer,
    TaskStatusSerializer,
)
from kb.api.views.base import NoNulQueryMixin, etag_of

RENDERERS = [JSONRenderer, BrowsableAPIRenderer]


class _IngestLimits(LimitedJSONParser):
    max_bytes = 4 * MAX_BYTES


class IngestJSONParser(BaseParser):
    """The API's JSON parser with room for a 5 MB document once JSON-escaped (quotes
    and line ends double); the document's own limit is checked, with its field, by the
    pipeline. Not a ``JSONParser`` subclass on purpose: DRF reads ``request.body`` for
    those, which Django caps at ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) with an error
    the API would answer with a 500; this one reads the stream itself, bounded."""

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Any = None) -> Any:
        return _IngestLimits().parse(stream, media_type, parser_context)


class IngestView(NoNulQueryMixin, APIView):
    # ``ApiAccess`` reads the model from the queryset: a POST needs incidents.add_claim.
    queryset = Claim.objects.none()
    parser_classes = [IngestJSONParser]
    renderer_classes = RENDERERS

    @extend_schema(
        request=IngestRequestSerializer,
        responses={202: OpenApiResponse(IngestAcceptedSerializer, description=(
            "Queued: poll `status_url` for the job's state, progress and result."))},
        summary="Ingest an article",
        description=(
            "Queue one article for ingesting: its readable text and metadata are read, it "
            "is deduplicated by canonical URL and content hash (a duplicate changes "
            "nothing), and a source, a coverage record (when a URL is given) and "
            "*pending* claims for the figures, dates and actors it states are stored in "
            "one transaction, for analysts to review. Give `text` or `html` (not both; "
            "UTF-8, at most 5 MB, not binary), optionally `url` and `incident`. 400 names "
            "the field and the reason; nothing is stored or queued then."),
        tags=["ingest"],
    )
    def post(self, request: Request) -> Response:
        body = IngestRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            job = ingest_job_create(request=body.checked, user=request.user,
                                    viewer=viewer_of(request))
            ingest_job_enqueue(job)
        status_url = reverse("api-task-status", kwargs={"task_id": job.task_id})
        return Response({"task_id": job.task_id, "status_url": status_url},
                        status=status.HTTP_202_ACCEPTED)


class TaskStatusView(NoNulQueryMixin, APIView):
    renderer_classes = RENDERERS

    @extend_schema(
        responses={200: TaskStatusSerializer},
        summary="An ingest job's status",
        description=("State (pending, running, done, failed), progress 0–100, a message "
                     "and, once done, the result: the source and coverage ids, whether it "
                     "was a duplicate, extractions per kind, pending claims created, "
                     "candidate organisations. Only the job's creator sees it (404 for "
                     "anyone else, as for an unknown id)."),
        tags=["ingest"],
    )
    def get(self, request: Request, task_id: str) -> Response:
        job = _job(task_id, viewer_of(request))
        data = TaskStatusSerializer(job).data
        response = Response(data)
        response["ETag"] = etag_of(data)
        return response


def _job(task_id: str, viewer: Any) -> IngestJob:
    try:
        key = uuid.UUID(task_id)
    except ValueError:
        raise Http404("No such task.") from None
    job = IngestJob.objects.visible_to(viewer).filter(pk=key).first()
    if job is None:
        raise Http404("No such task.")
    return job
