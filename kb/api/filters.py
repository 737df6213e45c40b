"""Filters, ordering and search for the list endpoints.

Filters on related records take slugs and never fail on an unknown one (it matches
nothing); malformed values (a bad date, an unknown choice, an unknown ordering field)
are a 400 that names the parameter.

Filters reveal nothing: a filter on a related record matches only through records the
reader may see (``VisibleSlugFilter`` and the ``filter_*`` methods look the slug up in
``visible_to(viewer)`` and follow only visible intermediate records), so a hidden slug
behaves exactly like an unknown one. ``?search=`` matches a related record's text only
when the reader may see that record (``SearchFilter``). Ordering by a figure uses the
stored, record-level value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as df
from django import forms
from django.db.models import Q, QuerySet
from django_filters import fields as df_fields
from django_filters import widgets as df_widgets
from django_filters.constants import EMPTY_VALUES
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
from incidents.provenance.registry import claim_subject_model
from incidents.selectors import visible
from kb.api.authentication import viewer_of


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
            fields = [str(f) for f in (self.get_default_ordering(view)
                                       or queryset.query.order_by
                                       or queryset.model._meta.ordering or [])]
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
    """Every word must match one of the view's ``search_fields`` (case-insensitive).
    A field of a related record (``outlet__name``) matches only through related records
    the reader may see: the text of a hidden record never finds anything."""

    search_description = "Words to find in the record's names and texts (all must match)."

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        search_fields = self.get_search_fields(view, request)
        terms = self.get_search_terms(request)
        if not search_fields or not terms:
            return queryset
        viewer = viewer_of(request)
        condition = Q()
        for term in terms:
            any_field = Q()
            for name in search_fields:
                any_field |= _search_q(queryset.model, name, term, viewer)
            condition &= any_field
        return queryset.filter(condition).distinct()


def _search_q(model: Any, path: str, term: str, viewer: Any) -> Q:
    """``path__icontains=term``, through visible related records only."""
    first, _, rest = path.partition("__")
    field = model._meta.get_field(first)
    related = getattr(field, "related_model", None)
    if rest and field.is_relation and related is not None and hasattr(related, "marking"):
        matching = visible(related._default_manager.all(), viewer).filter(
            _search_q(related, rest, term, viewer))
        return Q(**{f"{first}__in": matching.values("pk")})
    return Q(**{f"{path}__icontains": term})


def viewer_rows(filterset: df.FilterSet, model: Any, **lookup: Any) -> QuerySet:
    """Rows of ``model`` matching ``lookup`` that the filterset's reader may see."""
    request = getattr(filterset, "request", None)
    viewer = viewer_of(request) if request is not None else None
    return visible(model._default_manager.all(), viewer).filter(**lookup)


@extend_schema_field({"type": "string"})
class VisibleSlugFilter(df.CharFilter):
    """``?<name>=<slug>``: records linked through ``field_name`` (a foreign key or a
    many-to-many field) to the visible record of ``model`` with that slug (``key`` for
    sources). A hidden slug matches nothing, as an unknown one does."""

    def __init__(self, *args: Any, model: Any, slug_field: str = "slug",
                 **kwargs: Any) -> None:
        self.related = model
        self.slug_field = slug_field
        kwargs.setdefault("distinct", True)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        rows = viewer_rows(self.parent, self.related, **{self.slug_field: value})
        qs = qs.filter(**{f"{self.field_name}__in": rows.values("pk")})
        return qs.distinct() if self.distinct else qs


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


def _slug_filter(field_name: str, model: Any, help_text: str,
                 slug_field: str = "slug") -> VisibleSlugFilter:
    return VisibleSlugFilter(field_name=field_name, model=model, slug_field=slug_field,
                             label=help_text)


