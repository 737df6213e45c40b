"""Charts drawn on the server as SVG: a timeline of events and campaign periods, and bar
charts. Data in, a template context out (``templates/charts/_timeline.html``,
``templates/charts/_bars.html``); no JavaScript, so the same chart prints in a PDF.

Every chart carries a title, axis labels and units, a text alternative (``title`` and
``desc``) and the rows of a data table. Numbers and dates are written by
``incidents.formatting`` only, with their qualifiers ("more than 13 million", "June
2026"). A timeline's figures come from ``incidents.figures`` over the claims the
selectors prefetched, footnoted through the page's ``FootnoteRegister``.

The timeline runs downward in time: month ticks on the left, campaign periods as bars
beside the axis, each event a mark on the axis (a month- or year-precision date spans
its whole month or year) joined by a leader line to its label, labels pushed down so
they never overlap. It is laid out twice, for wide screens and for phones (390 px), and
CSS shows one.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from incidents.bar_charts import BarChart, BarRow, _clip, _uid, bar_chart
from incidents.figures import Figure, event_date_figure, figure
from incidents.formatting import (
    format_date,
    format_month,
    format_number,
    format_period,
    format_short_date,
    qualified,
)
from incidents.models import Actor, Campaign, Event, EventKind, Incident
from incidents.presentation import FootnoteRegister, Named, named_list, url_or_blank
from incidents.timeline_selectors import timeline_campaigns, timeline_events

#: Shape and colour of each kind's mark (colours at least 3:1 against white).
KIND_STYLE: dict[str, tuple[str, str]] = {
    EventKind.DISCLOSURE: ("diamond", "#1f5fbf"),
    EventKind.CAMPAIGN_START: ("triangle-down", "#a33b00"),
    EventKind.CAMPAIGN_END: ("triangle-up", "#a33b00"),
    EventKind.LETTER: ("square", "#6b3fa0"),
    EventKind.REGULATORY_ACTION: ("hexagon", "#1d6f42"),
    EventKind.MARKET_MOVE: ("triangle-down", "#b0122b"),
    EventKind.STATEMENT: ("circle", "#0b6b80"),
    EventKind.COVERAGE: ("circle-open", "#5b6575"),
    EventKind.OTHER: ("circle", "#3d4654"),
}
KIND_ORDER = [k.value for k in EventKind]
CAMPAIGN_COLOUR = "#c05a1c"


# --- shared helpers ---------------------------------------------------------------

def _span(value: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    """The days a date at ``precision`` covers: a day, its whole month or year."""
    if precision == "month":
        last = calendar.monthrange(value.year, value.month)[1]
        return value.replace(day=1), value.replace(day=last)
    if precision == "year":
        return value.replace(month=1, day=1), value.replace(month=12, day=31)
    return value, value


def shape_path(shape: str, x: float, y: float, r: float = 6.0) -> str:
    """An SVG path for a mark of ``shape`` centred on (x, y)."""
    def pts(points: list[tuple[float, float]]) -> str:
        return "M" + " L".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in points) + " Z"

    if shape == "diamond":
        return pts([(0, -r), (r, 0), (0, r), (-r, 0)])
    if shape == "square":
        s = r * 0.85
        return pts([(-s, -s), (s, -s), (s, s), (-s, s)])
    if shape == "triangle-up":
        return pts([(0, -r), (r, r * 0.8), (-r, r * 0.8)])
    if shape == "triangle-down":
        return pts([(-r, -r * 0.8), (r, -r * 0.8), (0, r)])
    if shape == "hexagon":
        h = r * 0.87
        return pts([(-r / 2, -h), (r / 2, -h), (r, 0), (r / 2, h), (-r / 2, h), (-r, 0)])
    # circles (filled or open: the template decides the fill)
    return (f"M{x - r:.1f},{y:.1f} a{r:.1f},{r:.1f} 0 1,0 {2 * r:.1f},0 "
            f"a{r:.1f},{r:.1f} 0 1,0 {-2 * r:.1f},0 Z")


def span_path(x: float, y1: float, y2: float, w: float = 10.0) -> str:
    """A rounded bar from y1 to y2 centred on x: a date that spans a month or a year."""
    h = max(y2 - y1, w)
    r = w / 2
    return (f"M{x - r:.1f},{y1 + r:.1f} a{r:.1f},{r:.1f} 0 0,1 {w:.1f},0 "
            f"v{h - w:.1f} a{r:.1f},{r:.1f} 0 0,1 {-w:.1f},0 Z")


# --- timeline ---------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineItem:
    """One event, or one campaign period, as every layout and the data table show it."""

    kind: str  # an EventKind value, or "period"
    kind_label: str
    title: str
    url: str
    start: dt.date
    end: dt.date
    precision: str
    date_text: str  # "24 Jun 2026", "Jun 2026", "22 April – 5 June 2026"
    iso_date: str
    value_text: str = ""
    notes: tuple[int, ...] = ()
    actors: tuple[Named, ...] = ()
    shape: str = "circle"
    colour: str = "#3d4654"

    @property
    def spans(self) -> bool:
        return self.kind != "period" and self.start != self.end

    @property
    def label(self) -> str:
        text = self.title
        if self.value_text:
            text = f"{text} ({self.value_text})"
        return text

    @property
    def alt(self) -> str:
        """What the mark says to someone who cannot see it."""
        return f"{self.date_text}: {self.kind_label}: {self.label}"


@dataclass(frozen=True)
class Tick:
    y: float
    label: str

    @property
    def parts(self) -> list[str]:
        """The label in words ("Apr", "2026"): a narrow layout stacks them."""
        return self.label.split(" ")


@dataclass(frozen=True)
class PlacedRow:
    item: TimelineItem
    mark_d: str  # the mark's path (a shape, a month bar, or a campaign bar)
    mark_y: float  # where the leader starts
    label_y: float
    leader_d: str
    line1: str  # wide: date and label; narrow: the date
    more: tuple[str, ...] = ()  # narrow: the label, in lines
    line_h: float = 15.0
    hollow: bool = False

    def lines(self) -> list[tuple[float, str]]:
        """The label's further lines with their baselines (narrow layout)."""
        return [(round(self.label_y + self.line_h * (n + 1), 1), text)
                for n, text in enumerate(self.more)]


