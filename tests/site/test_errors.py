"""The site's own 404 / 403 / 500 pages (``incidents.site.errors``), in its layout.

Never Django's technical pages (with or without ``DEBUG``), never Wagtail's welcome page,
and a hidden record's page reads exactly like a missing one.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from incidents.site import errors
from kb import urls as kb_urls
from tests import factories as f

pytestmark = pytest.mark.django_db


# A urlconf of the site plus three views that fail on purpose (``pytest.mark.urls``).
def _raise_forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("not for you")


def _raise_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


def _raise_missing(request: HttpRequest) -> HttpResponse:
    raise Http404("No secret thing called 'x'")


urlpatterns = [
    path("test-errors/forbidden/", _raise_forbidden),
    path("test-errors/boom/", _raise_error),
    path("test-errors/missing/", _raise_missing),
    *kb_urls.urlpatterns,
]
handler404 = kb_urls.handler404
handler403 = kb_urls.handler403
handler500 = kb_urls.handler500

TECHNICAL_MARKS = (
    "Using the URLconf",  # Django's technical 404
    "You’re seeing this error because you have <code>DEBUG = True</code>",
    "Traceback",
    "Welcome to your new Wagtail site",
    "The install worked successfully",
)


def _assert_our_layout(response: HttpResponse, status: int, heading: str) -> str:
    assert response.status_code == status
    html = response.content.decode()
    for mark in TECHNICAL_MARKS:
        assert mark not in html
    assert 'class="skip-link" href="#content"' in html
    assert '<main id="content"' in html
    assert html.count("<h1") == 1
    assert f"<h1>{heading}</h1>" in html
    assert f'data-error="{status}"' in html
    return html


def _csrf_free(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_handlers_are_ours():
    assert kb_urls.handler404 == "incidents.site.errors.page_not_found"
    assert kb_urls.handler403 == "incidents.site.errors.permission_denied"
    assert kb_urls.handler500 == "incidents.site.errors.server_error"


def test_unknown_path_is_our_404_for_anonymous(client):
    html = _assert_our_layout(client.get("/no-such-page/"), 404, "Page not found")
    assert "<code>/no-such-page/</code>" in html
    assert reverse("login") in html
    assert 'aria-label="Main"' not in html  # no navigation for someone not logged in


def test_unknown_path_is_our_404_with_navigation_and_search(client, analyst,
                                                          django_assert_num_queries):
    client.force_login(analyst)
    # The session and its user; Wagtail looks the path up below the site's home page
    # (the site, the page); then its redirect middleware looks for a redirect of the
    # 404's path (the site, the redirect).
    with django_assert_num_queries(6):
        response = client.get("/no-such-page/")
    html = _assert_our_layout(response, 404, "Page not found")
    assert 'aria-label="Main"' in html
    assert '<label for="error-search-q">' in html
    assert f'action="{reverse("search")}"' in html


def test_the_requested_path_is_escaped(client):
    html = client.get("/<script>x</script>/").content.decode()
    assert "<script>x" not in html


def test_hidden_record_reads_exactly_like_a_missing_one(client):
    hidden = f.IncidentFactory(marking="RED")
    client.force_login(f.UserFactory(clearance="GREEN"))
    hidden_url = reverse("incident-detail", args=[hidden.slug])
    missing_url = reverse("incident-detail", args=["no-such-incident"])
    hidden_html = _assert_our_layout(client.get(hidden_url), 404, "Page not found")
    missing_html = _assert_our_layout(client.get(missing_url), 404, "Page not found")
    assert hidden.title not in hidden_html
    assert (_csrf_free(hidden_html).replace(hidden_url, "<url>")
            == _csrf_free(missing_html).replace(missing_url, "<url>"))


def test_wagtail_welcome_page_is_not_served(client, admin_client):
    from wagtail.models import Page, Site

    from kb.briefings.models import HomePage

    assert not Page.objects.filter(title="Welcome to your new Wagtail site!").exists()
    # The default site is ours: its root is the home page (the dashboard's place in
    # Wagtail's tree), and Wagtail's old mount point is gone.
    assert isinstance(Site.objects.get(is_default_site=True).root_page.specific, HomePage)
    _assert_our_layout(client.get("/pages/"), 404, "Page not found")
    _assert_our_layout(admin_client.get("/pages/"), 404, "Page not found")
    assert admin_client.get("/").status_code == 200
    assert admin_client.get("/briefings/").status_code == 200


def _add_page_under_root(title: str, slug: str = "welcome"):
    from wagtail.models import Page, Site

    root = Page.get_first_root_node()
    page = root.add_child(instance=Page(title=title, slug=slug))
    Site.objects.create(hostname="welcome.test", root_page=page)
    return page


def _migration_module():
    import importlib

    return importlib.import_module("incidents.migrations.0005_remove_wagtail_welcome_page")


def test_migration_removes_an_untouched_welcome_page_and_its_site():
    from wagtail.models import Page, Site

    from kb.briefings.models import HomePage

    # Wagtail's welcome page had our home page's slug: a database migrated before
    # briefings existed had it in that place.
    HomePage.objects.update(slug="ours")
    page = _add_page_under_root("Welcome to your new Wagtail site!", slug="home")
    _migration_module().remove_welcome_page(django_apps, None)
    assert not Site.objects.filter(hostname="welcome.test").exists()
    assert not Page.objects.filter(pk=page.pk).exists()
    root = Page.get_first_root_node()
    # Only our home page is left below the root, and the tree's child count agrees.
    assert [p.slug for p in root.get_children()] == ["ours"]
    assert root.numchild == 1


def test_migration_leaves_a_built_site_alone():
    from wagtail.models import Page, Site

    page = _add_page_under_root("Briefings", slug="built")
    _migration_module().remove_welcome_page(django_apps, None)
    assert Page.objects.filter(pk=page.pk).exists()
    assert Site.objects.filter(root_page=page).exists()


@pytest.mark.urls(__name__)
def test_permission_denied_is_our_403(client, analyst, django_assert_num_queries):
    client.force_login(analyst)
    with django_assert_num_queries(2):
        response = client.get("/test-errors/forbidden/")
    html = _assert_our_layout(response, 403, "You can’t do that here")
    assert "not for you" not in html
    assert analyst.username in html


@pytest.mark.urls(__name__)
def test_http404_from_a_view_hides_its_message(client, analyst):
    client.force_login(analyst)
    html = _assert_our_layout(client.get("/test-errors/missing/"), 404, "Page not found")
    assert "secret thing" not in html


@pytest.mark.urls(__name__)
def test_server_error_is_our_500(analyst, django_assert_max_num_queries):
    client = Client(raise_request_exception=False)
    client.force_login(analyst)
    with django_assert_max_num_queries(2):
        response = client.get("/test-errors/boom/")
    html = _assert_our_layout(response, 500, "Something went wrong")
    assert "boom" not in html and "RuntimeError" not in html


def test_server_error_falls_back_when_the_page_cannot_render(rf, monkeypatch):
    calls: list[object] = []

    def failing(template_name, context=None, request=None, using=None):
        calls.append(request)
        if request is not None:
            raise RuntimeError("the session store is down")
        return real(template_name, context, request, using)

    real = errors.loader.render_to_string
    monkeypatch.setattr(errors.loader, "render_to_string", failing)
    response = errors.server_error(rf.get("/x/"))
    assert response.status_code == 500
    assert b"<h1>Something went wrong</h1>" in response.content
    assert len(calls) == 2 and calls[1] is None

    monkeypatch.setattr(errors.loader, "render_to_string",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("no templates")))
    response = errors.server_error(rf.get("/x/"))
    assert response.status_code == 500
    assert response.content.decode() == errors.MINIMAL_500


def test_csrf_failure_is_in_our_layout(analyst):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "analyst", "password": "x"})
    _assert_our_layout(response, 403, "This form has expired")


class TestUnderDebug:
    """``make run`` serves with ``DEBUG`` on: our pages there too (except a 500's
    traceback, which a developer needs)."""

    @pytest.fixture(autouse=True)
    def _debug(self, settings):
        settings.DEBUG = True

    def test_unknown_path(self, client, analyst):
        client.force_login(analyst)
        _assert_our_layout(client.get("/no-such-page/"), 404, "Page not found")

    def test_hidden_record(self, client):
        hidden = f.IncidentFactory(marking="RED")
        client.force_login(f.UserFactory(clearance="GREEN"))
        html = _assert_our_layout(client.get(reverse("incident-detail", args=[hidden.slug])),
                                  404, "Page not found")
        assert "No incident matches" not in html

    def test_wagtail_pages_root(self, client):
        _assert_our_layout(client.get("/pages/"), 404, "Page not found")

    @pytest.mark.urls(__name__)
    def test_permission_denied(self, client, analyst):
        client.force_login(analyst)
        _assert_our_layout(client.get("/test-errors/forbidden/"), 403, "You can’t do that here")

    def test_api_404_stays_json(self, client, analyst):
        client.force_login(analyst)
        response = client.get("/api/v1/no-such-endpoint/")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
