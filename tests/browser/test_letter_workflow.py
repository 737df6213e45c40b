"""A letter's life in the admin, in a real browser (issue 11): an editor drafts it from an
incident ("New letter from incident", addressed to the Senate Banking committee's chair
and ranking member, sent by Anthropic), saves the draft, previews it and submits it to
the "Letter review" workflow; a moderator approves it; the editor marks it sent (a
future date is refused on the form). Then: the letter is sent with its date and is
read-only in the admin; it is on the incident's page and timeline; the graph has the
``wrote_to`` edges from Anthropic to each recipient; its downloads answer; a correction
opens as a new draft; and changing a figure it cites raises a fact-drift alert naming it.

One live server and one load of the reference data for the module (``reference_site``);
the editor and the moderator are ordinary users in the groups that
``kb.letters.workflow.letter_workflow_ensure`` keeps in place. Screenshots at 1280 and
390 px go to ``$KB_ARTIFACTS_DIR``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.browser.checks import WIDE, screenshot
from tests.browser.live import BROWSER_TIMEOUT_MS, ReferenceSite

# ``transaction=True``: the figure change at the end is written by this thread and must
# be committed for the live server to see it (the browser's own writes are committed by
# the server's thread). The database is flushed after the test and again after the module.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "letter-pass-1"  # noqa: S105
EDITOR, MODERATOR = "letter-editor", "letter-moderator"
INCIDENT = "alibaba-qwen-2026"
RECIPIENTS = ("tim-scott", "elizabeth-warren", "senate-banking-committee")
LETTERS = "/admin/snippets/incidents/letter/"
SEALED = "Select Committee on Sealed Matters"


@pytest.fixture(scope="module")
def people(reference_site: ReferenceSite) -> dict[str, str]:
    """An editor (group Editors) and a moderator (group Moderators), neither superuser
    nor staff: what they may do comes from the groups' permissions alone."""
    from django.contrib.auth.models import Group

    from kb.letters.workflow import EDITORS, MODERATORS
    from tests.factories import ActorFactory

    users = get_user_model().objects
    for username, group in ((EDITOR, EDITORS), (MODERATOR, MODERATORS)):
        user = users.create_user(username, f"{username}@example.org", PASSWORD)
        user.groups.add(Group.objects.get(name=group))
    # Above the editor's clearance (TLP:GREEN without a clearance row): never offered.
    ActorFactory(slug="sealed-committee", name=SEALED, kind="committee", marking="RED")
    return {"editor": EDITOR, "moderator": MODERATOR}


