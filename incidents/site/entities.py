"""Entity pages: actors, sources, and the comparison of campaigns.

Thin: ``incidents.site.entity_data`` reads (through visibility, prefetched once, so each
page runs in a fixed number of queries) and shapes; these views parse the request and
render. A hidden record's page is a 404 like a missing one; a hidden related record is
never named (the neutral "restricted" marker stands in its place).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from incidents.site import entity_data


@login_required
def actor_list(request: HttpRequest) -> HttpResponse:
    return render(request, "incidents/actor_list.html",
                  entity_data.actor_list_context(viewer=request.user))


@login_required
def actor_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "incidents/actor_detail.html",
                  entity_data.actor_detail_context(viewer=request.user, slug=slug))


@login_required
def source_list(request: HttpRequest) -> HttpResponse:
    return render(request, "incidents/source_list.html",
                  entity_data.source_list_context(viewer=request.user))


@login_required
def source_detail(request: HttpRequest, key: str) -> HttpResponse:
    return render(request, "incidents/source_detail.html",
                  entity_data.source_detail_context(viewer=request.user, key=key))


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    slugs = [s.strip() for s in request.GET.getlist("campaigns") if s.strip()]
    context = entity_data.compare_context(viewer=request.user, slugs=slugs,
                                          asked="campaigns" in request.GET)
    return render(request, "incidents/compare.html", context,
                  status=400 if context["error"] else 200)


urlpatterns = [
    path("actors/", actor_list, name="actor-list"),
    path("actors/<slug:slug>/", actor_detail, name="actor-detail"),
    path("sources/", source_list, name="source-list"),
    path("sources/<slug:key>/", source_detail, name="source-detail"),
    path("compare/", compare, name="compare"),
]