class ActorFilter(df.FilterSet):
    parent = _slug_filter("parent", Actor, "Slug of the parent organisation.")
    country = df.CharFilter(lookup_expr="iexact")
    region = df.CharFilter(lookup_expr="iexact")
    incident = df.CharFilter(method="filter_incident", label="Slug of an incident the actor "
                             "is linked to (operator, target, event, relationship).")

    class Meta:
        model = Actor
        fields = ["kind", "marking", "parent", "country", "region", "incident"]

    def filter_incident(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        incident = viewer_rows(self, Incident, slug=value).values("pk")
        campaigns = campaigns_of_incident(self, incident)
        events = viewer_rows(self, Event, incidents__in=incident).values("pk")
        relationships = viewer_rows(self, Relationship, object_incident__in=incident)
        return queryset.filter(
            Q(operated_campaigns__in=campaigns)
            | Q(incidents_as_provider__in=incident) | Q(incidents_as_system__in=incident)
            | Q(events__in=events)
            | Q(relationships_out__in=relationships.values("pk"))
        ).distinct()


def campaigns_of_incident(filterset: df.FilterSet, incident: QuerySet) -> QuerySet:
    """Visible campaigns of the (visible) ``incident``, directly or through a visible
    cluster."""
    clusters = viewer_rows(filterset, Campaign, incident__in=incident).values("pk")
    return viewer_rows(filterset, Campaign).filter(
        Q(incident__in=incident) | Q(parent__in=clusters)).values("pk")


class IncidentFilter(df.FilterSet):
    actor = df.CharFilter(method="filter_actor", label="Slug of an actor: operator or target.")
    disclosed_on = df.DateFromToRangeFilter()

    class Meta:
        model = Incident
        fields = ["status", "marking", "actor", "disclosed_on"]

    def filter_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        actor = viewer_rows(self, Actor, slug=value).values("pk")
        operated = viewer_rows(self, Campaign, operators__in=actor).values("pk")
        clusters = viewer_rows(self, Campaign, children__in=operated).values("pk")
        return queryset.filter(
            Q(target_provider__in=actor) | Q(target_system__in=actor)
            | Q(campaigns__in=operated) | Q(campaigns__in=clusters)
        ).distinct()


class CampaignFilter(df.FilterSet):
    incident = df.CharFilter(method="filter_incident",
                             label="Slug of the incident (a cluster's campaigns included).")
    actor = _slug_filter("operators", Actor, "Slug of an operator.")
    parent = _slug_filter("parent", Campaign, "Slug of the cluster.")
    capability = _slug_filter("capabilities", Capability, "Slug of a targeted capability.")
    technique = _slug_filter("techniques", Technique, "Slug of a technique used.")
    start_date = df.DateFromToRangeFilter()
    end_date = df.DateFromToRangeFilter()

    class Meta:
        model = Campaign
        fields = ["marking", "incident", "actor", "parent", "capability", "technique",
                  "start_date", "end_date"]

    def filter_incident(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        incident = viewer_rows(self, Incident, slug=value).values("pk")
        return queryset.filter(pk__in=campaigns_of_incident(self, incident))


class VocabularyFilter(df.FilterSet):
    campaign = _slug_filter("campaigns", Campaign, "Slug of a campaign.")

    class Meta:
        fields = ["marking", "campaign"]


class CapabilityFilter(VocabularyFilter):
    class Meta(VocabularyFilter.Meta):
        model = Capability


class TechniqueFilter(VocabularyFilter):
    class Meta(VocabularyFilter.Meta):
        model = Technique


class AccountClusterFilter(df.FilterSet):
    campaign = _slug_filter("campaign", Campaign, "Slug of the campaign.")
    incident = df.CharFilter(method="filter_incident", label="Slug of the campaign's incident.")
    first_seen = df.DateFromToRangeFilter()

    class Meta:
        model = AccountCluster
        fields = ["marking", "qualifier", "campaign", "incident", "first_seen"]

    def filter_incident(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        incident = viewer_rows(self, Incident, slug=value).values("pk")
        return queryset.filter(campaign__in=viewer_rows(self, Campaign, incident__in=incident)
                               .values("pk"))


class AccountFilter(df.FilterSet):
    cluster = IdFilter(field_name="cluster_id", label="Id of the account cluster.")
    campaign = df.CharFilter(method="filter_campaign", label="Slug of the campaign.")
    created_on = DateTimeRangeFilter()
    banned_on = DateTimeRangeFilter()
    banned = df.ChoiceFilter(method="filter_banned", choices=[("yes", "yes"), ("no", "no")],
                             label="Only banned (yes) or not banned (no) accounts.")

    class Meta:
        model = Account
        fields = ["marking", "cluster", "campaign", "created_on", "banned_on", "banned"]

    def filter_campaign(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        campaign = viewer_rows(self, Campaign, slug=value).values("pk")
        return queryset.filter(cluster__in=viewer_rows(self, AccountCluster,
                                                       campaign__in=campaign).values("pk"))

    def filter_banned(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(banned_on__isnull=value != "yes")


class ExchangeVolumeFilter(df.FilterSet):
    campaign = _slug_filter("campaign", Campaign, "Slug of the campaign.")
    incident = df.CharFilter(method="filter_incident", label="Slug of the campaign's incident.")
    capability = _slug_filter("capability", Capability, "Slug of the capability.")
    period_start = df.DateFromToRangeFilter()

    class Meta:
        model = ExchangeVolume
        fields = ["marking", "granularity", "qualifier", "campaign", "incident", "capability",
                  "period_start"]

    def filter_incident(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        incident = viewer_rows(self, Incident, slug=value).values("pk")
        return queryset.filter(campaign__in=viewer_rows(self, Campaign, incident__in=incident)
                               .values("pk"))


class LetterFilter(df.FilterSet):
    incident = _slug_filter("incidents", Incident, "Slug of an incident.")
    actor = df.CharFilter(method="filter_actor", label="Slug of the sender or a recipient.")
    date = df.DateFromToRangeFilter()

    class Meta:
        model = Letter
        fields = ["status", "marking", "incident", "actor", "date"]

    def filter_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        actor = viewer_rows(self, Actor, slug=value).values("pk")
        return queryset.filter(Q(sender__in=actor) | Q(recipients__in=actor)).distinct()


class CoverageFilter(df.FilterSet):
    incident = _slug_filter("incidents", Incident, "Slug of an incident.")
    actor = _slug_filter("outlet", Actor, "Slug of the outlet.")
    region = df.CharFilter(lookup_expr="iexact")
    language = df.CharFilter(lookup_expr="iexact")
    published_on = df.DateFromToRangeFilter()

    class Meta:
        model = Coverage
        fields = ["marking", "incident", "actor", "region", "language", "published_on"]


class EventFilter(df.FilterSet):
    incident = _slug_filter("incidents", Incident, "Slug of an incident.")
    actor = _slug_filter("actors", Actor, "Slug of an actor.")
    date = df.DateFromToRangeFilter()

    class Meta:
        model = Event
        fields = ["kind", "precision", "marking", "incident", "actor", "date"]


class RelationshipFilter(df.FilterSet):
    actor = df.CharFilter(method="filter_actor", label="Slug of the subject or object actor.")
    incident = _slug_filter("object_incident", Incident, "Slug of the object incident.")
    start_date = df.DateFromToRangeFilter()

    class Meta:
        model = Relationship
        fields = ["kind", "marking", "actor", "incident", "start_date"]

    def filter_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        actor = viewer_rows(self, Actor, slug=value).values("pk")
        return queryset.filter(Q(subject__in=actor) | Q(object_actor__in=actor))


class SourceFilter(df.FilterSet):
    actor = _slug_filter("publisher", Actor, "Slug of the publisher.")
    published_on = df.DateFromToRangeFilter()

    class Meta:
        model = Source
        fields = ["kind", "reliability", "marking", "actor", "published_on"]


class ClaimFilter(df.FilterSet):
    subject = df.CharFilter(method="filter_subject",
                            label="The record the claims are about: <model>:<slug or id>.")
    subject_type = df.CharFilter(field_name="content_type__model",
                                 label="Model of the subject: campaign, incident, …")
    source = _slug_filter("source", Source, "Key of the source.", slug_field="key")
    field = df.CharFilter()

    class Meta:
        model = Claim
        fields = ["status", "kind", "qualifier", "marking", "field", "subject", "subject_type",
                  "source"]

    def filter_subject(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        from kb.api.serializers.claims import subject_lookup

        model_name, _, key = value.partition(":")
        model = claim_subject_model(model_name)
        if model is None or not key:
            return queryset.none()
        ids = subject_lookup(viewer_rows(self, model), key).values("pk")
        return queryset.filter(content_type__model=model_name, object_id__in=ids)
