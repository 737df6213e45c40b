"""``GET /api/v1/search/?q=…&type=…&page=…``: full-text search over every record the
credential may see, with facets. Thin: ``kb.search.selectors.search_records`` does the
work (and applies the token's or user's clearance inside the search itself)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kb.api.authentication import viewer_of
from kb.api.views.base import NoNulQueryMixin
from kb.search.documents import FACETS
from kb.search.highlight import highlight_html
from kb.search.selectors import MAX_PAGE, MAX_PAGE_SIZE, search_records


def _value(max_length: int) -> serializers.CharField:
    """A facet value as the facets list it: exact, spaces and all (not trimmed)."""
    return serializers.CharField(max_length=max_length, min_length=1, trim_whitespace=False)


class SearchParameters(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=500, default="",
        help_text='Words (all must match), "a phrase", prefix*, -excluded, and field '
        'filters: type:coverage region:Asia actor:"Tim Scott" year:2026 lens:… title:…. '
        "A misspelt word is read as the nearest word the index holds (see corrections).",
    )
    type = serializers.ListField(child=_value(32), required=False,
                                 help_text="Exact facet value; repeat for any of several.")
    actor = serializers.ListField(child=_value(200),
                                  required=False, help_text="Exact actor name (facet value).")
    year = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=9999),
                                 required=False)
    region = serializers.ListField(child=_value(100),
                                   required=False)
    lens = serializers.ListField(child=_value(200), required=False)
    sort = serializers.ChoiceField(choices=["relevance", "date"], default="relevance",
                                   help_text="relevance, or date (newest first).")
    page = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, default=1,
                                    help_text="From 1; a page past the last is empty.")
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=20)

    def to_internal_value(self, data: Any) -> Any:
        # DRF reads an empty query parameter as an absent one (and takes the default);
        # ``?sort=`` is a malformed request, not a request for the default order.
        empty: dict[str, Any] = {
            str(name): ["May not be empty."] for name in self.fields
            if name != "q" and hasattr(data, "getlist")
            and any(value == "" for value in data.getlist(name))
        }
        if empty:
            raise serializers.ValidationError(empty)
        return super().to_internal_value(data)


class SearchHitOut(serializers.Serializer):
    type = serializers.CharField()
    slug = serializers.CharField(help_text="Empty for records without one: use id.")
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="The record's page on the site, or its source.")
    highlight = serializers.CharField(help_text="HTML: escaped text, matches in <mark>.")
    score = serializers.FloatField(help_text="Relevance; 0 when sorted by date.")
    date = serializers.DateField(allow_null=True)
    marking = serializers.CharField()


class FacetValueOut(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class FacetsOut(serializers.Serializer):
    type = FacetValueOut(many=True, required=False)
    actor = FacetValueOut(many=True, required=False)
    year = FacetValueOut(many=True, required=False)
    region = FacetValueOut(many=True, required=False)
    lens = FacetValueOut(many=True, required=False)


class SearchResponseOut(serializers.Serializer):
    count = serializers.IntegerField(help_text="Matching records the credential may see.")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = SearchHitOut(many=True)
    facets = FacetsOut(help_text="Counts per value over all matching records.")
    corrections = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Misspelt words and the indexed words they were read as.",
    )
    unavailable = serializers.CharField(help_text="Why there are no results, if the index "
                                        "could not answer; empty otherwise.")


class SearchView(NoNulQueryMixin, APIView):
    # Results with facets have no sensible CSV shape: JSON (and the browsable API) only.
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(
        summary="Search every record",
        description="Incidents, campaigns, actors, coverage, letters, claims, events, "
        "sources and briefings, ranked by relevance (or date), with facet counts. Only "
        "records the credential's clearance covers are searched, counted or faceted.",
        parameters=[SearchParameters], responses=SearchResponseOut, tags=["search"],
    )
    def get(self, request: Request) -> Response:
        params = SearchParameters(data=request.query_params)
        params.is_valid(raise_exception=True)
        data: dict[str, Any] = params.validated_data
        results = search_records(
            viewer=viewer_of(request), q=data["q"],
            filters={name: [str(v) for v in data.get(name, [])] for name in FACETS},
            sort=data["sort"], page=data["page"], page_size=data["page_size"],
        )
        body = {
            "count": results.count,
            "page": data["page"],
            "page_size": data["page_size"],
            "results": [
                {
                    "type": hit.type, "slug": hit.slug, "id": hit.object_id,
                    "title": hit.title, "url": hit.url,
                    "highlight": str(highlight_html(hit.highlight)),
                    "score": round(hit.score, 4), "date": hit.date, "marking": hit.marking,
                }
                for hit in results.hits
            ],
            "facets": {name: [{"value": v.value, "count": v.count}
                              for v in results.facets.get(name, [])] for name in FACETS},
            "corrections": results.corrections,
            "unavailable": results.unavailable,
        }
        return Response(SearchResponseOut(body).data)


urlpatterns = [path("", SearchView.as_view(), name="api-search")]
