"""PostgreSQL only: pg_trgm, the GIN full-text index and the lexicon's trigram and
prefix indexes. On SQLite (where the PostgreSQL backend is unavailable) these are no-ops,
so the same migrations run on both databases."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("kb_search_entry_vector_gin",
     "CREATE INDEX IF NOT EXISTS kb_search_entry_vector_gin "
     "ON kb_search_entry USING gin (search_vector)"),
    ("kb_search_word_trgm",
     "CREATE INDEX IF NOT EXISTS kb_search_word_trgm "
     "ON kb_search_word USING gin (word gin_trgm_ops)"),
    ("kb_search_word_prefix",
     "CREATE INDEX IF NOT EXISTS kb_search_word_prefix "
     "ON kb_search_word (word varchar_pattern_ops)"),
    ("kb_search_entry_actor_names",
     "CREATE INDEX IF NOT EXISTS kb_search_entry_actor_names "
     "ON kb_search_entry USING gin (actor_names jsonb_path_ops)"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, sql in INDEXES:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("kb_search", "0001_initial"),
    ]

    operations = [
        # Django's extension operations already do nothing on other databases.
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
