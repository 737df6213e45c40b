"""Curation in the admin, in a real browser: a claim is added with the choosers (no
database id typed anywhere) and lands in the review queue, where one action accepts it.
Screenshots of each page at 1280 and 390 px are kept under ``$KB_ARTIFACTS_DIR``
(default ``var/artifacts/screenshots/``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 390)
PASSWORD = "curator-pass-1"


def artifacts_dir() -> Path:
    default = Path(settings.BASE_DIR) / "var" / "artifacts" / "screenshots"
    path = Path(os.environ.get("KB_ARTIFACTS_DIR") or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def loaded(transactional_db):
    from incidents.services.reference import reference_data_load

    reference_data_load()
    get_user_model().objects.create_superuser("curator", "c@example.org", PASSWORD)


def _login(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def _shoot(page, name: str) -> None:
    """The current page at each width (the viewport is put back afterwards)."""
    size = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)
        page.screenshot(path=str(artifacts_dir() / f"admin-{name}-{width}.png"), full_page=True)
        if width == 390:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= 390, f"{name} scrolls sideways at 390 px ({scroll} px)"
    if size:
        page.set_viewport_size(size)


def _choose(page, field: str, text: str) -> None:
    """Open the chooser of ``field`` and pick the row reading ``text``."""
    page.locator(f"#id_{field}-chooser button.chooser__choose-button").click()
    modal = page.locator(".modal-content")
    modal.wait_for()
    modal.get_by_role("link", name=text, exact=True).click()
    page.locator(f"#id_{field}-chooser .chooser__title").filter(has_text=text).wait_for()


def test_add_a_claim_with_the_choosers_and_review_it(page, live_server, loaded):
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, live_server)
    _shoot(page, "dashboard")
    # The dashboard counts records, not Wagtail's (empty) pages.
    summary = page.locator(".w-summary").inner_text()
    assert "2 incidents" in summary and "Pages" not in summary

    page.goto(f"{live_server.url}/admin/snippets/incidents/claim/add/")
    # No database id to type: no subject-id or JSON value input on the form.
    assert page.locator("[name=object_id]").count() == 0
    assert page.locator("[name=value]").count() == 0

    page.select_option("[name=subject_type]", "campaign")
    # Only the campaign chooser and the campaign's fields are offered now.
    assert page.locator("#id_subject_incident").locator("xpath=ancestor::*[@hidden]").count() == 1
    _choose(page, "subject_campaign", "Alibaba / Qwen campaign")
    page.select_option("[name=field]", "campaign:accounts")
    assert page.locator("#id_value_date").is_hidden()
    page.fill("[name=value_count]", "26000")
    page.select_option("[name=qualifier]", "about")
    _choose(page, "source", "Event digest with 17 regional takes (24 June 2026)")
    page.fill("[name=quote]", "some 26,000 accounts")
    _shoot(page, "claim-add")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/snippets/incidents/claim/")
    _shoot(page, "claim-list")

    page.goto(f"{live_server.url}/admin/provenance/")
    row = page.locator("tr", has_text="some 26,000 accounts")
    assert row.count() == 1
    assert "about 26,000" in row.inner_text()
    assert "Alibaba / Qwen campaign" in row.inner_text()
    _shoot(page, "review-queue")

    row.get_by_role("button", name="Accept", exact=True).click()
    page.wait_for_url("**/admin/provenance/")
    assert "Accepted 1 claim(s)." in page.locator(".messages").inner_text()
    assert page.locator("tr", has_text="some 26,000 accounts").count() == 0

    page.goto(f"{live_server.url}/admin/provenance/conflicts/")
    assert page.locator("h1").first.inner_text().strip() == "Conflicts"
    _shoot(page, "conflicts")
