"""Reads for provenance shared by the review queue, the API and the incident pages:
claims to review, conflicts, derived-statement checks and fact-drift alerts.

Every selector applies TLP visibility for ``viewer`` (claims, their sources and their
subjects) and loads what it returns in a fixed number of queries, however many rows.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Model, Prefetch, Q, QuerySet

from incidents.figures import Figure, campaign_figures
from incidents.models import (
    Actor,
    Campaign,
    Claim,
    ClaimStatus,
    Event,
    FactAlert,
    Incident,
    Letter,
)
from incidents.provenance.conflicts import Conflict, subject_conflicts
from incidents.provenance.consensus import consensus, values_agree
from incidents.provenance.derived import DerivedCheck, Input, check, requirements
from incidents.provenance.evidence import quote_found
from incidents.provenance.fields import FIELDS
from incidents.provenance.registry import claim_subject_models
from incidents.selectors import accepted_claims_prefetch, visible
from incidents.visibility import ORDER, RESTRICTED, clearance_for

# -- subjects ------------


def subject_models() -> dict[str, type[Model]]:
    """Models whose records carry claims, by model name (``provenance.registry``)."""
    return {model._meta.model_name or "": model for model in claim_subject_models()}


def subject_key(obj: Model) -> str:
    """Stable, readable key of a record with claims: ``campaign:alibaba-qwen``."""
    slug = getattr(obj, "slug", None)
    return f"{obj._meta.model_name}:{slug or obj.pk}"


def figure_campaigns(viewer: Any) -> QuerySet[Campaign]:
    """Visible campaigns with just what ``incidents.figures.campaign_figures`` reads:
    accepted claims, and visible children with theirs (for rolled-up figures)."""
    children = visible(Campaign.objects.all(), viewer).prefetch_related(
        accepted_claims_prefetch(viewer)
    )
    return visible(Campaign.objects.all(), viewer).prefetch_related(
        Prefetch("children", queryset=children, to_attr="visible_children"),
        accepted_claims_prefetch(viewer),
    )


def _subject_querysets(viewer: Any) -> list[QuerySet]:
    """Visible records of every subject model; campaigns with what figures need."""
    querysets: list[QuerySet] = []
    for name, model in subject_models().items():
        if name == "campaign":
            querysets.append(figure_campaigns(viewer))
        else:
            querysets.append(visible(model._default_manager.all(), viewer))
    return querysets


def incident_claims_q(incident: Incident, viewer: Any = None, *,
                      as_viewer: bool = False) -> Q:
    """Claims about ``incident``: on it, its campaigns (and their children), and the
    letters and events tied to it. ``as_viewer``: a child campaign counts only through a
    parent ``viewer`` may see (a GREEN part of a RED cluster is not tied to the incident
    by a hidden record)."""
    def on(model: type[Model], ids: QuerySet) -> Q:
        return Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)

    parents: QuerySet[Campaign] = Campaign.objects.all()
    if as_viewer:
        parents = visible(parents, viewer)
    campaigns = Campaign.objects.filter(
        Q(incident=incident) | Q(parent__incident=incident, parent__in=parents.values("pk"))
    ).values("pk")
    return (
        on(Incident, Incident.objects.filter(pk=incident.pk).values("pk"))
        | on(Campaign, campaigns)
        | on(Letter, Letter.objects.filter(incidents=incident).values("pk"))
        | on(Event, Event.objects.filter(incidents=incident).values("pk"))
    )


def subject_claims_q(subject: Model) -> Q:
    return Q(content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk)


def claims_visible(viewer: Any) -> QuerySet[Claim]:
    """Claims the viewer may see (the claim, its source and its subject, by
    ``incidents.visibility``), with source."""
    claims: Any = Claim.objects.all()
    return claims.visible_to(viewer).select_related("source", "content_type", "reviewed_by")


# -- naming what a claim refers to ------------

#: Claim fields whose values name other records: (subject model, field) → (model named,
#: where: "members" for a set of slugs, "of" for a ratio's ``{"of": slug}``).
REFERENCES: dict[tuple[str, str], tuple[type[Model], str]] = {
    ("campaign", "operators"): (Actor, "members"),
    ("campaign", "exchanges_ratio"): (Campaign, "of"),
}

Redactor = Callable[[Claim], Claim]


def claim_redactor(*, viewer: Any, claims: Iterable[Claim]) -> Redactor:
    """A function giving each of ``claims`` as ``viewer`` may read it: a claim whose
    value names a record the viewer may not see (an operator, the campaign a ratio is
    "of") comes back as a copy naming ``visibility.RESTRICTED`` in its place (one marker
    for a set, however many were hidden); other claims come back as they are. The same
    claim always gives the same object. One query per kind of record named."""
    if clearance_for(viewer) == ORDER[-1]:
        return lambda claim: claim  # nothing is hidden at TLP:RED
    claims = list(claims)
    named: dict[type[Model], set[str]] = {}
    for claim in claims:
        ref = REFERENCES.get((claim.content_type.model, claim.field))
        if ref is not None:
            named.setdefault(ref[0], set()).update(_slugs(claim.value, ref[1]))
    seen: dict[type[Model], set[str]] = {
        model: set(visible(model._default_manager.all(), viewer)
                   .filter(slug__in=slugs).values_list("slug", flat=True))
        for model, slugs in named.items() if slugs
    }
    done: dict[int, Claim] = {}

    def redact(claim: Claim) -> Claim:
        if id(claim) in done:
            return done[id(claim)]
        result = claim
        ref = REFERENCES.get((claim.content_type.model, claim.field))
        if ref is not None:
            model, where = ref
            value = _redacted(claim.value, where, seen.get(model, set()))
            if value != claim.value:
                result = copy.copy(claim)
                result.value = value
        done[id(claim)] = result
        return result

    return redact


def _slugs(value: Any, where: str) -> set[str]:
    if where == "members" and isinstance(value, list):
        return {v for v in value if isinstance(v, str)}
    if where == "of" and isinstance(value, dict) and isinstance(value.get("of"), str):
        return {value["of"]}
    return set()


def _redacted(value: Any, where: str, seen: set[str]) -> Any:
    if where == "members" and isinstance(value, list):
        shown = [v for v in value if not isinstance(v, str) or v in seen]
        return shown + [RESTRICTED] if len(shown) < len(value) else value
    if where == "of" and isinstance(value, dict) and isinstance(value.get("of"), str) \
            and value["of"] not in seen:
        return {**value, "of": RESTRICTED}
    return value


# -- review queue ------------


def claim_queue(*, viewer: Any, status: str | None = ClaimStatus.PENDING,
                incident: Incident | None = None, field: str | None = None,
                source_key: str | None = None) -> QuerySet[Claim]:
    """Claims to review (pending by default), filtered by incident, field and source,
    with their sources and subjects loaded (a fixed number of queries per page)."""
    claims = claims_visible(viewer)
    if status:
        claims = claims.filter(status=status)
    if incident is not None:
        claims = claims.filter(incident_claims_q(incident))
    if field:
        claims = claims.filter(field=field)
    if source_key:
        claims = claims.filter(source__key=source_key)
    return claims.prefetch_related(
        GenericPrefetch("subject", _subject_querysets(viewer))
    ).order_by("created_at", "id")


@dataclass(frozen=True)
class Assessment:
    """What accepting a claim would mean, shown next to it in the review queue."""

    verdict: str  # agrees | disagrees | new | consistent | within_uncertainty | …
    label: str
    consensus_value: Any = None
    consensus_detail: str = ""
    check: DerivedCheck | None = None
    quote_found: bool | None = None  # None: the source keeps no text to check against


def claim_assessments(*, viewer: Any, claims: Sequence[Claim]) -> dict[int, Assessment]:
    """For each claim (typically a page of the queue): does it agree with the consensus
    of accepted claims on its field, or with the arithmetic if it is derived, and is its
    quote in its source's text? Two queries, however many claims."""
    pairs = {(c.content_type_id, c.object_id) for c in claims}
    accepted: dict[tuple[int, int, str], list[Claim]] = {}
    if pairs:
        rows = claims_visible(viewer).filter(
            status=ClaimStatus.ACCEPTED,
            content_type_id__in={p[0] for p in pairs},
            object_id__in={p[1] for p in pairs},
        )
        for row in rows:
            if (row.content_type_id, row.object_id) in pairs:
                accepted.setdefault((row.content_type_id, row.object_id, row.field),
                                    []).append(row)
    checks = derived_checks(viewer=viewer, claims=claims)
    result: dict[int, Assessment] = {}
    for claim in claims:
        found = quote_found(claim.source.text, claim.quote)
        if claim.pk in checks:
            verdict = checks[claim.pk]
            result[claim.pk] = Assessment(verdict.verdict.value, verdict.verdict.label,
                                          check=verdict, quote_found=found)
            continue
        spec = FIELDS.get(claim.content_type.model, {}).get(claim.field)
        others = [c for c in accepted.get((claim.content_type_id, claim.object_id, claim.field),
                                          []) if c.pk != claim.pk]
        current = consensus(spec.kind, others) if spec and others else None
        if spec is None or current is None:
            result[claim.pk] = Assessment("new", "no accepted claim on this field yet",
                                          quote_found=found)
            continue
        agrees = all(values_agree(spec.kind, claim, c) for c in current.supporting)
        detail = current.precision if spec.kind == "date" else current.qualifier
        result[claim.pk] = Assessment(
            "agrees" if agrees else "disagrees",
            "agrees with the consensus" if agrees else "would conflict with the consensus",
            current.value, detail, quote_found=found,
        )
    return result


