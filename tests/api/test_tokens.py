"""API tokens managed by their owners and administrators: ``/api/v1/tokens/`` and the
admin's "API tokens" page; expiry and revocation refused at once; the audit trail; the
per-token throttle on a shared (Redis) cache."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from kb.api.models import ApiToken
from kb.api.services import api_token_revoke
from kb.api.throttling import TokenRateThrottle
from kb.audit.models import AuditAction, AuditEvent
from tests import factories as f
from tests.api.conftest import client_with_token, grant
from tests.support import redis_reachable, require

TOKENS = "/api/v1/tokens/"
ACTORS = "/api/v1/actors/"
ADMIN_PAGE = "/admin/api-tokens/"


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def people(db):
    """An owner with two tokens, someone else with one, and two administrators: one who
    may see every token, one who may also revoke them."""
    p = SimpleNamespace()
    p.owner = f.UserFactory(username="owner", clearance="AMBER")
    p.other = f.UserFactory(username="other")
    p.viewer_admin = f.UserFactory(username="token-viewer")
    grant(p.viewer_admin, "view_apitoken")
    p.changer_admin = f.UserFactory(username="token-changer")
    grant(p.changer_admin, "view_apitoken", "change_apitoken")
    p.mine, p.mine_raw = f.api_token(user=p.owner, scope="write", name="mine")
    p.mine_read, p.mine_read_raw = f.api_token(user=p.owner, scope="read", name="mine read")
    p.theirs, p.theirs_raw = f.api_token(user=p.other, name="theirs")
    return p


# -- listing ----------------------------------------------------------------------------


def test_owner_lists_only_their_own_tokens_and_never_a_hash(people):
    response = session(people.owner).get(TOKENS)
    assert response.status_code == 200
    assert ids(response) == {people.mine.pk, people.mine_read.pk}
    row = response.json()["results"][0]
    assert "token_hash" not in row and "token" not in row
    assert set(row) >= {"name", "prefix", "scope", "clearance", "created_at",
                        "last_used_at", "expires_at", "revoked_at", "status"}
    body = response.content.decode()
    assert people.mine.token_hash not in body and people.mine_raw not in body
    # ?user= does not reach other users' tokens for a non-administrator.
    assert ids(session(people.owner).get(TOKENS, {"user": "other"})) == set()


def test_administrator_sees_everyones_tokens_and_filters_by_user(people):
    client = session(people.viewer_admin)
    assert ids(client.get(TOKENS)) == {people.mine.pk, people.mine_read.pk, people.theirs.pk}
    assert ids(client.get(TOKENS, {"user": "other"})) == {people.theirs.pk}
    assert client.get(f"{TOKENS}{people.theirs.pk}/").status_code == 200


def test_another_users_token_is_a_404(people):
    client = session(people.owner)
    url = f"{TOKENS}{people.theirs.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "mine now"}).status_code == 404
    assert client.post(f"{url}revoke/").status_code == 404
    people.theirs.refresh_from_db()
    assert (people.theirs.name, people.theirs.revoked_at) == ("theirs", None)


def test_anonymous_gets_401(db, api_client):
    assert api_client.get(TOKENS).status_code == 401
    assert api_client.post(TOKENS, {"name": "x"}).status_code == 401


# -- creating ---------------------------------------------------------------------------


def test_create_returns_the_raw_token_once(people):
    client = session(people.owner)
    response = client.post(TOKENS, {"name": "ci", "scope": "read", "clearance": "GREEN",
                                    "expires_in_days": 30})
    assert response.status_code == 201, response.json()
    data = response.json()
    raw = data["token"]
    assert raw.startswith(data["prefix"]) and "token_hash" not in data
    assert response["Cache-Control"] == "no-store"
    created = ApiToken.objects.get(pk=data["id"])
    assert (created.user, created.scope, created.clearance_level) == (people.owner, "read",
                                                                       "GREEN")
    assert dt.timedelta(days=29) < created.expires_at - timezone.now() <= dt.timedelta(days=30)
    # The raw token works, and is never shown again.
    assert client_with_token(raw).get(ACTORS).status_code == 200
    for page in (client.get(TOKENS), client.get(f"{TOKENS}{created.pk}/")):
        assert raw not in page.content.decode()
        assert created.token_hash not in page.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_CREATE)
    assert (event.user, event.object_id) == (people.owner, str(created.pk))
    assert event.data["name"] == "ci" and event.data["clearance"] == "GREEN"
    assert event.data["scope"] == "read" and event.data["expires_at"]
    assert raw not in str(event.data) and created.token_hash not in str(event.data)


def test_create_defaults_to_the_users_clearance_and_never_expires(people):
    response = session(people.owner).post(TOKENS, {})
    assert response.status_code == 201
    assert (response.json()["clearance"], response.json()["scope"]) == ("AMBER", "read")
    assert response.json()["expires_at"] is None


def test_creating_needs_a_session_or_a_write_token(people):
    assert client_with_token(people.mine_read_raw).post(TOKENS, {}).status_code == 403
    # A write-scoped token creates one; it may not see more than the token itself.
    _, green_raw = f.api_token(user=people.owner, scope="write", clearance="GREEN")
    writer = client_with_token(green_raw)
    assert writer.post(TOKENS, {"clearance": "GREEN"}).status_code == 201
    refused = writer.post(TOKENS, {"clearance": "AMBER"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "clearance"


@pytest.mark.parametrize(("body", "field"), [
    ({"clearance": "RED"}, "clearance"),  # above the owner's AMBER
    ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
    ({"expires_at": "not a date"}, "expires_at"),
    ({"expires_at": 1700000000}, "expires_at"),
    ({"expires_in_days": 0}, "expires_in_days"),
    ({"expires_in_days": "5"}, "expires_in_days"),
    ({"expires_in_days": 5, "expires_at": "2099-01-01T00:00:00Z"}, "expires_in_days"),
    ({"scope": "admin"}, "scope"),
    ({"name": "x" * 101}, "name"),
])
def test_bad_input_is_a_400_naming_the_field(people, body, field):
    response = session(people.owner).post(TOKENS, body)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not ApiToken.objects.filter(user=people.owner).exclude(
        pk__in=[people.mine.pk, people.mine_read.pk]).exists()


# -- refused at once ----------------------------------------------------------------------


def test_a_revoked_token_gets_401_on_the_next_request(people):
    api = client_with_token(people.mine_raw)
    assert api.get(ACTORS).status_code == 200
    assert session(people.owner).post(f"{TOKENS}{people.mine.pk}/revoke/").status_code == 200
    response = api.get(ACTORS)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid or revoked token."


def test_an_expired_token_gets_401_at_once(people):
    api = client_with_token(people.mine_raw)
    ApiToken.objects.filter(pk=people.mine.pk).update(
        expires_at=timezone.now() + dt.timedelta(seconds=30))
    assert api.get(ACTORS).status_code == 200
    ApiToken.objects.filter(pk=people.mine.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = api.get(ACTORS)
    assert response.status_code == 401
    assert response.json()["detail"] == "Token expired."
    assert response["WWW-Authenticate"] == "Token"


# -- changing -----------------------------------------------------------------------------


def test_rename_and_change_expiry(people):
    client = session(people.owner)
    url = f"{TOKENS}{people.mine.pk}/"
    etag = client.get(url)["ETag"]
    later = (timezone.now() + dt.timedelta(days=7)).isoformat()
    response = client.patch(url, {"name": "renamed", "expires_at": later},
                            HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "renamed" and response.json()["expires_at"]
    people.mine.refresh_from_db()
    assert people.mine.name == "renamed" and people.mine.expires_at is not None
    assert client.patch(url, {"name": "again"}, HTTP_IF_MATCH=etag).status_code == 412
    assert client.patch(url, {"expires_at": None}).json()["expires_at"] is None
    event = AuditEvent.objects.filter(action=AuditAction.TOKEN_CHANGE).order_by("id").first()
    assert event.data["changed"] == ["name", "expires_at"]
    assert event.data["name"] == "renamed"
    assert people.mine_raw not in str(event.data)


def test_scope_and_clearance_go_down_never_up(people):
    client = session(people.owner)
    url = f"{TOKENS}{people.mine_read.pk}/"
    up = client.patch(url, {"scope": "write"})
    assert up.status_code == 400 and up.json()["errors"][0]["field"] == "scope"
    assert client.patch(url, {"clearance": "RED"}).status_code == 400
    down = client.patch(url, {"clearance": "GREEN"})
    assert down.status_code == 200 and down.json()["clearance"] == "GREEN"
    assert client.patch(url, {"clearance": "AMBER"}).status_code == 400  # back up: no
    writer = f"{TOKENS}{people.mine.pk}/"
    assert client.patch(writer, {"scope": "read"}).json()["scope"] == "read"


def test_expiry_in_the_past_or_on_a_revoked_token_is_refused(people):
    client = session(people.owner)
    url = f"{TOKENS}{people.mine.pk}/"
    past = client.patch(url, {"expires_at": "2020-01-01T00:00:00Z"})
    assert past.status_code == 400 and past.json()["errors"][0]["field"] == "expires_at"
    api_token_revoke(token=people.mine)
    revived = client.patch(url, {"expires_at": "2099-01-01T00:00:00Z", "name": "still mine"})
    assert revived.status_code == 400
    assert "revoked" in revived.json()["detail"]
    assert client.patch(url, {"name": "still mine"}).status_code == 200


def test_a_read_token_cannot_change_or_revoke(people):
    api = client_with_token(people.mine_read_raw)
    assert api.get(TOKENS).status_code == 200
    assert api.patch(f"{TOKENS}{people.mine.pk}/", {"name": "x"}).status_code == 403
    assert api.post(f"{TOKENS}{people.mine.pk}/revoke/").status_code == 403


# -- revoking -----------------------------------------------------------------------------


def test_owner_revokes_idempotently(people):
    client = session(people.owner)
    url = f"{TOKENS}{people.mine.pk}/revoke/"
    first = client.post(url)
    assert first.status_code == 200 and first.json()["status"] == "revoked"
    second = client.post(url)
    assert second.status_code == 200 and second.json()["revoked_at"] == first.json()[
        "revoked_at"]
    events = AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKE)
    assert events.count() == 1
    assert events[0].data["name"] == "mine" and events[0].object_id == str(people.mine.pk)


def test_an_administrator_with_change_permission_revokes_anyones(people):
    url = f"{TOKENS}{people.theirs.pk}/revoke/"
    assert session(people.viewer_admin).post(url).status_code == 403  # may see, not revoke
    assert session(people.changer_admin).post(url).status_code == 200
    assert client_with_token(people.theirs_raw).get(ACTORS).status_code == 401
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_REVOKE)
    assert event.user == people.changer_admin and event.data["owner"] == "other"


# -- the admin's "API tokens" page ----------------------------------------------------------


@pytest.fixture
def admin_people(people):
    for user in (people.owner, people.changer_admin):
        grant(user, "access_admin")
    return people


def test_admin_page_lists_own_tokens(admin_people, client):
    client.force_login(admin_people.owner)
    response = client.get(ADMIN_PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "mine read" in page and admin_people.mine.prefix in page
    assert "theirs" not in page and admin_people.theirs.prefix not in page
    assert admin_people.mine.token_hash not in page
    assert client.get(f"{ADMIN_PAGE}{admin_people.theirs.pk}/revoke/").status_code == 404


def test_admin_page_creates_a_token_and_shows_it_once(admin_people, client):
    client.force_login(admin_people.owner)
    assert client.get(f"{ADMIN_PAGE}new/").status_code == 200
    response = client.post(f"{ADMIN_PAGE}new/", {"name": "from admin", "scope": "read",
                                                 "clearance": "GREEN",
                                                 "expires_in_days": "7"})
    assert response.status_code == 200
    token = ApiToken.objects.get(name="from admin")
    raw = response.context["raw_token"]
    assert raw in response.content.decode() and raw.startswith(token.prefix)
    assert client_with_token(raw).get(ACTORS).status_code == 200
    assert raw not in client.get(ADMIN_PAGE).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_CREATE,
                                     object_id=str(token.pk)).exists()
    # A clearance above the user's own is not offered.
    refused = client.post(f"{ADMIN_PAGE}new/", {"scope": "read", "clearance": "RED"})
    assert refused.status_code == 200 and refused.context["form"].errors["clearance"]


def test_admin_page_revokes(admin_people, client):
    client.force_login(admin_people.owner)
    url = f"{ADMIN_PAGE}{admin_people.mine.pk}/revoke/"
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    admin_people.mine.refresh_from_db()
    assert admin_people.mine.revoked_at is not None
    assert client_with_token(admin_people.mine_raw).get(ACTORS).status_code == 401
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKE).count() == 1


def test_admin_page_administrator_sees_and_revokes_everyones(admin_people, client):
    client.force_login(admin_people.changer_admin)
    page = client.get(ADMIN_PAGE).content.decode()
    assert "theirs" in page and "mine read" in page
    assert "theirs" not in client.get(ADMIN_PAGE, {"user": "owner"}).content.decode()
    assert client.post(f"{ADMIN_PAGE}{admin_people.theirs.pk}/revoke/").status_code == 302
    admin_people.theirs.refresh_from_db()
    assert admin_people.theirs.revoked_at is not None


def test_admin_menus_link_the_page(admin_people, client):
    client.force_login(admin_people.owner)
    assert ADMIN_PAGE in client.get("/admin/account/").content.decode()


# -- throttles on a shared cache --------------------------------------------------------------

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_throttle_counts_are_shared_through_a_redis_cache(people):
    """Two throttles, each with its own Redis client (as two processes would have),
    count one token's requests together."""
    require(redis_reachable(REDIS_URL), f"Redis at {REDIS_URL}")
    prefix = f"kb-test-{uuid.uuid4().hex}"
    redis_cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}}
    with override_settings(CACHES=redis_cache, KB_API_THROTTLE_RATE="3/minute"):
        first, second = TokenRateThrottle(), TokenRateThrottle()
        first.cache = caches.create_connection("default")
        second.cache = caches.create_connection("default")
        assert first.cache is not second.cache
        request = SimpleNamespace(auth=people.mine, user=people.owner, META={})
        other = SimpleNamespace(auth=people.theirs, user=people.other, META={})
        try:
            allowed = [first.allow_request(request, None), second.allow_request(request, None),
                       first.allow_request(request, None), second.allow_request(request, None),
                       first.allow_request(request, None)]
            assert allowed == [True, True, True, False, False]
            assert second.allow_request(other, None)  # another token: its own count
        finally:  # this test's keys only (never FLUSHDB: the database may be shared)
            first.cache.delete_many([first.get_cache_key(request, None),
                                     first.get_cache_key(other, None)])
