"""Security headers on every response: a strict Content-Security-Policy for the site and
the API, a relaxed one for Wagtail's admin; nosniff, referrer and opener policies; under
the HTTPS settings, HSTS and Secure cookies. Uploaded documents are downloads, never
pages; media is not served by URL; the API's schema and docs need a login."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils.csp import CSP

pytestmark = pytest.mark.django_db

HTTPS = {"SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000,
         "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True,
         "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True}


def _policy(response) -> dict[str, list[str]]:
    header = response.headers[CSP.HEADER_ENFORCE]
    return {d.split()[0]: d.split()[1:] for d in header.split("; ")}


def _assert_strict(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]


def test_site_page_has_the_strict_policy_and_the_headers(client):
    response = client.get("/login/")
    assert response.status_code == 200
    _assert_strict(_policy(response))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP by default


def test_api_response_has_the_strict_policy(client):
    response = client.get("/api/v1/campaigns/")
    assert response.status_code == 401
    _assert_strict(_policy(response))
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_admin_has_the_relaxed_policy(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]  # Wagtail's inline scripts
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'self'"]
    assert policy["frame-src"] == ["'self'"]  # previews


def test_api_docs_run_their_inline_script_by_nonce(admin_client):
    response = admin_client.get("/api/v1/docs/")
    assert response.status_code == 200
    policy = _policy(response)
    _assert_strict(policy)
    nonces = re.findall(r'<script nonce="([^"]+)">', response.content.decode())
    assert len(nonces) == 1
    assert f"'nonce-{nonces[0]}'" in policy["script-src"]
    redoc = admin_client.get("/api/v1/docs/redoc/")
    assert redoc.status_code == 200 and "fonts.googleapis.com" not in redoc.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/", "/api/v1/docs/redoc/"])
def test_schema_and_docs_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert "Token" in response.headers["WWW-Authenticate"]


@override_settings(**HTTPS)
def test_https_settings_send_hsts_redirect_and_secure_cookies(client, analyst):
    assert client.get("/login/").status_code == 301  # to https://
    response = client.get("/login/", secure=True)
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload")
    assert response.cookies["csrftoken"]["secure"] is True
    logged_in = client.post("/login/", {"username": "analyst", "password": "analyst-pass"},
                            secure=True)
    assert logged_in.status_code == 302
    session = logged_in.cookies["sessionid"]
    assert session["secure"] is True and session["httponly"] is True


def test_documents_are_downloads_and_media_is_not_served(admin_client, settings):
    from wagtail.documents.models import Document

    document = Document(title="Page")
    document.file.save("page.html", ContentFile(b"<script>alert(1)</script>"), save=False)
    document.save()
    response = admin_client.get(document.url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers[CSP.HEADER_ENFORCE] == "default-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    stored = document.file.path
    assert stored.startswith(str(settings.MEDIA_ROOT))
    assert not stored.startswith(str(settings.STATIC_ROOT))
    assert admin_client.get(f"{settings.MEDIA_URL}{document.file.name}").status_code == 404
