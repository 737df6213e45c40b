"""API tokens, managed by their owners and by administrators:

* ``GET /tokens/`` — your own tokens; a user with ``kb_api.view_apitoken`` (or
  ``change_apitoken``) sees everyone's, ``?user=<username>`` for one user's;
* ``POST /tokens/`` — a new token for yourself: the raw token is in this answer only;
* ``GET`` / ``PATCH /tokens/{id}/`` — rename, a new expiry, a lower scope or clearance;
* ``POST /tokens/{id}/revoke/`` — the owner, or a user with ``kb_api.change_apitoken``;
  idempotent.

Writes need a session or a write-scoped token. Another user's token is a 404 to whoever
may not see it. The hash is never shown; the audit trail (``kb.audit``) records each
creation, change and revocation without the token.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kb.api.authentication import viewer_of
from kb.api.models import ApiToken
from kb.api.parsers import PARSER_CLASSES
from kb.api.permissions import WriteCredential
from kb.api.serializers.tokens import (
    TokenChangeSerializer,
    TokenCreatedSerializer,
    TokenCreateSerializer,
    TokenQuerySerializer,
    TokenSerializer,
)
from kb.api.services import (
    api_token_change,
    api_token_create,
    api_token_revoke,
    token_audit_data,
)
from kb.api.views.base import ID_REGEX, RequestGuardMixin, check_if_match, etag_of
from kb.api.views.provenance import RENDERERS, MethodCheckedFirst
from kb.audit.models import AuditAction
from kb.audit.services import audit_record

VIEW_ALL = "kb_api.view_apitoken"
CHANGE_ALL = "kb_api.change_apitoken"


def sees_all_tokens(user: Any) -> bool:
    return bool(user.has_perm(VIEW_ALL) or user.has_perm(CHANGE_ALL))


def tokens_for(user: Any) -> models.QuerySet[ApiToken]:
    """The tokens ``user`` may see: their own, or everyone's for administrators."""
    tokens = ApiToken.objects.select_related("user")
    return tokens if sees_all_tokens(user) else tokens.filter(user=user)


def may_change(user: Any, token: ApiToken) -> bool:
    return bool(token.user_id == user.pk or user.has_perm(CHANGE_ALL))


class TokenAccess(WriteCredential):
    """Signed in (session or token) to read; a session or a write-scoped token to write;
    the owner or ``kb_api.change_apitoken`` to change or revoke a token."""

    message = "Managing tokens needs a session or a write-scoped token."
    read_scoped_message = ("This token is read-scoped; managing tokens needs a session "
                           "or a write-scoped token.")

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not may_change(request.user, obj):
            self.message = f"Only the token's owner or a user with {CHANGE_ALL!r} may."
            return False
        return True


@extend_schema_view(
    list=extend_schema(summary="List API tokens", parameters=[TokenQuerySerializer],
                       description="Your own tokens, newest first; administrators "
                       "(kb_api.view_apitoken) see everyone's. The raw token is never "
                       "listed."),
    retrieve=extend_schema(summary="One API token",
                           description="Yours, or anyone's for administrators; 404 otherwise."),
)
class TokenViewSet(MethodCheckedFirst, RequestGuardMixin, viewsets.ReadOnlyModelViewSet):
    """API tokens: list, create, read, change and revoke (see the module)."""

    serializer_class = TokenSerializer
    renderer_classes = RENDERERS
    parser_classes = PARSER_CLASSES
    permission_classes = [TokenAccess]
    filter_backends: list[Any] = []
    lookup_value_regex = ID_REGEX
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = ApiToken.objects.none()  # rows: get_queryset

    def get_queryset(self) -> models.QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        tokens = tokens_for(self.request.user)
        if self.action == "list":
            query = TokenQuerySerializer(data=self.request.query_params.dict())
            query.is_valid(raise_exception=True)
            username = query.validated_data.get("user")
            if username:
                field = get_user_model().USERNAME_FIELD
                tokens = tokens.filter(**{f"user__{field}": username})
        return tokens.order_by("-created_at", "-id")

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return TokenCreateSerializer
        if self.action == "partial_update":
            return TokenChangeSerializer
        return TokenSerializer

    def _answer(self, token: ApiToken, status_code: int = status.HTTP_200_OK,
                raw: str | None = None) -> Response:
        shown = TokenSerializer(token, context=self.get_serializer_context()).data
        data = shown
        if raw is not None:
            data = TokenCreatedSerializer(
                token, context={**self.get_serializer_context(), "raw_token": raw}).data
        response = Response(data, status=status_code)
        response["ETag"] = etag_of(shown)  # of what a read shows: not of the raw token
        if raw is not None:
            response["Cache-Control"] = "no-store"
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._answer(self.get_object())

    @extend_schema(summary="Create an API token", request=TokenCreateSerializer,
                   responses={201: TokenCreatedSerializer},
                   description="A token for yourself. Its clearance may not exceed your "
                   "own (or that of the token you call with); the raw token is in this "
                   "answer only.")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        token, raw = api_token_create(
            user=request.user, scope=data["scope"], clearance=data.get("clearance"),
            name=data.get("name", ""), expires_at=data.get("expires_at"),
            viewer=viewer_of(request),
        )
        audit_record(action=AuditAction.TOKEN_CREATE, user=request.user, obj=token,
                     request=request, data=token_audit_data(token))
        return self._answer(token, status.HTTP_201_CREATED, raw=raw)

    @extend_schema(summary="Change an API token", request=TokenChangeSerializer,
                   responses={200: TokenSerializer},
                   description="Rename it, give it a new expiry, or lower its scope or "
                   "clearance (never raise them).")
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = self.get_object()
        body = TokenChangeSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        check_if_match(request, etag_of(TokenSerializer(token).data))
        changes = dict(body.validated_data)
        changed = api_token_change(token=token, **changes)
        if changed:
            audit_record(action=AuditAction.TOKEN_CHANGE, user=request.user, obj=token,
                         request=request, data=token_audit_data(token, changed=changed))
        return self._answer(token)

    @extend_schema(summary="Revoke an API token", request=None,
                   responses={200: OpenApiResponse(TokenSerializer, description=(
                       "The token, revoked (also when it already was)."))},
                   description="The owner, or a user with kb_api.change_apitoken. The token "
                   "is refused (401) from the next request on. Revoking it again changes "
                   "nothing.")
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        token = self.get_object()
        if api_token_revoke(token=token):
            audit_record(action=AuditAction.TOKEN_REVOKE, user=request.user, obj=token,
                         request=request, data=token_audit_data(token))
        return self._answer(token)
