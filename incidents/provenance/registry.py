"""The one registry of models that carry claims, read off ``fields.FIELDS``.

Everything that needs "the models a claim can be about" (visibility of claims, the
API's subject references, search's claim documents, the admin's subject chooser) asks
here, so a model that gains claim fields is known everywhere at once.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Model

from incidents.provenance.fields import FIELDS

APP_LABEL = "incidents"


def claim_subject_names() -> list[str]:
    """Model names (lower case) of the models claims can be about."""
    return list(FIELDS)


def claim_subject_models() -> list[type[Model]]:
    """The models claims can be about, in registry order."""
    return [apps.get_model(APP_LABEL, name) for name in FIELDS]


def claim_subject_model(name: str) -> type[Model] | None:
    """The model called ``name`` if claims can be about it, else ``None``."""
    return apps.get_model(APP_LABEL, name) if name in FIELDS else None
