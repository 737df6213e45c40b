"""The roles' groups: made by the migration (the test database ran it) with exactly the
permissions of ``kb.roles.definitions``, removed by reversing it, remade when missing
after a flush; and ``manage.py assign_role``."""

from __future__ import annotations

import importlib
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from wagtail.models import GroupPagePermission

from kb.roles.definitions import ADMIN_ACCESS, PAGE_PERMISSIONS, ROLES
from kb.roles.setup import roles_after_migrate, roles_ensure
from tests import factories as f

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("kb.roles.migrations.0001_roles")
#: Wagtail's own migrations give every group with admin access these (choosers).
CHOOSERS = {"wagtailimages.choose_image", "wagtaildocs.choose_document"}


def held(group: Group) -> set[str]:
    return {f"{app}.{codename}" for app, codename in
            group.permissions.values_list("content_type__app_label", "codename")}


@pytest.mark.parametrize("name", list(ROLES))
def test_the_migration_made_each_role_with_exactly_its_permissions(name):
    group = Group.objects.get(name=name)
    extra = held(group) - set(ROLES[name])
    assert set(ROLES[name]) <= held(group)
    assert extra <= CHOOSERS
    assert (ADMIN_ACCESS in held(group)) == (name != "Viewer")


def test_no_role_holds_another_roles_powers():
    analyst, policy, admin = (held(Group.objects.get(name=n)) for n in
                              ("Analyst", "Policy editor", "Administrator"))
    assert not {p for p in analyst if p.endswith("_letter") or p.startswith("auth.")}
    assert "incidents.change_claim" not in policy and "incidents.change_incident" not in policy
    assert not {p for p in policy if p.startswith(("auth.", "kb_api."))}
    assert not {p for p in admin if p.startswith("incidents.") and not p.endswith(
        "_clearance")}


def test_the_policy_editor_has_its_page_permissions_on_the_briefing_index():
    rows = GroupPagePermission.objects.filter(group__name="Policy editor")
    assert {r.permission.codename for r in rows} == set(PAGE_PERMISSIONS["Policy editor"])
    assert {r.page.specific_class.__name__ for r in rows} == {"BriefingIndexPage"}


def test_reversing_removes_the_groups_and_applying_again_restores_them():
    editor = GroupPagePermission.objects.filter(group__name="Policy editor").count()
    schema_editor = SimpleNamespace(connection=connection)
    MIGRATION.backwards(apps, schema_editor)
    assert not Group.objects.filter(name__in=list(ROLES)).exists()
    assert Group.objects.filter(name="Moderators").exists()  # other groups stay
    MIGRATION.forwards(apps, schema_editor)
    roles_ensure(apps)  # idempotent
    assert Group.objects.filter(name__in=list(ROLES)).count() == len(ROLES)
    assert GroupPagePermission.objects.filter(group__name="Policy editor").count() == editor


def test_after_a_flush_missing_groups_are_made_again_and_changes_are_kept():
    Group.objects.filter(name="Analyst").delete()
    viewer = Group.objects.get(name="Viewer")
    viewer.permissions.clear()  # an administrator's choice
    roles_after_migrate(sender=None)
    assert set(ROLES["Analyst"]) <= held(Group.objects.get(name="Analyst"))
    assert held(viewer) == set()


def test_assign_role_adds_and_removes(db):
    user = f.UserFactory(username="carol")
    out = StringIO()
    call_command("assign_role", "carol", "policy-editor", stdout=out)
    assert list(user.groups.values_list("name", flat=True)) == ["Policy editor"]
    assert "carol has the role Policy editor" in out.getvalue()
    call_command("assign_role", "carol", "Policy editor", "--remove", stdout=out)
    assert not user.groups.exists()


@pytest.mark.parametrize(("username", "role", "message"), [
    ("nobody", "analyst", "No user 'nobody'"),
    ("carol", "superhero", "Unknown role 'superhero'"),
])
def test_assign_role_refuses_an_unknown_user_or_role(db, username, role, message):
    f.UserFactory(username="carol")
    with pytest.raises(CommandError, match=message) as error:
        call_command("assign_role", username, role)
    assert error.value.returncode == 1  # manage.py exits with it
