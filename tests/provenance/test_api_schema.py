"""The provenance endpoints, fuzzed against their OpenAPI schema with every schemathesis
check (the API's own run leaves these routes to this module). Same configuration as
``tests/api/test_schemathesis.py``: the admin's write token on the reference data."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from kb.api.services import api_token_create
from tests.api.test_schemathesis import MAX_EXAMPLES, schemathesis_config

PROVENANCE_PATHS = (r"^/api/v1/(conflicts|alerts|derived-checks)/"
                    r"|^/api/v1/claims/(review/|\{id\}/(accept|reject)/)$")


@pytest.fixture
def provenance_schema(request, reference_data, admin_user, settings):
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid  # see tests/api/test_schemathesis.py
    settings.KB_API_THROTTLE_RATE = "1000000/minute"
    _, token = api_token_create(user=admin_user, scope="write", clearance="RED",
                                name="schemathesis provenance")
    # Requests go straight to the WSGI app, not through Django's test client, so Django
    # would close the test's database connection after each one (on PostgreSQL the next
    # query then fails). Do what the test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi(
        "/api/v1/schema/", get_wsgi_application(), config=schemathesis_config(token),
        headers={"Authorization": f"Token {token}"}
    )
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Filters go on the lazy schema: schemathesis' pytest loader replaces the filters of the
# schema the fixture returns with its own.
schema = schemathesis.pytest.from_fixture("provenance_schema").include(
    path_regex=PROVENANCE_PATHS)


@schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck),
                     max_examples=MAX_EXAMPLES,
                     # CI replays a fixed set of examples; local runs explore new ones.
                     derandomize=os.environ.get("CI") == "true")
def test_provenance_api_conforms_to_its_schema(case):
    case.call_and_validate()
