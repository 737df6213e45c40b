"""Who may read and write: tokens (hashed, scoped, with a clearance), sessions, and
per-token throttling."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from kb.api.models import ApiToken
from kb.api.services import api_token_create, api_token_revoke, token_hash
from tests.api.conftest import client_with_token

ACTORS = "/api/v1/actors/"


def test_anonymous_gets_401_with_a_challenge(db, api_client):
    response = api_client.get(ACTORS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Token nope", "Token", "Token a b", "Token \u00e9"])
def test_bad_tokens_get_401(db, api_client, header):
    response = api_client.get(ACTORS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_revoked_token_gets_401(admin_token):
    token, raw = admin_token
    api_token_revoke(token=token)
    assert client_with_token(raw).get(ACTORS).status_code == 401


def test_only_a_hash_is_stored(admin_token):
    token, raw = admin_token
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == token_hash(raw)
    assert raw not in {stored.token_hash, stored.prefix, stored.name}


def test_read_token_reads_but_gets_403_on_every_write(reference_data, read_api):
    assert read_api.get(ACTORS).status_code == 200
    writes = [
        read_api.post(ACTORS, {"slug": "x", "name": "X", "kind": "other"}),
        read_api.patch(f"{ACTORS}alibaba/", {"name": "Y"}),
        read_api.put(f"{ACTORS}alibaba/", {"slug": "alibaba", "name": "Y", "kind": "company"}),
        read_api.delete(f"{ACTORS}alibaba/"),
    ]
    assert [r.status_code for r in writes] == [403, 403, 403, 403]
    assert "read-scoped" in writes[0].json()["detail"]


def test_user_without_model_permission_gets_403(db, analyst):
    _, raw = api_token_create(user=analyst, scope="write")
    response = client_with_token(raw).post(ACTORS, {"slug": "x", "name": "X", "kind": "other"})
    assert response.status_code == 403


def test_session_auth_works_for_the_browsable_api(reference_data, client, admin_user):
    client.force_login(admin_user)
    response = client.get(ACTORS, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"Alibaba" in response.content


def test_token_clearance_limits_what_it_sees(reference_data, admin_user):
    from incidents.models import Actor

    Actor.objects.filter(slug="qwen-lab").update(marking="AMBER")
    _, green = api_token_create(user=admin_user, scope="read", clearance="GREEN")
    _, red = api_token_create(user=admin_user, scope="read", clearance="RED")
    assert client_with_token(green).get(f"{ACTORS}qwen-lab/").status_code == 404
    assert client_with_token(red).get(f"{ACTORS}qwen-lab/").status_code == 200


def test_token_cannot_mark_above_its_clearance(reference_data, admin_user):
    _, raw = api_token_create(user=admin_user, scope="write", clearance="GREEN")
    response = client_with_token(raw).post(
        ACTORS, {"slug": "secret", "name": "S", "kind": "other", "marking": "RED"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "marking"


def test_token_clearance_cannot_exceed_the_user(analyst):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_token_create(user=analyst, scope="read", clearance="RED")


def test_create_api_token_command_prints_a_working_token(admin_user):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "admin", "--scope", "write", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw.startswith("kb_")
    token = ApiToken.objects.get(token_hash=token_hash(raw))
    assert (token.scope, token.clearance_level) == ("write", "RED")
    assert client_with_token(raw).get(ACTORS).status_code == 200


def test_create_api_token_command_sets_an_expiry_and_is_audited(admin_user):
    from kb.audit.models import AuditEvent

    out = io.StringIO()
    call_command("create_api_token", "admin", "--expires-days", "7", "--name", "ci",
                 stdout=out, stderr=io.StringIO())
    token = ApiToken.objects.get(token_hash=token_hash(out.getvalue().strip()))
    assert token.expires_at is not None
    assert 6 < (token.expires_at - token.created_at).total_seconds() / 86400 <= 7
    event = AuditEvent.objects.get(action="token_create")
    assert (event.user, event.object_id, event.data["name"]) == (admin_user, str(token.pk), "ci")
    assert out.getvalue().strip() not in str(event.data)
    with pytest.raises(CommandError, match="expires-days"):
        call_command("create_api_token", "admin", "--expires-days", "0",
                     stdout=io.StringIO(), stderr=io.StringIO())


def test_create_api_token_command_errors(admin_user, analyst):
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="clearance"):
        call_command("create_api_token", "analyst", "--clearance", "RED",
                     stdout=io.StringIO(), stderr=io.StringIO())


def test_throttling_is_per_token(db, admin_user, settings):
    settings.KB_API_THROTTLE_RATE = "3/minute"
    _, first = api_token_create(user=admin_user, scope="read")
    _, second = api_token_create(user=admin_user, scope="read")
    a, b = client_with_token(first), client_with_token(second)
    assert [a.get(ACTORS).status_code for _ in range(4)] == [200, 200, 200, 429]
    throttled = a.get(ACTORS)
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert b.get(ACTORS).status_code == 200  # its own allowance


def test_throttle_counts_every_request_when_they_arrive_together(db, admin_user, settings):
    """Atomic counting: 40 simultaneous requests of one token against 10/minute let
    exactly 10 through (a read-then-write history would let more slip by)."""
    import threading
    import time
    from types import SimpleNamespace
    from typing import Any

    from kb.api.throttling import TokenRateThrottle

    settings.KB_API_THROTTLE_RATE = "10/minute"
    token, _ = api_token_create(user=admin_user, scope="read")
    request = SimpleNamespace(auth=token, user=admin_user, META={})
    start = threading.Barrier(40)
    results: list[bool] = []

    class SlowReads:
        """The shared cache, its reads slowed as a network round trip would: a count read
        and then written back would let the threads overtake each other."""

        def __init__(self, cache: Any) -> None:
            self._cache = cache

        def get(self, *args: Any, **kwargs: Any) -> Any:
            value = self._cache.get(*args, **kwargs)
            time.sleep(0.005)
            return value

        def __getattr__(self, name: str) -> Any:
            return getattr(self._cache, name)

    def hit() -> None:
        throttle = TokenRateThrottle()
        throttle.cache = SlowReads(throttle.cache)
        start.wait()
        results.append(throttle.allow_request(request, None))

    threads = [threading.Thread(target=hit) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 10 and len(results) == 40
