"""A server-side SVG layout of ``incidents.graph.graph(...)``: pure, no queries.

Columns by distance from the root (the root alone on the left), records stacked in each
column by type (actors, campaigns, incidents) then name. A campaign cluster and its
parts are *not* peers: the parts are drawn inside the cluster's box (its "part of"
links are shown by the nesting, not by arrows), and links to a part end at the part.
Recorded relationships are solid arrows, links that come from the records' own
structure (an operator, an incident's target, an organisation) dashed.

The layout is in SVG user units; the page scales it with ``viewBox`` and
``width: 100%``. Every node links to its record's page; the data table lists every link
with its dates and sources, so nothing is only in the picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from incidents.formatting import format_date, format_period
from incidents.graph import Edge, Graph, Node
from incidents.models import ActorKind, RelationshipKind
from incidents.presentation import url_or_blank

NODE_WIDTH = 230
LINE = 15  # one line of node text
PAD = 8
NODE_HEIGHT = 2 * PAD + 2 * LINE - 2  # a one-line name and its caption
COLUMN_GAP = 96
ROW_GAP = 14
MARGIN = 16
LABEL_CHARS = 28  # what fits in a node at the node font size

TYPE_ORDER = {"actor": 0, "campaign": 1, "incident": 2}
TYPE_LABELS = {"actor": "actor", "campaign": "campaign", "incident": "incident"}
URL_NAMES = {"actor": "actor-detail", "campaign": "campaign-detail", "incident": "incident-detail"}
KIND_LABELS: dict[str, str] = {str(value): str(label) for value, label in RelationshipKind.choices}
ACTOR_KIND_LABELS: dict[str, str] = {str(value): str(label) for value, label in ActorKind.choices}


@dataclass
class Box:
    """A node as drawn: its rectangle, text and link."""

    id: str
    type: str
    label: str
    lines: list[str]
    caption: str
    url: str
    x: float
    y: float
    width: float
    height: float
    root: bool = False
    cluster: bool = False
    part: bool = False

    header: float = 0.0  # a cluster's own part, above its parts

    @property
    def text_x(self) -> float:
        return self.x + 10

    @property
    def text_lines(self) -> list[tuple[str, float]]:
        """Each line of the name with its baseline."""
        top = self.y + PAD + LINE - 3
        return [(line, top + i * LINE) for i, line in enumerate(self.lines)]

    @property
    def caption_y(self) -> float:
        return self.y + PAD + LINE - 3 + len(self.lines) * LINE

    @property
    def anchor_y(self) -> float:
        """Where links meet the box: the middle of a cluster's header, else of the box."""
        return self.y + (self.header / 2 if self.cluster else self.height / 2)


@dataclass
class Line:
    """An edge as drawn: its path and what it says."""

    id: str
    path: str
    kind: str
    kind_label: str
    derived: bool
    title: str


@dataclass
class LinkRow:
    """One edge in the data table under the graph."""

    source: Box
    kind_label: str
    target: Box
    period: str
    sources: list[dict[str, str]]
    derived: bool


@dataclass
class GraphView:
    title: str
    description: str
    width: float
    height: float
    boxes: list[Box]
    lines: list[Line]
    rows: list[LinkRow]
    legend_kinds: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return len(self.boxes) <= 1


