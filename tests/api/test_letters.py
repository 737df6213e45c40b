"""The letters API (issue 11): the body as blocks, the review workflow as actions, the
Word / PDF / ZIP exports, the recipients search, and the visibility rule throughout (a
reader never meets a recipient or a cited record above their clearance)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.models import Letter
from kb.letters.services import SENT_READ_ONLY
from kb.letters.workflow import EDITORS, MODERATORS, letter_workflow_ensure
from tests import factories as f
from tests.api.conftest import client_with_token

LETTERS = "/api/v1/letters/"
SALUTATION = "Dear Chairman Scott and Ranking Member Warren:"


def client_of(user, *, scope: str = "write", clearance: str | None = None):
    _, raw = f.api_token(user=user, scope=scope, clearance=clearance)
    return client_with_token(raw)


def member_of(group: str, **kwargs):
    user = f.UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def letters_world(db):
    """A committee with its chair and ranking member, a sender, an incident with a
    CLEAR campaign, a RED campaign, and an Editor (AMBER) and a Moderator (AMBER), each
    with a write token."""
    from types import SimpleNamespace

    letter_workflow_ensure()  # made by post_migrate; again after a flush
    w = SimpleNamespace()
    w.committee, (w.scott, w.warren) = committee_with_members()
    w.sender = f.ActorFactory(slug="anthropic", name="Anthropic", kind="ai_lab")
    w.incident = f.IncidentFactory(slug="the-incident", title="The incident",
                                   summary="What happened.")
    w.campaign = f.CampaignFactory(slug="the-campaign", incident=w.incident)
    f.ClaimFactory(subject=w.campaign, field="exchanges", value=16_000)
    w.red_campaign = f.CampaignFactory(slug="red-campaign", marking="RED")
    w.editor = member_of(EDITORS, username="editor", clearance="AMBER")
    w.moderator = member_of(MODERATORS, username="moderator", clearance="AMBER")
    w.editor_api = client_of(w.editor)
    w.moderator_api = client_of(w.moderator)
    return w


def committee_with_members():
    return f.committee_with_leaders()


# -- the schema, fuzzed (test_schemathesis covers the entity routes, not these) --------

LETTER_PATHS = (r"^/api/v1/letters/(\{[a-z]+\}/)?(submit/|approve/|reject/|send/|"
                r"correct/|export\.docx|export\.pdf|export\.zip|from-incident/|"
                r"recipients/)$")


def body_with_fact(campaign_pk: int) -> list[dict]:
    return [
        {"type": "heading", "value": "Key figures"},
        {"type": "paragraph", "value": "<p>We write about a distillation campaign.</p>"},
        {"type": "campaign_fact", "value": {"record": campaign_pk, "figure": "exchanges",
                                            "lead": "The campaign made",
                                            "trail": "exchanges."}},
    ]


def new_letter(w, client=None, **extra) -> dict:
    client = client or w.editor_api
    response = client.post(LETTERS, {
        "slug": "to-banking", "subject": "Distillation attacks", "sender": "anthropic",
        "recipients": [w.scott.slug, w.warren.slug, w.committee.slug],
        "incidents": ["the-incident"], "summary": "Our findings.",
        "body": body_with_fact(w.campaign.pk), "signer_name": "Jack Clark",
        "signer_title": "Head of Policy", **extra,
    })
    assert response.status_code == 201, response.content
    return response.json()


def errors_of(response) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


# -- CRUD and the body ------------------------------------------------------------------

def test_crud_round_trip_with_a_fact_block(letters_world):
    w = letters_world
    created = new_letter(w)
    assert created["status"] == "draft" and created["sent_on"] is None
    assert created["live"] is False and created["corrects"] is None
    assert [b["type"] for b in created["body"]] == ["heading", "paragraph", "campaign_fact"]
    fact = created["body"][2]
    assert fact["value"] == {"record": w.campaign.pk, "figure": "exchanges",
                             "lead": "The campaign made", "trail": "exchanges."}
    assert all(b["id"] for b in created["body"])
    assert created["summary"] == "Our findings."
    assert (created["signer_name"], created["signer_title"]) == ("Jack Clark",
                                                                 "Head of Policy")
    assert created["salutation"] == SALUTATION
    assert [(a["actor"], a["title"]) for a in created["addressees"]] == [
        (w.scott.slug, "Chairman"), (w.warren.slug, "Ranking Member")]
    assert created["addressees"][0]["lines"][0] == "The Honorable Tim Scott"
    assert created["restricted"] == []

    url = f"{LETTERS}to-banking/"
    read = w.editor_api.get(url)
    assert read.status_code == 200
    assert read.json()["body"] == created["body"]
    letter = Letter.objects.get(slug="to-banking")
    assert letter.body[2].value["record"] == w.campaign  # stored as a StreamField
    assert letter.revisions.exists()  # what the workflow will publish

    # The block's id is kept when sent back; a new block gets one.
    body = [*created["body"], {"type": "heading", "value": "More"}]
    patched = w.editor_api.patch(url, {"body": body, "subject": "Distillation"})
    assert patched.status_code == 200, patched.content
    assert patched.json()["body"][2]["id"] == fact["id"]
    assert patched.json()["body"][3]["value"] == "More"
    assert patched.json()["subject"] == "Distillation"

    # status, sent_on and live are read-only: set only through the actions.
    ignored = w.editor_api.patch(url, {"status": "sent", "sent_on": "2026-01-01",
                                       "live": True})
    assert ignored.status_code == 200
    assert (ignored.json()["status"], ignored.json()["sent_on"]) == ("draft", None)

    listed = w.editor_api.get(LETTERS).json()["results"]
    assert [r["slug"] for r in listed] == ["to-banking"]
    assert listed[0]["salutation"] == SALUTATION

    assert admin_delete(url).status_code == 204
    assert not Letter.objects.filter(slug="to-banking").exists()


def admin_delete(url):
    admin = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    return client_of(admin).delete(url)


@pytest.mark.parametrize(("block", "field"), [
    ({"type": "campaign_fact", "value": {"record": 0, "figure": "nope"}}, "body.0.figure"),
    ({"type": "chart", "value": {}}, "body.0.type"),
    ({"type": "heading", "value": {"text": "x"}}, "body.0.value"),
    ({"type": "heading", "value": ""}, "body.0"),
    ({"type": "campaign_fact", "value": {"record": "1", "figure": "exchanges"}},
     "body.0.record"),
    ({"type": "quote", "value": {"coverage": 0, "number": 9}}, "body.0.number"),
    ("heading", "body.0"),
])
def test_a_bad_block_is_a_400_naming_body(letters_world, block, field):
    w = letters_world
    if block != "heading" and block.get("value", {}) and isinstance(block["value"], dict):
        value = dict(block["value"])
        if value.get("record") == 0:
            value["record"] = w.campaign.pk
        if value.get("coverage") == 0:
            value["coverage"] = f.CoverageFactory(quotes=["One quote."]).pk
        block = {**block, "value": value}
    response = w.editor_api.post(LETTERS, {"slug": "bad", "subject": "Bad",
                                           "body": [block]})
    assert response.status_code == 400, response.content
    errors = errors_of(response)
    assert any(name == field or name.startswith(field + ".") for name in errors), errors
    assert all(name.startswith("body") for name in errors)
    assert not Letter.objects.filter(slug="bad").exists()


def test_body_must_be_a_list(letters_world):
    response = letters_world.editor_api.post(LETTERS, {"slug": "bad", "subject": "Bad",
                                                       "body": {"type": "heading"}})
    assert response.status_code == 400
    assert list(errors_of(response)) == ["body"]


def test_a_hidden_record_in_a_fact_block_answers_as_a_missing_one(letters_world):
    w = letters_world
    missing = max(w.red_campaign.pk, w.campaign.pk) + 1000

    def attempt(pk: int):
        return w.editor_api.post(LETTERS, {
            "slug": "leaky", "subject": "Leaky",
            "body": [{"type": "campaign_fact", "value": {"record": pk,
                                                         "figure": "exchanges"}}]})

    hidden, absent = attempt(w.red_campaign.pk), attempt(missing)
    assert hidden.status_code == absent.status_code == 400
    assert hidden.json() == absent.json()
    assert list(errors_of(hidden)) == ["body.0.record"]
    # The superuser may cite it.
    admin = f.UserFactory(username="root", is_superuser=True)
    ok = client_of(admin).post(LETTERS, {"slug": "red-letter", "subject": "Red",
                                         "marking": "RED",
                                         "body": body_with_fact(w.red_campaign.pk)})
    assert ok.status_code == 201, ok.content


def test_a_cited_record_above_the_reader_reads_as_null_and_survives_an_edit(letters_world):
    w = letters_world
    admin = f.UserFactory(username="root", is_superuser=True)
    created = client_of(admin).post(LETTERS, {
        "slug": "mixed", "subject": "Mixed",
        "body": [*body_with_fact(w.campaign.pk), *body_with_fact(w.red_campaign.pk)[2:]]})
    assert created.status_code == 201, created.content
    read = w.editor_api.get(f"{LETTERS}mixed/").json()
    assert read["body"][2]["value"]["record"] == w.campaign.pk
    assert read["body"][3]["value"]["record"] is None
    assert "body" in read["restricted"]
    # Sent back unchanged, the hidden reference is kept.
    patched = w.editor_api.patch(f"{LETTERS}mixed/", {"body": read["body"],
                                                      "subject": "Mixed, edited"})
    assert patched.status_code == 200, patched.content
    letter = Letter.objects.get(slug="mixed")
    assert letter.body[3].value["record"] == w.red_campaign


# -- the workflow ---------------------------------------------------------------------

def test_submit_approve_send_correct(letters_world):
    w = letters_world
    new_letter(w)
    url = f"{LETTERS}to-banking/"

    early = w.editor_api.post(f"{url}send/", {})
    assert early.status_code == 400
    assert "approved" in errors_of(early)["status"]
    assert w.moderator_api.post(f"{url}approve/", {}).status_code == 400  # not in review

    submitted = w.editor_api.post(f"{url}submit/", {})
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "in_review"
    assert w.editor_api.post(f"{url}submit/", {}).status_code == 400  # already

    # A letter in review can still be edited.
    edited = w.editor_api.patch(url, {"summary": "Our findings, revised."})
    assert edited.status_code == 200
    assert edited.json()["status"] == "in_review"

    refused = w.editor_api.post(f"{url}approve/", {})
    assert refused.status_code == 403
    assert w.editor_api.post(f"{url}reject/", {}).status_code == 403
    assert Letter.objects.get(slug="to-banking").status == "in_review"

    approved = w.moderator_api.post(f"{url}approve/", {"comment": "Good."})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["live"] is True
    # Approval published the revision that holds the edit made in review.
    assert approved.json()["summary"] == "Our findings, revised."

    future = w.editor_api.post(f"{url}send/", {"sent_on": "2999-01-01"})
    assert future.status_code == 400
    assert "sent_on" in errors_of(future)
    assert w.editor_api.post(f"{url}send/", {"sent_on": "not a date"}).status_code == 400

    today = timezone.localdate().isoformat()
    sent = w.editor_api.post(f"{url}send/", {"sent_on": today})
    assert sent.status_code == 200, sent.content
    assert (sent.json()["status"], sent.json()["sent_on"]) == ("sent", today)

    for response in (w.editor_api.patch(url, {"subject": "Changed"}),
                     w.editor_api.put(url, {"slug": "to-banking", "subject": "Changed"}),
                     admin_delete(url)):
        assert response.status_code == 400
        assert errors_of(response) == {"status": SENT_READ_ONLY}
    assert Letter.objects.get(slug="to-banking").subject == "Distillation attacks"
    assert w.editor_api.post(f"{url}submit/", {}).status_code == 400

    corrected = w.editor_api.post(f"{url}correct/", {})
    assert corrected.status_code == 201, corrected.content
    correction = corrected.json()
    assert correction["corrects"] == "to-banking"
    assert correction["status"] == "draft"
    assert correction["subject"].startswith("Correction:")
    assert [b["value"] for b in correction["body"]] == [b["value"] for b in sent.json()["body"]]
    assert sorted(correction["recipients"]) == sorted(sent.json()["recipients"])
    assert Letter.objects.get(slug="to-banking").status == "sent"
    draft = w.editor_api.post(f"{LETTERS}{correction['slug']}/correct/", {})
    assert draft.status_code == 400  # only a sent letter is corrected


def test_reject_returns_the_letter_to_draft_and_it_can_be_resubmitted(letters_world):
    w = letters_world
    new_letter(w)
    url = f"{LETTERS}to-banking/"
    assert w.editor_api.post(f"{url}submit/", {}).json()["status"] == "in_review"
    rejected = w.moderator_api.post(f"{url}reject/", {"comment": "Cite the sources."})
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["status"] == "draft"
    assert rejected.json()["live"] is False
    again = w.editor_api.post(f"{url}submit/", {})
    assert again.status_code == 200, again.content
    assert again.json()["status"] == "in_review"
    assert w.moderator_api.post(f"{url}approve/", {}).json()["status"] == "approved"


def test_actions_need_a_write_token(letters_world):
    w = letters_world
    new_letter(w)
    reader = client_of(w.moderator, scope="read")
    assert reader.post(f"{LETTERS}to-banking/submit/", {}).status_code == 403
    assert reader.post(f"{LETTERS}nope/submit/", {}).status_code == 403
    assert w.editor_api.post(f"{LETTERS}nope/submit/", {}).status_code == 404


def test_from_incident_drafts_a_letter(letters_world):
    w = letters_world
    response = w.editor_api.post(f"{LETTERS}from-incident/", {
        "incident": "the-incident",
        "recipients": [w.scott.slug, w.warren.slug, w.committee.slug], "sender": "anthropic"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft" and data["incidents"] == ["the-incident"]
    assert data["salutation"] == SALUTATION
    kinds = [b["type"] for b in data["body"]]
    assert "campaign_fact" in kinds and "incident_fact" in kinds
    assert {b["value"]["record"] for b in data["body"] if b["type"] == "campaign_fact"} \
        == {w.campaign.pk}

    red_incident = f.IncidentFactory(slug="red-incident", marking="RED")
    hidden = w.editor_api.post(f"{LETTERS}from-incident/", {"incident": red_incident.slug})
    absent = w.editor_api.post(f"{LETTERS}from-incident/", {"incident": "no-such"})
    assert hidden.status_code == absent.status_code == 400
    assert hidden.json()["errors"][0]["field"] == "incident"
    assert hidden.json()["detail"].replace("red-incident", "X") == \
        absent.json()["detail"].replace("no-such", "X")


# -- exports --------------------------------------------------------------------------

def test_docx_export_has_the_salutation(letters_world):
    w = letters_world
    new_letter(w)
    response = w.editor_api.get(f"{LETTERS}to-banking/export.docx")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as docx:
        xml = docx.read("word/document.xml").decode()
    assert SALUTATION in xml

    one = w.editor_api.get(f"{LETTERS}to-banking/export.docx", {"recipient": w.warren.slug})
    assert one.status_code == 200
    with zipfile.ZipFile(io.BytesIO(one.content)) as docx:
        xml = docx.read("word/document.xml").decode()
    assert "Dear Ranking Member Warren:" in xml
    assert w.editor_api.get(f"{LETTERS}to-banking/export.docx",
                            {"recipient": "nobody"}).status_code == 404


def test_pdf_and_zip_exports(letters_world):
    w = letters_world
    new_letter(w)
    pdf = w.editor_api.get(f"{LETTERS}to-banking/export.pdf",
                           HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200, pdf.content[:500]
    assert pdf.content.startswith(b"%PDF")
    zipped = w.editor_api.get(f"{LETTERS}to-banking/export.zip", {"format": "docx"})
    assert zipped.status_code == 200, zipped.content[:500]
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        names = archive.namelist()
    assert len(names) == 3 and all(n.endswith(".docx") for n in names)
    assert w.editor_api.get(f"{LETTERS}to-banking/export.zip",
                            {"format": "odt"}).status_code == 400
    assert w.editor_api.get(f"{LETTERS}nope/export.pdf").status_code == 404


# -- the recipients search ------------------------------------------------------------

def test_recipients_search_by_name_code_and_kind(letters_world):
    w = letters_world
    api = w.editor_api
    found = api.get(f"{LETTERS}recipients/", {"q": "warren"})
    assert found.status_code == 200, found.content
    data = found.json()
    assert data["count"] == 1
    (warren,) = data["results"]
    assert warren["slug"] == w.warren.slug and warren["kind"] == "legislator"
    assert warren["committees"] == [{"committee": w.committee.slug, "name": w.committee.name,
                                     "title": "Ranking Member"}]
    by_code = api.get(f"{LETTERS}recipients/", {"q": "ssbk"}).json()["results"]
    assert [r["slug"] for r in by_code] == [w.committee.slug]
    by_bioguide = api.get(f"{LETTERS}recipients/", {"q": w.scott.bioguide_id}).json()
    assert [r["slug"] for r in by_bioguide["results"]] == [w.scott.slug]
    committees = api.get(f"{LETTERS}recipients/", {"kind": "committee"}).json()["results"]
    assert [r["slug"] for r in committees] == [w.committee.slug]
    everyone = api.get(f"{LETTERS}recipients/", {"q": ""}).json()
    assert everyone["count"] == 3  # not the sender: only members and committees
    assert api.get(f"{LETTERS}recipients/", {"kind": "company"}).status_code == 400
    assert api.get(f"{LETTERS}recipients/", {"leaders": "maybe"}).status_code == 400


def test_recipients_of_a_committee(letters_world):
    w = letters_world
    f.committee_with_leaders(code="HSBA", name="House Committee on Financial Services",
                             chair="French Hill", ranking="Maxine Waters",
                             members=("Frank Lucas", "Pete Sessions"))
    api = w.editor_api
    leaders = api.get(f"{LETTERS}recipients/", {"committee": "committee-hsba"}).json()
    assert [(r["name"], r["title"]) for r in leaders["results"]] == [
        ("French Hill", "Chairman"), ("Maxine Waters", "Ranking Member")]
    everyone = api.get(f"{LETTERS}recipients/",
                       {"committee": "committee-hsba", "leaders": "0"}).json()
    assert everyone["count"] == 4
    assert [r["name"] for r in everyone["results"][:2]] == ["French Hill", "Maxine Waters"]
    paged = api.get(f"{LETTERS}recipients/", {"committee": "committee-hsba",
                                              "leaders": "0", "page_size": 3}).json()
    assert len(paged["results"]) == 3 and paged["next"]
    nothing = api.get(f"{LETTERS}recipients/", {"committee": "no-such"}).json()
    assert nothing["count"] == 0


def test_a_recipient_above_the_reader_is_never_named(letters_world):
    w = letters_world
    committee, (chair, ranking) = f.committee_with_leaders(
        code="SLIN", name="Senate Select Committee on Intelligence", chair="Tom Cotton",
        ranking="Mark Warner", marking="RED")
    hidden_member = f.ActorFactory(kind="legislator", name="Secret Senator",
                                   chamber="senate", marking="RED", bioguide_id="X000001")
    # A seat a GREEN reader may not see, on a committee they may see.
    seat = f.RelationshipFactory(kind="member_of", subject=hidden_member,
                                 object_actor=w.committee, marking="RED")
    from incidents.models import CommitteeMembership

    CommitteeMembership.objects.create(relationship=seat, title="Vice Chair", rank=9)
    admin = f.UserFactory(username="root", is_superuser=True)
    created = client_of(admin).post(LETTERS, {
        "slug": "mixed-recipients", "subject": "Mixed",
        "recipients": [w.scott.slug, w.warren.slug, w.committee.slug, hidden_member.slug,
                       chair.slug]})
    assert created.status_code == 201, created.content
    assert created.json()["salutation"] == (
        "Dear Chairman Scott, Vice Chair Senator, Ranking Member Warren and Senator Cotton:")

    green = client_of(f.UserFactory(username="green"), scope="read")
    letter = green.get(f"{LETTERS}mixed-recipients/").json()
    text = str(letter)
    for name in ("Secret", "Cotton", hidden_member.slug, chair.slug):
        assert name not in text, name
    assert letter["salutation"] == SALUTATION
    assert [a["actor"] for a in letter["addressees"]] == [w.scott.slug, w.warren.slug]
    assert set(letter["recipients"]) == {w.scott.slug, w.warren.slug, w.committee.slug}
    assert letter["restricted"] == ["recipients"]

    for params in ({"q": "secret"}, {"q": "cotton"}, {"q": "X000001"},
                   {"committee": committee.slug}, {"kind": "committee"},
                   {"committee": w.committee.slug, "leaders": "0"}):
        body = green.get(f"{LETTERS}recipients/", params).json()
        found = str(body)
        assert "Secret" not in found and "Cotton" not in found and "Intelligence" not \
            in found, params
    members = green.get(f"{LETTERS}recipients/", {"committee": w.committee.slug,
                                                  "leaders": "0"}).json()
    assert members["count"] == 2
    # A token below its user's clearance reads at the token's level, exports included.
    red_as_green = client_of(admin, scope="read", clearance="GREEN")
    assert "Cotton" not in str(red_as_green.get(f"{LETTERS}mixed-recipients/").json())
    docx = red_as_green.get(f"{LETTERS}mixed-recipients/export.docx")
    assert docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(docx.content)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "Cotton" not in xml and "Secret" not in xml
    assert red_as_green.get(f"{LETTERS}mixed-recipients/export.docx",
                            {"recipient": chair.slug}).status_code == 404


@pytest.fixture
def letters_schema(request, reference_data, admin_user, settings):
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    from tests.api.test_schemathesis import schemathesis_config

    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    settings.KB_API_THROTTLE_RATE = "1000000/minute"
    letter_workflow_ensure()
    _, token = f.api_token(user=admin_user, scope="write", clearance="RED")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/v1/schema/", get_wsgi_application(), config=schemathesis_config(token),
        headers={"Authorization": f"Token {token}"})
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _letters_schema_test():
    import os

    import schemathesis
    from hypothesis import HealthCheck
    from hypothesis import settings as hypothesis_settings

    examples = int(os.environ.get("KB_SCHEMATHESIS_EXAMPLES", "10"))
    schema = schemathesis.pytest.from_fixture("letters_schema").include(
        path_regex=LETTER_PATHS)

    @schema.parametrize()
    @hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck),
                         max_examples=examples,
                         derandomize=os.environ.get("CI") == "true")
    def test_letter_actions_conform_to_the_schema(case):
        case.call_and_validate()

    return test_letter_actions_conform_to_the_schema


test_letter_actions_conform_to_the_schema = _letters_schema_test()
