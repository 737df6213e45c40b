"""The analyst's walk through the site in headless Chromium (issue 9, Done-when 1 and 2).

One live server and one load of the reference data for the whole module
(``reference_site``). Each walk follows links the way a reader would; every main page is
screenshotted at 1280 px and 390 px (kept under ``$KB_ARTIFACTS_DIR``, default
``var/artifacts/screenshots/``), must not scroll sideways at 390 px and must have no
serious or critical axe-core violation. The admin part of the walk (adding a claim with
the choosers) is in ``test_admin_curation.py``.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from tests.browser.checks import PHONE, WIDE, assert_page_ok, check_page
from tests.browser.live import BROWSER_TIMEOUT_MS, log_in

# ``django_db`` so that pytest-django sets the test database up; the data itself is
# committed once for the module by ``reference_site`` (each test's transaction only holds
# what its requests write, such as sessions).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ALIBABA_INCIDENT = "alibaba-qwen-2026"
ALIBABA_CAMPAIGN = "alibaba-qwen"
FEBRUARY_CLUSTER = "february-2026-cluster"
FEBRUARY_INCIDENT = "february-2026-disclosure"
MINIMAX_CAMPAIGN = "minimax-feb-2026"


def _path(url: str) -> str:
    return urlparse(url).path


def _target_id(page) -> str:
    return page.evaluate("() => decodeURIComponent(location.hash.slice(1))")


def _assert_target_shown(page) -> None:
    """The element the URL's fragment names exists, is unique and is on screen."""
    fragment = _target_id(page)
    assert fragment, f"no fragment in {page.url}"
    target = page.locator(":target")
    assert target.count() == 1, f"#{fragment} names no element on {page.url}"
    assert target.is_visible()
    assert page.evaluate(
        "(id) => document.querySelectorAll('[id=\"' + CSS.escape(id) + '\"]').length",
        fragment) == 1, f"#{fragment} is not a unique id"


# --- walk 1: log in → dashboard → incident → timeline chart → footnote → source → figure --

def test_walk_from_login_to_a_source_and_back_to_its_figure(browser, reference_site):
    context = browser.new_context(viewport=WIDE)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(reference_site.at(reverse("login")))
        assert_page_ok(page, "login")
        log_in(page, reference_site, start=reverse("dashboard"))
        assert _path(page.url) == reverse("dashboard")
        assert page.locator("h1").inner_text() == "Dashboard"

        page.locator(f'#panel-incidents [data-incident="{ALIBABA_INCIDENT}"] a').first.click()
        page.wait_for_url(f"**{reverse('incident-detail', args=[ALIBABA_INCIDENT])}")
        chart = page.locator("figure.timeline-chart").first
        assert chart.is_visible()
        drawing = chart.locator('svg[role="img"]:visible').first  # this width's layout
        assert drawing.locator("title").count() >= 1 and drawing.locator("desc").count() >= 1
        assert chart.locator("details.chart-data table").count() == 1

        # A footnote of a mark on the chart lands on its source in the sources list.
        chart.locator("svg a.fn:visible").first.click()  # the links drawn over the image
        page.wait_for_url(re.compile(r"#fn-\d+$"))
        _assert_target_shown(page)
        note = page.locator(":target")
        check_page(page, "incident-footnote")  # screenshots only: the page is checked below

        # The footnote's source has its own page on the site.
        note.locator(f'a[href*="{reverse("source-list")}"]').first.click()
        page.wait_for_url(f"**{reverse('source-list')}*/")
        assert_page_ok(page, "source-from-footnote")

        # The source page lists the figures that cite it, each linking back to its figure.
        back = page.locator('main a[href*="#fig-"]').first
        href = back.get_attribute("href") or ""
        back.click()
        page.wait_for_url(f"**{href}" if href.startswith("/") else f"**/{href}")
        _assert_target_shown(page)
        assert_page_ok(page, "figure-from-source")
    finally:
        context.close()


# --- walk 2: a comparison of the February cluster and the Alibaba campaign ----------------

