"""Role fixtures: a user in one role's group (the group the migration made), signed in
to the admin or holding a write-scoped API token; small data made with the factories."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient

from kb.roles.definitions import role_named
from tests import factories as f

ROLES = ["viewer", "analyst", "policy_editor", "administrator"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()  # throttle counts live in the cache
    yield
    cache.clear()


def member(role: str, username: str | None = None, **kwargs: Any) -> Any:
    """A user in ``role``'s group (fresh: no permission cache)."""
    user = f.UserFactory(username=username or f"{role}-user", **kwargs)
    user.groups.add(Group.objects.get(name=role_named(role)))
    return get_user_model().objects.get(pk=user.pk)


def api_of(user: Any) -> APIClient:
    _, raw = f.api_token(user=user, scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)
