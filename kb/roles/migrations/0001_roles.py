"""The role groups of ``kb.roles.definitions`` with their permissions; reversed, the
groups are removed. Permissions are made first: on a fresh database Django makes them
only after all migrations (``post_migrate``)."""

from django.db import migrations

from kb.roles.setup import permissions_create, roles_ensure, roles_remove


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    permissions_create(apps, using)
    roles_ensure(apps, using)


def backwards(apps, schema_editor):
    roles_remove(apps, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("incidents", "0010_reserved_slugs"),
        ("kb_api", "0001_initial"),
        ("kb_audit", "0001_initial"),
        ("briefings", "0002_marked_choosers"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
