"""``GET /audit/?object=`` lists a record's audit trail (who, when, what changed);
``POST /audit/{id}/revert/`` undoes what log entry ``id`` did, as one audited action.

A record's trail is open to anyone who may see the record; the whole trail needs
``kb_audit.view_auditevent`` (administrators). A revert needs a write-scoped credential
and the record's *change* permission. A record the reader may not see reads as one
that does not exist (404), in the trail and in diffs (``restricted``).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from wagtail.models import ModelLogEntry

from kb.api.authentication import viewer_of
from kb.api.exceptions import Conflict
from kb.api.permissions import READ_SCOPED, read_scoped
from kb.api.serializers.audit import (
    AuditEntrySerializer,
    AuditQuerySerializer,
    RevertResultSerializer,
)
from kb.api.views.base import NoNulQueryMixin
from kb.audit.revert import RevertError, entry_revert, revertible_entry
from kb.audit.trail import ObjectRefError, Trail, entry_from_log, object_ref, object_resolve

RENDERERS = [JSONRenderer, BrowsableAPIRenderer]
WHOLE_TRAIL_PERMISSION = "kb_audit.view_auditevent"


class AuditListView(NoNulQueryMixin, generics.ListAPIView):
    """The audit trail, newest first: record changes with their field diffs, review
    decisions, and events (logins, exports, tokens)."""

    serializer_class = AuditEntrySerializer
    renderer_classes = RENDERERS
    filter_backends: list[Any] = []
    queryset = ModelLogEntry.objects.none()  # rows come from kb.audit.trail

    @extend_schema(parameters=[AuditQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = AuditQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        viewer = viewer_of(request)
        obj = None
        if query.validated_data.get("object"):
            try:
                obj = object_resolve(query.validated_data["object"], viewer)
            except ObjectRefError as exc:
                raise serializers.ValidationError({"object": str(exc)}) from None
        elif not request.user.has_perm(WHOLE_TRAIL_PERMISSION):
            raise PermissionDenied(
                "Listing the whole audit trail needs the kb_audit.view_auditevent "
                "permission; pass ?object= for one record's trail.")
        trail = Trail(viewer, obj, action=query.validated_data.get("action", ""))
        page = self.paginate_queryset(trail)  # type: ignore[arg-type]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class AuditRevertView(APIView):
    """Undo one edit (its fields set back) or one review decision. 409 when what it
    changed has changed again since; 400 when the entry is not revertible."""

    renderer_classes = RENDERERS

    @extend_schema(request=None, responses={
        200: RevertResultSerializer, 400: OpenApiResponse(description="Not revertible."),
        404: OpenApiResponse(description="No such entry the reader may see."),
        409: OpenApiResponse(description="Changed again since the entry.")})
    def post(self, request: Request, pk: int) -> Response:
        viewer = viewer_of(request)
        if read_scoped(request):
            raise PermissionDenied(READ_SCOPED)
        try:
            entry, obj = revertible_entry(pk, viewer)
        except LookupError:
            raise Http404 from None
        perm = f"{obj._meta.app_label}.change_{obj._meta.model_name}"
        if not request.user.has_perm(perm):
            raise PermissionDenied(f"You lack the permission {perm!r}.")
        try:
            result = entry_revert(entry=entry, obj=obj, user=request.user, viewer=viewer)
        except RevertError as exc:
            if exc.status == 409:
                fields = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
                raise Conflict(f"{exc} ({fields})" if fields else str(exc)) from None
            raise serializers.ValidationError(exc.fields or {"entry": str(exc)}) from None
        latest = (ModelLogEntry.objects.select_related("user", "content_type")
                  .filter(content_type=entry.content_type, object_id=entry.object_id)
                  .order_by("-timestamp", "-pk").first())
        assert latest is not None
        return Response(RevertResultSerializer({
            "object": object_ref(result.object), "reverted": result.reverted,
            "skipped": result.skipped, "entry": entry_from_log(latest, viewer),
        }).data)