# -- derived statements ------------


def _input(name: str, campaign: Campaign, shown: Figure) -> Input | None:
    if not shown.known:
        return None
    value = shown.value.isoformat() if hasattr(shown.value, "isoformat") else shown.value
    return Input(
        name=name,
        kind="date" if shown.field.endswith("_date") else "count",
        value=value,
        detail=shown.qualifier,
        label=f"{campaign.name}: {shown.label}",
        sources=shown.sources,
    )


def derived_checks(*, viewer: Any, claims: Iterable[Claim]) -> dict[int, DerivedCheck]:
    """Checks of the derived claims among ``claims`` (on campaigns) against the shown
    figures they derive from, by claim id. Campaigns the claims compare with ("80 %
    larger than X") are loaded in one query; an invisible one makes the check unknown,
    exactly as an unknown one does, and is named ``restricted`` in the check's claim."""
    claims = list(claims)
    return _derived_checks(viewer, claims, claim_redactor(viewer=viewer, claims=claims))


def _derived_checks(viewer: Any, claims: list[Claim],
                    redact: Redactor) -> dict[int, DerivedCheck]:
    derived = [
        c for c in claims
        if c.content_type.model == "campaign" and requirements(c.field, c.value) is not None
    ]
    if not derived:
        return {}
    by_pk: dict[int, Campaign] = {}
    for claim in claims:  # every campaign at hand, so comparisons need no query
        if claim.content_type.model == "campaign":
            subject = claim.subject  # prefetched with figure_campaigns by the callers
            if subject is not None:
                by_pk[subject.pk] = subject
    by_slug = {c.slug: c for c in by_pk.values()}
    wanted = {
        slug for c in derived for slug, _ in (requirements(c.field, c.value) or {}).values()
        if slug and slug not in by_slug
    }
    if wanted:
        by_slug.update({c.slug: c for c in figure_campaigns(viewer).filter(slug__in=wanted)})
    figures: dict[int, dict[str, Figure]] = {}
    result: dict[int, DerivedCheck] = {}
    for claim in derived:
        own = by_pk.get(claim.object_id)
        inputs: dict[str, Input | None] = {}
        for name, (slug, field) in (requirements(claim.field, claim.value) or {}).items():
            campaign = own if slug is None else by_slug.get(slug)
            if campaign is None:
                inputs[name] = None
                continue
            if campaign.pk not in figures:
                figures[campaign.pk] = campaign_figures(campaign)
            inputs[name] = _input(name, campaign, figures[campaign.pk][field])
        result[claim.pk] = replace(check(claim.field, claim, inputs), claim=redact(claim))
    return result


