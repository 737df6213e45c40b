"""Reviewing claims: accept or reject one or many, in one transaction, and bring the
shown figures, conflicts and fact-drift alerts up to date at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from wagtail.log_actions import log

from incidents.models import Claim, ClaimStatus
from incidents.services.claims import facts_refresh
from incidents.signals import claims_reviewed

DECISIONS = (ClaimStatus.ACCEPTED, ClaimStatus.REJECTED)
#: The log action of a review decision; ``data`` says from which status to which.
REVIEW_LOG_ACTION = "kb.claim.review"


class ReviewError(ValueError):
    """The review request itself is wrong (unknown decision); nothing was changed."""


@dataclass(frozen=True)
class ReviewResult:
    status: str
    reviewed: list[int]  # claims whose status this call changed
    skipped: list[int]  # not found, not visible to the reviewer, or no longer as expected
    changed: dict[str, list[str]] = field(default_factory=dict)  # subject → shown fields
    subjects: list[Model] = field(default_factory=list)  # records whose claims changed


@transaction.atomic
def claims_review(*, claim_ids: Iterable[int], status: str, user: Any,
                  expected_status: str = ClaimStatus.PENDING, note: str = "",
                  viewer: Any = None, reverts: int | None = None) -> ReviewResult:
    """Set ``status`` (accepted / rejected) on the claims ``claim_ids`` and record who did.

    Compare-and-swap: only claims the reviewer may see (TLP) and still in
    ``expected_status`` change (pending by default; pass ``accepted`` to reject a claim
    accepted earlier); the others are returned as ``skipped``, so two reviewers acting on
    the same claim never both succeed. In the same transaction the shown figures of every
    record concerned are refreshed (``facts_refresh``), which also records fact-drift
    alerts for cited figures; conflicts are computed from claims, so they follow at once.
    Idempotent: repeating a review skips everything and changes nothing. ``viewer``
    (default: ``user``) is whose clearance applies, e.g. the API token used.

    Each changed claim gets a log entry (``REVIEW_LOG_ACTION``: who, when, from which
    status to which). ``reverts`` is the id of the log entry a revert undoes
    (``kb.audit.revert``); only a revert may set a claim back to pending.
    """
    from incidents.provenance.selectors import claims_visible

    allowed = (*DECISIONS, ClaimStatus.PENDING) if reverts is not None else DECISIONS
    if status not in allowed:
        raise ReviewError(f"status must be one of {', '.join(DECISIONS)}, not {status!r}")
    wanted = sorted({int(pk) for pk in claim_ids})
    rows = list(
        claims_visible(viewer if viewer is not None else user)
        .select_for_update(of=("self",))
        .filter(pk__in=wanted, status=expected_status)
        .values_list("pk", "content_type_id", "object_id")
    )
    ids = sorted(pk for pk, _, _ in rows)
    now = timezone.now()
    real_user = user if getattr(user, "is_authenticated", False) else None
    pending = status == ClaimStatus.PENDING
    update: dict[str, Any] = {"status": status, "updated_at": now,
                              "reviewed_by": None if pending else real_user,
                              "reviewed_at": None if pending else now}
    if note:
        from django.db.models import F, Value
        from django.db.models.functions import Concat

        update["note"] = Concat(F("note"), Value(f"\n[{status}] {note}"))
    updated = Claim.objects.filter(pk__in=ids, status=expected_status).update(**update)
    if updated != len(ids):  # cannot happen under the row locks; never half-apply
        raise RuntimeError("claims changed during review; nothing was applied")
    if ids:
        data: dict[str, Any] = {"from": expected_status, "to": status}
        if note:
            data["note"] = note
        if reverts is not None:
            data["reverts"] = reverts
        for claim in Claim.objects.filter(pk__in=ids).order_by("pk"):
            log(claim, REVIEW_LOG_ACTION, user=real_user, data=data)
        claims_reviewed.send(sender=Claim, ids=ids)
    subjects = _subjects({(ct, obj) for _, ct, obj in rows})
    changed: dict[str, list[str]] = {}
    for subject in subjects:
        fields = facts_refresh(subject=subject)
        if fields:
            key = f"{subject._meta.model_name}:{getattr(subject, 'slug', None) or subject.pk}"
            changed[key] = fields
    return ReviewResult(
        status=status,
        reviewed=ids,
        skipped=[pk for pk in wanted if pk not in set(ids)],
        changed=changed,
        subjects=subjects,
    )


def claim_accept(*, claim: Claim, user: Any, note: str = "") -> ReviewResult:
    """Accept one claim, if it is still in the status the caller saw (``claim.status``)."""
    return claims_review(claim_ids=[claim.pk], status=ClaimStatus.ACCEPTED, user=user,
                         expected_status=claim.status, note=note)


def claim_reject(*, claim: Claim, user: Any, note: str = "") -> ReviewResult:
    """Reject one claim, if it is still in the status the caller saw (``claim.status``)."""
    return claims_review(claim_ids=[claim.pk], status=ClaimStatus.REJECTED, user=user,
                         expected_status=claim.status, note=note)


def _subjects(pairs: set[tuple[int, int]]) -> list[Model]:
    """The records behind (content type id, object id) pairs, one query per type."""
    by_type: dict[int, set[int]] = {}
    for content_type_id, object_id in pairs:
        by_type.setdefault(content_type_id, set()).add(object_id)
    records: list[Model] = []
    for content_type_id in sorted(by_type):
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        records.extend(
            model._default_manager.filter(Q(pk__in=by_type[content_type_id])).order_by("pk")
        )
    return records
