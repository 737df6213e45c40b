"""The Celery application.

Without ``KB_BROKER_URL`` tasks run eagerly (inline), which is the embedded default;
the configuration itself lives in ``kb/settings.py`` under the ``CELERY_`` namespace.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")

app = Celery("kb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
