"""The schema's human-readable pages, served without any outside network: the Swagger UI
and Redoc bundles come from the drf-spectacular-sidecar package, served here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import drf_spectacular_sidecar
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve

ASSETS_DIR = Path(drf_spectacular_sidecar.__file__).resolve().parent / "static" / (
    "drf_spectacular_sidecar"
)


def docs_asset(request: HttpRequest, path: str) -> HttpResponse:
    """A file of the bundled Swagger UI / Redoc (small, cached for a day)."""
    response: Any = serve(request, path, document_root=str(ASSETS_DIR))
    response["Cache-Control"] = "public, max-age=86400"
    return response


@csrf_exempt  # a JSON 404 for any method, not the CSRF middleware's HTML 403
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any other path under /api/v1/: a JSON 404 like the API's own."""
    return JsonResponse(
        {"detail": f"No API endpoint at {request.path}.", "code": "not_found", "errors": []},
        status=404,
    )
