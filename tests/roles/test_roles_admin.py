"""The Wagtail admin honours the roles. A role lacking a view's permission meets
Wagtail 8's refusal: ``permission_denied`` is a redirect to the admin's home with an
error message (a 302, not a 403, for a browser request), and a user without
``wagtailadmin.access_admin`` (a viewer) is sent to the admin's login page.

One table per view family, parametrized over the four roles. Small records from the
factories; each test renders one or two pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from incidents.models import Capability, Claim, Clearance
from tests import factories as f
from tests.roles.conftest import member

pytestmark = pytest.mark.django_db

OK, DENIED = "ok", "denied"


def assert_outcome(response: Any, role: str, outcome: str, ok: int = 200) -> None:
    if outcome == OK:
        assert response.status_code == ok, (response.status_code, response.get("Location"))
        return
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    if role == "viewer":  # no admin access at all: Wagtail's login page
        assert location.startswith(reverse("wagtailadmin_login")), location
    else:  # Wagtail's permission_denied: back to the dashboard, with a message
        assert location == reverse("wagtailadmin_home"), location


def signed_in(client: Any, role: str) -> Any:
    user = member(role)
    client.force_login(user)
    return user


def outcome(role: str, *allowed: str) -> str:
    return OK if role in allowed else DENIED


def snippet(model: Any, view: str, *args: Any) -> str:
    return reverse(f"wagtailsnippets_incidents_{model._meta.model_name}:{view}", args=args)


# -- the dashboard -------------------------------------------------------------------------


def test_admin_access_is_for_every_role_but_viewers(client, role):
    signed_in(client, role)
    response = client.get(reverse("wagtailadmin_home"))
    if role == "viewer":
        assert_outcome(response, role, DENIED)
    else:
        assert response.status_code == 200


# -- domain snippets -----------------------------------------------------------------------


@pytest.mark.parametrize("view", ["list", "add", "edit"])
def test_domain_snippets(client, role, view):
    """Analysts list, add and edit; policy editors may list (view) what they cite."""
    signed_in(client, role)
    capability = f.CapabilityFactory(slug="cap-one", name="Cap one")
    args = (capability.pk,) if view == "edit" else ()
    allowed = ("analyst", "policy_editor") if view == "list" else ("analyst",)
    assert_outcome(client.get(snippet(Capability, view, *args)), role,
                   outcome(role, *allowed))


def test_domain_snippet_create_posts_only_for_analysts(client, role):
    signed_in(client, role)
    response = client.post(snippet(Capability, "add"), {
        "name": "Posted", "slug": "posted", "marking": "GREEN", "description": "",
        "external_id": ""})
    if role == "analyst":
        assert response.status_code == 302, response.context and response.context[
            "form"].errors
        assert response["Location"] == snippet(Capability, "list")
    else:
        assert_outcome(response, role, DENIED)
    assert Capability.objects.filter(slug="posted").exists() == (role == "analyst")


# -- the claim review queue and the ingest form --------------------------------------------


def test_review_queue_is_for_analysts(client, role):
    signed_in(client, role)
    assert_outcome(client.get(reverse("incidents_review:queue")), role,
                   outcome(role, "analyst"))


def test_review_decision_is_for_analysts(client, role):
    signed_in(client, role)
    claim = f.ClaimFactory(status="pending", subject=f.CampaignFactory(slug="c-decide"))
    response = client.post(reverse("incidents_review:decide"), {
        "one": f"accepted:{claim.pk}", f"expected_{claim.pk}": "pending"})
    if role != "analyst":
        assert_outcome(response, role, DENIED)
    assert Claim.objects.get(pk=claim.pk).status == (
        "accepted" if role == "analyst" else "pending")


@pytest.mark.parametrize("name", ["form", "jobs"])
def test_ingest_is_for_analysts(client, role, name):
    signed_in(client, role)
    assert_outcome(client.get(reverse(f"incidents_ingest:{name}")), role,
                   outcome(role, "analyst"))


# -- letters -------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["list", "add", "from_incident", "edit"])
def test_letters_are_for_policy_editors(client, role, view):
    from incidents.models import Letter

    signed_in(client, role)
    letter = f.LetterFactory(slug="admin-letter")
    if view == "from_incident":
        url = reverse("letters_admin:from_incident")
    else:
        url = snippet(Letter, view, *((letter.pk,) if view == "edit" else ()))
    assert_outcome(client.get(url), role, outcome(role, "policy_editor"))


# -- briefings -----------------------------------------------------------------------------


@pytest.fixture
def briefing_index(db) -> Any:
    from kb.briefings.models import BriefingIndexPage
    from kb.briefings.site import briefing_site_ensure

    briefing_site_ensure()
    return BriefingIndexPage.objects.get()


def test_briefing_add_is_for_policy_editors(client, role, briefing_index):
    signed_in(client, role)
    url = reverse("wagtailadmin_pages:add", args=("briefings", "briefingpage",
                                                  briefing_index.pk))
    assert_outcome(client.get(url), role, outcome(role, "policy_editor"))


def test_briefing_edit_is_for_policy_editors(client, role, briefing_index):
    from kb.briefings.models import BriefingAuthor, BriefingPage

    page = BriefingPage(title="Role briefing", slug="role-briefing", summary="Summary.",
                        live=False)
    page.authors.add(BriefingAuthor(name="Analyst", role="Policy team"))
    briefing_index.add_child(instance=page)
    page.save_revision()
    signed_in(client, role)
    assert_outcome(client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,))), role,
                   outcome(role, "policy_editor"))


def test_policy_editor_holds_the_page_permissions_on_the_briefing_index(briefing_index):
    from wagtail.models import Page

    user = member("policy_editor")
    tester = Page.objects.get(pk=briefing_index.pk).permissions_for_user(user)
    assert tester.can_add_subpage() and tester.can_edit() and tester.can_publish_subpage()
    home = Page.objects.get(pk=briefing_index.get_parent().pk)
    assert not home.permissions_for_user(user).can_edit()  # the index, not the site


# -- users, groups, clearances -------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["wagtailusers_users:index", "wagtailusers_users:add",
                                      "wagtailusers_groups:index",
                                      "wagtailusers_groups:add"])
def test_users_and_groups_are_for_administrators(client, role, url_name):
    signed_in(client, role)
    assert_outcome(client.get(reverse(url_name)), role, outcome(role, "administrator"))


def test_administrator_edits_another_users_groups(client):
    from django.contrib.auth.models import Group

    signed_in(client, "administrator")
    other = f.UserFactory(username="promoted")
    analysts = Group.objects.get(name="Analyst")
    response = client.post(reverse("wagtailusers_users:edit", args=(other.pk,)), {
        "username": "promoted", "email": "promoted@example.org", "first_name": "Pro",
        "last_name": "Moted", "is_active": "on", "groups": [str(analysts.pk)],
        "password1": "", "password2": ""})
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert list(other.groups.all()) == [analysts]


@pytest.mark.parametrize("who", ["viewer", "analyst", "policy_editor", "administrator"])
def test_clearances_are_for_administrators(client, who):
    signed_in(client, who)
    assert_outcome(client.get(snippet(Clearance, "list")), who,
                   outcome(who, "administrator"))


def test_administrator_neither_makes_nor_changes_superusers(client):
    from django.contrib.auth import get_user_model

    signed_in(client, "administrator")
    other = f.UserFactory(username="plain-user")
    root = f.UserFactory(username="root-user", is_superuser=True)
    form = {"username": "plain-user", "email": "p@example.org", "first_name": "P",
            "last_name": "U", "is_active": "on", "is_superuser": "on",
            "password1": "", "password2": ""}
    raised = client.post(reverse("wagtailusers_users:edit", args=(other.pk,)), form)
    assert_outcome(raised, "administrator", DENIED)
    made = client.post(reverse("wagtailusers_users:add"), {
        **form, "username": "new-root", "password1": "Pw-12345-long",
        "password2": "Pw-12345-long"})
    assert_outcome(made, "administrator", DENIED)
    assert_outcome(client.get(reverse("wagtailusers_users:edit", args=(root.pk,))),
                   "administrator", DENIED)
    users = get_user_model().objects
    assert not users.get(pk=other.pk).is_superuser
    assert not users.filter(username="new-root").exists()


def test_an_administrator_grants_clearances_up_to_their_own_and_not_to_themselves(client):
    from incidents.models import Clearance

    admin = signed_in(client, "administrator")
    Clearance.objects.update_or_create(user=admin, defaults={"level": "AMBER"})
    other = f.UserFactory(username="cleared-user")
    add = snippet(Clearance, "add")
    granted = client.post(add, {"user": other.pk, "level": "AMBER"})
    assert granted.status_code == 302
    assert Clearance.objects.get(user=other).level == "AMBER"
    above = client.post(snippet(Clearance, "edit", Clearance.objects.get(user=other).pk),
                        {"user": other.pk, "level": "RED"})
    assert above.status_code == 200
    assert "up to your own clearance (AMBER)" in above.content.decode()
    assert Clearance.objects.get(user=other).level == "AMBER"
    own = client.get(snippet(Clearance, "edit", Clearance.objects.get(user=admin).pk))
    assert_outcome(own, "administrator", DENIED)
