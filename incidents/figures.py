"""Figures as shown: a value, its qualifier or precision, the sources behind it, and
whether sources disagree. Reads only what selectors prefetched (``accepted_claims``,
``visible_children``), so rendering a list of campaigns costs no extra queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from incidents.models import Claim, ClaimStatus
from incidents.provenance.consensus import consensus
from incidents.provenance.fields import FIELDS
from incidents.visibility import markings_up_to


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
    """The accepted claims of ``obj`` its reader may see, as a selector prefetched them
    (``accepted_claims``). Not prefetched: the claims anyone who sees ``obj`` may see
    (``record_level_claims``), never all of them."""
    claims = getattr(obj, "accepted_claims", None)
    if claims is None:
        claims = obj.accepted_claims = record_level_claims(obj)
    return claims


def record_level_claims(obj: Any) -> list[Any]:
    """Accepted claims of ``obj`` no more restricted than ``obj`` itself (claim and
    source): the basis of the value stored on the record, which every reader of the
    record may see."""
    allowed = markings_up_to(obj.marking)
    return list(
        Claim.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk,
            status=ClaimStatus.ACCEPTED, marking__in=allowed, source__marking__in=allowed,
        ).select_related("source").order_by("field", "id")
    )


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
    if result is not None:
        # The consensus of the claims this reader may see: never the stored value, which
        # may rest on claims at another clearance.
        value: Any = _as_field_value(obj, spec, result.value)
        detail = result.precision if spec.kind == "date" else result.qualifier
    elif spec.value_attr and spec.kind == "date" and not spec_nullable(obj, spec.value_attr):
        # A required date with no claim behind it (a derived event's date follows its
        # origin): shown as stored, with no sources.
        value = getattr(obj, spec.value_attr)
        detail = getattr(obj, spec.detail_attr) if spec.detail_attr else ""
    else:
        value, detail = None, ""
    supporting = result.supporting if result else []
    return Figure(
        field=field,
        label=spec.label or field,
        value=value,
        qualifier=detail or "",
        sources=tuple(_ref(c) for c in supporting),
        conflict=bool(result and result.conflict),
    )


def spec_nullable(obj: Any, attr: str) -> bool:
    return bool(obj._meta.get_field(attr).null)


def json_value(value: Any) -> Any:
    """A figure's value as JSON: an ISO date, a whole number or a float (Decimals), else
    as it is. The one conversion for snapshots, comparisons and claims from forms."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _as_field_value(obj: Any, spec: Any, value: Any) -> Any:
    """A consensus value as the model field holds it (a date, a Decimal, an int)."""
    if value is None or not spec.value_attr:
        return value
    if spec.kind == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if spec.kind == "count":
        return int(value)
    if isinstance(obj._meta.get_field(spec.value_attr), models.DecimalField):
        return Decimal(str(value))
    return value


def _rolled_up_count(campaign: Any, field: str) -> Figure | None:
    children = getattr(campaign, "visible_children", None)
    if children is None:  # not prefetched: the children anyone who sees the cluster may
        children = list(campaign.children.filter(marking__in=markings_up_to(campaign.marking)))
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


def _source_ref(source: Any, value: Any) -> SourceRef:
    """A ``Source`` row cited as such (no claim behind it: a letter or coverage item's
    own record of when it was written or published): ``claim_id`` 0, credibility 6
    ("cannot be judged")."""
    return SourceRef(claim_id=0, source_key=source.key, title=source.title, url=source.url,
                     reliability=source.reliability, credibility=6, quote="", value=value,
                     qualifier="day")


def _coverage_ref(coverage: Any) -> SourceRef:
    """The coverage item itself, for a coverage event with no ``Source`` made from it:
    the article is the record of its own publication date."""
    outlet = getattr(coverage, "outlet", None)
    title = coverage.title
    # Named only when no more restricted than the item (as its derived event's title).
    if outlet is not None and outlet.marking in markings_up_to(coverage.marking):
        title = f"{outlet.name}: {coverage.title}"
    return SourceRef(claim_id=0, source_key=f"coverage-{coverage.pk}", title=title,
                     url=coverage.url, reliability="F", credibility=6, quote="",
                     value=coverage.published_on, qualifier="day")


def event_date_figure(event: Any) -> Figure:
    """The date of ``event`` with its sources. An entered event: its own date figure. A
    derived event: the figure of the date it derives from, read from the origin that
    ``incidents.timeline_selectors.origins_attach`` put on it (``date_origin``; nothing
    is queried here):

    * campaign start / end: the campaign's ``start_date`` / ``end_date`` figure;
    * letter: its ``date`` figure (with the sources made from the letter when no claim
      gives it), or, for a letter marked sent on another day, that day with those sources;
    * coverage: its publication date, with the ``Source`` rows made from it, or the
      coverage item itself when there are none.

    Falls back to the event's own figure when the origin is not attached (or hidden
    from the reader) or gives no date."""
    own = figure(event, "date")
    origin = getattr(event, "date_origin", None)
    if origin is None or not getattr(event, "origin_type_id", None):
        return own
    model = origin._meta.model_name
    derived: Figure | None = None
    if model == "campaign" and event.origin_role in ("start", "end"):
        derived = figure(origin, f"{event.origin_role}_date")
    elif model == "letter":
        from_letter = tuple(_source_ref(s, origin.date)
                            for s in getattr(origin, "visible_sources", []))
        derived = figure(origin, "date")
        if origin.sent_on and (not derived.known or derived.value != origin.sent_on):
            derived = Figure(field="date", label=own.label, value=origin.sent_on,
                             qualifier="day", sources=from_letter)
        elif not derived.sources:
            derived = Figure(field="date", label=own.label, value=derived.value,
                             qualifier=derived.qualifier, sources=from_letter)
    elif model == "coverage" and origin.published_on:
        refs = tuple(_source_ref(s, origin.published_on)
                     for s in getattr(origin, "visible_sources", []))
        derived = Figure(field="date", label=own.label, value=origin.published_on,
                         qualifier="day", sources=refs or (_coverage_ref(origin),))
    if derived is None or not derived.known:
        return own
    return Figure(field="date", label=own.label, value=derived.value,
                  qualifier=derived.qualifier, sources=derived.sources + own.sources,
                  conflict=derived.conflict or own.conflict)
