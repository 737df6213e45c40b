"""Bar charts drawn on the server as SVG (``templates/charts/_bars.html``): one bar a
row from a shared zero, ticks written by ``incidents.formatting`` ("10 million"), each
value shown as the caller formatted it, qualifier included ("more than 13 million"),
with its footnote numbers; a title, axis labels, unit, text alternative and data table.
Pure: data in, a template context out. Use it as ``incidents.charts.bar_chart``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from incidents.formatting import format_count, format_number


def _clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    if text[len(cut)] != " " and " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:–-") + "…"


def _uid(prefix: str, *parts: Any) -> str:
    """A stable id for a chart's elements, from what it shows."""
    digest = hashlib.blake2s("|".join(str(p) for p in parts).encode(), digest_size=4)
    return f"{prefix}-{digest.hexdigest()}"


@dataclass(frozen=True)
class BarRow:
    """One bar: ``display`` is the value as text, qualifier included ("more than 13
    million"); ``notes`` its footnote numbers; ``url`` where the label links."""

    label: str
    value: Any
    display: str
    url: str = ""
    notes: tuple[int, ...] | list[int] = ()


@dataclass(frozen=True)
class PlacedBar:
    row: BarRow
    label_y: float
    bar_y: float
    bar_w: float
    text_x: float
    text_y: float
    label: str
    notes_on_label: bool = True  # the value and its notes follow the label


@dataclass
class BarChart:
    uid: str
    title: str
    unit: str
    x_label: str
    y_label: str
    rows: list[BarRow]
    bars: list[PlacedBar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    width: int = 400
    height: int = 0
    plot_x: float = 0
    plot_w: float = 0
    axis_y: float = 0
    desc: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def ticks_end(self) -> float:
        return round(self.plot_x + self.plot_w, 1)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(Decimal(str(value)))
    except ArithmeticError:
        return None
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _nice_step(top: float, count: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``count``
    steps up to ``top``."""
    raw = top / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def _tick_text(value: float) -> str:
    if value == int(value):
        return format_count(int(value))
    return format_number(round(value, 6))


def bar_chart(*, title: str, unit: str, rows: list[BarRow], x_label: str = "",
              y_label: str = "") -> BarChart:
    """Horizontal bars, one per row, scaled from zero on a shared axis whose ticks are
    written by ``incidents.formatting`` (counts as "10 million"). A row without a value
    has no bar and reads "unknown" (its ``display``). Pure: no queries."""
    width, font = 400, 12
    char_w = font * 0.56
    plot_x = 4.0

    def notes_len(row: BarRow) -> int:
        return sum(len(f" [{n}]") for n in row.notes)

    # The value and its footnote numbers follow the label on the line above the bar, so
    # the bars use the whole width and no text ever sits on a bar.
    plot_w = width - plot_x - 26
    values = [v for v in (_number(r.value) for r in rows) if v is not None and v > 0]
    top = max(values) if values else 0.0
    step = _nice_step(top) if top else 0.0
    axis_max = step * max(1, -(-top // step)) if step else 0.0
    bars: list[PlacedBar] = []
    y = font * 2.0 if y_label else font * 0.5
    row_h = font * 3.2
    total = int((width - plot_x - 2) / char_w)
    for row in rows:
        chars = total - len(row.display) - notes_len(row) - 3
        value = _number(row.value)
        bar_w = plot_w * value / axis_max if value and value > 0 and axis_max else 0.0
        label_y = y + font
        bar_y = label_y + font * 0.75
        bars.append(PlacedBar(row=row, label_y=round(label_y, 1), bar_y=round(bar_y, 1),
                              bar_w=round(bar_w, 1), text_x=round(plot_x + bar_w + 6, 1),
                              text_y=round(bar_y + font * 0.95, 1),
                              label=_clip(row.label, max(chars, 10)), notes_on_label=True))
        y += row_h
    axis_y = y + font * 0.3
    ticks = []
    if step:
        count = int(round(axis_max / step))
        ticks = [(round(plot_x + plot_w * i / count, 1), _tick_text(step * i))
                 for i in range(count + 1)]
    height = int(axis_y + font * (3.6 if x_label else 2.0))
    uid = _uid("bars", title, *(r.label for r in rows))
    described = "; ".join(f"{r.label}: {r.display}" for r in rows)
    desc = f"{title}" + (f" ({unit})" if unit else "") + (f". {described}." if rows else
                                                            ": no values.")
    return BarChart(uid=uid, title=title, unit=unit, x_label=x_label or unit, y_label=y_label,
                    rows=list(rows), bars=bars, ticks=ticks, width=width, height=height,
                    plot_x=plot_x, plot_w=plot_w, axis_y=round(axis_y, 1), desc=desc)