def _admin(browser: Any, site: ReferenceSite, username: str, password: str = PASSWORD) -> Any:
    context = browser.new_context(viewport=WIDE)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    page.goto(site.at("/admin/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(site.at("/admin/"))
    return page


def _more_actions(page: Any, action: str) -> None:
    """Click ``action`` in the editor's footer menu (behind "More actions")."""
    page.locator("footer").get_by_role("button", name="More actions").click()
    page.get_by_role("button", name=action, exact=True).click()


def _header_action(page: Any, label: str) -> None:
    """Click ``label`` in the header's "Actions" dropdown."""
    page.locator("header").get_by_role("button", name="Actions").click()
    page.get_by_role("link", name=label, exact=True).click()


def _settle(page: Any) -> None:
    """Wait until Wagtail's autosave has nothing left to do (see the briefing test)."""
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
        screenshot(page, f"letter-workflow-{name}", str(width))
    page.set_viewport_size(WIDE)


def _recipient_box(page: Any, slug: str) -> Any:
    from incidents.models import Actor

    pk = Actor.objects.get(slug=slug).pk
    return page.locator(f'.letter-recipients input[name="recipients"][value="{pk}"]')


# Runs first and writes nothing: the next test's transactional flush empties the database.
@pytest.mark.django_db
def test_an_incident_offers_a_letter_and_no_choice_names_a_hidden_record(
        browser: Any, reference_site: ReferenceSite, people: dict[str, str]) -> None:
    from incidents.models import Incident

    incident = Incident.objects.get(slug=INCIDENT)
    admin = _admin(browser, reference_site, reference_site.username, reference_site.password)
    try:
        # The incident's edit view offers a letter about it, preselected.
        admin.goto(reference_site.at(f"/admin/snippets/incidents/incident/edit/{incident.pk}/"))
        _more_actions_link(admin, "Draft a letter about this incident")
        admin.wait_for_url(f"**/admin/letter-tools/new/?incident={incident.pk}")
        assert admin.locator("#id_incident").input_value() == str(incident.pk)
        assert SEALED in admin.locator("#id_committee").inner_text()  # a RED reader's view
    finally:
        admin.context.close()

    editor = _admin(browser, reference_site, people["editor"])
    try:
        editor.goto(reference_site.at(f"/admin/letter-tools/new/?incident={incident.pk}"))
        committees = editor.locator("#id_committee").inner_text()
        assert "Senate Committee on Banking" in committees
        assert SEALED not in editor.content()  # above the editor's clearance
        editor.goto(reference_site.at(f"{LETTERS}add/"))
        assert "Senate Committee on Banking" in editor.locator(".letter-recipients").inner_text()
        assert SEALED not in editor.content()
    finally:
        editor.context.close()


def _more_actions_link(page: Any, label: str) -> None:
    page.locator("footer").get_by_role("button", name="More actions").click()
    page.get_by_role("link", name=label, exact=True).click()


def test_an_editor_drafts_a_letter_a_moderator_approves_it_and_it_is_sent(
        browser: Any, reference_site: ReferenceSite, people: dict[str, str]) -> None:
    from wagtail.models import WorkflowState

    from incidents.models import (
        Actor,
        AlertStatus,
        Campaign,
        FactAlert,
        Incident,
        Letter,
        LetterStatus,
        Relationship,
        RelationshipKind,
    )
    from incidents.services.claims import claim_upsert
    from kb.letters.workflow import WORKFLOW_NAME
    from tests import factories

    incident = Incident.objects.get(slug=INCIDENT)
    assert Letter.get_default_workflow().name == WORKFLOW_NAME

    # --- the editor drafts the letter from the incident ---------------------------------
    editor = _admin(browser, reference_site, people["editor"])
    try:
        editor.goto(reference_site.at(LETTERS))
        _shoot(editor, "letters-listing")
        editor.get_by_role("link", name="New letter from incident").click()
        editor.wait_for_url("**/admin/letter-tools/new/**")
        editor.select_option("#id_incident", str(incident.pk))
        editor.select_option("#id_sender", str(Actor.objects.get(slug="anthropic").pk))
        editor.select_option("#id_committee",
                             str(Actor.objects.get(slug="senate-banking-committee").pk))
        editor.check("#id_scope_0")  # chair and ranking member
        _shoot(editor, "from-incident")
        editor.get_by_role("button", name="Draft the letter").click()
        editor.wait_for_url(re.compile(r"/admin/snippets/incidents/letter/edit/\d+/$"))
        assert "created" in editor.locator(".messages").inner_text()
        letter = Letter.objects.get(incidents=incident, status=LetterStatus.DRAFT)
        assert set(letter.recipients.values_list("slug", flat=True)) == set(RECIPIENTS)
        assert letter.sender is not None and letter.sender.slug == "anthropic"

        # The recipients list: the three ticked; the filter finds a member by name.
        for slug in RECIPIENTS:
            assert _recipient_box(editor, slug).is_checked(), slug
        editor.fill(".letter-recipients__filter", "warren")
        assert _recipient_box(editor, "elizabeth-warren").is_visible()
        assert not _recipient_box(editor, "anthropic").is_visible()
        editor.fill(".letter-recipients__filter", "")
        # status and sent date are shown, not typed
        assert editor.locator("#id_status").count() == 0
        assert editor.locator("#id_sent_on").count() == 0
        editor.fill("#id_signer_name", "Jack Clark")
        editor.fill("#id_signer_title", "Head of Policy")
        _shoot(editor, "editor-form")

        _settle(editor)
        editor.locator("footer button.action-save").click()  # "Save draft"
        editor.wait_for_url(re.compile(r"/admin/snippets/incidents/letter/edit/\d+/$"))
        assert "updated" in editor.locator(".messages").inner_text()
        latest = Letter.objects.get(pk=letter.pk).get_latest_revision_as_object()
        assert latest.signer_name == "Jack Clark"

        # The preview: the letter as printed, for this reader.
        editor.get_by_role("button", name="Toggle preview").click()
        preview = editor.frame_locator("iframe#w-preview-iframe")
        preview.locator(".letterhead .sender").filter(has_text="Anthropic").wait_for()
        addresses = preview.locator(".addresses").inner_text()
        assert "The Honorable Tim Scott" in addresses
        assert "The Honorable Elizabeth Warren" in addresses
        assert "Dear " in preview.locator(".salutation").inner_text()
        assert preview.locator(".letter-body .fact").count() >= 1
        assert "Jack Clark" in preview.locator(".signature").inner_text()
        _shoot(editor, "editor-preview")

        _more_actions(editor, f"Submit to {WORKFLOW_NAME}")
        editor.wait_for_url(re.compile(r"/admin/snippets/incidents/letter/(\?.*)?$"))
        assert "submitted for moderation" in editor.locator(".messages").inner_text()
    finally:
        editor.context.close()
    state = WorkflowState.objects.get(object_id=str(letter.pk), base_content_type__model="letter")
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    letter.refresh_from_db()
    assert letter.status == LetterStatus.IN_REVIEW and not letter.live

    # --- a moderator approves it ---------------------------------------------------------
    moderator = _admin(browser, reference_site, people["moderator"])
    try:
        review = moderator.locator("section", has_text="Awaiting your review")
        review.get_by_role("link", name=letter.subject).first.wait_for()
        _shoot(moderator, "moderator-dashboard")
        moderator.goto(reference_site.at(f"{LETTERS}edit/{letter.pk}/"))
        _more_actions(moderator, "Approve and Publish")
        moderator.wait_for_url(re.compile(r"/admin/"))
        moderator.locator(".messages").wait_for()
    finally:
        moderator.context.close()
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    letter.refresh_from_db()
    assert letter.status == LetterStatus.APPROVED and letter.live

    # --- the editor marks it sent ----------------------------------------------------------
    today = timezone.localdate()
    editor = _admin(browser, reference_site, people["editor"])
    try:
        editor.goto(reference_site.at(f"{LETTERS}edit/{letter.pk}/"))
        editor.locator("header").get_by_role("link", name="Mark sent").click()
        editor.wait_for_url(f"**/admin/letter-tools/{letter.pk}/send/")
        date_input = editor.locator("#id_sent_on")
        assert date_input.get_attribute("type") == "date"
        assert date_input.input_value() == today.isoformat()
        date_input.fill((today + dt.timedelta(days=3)).isoformat())
        editor.get_by_role("button", name="Mark sent").click()
        assert "cannot be in the future" in editor.locator("#w-editor-form").inner_text()
        assert Letter.objects.get(pk=letter.pk).status == LetterStatus.APPROVED
        _shoot(editor, "mark-sent-error")
        editor.locator("#id_sent_on").fill(today.isoformat())
        editor.get_by_role("button", name="Mark sent").click()
        editor.wait_for_url(re.compile(rf"/admin/snippets/incidents/letter/edit/{letter.pk}/$"))
        assert "marked sent" in editor.locator(".messages").inner_text()

        # A sent letter is read-only: said so, and no action in the footer.
        assert "read-only" in editor.locator(".messages").inner_text()
        assert editor.locator("footer button.action-save").count() == 0
        assert editor.locator("#id_subject").is_disabled()
        _shoot(editor, "sent-read-only")
        token = editor.locator('input[name="csrfmiddlewaretoken"]').first.get_attribute("value")
        refused = editor.request.post(
            reference_site.at(f"{LETTERS}edit/{letter.pk}/"), max_redirects=0,
            form={"csrfmiddlewaretoken": token or "", "subject": "Changed after sending"})
        assert refused.status == 302
        assert Letter.objects.get(pk=letter.pk).subject == letter.subject

        # Downloads, from the header's menu.
        editor.locator("header").get_by_role("button", name="Actions").click()
        word = editor.get_by_role("link", name="Download Word", exact=True)
        href = word.get_attribute("href") or ""
        editor.keyboard.press("Escape")
        response = editor.request.get(reference_site.at(href))
        assert response.status == 200, response.status
        assert response.body()[:2] == b"PK"  # a .docx is a zip
        pdf = editor.request.get(reference_site.at(href.replace("/docx/", "/pdf/")))
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

        # A correction is a new draft naming the original.
        _header_action(editor, "Correct with a new letter")
        editor.wait_for_url(f"**/admin/letter-tools/{letter.pk}/correct/")
        editor.get_by_role("button", name="Start the correction").click()
        editor.wait_for_url(re.compile(r"/admin/snippets/incidents/letter/edit/\d+/$"))
        correction = Letter.objects.get(corrects=letter)
        assert correction.status == LetterStatus.DRAFT
        assert editor.url.endswith(f"/edit/{correction.pk}/")
    finally:
        editor.context.close()

    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT and letter.sent_on == today

    # --- the graph: Anthropic wrote to each recipient ---------------------------------------
    edges = Relationship.objects.filter(kind=RelationshipKind.WROTE_TO,
                                        subject__slug="anthropic", start_date=today)
    assert set(edges.values_list("object_actor__slug", flat=True)) >= set(RECIPIENTS)

    # --- what the site shows (the superuser, on the analyst site) ---------------------------
    reader = _admin(browser, reference_site, reference_site.username, reference_site.password)
    try:
        reader.goto(reference_site.at(f"/incidents/{INCIDENT}/"))
        listed = reader.locator(f'.letters li[data-letter="{letter.slug}"]')
        assert "sent" in listed.inner_text().lower()
        assert f"Letter: {letter.subject}" in reader.locator("main").inner_text()
        reader.goto(reference_site.at(f"/timeline/?incident={INCIDENT}"))
        assert f"Letter: {letter.subject}" in reader.locator("main").inner_text()

        graph = reader.request.get(reference_site.at("/api/v1/graph/?root=actor:anthropic"
                                                     "&depth=1"),
                                   headers={"Accept": "application/json"})
        assert graph.status == 200, graph.status
        text = graph.text()
        assert "wrote_to" in text
        for slug in RECIPIENTS:
            assert slug in text, slug

        # --- a cited figure changes: a fact-drift alert names the letter -------------------
        campaign = Campaign.objects.filter(incident=incident).order_by("pk").first()
        assert campaign is not None
        before = campaign.exchanges
        for _ in range(6):  # enough strong sources to move the consensus
            claim_upsert(subject=campaign, field="exchanges", value=41_000_000,
                         source=factories.SourceFactory(reliability="A"), credibility=1,
                         quote="41 million exchanges", status="accepted")
            campaign.refresh_from_db()
            if campaign.exchanges != before:
                break
        assert campaign.exchanges != before
        alert = FactAlert.objects.get(citation__document_id=letter.pk,
                                      citation__field="exchanges", status=AlertStatus.OPEN)
        assert alert.citation.document == letter
        reader.goto(reference_site.at("/admin/provenance/alerts/"))
        assert letter.subject in reader.locator("main").inner_text()
        _shoot(reader, "alerts")
    finally:
        reader.context.close()