def wrap(text: str, limit: int = LABEL_CHARS, max_lines: int = 2) -> list[str]:
    """``text`` in lines of at most ``limit`` characters, broken between words; what does
    not fit in ``max_lines`` ends the last line with "…"."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > limit:  # a word longer than a line is cut
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= limit:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    lines = lines or [""]
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = [*lines[: max_lines - 1], last[: limit - 1].rstrip() + "…"]
    return lines


def _text_height(lines: int, caption: bool = True) -> float:
    return 2 * PAD + (lines + (1 if caption else 0)) * LINE - 2


def _caption(node: Node, cluster: bool) -> str:
    if node.type == "actor":
        return ACTOR_KIND_LABELS.get(node.kind, node.kind or "actor")
    if node.type == "campaign":
        return "cluster of campaigns" if cluster else "campaign"
    return "incident"


def _clusters(graph: Graph, parents: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Campaign clusters in the graph and the parts drawn inside them (one level: a part
    of a part is drawn as a record of its own). A part is known from a "part of" edge, or
    from ``parents`` (campaign node id → its cluster's node id) when the walk stopped
    before reaching the edge between two records at its last step."""
    types = {n.id: n.type for n in graph.nodes}
    clusters: dict[str, list[str]] = {}
    links = [(e.source, e.target) for e in graph.edges if e.kind == "part_of"]
    links += list((parents or {}).items())
    for part, cluster in links:
        if types.get(part) == "campaign" and types.get(cluster) == "campaign":
            clusters.setdefault(cluster, []).append(part)
    parts = {p for members in clusters.values() for p in members}
    # A cluster that is itself a part keeps its own parts as peers of it: one nesting level.
    for cluster in [c for c in clusters if c in parts]:
        del clusters[cluster]
    parts = {p for members in clusters.values() for p in members}
    for cluster, members in clusters.items():
        clusters[cluster] = sorted(set(members) - set(clusters) - {graph.root})
    return {c: m for c, m in clusters.items() if m and c not in parts}


def layout(graph: Graph, *, root_label: str = "",
           parents: dict[str, str] | None = None) -> GraphView:
    """The drawing of ``graph``: boxes, arrows, legend and the data table. ``parents``:
    campaign node id → its cluster's node id, for clusters whose "part of" links the
    walk did not reach (see ``_clusters``)."""
    nodes = {n.id: n for n in graph.nodes}
    clusters = _clusters(graph, parents)
    part_of = {part: cluster for cluster, parts in clusters.items() for part in parts}

    # Columns: a cluster sits at the nearest of its own and its parts' distances.
    columns: dict[int, list[Node]] = {}
    for node in graph.nodes:
        if node.id in part_of:
            continue
        depth = node.depth
        if node.id in clusters:
            depth = min([depth, *(nodes[p].depth for p in clusters[node.id])])
        depth = 0 if node.id == graph.root else max(depth, 1)
        columns.setdefault(depth, []).append(node)
    order = sorted(columns)

    def label_lines(node: Node, within: str = "") -> list[str]:
        short = node.label
        if within:  # inside its cluster's box, "X campaign (Feb 2026 cluster)" reads "X campaign"
            short = short.replace(f"({within})", "").strip() or node.label
        return wrap(short, LABEL_CHARS - (3 if within else 0), max_lines=2 if within else 3)

    def part_height(part_id: str, within: str) -> float:
        return _text_height(len(label_lines(nodes[part_id], within)), caption=False)

    def header_of(node: Node) -> float:
        return _text_height(len(label_lines(node)))

    def height_of(node: Node) -> float:
        if node.id in clusters:
            return header_of(node) + sum(part_height(p, node.label) + 6
                                         for p in clusters[node.id]) + 4
        return header_of(node)

    heights = {
        col: sum(height_of(n) for n in columns[col]) + ROW_GAP * (len(columns[col]) - 1)
        for col in order
    }
    tallest = max(heights.values(), default=NODE_HEIGHT)
    boxes: dict[str, Box] = {}
    column_of: dict[str, int] = {}
    for index, col in enumerate(order):
        x = MARGIN + index * (NODE_WIDTH + COLUMN_GAP)
        y = MARGIN + (tallest - heights[col]) / 2
        members = sorted(columns[col], key=lambda n: (TYPE_ORDER.get(n.type, 9),
                                                      n.label.lower(), n.id))
        for node in members:
            h = height_of(node)
            is_cluster = node.id in clusters
            boxes[node.id] = _box(node, label_lines(node), x, y, NODE_WIDTH, h,
                                  root=node.id == graph.root, cluster=is_cluster,
                                  header=header_of(node))
            column_of[node.id] = index
            if is_cluster:
                part_y = y + header_of(node)
                for part_id in sorted(clusters[node.id], key=lambda p: nodes[p].label.lower()):
                    ph = part_height(part_id, node.label)
                    boxes[part_id] = _box(nodes[part_id], label_lines(nodes[part_id], node.label),
                                          x + 10, part_y, NODE_WIDTH - 20, ph, part=True)
                    column_of[part_id] = index
                    part_y += ph + 6
            y += h + ROW_GAP

    lines: list[Line] = []
    rows: list[LinkRow] = []
    kinds_seen: dict[str, str] = {}
    for edge in graph.edges:
        if edge.source not in boxes or edge.target not in boxes:
            continue
        source, target = boxes[edge.source], boxes[edge.target]
        kind_label = KIND_LABELS.get(edge.kind, edge.kind.replace("_", " "))
        period = _edge_period(edge)
        rows.append(LinkRow(source=source, kind_label=kind_label, target=target,
                            period=period, derived=edge.derived,
                            sources=[{"key": key, "url": url_or_blank("source-detail", key)}
                                     for key in edge.sources]))
        if part_of.get(edge.source) == edge.target and edge.kind == "part_of":
            continue  # drawn by nesting
        kinds_seen.setdefault(edge.kind, kind_label)
        title = f"{source.label} {kind_label} {target.label}" + (f" ({period})" if period else "")
        lines.append(Line(
            id=_safe_id(edge.id), path=_path(source, target, column_of), kind=edge.kind,
            kind_label=kind_label, derived=edge.derived, title=title,
        ))
    width = MARGIN * 2 + len(order) * NODE_WIDTH + max(len(order) - 1, 0) * COLUMN_GAP
    # Room on the right for links between records of the last column.
    width += 40
    height = MARGIN * 2 + tallest
    root_box = boxes.get(graph.root)
    name = root_label or (root_box.label if root_box else graph.root)
    records = len(boxes) - 1
    description = (
        f"{records} related record{'s' if records != 1 else ''} within {graph.depth} "
        f"step{'s' if graph.depth != 1 else ''} of {name}, and {len(rows)} "
        f"link{'s' if len(rows) != 1 else ''} between them; the table below lists every link."
    )
    return GraphView(
        title=f"Relationships of {name}", description=description, width=width,
        height=height, boxes=list(boxes.values()), lines=lines, rows=rows,
        legend_kinds=sorted(kinds_seen.items(), key=lambda kv: kv[1]),
        truncated=graph.truncated,
    )


