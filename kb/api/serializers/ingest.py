"""Serializers of the ingest endpoints: the request body of ``POST /ingest/``, its 202
answer, and a job's status (``GET /tasks/{task_id}/``).

The checks themselves are the pipeline's (``incidents.ingest.pipeline
.ingest_request_check``), so the API, the admin form and ``manage.py ingest`` refuse the
same input with the same message, keyed by the same field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from incidents.ingest.pipeline import IngestRequest, ingest_request_check
from incidents.models.ingest import IngestJob, IngestState
from kb.api.authentication import viewer_of
from kb.api.serializers.base import StrictCharField


class DocumentField(StrictCharField):
    """Text as given: not trimmed, NUL characters left for the pipeline to refuse with
    its own message (a binary document), not DRF's."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators
                           if not isinstance(v, ProhibitNullCharactersValidator)]


class IngestRequestSerializer(serializers.Serializer):
    """``{"url", "text"}`` or ``{"url", "html"}``, and optionally ``"incident"``."""

    url = StrictCharField(
        required=False, allow_blank=True, trim_whitespace=True,
        help_text="The article's address (http or https). It is stored canonical: lower-"
        "case host, no fragment, no tracking parameters, sorted query, no trailing slash. "
        "Without a URL the document is kept as a source only (no coverage record).")
    text = DocumentField(required=False, help_text=(
        "The article as plain text or Markdown (UTF-8, at most 5 MB). Give this or "
        "`html`, not both."))
    html = DocumentField(required=False, help_text=(
        "The article's HTML page (at most 5 MB); its main text and metadata (title, "
        "date, site name) are read from it."))
    incident = StrictCharField(
        required=False, allow_blank=True,
        help_text="Slug of the incident the article is about (one you may see).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        try:
            checked = ingest_request_check(
                text=attrs.get("text"), html=attrs.get("html"), url=attrs.get("url", ""),
                incident=attrs.get("incident", ""),
                viewer=viewer_of(request) if request is not None else None)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        attrs["checked"] = checked
        return attrs

    @property
    def checked(self) -> IngestRequest:
        return self.validated_data["checked"]


class IngestAcceptedSerializer(serializers.Serializer):
    task_id = serializers.CharField(help_text="The job's id; its status is at status_url.")
    status_url = serializers.CharField(help_text="GET it for the job's state and result.")


#: What a job that is done produced (or, when it failed, ``errors``): the schema of
#: ``result`` (an inline serializer: ``source`` and ``errors`` are names a serializer
#: class cannot declare).
IngestResultSerializer = inline_serializer(name="IngestResult", fields={
    "source": serializers.IntegerField(allow_null=True, required=False, help_text=(
        "The source's id; null for a duplicate of a source you may not see.")),
    "source_key": serializers.CharField(allow_null=True, required=False),
    "title": serializers.CharField(allow_null=True, required=False),
    "coverage": serializers.IntegerField(allow_null=True, required=False, help_text=(
        "The coverage record's id; null without a URL.")),
    "created": serializers.BooleanField(required=False),
    "duplicate": serializers.BooleanField(required=False, help_text=(
        "The document was already ingested (same canonical URL or text): nothing "
        "changed.")),
    "counts": serializers.DictField(child=serializers.IntegerField(), required=False,
                                    help_text="Extractions per kind."),
    "claims_created": serializers.DictField(child=serializers.IntegerField(),
                                            required=False,
                                            help_text="Pending claims created per field."),
    "claims_existing": serializers.IntegerField(required=False),
    "candidates": serializers.ListField(child=serializers.CharField(), required=False,
                                        help_text="Organisations named that the KB lacks."),
    "skipped": serializers.IntegerField(required=False, help_text=(
        "Figures and dates found whose record could not be told.")),
    "errors": serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="Why the job failed, by field."),
})


class TaskStatusSerializer(serializers.ModelSerializer):
    task_id = serializers.CharField(source="pk", read_only=True)
    state = serializers.ChoiceField(choices=IngestState.choices, read_only=True)
    progress = serializers.IntegerField(read_only=True, min_value=0, max_value=100)
    message = serializers.CharField(read_only=True)
    result = serializers.SerializerMethodField()

    class Meta:
        model = IngestJob
        fields = ["task_id", "state", "progress", "message", "result"]

    @extend_schema_field(IngestResultSerializer)
    def get_result(self, job: IngestJob) -> dict[str, Any]:
        """As the job stored it: ``{}`` until it is done or failed."""
        return dict(job.result or {})
