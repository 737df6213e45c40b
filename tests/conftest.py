"""Fixtures shared by the whole suite.

Every test gets its own data directory (and so its own search index directory);
``reference_data`` loads the bundled reference file into the test database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

# The slow families (schemathesis fuzzing, headless Chromium, real Celery workers):
# ``scripts/test.sh`` runs them once, on PostgreSQL, and deselects them on SQLite.
SLOW_MODULES = {"test_schemathesis.py", "test_api_schema.py"}
SLOW_MARKERS = {"browser", "celery_worker", "server"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).name in SLOW_MODULES or SLOW_MARKERS & {
            m.name for m in item.iter_markers()
        }:
            item.add_marker(pytest.mark.slow_family)


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings, tmp_path):
    settings.KB_DATA_DIR = tmp_path / "data"
    settings.KB_SEARCH_INDEX_DIR = tmp_path / "data" / "index"
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    settings.KB_DATA_DIR.mkdir(parents=True)
    # Hashing test passwords with PBKDF2 costs ~0.4 s a user; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.KB_DATA_DIR


DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences",
               "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _wagtail_base_rows(request: pytest.FixtureRequest) -> None:
    """The rows migrations create and a flush deletes: Wagtail's default locale and its
    root page. A transactional test (browser, Celery worker) ends with a flush, so the
    tests after it on the same database would otherwise meet a database no migration
    leaves (the admin's page permissions need the root page)."""
    if not (request.node.get_closest_marker("django_db")
            or DB_FIXTURES & set(request.fixturenames)):
        return
    request.getfixturevalue("db")  # the test's own database access (transactional or not)
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page

    if not Locale.objects.exists():
        Locale.objects.create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(instance=Page(title="Root", slug="root",
                                    content_type=ContentType.objects.get_for_model(Page)))


@pytest.fixture
def reference_data(db, django_capture_on_commit_callbacks):
    """The bundled reference data, loaded as ``make run`` loads it."""
    from incidents.services.reference import reference_data_load

    with django_capture_on_commit_callbacks(execute=True):
        stats = reference_data_load()
    return stats


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.org", "admin-pass")


@pytest.fixture
def analyst(db):
    """A non-superuser with the default clearance (TLP:GREEN)."""
    return get_user_model().objects.create_user("analyst", "analyst@example.org", "analyst-pass")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
