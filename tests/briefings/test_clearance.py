"""Promise 1 for briefings: a reader (or editor) below a briefing's marking never meets it,
not in the admin's listings, choosers, search, reports, dashboard or any view of it, not
on the site's index, page or PDF; a record cited by a visible briefing and re-marked above
its reader after publication shows as "restricted", never by name or figure.

Every refusal is compared with an id or slug that does not exist, and every absence has
its control (a RED user, or the GREEN briefing next to it, is shown).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from wagtail.models import GroupPagePermission, Page, Workflow

from incidents.models import Campaign, Marking
from incidents.visibility import RESTRICTED
from kb.briefings.models import BriefingIndexPage, BriefingPage
from tests import factories as _factories
from tests.briefings.conftest import block, fact
from tests.security.conftest import editors_group

f: Any = _factories
pytestmark = pytest.mark.django_db

RED_TITLE = "Zzredbrief Quillfeather assessment"
GREEN_TITLE = "Greenwillow overview"
MISSING = 987654321


def editor(level: str, name: str = "") -> Any:
    """A staff editor at ``level``: every domain permission and the page permissions of
    the briefing index (add, change, publish, lock, unlock, delete), not superuser."""
    index = BriefingIndexPage.objects.get()
    group, created = Group.objects.get_or_create(name="briefing-editors")
    if created:
        group.permissions.set(editors_group().permissions.all())
        for codename in ("add_page", "change_page", "publish_page", "lock_page",
                         "unlock_page", "bulk_delete_page"):
            GroupPagePermission.objects.create(group=group, page=index,
                                               permission=Permission.objects.get(
                                                   content_type__app_label="wagtailcore",
                                                   codename=codename))
    user = f.UserFactory(username=name or f"editor-{level.lower().replace('+', '-')}",
                         is_staff=True, clearance=level)
    user.groups.add(group)
    return user


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pages(make_briefing) -> dict[str, Any]:
    green = make_briefing(title=GREEN_TITLE, marking=Marking.GREEN)
    red = make_briefing(title=RED_TITLE, marking=Marking.RED,
                        body=[block("paragraph", "<p>Zzredbody quillfeather text.</p>")])
    return {"green": green, "red": red, "index": BriefingIndexPage.objects.get()}


@pytest.fixture
def green_editor(db) -> Any:
    return editor(Marking.GREEN)


@pytest.fixture
def red_editor(db) -> Any:
    return editor(Marking.RED)


def body(response: Any) -> str:
    return response.content.decode(errors="replace")


# --- the admin: listings, choosers, search, reports ------------------------------------------

def listing_urls(pages: dict[str, Any]) -> dict[str, str]:
    index = pages["index"].pk
    return {
        "explorer": reverse("wagtailadmin_explore", args=[index]),
        "explorer results": reverse("wagtailadmin_explore_results", args=[index]),
        "explorer search": reverse("wagtailadmin_explore", args=[index]) + "?q=Quillfeather",
        "admin search": reverse("wagtailadmin_pages:search") + "?q=Quillfeather",
        "admin search all": reverse("wagtailadmin_pages:search") + "?q=assessment",
        "explorer menu api": f"/admin/api/main/pages/?child_of={index}&for_explorer=1",
        "page chooser": reverse("wagtailadmin_choose_page_child", args=[index]),
        "page chooser search": reverse("wagtailadmin_choose_page_search") + "?q=Quillfeather",
        "aging pages": reverse("wagtailadmin_reports:aging_pages"),
        "locked pages": reverse("wagtailadmin_reports:locked_pages"),
        "workflow report": reverse("wagtailadmin_reports:workflow"),
        "workflow tasks report": reverse("wagtailadmin_reports:workflow_tasks"),
        "site history": reverse("wagtailadmin_reports:site_history"),
        "site history results": reverse("wagtailadmin_reports:site_history_results"),
        "page types usage": reverse("wagtailadmin_reports:page_types_usage"),
        "dashboard": reverse("wagtailadmin_home"),
        "index history": reverse("wagtailadmin_pages:history", args=[index]),
    }


def _in_moderation(page: BriefingPage, user: Any) -> None:
    """The briefing submitted to the default moderation workflow, and locked by ``user``."""
    workflow = Workflow.objects.filter(active=True).first()
    if workflow is None:
        pytest.skip("no active workflow")
    workflow.start(page, user)
    Page.objects.filter(pk=page.pk).update(locked=True, locked_by=user)


def test_admin_listings_choosers_search_and_reports_never_show_a_red_briefing(
        pages, green_editor, red_editor):
    _in_moderation(pages["red"], red_editor)
    # The GREEN editor is a moderator too: their group does not raise their clearance.
    moderators = Group.objects.filter(name="Moderators").first()
    if moderators is not None:
        green_editor.groups.add(moderators)
    green, red = client_of(green_editor), client_of(red_editor)
    for name, url in listing_urls(pages).items():
        response = green.get(url)
        assert response.status_code == 200, (name, response.status_code)
        text = body(response)
        # The query typed ("Quillfeather") is echoed; the title's other word is not.
        assert "Zzredbrief" not in text, name
        assert f"/pages/{pages['red'].pk}/" not in text, name
        # The control: a RED editor meets the briefing where the listing shows it.
        if name in {"explorer", "explorer results", "admin search", "explorer menu api",
                    "page chooser", "page chooser search", "aging pages", "site history"}:
            assert "Zzredbrief" in body(red.get(url)), name


def test_the_explorer_counts_only_visible_briefings(pages, green_editor):
    response = client_of(green_editor).get(
        reverse("wagtailadmin_explore", args=[pages["index"].pk]))
    assert GREEN_TITLE in body(response)
    assert response.context["items_count"] == 1 if "items_count" in response.context else (
        response.context["paginator"].count == 1)


# --- the admin: views of one briefing ---------------------------------------------------------

def page_view_urls(page_id: int, revision_id: int) -> dict[str, str]:
    return {
        "edit": reverse("wagtailadmin_pages:edit", args=[page_id]),
        "history": reverse("wagtailadmin_pages:history", args=[page_id]),
        "history results": reverse("wagtailadmin_pages:history_results", args=[page_id]),
        "revisions view": reverse("wagtailadmin_pages:revisions_view",
                                  args=[page_id, revision_id]),
        "revisions revert": reverse("wagtailadmin_pages:revisions_revert",
                                    args=[page_id, revision_id]),
        "revisions compare": reverse("wagtailadmin_pages:revisions_compare",
                                     args=[page_id, "earliest", "latest"]),
        "preview": reverse("wagtailadmin_pages:preview_on_edit", args=[page_id]),
        "view draft": reverse("wagtailadmin_pages:view_draft", args=[page_id]),
        "delete": reverse("wagtailadmin_pages:delete", args=[page_id]),
        "copy": reverse("wagtailadmin_pages:copy", args=[page_id]),
        "move": reverse("wagtailadmin_pages:move", args=[page_id]),
        "unpublish": reverse("wagtailadmin_pages:unpublish", args=[page_id]),
        "usage": reverse("wagtailadmin_pages:usage", args=[page_id]),
        "workflow history": reverse("wagtailadmin_pages:workflow_history", args=[page_id]),
        "type usage": reverse("wagtailadmin_pages:type_use",
                              args=["briefings", "briefingpage"]),
    }


def test_no_view_of_a_red_briefing_opens_for_a_green_editor(pages, green_editor, red_editor):
    red_page = pages["red"]
    revision = red_page.latest_revision
    green, red = client_of(green_editor), client_of(red_editor)
    hidden = page_view_urls(red_page.pk, revision.pk)
    missing = page_view_urls(MISSING, revision.pk)
    for name, url in hidden.items():
        response = green.get(url)
        text = body(response)
        assert "Zzredbrief" not in text and "Quillfeather" not in text, name
        if name == "type usage":  # a listing, not a view of the briefing
            assert response.status_code == 200
            continue
        assert response.status_code == green.get(missing[name]).status_code == 404, (
            name, response.status_code)
        assert red.get(url).status_code in (200, 302, 405), name  # the control
    # Writes are refused the same way, and change nothing.
    for name in ("edit", "delete", "unpublish", "move", "copy", "revisions revert"):
        response = green.post(hidden[name], {"title": "taken"})
        assert response.status_code == 404, name
    red_page.refresh_from_db()
    assert red_page.title == RED_TITLE and red_page.live
    assert BriefingPage.objects.filter(pk=red_page.pk).exists()


def test_a_green_editor_cannot_mark_a_briefing_above_their_clearance(pages, green_editor):
    page = pages["green"]
    client = client_of(green_editor)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    form = client.get(url)
    assert form.status_code == 200
    html = body(form)
    assert 'value="GREEN"' in html and 'value="RED"' not in html and (
        'value="AMBER"' not in html)
    data = {
        "title": page.title, "slug": page.slug, "summary": page.summary, "marking": "RED",
        "authors-TOTAL_FORMS": "1", "authors-INITIAL_FORMS": "1", "authors-MIN_NUM_FORMS": "1",
        "authors-MAX_NUM_FORMS": "1000",
        "authors-0-id": str(page.authors.get().pk), "authors-0-name": "Analyst",
        "authors-0-role": "", "authors-0-ORDER": "1", "authors-0-DELETE": "",
        "body-count": "0", "comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0", "comments-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "you cannot mark a record RED" in body(response)
    page.refresh_from_db()
    assert page.marking == Marking.GREEN
    assert page.latest_revision.content["marking"] == Marking.GREEN


def test_the_related_incidents_field_offers_only_visible_incidents(pages, green_editor):
    f.IncidentFactory(title="Zzredincident Hollowmere", marking=Marking.RED)
    f.IncidentFactory(title="Greenincident Brightwater", marking=Marking.GREEN)
    html = body(client_of(green_editor).get(
        reverse("wagtailadmin_pages:edit", args=[pages["green"].pk])))
    assert "Brightwater" in html and "Hollowmere" not in html


def test_the_campaign_chooser_in_the_body_lists_no_amber_campaign_to_a_green_editor(
        pages, green_editor):
    f.CampaignFactory(name="Amberchoose Saltmarsh campaign", marking=Marking.AMBER)
    f.CampaignFactory(name="Greenchoose Fernvale campaign", marking=Marking.GREEN)
    chooser = "wagtailsnippetchoosers_incidents_campaign"
    client = client_of(green_editor)
    for url in (reverse(f"{chooser}:choose"),
                reverse(f"{chooser}:choose_results") + "?q=campaign"):
        html = body(client.get(url))
        assert "Fernvale" in html and "Saltmarsh" not in html, url
    amber_editor = editor(Marking.AMBER, "editor-amber")
    assert "Saltmarsh" in body(client_of(amber_editor).get(reverse(f"{chooser}:choose")))


# --- the site ---------------------------------------------------------------------------------

def test_the_index_lists_and_counts_only_visible_briefings(make_briefing):
    for n in range(BriefingIndexPage.PER_PAGE):
        make_briefing(title=f"Greenlist item {n}", marking=Marking.GREEN)
    make_briefing(title=RED_TITLE, marking=Marking.RED)
    green_user = f.UserFactory(username="green-reader", clearance=Marking.GREEN)
    red_user = f.UserFactory(username="red-reader", clearance=Marking.RED)
    green = client_of(green_user).get("/briefings/")
    html = body(green)
    assert green.status_code == 200 and "Greenlist item 0" in html
    assert "Quillfeather" not in html
    # Twenty visible briefings fill one page: the hidden one adds no second page.
    assert green.context["briefings"].paginator.count == BriefingIndexPage.PER_PAGE
    assert "Page 1 of" not in html and 'rel="next"' not in html
    for sort in ("title", "oldest"):
        assert "Quillfeather" not in body(client_of(green_user).get(
            f"/briefings/?sort={sort}&page=2"))
    red = client_of(red_user).get("/briefings/")
    assert red.context["briefings"].paginator.count == BriefingIndexPage.PER_PAGE + 1
    assert "Page 1 of 2" in body(red)


def test_the_page_and_its_pdf_answer_404_above_clearance(pages):
    red_page = pages["red"]
    green = client_of(f.UserFactory(username="green-reader", clearance=Marking.GREEN))
    red = client_of(f.UserFactory(username="red-reader", clearance=Marking.RED))
    missing = "/briefings/no-such-briefing/"
    for suffix in ("", "briefing.pdf"):
        response = green.get(red_page.url + suffix)
        assert response.status_code == green.get(missing + suffix).status_code == 404
        assert "Quillfeather" not in body(response)
    assert red.get(red_page.url).status_code == 200
    assert "Quillfeather" in body(red.get(red_page.url))


@pytest.fixture
def re_marked(make_briefing) -> dict[str, Any]:
    """A GREEN briefing citing a GREEN campaign's figure and quoting GREEN coverage;
    after publication both are re-marked AMBER."""
    campaign = f.CampaignFactory(name="Larchmont Umbra campaign", slug="larchmont-umbra",
                                 marking=Marking.GREEN)
    source = f.SourceFactory(key="umbra-source", title="Umbra source", marking=Marking.GREEN)
    f.ClaimFactory(subject=campaign, field="exchanges", value=4_242_424, source=source,
                   marking=Marking.GREEN, quote="four million")
    from incidents.services.claims import facts_refresh

    facts_refresh(subject=campaign)
    coverage = f.CoverageFactory(url="https://news.example.org/umbra",
                                 title="Umbra coverage", marking=Marking.GREEN,
                                 quotes=["Ottermoss said the exchanges were systematic."])
    page = make_briefing(title="Greenbrief Tamarind review", marking=Marking.GREEN, body=[
        block("paragraph", "<p>Tamarindword overview.</p>"),
        fact(campaign, "exchanges", lead="The campaign ran", trail="exchanges."),
        block("quote", {"coverage": coverage.pk, "number": 1}),
    ])
    Campaign.objects.filter(pk=campaign.pk).update(marking=Marking.AMBER)
    type(coverage).objects.filter(pk=coverage.pk).update(marking=Marking.AMBER)
    return {"page": page, "campaign": campaign, "coverage": coverage}


AMBER_TRACES = ("Larchmont", "Umbra", "4,242,424", "4.242", "4.24 million", "Ottermoss")


def test_a_record_re_marked_after_publication_shows_as_restricted(re_marked):
    page = re_marked["page"]
    green = client_of(f.UserFactory(username="green-reader", clearance=Marking.GREEN))
    amber = client_of(f.UserFactory(username="amber-reader", clearance=Marking.AMBER))
    for url in (page.url, page.url + "briefing.pdf"):
        response = green.get(url)
        assert response.status_code == 200
    html = body(green.get(page.url))
    assert RESTRICTED in html
    for trace in AMBER_TRACES:
        assert trace not in html, trace
    shown = body(amber.get(page.url))  # the control: an AMBER reader sees both
    assert "4.242 million" in shown and "Ottermoss" in shown
