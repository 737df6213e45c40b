"""``manage.py extract``: JSON per file from the actors in the database, writing nothing;
a missing, empty or undecodable file is an error, not an empty answer."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import Actor
from tests import factories as f

ARTICLE = ("Anthropic said Alibaba used nearly 25,000 fake accounts between April 22 and "
           "June 5, 2026, in a letter to Senators Tim Scott and Elizabeth Warren.\n")


def run(*args: str) -> str:
    out = StringIO()
    call_command("extract", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def actors(db):
    f.ActorFactory(slug="anthropic", name="Anthropic", kind="ai_lab", aliases=["Anthropic PBC"])
    f.ActorFactory(slug="alibaba", name="Alibaba Group", kind="company", aliases=["Alibaba"])
    f.ActorFactory(slug="tim-scott", name="Tim Scott", kind="legislator")
    f.ActorFactory(slug="elizabeth-warren", name="Elizabeth Warren", kind="legislator")


@pytest.mark.django_db
def test_json_lists_what_would_be_extracted(actors, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    before = Actor.objects.count()
    data = json.loads(run("--json", str(path)))
    assert [d["file"] for d in data] == [str(path)]
    rows = data[0]["extractions"]
    assert {"kind", "value", "unit", "qualifier", "subject", "text", "start", "end"} <= set(rows[0])
    assert [r["value"] for r in rows if r["kind"] == "actor"] == [
        "anthropic", "alibaba", "tim-scott", "elizabeth-warren"]
    quantity = next(r for r in rows if r["kind"] == "quantity")
    assert (quantity["value"], quantity["unit"], quantity["qualifier"], quantity["subject"]) == (
        25000, "accounts", "nearly", "alibaba")
    assert ARTICLE[quantity["start"]:quantity["end"]] == quantity["text"]
    period = next(r for r in rows if r["kind"] == "period")
    assert period["value"] == {"start": "2026-04-22", "end": "2026-06-05"}
    assert Actor.objects.count() == before  # nothing written


@pytest.mark.django_db
def test_one_object_per_file_in_order(actors, tmp_path):
    first, second = tmp_path / "a.md", tmp_path / "b.txt"
    first.write_text("Alibaba shares fell as much as 4.9% on June 25, 2026.", encoding="utf-8")
    second.write_text(ARTICLE, encoding="utf-8")
    data = json.loads(run("--json", str(first), str(second)))
    assert [d["file"] for d in data] == [str(first), str(second)]
    move = next(r for r in data[0]["extractions"] if r["kind"] == "quantity")
    assert (move["value"], move["context"]) == (-4.9, {"about": "market"})


@pytest.mark.django_db
def test_html_is_read_through_trafilatura(actors, tmp_path):
    path = tmp_path / "page.html"
    body = " ".join([ARTICLE.strip()] * 3)
    path.write_text(f"<html><head><title>t</title></head><body><nav>Menu</nav><article>"
                    f"<p>{body}</p></article></body></html>", encoding="utf-8")
    rows = json.loads(run("--json", str(path)))[0]["extractions"]
    assert any(r["kind"] == "quantity" and r["value"] == 25000 for r in rows)


@pytest.mark.django_db
def test_without_json_a_short_table(actors, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    out = run(str(path))
    assert out.startswith(f"{path}: ")
    assert "accounts nearly alibaba" in out


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    (b"", "empty"),
    (b"  \n\t ", "empty"),
    (b"Alibaba \xff\xfe used accounts", "not UTF-8"),
])
def test_unreadable_input_is_an_error(tmp_path, content, message):
    path = tmp_path / "article.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run("--json", str(path))
