"""Citations of figures by issued documents, and the fact-drift alerts they raise.

A document cites figures (``citation_add``); issuing it (a letter marked sent, a
briefing published) snapshots what it cited (``citations_issue``). When a record's shown
figures change, the service that changed them calls ``figures_drift_check``, which
compares them with the issued snapshots and records a ``FactAlert`` for each difference.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from incidents.figures import campaign_figures, figure, json_value
from incidents.models import (
    AlertStatus,
    FactAlert,
    FigureCitation,
    Letter,
    LetterStatus,
)
from incidents.provenance.consensus import statement_holds
from incidents.provenance.fields import field_spec
from incidents.visibility import strictest


def record_level(subject: models.Model) -> models.Model:
    """``subject`` with no reader's claims or children left on it by a page, an API call
    or an earlier figure (``accepted_claims``, ``visible_children``): a fresh copy if
    any are, so its figures are the record-level ones as the database holds them now."""
    if any(hasattr(subject, attr) for attr in ("accepted_claims", "visible_children")):
        return type(subject)._default_manager.get(pk=subject.pk)
    return subject


def shown_figure(*, subject: models.Model, field: str) -> tuple[Any, str]:
    """The value and detail (qualifier or precision) ``field`` of ``subject`` shows now,
    as JSON: what a document citing it would print. Clusters roll their children up."""
    return _shown(record_level(subject), field)


def _shown(subject: models.Model, field: str) -> tuple[Any, str]:
    if subject._meta.model_name == "campaign" and field in {"exchanges", "accounts"}:
        shown = campaign_figures(subject)[field]
    else:
        shown = figure(subject, field)
    return json_value(shown.value), shown.qualifier or ""


def _document_issued(document: models.Model) -> bool:

    if isinstance(document, Letter):
        return document.status == LetterStatus.SENT
    return bool(getattr(document, "live", False))  # Wagtail pages: published


def _stricter_marking(*records: models.Model) -> str:
    return strictest(*(getattr(r, "marking", "CLEAR") for r in records))


@transaction.atomic
def citation_add(*, document: models.Model, subject: models.Model, field: str) -> Any:
    """Record that ``document`` cites ``field`` of ``subject``. Idempotent.

    If the document is already issued the citation is issued at once with the value
    shown now. Returns the ``FigureCitation``.
    """
    try:
        field_spec(subject._meta.model_name or "", field)
    except KeyError as exc:
        raise ValidationError({"field": str(exc.args[0])}) from None
    citation, _ = FigureCitation.objects.get_or_create(
        document_type=ContentType.objects.get_for_model(document),
        document_id=document.pk,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        field=field,
        defaults={"marking": _stricter_marking(document, subject)},
    )
    if citation.issued_at is None and _document_issued(document):
        citation.value, citation.detail = shown_figure(subject=subject, field=field)
        citation.issued_at = timezone.now()
        citation.save(update_fields=["value", "detail", "issued_at", "updated_at"])
    return citation


@transaction.atomic
def citations_issue(*, document: models.Model, reissue: bool = False) -> int:
    """Snapshot the figures ``document`` cites, as it is issued. Returns how many.

    Idempotent: citations already issued keep their snapshot, unless ``reissue`` (a
    briefing published again, a corrected letter sent), which re-snapshots them and
    resolves their open alerts: the document now says the new value.
    """
    citations = FigureCitation.objects.filter(
        document_type=ContentType.objects.get_for_model(document), document_id=document.pk
    )
    if not reissue:
        citations = citations.filter(issued_at__isnull=True)
    now = timezone.now()
    count = 0
    for citation in citations.select_related("subject_type"):
        subject = citation.subject
        if subject is None:
            continue
        citation.value, citation.detail = shown_figure(subject=subject, field=citation.field)
        citation.issued_at = now
        citation.save(update_fields=["value", "detail", "issued_at", "updated_at"])
        FactAlert.objects.filter(citation=citation, status=AlertStatus.OPEN).update(
            status=AlertStatus.RESOLVED, updated_at=now
        )
        count += 1
    return count


def _alert_fingerprint(citation_id: int, value: Any, detail: str) -> str:
    payload = json.dumps([citation_id, value, detail], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


@transaction.atomic
def figures_drift_check(*, subject: models.Model) -> list[Any]:
    """Compare the figures of ``subject`` cited by issued documents with what it shows
    now; record a ``FactAlert`` for each difference. Returns the alerts created.

    Idempotent (one alert per citation and new value). A figure back at its cited value
    resolves the open alert; a further change supersedes it.
    """
    citations = list(FigureCitation.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        issued_at__isnull=False,
    ))
    created: list[FactAlert] = []
    now = timezone.now()
    subject = record_level(subject)
    for citation in citations:
        value, detail = _shown(subject, citation.field)
        open_alerts = FactAlert.objects.filter(citation=citation, status=AlertStatus.OPEN)
        if value == citation.value and detail == citation.detail:
            open_alerts.update(status=AlertStatus.RESOLVED, updated_at=now)
            continue
        kind = field_spec(subject._meta.model_name or "", citation.field).kind
        holds = value is not None and citation.value is not None and statement_holds(
            kind, citation.value, citation.detail, value, detail
        )
        alert, was_created = FactAlert.objects.get_or_create(
            fingerprint=_alert_fingerprint(citation.pk, value, detail),
            defaults={
                "citation": citation,
                "cited_value": citation.value,
                "cited_detail": citation.detail,
                "current_value": value,
                "current_detail": detail,
                "still_holds": holds,
                "marking": citation.marking,
            },
        )
        open_alerts.exclude(pk=alert.pk).update(status=AlertStatus.SUPERSEDED, updated_at=now)
        if was_created:
            created.append(alert)
    return created


@transaction.atomic
def alerts_acknowledge(*, alert_ids: list[int], user: Any, note: str = "") -> list[int]:
    """Mark open alerts as seen by ``user``. Compare-and-swap: only alerts still open
    change; returns their ids (an alert someone else acknowledged first is skipped)."""
    ids = list(
        FactAlert.objects.select_for_update()
        .filter(pk__in=alert_ids, status=AlertStatus.OPEN)
        .values_list("pk", flat=True)
    )
    FactAlert.objects.filter(pk__in=ids, status=AlertStatus.OPEN).update(
        status=AlertStatus.ACKNOWLEDGED, acknowledged_by=user,
        acknowledged_at=timezone.now(), note=note, updated_at=timezone.now(),
    )
    return sorted(ids)
