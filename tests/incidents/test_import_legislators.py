"""``manage.py import_legislators`` on an excerpt of the congress-legislators files."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import Actor, ActorKind, Relationship, RelationshipKind
from incidents.models.actors import CommitteeMembership
from incidents.services.legislators import LegislatorDataError, legislators_import
from incidents.services.reference import table_row_counts

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "congress"
NAMES = {"legislators": "legislators-current.yaml", "committees": "committees-current.yaml",
         "membership": "committee-membership-current.yaml"}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A private copy of the excerpt, so a test may edit it."""
    copies = {}
    for key, name in NAMES.items():
        copies[key] = tmp_path / name
        shutil.copy(DATA / name, copies[key])
    return copies


def run(files: dict[str, Path]) -> Any:
    return legislators_import(**files)


def seat(committee: str, bioguide: str) -> CommitteeMembership:
    return CommitteeMembership.objects.select_related("relationship").get(
        relationship__object_actor__committee_code=committee,
        relationship__subject__bioguide_id=bioguide,
    )


def snapshot() -> tuple[dict[str, int], dict[int, dt.datetime]]:
    return table_row_counts(), dict(Actor.objects.values_list("pk", "updated_at"))


def test_members_committees_and_counts(files):
    stats = run(files)
    assert Actor.objects.filter(kind=ActorKind.LEGISLATOR).count() == 9
    assert Actor.objects.filter(kind=ActorKind.COMMITTEE).count() == 4
    assert Relationship.objects.filter(kind=RelationshipKind.MEMBER_OF).count() == 14
    assert CommitteeMembership.objects.count() == 14
    assert stats["actor created"] == 13
    scott = Actor.objects.get(bioguide_id="S001184")
    assert (scott.name, scott.party, scott.state, scott.chamber) == (
        "Tim Scott", "Republican", "SC", "senate")
    assert (scott.term_start, scott.term_end) == (dt.date(2023, 1, 3), dt.date(2029, 1, 3))
    assert scott.slug == "member-s001184-tim-scott"
    assert scott.marking == "CLEAR"
    assert Actor.objects.get(bioguide_id="H001072").chamber == "house"


def test_ssbk_chair_and_ranking_member(files):
    run(files)
    ssbk = Actor.objects.get(committee_code="SSBK")
    assert ssbk.name == "Senate Committee on Banking, Housing, and Urban Affairs"
    assert ssbk.chamber == "senate"
    chair, ranking = seat("SSBK", "S001184"), seat("SSBK", "W000817")
    assert (chair.title, chair.party_side, chair.rank) == ("Chairman", "majority", 1)
    assert (ranking.title, ranking.party_side, ranking.rank) == ("Ranking Member", "minority", 1)
    assert chair.relationship.subject.name == "Tim Scott"
    assert seat("SSBK", "C000880").title == ""


def test_subcommittee_has_its_parent(files):
    run(files)
    digital = Actor.objects.get(committee_code="SSBK13")
    assert digital.name == "Digital Assets"
    assert digital.parent == Actor.objects.get(committee_code="SSBK")
    assert digital.chamber == "senate"
    assert Actor.objects.get(committee_code="HSBA21").parent.committee_code == "HSBA"
    assert seat("SSBK13", "L000571").title == "Chairman"


def test_second_import_changes_nothing(files, django_capture_on_commit_callbacks):
    run(files)
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stats = run(files)
    assert dict(stats) == {}
    assert snapshot() == before
    assert callbacks == []  # nothing saved, so nothing queued for the search index


def test_changed_party_updates_only_that_member(files):
    run(files)
    before = dict(Actor.objects.values_list("bioguide_id", "updated_at"))
    records = files["legislators"].read_text(encoding="utf-8").split("\n- id:")
    records = [r.replace("party: Democrat", "party: Independent") if "W000817" in r else r
               for r in records]
    files["legislators"].write_text("\n- id:".join(records), encoding="utf-8")
    assert dict(run(files)) == {"actor updated": 1}
    after = dict(Actor.objects.values_list("bioguide_id", "updated_at"))
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {"W000817"}
    assert Actor.objects.get(bioguide_id="W000817").party == "Independent"


