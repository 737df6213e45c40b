"""The analyst site's first pages. Thin: selectors fetch, ``presentation`` shapes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incidents import selectors
from incidents.presentation import FootnoteRegister, campaign_rows
from incidents.provenance.display import conflict_rows
from incidents.provenance.selectors import campaign_derived_checks, conflict_list


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = list(selectors.incident_list(viewer=request.user))
    notes = FootnoteRegister()
    rows = [(incident, campaign_rows(incident.visible_campaigns, notes)) for incident in incidents]
    return render(request, "incidents/incident_list.html",
                  {"rows": rows, "footnotes": notes.entries})


@login_required
def incident_detail(request: HttpRequest, slug: str) -> HttpResponse:
    incident = selectors.incident_get(viewer=request.user, slug=slug)
    notes = FootnoteRegister()
    campaigns = campaign_rows(incident.visible_campaigns, notes)
    events = list(selectors.incident_events(viewer=request.user, incident=incident))
    for row in campaigns:
        row["derived_checks"] = campaign_derived_checks(viewer=request.user,
                                                        campaign=row["campaign"])
    return render(request, "incidents/incident_detail.html", {
        "incident": incident,
        "campaigns": campaigns,
        "events": events,
        "footnotes": notes.entries,
        "chart": exchange_chart(campaigns),
        "conflict_rows": conflict_rows(conflict_list(viewer=request.user, incident=incident)),
    })


def exchange_chart(campaigns: list) -> list[dict]:
    """Bars for an inline SVG chart of exchanges per campaign (widths in percent)."""
    known = [c for c in campaigns if c["figures"]["exchanges"].known]
    if not known:
        return []
    top = max(c["figures"]["exchanges"].value for c in known) or 1
    return [
        {"label": c["campaign"].name, "value": c["figures"]["exchanges"].value,
         "width": round(100 * c["figures"]["exchanges"].value / top, 1),
         "qualifier": c["figures"]["exchanges"].qualifier}
        for c in known
    ]
