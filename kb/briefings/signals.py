"""Receivers of briefings; each names its sender (``STYLE.md`` practice 14)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_migrate


def _published(sender: Any, instance: Any, **kwargs: Any) -> None:
    from kb.briefings.services import briefing_citations_publish

    briefing_citations_publish(page=instance.specific)


def _unpublished(sender: Any, instance: Any, **kwargs: Any) -> None:
    from kb.briefings.services import briefing_citations_withdraw

    briefing_citations_withdraw(page=instance.specific)


def _site(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from kb.briefings.site import briefing_site_ensure
    from kb.briefings.workflow import briefing_workflow_ensure

    briefing_site_ensure(using=using)
    briefing_workflow_ensure(using=using)


def _reference(sender: Any, **kwargs: Any) -> Any:
    from kb.briefings.reference import reference_briefing_load

    return reference_briefing_load(**kwargs)


def connect() -> None:
    from django.apps import apps
    from wagtail.signals import page_published, page_unpublished

    from kb.briefings.models import BriefingPage

    page_published.connect(_published, sender=BriefingPage, dispatch_uid="briefings.published")
    page_unpublished.connect(_unpublished, sender=BriefingPage,
                             dispatch_uid="briefings.unpublished")
    from incidents.models import Incident
    from incidents.signals import reference_data_loaded

    reference_data_loaded.connect(_reference, sender=Incident, dispatch_uid="briefings.ref")
    post_migrate.connect(_site, sender=apps.get_app_config("briefings"),
                         dispatch_uid="briefings.site")
