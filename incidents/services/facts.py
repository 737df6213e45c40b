"""Claims and the shown values they back."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from incidents.models import Claim, ClaimStatus, Source
from incidents.provenance.consensus import consensus
from incidents.provenance.fields import FIELDS, field_spec


def claim_fingerprint(*, subject: models.Model, field: str, source: Source, value: Any,
                      qualifier: str) -> str:
    """Natural key of a claim: the same source saying the same thing about the same field."""
    payload = json.dumps(
        [subject._meta.label_lower, subject.pk, field, source.key, value, qualifier],
        sort_keys=True, default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@transaction.atomic
def claim_upsert(
    *,
    subject: models.Model,
    field: str,
    value: Any,
    source: Source,
    qualifier: str = "exact",
    precision: str = "",
    quote: str = "",
    credibility: int = 6,
    kind: str = "fact",
    status: str = ClaimStatus.PENDING,
    marking: str | None = None,
    refresh: bool = True,
) -> tuple[Claim, bool]:
    """Create the claim or leave the existing one with the same fingerprint untouched.

    Idempotent. Returns ``(claim, created)``. Validates the field against the subject's
    registry and the value against its kind. Refreshes the subject's shown values when
    an accepted claim is created.
    """
    model_name = subject._meta.model_name or ""
    try:
        spec = field_spec(model_name, field)
    except KeyError as exc:
        raise ValidationError({"field": str(exc.args[0])}) from None
    _check_value(spec.kind, value)
    fingerprint = claim_fingerprint(
        subject=subject, field=field, source=source, value=value, qualifier=qualifier
    )
    existing = Claim.objects.filter(fingerprint=fingerprint).first()
    if existing is not None:
        return existing, False
    claim = Claim(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        field=field,
        value=value,
        qualifier=qualifier,
        precision=precision,
        source=source,
        quote=quote,
        credibility=credibility,
        kind=kind,
        status=status,
        fingerprint=fingerprint,
        marking=marking or source.marking,
    )
    claim.full_clean()
    claim.save()
    if refresh and status == ClaimStatus.ACCEPTED:
        facts_refresh(subject=subject)
    return claim, True


def _check_value(kind: str, value: Any) -> None:
    import datetime as dt

    if kind == "ratio" and isinstance(value, dict):
        if not isinstance(value.get("of"), str) or not _is_number(value.get("ratio")):
            raise ValidationError(
                {"value": 'A ratio is {"of": "<campaign slug>", "ratio": <number>}.'}
            )
        value = value["ratio"]
    if kind in {"count", "number", "ratio"}:
        if not _is_number(value):
            raise ValidationError({"value": f"Expected a number, got {value!r}."})
        if kind != "number" and value < 0:
            raise ValidationError({"value": "A count or ratio cannot be negative."})
    elif kind == "date":
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(
                {"value": f"Expected an ISO date (YYYY-MM-DD), got {value!r}."}
            ) from None
    elif kind == "set" and (
        not isinstance(value, list) or not all(isinstance(v, str) for v in value)
    ):
        raise ValidationError({"value": "Expected a list of slugs."})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@transaction.atomic
def facts_refresh(*, subject: models.Model) -> list[str]:
    """Write the consensus of accepted claims into ``subject``'s shown-value fields.

    Transactional and idempotent; returns the names of the fields that changed. Fields
    without accepted claims keep the value entered by hand.
    """
    import datetime as dt
    from decimal import Decimal

    specs = FIELDS.get(subject._meta.model_name or "", {})
    claims = list(
        Claim.objects.filter(
            content_type=ContentType.objects.get_for_model(subject),
            object_id=subject.pk,
            status=ClaimStatus.ACCEPTED,
        ).select_related("source")
    )
    changed: list[str] = []
    for name, spec in specs.items():
        if not spec.value_attr:
            continue
        result = consensus(spec.kind, [c for c in claims if c.field == name])
        if result is None:
            continue
        value: Any = result.value
        if spec.kind == "date":
            value = dt.date.fromisoformat(str(value))
        elif spec.kind == "number" and isinstance(
            subject._meta.get_field(spec.value_attr), models.DecimalField
        ):
            value = Decimal(str(value))
        detail = result.precision if spec.kind == "date" else result.qualifier
        if getattr(subject, spec.value_attr) != value:
            setattr(subject, spec.value_attr, value)
            changed.append(spec.value_attr)
        if spec.detail_attr and detail and getattr(subject, spec.detail_attr) != detail:
            setattr(subject, spec.detail_attr, detail)
            changed.append(spec.detail_attr)
    if changed:
        subject.save(update_fields=[*changed, "updated_at"])
    return changed


# -- citations and fact drift -------------------------------------------------------------
#
# A document cites figures (``citation_add``); issuing it (a letter marked sent, a
# briefing published) snapshots what it cited (``citations_issue``). Whenever a record
# with figures is saved — by ``facts_refresh`` or by hand — ``figure_saved`` compares the
# shown values with the issued snapshots and records a ``FactAlert`` for each difference.


def _json_value(value: Any) -> Any:
    """A shown value as JSON, the same way for snapshots and comparisons."""
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def shown_figure(*, subject: models.Model, field: str) -> tuple[Any, str]:
    """The value and detail (qualifier or precision) ``field`` of ``subject`` shows now,
    as JSON: what a document citing it would print. Clusters roll their children up."""
    from incidents.figures import campaign_figures, figure

    if subject._meta.model_name == "campaign" and field in {"exchanges", "accounts"}:
        shown = campaign_figures(subject)[field]
    else:
        shown = figure(subject, field)
    return _json_value(shown.value), shown.qualifier or ""


def _document_issued(document: models.Model) -> bool:
    from incidents.models import Letter, LetterStatus

    if isinstance(document, Letter):
        return document.status == LetterStatus.SENT
    return bool(getattr(document, "live", False))  # Wagtail pages: published


def _stricter_marking(*records: models.Model) -> str:
    from incidents.models import MARKING_ORDER, Marking

    markings = [getattr(r, "marking", Marking.CLEAR) for r in records]
    return max(markings, key=MARKING_ORDER.index)


@transaction.atomic
def citation_add(*, document: models.Model, subject: models.Model, field: str) -> Any:
    """Record that ``document`` cites ``field`` of ``subject``. Idempotent.

    If the document is already issued the citation is issued at once with the value
    shown now. Returns the ``FigureCitation``.
    """
    from django.utils import timezone

    from incidents.models import FigureCitation

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
    from django.utils import timezone

    from incidents.models import AlertStatus, FactAlert, FigureCitation

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
    from django.utils import timezone

    from incidents.models import AlertStatus, FactAlert, FigureCitation
    from incidents.provenance.consensus import statement_holds

    citations = list(FigureCitation.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        issued_at__isnull=False,
    ))
    created: list[FactAlert] = []
    now = timezone.now()
    for citation in citations:
        value, detail = shown_figure(subject=subject, field=citation.field)
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
    from django.utils import timezone

    from incidents.models import AlertStatus, FactAlert

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


def document_saved(*, document: models.Model) -> None:
    """Receiver body: a document that is now issued snapshots its pending citations."""
    from incidents.models import FigureCitation

    if not _document_issued(document) or isinstance(document, FigureCitation):
        return
    citations_issue(document=document)


def figure_saved(*, subject: models.Model, update_fields: Any = None) -> None:
    """Receiver body: a record with figures was saved; check citations of its figures
    (and of its cluster's, whose figures may roll its own up)."""
    specs = FIELDS.get(subject._meta.model_name or "")
    if not specs:
        return
    if update_fields is not None:
        watched = {s.value_attr for s in specs.values()} | {s.detail_attr for s in specs.values()}
        if not watched & set(update_fields):
            return
    figures_drift_check(subject=subject)
    parent = getattr(subject, "parent", None) if subject._meta.model_name == "campaign" else None
    if parent is not None:
        figures_drift_check(subject=parent)
