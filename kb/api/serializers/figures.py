"""Figures as the API shows them: ``{"value", "qualifier", "sources", "rolled_up",
"conflict"}``, read from what the selectors prefetched (``incidents.figures``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from incidents.figures import Figure, SourceRef, campaign_figures, figure
from incidents.models import Campaign, Qualifier


class SourceRefSerializer(serializers.Serializer):
    """One claim behind a figure: enough to cite it."""

    key = serializers.CharField(help_text="The source's stable key.")
    title = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    reliability = serializers.CharField(help_text="Admiralty scale, A (reliable) to F.")
    credibility = serializers.IntegerField(help_text="Admiralty scale, 1 (confirmed) to 6.")
    quote = serializers.CharField(allow_blank=True, help_text="The words the value was read from.")
    claim_id = serializers.IntegerField()
    qualifier = serializers.CharField(allow_blank=True, help_text="As this source states it.")


class _FigureBase(serializers.Serializer):
    qualifier = serializers.CharField(
        allow_blank=True,
        help_text="For counts: exact, about, nearly, more_than, at_least, up_to. "
        "For dates: their precision (day, month, year).",
    )
    sources = SourceRefSerializer(many=True)
    rolled_up = serializers.BooleanField(
        help_text="True when the value is the sum of the figures of a cluster's campaigns."
    )
    conflict = serializers.BooleanField(
        help_text="True when accepted sources disagree beyond their qualifiers' tolerance."
    )


class CountFigureSerializer(_FigureBase):
    value = serializers.IntegerField(allow_null=True)


class DateFigureSerializer(_FigureBase):
    value = serializers.DateField(allow_null=True)


class NumberFigureSerializer(_FigureBase):
    value = serializers.FloatField(allow_null=True)


FIGURE_SERIALIZERS = {
    "count": CountFigureSerializer,
    "date": DateFigureSerializer,
    "number": NumberFigureSerializer,
}


def source_ref_data(ref: SourceRef) -> dict[str, Any]:
    return {
        "key": ref.source_key, "title": ref.title, "url": ref.url,
        "reliability": ref.reliability, "credibility": ref.credibility, "quote": ref.quote,
        "claim_id": ref.claim_id, "qualifier": ref.qualifier,
    }


def figure_data(fig: Figure) -> dict[str, Any]:
    value = fig.value
    if isinstance(value, Decimal):
        value = float(value)
    elif isinstance(value, dt.date):
        value = value.isoformat()
    return {
        "value": value,
        "qualifier": fig.qualifier,
        "sources": [source_ref_data(ref) for ref in fig.sources],
        "rolled_up": fig.rolled_up,
        "conflict": fig.conflict,
    }


def figure_of(obj: Any, claim_field: str) -> Figure:
    """The figure of ``claim_field`` on ``obj``; a campaign's are computed once and kept
    on the object (a cluster rolls its children's up)."""
    if isinstance(obj, Campaign):
        cached = getattr(obj, "_figures", None)
        if cached is None:
            cached = campaign_figures(obj)
            obj._figures = cached
        return cached[claim_field]
    return figure(obj, claim_field)


class FigureField(serializers.Field):
    """Reads as a figure object; writes as the plain value of the model field behind it.

    ``exchanges`` reads ``{"value": 28800000, "qualifier": "about", "sources": [...]}``
    and is written ``"exchanges": 28800000`` (its qualifier through its own field). A
    hand-entered value stands until accepted claims back another one.
    """

    def __init__(self, *, kind: str, claim_field: str, inner: serializers.Field,
                 **kwargs: Any) -> None:
        self.kind = kind
        self.claim_field = claim_field
        self.inner = inner
        kwargs.setdefault("required", inner.required)
        super().__init__(**kwargs)

    def bind(self, field_name: str, parent: Any) -> None:
        super().bind(field_name, parent)
        self.inner.bind(field_name, parent)

    def get_attribute(self, instance: Any) -> Any:
        return instance

    def to_representation(self, value: Any) -> dict[str, Any]:
        return figure_data(figure_of(value, self.claim_field))

    def run_validation(self, data: Any = serializers.empty) -> Any:
        # The inner field decides about missing and null values (the figure is never null).
        return self.inner.run_validation(data)

    def to_internal_value(self, data: Any) -> Any:
        return self.inner.to_internal_value(data)


def qualifier_field(**kwargs: Any) -> serializers.ChoiceField:
    kwargs.setdefault("required", False)
    return serializers.ChoiceField(choices=Qualifier.choices, write_only=True, **kwargs)
