"""The analyst site's records pages: dashboard, incidents, campaigns, letters, coverage.

Thin: selectors fetch (``incidents.selectors``, ``incidents.site.record_selectors``,
``incidents.provenance.selectors``), ``incidents.presentation`` shapes. Every page reads
as its reader: records, figures (the consensus of the claims the reader may see,
footnoted with exactly their sources), conflicts and derived checks come from selectors
that apply ``incidents.visibility``; a related record the reader may not see is shown as
the neutral "restricted" marker, never named; a hidden record's own page is a 404 like a
missing one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import path
from django.utils.text import slugify

from incidents import charts, selectors
from incidents.figures import Figure, campaign_figures
from incidents.models import AlertStatus
from incidents.presentation import (
    COVERAGE_GROUPS,
    Footnote,
    FootnoteRegister,
    alert_rows,
    campaign_figure_rows,
    campaign_rows,
    checks_by_field,
    claim_rows,
    coverage_groups,
    coverage_rows,
    event_rows,
    incident_header,
    letter_rows,
    linked,
    linked_list,
    named,
    prefetched,
    safe_url,
    subject_url,
    url_or_blank,
)
from incidents.provenance.display import conflict_rows
from incidents.provenance.selectors import (
    alert_list,
    campaign_derived_checks,
    campaigns_derived_checks,
    claim_queue,
    claim_redactor,
    conflict_list,
)
from incidents.site import record_selectors
from kb.letters.addressing import Addressee
from kb.letters.rendering import letter_view

#: How many rows each dashboard panel lists (its count covers them all).
DASHBOARD_ROWS = 5
#: How many coverage items the incident page lists before linking to the full list.
INCIDENT_COVERAGE_ROWS = 8

TIMELINE_TEMPLATE = "charts/_timeline.html"
REVIEW_PERMISSION = "incidents.change_claim"
ALERT_PERMISSION = "incidents.change_factalert"


def timeline_chart(**kwargs: Any) -> Any:
    """The page's timeline chart (``incidents.charts.timeline_for``), or ``None`` while
    its template is not there yet (the page then lists the events instead)."""
    try:
        get_template(TIMELINE_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return charts.timeline_for(**kwargs)


def _admin_url(name: str, user: Any, permission: str) -> str:
    return url_or_blank(name) if user.has_perm(permission) else ""


# -- dashboard ------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs attention, each panel with a count of what the viewer may see."""
    viewer = request.user
    notes = FootnoteRegister()
    incidents = record_selectors.recent_incidents(viewer=viewer)
    recent = [(incident, incident_header(incident, notes, viewer))
              for incident in incidents[:DASHBOARD_ROWS]]
    conflicts = conflict_list(viewer=viewer)
    pending = claim_queue(viewer=viewer)
    pending_rows = list(pending.order_by("-created_at", "-id")[:DASHBOARD_ROWS])
    redact = claim_redactor(viewer=viewer, claims=pending_rows)
    alerts = alert_list(viewer=viewer, status=AlertStatus.OPEN)
    coverage = record_selectors.coverage_list(viewer=viewer)
    return render(request, "incidents/dashboard.html", {
        "incidents": recent,
        "incident_count": incidents.count(),
        "conflicts": [{**row, **_conflict_subject(row["conflict"], viewer)}
                      for row in conflict_rows(conflicts[:DASHBOARD_ROWS])],
        "conflict_count": len(conflicts),
        "conflicts_url": _admin_url("incidents_review:conflicts", viewer, REVIEW_PERMISSION),
        "pending": claim_rows([redact(c) for c in pending_rows], viewer),
        "pending_count": pending.count(),
        "queue_url": _admin_url("incidents_review:queue", viewer, REVIEW_PERMISSION),
        "alerts": alert_rows(alerts[:DASHBOARD_ROWS], viewer),
        "alert_count": alerts.count(),
        "alerts_url": _admin_url("incidents_review:alerts", viewer, ALERT_PERMISSION),
        "coverage": coverage_rows(coverage[:DASHBOARD_ROWS], viewer),
        "coverage_count": coverage.count(),
        "footnotes": notes.entries,
    })


def _conflict_subject(conflict: Any, viewer: Any) -> dict[str, Any]:
    """The record a conflict is about, linked to the conflict on that record's page
    (``incidents/review/_conflicts.html`` gives each conflict that id)."""
    url = subject_url(conflict.subject)
    anchor = f"conflict-{slugify(conflict.subject_key)}-{slugify(conflict.field)}"
    return {"named": named(viewer, conflict.subject), "url": f"{url}#{anchor}" if url else ""}