def _box(node: Node, lines: list[str], x: float, y: float, width: float, height: float, *,
         root: bool = False, cluster: bool = False, part: bool = False,
         header: float = 0.0) -> Box:
    return Box(
        id=node.id, type=node.type, label=node.label, lines=lines, header=header,
        caption=_caption(node, cluster), url=url_or_blank(URL_NAMES[node.type], node.slug),
        x=x, y=y, width=width, height=height, root=root, cluster=cluster, part=part,
    )


def _edge_period(edge: Edge) -> str:
    """"22 April – 5 June 2026", "from 10 June 2026", "until …", or "" for no dates."""
    if edge.start is None and edge.end is None:
        return ""
    if edge.end is None:
        return f"from {format_date(edge.start, edge.precision)}"
    if edge.start is None:
        return f"until {format_date(edge.end, edge.precision)}"
    return format_period(edge.start, edge.precision, edge.end, edge.precision)


def _safe_id(edge_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in edge_id)


def _path(source: Box, target: Box, column_of: dict[str, Any]) -> str:
    """A curve from ``source`` to ``target``: between facing sides across columns, out
    of and back into the right sides within one column."""
    sy, ty = source.anchor_y, target.anchor_y
    sc, tc = column_of[source.id], column_of[target.id]
    if sc == tc:
        sx, tx = source.x + source.width, target.x + target.width
        bulge = max(sx, tx) + 28 + min(abs(ty - sy) / 12, 20)
        return f"M{sx:.0f},{sy:.0f} C{bulge:.0f},{sy:.0f} {bulge:.0f},{ty:.0f} {tx:.0f},{ty:.0f}"
    if sc < tc:
        sx, tx = source.x + source.width, target.x
    else:
        sx, tx = source.x, target.x + target.width
    mid = (sx + tx) / 2
    return f"M{sx:.0f},{sy:.0f} C{mid:.0f},{sy:.0f} {mid:.0f},{ty:.0f} {tx:.0f},{ty:.0f}"