@dataclass(frozen=True)
class TimelineLayout:
    name: str  # "wide" or "narrow"
    uid: str
    width: int
    height: int
    font_size: int
    axis_x: float
    axis_top: float
    axis_bottom: float
    label_x: float
    ticks: tuple[Tick, ...]
    rows: tuple[PlacedRow, ...]
    axis_label: str
    narrow: bool = False


@dataclass
class LegendEntry:
    kind: str
    label: str
    count: int
    icon_d: str
    colour: str
    hollow: bool = False


@dataclass
class TimelineChart:
    """What ``templates/charts/_timeline.html`` draws: a title, a text alternative, the
    items (the data table) and two layouts (wide screens, phones)."""

    uid: str
    title: str
    desc: str
    items: list[TimelineItem]
    legend: list[LegendEntry]
    layouts: list[TimelineLayout]
    axis_label: str = "Date (time runs downward)"
    notes_text: str = ""
    empty_text: str = "No events the filters select."

    @property
    def empty(self) -> bool:
        return not self.items

    @property
    def events(self) -> list[TimelineItem]:
        return [i for i in self.items if i.kind != "period"]

    @property
    def periods(self) -> list[TimelineItem]:
        return [i for i in self.items if i.kind == "period"]


def _actors(viewer: Any, actors: list[Any], withheld: bool) -> list[Named]:
    """The visible actors by name, linked to their pages, then one marker if any is
    hidden (``named_list``)."""
    shown = named_list(viewer, actors, withheld)
    by_name = {a.name: a for a in actors}
    return [n if n.restricted or n.name not in by_name else
            Named(n.name, url=url_or_blank("actor-detail", by_name[n.name].slug))
            for n in shown]


