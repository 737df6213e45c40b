"""Login lock-out (django-axes) on the site's login (/login/) and the admin's
(/admin/login/): ten wrong passwords lock that username, whatever the password of the
next attempt, until the cool-off has passed; other usernames are not affected; every
attempt is in the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone

from kb.audit.models import AuditAction, AuditEvent
from tests import factories as f
from tests.api.conftest import grant

PASSWORD = "pw-test-123"  # the factories' password
LOGINS = ["/login/", "/admin/login/"]


@pytest.fixture
def users(db):
    """Two accounts that may use both logins (the admin's needs access_admin)."""
    victim = f.UserFactory(username="victim")
    bystander = f.UserFactory(username="bystander")
    for user in (victim, bystander):
        grant(user, "access_admin")
    return victim, bystander


def attempt(client, url: str, username: str, password: str):
    return client.post(url, {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def lock(client, url: str, username: str) -> list[int]:
    """The statuses of AXES_FAILURE_LIMIT wrong passwords for ``username``."""
    return [attempt(client, url, username, f"wrong-{i}").status_code
            for i in range(settings.AXES_FAILURE_LIMIT)]


def assert_locked_out(response, username: str) -> None:
    assert response.status_code in {403, 429}
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    page = response.content.decode()
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    assert "Account locked" in page and username in page
    assert f"Try again in {minutes} minute" in page
    assert 'class="site-header"' in page  # the site's own layout


@pytest.mark.parametrize("url", LOGINS)
def test_ten_wrong_passwords_lock_the_account(users, client, url):
    victim, bystander = users
    statuses = lock(client, url, "victim")
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)  # the form again
    assert statuses[-1] in {200, 403, 429}  # the tenth failure: the form, or locked already
    # The next attempt is refused even with the right password.
    response = attempt(client, url, "victim", PASSWORD)
    assert_locked_out(response, "victim")
    assert not signed_in(client)
    # Another username is not locked (from the same address).
    other = attempt(client, url, "bystander", PASSWORD)
    assert other.status_code == 302 and signed_in(client)


def test_a_lock_holds_on_both_logins(users, client):
    lock(client, "/login/", "victim")
    assert_locked_out(attempt(client, "/admin/login/", "victim", PASSWORD), "victim")


def test_the_right_password_works_again_after_the_cool_off(users, client):
    lock(client, "/login/", "victim")
    assert_locked_out(attempt(client, "/login/", "victim", PASSWORD), "victim")
    # Time passes: the attempts are older than the cool-off.
    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.filter(username="victim").update(
        attempt_time=timezone.now() - cool_off - dt.timedelta(minutes=1))
    response = attempt(client, "/login/", "victim", PASSWORD)
    assert response.status_code == 302 and signed_in(client)
    # A success resets the count (AXES_RESET_ON_SUCCESS): one more typo does not lock.
    client.logout()
    assert attempt(client, "/login/", "victim", "typo").status_code == 200
    assert attempt(client, "/login/", "victim", PASSWORD).status_code == 302


def test_logins_and_failed_logins_are_audited(users, client):
    attempt(client, "/login/", "victim", "wrong")
    attempt(client, "/admin/login/", "victim", "wrong")
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert [(e.username, e.user) for e in failed] == [("victim", None)] * 2
    assert all("wrong" not in str(e.data) for e in failed)
    assert attempt(client, "/login/", "victim", PASSWORD).status_code == 302
    login = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert (login.username, login.user) == ("victim", users[0])


def test_locked_out_attempts_are_audited_as_failed(users, client):
    lock(client, "/login/", "victim")
    attempt(client, "/login/", "victim", PASSWORD)
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED,
                                     username="victim").count() == \
        settings.AXES_FAILURE_LIMIT + 1
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_test_client_logins_work_with_the_axes_backend(users, client):
    """``force_login`` needs no backend at all; ``client.login`` goes through
    ``authenticate``, which axes wants a request for (``request=HttpRequest()``)."""
    victim, _ = users
    client.force_login(victim)
    assert signed_in(client)
    client.logout()
    assert client.login(request=HttpRequest(), username="victim", password=PASSWORD)
    assert signed_in(client)
    assert authenticate(HttpRequest(), username="victim", password=PASSWORD) == victim
