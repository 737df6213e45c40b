"""Cross-referencing campaigns: side-by-side figures, pairwise ratios and overlaps, and
related campaigns ranked by similarity. Pure functions over campaigns loaded by
``incidents.selectors.campaign_queryset`` (operators, capabilities, techniques, children
and accepted claims prefetched), so they run no queries of their own.

Conventions, stated once here and in the API schema:

* a period's ``days`` counts both ends: 22 April – 5 June 2026 is 45 days;
* ratios are *b / a* for the pair (a, b), in the order the campaigns were asked for;
* derived figures (per account, per day) divide the shown values and are ``None``
  whenever a figure they need is unknown or zero.

Only what the viewer may see counts ("most restrictive wins": restricted parts are left
out): shared capabilities, techniques and operators name visible records only; "same
target provider" needs the provider (and the incident) visible; cluster reasons need the
cluster visible; every figure is the viewer's (``incidents.figures``), never a stored
value. ``viewer`` defaults to anonymous (TLP:CLEAR), so forgetting it hides, never leaks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from incidents.figures import Figure, campaign_figures, figure
from incidents.visibility import can_see

RATIO_PLACES = 4
MAX_COMPARED = 10
MIN_COMPARED = 2

# How much each kind of resemblance counts towards a related campaign's score (sum 1).
SIMILARITY_WEIGHTS: dict[str, float] = {
    "capabilities": 0.25,
    "techniques": 0.20,
    "operators": 0.25,
    "target": 0.10,
    "time": 0.10,
    "cluster": 0.10,
}
# Periods further apart than this share nothing in time.
TIME_HORIZON_DAYS = 365


class CompareError(ValueError):
    """The campaigns asked for cannot be compared; the message says why."""


def inclusive_days(start: dt.date | None, end: dt.date | None) -> int | None:
    """Days from ``start`` to ``end``, both included; ``None`` if either is unknown."""
    if start is None or end is None or end < start:
        return None
    return (end - start).days + 1


def overlap_days(a: Period, b: Period) -> int | None:
    """Days both periods cover (inclusive), 0 if disjoint, ``None`` if either is open."""
    if not (a.start and a.end and b.start and b.end):
        return None
    start, end = max(a.start, b.start), min(a.end, b.end)
    return max((end - start).days + 1, 0)


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    """|a ∩ b| / |a ∪ b|, 0 for two empty sets."""
    sa, sb = set(a), set(b)
    union = sa | sb
    return round(len(sa & sb) / len(union), RATIO_PLACES) if union else 0.0


def ratio(numerator: Any, denominator: Any) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, RATIO_PLACES)


@dataclass(frozen=True)
class Period:
    start: dt.date | None
    end: dt.date | None
    start_precision: str = "day"
    end_precision: str = "day"

    @property
    def days(self) -> int | None:
        return inclusive_days(self.start, self.end)

    @property
    def anchor(self) -> dt.date | None:
        return self.start or self.end


@dataclass(frozen=True)
class Profile:
    """One campaign as the comparison shows it."""

    campaign: Any
    exchanges: Figure
    accounts: Figure
    period: Period
    capabilities: tuple[str, ...]
    techniques: tuple[str, ...]
    operators: tuple[str, ...]
    viewer: Any = None

    @property
    def slug(self) -> str:
        return str(self.campaign.slug)

    @property
    def exchanges_per_account(self) -> float | None:
        return ratio(self.exchanges.value, self.accounts.value)

    @property
    def exchanges_per_day(self) -> float | None:
        return ratio(self.exchanges.value, self.period.days)


@dataclass(frozen=True)
class SharedSet:
    shared: tuple[str, ...]
    jaccard: float


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    exchanges_ratio: float | None
    accounts_ratio: float | None
    overlap_days: int | None
    capabilities: SharedSet
    techniques: SharedSet
    operators: SharedSet


@dataclass(frozen=True)
class Comparison:
    campaigns: list[Profile]
    pairs: list[Pair]


def _slugs(items: Iterable[Any], viewer: Any) -> tuple[str, ...]:
    return tuple(sorted(item.slug for item in items if can_see(viewer, item)))


def profile(campaign: Any, viewer: Any = None) -> Profile:
    """The figures, period and vocabularies of one (prefetched) campaign, as ``viewer``
    may see them."""
    figures = getattr(campaign, "_figures", None)
    if figures is None:  # computed once per object, shared with serializers
        figures = campaign_figures(campaign)
        campaign._figures = figures
    start, end = figures["start_date"], figures["end_date"]
    return Profile(
        campaign=campaign,
        exchanges=figures["exchanges"],
        accounts=figures["accounts"],
        period=Period(
            start=start.value, end=end.value,
            start_precision=start.qualifier or "day", end_precision=end.qualifier or "day",
        ),
        capabilities=_slugs(campaign.capabilities.all(), viewer),
        techniques=_slugs(campaign.techniques.all(), viewer),
        operators=_slugs(campaign.operators.all(), viewer),
        viewer=viewer,
    )


def _shared(a: Sequence[str], b: Sequence[str]) -> SharedSet:
    return SharedSet(shared=tuple(sorted(set(a) & set(b))), jaccard=jaccard(a, b))


def pair(a: Profile, b: Profile) -> Pair:
    """How b stands to a: ratios b / a, days in common, what they share."""
    return Pair(
        a=a.slug,
        b=b.slug,
        exchanges_ratio=ratio(b.exchanges.value, a.exchanges.value),
        accounts_ratio=ratio(b.accounts.value, a.accounts.value),
        overlap_days=overlap_days(a.period, b.period),
        capabilities=_shared(a.capabilities, b.capabilities),
        techniques=_shared(a.techniques, b.techniques),
        operators=_shared(a.operators, b.operators),
    )


def check_selection(slugs: Sequence[str]) -> None:
    """Raise ``CompareError`` unless ``slugs`` names 2 to 10 campaigns, each once."""
    repeated = sorted({s for s in slugs if list(slugs).count(s) > 1})
    if repeated:
        raise CompareError(f"Each campaign may appear only once: {', '.join(repeated)}.")
    if not MIN_COMPARED <= len(slugs) <= MAX_COMPARED:
        raise CompareError(
            f"Compare {MIN_COMPARED} to {MAX_COMPARED} campaigns; got {len(slugs)}."
        )


def compare(campaigns: Sequence[Any], *, viewer: Any = None) -> Comparison:
    """Profiles of ``campaigns`` in the order given, and every pair (i < j) of them, as
    ``viewer`` may see them.

    Raises ``CompareError`` for fewer than two, more than ten, or repeated campaigns.
    """
    check_selection([c.slug for c in campaigns])
    profiles = [profile(c, viewer) for c in campaigns]
    return Comparison(
        campaigns=profiles,
        pairs=[pair(a, b) for a, b in combinations(profiles, 2)],
    )


# -- related campaigns ----------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One way two campaigns resemble each other, and what it adds to the score."""

    kind: str
    score: float
    detail: str
    shared: tuple[str, ...] = ()