def event_item(event: Event, notes: FootnoteRegister, viewer: Any) -> TimelineItem:
    """One event as a timeline item: its date (``event_date_figure``: for a derived
    event the sources of the date it derives from) and value as figures, footnoted."""
    date = event_date_figure(event)
    value = figure(event, "value")
    numbers = list(notes.cite(date))
    value_text = ""
    if value.known:
        value_text = qualified(format_number(value.value, event.unit or ""), value.qualifier)
        numbers += [n for n in notes.cite(value) if n not in numbers]
    day = date.value if isinstance(date.value, dt.date) else event.date
    precision = date.qualifier or "day"
    start, end = _span(day, precision)
    shape, colour = KIND_STYLE.get(event.kind, KIND_STYLE[EventKind.OTHER])
    prefetched = getattr(event, "_prefetched_objects_cache", {}).get("actors", [])
    return TimelineItem(
        kind=event.kind,
        kind_label=event.get_kind_display(),
        title=event.title,
        url=url_or_blank("event-detail", event.pk),
        start=start, end=end, precision=precision,
        date_text=format_short_date(day, precision),
        iso_date=day.isoformat() if precision == "day" else (
            f"{day:%Y-%m}" if precision == "month" else f"{day:%Y}"),
        value_text=value_text,
        notes=tuple(sorted(numbers)),
        actors=tuple(_actors(viewer, prefetched, getattr(event, "withheld_actors", False))),
        shape=shape, colour=colour,
    )


def period_item(campaign: Campaign, notes: FootnoteRegister) -> TimelineItem | None:
    """A campaign's period as a bar (its start and end figures, footnoted); ``None``
    when the reader may see no start."""
    first, last = figure(campaign, "start_date"), figure(campaign, "end_date")
    if not first.known:
        return None
    start, _ = _span(first.value, first.qualifier or "day")
    end = _span(last.value, last.qualifier or "day")[1] if last.known else start
    numbers = sorted(set(notes.cite(first)) | set(notes.cite(last)))
    period = format_period(first.value, first.qualifier or "day",
                           last.value if last.known else None, last.qualifier or "day")
    return TimelineItem(
        kind="period", kind_label="campaign period",
        title=f"{campaign.name}: campaign period" + ("" if last.known else " (end unknown)"),
        url=url_or_blank("campaign-detail", campaign.slug),
        start=start, end=end, precision=first.qualifier or "day",
        date_text=period, iso_date=f"{start.isoformat()}/{end.isoformat()}",
        notes=tuple(numbers), shape="bar", colour=CAMPAIGN_COLOUR,
    )


def _sort_key(item: TimelineItem) -> tuple[Any, ...]:
    order = -1 if item.kind == "period" else KIND_ORDER.index(item.kind) \
        if item.kind in KIND_ORDER else len(KIND_ORDER)
    return (item.start, order, item.title)


def _ticks(first: dt.date, last: dt.date, y_of: Any, min_gap: float) -> list[Tick]:
    """Month ticks from ``first`` to ``last``, every n-th month so they stay ``min_gap``
    apart (quarters, then years, for long spans)."""
    months = []
    day = first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    step = 1
    for candidate in (1, 2, 3, 6, 12, 24, 60):
        step = candidate
        if len(months) < 2 or y_of(months[min(candidate, len(months) - 1)]) - y_of(months[0]) \
                >= min_gap or candidate >= len(months):
            break
    picked = months[::step]
    return [Tick(y_of(m), format_month(m) if step < 12 else str(m.year)) for m in picked]


def _wrap(text: str, limit: int, lines: int) -> tuple[str, ...]:
    """``text`` in at most ``lines`` lines of ``limit`` characters, broken between words;
    the last line cut with "…" if the text does not fit."""
    out: list[str] = []
    rest = text
    while rest and len(out) < lines - 1 and len(rest) > limit:
        cut = rest[: limit + 1].rfind(" ")
        if cut <= 0:
            cut = limit
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out.append(_clip(rest, limit))
    return tuple(out)


def _lanes(spans: list[tuple[int, dt.date, dt.date]]) -> tuple[dict[int, int], int]:
    """Lanes for bars that must not overlap: index → lane, and the number of lanes."""
    ends: list[dt.date] = []
    lane_of: dict[int, int] = {}
    for index, first, last in spans:
        for lane, busy_until in enumerate(ends):
            if busy_until < first:
                ends[lane] = last
                lane_of[index] = lane
                break
        else:
            ends.append(last)
            lane_of[index] = len(ends) - 1
    return lane_of, len(ends)


