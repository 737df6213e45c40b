"""The global timeline (filtered by actor, kind, incident and date range) and the event
page. Thin: ``incidents.timeline_selectors`` reads through visibility,
``incidents.charts`` draws, ``incidents.figures`` gives every date and value with its
sources.

Filters name records by slug; the choices are the records the reader may see, so a
filter by a hidden slug reads exactly like one by an unknown slug ("not one of the
choices"). A bad filter is a clear message on the page (status 400), never a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from incidents.charts import event_item, timeline_for
from incidents.figures import event_date_figure
from incidents.formatting import format_date
from incidents.models import Actor, EventKind, Incident
from incidents.presentation import MARKER, FootnoteRegister, named, url_or_blank
from incidents.selectors import get_visible_or_404, visible, withheld
from incidents.timeline_selectors import event_queryset, origins_attach

DATE_HELP = "A date as YYYY-MM-DD, e.g. 2026-06-24."


class TimelineFilter(forms.Form):
    """The timeline's filters; choices are what the reader may see."""

    incident = forms.ChoiceField(required=False, label="Incident")
    actor = forms.ChoiceField(required=False, label="Actor")
    kind = forms.ChoiceField(required=False, label="Kind of event",
                             choices=[("", "Any kind"), *EventKind.choices])
    start = forms.DateField(
        required=False, label="From", input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": f"“From” is not a date. {DATE_HELP}"})
    end = forms.DateField(
        required=False, label="To", input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": f"“To” is not a date. {DATE_HELP}"})

    def __init__(self, data: Any, *, incidents: list[Incident], actors: list[Actor]) -> None:
        # The URL says from= and to= (the contract); the form's fields cannot be named so.
        super().__init__(data)
        choices = {
            "incident": [("", "Any incident"), *((i.slug, i.title) for i in incidents)],
            "actor": [("", "Any actor"), *((a.slug, a.name) for a in actors)],
        }
        for name, label in (("incident", "incident"), ("actor", "actor"),
                            ("kind", "kind of event")):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            if name in choices:
                field.choices = choices[name]
            field.error_messages["invalid_choice"] = (
                f"No {label} “%(value)s” to filter by: pick one from the list.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError(
                f"The range ends ({format_date(end)}) before it starts ({format_date(start)}).")
        return cleaned


def _filter_data(request: HttpRequest) -> dict[str, str]:
    query = request.GET
    return {"incident": query.get("incident", ""), "actor": query.get("actor", ""),
            "kind": query.get("kind", ""), "start": query.get("from", ""),
            "end": query.get("to", "")}


@login_required
def timeline(request: HttpRequest) -> HttpResponse:
    """``/timeline/?actor=&kind=&incident=&from=&to=``: every event the reader may see,
    filtered, as a chart with a data table and footnoted sources."""
    viewer = request.user
    incidents = list(visible(Incident.objects.all(), viewer).order_by("title")
                     .only("pk", "slug", "title", "marking"))
    actors = list(visible(Actor.objects.all(), viewer).order_by("name")
                  .only("pk", "slug", "name", "marking"))
    form = TimelineFilter(_filter_data(request), incidents=incidents, actors=actors)
    notes = FootnoteRegister()
    chart = None
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        by_slug_incident = {i.slug: i for i in incidents}
        by_slug_actor = {a.slug: a for a in actors}
        chart = timeline_for(
            viewer=viewer, notes=notes,
            incident=by_slug_incident.get(data["incident"]) if data["incident"] else None,
            actor=by_slug_actor.get(data["actor"]) if data["actor"] else None,
            kind=data["kind"] or None, start=data["start"], end=data["end"])
    else:
        status = 400
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    return render(request, "incidents/timeline.html", {
        "form": form, "chart": chart, "errors": errors, "footnotes": notes.entries,
        "filtered": any(_filter_data(request).values()),
    }, status=status)


def _origin_link(event: Any, viewer: Any) -> dict[str, Any] | None:
    """The record a derived event comes from, named as the reader may read it."""
    origin = getattr(event, "date_origin", None)
    if not event.origin_type_id:
        return None
    roles = {"start": "start of its period", "end": "end of its period",
             "letter": "the letter, sent", "coverage": "publication"}
    role = roles.get(event.origin_role, event.origin_role)
    if origin is None:  # hidden from the reader, or gone
        return {"named": MARKER, "role": role}
    model = origin._meta.model_name
    url = ""
    if model == "campaign":
        url = url_or_blank("campaign-detail", origin.slug)
    elif model == "letter":
        url = url_or_blank("letter-detail", origin.slug)
    elif model == "coverage":
        url = url_or_blank("coverage-detail", origin.pk)
    shown = named(viewer, origin, url=url)
    return {"named": shown, "role": role, "model": origin._meta.verbose_name}


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """``/events/<pk>/``: one event with its date and value (figures, footnoted: a
    derived event shows the sources of the date it derives from), its actors and
    incidents as the reader may read them, and the record it derives from."""
    viewer = request.user
    events = event_queryset(viewer).annotate(
        **withheld(viewer, incidents=(Incident, "events"))).prefetch_related(
        Prefetch("incidents", queryset=visible(Incident.objects.all(), viewer)
                 .order_by("title")))
    event = get_visible_or_404(events, pk=pk)
    origins_attach([event], viewer)
    notes = FootnoteRegister()
    item = event_item(event, notes, viewer)
    date = event_date_figure(event)
    date_text = format_date(date.value, date.qualifier or "day") if date.known else "unknown"
    incidents = [
        {"named": named(viewer, i, url=url_or_blank("incident-detail", i.slug))}
        for i in event.incidents.all()
    ]
    if getattr(event, "withheld_incidents", False):
        incidents.append({"named": MARKER})
    return render(request, "incidents/event_detail.html", {
        "event": event,
        "item": item,
        "date": date,
        "date_text": date_text,
        "incidents": incidents,
        "origin": _origin_link(event, viewer),
        "footnotes": notes.entries,
        "timeline_url": url_or_blank("timeline"),
        "timeline_day": _day_query(date.value),
    })


def _day_query(value: Any) -> str:
    """``from=…&to=…``: the month around ``value`` on the global timeline."""
    if not isinstance(value, dt.date):
        return ""
    first = value.replace(day=1)
    after = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return f"from={first.isoformat()}&to={(after - dt.timedelta(days=1)).isoformat()}"


urlpatterns = [
    path("timeline/", timeline, name="timeline"),
    path("events/<int:pk>/", event_detail, name="event-detail"),
]
