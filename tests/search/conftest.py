"""Search fixtures: the backend under test (both, where the database allows), the
reference data indexed through the normal path (signals → on_commit → task), viewers."""

from __future__ import annotations

import sys

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from incidents.models import Clearance, Marking

BACKENDS = ["whoosh", "postgres"]


def _skip_without_postgres(name: str) -> None:
    if name == "postgres" and connection.vendor != "postgresql":
        reason = (f"postgres search backend: the test database is {connection.vendor}, not "
                  "PostgreSQL (run with KB_DATABASE_URL=postgres://… to test it)")
        print(f"SKIPPED: {reason}", file=sys.stderr)
        pytest.skip(reason)


@pytest.fixture(params=BACKENDS)
def search_backend(request, settings, db):
    """Each test runs once per backend; ``settings.KB_SEARCH_BACKEND`` names it."""
    _skip_without_postgres(request.param)
    settings.KB_SEARCH_BACKEND = request.param
    return request.param


@pytest.fixture
def indexed(search_backend, reference_data):
    """The reference data, indexed as it was saved (eager Celery, on_commit run)."""
    from kb.search.indexing import index_check

    report = index_check()
    assert report.ok, report.problems
    return report


@pytest.fixture
def green_user(db):
    user = get_user_model().objects.create_user("green", "green@example.org", "pw-green-123")
    Clearance.objects.create(user=user, level=Marking.GREEN)
    return user


@pytest.fixture
def red_user(db):
    user = get_user_model().objects.create_user("red", "red@example.org", "pw-red-123")
    Clearance.objects.create(user=user, level=Marking.RED)
    return user