@dataclass(frozen=True)
class Related:
    profile: Profile
    score: float
    reasons: list[Reason] = field(default_factory=list)


def _incident(campaign: Any, viewer: Any) -> Any:
    """The campaign's incident, or its cluster's, if ``viewer`` may see it (and the
    cluster it is reached through)."""
    node = campaign
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        if node.incident_id:
            return node.incident if can_see(viewer, node.incident) else None
        node = node.parent if node.parent_id else None
        if node is not None and not can_see(viewer, node):
            return None
    return None


def _time_anchor(p: Profile) -> dt.date | None:
    if p.period.anchor:
        return p.period.anchor
    incident = _incident(p.campaign, p.viewer)
    if incident is None:
        return None
    disclosed: dt.date | None = figure(incident, "disclosed_on").value  # the viewer's
    return disclosed


def _time_similarity(a: Profile, b: Profile) -> tuple[float, str] | None:
    days = overlap_days(a.period, b.period)
    if days:
        return 1.0, f"periods overlap for {days} days"
    first, second = _time_anchor(a), _time_anchor(b)
    if first is None or second is None:
        return None
    gap = abs((second - first).days)
    closeness = max(0.0, 1 - gap / TIME_HORIZON_DAYS)
    if closeness == 0:
        return None
    return round(closeness, RATIO_PLACES), f"{gap} days apart"


def _cluster_relation(a: Any, b: Any, viewer: Any) -> str | None:
    if a.parent_id and a.parent_id == b.pk:
        return f"part of the cluster {b.slug}"
    if b.parent_id and b.parent_id == a.pk:
        return f"one of the cluster's campaigns ({b.slug})"
    if a.parent_id and a.parent_id == b.parent_id and can_see(viewer, a.parent):
        return "in the same cluster"
    return None


def similarity(a: Profile, b: Profile) -> Related:
    """How much b resembles a (0 to 1) and why."""
    reasons: list[Reason] = []
    for kind in ("capabilities", "techniques", "operators"):
        shared = _shared(getattr(a, kind), getattr(b, kind))
        if shared.shared:
            reasons.append(Reason(
                kind=kind, score=round(SIMILARITY_WEIGHTS[kind] * shared.jaccard, RATIO_PLACES),
                detail=f"{len(shared.shared)} shared {kind} (Jaccard {shared.jaccard})",
                shared=shared.shared,
            ))
    viewer = a.viewer
    target_a, target_b = _incident(a.campaign, viewer), _incident(b.campaign, viewer)
    if (target_a is not None and target_b is not None and target_a.target_provider_id
            and target_a.target_provider_id == target_b.target_provider_id
            and can_see(viewer, target_a.target_provider)):
        reasons.append(Reason(
            kind="target", score=SIMILARITY_WEIGHTS["target"],
            detail="same target provider",
            shared=(target_a.target_provider.slug,),
        ))
    time = _time_similarity(a, b)
    if time is not None:
        closeness, detail = time
        reasons.append(Reason(
            kind="time", score=round(SIMILARITY_WEIGHTS["time"] * closeness, RATIO_PLACES),
            detail=detail,
        ))
    cluster = _cluster_relation(a.campaign, b.campaign, viewer)
    if cluster is not None:
        reasons.append(Reason(kind="cluster", score=SIMILARITY_WEIGHTS["cluster"], detail=cluster))
    score = round(sum(r.score for r in reasons), RATIO_PLACES)
    return Related(profile=b, score=score, reasons=reasons)


def related(campaign: Any, candidates: Iterable[Any], *, limit: int | None = None,
            viewer: Any = None) -> list[Related]:
    """Other campaigns ranked by similarity to ``campaign``, best first (ties by slug);
    campaigns with nothing in common are left out. Candidates the viewer may not see
    are left out too."""
    base = profile(campaign, viewer)
    ranked = [
        similarity(base, profile(other, viewer)) for other in candidates
        if other.pk != campaign.pk and can_see(viewer, other)
    ]
    ranked = [r for r in ranked if r.score > 0]
    ranked.sort(key=lambda r: (-r.score, r.profile.slug))
    return ranked[:limit] if limit is not None else ranked
