"""``manage.py ingest PATH… [--incident SLUG]``: files and folders, a line per file, a
summary, refused files reported (and a non-zero exit) without stopping the others."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from incidents.ingest.pipeline import MAX_BYTES
from incidents.models import Coverage, Source
from tests.ingest.conftest import DATA, table_counts


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ingest", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "articles"
    (root / "nested").mkdir(parents=True)
    shutil.copy(DATA / "html" / "harbour-lab.html", root / "harbour-lab.html")
    (root / "note.md").write_text("# Harbour Lab note\n\nHarbour Lab said Coral Systems used "
                                  "about 1,200 accounts.\n", encoding="utf-8")
    (root / "nested" / "brief.txt").write_text("Brief\n\nCoral Systems denied it.\n",
                                               encoding="utf-8")
    (root / "nested" / "picture.png").write_bytes(b"\x89PNG\r\n")
    return root


def test_a_folder_is_ingested_recursively_with_a_summary(ingest_world, folder):
    out, err = run(str(folder), "--incident", "harbour-case")
    assert "harbour-lab.html: created source tidewater-ledger-example-" in out
    assert "note.md: created source text-" in out and "no coverage record" in out
    assert "brief.txt: created source" in out
    assert "picture.png: skipped" in out
    assert "Files: 3 (1 other file(s) skipped)" in out
    assert "Sources created: 3" in out and "Refused: 0" in out
    assert "Pending claims created:" in out
    assert "Candidate organisations (not in the KB):" in out
    assert Source.objects.count() == 3
    coverage = Coverage.objects.get()
    assert list(coverage.incidents.all()) == [ingest_world.incident]
    assert err == ""


def test_running_it_again_changes_nothing(ingest_world, folder):
    run(str(folder))
    before = table_counts()
    out, _ = run(str(folder))
    assert out.count("duplicate of source") == 3
    assert "Sources created: 0" in out and "Duplicates (nothing changed): 3" in out
    assert table_counts() == before


def test_refused_files_are_reported_the_others_ingested_and_the_exit_is_non_zero(
        ingest_world, folder):
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"abc\x00def")
    (folder / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    (folder / "big.txt").write_bytes(b"x" * (MAX_BYTES + 1))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="4 file"):
        call_command("ingest", str(folder), stdout=out, stderr=err)
    errors = err.getvalue()
    assert "empty.txt: refused — file: The document is empty." in errors
    assert "binary.txt: refused — file: The document is binary" in errors
    assert "latin1.txt: refused — file: The document is not UTF-8 text" in errors
    assert "big.txt: refused — file: The document is 5.0 MB; at most 5 MB" in errors
    assert "Refused: 4" in out.getvalue() and "Sources created: 3" in out.getvalue()
    assert Source.objects.count() == 3  # the good files; nothing for the refused ones


def test_an_unknown_incident_is_named_and_nothing_is_read(ingest_world, folder):
    with pytest.raises(CommandError, match="no-such-case"):
        run(str(folder), "--incident", "no-such-case")
    assert Source.objects.count() == 0


def test_a_missing_path_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "nowhere.txt"))


def test_a_single_file_with_its_url(ingest_world, folder):
    out, _ = run(str(folder / "note.md"), "--url", "https://news.example.org/note?utm_source=x")
    assert "coverage https://news.example.org/note" in out
    assert Coverage.objects.get().url == "https://news.example.org/note"
