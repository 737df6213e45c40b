"""Project package: settings, URLs, the Celery app and the site-wide parts (api, search, ...)."""

from kb.celery import app as celery_app

__all__ = ["celery_app"]
