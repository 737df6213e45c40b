"""Celery's ``autodiscover_tasks`` imports ``<app>.tasks``: the domain's tasks live in
their packages and are registered from here."""

from incidents.ingest.tasks import ingest_document_task as ingest_document_task
