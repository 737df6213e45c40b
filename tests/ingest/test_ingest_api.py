"""``POST /api/v1/ingest/`` and ``GET /api/v1/tasks/{id}/``: 202 and a status to poll
(Celery eager here), every bad input a 400 naming its field with nothing stored, hidden
incidents and other people's jobs answered like unknown ones."""

from __future__ import annotations

import json
import os
import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from incidents.ingest.pipeline import MAX_BYTES
from incidents.models import Source
from incidents.models.ingest import IngestJob
from tests import factories as f
from tests.api.conftest import client_with_token, grant
from tests.api.test_schemathesis import MAX_EXAMPLES, schemathesis_config
from tests.ingest.conftest import ARTICLE_URL, table_counts

INGEST = "/api/v1/ingest/"


@pytest.fixture
def writer(db):
    """A GREEN analyst who may add claims, with a write token."""
    user = f.UserFactory(username="writer")
    grant(user, "add_claim")
    _, raw = f.api_token(user=user, scope="write")
    return user, client_with_token(raw)


def post(client, body):
    return client.post(INGEST, data=json.dumps(body), content_type="application/json")


def test_ingest_answers_202_and_the_task_status_shows_the_result(
        ingest_world, writer, article_html, django_capture_on_commit_callbacks):
    user, client = writer
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, {"url": ARTICLE_URL + "?utm_source=x", "html": article_html,
                                 "incident": "harbour-case"})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status_url"] == f"/api/v1/tasks/{body['task_id']}/"
    job = IngestJob.objects.get(pk=body["task_id"])
    assert job.created_by == user and job.url == ARTICLE_URL
    assert job.incident == ingest_world.incident

    status = client.get(body["status_url"])
    assert status.status_code == 200 and status.has_header("ETag")
    data = status.json()
    assert set(data) == {"task_id", "state", "progress", "message", "result"}
    assert data["task_id"] == body["task_id"]
    assert data["state"] == "done" and data["progress"] == 100
    source = Source.objects.get()
    assert data["result"]["source"] == source.pk
    assert data["result"]["coverage"] == source.coverage_id
    assert data["result"]["created"] is True and data["result"]["duplicate"] is False
    assert sum(data["result"]["claims_created"].values()) >= 1


def test_the_same_article_posted_again_is_a_duplicate_and_changes_nothing(
        ingest_world, writer, article_html, django_capture_on_commit_callbacks):
    _, client = writer
    with django_capture_on_commit_callbacks(execute=True):
        post(client, {"url": ARTICLE_URL, "html": article_html})
    before = table_counts()
    with django_capture_on_commit_callbacks(execute=True):
        again = post(client, {"url": ARTICLE_URL + "/", "html": article_html})
    status = client.get(again.json()["status_url"]).json()
    assert status["state"] == "done" and status["result"]["duplicate"] is True
    assert status["result"]["source"] == Source.objects.get().pk
    after = table_counts()
    assert after == {**before, "jobs": before["jobs"] + 1}  # only the new job's row


def test_a_job_waits_pending_until_the_transaction_commits(ingest_world, writer):
    _, client = writer
    response = post(client, {"text": "Harbour Lab said so."})
    assert response.status_code == 202
    status = client.get(response.json()["status_url"]).json()
    assert status == {"task_id": response.json()["task_id"], "state": "pending",
                      "progress": 0, "message": "", "result": {}}


@pytest.mark.parametrize(("body", "field", "reason"), [
    ({"url": ARTICLE_URL}, "text", "Give the text or the HTML"),
    ({"text": "a", "html": "<p>a</p>"}, "text", "not both"),
    ({"text": ""}, "text", "empty"),
    ({"text": "   "}, "text", "empty"),
    ({"text": "x" * (MAX_BYTES + 1)}, "text", "at most 5 MB"),
    ({"html": "<p>a\u0000b</p>"}, "html", "binary"),
    ({"text": "\u0001\u0002\u0003\u0004" * 100}, "text", "binary"),
    ({"text": "Fine", "url": "not a url"}, "url", "valid http or https URL"),
    ({"text": "Fine", "url": "ftp://example.org/a"}, "url", "valid http or https URL"),
    ({"text": "Fine", "incident": "no-such-case"}, "incident", "No incident"),
    ({"text": 5}, "text", ""),
])
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(ingest_world, writer, body, field,
                                                                reason):
    _, client = writer
    before = table_counts()
    response = post(client, body)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in {e["field"] for e in errors}
    assert reason in " ".join(e["reason"] for e in errors if e["field"] == field)
    assert table_counts() == before


