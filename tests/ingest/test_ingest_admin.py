"""The admin's "Ingest articles": the menu item, the upload form (files, or a URL with
pasted text or HTML; an incident the user may see), bad input as form errors with
nothing stored, and the page listing the jobs with their state and progress."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.ingest.pipeline import MAX_BYTES
from incidents.models import Source
from incidents.models.ingest import IngestJob, IngestState
from tests import factories as f
from tests.ingest.conftest import ARTICLE_URL, table_counts

FORM = "/admin/ingest/"
JOBS = "/admin/ingest/jobs/"


def _user(username: str, *codenames: str):
    user = f.UserFactory(username=username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["access_admin", *codenames]))
    return user


@pytest.fixture
def editor(ingest_world, client):
    """A GREEN staff member who may add and review claims."""
    client.force_login(_user("editor", "add_claim", "change_claim"))
    return client


def upload(name: str, data: bytes, content_type: str = "text/plain") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def form_errors(response) -> str:
    form = response.context["form"]
    return " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())


def test_the_menu_item_sits_in_the_provenance_menu(editor):
    response = editor.get("/admin/")
    page = response.content.decode()
    assert "Ingest articles" in page and FORM in page
    # Inside the Provenance submenu, next to the review queue.
    menu = page[page.index('"Provenance"'):]
    assert "Ingest articles" in menu[:menu.index("Conflicts")]


def test_users_who_may_add_claims_but_not_review_get_the_item_alone(ingest_world, client):
    client.force_login(_user("adder", "add_claim"))
    assert "Ingest articles" in client.get("/admin/").content.decode()
    assert client.get(FORM).status_code == 200


def test_users_who_may_not_add_claims_see_no_item_and_no_form(ingest_world, client):
    client.force_login(_user("reader", "change_claim"))
    assert "Ingest articles" not in client.get("/admin/").content.decode()
    assert client.get(FORM).status_code in {302, 403}
    assert client.post(FORM, {"content": "x", "content_format": "text"}).status_code in {
        302, 403}
    assert IngestJob.objects.count() == 0


def test_the_incident_list_holds_only_incidents_the_user_may_see(editor):
    page = editor.get(FORM).content.decode()
    assert "Harbour Lab case" in page and "Hidden case" not in page
    response = editor.post(FORM, {"content": "A note.", "content_format": "text",
                                  "incident": "hidden-case"})
    assert response.status_code == 200
    assert "incident: Select a valid choice" in form_errors(response)
    assert IngestJob.objects.count() == 0


def test_uploaded_files_become_jobs_and_the_result_page_lists_them(
        editor, article_html, django_capture_on_commit_callbacks):
    files = [upload("harbour-lab.html", article_html.encode(), "text/html"),
             upload("note.md", b"# Note\n\nCoral Systems denied using 1,200 accounts.\n")]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(FORM, {"uploads": files, "content_format": "text",
                                      "incident": "harbour-case"})
    assert response.status_code == 302, form_errors(response)
    assert response["Location"].startswith(JOBS + "?job=")
    jobs = IngestJob.objects.all()
    assert {j.name for j in jobs} == {"harbour-lab.html", "note.md"}
    assert {j.state for j in jobs} == {IngestState.DONE}
    assert Source.objects.count() == 2
    page = editor.get(response["Location"]).content.decode()
    assert page.count('class="ingest-state ingest-state--done"') == 2
    assert "harbour-lab.html" in page and "note.md" in page
    source = Source.objects.get(url=ARTICLE_URL)
    assert f"/admin/provenance/?status=pending&amp;source={source.pk}" in page
    assert "Review pending claims" in page


def test_a_url_with_pasted_html(editor, article_html, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(FORM, {"url": ARTICLE_URL + "?utm_source=x",
                                      "content": article_html, "content_format": "html"})
    assert response.status_code == 302, form_errors(response)
    job = IngestJob.objects.get()
    assert job.url == ARTICLE_URL and job.input_kind == "html" and job.state == "done"
    assert Source.objects.get().coverage.url == ARTICLE_URL


def test_the_same_document_again_shows_as_a_duplicate(editor,
                                                      django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = editor.post(FORM, {"uploads": [upload("n.txt", b"Harbour Lab note.")],
                                          "content_format": "text"})
    assert Source.objects.count() == 1
    assert "Already ingested: nothing changed." in editor.get(response["Location"]).content.decode()


@pytest.mark.parametrize(("data", "field", "reason"), [
    ({"uploads": [upload("empty.txt", b"")]}, "uploads", "empty"),
    ({"uploads": [upload("bin.txt", b"ab\x00cd")]}, "uploads", "bin.txt: The document is binary"),
    ({"uploads": [upload("latin.txt", b"caf\xe9")]}, "uploads", "not UTF-8"),
    ({"uploads": [upload("big.txt", b"x" * (MAX_BYTES + 1))]}, "uploads", "at most 5 MB"),
    ({"uploads": [upload("photo.png", b"\x89PNG")]}, "uploads", "only .txt, .md, .html or .htm"),
    ({"uploads": [upload("a.txt", b"a"), upload("b.txt", b"b")], "url": ARTICLE_URL}, "url",
     "upload a single file"),
    ({"uploads": [upload("a.txt", b"a")], "content": "also pasted"}, "__all__", "not both"),
    ({}, "__all__", "Upload at least one file or paste a document"),
    ({"content": "   "}, "content", "empty"),
    ({"content": "Fine", "url": "not a url"}, "url", "valid http or https URL"),
    ({"content": "<p>\x00</p>", "content_format": "html"}, "content", "binary"),
])
def test_bad_input_is_a_form_error_and_stores_nothing(editor, data, field, reason):
    before = table_counts()
    response = editor.post(FORM, {"content_format": "text", **data})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, form_errors(response)
    assert reason in " ".join(errors[field])
    assert table_counts() == before


def test_the_jobs_page_shows_only_the_users_own_jobs(editor, client, ingest_world):
    other = _user("other", "add_claim")
    client.force_login(other)
    client.post(FORM, {"content": "Their note.", "content_format": "text"})
    theirs = IngestJob.objects.get()
    editor.force_login(_user("editor2", "add_claim"))
    page = editor.get(f"{JOBS}?job={theirs.pk}").content.decode()
    assert "Their note" not in page and "No ingest jobs" in page


def test_a_pending_job_shows_its_progress_and_refreshes(editor):
    editor.post(FORM, {"content": "A note.", "content_format": "text"})  # not committed
    page = editor.get(JOBS).content.decode()
    assert re.search(r'<progress[^>]*value="0"', page)
    assert 'class="ingest-state ingest-state--pending"' in page and "window.location.reload" in page
