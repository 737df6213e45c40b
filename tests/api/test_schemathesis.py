"""The OpenAPI schema, fuzzed: schemathesis generates requests from /api/v1/schema/
(examples, coverage and fuzzing phases; valid and invalid data) and runs every check it
has against each response, with the admin's write token (TLP:RED) on the reference data.

All checks are on with their defaults, with one documented exception: for writes,
``positive_data_acceptance`` also accepts 400 and 412. A request can match the schema
and still be refused for reasons a schema cannot express: a slug that names no record,
a unique slug already taken, an end date before the start date, an If-Match that is not
the record's ETag. Reads get no such allowance.

``KB_SCHEMATHESIS_EXAMPLES`` (default 15) bounds the generated examples per operation
and phase, so the run takes a few minutes.
"""

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

MAX_EXAMPLES = int(os.environ.get("KB_SCHEMATHESIS_EXAMPLES", "15"))
WRITES = ["POST", "PUT", "PATCH", "DELETE"]
# The routes this module owns; other API modules (search, provenance review) register
# theirs on the same router and test them themselves.
OWN_PATHS = (
    r"^/api/v1/(actors|incidents|campaigns|account-clusters|accounts|exchange-volumes|"
    r"capabilities|techniques|letters|coverage|events|relationships|sources|claims)/"
    r"(\{[a-z]+\}/)?(compare/|related/|timeline/)?$|^/api/v1/graph/$"
)


def schemathesis_config(token: str) -> schemathesis.config.SchemathesisConfig:
    return schemathesis.config.SchemathesisConfig.from_dict({
        "seed": 20260624,
        # Through the schema's own security scheme, so the ignored_auth check can send
        # requests without it and with a wrong one.
        "auth": {"openapi": {"tokenAuth": {"api_key": f"Token {token}"}}},
        "checks": {"enabled": True},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},  # needs the engine (CLI), not pytest
        },
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            # Query strings and paths travel through WSGI as text: NUL is rejected by the
            # API (tested in test_writes), not something to generate as valid data.
            "allow-x00": False,
        },
        "operations": [
            {
                "include-method": WRITES,
                "checks": {"positive_data_acceptance": {"expected-statuses": [
                    "2xx", "3xx", "400", "401", "403", "404", "409", "412", "429",
                ]}},
            },
        ],
    })


@pytest.fixture
def api_schema(request, reference_data, admin_user, settings):
    if not hasattr(request.node, "_nodeid"):
        # schemathesis' lazy loader renames the test node through ``_nodeid``, which
        # pytest 9.2 no longer has; give it one.
        request.node._nodeid = request.node.nodeid
    settings.KB_API_THROTTLE_RATE = "1000000/minute"
    _, token = api_token_create(user=admin_user, scope="write", clearance="RED",
                                name="schemathesis")
    # Requests go straight to the WSGI app, not through Django's test client, so Django
    # would close the test's database connection after each one (on PostgreSQL the next
    # query would fail). Keep it open, as the test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/v1/schema/", get_wsgi_application(), config=schemathesis_config(token),
        headers={"Authorization": f"Token {token}"}
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema").include(path_regex=OWN_PATHS)


@schema.parametrize()
@hypothesis_settings(
    deadline=None,
    suppress_health_check=list(HealthCheck),
    max_examples=MAX_EXAMPLES,
    # CI replays a fixed set of examples; local runs explore new ones.
    derandomize=os.environ.get("CI") == "true",
)
def test_api_conforms_to_its_schema(case):
    case.call_and_validate()