def test_a_lone_surrogate_is_refused_not_a_server_error(ingest_world, writer):
    _, client = writer
    response = client.post(INGEST, data='{"text": "bad \\ud800 text"}',
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "text"


def test_a_hidden_incident_answers_exactly_like_an_unknown_one(ingest_world, writer):
    _, client = writer
    hidden = post(client, {"text": "Fine", "incident": "hidden-case"})
    unknown = post(client, {"text": "Fine", "incident": "zz-no-case"})
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.content.decode().replace("hidden-case", "SLUG") == \
        unknown.content.decode().replace("zz-no-case", "SLUG")
    assert IngestJob.objects.count() == 0


def test_someone_elses_task_is_a_404_like_an_unknown_one(ingest_world, writer):
    _, client = writer
    other = f.UserFactory(username="other")
    grant(other, "add_claim")
    _, raw = f.api_token(user=other, scope="write")
    theirs = post(client_with_token(raw), {"text": "Their note."}).json()
    mine = client.get(theirs["status_url"])
    unknown = client.get(f"/api/v1/tasks/{uuid.uuid4()}/")
    assert mine.status_code == unknown.status_code == 404
    assert mine.json() == unknown.json()
    assert client.get("/api/v1/tasks/not-a-uuid/").status_code == 404


def test_staff_cleared_for_the_marking_see_other_jobs(ingest_world, writer, admin_user):
    _, client = writer
    response = post(client, {"text": "A note."})
    _, raw = f.api_token(user=admin_user, scope="read")
    assert client_with_token(raw).get(response.json()["status_url"]).status_code == 200


def test_who_may_ingest(ingest_world, writer):
    user, _ = writer
    assert post(APIClient(), {"text": "x"}).status_code == 401
    _, read_raw = f.api_token(user=user, scope="read")
    assert post(client_with_token(read_raw), {"text": "x"}).status_code == 403
    nobody = f.UserFactory(username="nobody")
    _, raw = f.api_token(user=nobody, scope="write")
    refused = post(client_with_token(raw), {"text": "x"})
    assert refused.status_code == 403 and "add_claim" in refused.json()["detail"]
    assert IngestJob.objects.count() == 0


def test_the_task_sees_no_more_than_the_token_that_asked(
        ingest_world, admin_user, article_html, django_capture_on_commit_callbacks):
    ingest_world.outlet.marking = "RED"
    ingest_world.outlet.save()
    _, raw = f.api_token(user=admin_user, scope="write", clearance="GREEN")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client_with_token(raw), {"url": ARTICLE_URL, "html": article_html})
    job = IngestJob.objects.get(pk=response.json()["task_id"])
    assert job.state == "done" and job.clearance == "GREEN"
    source = Source.objects.get()
    assert source.publisher is None and source.coverage.outlet is None  # RED outlet unused


def test_the_schema_documents_both_endpoints(db, writer):
    schema = writer[1].get("/api/v1/schema/?format=json").json()
    ingest = schema["paths"]["/api/v1/ingest/"]["post"]
    assert "202" in ingest["responses"] and "400" in ingest["responses"]
    task = schema["paths"]["/api/v1/tasks/{task_id}/"]["get"]
    assert "200" in task["responses"] and "404" in task["responses"]


# -- the schema, fuzzed (schemathesis, as tests/api/test_schemathesis.py does for its routes)

@pytest.fixture
def ingest_api_schema(request, ingest_world, admin_user, settings):
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid  # see tests/api/test_schemathesis.py
    settings.KB_API_THROTTLE_RATE = "1000000/minute"
    _, token = f.api_token(user=admin_user, scope="write", clearance="RED")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(),
                                             config=schemathesis_config(token),
        headers={"Authorization": f"Token {token}"})
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


fuzzed = schemathesis.pytest.from_fixture("ingest_api_schema").include(
    path_regex=r"^/api/v1/(ingest|tasks/\{task_id\})/$")


@pytest.mark.slow_family
@fuzzed.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck),
                     max_examples=MAX_EXAMPLES, derandomize=os.environ.get("CI") == "true")
def test_the_ingest_endpoints_conform_to_their_schema(case):
    case.call_and_validate()
