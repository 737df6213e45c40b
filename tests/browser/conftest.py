"""Headless Chromium (Debian's package) driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil

import pytest

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
