"""OpenAPI wiring: only ``/api/`` paths, the token scheme, figures that read as objects
(``CountFigure`` …) and are written as the claim behind a value (``CountFigureInput``
…), the ``restricted`` list, and every error response the API really gives."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)

from kb.api.serializers.figures import FIGURE_INPUT_SERIALIZERS, FIGURE_SERIALIZERS

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: what went wrong, a code, and for 400s each field and reason "
    '(field "" for errors about the request as a whole).',
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
                "required": ["field", "reason"],
            },
        },
    },
    "required": ["detail", "code", "errors"],
}

ERRORS = {
    "400": "Invalid input: a malformed parameter or body (not JSON, larger than 1 MiB, "
    "nested more than 32 levels deep, a figure typed without its claim …); each field and "
    "reason is listed.",
    "401": "No credentials, or an invalid or revoked token.",
    "403": "The credential may not write (a read-scoped token, or no model permission).",
    "404": "No such record visible to this credential (or a page past the last one).",
    "406": "No representation matches the Accept header.",
    "409": "The change conflicts with other records (still referenced, a unique key, or a "
    "delete that would reach records this credential may not see); nothing was changed.",
    "412": "If-Match does not match the record's current ETag; nothing was changed.",
    "415": "The body is not JSON (or form data).",
    "429": "Too many requests for this token; retry after the Retry-After seconds.",
    "500": "An unexpected error; it was logged. The body never holds a stack trace.",
}

DETAIL_PATH = re.compile(r"^/api/v1/[^/]+/\{[^}/]+\}/$")
COLLECTION_PATH = re.compile(r"^/api/v1/[^/]+/$")
ETAG_HEADER = {
    "ETag": {
        "description": "Strong validator of this representation; send it back in If-Match.",
        "schema": {"type": "string"},
    }
}
IF_MATCH = {
    "in": "header", "name": "If-Match", "required": False,
    "description": "The ETag you read. If the record has changed since, the write is "
    "refused with 412 and nothing changes. Omit it to write unconditionally.",
    "schema": {"type": "string"},
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "kb.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`Authorization: Token <token>`; make one with "
            "`manage.py create_api_token USER --scope read|write`.",
        }


class FigureFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "kb.api.serializers.figures.FigureField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        serializer: type
        if direction == "response":
            serializer = FIGURE_SERIALIZERS[self.target.kind]
        else:  # a figure is written only as the claim behind it
            serializer = FIGURE_INPUT_SERIALIZERS[self.target.kind]
        return auto_schema.resolve_serializer(serializer, direction).ref


def only_api_paths(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """Preprocessing hook: the schema covers /api/ and nothing else (not Wagtail's)."""
    return [e for e in endpoints if e[0].startswith("/api/")]


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def add_errors_and_headers(result: dict[str, Any], generator: Any, request: Any,
                           public: bool) -> dict[str, Any]:
    """Postprocessing hook: the error responses each operation can give, ETag on single
    records, If-Match on their writes, CSV as text."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        detail = bool(DETAIL_PATH.match(path))
        collection = bool(COLLECTION_PATH.match(path))
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            writes = method in {"post", "put", "patch", "delete"}
            codes = ["400", "401", "406", "429", "500"]
            if writes:
                codes += ["403", "409"]
            if method != "post" or "{" in path:
                codes.append("404")
            if method in {"post", "put", "patch"}:
                codes.append("415")
            if detail and method in {"put", "patch", "delete"}:
                codes.append("412")
                operation.setdefault("parameters", []).append(dict(IF_MATCH))
            responses = operation["responses"]
            for code in sorted(codes):
                responses.setdefault(code, _error(ERRORS[code]))
            for code, response in responses.items():
                content = response.get("content", {})
                if "text/csv" in content:
                    content["text/csv"] = {"schema": {"type": "string"}}
                if code in {"200", "201"} and (
                    (detail and method in {"get", "put", "patch"})
                    or (collection and method == "post")
                ):
                    response.setdefault("headers", {}).update(ETAG_HEADER)
    return result
