"""A briefing's editorial life in a real browser (issue 10, Done-when 1): an editor writes
it in Wagtail's admin with the choosers (a rich-text block, two live facts and a
timeline), saves a draft, previews it and submits it to the "Briefing review" workflow;
a moderator approves it, which publishes it; the published page shows the live figure
with its footnote and the timeline chart, and its PDF carries the same figure.

One live server and one load of the reference data for the module (``reference_site``);
the editor and the moderator are ordinary users in the groups that
``kb.briefings.workflow.briefing_workflow_ensure`` keeps in place after every migrate
and flush. Screenshots at 1280 and 390 px go to ``$KB_ARTIFACTS_DIR``.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from tests.browser.checks import WIDE, assert_page_ok, screenshot
from tests.browser.live import BROWSER_TIMEOUT_MS, ReferenceSite

# ``django_db`` so that pytest-django sets the test database up; the reference data and
# the users below are committed once for the module (``reference_site``, whose flush at
# the end of the module removes them and whatever the browser wrote).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "briefing-pass-1"  # noqa: S105
EDITOR, MODERATOR = "editor", "moderator"
CAMPAIGN = "Alibaba / Qwen campaign"
INCIDENT = "Alibaba / Qwen distillation campaign against Claude"
TITLE = "Alibaba / Qwen: where the figures stand"


@pytest.fixture(scope="module")
def people(reference_site: ReferenceSite) -> dict[str, str]:
    """An editor (group Editors) and a moderator (group Moderators), neither superuser
    nor staff: what they may do comes from the groups' Wagtail permissions alone."""
    from django.contrib.auth.models import Group

    from kb.briefings.workflow import EDITORS, MODERATORS

    users = get_user_model().objects
    for username, group in ((EDITOR, EDITORS), (MODERATOR, MODERATORS)):
        user = users.create_user(username, f"{username}@example.org", PASSWORD)
        user.groups.add(Group.objects.get(name=group))
    return {"editor": EDITOR, "moderator": MODERATOR}


def _admin(browser: Any, site: ReferenceSite, username: str) -> Any:
    """A new browser context logged in to the admin as ``username``; its page."""
    context = browser.new_context(viewport=WIDE)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    page.goto(site.at("/admin/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.at("/admin/"))
    return page


def _add_block(page: Any, label: str) -> None:
    page.locator("#body-root .c-sf-add-button").last.click()
    page.get_by_role("option", name=label, exact=True).click()


def _choose(page: Any, field: str, text: str) -> None:
    """Open the snippet chooser of the block field ``field`` and pick ``text``."""
    page.locator(f"#{field}-chooser button.chooser__choose-button").click()
    modal = page.locator(".modal-content")
    modal.wait_for()
    modal.get_by_role("link", name=text, exact=True).click()
    page.locator(f"#{field}-chooser .chooser__title").filter(has_text=text).wait_for()


def _more_actions(page: Any, action: str) -> None:
    """Click ``action`` in the editor's footer menu (behind "More actions")."""
    page.locator("footer").get_by_role("button", name="More actions").click()
    page.get_by_role("button", name=action, exact=True).click()


def _settle(page: Any) -> None:
    """Wait until Wagtail's autosave has nothing left to do: the edit form holds no
    unsaved edits and the indicator is not mid-save. Clicking "Save draft" while an
    autosave of the new page is in flight posts the add form a second time, which Wagtail
    answers with 400 (seen once in CI), so the test waits for the editor to settle as a
    person would for the "Saved" tick."""
    page.wait_for_function(
        """() => {
            const form = document.querySelector('form[data-edit-form]');
            const indicator = document.querySelector('#w-autosave-indicator');
            const state = indicator ? indicator.getAttribute('data-w-autosave-state-value') : null;
            return form && form.getAttribute('data-w-unsaved-has-edits-value') !== 'true'
                && state !== 'saving';
        }""")


def _shoot(page: Any, name: str) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": WIDE["height"]})
        page.wait_for_timeout(100)
        screenshot(page, f"briefing-workflow-{name}", str(width))
    page.set_viewport_size(WIDE)


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(body)).pages)


