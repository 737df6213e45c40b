"""Making the role groups of ``kb.roles.definitions``: by the migration
``kb_roles.0001_roles`` (historical models), and after every later ``migrate`` or flush
(``post_migrate``) for what is missing.

The migration gives each role all its permissions, and the policy editor's page
permissions on the briefing index when there is one. On a fresh database the index is
made after the migrations (``kb.briefings.site``, ``post_migrate``), and a test's flush
deletes every group: so after each ``migrate`` and flush, a role group that is missing is
made again with its permissions, and a role without any page permission gets its own on
the index. Nothing an administrator changed on an existing group is undone; nothing is
made once the migration is unapplied (``migrate kb_roles zero`` removes the groups).
"""

from __future__ import annotations

from typing import Any

from django.db import connections, transaction

from kb.roles.definitions import PAGE_PERMISSIONS, ROLES

MIGRATION = ("kb_roles", "0001_roles")
_TABLES = {"auth_group", "auth_permission", "django_content_type", "wagtailcore_page",
           "wagtailcore_grouppagepermission", "briefings_briefingindexpage"}


def permissions_create(apps: Any, using: str) -> None:
    """Django's permissions of every app (as ``post_migrate`` makes them; during
    migrations on a fresh database they do not exist yet). The app configs of a
    migration's state have no models module, which ``create_permissions`` skips."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            if stub:
                app_config.models_module = None


def permission_rows(apps: Any, using: str, names: list[str]) -> list[Any]:
    """The ``auth.Permission`` rows of ``names`` (``app_label.codename``, the model
    after the first ``_``), made when missing (Wagtail's publish and lock permissions
    of snippets are made by its own ``post_migrate``, after the migrations)."""
    permission_model = apps.get_model("auth", "Permission")
    content_type_model = apps.get_model("contenttypes", "ContentType")
    rows = []
    for name in names:
        app_label, codename = name.split(".", 1)
        action, model_name = codename.split("_", 1)
        model = apps.get_model(app_label, model_name)  # LookupError: a wrong definition
        content_type, _ = content_type_model.objects.using(using).get_or_create(
            app_label=model._meta.app_label, model=model._meta.model_name)
        row, _ = permission_model.objects.using(using).get_or_create(
            content_type=content_type, codename=codename,
            defaults={"name": f"Can {action} {model._meta.verbose_name_raw}"})
        rows.append(row)
    return rows


def roles_ensure(apps: Any, using: str = "default", *, missing_only: bool = False) -> list[str]:
    """Make the role groups and give them their permissions; returns the names of the
    groups made. ``missing_only``: leave an existing group's model permissions alone
    and add page permissions only to a role that has none."""
    group_model = apps.get_model("auth", "Group")
    page_permission_model = apps.get_model("wagtailcore", "GroupPagePermission")
    index = (apps.get_model("briefings", "BriefingIndexPage").objects.using(using)
             .order_by("pk").first())
    made = []
    with transaction.atomic(using=using):
        for role, names in ROLES.items():
            group, created = group_model.objects.using(using).get_or_create(name=role)
            if created:
                made.append(role)
            if created or not missing_only:
                group.permissions.add(*permission_rows(apps, using, names))
            codenames = PAGE_PERMISSIONS.get(role)
            if not codenames or index is None:
                continue
            page_rows = page_permission_model.objects.using(using).filter(group=group)
            if missing_only and page_rows.exists():
                continue
            for row in permission_rows(apps, using, [f"wagtailcore.{c}" for c in codenames]):
                page_permission_model.objects.using(using).get_or_create(
                    group=group, page_id=index.pk, permission=row)
    return made


def roles_remove(apps: Any, using: str = "default") -> None:
    """Delete the role groups (their page permissions go with them)."""
    apps.get_model("auth", "Group").objects.using(using).filter(name__in=list(ROLES)).delete()


def roles_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """``post_migrate``: the role groups that are missing, once the migration is applied."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if not set(connection.introspection.table_names()) >= _TABLES:
        return
    if MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    ContentType.objects.clear_cache()  # after a flush it holds deleted rows
    roles_ensure(apps, using, missing_only=True)
