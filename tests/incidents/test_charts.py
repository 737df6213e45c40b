"""Charts drawn on the server (``incidents.charts``): pure layout from data, and the
templates that draw it (title, axis labels, units, qualifiers in labels, a text
alternative and a data table)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string

from incidents.charts import (
    BarRow,
    TimelineItem,
    _clip,
    _span,
    _wrap,
    bar_chart,
    timeline_chart,
)


def item(day: dt.date, *, kind: str = "statement", precision: str = "day",
         title: str = "Something happens", notes: tuple[int, ...] = (1,),
         end: dt.date | None = None) -> TimelineItem:
    start, last = _span(day, precision)
    return TimelineItem(kind=kind, kind_label=kind.replace("_", " "), title=title,
                        url=f"/events/{day.toordinal()}/", start=start, end=end or last,
                        precision=precision, date_text=str(day), iso_date=day.isoformat(),
                        notes=notes)


# --- bars ---------------------------------------------------------------------------

def test_bar_chart_keeps_qualifiers_and_writes_ticks_as_counts():
    chart = bar_chart(title="Exchanges per campaign", unit="exchanges", rows=[
        BarRow("Alibaba / Qwen", 28_800_000, "28.8 million", url="/campaigns/a/", notes=(1, 2)),
        BarRow("MiniMax", 13_000_000, "more than 13 million", notes=(3,)),
        BarRow("Unknown lab", None, "unknown"),
    ], x_label="Exchanges (count)", y_label="Campaign")
    assert [label for _, label in chart.ticks] == ["0", "10 million", "20 million",
                                                   "30 million"]
    widths = [bar.bar_w for bar in chart.bars]
    assert widths[2] == 0  # no value, no bar
    assert widths[0] == pytest.approx(chart.plot_w * 28.8 / 30, abs=0.2)
    assert widths[1] / widths[0] == pytest.approx(13 / 28.8, abs=0.01)
    assert "more than 13 million" in chart.desc
    html = render_to_string("charts/_bars.html", {"chart": chart})
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "more than 13 million" in html and "13,000,000" not in html
    assert "Exchanges (count)" in html and "Campaign" in html
    assert 'href="#fn-3"' in html and 'href="/campaigns/a/"' in html
    assert "<table" in html and 'aria-label="Exchanges per campaign: data"' in html
    assert 'viewBox="0 0 400 ' in html and 'width="100%"' in html


def test_bar_chart_of_small_and_fractional_values():
    chart = bar_chart(title="Exchanges per account", unit="exchanges per account", rows=[
        BarRow("A", 1152, "1,152"), BarRow("B", 0.5, "0.5"), BarRow("C", 0, "0")])
    assert chart.ticks[-1][0] == pytest.approx(chart.plot_x + chart.plot_w)
    assert chart.ticks[-1][1] in {"1,200", "1,500", "2,000"}
    assert chart.bars[2].bar_w == 0


def test_an_empty_bar_chart_says_so():
    chart = bar_chart(title="Nothing", unit="exchanges", rows=[])
    assert chart.empty
    assert "No values to chart" in render_to_string("charts/_bars.html", {"chart": chart})


# --- timeline -----------------------------------------------------------------------

def test_month_precision_spans_the_whole_month():
    assert _span(dt.date(2026, 6, 1), "month") == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert _span(dt.date(2026, 2, 1), "month")[1] == dt.date(2026, 2, 28)
    assert _span(dt.date(2026, 1, 1), "year") == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    chart = timeline_chart([item(dt.date(2026, 6, 1), precision="month"),
                            item(dt.date(2026, 6, 10))], title="T")
    month, day = chart.items
    assert month.spans and not day.spans
    for layout in chart.layouts:
        span_row = next(r for r in layout.rows if r.item is month)
        heights = [float(v) for v in re.findall(r"v([-\d.]+)", span_row.mark_d)]
        # the bar runs the month's 30 days, not one day
        assert heights and heights[0] > 20


def test_labels_never_overlap_and_follow_time():
    days = [dt.date(2026, 6, 24)] * 8 + [dt.date(2026, 4, 22), dt.date(2026, 6, 25)]
    chart = timeline_chart([item(d, title=f"Event number {n} with a fairly long title "
                                 "that needs wrapping on a phone")
                            for n, d in enumerate(days)], title="Busy week")
    assert [i.start for i in chart.items] == sorted(i.start for i in chart.items)
    for layout in chart.layouts:
        ys = [row.label_y for row in layout.rows]
        gaps = [b - a for a, b in zip(ys, ys[1:], strict=False)]
        assert min(gaps) >= layout.font_size  # one row never sits on another
        assert layout.height >= ys[-1]
        for row in layout.rows:  # every label fits the drawing's width
            longest = max([row.line1, *row.more], key=len)
            assert layout.label_x + len(longest) * layout.font_size * 0.55 <= layout.width + 1


def test_campaign_periods_are_bars_in_lanes_that_do_not_overlap():
    def period(start: dt.date, end: dt.date, name: str) -> TimelineItem:
        return TimelineItem(kind="period", kind_label="campaign period", title=name,
                            url="", start=start, end=end, precision="day",
                            date_text="", iso_date="", shape="bar")

    chart = timeline_chart([
        period(dt.date(2026, 1, 1), dt.date(2026, 2, 1), "A"),
        period(dt.date(2026, 1, 15), dt.date(2026, 3, 1), "B"),
        period(dt.date(2026, 3, 10), dt.date(2026, 4, 1), "C"),
    ], title="Periods")
    wide = chart.layouts[0]
    xs = {row.item.title: row.mark_d.split(",")[0] for row in wide.rows}
    assert xs["A"] != xs["B"]  # overlapping: two lanes
    assert xs["C"] == xs["A"]  # after A ends: A's lane again
    assert "Campaign periods" in chart.desc


def test_timeline_template_is_an_accessible_svg_with_a_data_table():
    chart = timeline_chart([
        item(dt.date(2026, 6, 1), precision="month", kind="regulatory_action",
             title="Pentagon adds Alibaba to its list", notes=(2,)),
        item(dt.date(2026, 6, 25), kind="market_move", title="Shares fall", notes=()),
    ], title="Timeline of the case")
    html = render_to_string("charts/_timeline.html", {"chart": chart})
    assert html.count('role="img"') == 2  # wide and narrow layouts
    assert html.count("<title id=") == 2 and html.count("<desc id=") == 2
    assert 'class="timeline-svg layout-wide"' in html and "layout-narrow" in html
    assert 'width="100%"' in html and 'viewBox="0 0 360 ' in html
    assert 'href="/events/' in html  # each mark links to its record
    assert 'href="#fn-2"' in html
    assert "[no source]" in html  # an event without a source says so
    assert "Date ↓" in html and "Timeline of the case" in html
    assert '<table class="chart-table stack"' in html and "<details" in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert "regulatory action (1)" in html  # the legend, with counts


def test_an_empty_timeline_says_so():
    chart = timeline_chart([], title="Nothing yet")
    assert chart.empty and not chart.layouts
    assert "No events" in render_to_string("charts/_timeline.html", {"chart": chart})


def test_clip_and_wrap_break_between_words():
    assert _clip("Anthropic discloses the DeepSeek campaigns", 24) == "Anthropic discloses the…"
    assert _clip("short", 24) == "short"
    lines = _wrap("White House memo accuses China of industrial-scale extraction from US "
                  "AI labs", 30, 2)
    assert len(lines) == 2 and all(len(line) <= 30 for line in lines)
    assert lines[0] == "White House memo accuses China"
    assert lines[1].endswith("…")


def test_bar_values_and_their_footnotes_stay_inside_the_drawing():
    many = tuple(range(1, 8))  # seven sources, as the Alibaba accounts figure has
    chart = bar_chart(title="Accounts", unit="accounts", rows=[
        BarRow("Alibaba / Qwen campaign and a very long name indeed", 25_000, "about 25,000",
               notes=many),
        BarRow("February 2026 cluster", 24_000, "about 24,000", notes=(3, 8)),
    ])
    for bar in chart.bars:
        text = len(bar.label) + len(f" — {bar.row.display}") + sum(
            len(f" [{n}]") for n in bar.row.notes)
        assert chart.plot_x + text * 12 * 0.56 <= chart.width + 1
        assert bar.bar_w <= chart.plot_w
    assert chart.bars[0].label.endswith("…")
    html = render_to_string("charts/_bars.html", {"chart": chart})
    assert html.count('href="#fn-7"') == 2  # once in the drawing, once in the table