def test_an_editor_writes_a_briefing_a_moderator_approves_and_it_is_published(
        browser: Any, reference_site: ReferenceSite, people: dict[str, str]) -> None:
    from wagtail.models import WorkflowState

    from kb.briefings.models import BriefingIndexPage, BriefingPage
    from kb.briefings.workflow import WORKFLOW_NAME

    index = BriefingIndexPage.objects.get()
    assert index.get_workflow().name == WORKFLOW_NAME

    # --- the editor writes the briefing under Briefings, with the choosers --------------
    editor = _admin(browser, reference_site, people["editor"])
    try:
        editor.goto(reference_site.at(f"/admin/pages/{index.pk}/"))
        editor.get_by_role("link", name=re.compile("Add child page")).first.click()
        editor.wait_for_url("**/admin/pages/add/briefings/briefingpage/**")
        editor.fill("#id_title", TITLE)
        editor.fill("#id_summary", "The campaign's scale, as the record now supports it.")
        editor.select_option("#id_marking", "GREEN")
        editor.fill("#id_authors-0-name", "Ed Itor")
        editor.fill("#id_authors-0-role", "Policy team")

        _add_block(editor, "Rich text")
        editor.locator("#body-root .Draftail-Editor [contenteditable=true]").first.click()
        editor.keyboard.type("What the record supports on the Alibaba case.")
        _add_block(editor, "Fact: campaign figure")
        _choose(editor, "body-1-value-record", CAMPAIGN)
        editor.select_option("#body-1-value-figure", "exchanges")
        editor.fill("#body-1-value-lead", "The campaign made")
        editor.fill("#body-1-value-trail", "exchanges with Claude.")
        _add_block(editor, "Fact: campaign figure")
        _choose(editor, "body-2-value-record", CAMPAIGN)
        editor.select_option("#body-2-value-figure", "accounts")
        editor.fill("#body-2-value-lead", "It used")
        editor.fill("#body-2-value-trail", "fraudulent accounts.")
        _add_block(editor, "Timeline")
        _choose(editor, "body-3-value-incident", INCIDENT)
        _shoot(editor, "editor-form")

        # Wagtail's autosave may have created the draft already while the form was
        # filled in; "Save draft" then saves the rest ("updated" rather than "created").
        _settle(editor)
        editor.locator("footer button.action-save").click()  # "Save draft"
        editor.wait_for_url(re.compile(r"/admin/pages/\d+/edit/$"))
        assert re.search(rf"Page '{re.escape(TITLE)}' (has been updated|created)",
                         editor.locator(".messages").inner_text())
        page = BriefingPage.objects.get(title=TITLE)
        assert not page.live and page.has_unpublished_changes

        # Preview of the draft: Wagtail's preview panel renders the page's own template.
        editor.get_by_role("button", name="Toggle preview").click()
        preview = editor.frame_locator("iframe#w-preview-iframe")
        figure = preview.locator('.fact[data-field="exchanges"] .figure-value')
        assert figure.inner_text() == "28.8 million"
        assert preview.locator('.fact[data-field="accounts"] .figure-value').inner_text() \
            == "about 25,000"
        _shoot(editor, "editor-preview")

        _more_actions(editor, f"Submit to {WORKFLOW_NAME}")
        editor.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
        assert "submitted for moderation" in editor.locator(".messages").inner_text()
    finally:
        editor.context.close()
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == WORKFLOW_NAME
    assert not BriefingPage.objects.get(pk=page.pk).live  # an editor cannot publish

    # --- a moderator approves it, which publishes it ------------------------------------
    moderator = _admin(browser, reference_site, people["moderator"])
    try:
        review = moderator.locator("section", has_text="Awaiting your review")
        review.get_by_role("link", name=TITLE).first.wait_for()
        _shoot(moderator, "moderator-dashboard")
        moderator.goto(reference_site.at(f"/admin/pages/{page.pk}/edit/"))
        _more_actions(moderator, "Approve and Publish")
        moderator.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    finally:
        moderator.context.close()
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    page = BriefingPage.objects.get(pk=page.pk)
    assert page.live and not page.has_unpublished_changes

    # --- the published page, and its PDF, read by the editor on the site ---------------
    reader = _admin(browser, reference_site, people["editor"])
    try:
        response = reader.goto(reference_site.at(page.url))
        assert response is not None and response.status == 200
        fact = reader.locator('.fact[data-field="exchanges"]')
        assert fact.locator(".figure-value").inner_text() == "28.8 million"
        assert fact.locator("sup.fn").first.inner_text().strip("[] ") == "1"
        assert reader.locator(".footnotes li").count() >= 1
        chart = reader.locator(".briefing-timeline figure.timeline-chart")
        assert chart.locator('svg[role="img"]').count() >= 1
        assert_page_ok(reader, "briefing-workflow-published")

        link = reader.get_by_role("link", name="Download PDF")
        href = link.get_attribute("href") or ""
        assert href == f"{page.url}briefing.pdf"
        pdf = reader.request.get(reference_site.at(href))
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        body = pdf.body()
        assert body.startswith(b"%PDF")
        text = _pdf_text(body)
        assert "28.8 million" in text
        assert "about 25,000" in text
    finally:
        reader.context.close()
