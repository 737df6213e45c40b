"""``GET /api/v1/search/``, fuzzed against its OpenAPI schema with every schemathesis check
(the API's own run leaves this route to this module). Same configuration as
``tests/api/test_schemathesis.py``: the admin's write token on the reference data. On
PostgreSQL the PostgreSQL backend answers, so generated queries reach its SQL."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from kb.api.services import api_token_create
from tests.api.test_schemathesis import MAX_EXAMPLES, schemathesis_config


@pytest.fixture
def _backend_of_the_database(settings, db):
    settings.KB_SEARCH_BACKEND = "postgres" if connection.vendor == "postgresql" else "whoosh"


@pytest.fixture
def search_schema(request, _backend_of_the_database, reference_data, admin_user, settings):
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid  # see tests/api/test_schemathesis.py
    settings.KB_API_THROTTLE_RATE = "1000000/minute"
    _, token = api_token_create(user=admin_user, scope="write", clearance="RED",
                                name="schemathesis search")
    # Straight to the WSGI app: keep the test's database connection open between
    # requests, as the test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi(
        "/api/v1/schema/", get_wsgi_application(), config=schemathesis_config(token),
        headers={"Authorization": f"Token {token}"}
    )
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("search_schema").include(
    path_regex=r"^/api/v1/search/$")


@schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck),
                     max_examples=MAX_EXAMPLES,
                     # CI replays a fixed set of examples; local runs explore new ones.
                     derandomize=os.environ.get("CI") == "true")
def test_search_api_conforms_to_its_schema(case):
    case.call_and_validate()
