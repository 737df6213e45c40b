"""The site's layout (``templates/base.html``, ``static/css/site.css``): navigation, skip
link, focus styles, no inline styles. How it looks at 390 px and what axe-core says are
checked in the browser (``tests/browser/test_walk.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR)
NAV = [  # (label, URL name): the order of the main navigation
    ("Dashboard", "dashboard"), ("Incidents", "incident-list"), ("Timeline", "timeline"),
    ("Compare", "compare"), ("Actors", "actor-list"), ("Sources", "source-list"),
    ("Coverage", "coverage-list"), ("Letters", "letter-list"), ("Briefings", "briefings"),
    ("Search", "search"),
]


def _url(name: str) -> str:
    # The briefing index is a Wagtail page at /briefings/, not a URL name of ours.
    return reverse("wagtail_serve", args=["briefings/"]) if name == "briefings" \
        else reverse(name)


def _render(rf, user, path="/somewhere/"):
    request = rf.get(path)
    request.user = user
    return render_to_string("base.html", {}, request)


def _nav(html: str) -> str:
    match = re.search(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', html, re.S)
    assert match, "no main navigation"
    return match.group(1)


def test_navigation_lists_every_section_in_order(rf):
    nav = _nav(_render(rf, f.UserFactory()))
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    assert links == [(_url(name), label) for label, name in NAV]


def test_admin_link_only_for_staff(rf):
    admin = reverse("wagtailadmin_home")
    assert admin not in _nav(_render(rf, f.UserFactory()))
    assert f'<a href="{admin}">Admin</a>' in _nav(_render(rf, f.UserFactory(is_staff=True)))


def test_current_section_is_marked(rf):
    user = f.UserFactory()
    nav = _nav(_render(rf, user, reverse("actor-list")))
    assert f'<a href="{reverse("actor-list")}" aria-current="page">Actors</a>' in nav
    assert nav.count("aria-current") == 1
    nav = _nav(_render(rf, user, reverse("actor-detail", args=["deepseek"])))
    assert f'<a href="{reverse("actor-list")}" aria-current="true">Actors</a>' in nav
    nav = _nav(_render(rf, user, reverse("dashboard")))
    assert nav.count("aria-current") == 1 and 'aria-current="page">Dashboard' in nav


def test_anonymous_header_has_no_navigation(rf):
    html = _render(rf, AnonymousUser())
    assert 'aria-label="Main"' not in html
    assert "Log out" not in html


def test_logout_is_a_post_form(rf):
    nav = _nav(_render(rf, f.UserFactory(username="ana")))
    assert f'<form method="post" action="{reverse("logout")}"' in nav
    assert "csrfmiddlewaretoken" in nav
    assert "ana" in nav


def test_skip_link_comes_first_and_targets_main(rf):
    html = _render(rf, f.UserFactory())
    body = html.split("<body>", 1)[1]
    first_link = re.search(r"<a [^>]*>", body)
    assert first_link and 'class="skip-link" href="#content"' in first_link.group(0)
    assert '<main id="content" tabindex="-1">' in html
    assert html.count("<main") == 1


def test_one_language_and_viewport(rf):
    html = _render(rf, f.UserFactory())
    assert '<html lang="en">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_no_inline_styles_in_the_layout():
    template = (BASE / "templates" / "base.html").read_text()
    assert "<style" not in template
    assert "style=" not in template


def test_site_css_has_focus_skip_link_and_phone_rules():
    css = (BASE / "static" / "css" / "site.css").read_text()
    assert ":focus-visible" in css
    assert "outline: none" not in css.replace("main:focus { outline: none; }", "")
    assert ".skip-link:focus" in css
    assert "@media (max-width: 40rem)" in css
    # The rules that used to sit in base.html's inline <style> now live here.
    for rule in (".tag.restricted", "table.figures td[data-label]::before",
                 ".timeline .when"):
        assert rule in css


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_meet_wcag_aa():
    css = (BASE / "static" / "css" / "site.css").read_text()
    colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", css))
    for text in ("ink", "muted", "accent", "warn", "ok"):
        assert _contrast(colours[text], colours["page"]) >= 4.5, text
        assert _contrast(colours[text], "#ffffff") >= 4.5, text
    assert _contrast("#ffffff", colours["header"]) >= 4.5
    assert _contrast(colours["focus-on-dark"], colours["header"]) >= 3  # non-text: 3:1
    assert _contrast(colours["focus"], colours["page"]) >= 3


def test_login_page_uses_the_layout(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="skip-link"' in html and html.count("<h1") == 1
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