def test_compare_the_february_cluster_with_the_alibaba_campaign(site_page, reference_site):
    page = site_page
    page.goto(reference_site.at(reverse("dashboard")))
    page.locator('nav[aria-label="Main"] a', has_text="Compare").click()
    page.wait_for_url(f"**{reverse('compare')}")
    page.check(f'input[name="campaigns"][value="{FEBRUARY_CLUSTER}"]')
    page.check(f'input[name="campaigns"][value="{ALIBABA_CAMPAIGN}"]')
    page.locator("form.compare-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"campaigns="))
    table = page.locator("table.compare-table")
    assert table.locator("tbody tr").count() == 2
    alibaba = table.locator(f'tr[data-campaign="{ALIBABA_CAMPAIGN}"]')
    assert alibaba.locator('[data-field="exchanges"]').inner_text().startswith("28.8 million")
    assert alibaba.locator('[data-field="accounts"]').inner_text().startswith("about 25,000")
    assert table.locator(f'tr[data-campaign="{FEBRUARY_CLUSTER}"]').count() == 1
    charts = page.locator('.compare-charts figure.bar-chart svg[role="img"]')
    assert charts.count() >= 4  # exchanges, accounts, per account, per day
    assert charts.first.locator("title").count() >= 1
    assert_page_ok(page, "compare-february-alibaba")


# --- walk 3: an actor's relationships graph -----------------------------------------------

def test_open_an_actors_graph_and_follow_a_node(site_page, reference_site):
    page = site_page
    page.goto(reference_site.at(reverse("dashboard")))
    page.locator('nav[aria-label="Main"] a', has_text="Actors").click()
    page.wait_for_url(f"**{reverse('actor-list')}")
    page.locator(f'main a[href="{reverse("actor-detail", args=["alibaba"])}"]').first.click()
    page.wait_for_url(f"**{reverse('actor-detail', args=['alibaba'])}")
    graph = page.locator("figure.graph svg")
    assert graph.is_visible()
    assert graph.locator("title").count() >= 1
    nodes = graph.locator("a.node")
    assert nodes.count() >= 2
    assert_page_ok(page, "actor-alibaba-graph")
    # Following another node of the graph opens that record's page.
    other = graph.locator("a.node:not(.root)").first
    href = other.get_attribute("href") or ""
    assert href.startswith("/") and href != "#graph"
    other.click()
    page.wait_for_url(f"**{href}")
    assert page.locator("h1").count() == 1


# --- walk 4: a search hit lands on its record's page --------------------------------------

def test_search_hit_lands_on_its_record(site_page, reference_site):
    page = site_page
    page.goto(reference_site.at(reverse("dashboard")))
    page.locator('nav[aria-label="Main"] a', has_text="Search").click()
    page.wait_for_url(f"**{reverse('search')}")
    page.fill('form[role=search] input[type=search]', "MiniMax 13 million")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url(re.compile(r"[?&]q="))
    hit = page.locator("li.hit").first
    link = hit.locator(".hit-title a")
    title = link.inner_text()
    assert "MiniMax" in title and "13 million" in title
    assert_page_ok(page, "search-minimax")
    link.click()
    page.wait_for_url(f"**{reverse('campaign-detail', args=[MINIMAX_CAMPAIGN])}")
    assert "MiniMax" in page.locator("h1").inner_text()


# --- every main page: 390 px without sideways scrolling, axe-core clean -------------------

def _first(model_name: str, attribute: str = "pk", **filters):
    from django.apps import apps

    model = apps.get_model("incidents", model_name)
    value = (model.objects.filter(**filters).order_by("pk")
             .values_list(attribute, flat=True).first())
    assert value is not None, f"no {model_name} in the reference data"
    return value


def _main_pages() -> list[tuple[str, str]]:
    compare = reverse("compare")
    return [
        ("dashboard", reverse("dashboard")),
        ("incident-list", reverse("incident-list")),
        ("incident-alibaba", reverse("incident-detail", args=[ALIBABA_INCIDENT])),
        ("incident-february", reverse("incident-detail", args=[FEBRUARY_INCIDENT])),
        ("campaign-alibaba", reverse("campaign-detail", args=[ALIBABA_CAMPAIGN])),
        ("campaign-february-cluster", reverse("campaign-detail", args=[FEBRUARY_CLUSTER])),
        ("campaign-minimax", reverse("campaign-detail", args=[MINIMAX_CAMPAIGN])),
        ("letter-list", reverse("letter-list")),
        ("letter", reverse("letter-detail", args=[_first("Letter", "slug")])),
        ("coverage-by-region", reverse("coverage-list")),
        ("coverage-by-language", reverse("coverage-list") + "?group=language"),
        ("coverage-by-lens", reverse("coverage-list") + "?group=lens"),
        ("coverage", reverse("coverage-detail", args=[_first("Coverage")])),
        ("actor-list", reverse("actor-list")),
        ("actor-anthropic", reverse("actor-detail", args=["anthropic"])),
        ("actor-deepseek", reverse("actor-detail", args=["deepseek"])),
        ("source-list", reverse("source-list")),
        ("source-anthropic-post", reverse("source-detail", args=["anthropic-distillation-post"])),
        ("compare-form", compare),
        ("compare-all", compare + "?" + "&".join(
            f"campaigns={slug}" for slug in (FEBRUARY_CLUSTER, ALIBABA_CAMPAIGN,
                                             MINIMAX_CAMPAIGN))),
        ("timeline", reverse("timeline")),
        ("timeline-alibaba-actor", reverse("timeline") + "?actor=alibaba"),
        ("event", reverse("event-detail", args=[_first("Event")])),
        ("search-form", reverse("search")),
        ("search-qwen", reverse("search") + "?q=Qwen+distillation"),
        ("not-found", "/no-such-page/"),
        ("pages-root", "/pages/"),
        ("briefings", "/briefings/"),
        ("briefing", "/briefings/alibaba-qwen-distillation/"),
    ]


def test_every_main_page_fits_a_phone_and_passes_axe(site_page, reference_site):
    """All main pages in one test (one logged-in page, no reload of the data); the
    failures of every page are reported together."""
    page = site_page
    problems: list[str] = []
    for name, path in _main_pages():
        response = page.goto(reference_site.at(path))
        expected = 404 if name in {"not-found", "pages-root"} else 200
        if response is None or response.status != expected:
            problems.append(f"{name} ({path}): HTTP {response.status if response else '?'}")
            continue
        if page.locator("h1").count() != 1:
            problems.append(f"{name} ({path}): {page.locator('h1').count()} <h1> elements")
        problems.extend(check_page(page, name).problems())
    assert not problems, "\n".join(problems)


def test_header_navigation_at_390px(site_page, reference_site):
    """Every section is reachable from the header on a phone, nothing is cut off."""
    page = site_page
    page.set_viewport_size(PHONE)
    page.goto(reference_site.at(reverse("dashboard")))
    nav = page.locator('nav[aria-label="Main"]')
    for label in ("Dashboard", "Incidents", "Timeline", "Compare", "Actors", "Sources",
                  "Coverage", "Letters", "Search", "Admin"):
        link = nav.locator("a", has_text=label).first
        assert link.is_visible(), label
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], label
    assert nav.locator("button", has_text="Log out").is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_skip_link_and_keyboard_focus(site_page, reference_site):
    page = site_page
    page.goto(reference_site.at(reverse("dashboard")))
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()  # shown while it has the focus
    outline = page.evaluate(
        "() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    in_main = page.evaluate("() => document.activeElement.closest('main') !== null")
    assert in_main


def test_anonymous_reader_is_sent_to_log_in(browser, reference_site):
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(reference_site.at(reverse("incident-detail", args=[ALIBABA_INCIDENT])))
        page.wait_for_url("**/login/**")
        assert page.locator("#id_username").is_visible()
    finally:
        context.close()


def _fulfil_with(status: int, body: bytes):
    def handler(route, request) -> None:
        route.fulfill(status=status, body=body, content_type="text/html; charset=utf-8")
    return handler


def test_error_pages_fit_a_phone_and_pass_axe(site_page, reference_site, rf):
    """The 403 and 500 pages as their handlers render them (no URL of the site raises
    them on purpose), served at an address of the live site so that its CSS applies."""
    from django.contrib.auth import get_user_model

    from incidents.site import errors

    request = rf.get("/")
    request.user = get_user_model().objects.get(username=reference_site.username)
    bodies = {
        "forbidden": (403, errors.permission_denied(request).content),
        "server-error": (500, errors.server_error(rf.get("/")).content),
    }
    page = site_page
    for name, (status, body) in bodies.items():
        url = reference_site.at(f"/__{name}__/")
        page.route(url, _fulfil_with(status, body))
        response = page.goto(url)
        assert response is not None and response.status == status
        assert page.locator("h1").count() == 1
        assert_page_ok(page, name)