# -- incidents ------------


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
    chart = timeline_chart(viewer=viewer, incident=incident, notes=notes)
    events = [] if chart is not None else event_rows(
        selectors.incident_timeline(viewer=viewer, incident=incident), notes, viewer)
    letters = letter_rows(record_selectors.letter_list(viewer=viewer, incident=incident),
                          notes, viewer)
    coverage = record_selectors.coverage_list(viewer=viewer, incident=incident)
    return render(request, "incidents/incident_detail.html", {
        "incident": incident,
        "header": header,
        "campaigns": campaigns,
        "anchors": True,
        "timeline": chart,
        "events": events,
        "letters": letters,
        "coverage": coverage_rows(coverage[:INCIDENT_COVERAGE_ROWS], viewer),
        "coverage_count": coverage.count(),
        "chart": exchange_chart(campaigns),
        "conflict_rows": conflict_rows(conflict_list(viewer=viewer, incident=incident)),
        "footnotes": notes.entries,
    })


def exchange_chart(campaigns: list[dict[str, Any]]) -> Any:
    """Exchanges per campaign as a bar chart (``incidents.charts.bar_chart``), each bar
    labelled with its figure as shown ("more than 13 million") and its footnotes. Only
    campaigns without visible parts are plotted, so a cluster's sum is never drawn as a
    peer of its own parts; ``None`` for fewer than two bars."""
    parents = {row["campaign"].parent_id for row in campaigns if row["child"]}
    rows = [
        charts.BarRow(label=row["campaign"].name or "(untitled campaign)",
                      value=row["figures"]["exchanges"].value, display=row["exchanges"],
                      url=url_or_blank("campaign-detail", row["campaign"].slug),
                      notes=tuple(row["exchanges_notes"]))
        for row in campaigns
        if row["campaign"].pk not in parents and row["figures"]["exchanges"].known
    ]
    if len(rows) < 2:
        return None
    return charts.bar_chart(title="Exchanges per campaign", unit="exchanges", rows=rows,
                            x_label="Exchanges")


# -- campaigns ------------


@login_required
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = request.user
    campaign = selectors.campaign_get(viewer=viewer, slug=slug)
    notes = FootnoteRegister()
    figures = campaign_figures(campaign)
    figure_rows = campaign_figure_rows(figures, notes)
    rows = campaign_rows([campaign], notes, viewer)  # the campaign, then its parts
    own, parts = rows[0], rows[1:]
    for part in parts:
        part["child"] = False  # listed on their own under the campaign's heading
    chart = timeline_chart(viewer=viewer, campaign=campaign, notes=notes)
    events = [] if chart is not None else event_rows(
        record_selectors.campaign_events(viewer=viewer, campaign=campaign), notes, viewer)
    checks = campaign_derived_checks(viewer=viewer, campaign=campaign)
    return render(request, "incidents/campaign_detail.html", {
        "campaign": campaign,
        "incident": linked(viewer, campaign.incident, "incident-detail"),
        "part_of": linked(viewer, campaign.parent, "campaign-detail")
        if campaign.parent_id else None,
        "figure_rows": figure_rows,
        "period": own["period"],
        "withheld_parts": own["withheld_parts"],
        "hidden_parts": bool(getattr(campaign, "withheld_children", False)),
        "operators": linked_list(viewer, prefetched(campaign, "operators"), "actor-detail",
                                 getattr(campaign, "withheld_operators", False)),
        "capabilities": own["capabilities"],
        "techniques": own["techniques"],
        "campaigns": parts,
        "anchors": True,
        "timeline": chart,
        "events": events,
        "check_groups": checks_by_field(checks),
        "conflict_rows": conflict_rows(conflict_list(viewer=viewer, subject=campaign)),
        "footnotes": notes.entries,
    })


# -- letters ------------


@login_required
def letter_list(request: HttpRequest) -> HttpResponse:
    viewer = request.user
    notes = FootnoteRegister()
    rows = letter_rows(record_selectors.letter_list(viewer=viewer), notes, viewer)
    return render(request, "incidents/letter_list.html",
                  {"letters": rows, "footnotes": notes.entries})