def campaign_derived_checks(*, viewer: Any, campaign: Campaign) -> list[DerivedCheck]:
    """Checks of the accepted derived claims on ``campaign`` (from ``campaign_get``,
    ``campaign_queryset`` or ``figure_campaigns``), in field order."""
    claims = getattr(campaign, "accepted_claims", None)
    if claims is None:
        claims = list(claims_visible(viewer).filter(subject_claims_q(campaign),
                                                    status=ClaimStatus.ACCEPTED))
    for claim in claims:
        claim.subject = campaign  # no query: we have it
    checks = derived_checks(viewer=viewer, claims=claims)
    return sorted(checks.values(), key=lambda c: (c.field, c.claim.pk))


def campaigns_derived_checks(*, viewer: Any,
                             campaigns: Iterable[Campaign]) -> dict[int, list[DerivedCheck]]:
    """``campaign_derived_checks`` for every campaign of a page at once, by campaign id:
    comparisons between them need no query, and one query loads the visible campaigns
    off the page they compare with. The campaigns must come with ``accepted_claims``
    prefetched (``incidents.selectors.campaign_queryset``)."""
    claims: list[Claim] = []
    for campaign in campaigns:
        for claim in campaign.accepted_claims:  # type: ignore[attr-defined]
            claim.subject = campaign
            claims.append(claim)
    result: dict[int, list[DerivedCheck]] = {}
    checks = derived_checks(viewer=viewer, claims=claims)
    for derived in sorted(checks.values(), key=lambda c: (c.field, c.claim.pk)):
        result.setdefault(derived.claim.object_id, []).append(derived)
    return result


