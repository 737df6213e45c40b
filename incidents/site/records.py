"""The analyst site's first pages. Thin: selectors fetch, ``presentation`` shapes.

Every page reads as its reader: records, figures (the consensus of the claims the reader
may see, footnoted with exactly their sources), conflicts and derived checks come from
selectors that apply ``incidents.visibility``; a related record the reader may not see
is shown as the neutral "restricted" marker, never named.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from incidents import selectors
from incidents.presentation import FootnoteRegister, campaign_rows, event_rows, incident_header
from incidents.provenance.display import conflict_rows
from incidents.provenance.selectors import campaigns_derived_checks, conflict_list


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    viewer = request.user
    notes = FootnoteRegister()
    rows = []
    for incident in selectors.incident_list(viewer=viewer):
        header = incident_header(incident, notes, viewer)
        rows.append((incident, header, campaign_rows(incident.visible_campaigns, notes,
                                                     viewer)))
    return render(request, "incidents/incident_list.html",
                  {"rows": rows, "footnotes": notes.entries})


@login_required
def incident_detail(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = request.user
    incident = selectors.incident_get(viewer=viewer, slug=slug)
    notes = FootnoteRegister()
    header = incident_header(incident, notes, viewer)
    campaigns = campaign_rows(incident.visible_campaigns, notes, viewer)
    checks = campaigns_derived_checks(viewer=viewer, campaigns=[r["campaign"] for r in campaigns])
    for row in campaigns:
        row["derived_checks"] = checks.get(row["campaign"].pk, [])
    events = event_rows(selectors.incident_timeline(viewer=viewer, incident=incident), notes,
                        viewer)
    return render(request, "incidents/incident_detail.html", {
        "incident": incident,
        "header": header,
        "campaigns": campaigns,
        "events": events,
        "footnotes": notes.entries,
        "chart": exchange_chart(campaigns),
        "conflict_rows": conflict_rows(conflict_list(viewer=viewer, incident=incident)),
    })


def exchange_chart(campaigns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bars for an inline SVG chart of exchanges per campaign (widths in percent)."""
    known = [c for c in campaigns if c["figures"]["exchanges"].known]
    if not known:
        return []
    top = max(c["figures"]["exchanges"].value for c in known) or 1
    return [
        {"label": c["campaign"].name, "value": c["figures"]["exchanges"].value,
         "width": max(0, min(100, round(100 * c["figures"]["exchanges"].value / top, 1))),
         "qualifier": c["figures"]["exchanges"].qualifier}
        for c in known
    ]


urlpatterns = [
    path("", incident_list, name="incident-list"),
    path("incidents/<slug:slug>/", incident_detail, name="incident-detail"),
]