def _layout(items: list[TimelineItem], *, name: str, uid: str, width: int, font: int,
            narrow: bool) -> TimelineLayout:
    """Place ``items`` (sorted) for a chart ``width`` units wide: one line a label on
    wide screens; on phones the date and sources, then the label in up to two lines."""
    line_h = font * 1.25
    row_h = line_h * 3 + 6 if narrow else font * 1.7
    first = min(i.start for i in items).replace(day=1)
    last = _span(max(i.end for i in items), "month")[1]
    days = (last - first).days + 1
    per_day = min(max(len(items) * row_h / days, 0.5 if narrow else 2.5), 8.0)
    top = font * 2.6
    y_of = lambda d: top + (d - first).days * per_day  # noqa: E731
    axis_bottom = y_of(last) + per_day

    # Campaign bars left of the axis, month or year spans right of it: each in lanes
    # shared by those that do not overlap, so no bar hides another.
    period_lane, periods = _lanes([(n, i.start, i.end) for n, i in enumerate(items)
                                   if i.kind == "period"])
    span_lane, spans = _lanes([(n, i.start, i.end) for n, i in enumerate(items) if i.spans])
    tick_w = font * 2.6 if narrow else font * 4.8
    lane_w, lane_gap = 9.0, 3.0
    axis_x = tick_w + periods * (lane_w + lane_gap) + 10
    label_x = axis_x + spans * (lane_w + lane_gap) + (22 if narrow else 36)
    char_w = font * 0.55
    chars = int((width - label_x - 2) / char_w)

    placed: list[PlacedRow] = []
    next_free = top
    for index, item in enumerate(items):
        y1, y2 = y_of(item.start), y_of(item.end) + per_day
        if item.kind == "period":
            x = tick_w + 4 + period_lane[index] * (lane_w + lane_gap) + lane_w / 2
            mark_d = span_path(x, y1, y2, lane_w)
            start_x, mark_y = x + lane_w / 2, y1 + lane_w / 2
        elif item.spans:
            x = axis_x + 10 + span_lane[index] * (lane_w + lane_gap)
            mark_d = span_path(x, y1, y2, lane_w)
            start_x, mark_y = x + lane_w / 2, y1 + lane_w / 2
        else:
            mark_y = (y1 + y2) / 2
            mark_d = shape_path(item.shape, axis_x, mark_y)
            start_x = axis_x + 7
        label_y = max(mark_y, next_free)
        next_free = label_y + row_h
        elbow = label_x - (10 if narrow else 14)
        leader_d = (f"M{start_x:.1f},{mark_y:.1f} L{max(elbow, start_x):.1f},{mark_y:.1f} "
                    f"L{elbow + 6:.1f},{label_y:.1f} L{label_x - 3:.1f},{label_y:.1f}")
        notes_w = sum(len(f" [{n}]") for n in item.notes) or len(" [no source]")
        if narrow:
            line1, more = item.date_text, _wrap(item.label, chars, 2)
        else:
            line1, more = _clip(f"{item.date_text} · {item.label}", chars - notes_w), ()
        placed.append(PlacedRow(item=item, mark_d=mark_d, mark_y=round(mark_y, 1),
                                label_y=round(label_y, 1), leader_d=leader_d,
                                line1=line1, more=more, line_h=round(line_h, 1),
                                hollow=item.shape == "circle-open"))
    height = int(max(axis_bottom, next_free) + font * 1.5)
    ticks = _ticks(first, last, y_of, font * (3.2 if narrow else 2.2))
    return TimelineLayout(
        name=name, uid=f"{uid}-{name}", width=width, height=height, font_size=font,
        axis_x=round(axis_x, 1), axis_top=round(top - font * 0.6, 1),
        axis_bottom=round(axis_bottom, 1), label_x=round(label_x, 1),
        ticks=tuple(ticks), rows=tuple(placed), axis_label="Date ↓", narrow=narrow,
    )


def _describe(title: str, items: list[TimelineItem]) -> str:
    events = [i for i in items if i.kind != "period"]
    periods = [i for i in items if i.kind == "period"]
    if not items:
        return f"{title}: no events."
    counts: dict[str, int] = {}
    for item in events:
        counts[item.kind_label] = counts.get(item.kind_label, 0) + 1
    first = min(i.start for i in items)
    last = max(i.end for i in items)
    parts = [f"{title}, {format_date(first)} to {format_date(last)}, time running downward."]
    if events:
        kinds = ", ".join(f"{format_number(n)} {label}" for label, n in counts.items())
        parts.append(f"{format_number(len(events))} events ({kinds}).")
    if periods:
        parts.append("Campaign periods: " + "; ".join(
            f"{p.title.split(': campaign period')[0]}, {p.date_text}" for p in periods) + ".")
    parts.append("Each event is listed with its sources in the table below the chart.")
    return " ".join(parts)


