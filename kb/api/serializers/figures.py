"""Figures as the API shows them: ``{"value", "qualifier", "sources", "rolled_up",
"conflict"}``, read from what the selectors prefetched (``incidents.figures``), and as
it takes them: the claim behind a new value (``FigureField``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from incidents.figures import Figure, SourceRef, campaign_figures, figure
from incidents.models import Campaign, DatePrecision, Qualifier, Source
from incidents.models.validation import COUNT_MAX, DATE_MAX, DATE_MIN, NUMBER_MAX
from incidents.services.records import FigureInput
from kb.api.serializers.base import (
    StrictCharField,
    StrictDecimalField,
    StrictIntegerField,
    VisibleSlugRelatedField,
)


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


FIGURE_TYPED_MESSAGE = (
    "A figure is never typed: it shows the consensus of its accepted claims. Send the "
    'claim behind it with a source: {{"value": {example}, {detail}"source": "<source key>", '
    '"quote": "…", "note": "…"}}.'
)
QUOTE_MAX = 2000
NOTE_MAX = 2000


class _FigureInputBase(serializers.Serializer):
    source: Any = VisibleSlugRelatedField(
        slug_field="key", queryset=Source.objects.all(),
        help_text="Key of the source the value is read from (visible to you); an "
        "analyst's own note with a reason is a source too.",
    )
    quote = StrictCharField(required=False, allow_blank=True, max_length=QUOTE_MAX,
                            trim_whitespace=False,
                            help_text="The words of the source the value is read from.")
    note = StrictCharField(required=False, allow_blank=True, max_length=NOTE_MAX,
                           trim_whitespace=False, help_text="Why (kept on the claim).")


class CountFigureInputSerializer(_FigureInputBase):
    """A count written with the claim behind it."""

    value = StrictIntegerField(min_value=0, max_value=COUNT_MAX,
                                     help_text=f"A whole number from 0 to {COUNT_MAX:,}.")
    qualifier = serializers.ChoiceField(choices=Qualifier.choices, default=Qualifier.EXACT,
                                        help_text="How the source states it.")


class DateFigureInputSerializer(_FigureInputBase):
    """A date written with the claim behind it."""

    value = serializers.DateField(help_text=f"An ISO date from {DATE_MIN} to {DATE_MAX}.")
    precision = serializers.ChoiceField(choices=DatePrecision.choices,
                                        default=DatePrecision.DAY,
                                        help_text="How precisely the source dates it.")


class NumberFigureInputSerializer(_FigureInputBase):
    """A measured value written with the claim behind it."""

    value = StrictDecimalField(max_digits=16, decimal_places=4, min_value=-NUMBER_MAX,
                               max_value=NUMBER_MAX, coerce_to_string=False,
                               help_text="A finite number within ±10¹², at most 4 decimal "
                               "places.")
    qualifier = serializers.ChoiceField(choices=Qualifier.choices, default=Qualifier.EXACT,
                                        help_text="How the source states it.")


FIGURE_INPUT_SERIALIZERS: dict[str, type[_FigureInputBase]] = {
    "count": CountFigureInputSerializer,
    "date": DateFigureInputSerializer,
    "number": NumberFigureInputSerializer,
}


class FigureField(serializers.Field):
    """Reads as a figure object; is written only as the claim behind a new value.

    ``exchanges`` reads ``{"value": 28800000, "qualifier": "about", "sources": [...]}``
    (the consensus of the accepted claims the reader may see) and is written
    ``{"value": 28800000, "qualifier": "about", "source": "<key>", "quote": "…"}``: the
    serializer hands a ``FigureInput`` to the record services, which store the claim
    (accepted, reviewed by the writer) and refresh the figure. A plain value is a 400.
    """

    is_figure = True

    def __init__(self, *, kind: str, claim_field: str, **kwargs: Any) -> None:
        self.kind = kind
        self.claim_field = claim_field
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return instance

    def to_representation(self, value: Any) -> dict[str, Any]:
        return figure_data(figure_of(value, self.claim_field))

    def typed_message(self) -> str:
        example, detail = {
            "count": ("25000", '"qualifier": "about", '),
            "date": ('"2026-06-24"', '"precision": "day", '),
            "number": ("-4.9", ""),
        }[self.kind]
        return FIGURE_TYPED_MESSAGE.format(example=example, detail=detail)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data is serializers.empty:
            if self.required and not getattr(self.root, "partial", False):
                self.fail("required")
            raise serializers.SkipField()
        if not isinstance(data, dict):
            raise serializers.ValidationError(self.typed_message())
        return self.to_internal_value(data)

    def to_internal_value(self, data: Any) -> FigureInput:
        # Validated on its own (never partial: a figure's claim is whole), with the
        # request, so the source is looked up among those the writer may see.
        claim = FIGURE_INPUT_SERIALIZERS[self.kind](data=data, context=self.context)
        if not claim.is_valid():
            raise serializers.ValidationError(claim.errors)
        validated = claim.validated_data
        value = validated["value"]
        if isinstance(value, dt.date):
            if not DATE_MIN <= value <= DATE_MAX:
                raise serializers.ValidationError(
                    {"value": f"Dates lie between {DATE_MIN} and {DATE_MAX}."})
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        return FigureInput(
            value=value,
            source=validated["source"],
            qualifier=validated.get("qualifier", Qualifier.EXACT),
            precision=validated.get("precision", ""),
            quote=validated.get("quote", ""),
            note=validated.get("note", ""),
        )
