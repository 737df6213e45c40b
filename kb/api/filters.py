"""Filters, ordering and search for the list endpoints.

Filters on related records take slugs and never fail on an unknown one (it matches
nothing); malformed values (a bad date, an unknown choice, an unknown ordering field)
are a 400 that names the parameter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as df
from django import forms
from django.db.models import Q, QuerySet
from django_filters import fields as df_fields
from django_filters import widgets as df_widgets
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from incidents.models import (
    Account,
    AccountCluster,
    Actor,
    Campaign,
    Capability,
    Claim,
    Coverage,
    Event,
    ExchangeVolume,
    Incident,
    Letter,
    Relationship,
    Source,
    Technique,
)


class StrictOrderingFilter(filters.OrderingFilter):
    """``?ordering=a,-b``: unknown fields are a 400; the primary key always breaks ties,
    so pages never overlap or skip rows."""

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> list[str]:
        raw = request.query_params.get(self.ordering_param)
        allowed = set(self.allowed_fields(view))
        if raw is not None:
            # Present but empty (``?ordering=`` or ``a,,b``) is malformed, not "default".
            fields = [f.strip() for f in raw.split(",")]
            unknown = [f or "(empty)" for f in fields if f.lstrip("-") not in allowed]
            if unknown:
                raise ValidationError({self.ordering_param: (
                    f"Unknown ordering field(s) {', '.join(unknown)}; use "
                    f"{', '.join(sorted(allowed))} (prefix - for descending)."
                )})
        else:
            fields = list(self.get_default_ordering(view) or queryset.query.order_by
                          or queryset.model._meta.ordering or [])
        if not any(f.lstrip("-") in {"pk", "id"} for f in fields):
            fields.append("pk")
        return fields

    def allowed_fields(self, view: Any) -> list[str]:
        return list(getattr(view, "ordering_fields", None) or [])

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        names = self.allowed_fields(view)
        choices = [v for name in names for v in (name, f"-{name}")]
        return [{
            "name": self.ordering_param, "required": False, "in": "query",
            "description": "Comma-separated fields to order by; prefix - for descending.",
            # An empty list and a list of one empty name serialize alike (``ordering=``),
            # so the schema asks for at least one name and the filter rejects an empty one.
            "schema": {"type": "array", "minItems": 1,
                       "items": {"type": "string", "enum": choices}},
            "style": "form", "explode": False,
        }]


class SearchFilter(filters.SearchFilter):
    search_description = "Words to find in the record's names and texts (all must match)."


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(df.NumberFilter):
    """A record id: a whole number that fits a database integer (else a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class _InRangeIsoDateTimeField(df_fields.IsoDateTimeField):
    """An ISO 8601 date-time, clamped to what UTC can hold: 0001-01-01T00:00+13:00 is
    valid input but earlier than any UTC date-time, so it stands for the earliest."""

    def to_python(self, value: Any) -> Any:
        result = super().to_python(value)
        if result is not None:
            try:
                # In UTC: RFC 3339 allows offsets up to ±23:59, PostgreSQL only ±15:59.
                return result.astimezone(dt.UTC)
            except (OverflowError, ValueError):
                edge = dt.datetime.min if result.year < 5000 else dt.datetime.max
                return edge.replace(tzinfo=dt.UTC)
        return result


class _InRangeIsoDateTimeRangeField(df_fields.RangeField):
    widget = df_widgets.DateRangeWidget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = (_InRangeIsoDateTimeField(), _InRangeIsoDateTimeField())
        super().__init__(fields, *args, **kwargs)


class DateTimeRangeFilter(df.IsoDateTimeFromToRangeFilter):
    """``<name>_after`` / ``<name>_before`` as ISO 8601 date-times."""

    field_class = _InRangeIsoDateTimeRangeField


def _slug_filter(field_name: str, help_text: str) -> df.CharFilter:
    return df.CharFilter(field_name=field_name, distinct=True, label=help_text)


class ActorFilter(df.FilterSet):
    parent = _slug_filter("parent__slug", "Slug of the parent organisation.")
    country = df.CharFilter(lookup_expr="iexact")
    region = df.CharFilter(lookup_expr="iexact")
    incident = df.CharFilter(method="filter_incident", label="Slug of an incident the actor "
                             "is linked to (operator, target, event, relationship).")

    class Meta:
        model = Actor
        fields = ["kind", "marking", "parent", "country", "region", "incident"]

    def filter_incident(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(operated_campaigns__incident__slug=value)
            | Q(operated_campaigns__parent__incident__slug=value)
            | Q(incidents_as_provider__slug=value) | Q(incidents_as_system__slug=value)
            | Q(events__incidents__slug=value)
            | Q(relationships_out__object_incident__slug=value)
        ).distinct()


class IncidentFilter(df.FilterSet):
    actor = df.CharFilter(method="filter_actor", label="Slug of an actor: operator or target.")
    disclosed_on = df.DateFromToRangeFilter()

    class Meta:
        model = Incident
        fields = ["status", "marking", "actor", "disclosed_on"]

    def filter_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(target_provider__slug=value) | Q(target_system__slug=value)
            | Q(campaigns__operators__slug=value)
            | Q(campaigns__children__operators__slug=value)
        ).distinct()


