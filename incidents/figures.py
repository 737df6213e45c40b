"""Figures as shown: a value, its qualifier or precision, the sources behind it, and
whether sources disagree. Reads only what selectors prefetched (``accepted_claims``,
``visible_children``), so rendering a list of campaigns costs no extra queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from incidents.provenance.consensus import consensus
from incidents.provenance.fields import FIELDS


@dataclass(frozen=True)
class SourceRef:
    """One claim behind a figure: its source and the words it was read from."""

    claim_id: int
    source_key: str
    title: str
    url: str
    reliability: str
    credibility: int
    quote: str
    value: Any
    qualifier: str


@dataclass(frozen=True)
class Figure:
    field: str
    label: str
    value: Any
    qualifier: str  # for counts: exact/about/…; for dates: their precision
    sources: tuple[SourceRef, ...]
    rolled_up: bool = False
    conflict: bool = False

    @property
    def known(self) -> bool:
        return self.value is not None


def _claims(obj: Any) -> list[Any]:
    claims = getattr(obj, "accepted_claims", None)
    if claims is None:  # not prefetched: one query, correct but slower
        claims = list(obj.claims.filter(status="accepted").select_related("source"))
    return claims


def _ref(claim: Any) -> SourceRef:
    return SourceRef(
        claim_id=claim.pk,
        source_key=claim.source.key,
        title=claim.source.title,
        url=claim.source.url,
        reliability=claim.source.reliability,
        credibility=claim.credibility,
        quote=claim.quote,
        value=claim.value,
        qualifier=claim.qualifier,
    )


def figure(obj: Any, field: str) -> Figure:
    """The shown value of ``field`` on ``obj`` with the claims that support it."""
    spec = FIELDS[obj._meta.model_name][field]
    claims = [c for c in _claims(obj) if c.field == field]
    result = consensus(spec.kind, claims)
    value = getattr(obj, spec.value_attr) if spec.value_attr else (result and result.value)
    detail = getattr(obj, spec.detail_attr) if spec.detail_attr else (
        result.qualifier if result else ""
    )
    supporting = result.supporting if result else []
    return Figure(
        field=field,
        label=spec.label or field,
        value=value,
        qualifier=detail or "",
        sources=tuple(_ref(c) for c in supporting),
        conflict=bool(result and result.conflict),
    )


def _rolled_up_count(campaign: Any, field: str) -> Figure | None:
    children = getattr(campaign, "visible_children", None)
    if children is None:
        children = list(campaign.children.all())
    parts = [figure(child, field) for child in children]
    parts = [p for p in parts if p.known]
    if not parts:
        return None
    qualifiers = {p.qualifier for p in parts}
    qualifier = qualifiers.pop() if len(qualifiers) == 1 else "about"
    return Figure(
        field=field,
        label=FIELDS["campaign"][field].label,
        value=sum(p.value for p in parts),
        qualifier=qualifier,
        sources=tuple(ref for p in parts for ref in p.sources),
        rolled_up=True,
    )


def campaign_figures(campaign: Any) -> dict[str, Figure]:
    """Exchanges, accounts, start and end of a campaign. A cluster without a figure of
    its own shows the sum of its children's (``rolled_up``)."""
    figures = {name: figure(campaign, name) for name in ("exchanges", "accounts")}
    for name in ("exchanges", "accounts"):
        if not figures[name].known:
            rolled = _rolled_up_count(campaign, name)
            if rolled is not None:
                figures[name] = rolled
    figures["start_date"] = figure(campaign, "start_date")
    figures["end_date"] = figure(campaign, "end_date")
    return figures
