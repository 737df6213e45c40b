"""Claims and the shown values they back: creating claims, and writing the consensus of
accepted claims into the records' stored figure fields (``facts_refresh``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from incidents.models import Campaign, Claim, ClaimStatus, Source
from incidents.models.validation import claim_value_check
from incidents.provenance.consensus import consensus
from incidents.provenance.fields import FIELDS, field_spec
from incidents.services.citations import figures_drift_check
from incidents.services.timeline import derived_events_refresh
from incidents.visibility import markings_up_to, strictest


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
    quote_span: tuple[int, int] | None = None,
    credibility: int = 6,
    kind: str = "fact",
    status: str = ClaimStatus.PENDING,
    marking: str | None = None,
    refresh: bool = True,
) -> tuple[Claim, bool]:
    """Create the claim or leave the existing one with the same fingerprint untouched.

    Idempotent. Returns ``(claim, created)``. Validates the field against the subject's
    registry and the value against its kind (the same rules as ``Claim.clean``, so the
    API and the admin agree) before storing anything. The claim's marking is the
    strictest of ``marking`` and its source's: a claim is never less restricted than the
    source it rests on. Refreshes the subject's shown values when an accepted claim is
    created.
    """
    model_name = subject._meta.model_name or ""
    try:
        spec = field_spec(model_name, field)
    except KeyError as exc:
        raise ValidationError({"field": str(exc.args[0])}) from None
    value = _check_value(spec.kind, value)
    # Never less restricted than the source it rests on: the strictest of the two.
    marking = strictest(marking or source.marking, source.marking)
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
        quote_start=quote_span[0] if quote_span else None,
        quote_end=quote_span[1] if quote_span else None,
        credibility=credibility,
        kind=kind,
        status=status,
        fingerprint=fingerprint,
        marking=marking,
    )
    claim.full_clean()
    claim.save()
    if refresh and status == ClaimStatus.ACCEPTED:
        facts_refresh(subject=subject)
    return claim, True


def _check_value(kind: str, value: Any) -> Any:
    """The value as it will be stored, or ``ValidationError`` on ``value``: the rules of
    ``Claim.clean`` (``incidents.models.validation.claim_value_check``), checked before
    anything is looked up or stored."""
    return claim_value_check(kind, value)


@transaction.atomic
def facts_refresh(*, subject: models.Model) -> list[str]:
    """Write the consensus of accepted claims into ``subject``'s stored figure fields.

    Only claims no more restricted than the subject itself (claim and source marking)
    count, so the stored value, used for sorting and lists, never rests on a claim a
    reader of the record may not see; readers cleared higher get the figure recomputed
    from the claims they may see (``incidents.figures``). A nullable figure without such
    claims becomes unknown: figures are never typed in.

    Transactional and idempotent; returns the names of the fields that changed. Then
    brings what follows from the figures up to date: events derived from the record,
    and fact-drift alerts of documents citing them (its cluster's too).
    """
    specs = FIELDS.get(subject._meta.model_name or "", {})
    allowed = markings_up_to(getattr(subject, "marking", "RED"))
    claims = list(
        Claim.objects.filter(
            content_type=ContentType.objects.get_for_model(subject),
            object_id=subject.pk,
            status=ClaimStatus.ACCEPTED,
            marking__in=allowed,
            source__marking__in=allowed,
        ).select_related("source")
    )
    changed: list[str] = []
    for name, spec in specs.items():
        if not spec.value_attr:
            continue
        result = consensus(spec.kind, [c for c in claims if c.field == name])
        model_field = subject._meta.get_field(spec.value_attr)
        if result is None:
            if model_field.null and getattr(subject, spec.value_attr) is not None:
                setattr(subject, spec.value_attr, None)
                changed.append(spec.value_attr)
            continue
        value: Any = result.value
        if spec.kind == "date":
            value = dt.date.fromisoformat(str(value))
        elif isinstance(model_field, models.DecimalField):
            value = Decimal(str(value))
        elif spec.kind == "count":
            value = int(value)
        detail = result.precision if spec.kind == "date" else result.qualifier
        if getattr(subject, spec.value_attr) != value:
            setattr(subject, spec.value_attr, value)
            changed.append(spec.value_attr)
        if spec.detail_attr and detail and getattr(subject, spec.detail_attr) != detail:
            setattr(subject, spec.detail_attr, detail)
            changed.append(spec.detail_attr)
    if changed:
        subject.save(update_fields=[*changed, "updated_at"])
        figures_changed(subject=subject)
    return changed


def figures_changed(*, subject: models.Model) -> None:
    """What follows from a change of ``subject``'s shown figures: its derived events
    (a campaign's period) and the fact-drift alerts of documents citing it or its
    cluster (whose figures may roll its own up)."""
    if isinstance(subject, Campaign):
        derived_events_refresh(obj=subject)
    figures_drift_check(subject=subject)
    parent = getattr(subject, "parent", None) if isinstance(subject, Campaign) else None
    if parent is not None:
        figures_drift_check(subject=parent)