@login_required
def letter_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A letter: its record (status, sent date, recipients with their titles, what it is
    about, corrections), its downloads and the letter itself as the reader may read it
    (``kb.letters.rendering.letter_view``). One footnote numbering for the page: the
    record's figures continue the letter's own (date, then body), so every number
    matches the sources list."""
    viewer = request.user
    letter = record_selectors.letter_get(viewer=viewer, slug=slug)
    view = letter_view(letter=letter, viewer=viewer)
    notes = _continued(view.footnotes)
    row = letter_rows([letter], notes, viewer)[0]
    sources = [{"source": s, "url": url_or_blank("source-detail", s.key),
                "address": safe_url(s.url)} for s in prefetched(letter, "sources")]
    downloads = _letter_downloads(letter.slug)
    return render(request, "incidents/letter_detail.html", {
        "letter": letter, "row": row, "view": view, "reported_by": sources,
        "addressees": [_addressee(viewer, a, downloads) for a in view.addressees],
        "withheld_recipients": any(item.restricted for item in row["recipients"]),
        "corrects": linked(viewer, letter.corrects, "letter-detail")
        if letter.corrects_id else None,
        "corrections": linked_list(viewer, prefetched(letter, "corrections"), "letter-detail",
                                   getattr(letter, "withheld_corrections", False)),
        "downloads": downloads,
        "conflict_rows": conflict_rows(conflict_list(viewer=viewer, subject=letter)),
        "footnotes": notes.entries,
    })


def _continued(footnotes: list[Footnote]) -> FootnoteRegister:
    """A register that already holds ``footnotes`` (a letter view's, numbered 1…n) under
    their numbers, with every quote: what the page cites next continues them."""
    notes = FootnoteRegister()
    for note in footnotes:
        refs = tuple(replace(note.source, quote=quote) for quote in note.quotes or [""])
        notes.cite(Figure(field="", label="", value=None, qualifier="", sources=refs))
    return notes


def _letter_downloads(slug: str) -> dict[str, str]:
    return {
        "docx": url_or_blank("letter-docx", slug),
        "pdf": url_or_blank("letter-pdf", slug),
        "zip_docx": _with_query(url_or_blank("letter-zip", slug), format="docx"),
        "zip_pdf": _with_query(url_or_blank("letter-zip", slug), format="pdf"),
    }


def _with_query(url: str, **params: str) -> str:
    return f"{url}?{urlencode(params)}" if url else ""


def _addressee(viewer: Any, person: Addressee, downloads: dict[str, str]) -> dict[str, Any]:
    """One recipient as the page lists them: name and title ("Tim Scott, Chairman,
    Senate Committee on …"), with their personalised downloads."""
    slug = person.actor.slug
    return {
        "actor": linked(viewer, person.actor, "actor-detail"),
        "title": person.title,
        "committee": linked(viewer, person.committee, "actor-detail")
        if person.committee is not None else None,
        "slug": slug,
        "docx": _with_query(downloads["docx"], recipient=slug) if downloads["docx"] else "",
        "pdf": _with_query(downloads["pdf"], recipient=slug) if downloads["pdf"] else "",
    }


def _letter_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The letter in ``fmt`` for the reader (``kb.letters.export``): 404 for a letter
    they may not see, exactly like its page, or for a recipient they may not see."""
    from kb.letters.export import letter_export_response

    letter = record_selectors.letter_get(viewer=request.user, slug=slug)
    recipient = request.GET.get("recipient") or None
    try:
        return letter_export_response(letter=letter, request=request, fmt=fmt,
                                      recipient_slug=None if fmt.startswith("zip-")
                                      else recipient)
    except ValueError:
        return HttpResponseBadRequest("Unknown format.")


@login_required
def letter_docx(request: HttpRequest, slug: str) -> HttpResponse:
    """The letter as a Word document; ``?recipient=<actor slug>`` for one recipient."""
    return _letter_download(request, slug, "docx")


@login_required
def letter_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The letter as a PDF; ``?recipient=<actor slug>`` for one recipient."""
    return _letter_download(request, slug, "pdf")


@login_required
def letter_zip(request: HttpRequest, slug: str) -> HttpResponse:
    """One personalised document per recipient the reader may see, zipped:
    ``?format=docx`` (the default) or ``pdf``."""
    fmt = request.GET.get("format") or "docx"
    if fmt not in ("docx", "pdf"):
        return HttpResponseBadRequest("format is docx or pdf.")
    return _letter_download(request, slug, f"zip-{fmt}")


# -- coverage ------------


@login_required
def coverage_list(request: HttpRequest) -> HttpResponse:
    viewer = request.user
    group = request.GET.get("group", "region")
    if group not in COVERAGE_GROUPS:
        group = "region"
    rows = coverage_rows(record_selectors.coverage_list(viewer=viewer), viewer)
    return render(request, "incidents/coverage_list.html", {
        "group": group,
        "group_label": COVERAGE_GROUPS[group][0],
        "choices": [{"key": key, "label": label, "url": f"?group={key}"}
                    for key, (label, _attr) in COVERAGE_GROUPS.items()],
        "groups": coverage_groups(rows, group),
        "count": len(rows),
    })


@login_required
def coverage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.user
    item = record_selectors.coverage_get(viewer=viewer, pk=pk)
    row = coverage_rows([item], viewer)[0]
    sources = [{"source": s, "url": url_or_blank("source-detail", s.key),
                "address": safe_url(s.url)} for s in prefetched(item, "sources")]
    return render(request, "incidents/coverage_detail.html", {
        "item": item, "row": row, "sources": sources,
        "quotes": [q for q in (item.quotes or []) if isinstance(q, str)],
    })


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("incidents/", incident_list, name="incident-list"),
    path("incidents/<slug:slug>/", incident_detail, name="incident-detail"),
    path("campaigns/<slug:slug>/", campaign_detail, name="campaign-detail"),
    path("letters/", letter_list, name="letter-list"),
    path("letters/<slug:slug>/", letter_detail, name="letter-detail"),
    path("letters/<slug:slug>/letter.docx", letter_docx, name="letter-docx"),
    path("letters/<slug:slug>/letter.pdf", letter_pdf, name="letter-pdf"),
    path("letters/<slug:slug>/letters.zip", letter_zip, name="letter-zip"),
    path("coverage/", coverage_list, name="coverage-list"),
    path("coverage/<int:pk>/", coverage_detail, name="coverage-detail"),
]