def test_a_seat_gone_from_the_file_is_removed(files):
    run(files)
    text = files["membership"].read_text(encoding="utf-8")
    files["membership"].write_text(
        text.replace("- name: Mike Crapo\n  party: majority\n  rank: 2\n  bioguide: C000880\n",
                     "", 1), encoding="utf-8")
    assert run(files)["membership removed"] == 1
    assert not CommitteeMembership.objects.filter(
        relationship__subject__bioguide_id="C000880",
        relationship__object_actor__committee_code="SSBK").exists()
    assert CommitteeMembership.objects.count() == 13


def test_hand_entered_actors_are_adopted_not_duplicated(files):
    scott = Actor.objects.create(slug="tim-scott", name="Tim Scott", kind=ActorKind.LEGISLATOR,
                                 external_ids={"bioguide": "S001184"}, description="Senator.")
    ssbk = Actor.objects.create(slug="senate-banking-committee", name="Senate Banking",
                                kind=ActorKind.COMMITTEE, external_ids={"thomas_id": "SSBK"})
    Relationship.objects.create(kind=RelationshipKind.MEMBER_OF, subject=scott,
                                object_actor=ssbk)
    run(files)
    scott.refresh_from_db()
    assert (scott.slug, scott.bioguide_id, scott.description) == (
        "tim-scott", "S001184", "Senator.")
    assert Actor.objects.get(committee_code="SSBK").slug == "senate-banking-committee"
    assert Relationship.objects.filter(subject=scott, object_actor=ssbk).count() == 1
    assert seat("SSBK", "S001184").title == "Chairman"
    assert Actor.objects.filter(kind=ActorKind.LEGISLATOR).count() == 9


# -- malformed files: a message naming file, record and reason; nothing stored ----------

def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


MALFORMED = {
    "bad YAML": ("legislators", lambda p: p.write_text("- id: [unclosed\n", encoding="utf-8"),
                 ["legislators-current.yaml", "cannot read"]),
    "no bioguide id": ("legislators", lambda p: _replace(p, "bioguide: S001184",
                                                         "thomas: 'x'"),
                       ["legislators-current.yaml", "record 2", "Tim Scott",
                        "no bioguide id"]),
    "unknown committee": ("membership", lambda p: _replace(p, "SSBK13:", "SSXX99:"),
                          ["committee-membership-current.yaml", "'SSXX99'",
                           "unknown committee code"]),
    "unknown member": ("membership", lambda p: _replace(p, "bioguide: W000817",
                                                        "bioguide: Z999999"),
                       ["committee-membership-current.yaml", "'SSBK'", "record 4",
                        "Z999999", "unknown bioguide id"]),
    "wrong top-level type": ("committees", lambda p: p.write_text("SSBK: {}\n",
                                                                  encoding="utf-8"),
                             ["committees-current.yaml", "expected a list", "dict"]),
    "bad party side": ("membership", lambda p: _replace(p, "party: minority",
                                                        "party: sideways"),
                       ["committee-membership-current.yaml", "'majority' or 'minority'"]),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_file_is_rejected_and_nothing_is_stored(files, case):
    run(files)  # a first good import: the rejected one must not touch it either
    before = snapshot()
    key, spoil, expected = MALFORMED[case]
    spoil(files[key])
    with pytest.raises(LegislatorDataError) as raised:
        run(files)
    for part in expected:
        assert part in str(raised.value)
    assert snapshot() == before


def test_malformed_file_into_an_empty_database_stores_nothing(files):
    before = snapshot()
    _replace(files["membership"], "bioguide: W000817", "bioguide: Z999999")
    with pytest.raises(LegislatorDataError):
        run(files)
    assert snapshot() == before


def test_command_imports_and_reports(files, capsys):
    args = [f"--{key}={path}" for key, path in files.items()]
    call_command("import_legislators", *args)
    assert "Members and committees imported" in capsys.readouterr().out
    call_command("import_legislators", *args)
    out, err = capsys.readouterr()
    assert "nothing changed" in out
    assert err == ""  # not a TTY: no progress bar


def test_command_fails_with_the_message(files):
    _replace(files["legislators"], "bioguide: S001184", "thomas: 'x'")
    with pytest.raises(CommandError) as raised:
        call_command("import_legislators", *[f"--{k}={p}" for k, p in files.items()])
    assert "nothing was stored" in str(raised.value)
    assert "no bioguide id" in str(raised.value)
    assert Actor.objects.count() == 0
