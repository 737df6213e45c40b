"""Headless Chromium (Debian's package) driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil

import pytest
from django.contrib.auth import get_user_model

from tests.browser.live import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    BROWSER_TIMEOUT_MS,
    ReferenceSite,
    log_in,
    site_settings,
)
from tests.support import require

CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the live server's ORM calls
# happen in their own thread, but fixtures here touch the ORM too.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    require(bool(shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


# --- one live server and one reference-data load per module -------------------------------
# pytest-django's ``live_server`` flushes the database after every test that uses it, so a
# module walking many pages would load the reference data once a test. ``reference_site``
# instead loads it once, serves it from its own live server thread for the whole module,
# and flushes the database when the module is done. Its tests take no ``db`` mark; they
# read the database only through the browser (and ``reference_site.lookup``).

@pytest.fixture(scope="module")
def reference_site(request, django_db_setup, django_db_blocker, tmp_path_factory):
    from django.core.management import call_command
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    from incidents.services.reference import reference_data_load

    data_dir = tmp_path_factory.mktemp("reference-site")
    (data_dir / "index").mkdir()
    overrides = override_settings(**site_settings(data_dir))
    overrides.enable()
    django_db_blocker.unblock()
    server = None
    try:
        reference_data_load()
        call_command("search_index", "rebuild", "--no-progress", verbosity=0)
        get_user_model().objects.create_superuser(ADMIN_USERNAME, "admin@example.org",
                                                  ADMIN_PASSWORD)
        server = LiveServer("127.0.0.1:0")
        server._live_server_modified_settings.enable()
        yield ReferenceSite(url=server.url, data_dir=data_dir)
    finally:
        if server is not None:
            server._live_server_modified_settings.disable()
            server.stop()
        call_command("flush", interactive=False, verbosity=0)
        django_db_blocker.restore()
        overrides.disable()


@pytest.fixture(autouse=True)
def _isolated_data_dir(_isolated_data_dir, request, settings):
    """Tests on ``reference_site`` share its data directory (and search index)."""
    if "reference_site" not in request.fixturenames:
        return _isolated_data_dir
    site = request.getfixturevalue("reference_site")
    for name, value in site_settings(site.data_dir).items():
        setattr(settings, name, value)
    return site.data_dir


@pytest.fixture(scope="module")
def analyst_context(browser, reference_site):
    """A browser context logged in once for the module (its cookies reused by each page)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    log_in(page, reference_site)
    page.close()
    yield context
    context.close()


@pytest.fixture
def site_page(analyst_context):
    page = analyst_context.new_page()
    yield page
    page.close()
