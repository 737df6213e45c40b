"""Tables of the PostgreSQL search backend (derived data: ``search_index rebuild``
recreates their rows from the domain tables).

The tables exist on SQLite too, so one set of migrations serves both databases; the
full-text and trigram indexes, and the backend itself, are PostgreSQL only.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchEntry(models.Model):
    """One searchable record: the columns facets and filters read, and a weighted
    ``tsvector`` (A title, B actors, C body) kept by ``backends.postgres``."""

    key = models.CharField(max_length=120, unique=True)
    # The key of the entry a hit is listed under (a claim's subject; its own key mostly).
    group_key = models.CharField(max_length=120, blank=True, db_index=True)
    source = models.CharField(max_length=32)
    doc_type = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    slug = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=1000, blank=True)
    title = models.TextField()
    body = models.TextField(blank=True)
    actor_text = models.TextField(blank=True)
    actor_names = models.JSONField(default=list, blank=True)
    region = models.CharField(max_length=100, blank=True)
    lens = models.CharField(max_length=200, blank=True)
    year = models.IntegerField(null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    marking = models.CharField(max_length=16)
    boost = models.FloatField(default=1.0)
    content_hash = models.CharField(max_length=64)
    search_vector = SearchVectorField(null=True, blank=True)

    class Meta:
        db_table = "kb_search_entry"
        indexes = [models.Index(fields=["marking", "doc_type"], name="kb_search_entry_mark_type")]
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return self.key


class SearchWord(models.Model):
    """The lexicon (lower-case, unstemmed words of every entry) that typo tolerance and
    prefix queries look words up in, through pg_trgm. Never shrinks between rebuilds:
    a word no entry holds any more simply matches nothing."""

    word = models.CharField(max_length=100, primary_key=True)

    class Meta:
        db_table = "kb_search_word"

    def __str__(self) -> str:
        return self.word


class SearchIndexState(models.Model):
    """When the PostgreSQL index was last built, and with which schema version."""

    backend = models.CharField(max_length=16, primary_key=True)
    schema_version = models.IntegerField()
    built_at = models.DateTimeField()
    documents = models.IntegerField(default=0)

    class Meta:
        db_table = "kb_search_state"

    def __str__(self) -> str:
        return f"{self.backend} v{self.schema_version} ({self.built_at:%Y-%m-%d %H:%M})"