class CampaignFilter(df.FilterSet):
    incident = df.CharFilter(method="filter_incident",
                             label="Slug of the incident (a cluster's campaigns included).")
    actor = _slug_filter("operators__slug", "Slug of an operator.")
    parent = _slug_filter("parent__slug", "Slug of the cluster.")
    capability = _slug_filter("capabilities__slug", "Slug of a targeted capability.")
    technique = _slug_filter("techniques__slug", "Slug of a technique used.")
    start_date = df.DateFromToRangeFilter()
    end_date = df.DateFromToRangeFilter()

    class Meta:
        model = Campaign
        fields = ["marking", "incident", "actor", "parent", "capability", "technique",
                  "start_date", "end_date"]

    def filter_incident(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(incident__slug=value) | Q(parent__incident__slug=value))


class VocabularyFilter(df.FilterSet):
    campaign = _slug_filter("campaigns__slug", "Slug of a campaign.")

    class Meta:
        fields = ["marking", "campaign"]


class CapabilityFilter(VocabularyFilter):
    class Meta(VocabularyFilter.Meta):
        model = Capability


class TechniqueFilter(VocabularyFilter):
    class Meta(VocabularyFilter.Meta):
        model = Technique


class AccountClusterFilter(df.FilterSet):
    campaign = _slug_filter("campaign__slug", "Slug of the campaign.")
    incident = _slug_filter("campaign__incident__slug", "Slug of the campaign's incident.")
    first_seen = df.DateFromToRangeFilter()

    class Meta:
        model = AccountCluster
        fields = ["marking", "qualifier", "campaign", "incident", "first_seen"]


class AccountFilter(df.FilterSet):
    cluster = IdFilter(field_name="cluster_id", label="Id of the account cluster.")
    campaign = _slug_filter("cluster__campaign__slug", "Slug of the campaign.")
    created_on = DateTimeRangeFilter()
    banned_on = DateTimeRangeFilter()
    banned = df.ChoiceFilter(method="filter_banned", choices=[("yes", "yes"), ("no", "no")],
                             label="Only banned (yes) or not banned (no) accounts.")

    class Meta:
        model = Account
        fields = ["marking", "cluster", "campaign", "created_on", "banned_on", "banned"]

    def filter_banned(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(banned_on__isnull=value != "yes")


class ExchangeVolumeFilter(df.FilterSet):
    campaign = _slug_filter("campaign__slug", "Slug of the campaign.")
    incident = _slug_filter("campaign__incident__slug", "Slug of the campaign's incident.")
    capability = _slug_filter("capability__slug", "Slug of the capability.")
    period_start = df.DateFromToRangeFilter()

    class Meta:
        model = ExchangeVolume
        fields = ["marking", "granularity", "qualifier", "campaign", "incident", "capability",
                  "period_start"]


class LetterFilter(df.FilterSet):
    incident = _slug_filter("incidents__slug", "Slug of an incident.")
    actor = df.CharFilter(method="filter_actor", label="Slug of the sender or a recipient.")
    date = df.DateFromToRangeFilter()

    class Meta:
        model = Letter
        fields = ["status", "marking", "incident", "actor", "date"]

    def filter_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(sender__slug=value) | Q(recipients__slug=value)).distinct()


class CoverageFilter(df.FilterSet):
    incident = _slug_filter("incidents__slug", "Slug of an incident.")
    actor = _slug_filter("outlet__slug", "Slug of the outlet.")
    region = df.CharFilter(lookup_expr="iexact")
    language = df.CharFilter(lookup_expr="iexact")
    published_on = df.DateFromToRangeFilter()

    class Meta:
        model = Coverage
        fields = ["marking", "incident", "actor", "region", "language", "published_on"]


class EventFilter(df.FilterSet):
    incident = _slug_filter("incidents__slug", "Slug of an incident.")
    actor = _slug_filter("actors__slug", "Slug of an actor.")
    date = df.DateFromToRangeFilter()

    class Meta:
        model = Event
        fields = ["kind", "precision", "marking", "incident", "actor", "date"]


class RelationshipFilter(df.FilterSet):
    actor = df.CharFilter(method="filter_actor", label="Slug of the subject or object actor.")
    incident = _slug_filter("object_incident__slug", "Slug of the object incident.")
    start_date = df.DateFromToRangeFilter()

    class Meta:
        model = Relationship
        fields = ["kind", "marking", "actor", "incident", "start_date"]

    def filter_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(subject__slug=value) | Q(object_actor__slug=value))


class SourceFilter(df.FilterSet):
    actor = _slug_filter("publisher__slug", "Slug of the publisher.")
    published_on = df.DateFromToRangeFilter()

    class Meta:
        model = Source
        fields = ["kind", "reliability", "marking", "actor", "published_on"]


class ClaimFilter(df.FilterSet):
    subject = df.CharFilter(method="filter_subject",
                            label="The record the claims are about: <model>:<slug or id>.")
    subject_type = df.CharFilter(field_name="content_type__model",
                                 label="Model of the subject: campaign, incident, …")
    source = _slug_filter("source__key", "Key of the source.")
    field = df.CharFilter()

    class Meta:
        model = Claim
        fields = ["status", "kind", "qualifier", "marking", "field", "subject", "subject_type",
                  "source"]

    def filter_subject(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        from kb.api.serializers.claims import SUBJECT_MODELS, subject_lookup

        model_name, _, key = value.partition(":")
        model = SUBJECT_MODELS.get(model_name)
        if model is None or not key:
            return queryset.none()
        ids = subject_lookup(model.objects.all(), key).values("pk")
        return queryset.filter(content_type__model=model_name, object_id__in=ids)
