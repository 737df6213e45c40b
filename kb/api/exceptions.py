"""One error shape for every failure: ``{"detail", "code", "errors": [{"field", "reason"}]}``.

Services raise Django's ``ValidationError``; it becomes a 400 here, so views never
translate it themselves. A delete that would reach records the writer may not see
(``RestrictedCascade``) is a 409. With ``DEBUG`` off, anything unexpected is logged and
answered with a 500 in the same shape, never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from incidents.services.records import RestrictedCascade

logger = logging.getLogger("kb.api")

SERVER_ERROR = "Internal server error; it has been logged."


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The change conflicts with other records."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it (If-Match does not match its ETag)."
    default_code = "precondition_failed"


def _field_errors(detail: Any, prefix: str = "") -> Iterator[dict[str, str]]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in {NON_FIELD_ERRORS, "non_field_errors"} else str(key)
            yield from _field_errors(value, f"{prefix}.{name}" if prefix and name else
                                     (name or prefix))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            nested = isinstance(item, dict | list)
            yield from _field_errors(item, f"{prefix}.{index}" if nested and prefix else prefix)
    else:
        yield {"field": prefix, "reason": str(detail)}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request body is too large."


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE while DRF parses it; say
        # so instead of answering 500.
        exc = PayloadTooLarge(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} "
            "bytes; send large documents to /api/v1/ingest/ or split the request.")
    if isinstance(exc, ProtectedError | RestrictedError):
        blocking = (exc.protected_objects if isinstance(exc, ProtectedError)
                    else exc.restricted_objects)
        names = sorted({str(o._meta.verbose_name_plural) for o in blocking})
        exc = Conflict(f"Still referenced by {', '.join(names) or 'other records'}; "
                       "remove those references first.")
    elif isinstance(exc, RestrictedCascade):
        exc = Conflict(str(exc) or "The change would reach records you may not see.")
    elif isinstance(exc, IntegrityError):
        exc = Conflict("The change conflicts with another record (a unique key or a "
                       "constraint); reload and try again.")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if str(exc) else None)
    if isinstance(exc, DjangoValidationError):
        messages: Any = (exc.message_dict if hasattr(exc, "error_dict")
                         else {NON_FIELD_ERRORS: exc.messages})
        exc = exceptions.ValidationError(messages)
    response = exception_handler(exc, context)
    if response is None:
        if settings.DEBUG:
            return None  # Django's debug page, with the stack trace, for developers
        view = context.get("view")
        logger.exception("Unexpected error in %s", type(view).__name__ if view else "the API",
                         exc_info=exc)
        set_rollback()
        return Response({"detail": SERVER_ERROR, "code": "server_error", "errors": []},
                        status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, exceptions.ValidationError):
        errors = list(_field_errors(exc.detail))
        response.data = {
            "detail": "; ".join(
                f"{e['field']}: {e['reason']}" if e["field"] else e["reason"] for e in errors
            ) or "Invalid input.",
            "code": "invalid",
            "errors": errors,
        }
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        response.data = {
            "detail": str(detail if not isinstance(detail, dict | list) else exc.default_detail),
            "code": getattr(detail, "code", None) or exc.default_code,
            "errors": [],
        }
    return response