def _title(incident: Any, campaign: Any, actor: Any, kind: str | None,
           start: dt.date | None, end: dt.date | None) -> str:
    subject = "All events"
    if campaign is not None:
        subject = f"Timeline of {campaign.name}"
    elif incident is not None:
        subject = f"Timeline of {incident.title}"
    elif actor is not None:
        subject = f"Timeline of {actor.name}"
    extras = []
    if kind:
        extras.append(f"{EventKind(kind).label} events" if kind in KIND_ORDER else kind)
    if start or end:
        extras.append(f"{format_date(start) if start else '…'} – "
                      f"{format_date(end) if end else '…'}")
    return subject + (f" ({', '.join(extras)})" if extras else "")


def timeline_chart(items: list[TimelineItem], *, title: str) -> TimelineChart:
    """Lay out ``items`` (events and periods, any order) as a chart: pure."""
    items = sorted(items, key=_sort_key)
    uid = _uid("tl", title, *(i.url or i.title for i in items))
    legend: list[LegendEntry] = []
    if any(i.kind == "period" for i in items):
        legend.append(LegendEntry("period", "campaign period (bar)",
                                  sum(1 for i in items if i.kind == "period"),
                                  span_path(8, 1, 15, 8), CAMPAIGN_COLOUR))
    for kind in KIND_ORDER:
        count = sum(1 for i in items if i.kind == kind)
        if count:
            shape, colour = KIND_STYLE[kind]
            legend.append(LegendEntry(kind, EventKind(kind).label, count,
                                      shape_path(shape, 8, 8, 6), colour,
                                      hollow=shape == "circle-open"))
    if any(i.spans for i in items):
        legend.append(LegendEntry("span", "date known to the month (spans the month)",
                                  sum(1 for i in items if i.spans),
                                  span_path(8, 1, 15, 8), "#3d4654"))
    layouts = []
    if items:
        layouts = [
            _layout(items, name="wide", uid=uid, width=960, font=13, narrow=False),
            _layout(items, name="narrow", uid=uid, width=360, font=12, narrow=True),
        ]
    return TimelineChart(uid=uid, title=title, desc=_describe(title, items), items=items,
                         legend=legend, layouts=layouts)


def timeline_for(*, viewer: Any, notes: FootnoteRegister, incident: Incident | None = None,
                 campaign: Campaign | None = None, actor: Actor | None = None,
                 kind: str | None = None, start: dt.date | None = None,
                 end: dt.date | None = None, title: str = "") -> TimelineChart:
    """The timeline of an incident, a campaign, an actor, or of everything (filtered by
    kind and date range), as ``viewer`` may read it.

    Events come through visibility (``incidents.timeline_selectors``); each mark links to
    its event page and carries its sources as footnote numbers from ``notes`` (a derived
    event: the sources of the date it derives from). Campaign periods are drawn as bars
    (not when filtering by a kind other than campaign start or end). A fixed number of
    queries, whatever the number of events."""
    events = timeline_events(viewer=viewer, incident=incident, campaign=campaign,
                             actor=actor, kind=kind, start=start, end=end)
    items = [event_item(e, notes, viewer) for e in events]
    if not kind or kind in (EventKind.CAMPAIGN_START, EventKind.CAMPAIGN_END):
        for row in timeline_campaigns(viewer=viewer, incident=incident, campaign=campaign,
                                      actor=actor):
            period = period_item(row, notes)
            if period is None:
                continue
            if (start and period.end < start) or (end and period.start > end):
                continue
            items.append(period)
    return timeline_chart(items, title=title or _title(incident, campaign, actor, kind,
                                                        start, end))


__all__ = [
    "BarChart", "BarRow", "Figure", "TimelineChart", "TimelineItem", "bar_chart",
    "event_item", "period_item", "timeline_chart", "timeline_for",
]