# -- conflicts ------------


def conflict_list(*, viewer: Any, incident: Incident | None = None,
                  subject: Model | None = None, field: str | None = None,
                  kind: str | None = None) -> list[Conflict]:
    """Conflicts among the accepted claims the viewer may see, ordered by subject and
    field; optionally only those about one incident, one record, one field or of one
    kind (``disagreement`` / ``derived``). Computed from the claims as they are now, so
    accepting or rejecting a claim changes the list at once. Three to eight queries."""
    claims_qs = claims_visible(viewer).filter(status=ClaimStatus.ACCEPTED)
    if incident is not None:
        claims_qs = claims_qs.filter(incident_claims_q(incident, viewer, as_viewer=True))
    if subject is not None:
        claims_qs = claims_qs.filter(subject_claims_q(subject))
    if field:
        claims_qs = claims_qs.filter(field=field)
    claims = list(claims_qs.prefetch_related(
        GenericPrefetch("subject", _subject_querysets(viewer))
    ).order_by("content_type_id", "object_id", "field", "id"))
    claims = [c for c in claims if c.subject is not None]
    redact = claim_redactor(viewer=viewer, claims=claims)
    checks = _derived_checks(viewer, claims, redact)
    # Conflicts are read off the claims as the viewer may read them: a hidden record
    # named in a value is "restricted", and the checks carry the same copies.
    claims = [redact(c) for c in claims]
    by_claim_object = {id(c): checks[c.pk] for c in claims if c.pk in checks}
    grouped: dict[tuple[int, int], list[Claim]] = {}
    for claim in claims:
        grouped.setdefault((claim.content_type_id, claim.object_id), []).append(claim)
    conflicts: list[Conflict] = []
    for group in grouped.values():
        record = group[0].subject
        assert record is not None  # claims without a visible subject were dropped above
        specs = FIELDS.get(record._meta.model_name or "", {})
        conflicts.extend(subject_conflicts(
            subject=record,
            subject_key=subject_key(record),
            subject_label=str(record),
            claims=group,
            kind_of=partial(_kind_of, specs),
            label_of=partial(_label_of, specs),
            checks=[by_claim_object[id(c)] for c in group if id(c) in by_claim_object],
        ))
    if kind:
        conflicts = [c for c in conflicts if c.kind == kind]
    # By record ("campaign:…" before "letter:…"), not by content type id, which depends
    # on the order the models' tables were first migrated.
    conflicts.sort(key=lambda c: c.subject_key)
    return conflicts


def _kind_of(specs: dict[str, Any], field: str) -> str:
    return specs[field].kind if field in specs else "text"


def _label_of(specs: dict[str, Any], field: str) -> str:
    return (specs[field].label or field) if field in specs else field


def conflicts_by_field(*, viewer: Any, subject: Model) -> dict[str, list[Conflict]]:
    """Conflicts on one record keyed by field: what a page shows next to each figure."""
    result: dict[str, list[Conflict]] = {}
    for conflict in conflict_list(viewer=viewer, subject=subject):
        result.setdefault(conflict.field, []).append(conflict)
    return result


# -- fact-drift alerts ------------


def alert_list(*, viewer: Any, status: str | None = None) -> QuerySet[FactAlert]:
    """Fact-drift alerts the viewer may see, newest first, with the citing document and
    the cited record loaded (one query each per type)."""
    alerts = visible(FactAlert.objects.all(), viewer)
    if status:
        alerts = alerts.filter(status=status)
    return (
        alerts.select_related("citation__document_type", "citation__subject_type",
                              "acknowledged_by")
        .prefetch_related("citation__document", "citation__subject")
        .order_by("-created_at", "-id")
    )
