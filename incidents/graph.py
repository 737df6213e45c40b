"""The neighbourhood of an actor, incident or campaign as nodes and typed, dated edges.

Breadth-first from the root, one level at a time, a fixed number of queries per level
whatever the number of nodes. Every record read goes through ``visible``: an edge is
shown only when the viewer may see it and both its ends, so nothing in the graph (no
node, edge, date or the ``truncated`` flag) is derived from a record the viewer may not
see: a restricted relationship between two visible actors is simply absent. Dates on
edges are the viewer's figures (``incidents.figures``), never stored values.

Edges come from ``Relationship`` rows (typed, dated, sourced) and from the structure of
the records themselves (``derived``): an actor's parent organisation, a campaign's
operators, incident and cluster, an incident's target.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q

from incidents.figures import figure
from incidents.models import Actor, Campaign, Incident, Relationship, Source
from incidents.selectors import accepted_claims_prefetch, visible

NODE_TYPES = ("actor", "incident", "campaign")
MAX_DEPTH = 3
MAX_NODES = 500


class GraphError(ValueError):
    """A malformed root or depth; the message says why."""


class RootNotFound(LookupError):
    """The root does not exist or the viewer may not see it."""


@dataclass
class Node:
    id: str
    type: str
    slug: str
    label: str
    kind: str
    depth: int


@dataclass
class Edge:
    id: str
    source: str
    target: str
    kind: str
    start: dt.date | None = None
    end: dt.date | None = None
    precision: str = "day"
    derived: bool = False
    sources: list[str] = field(default_factory=list)


@dataclass
class Graph:
    root: str
    depth: int
    nodes: list[Node]
    edges: list[Edge]
    truncated: bool = False


def parse_root(root: str) -> tuple[str, str]:
    node_type, _, slug = root.partition(":")
    if node_type not in NODE_TYPES or not slug:
        raise GraphError(f"root is <type>:<slug> with type one of {', '.join(NODE_TYPES)}.")
    return node_type, slug


def _node_id(obj: Any) -> str:
    return f"{obj._meta.model_name}:{obj.slug}"


def _node(obj: Any, depth: int) -> Node:
    node_type = obj._meta.model_name
    label = getattr(obj, "name", None) or getattr(obj, "title", "") or obj.slug
    kind = getattr(obj, "kind", "") or getattr(obj, "status", "") or ""
    return Node(id=_node_id(obj), type=node_type, slug=obj.slug, label=label, kind=kind,
                 depth=depth)


class _Walk:
    def __init__(self, viewer: Any) -> None:
        self.viewer = viewer
        self.nodes: dict[str, Node] = {}
        self.edges: dict[str, Edge] = {}
        self.truncated = False

    # -- querysets, all visible ---------------------------------------------------------
    def actors(self) -> Any:
        return visible(Actor.objects.all(), self.viewer).select_related("parent")

    def incidents(self) -> Any:
        return visible(Incident.objects.all(), self.viewer).select_related(
            "target_provider", "target_system"
        )

    def campaigns(self) -> Any:
        return (
            visible(Campaign.objects.all(), self.viewer)
            .select_related("incident", "parent")
            .prefetch_related(Prefetch("operators", queryset=self.actors()),
                              accepted_claims_prefetch(self.viewer))
        )

    def relationships(self) -> Any:
        return (
            visible(Relationship.objects.all(), self.viewer)
            .select_related("subject", "object_actor", "object_incident")
            .prefetch_related(
                Prefetch("sources", queryset=visible(Source.objects.all(), self.viewer))
            )
        )

    # -- building ---------------------------------------------------------------------
    def _visible_end(self, obj: Any) -> bool:
        return obj is not None and obj.marking in self._markings

    def add_node(self, obj: Any, found: dict[str, Any]) -> None:
        key = _node_id(obj)
        if key in self.nodes or key in found:
            return
        if len(self.nodes) + len(found) >= MAX_NODES:
            self.truncated = True
            return
        found[key] = obj

    def add_edge(self, edge: Edge) -> None:
        self.edges.setdefault(edge.id, edge)

    def run(self, root: Any, depth: int) -> Graph:
        from incidents.models import markings_up_to
        from incidents.selectors import clearance_for

        self._markings = set(markings_up_to(clearance_for(self.viewer)))
        self.nodes[_node_id(root)] = _node(root, 0)
        frontier: dict[str, Any] = {_node_id(root): root}
        for level in range(1, depth + 1):
            found: dict[str, Any] = {}
            self.expand(frontier, level, found)
            for key, obj in found.items():
                self.nodes[key] = _node(obj, level)
            frontier = found
            if not frontier:
                break
        # Keep only edges whose both ends made it into the graph (truncation, depth), and
        # a derived edge only when no recorded relationship already says the same.
        recorded = {(e.source, e.kind, e.target) for e in self.edges.values() if not e.derived}
        edges = [
            e for e in self.edges.values()
            if e.source in self.nodes and e.target in self.nodes
            and not (e.derived and (e.source, e.kind, e.target) in recorded)
        ]
        edges.sort(key=lambda e: (e.source, e.kind, e.target, e.id))
        nodes = sorted(self.nodes.values(), key=lambda n: (n.depth, n.type, n.slug))
        return Graph(root=_node_id(root), depth=depth, nodes=nodes, edges=edges,
                     truncated=self.truncated)

    def expand(self, frontier: dict[str, Any], level: int, found: dict[str, Any]) -> None:
        actors = [o for o in frontier.values() if isinstance(o, Actor)]
        incidents = [o for o in frontier.values() if isinstance(o, Incident)]
        campaigns = [o for o in frontier.values() if isinstance(o, Campaign)]
        actor_ids = [a.pk for a in actors]
        incident_ids = [i.pk for i in incidents]

        def reach(obj: Any) -> None:
            if obj is not None:
                self.add_node(obj, found)

        if actor_ids or incident_ids:
            rels = self.relationships().filter(
                Q(subject_id__in=actor_ids) | Q(object_actor_id__in=actor_ids)
                | Q(object_incident_id__in=incident_ids)
            )
            for rel in rels:
                target = rel.object_actor or rel.object_incident
                if not (self._visible_end(rel.subject) and self._visible_end(target)):
                    continue
                self.add_edge(Edge(
                    id=f"relationship:{rel.pk}", source=_node_id(rel.subject),
                    target=_node_id(target), kind=rel.kind, start=rel.start_date,
                    end=rel.end_date, precision=rel.precision,
                    sources=sorted(s.key for s in rel.sources.all()),
                ))
                reach(rel.subject)
                reach(target)
        if actor_ids:
            parent_ids = {a.parent_id for a in actors if a.parent_id}
            for actor in self.actors().filter(Q(pk__in=parent_ids) | Q(parent_id__in=actor_ids)):
                if actor.parent_id in actor_ids:  # a member of an organisation at hand
                    self.add_edge(_derived(actor, actor.parent, "part_of"))
                for member in actors:  # the organisation of an actor at hand
                    if member.parent_id == actor.pk:
                        self.add_edge(_derived(member, actor, "part_of"))
                reach(actor)
            for campaign in self.campaigns().filter(operators__in=actor_ids).distinct():
                for operator in campaign.operators.all():
                    if operator.pk in actor_ids and self._visible_end(operator):
                        self.add_edge(_operated(operator, campaign))
                reach(campaign)
            for incident in self.incidents().filter(
                Q(target_provider_id__in=actor_ids) | Q(target_system_id__in=actor_ids)
            ):
                self._incident_targets(incident)
                reach(incident)
        for incident in incidents:
            for target in self._incident_targets(incident):
                reach(target)
        if incident_ids:
            for campaign in self.campaigns().filter(incident_id__in=incident_ids):
                self.add_edge(_derived(campaign, campaign.incident, "part_of"))
                reach(campaign)
        if campaigns:
            campaign_ids = [c.pk for c in campaigns]
            for campaign in campaigns:
                for operator in campaign.operators.all():
                    if not self._visible_end(operator):
                        continue
                    self.add_edge(_operated(operator, campaign))
                    reach(operator)
                if campaign.incident_id and self._visible_end(campaign.incident):
                    self.add_edge(_derived(campaign, campaign.incident, "part_of"))
                    reach(campaign.incident)
                if campaign.parent_id and self._visible_end(campaign.parent):
                    self.add_edge(_derived(campaign, campaign.parent, "part_of"))
                    reach(campaign.parent)
            for child in self.campaigns().filter(parent_id__in=campaign_ids):
                self.add_edge(_derived(child, child.parent, "part_of"))
                reach(child)

    def _incident_targets(self, incident: Incident) -> list[Actor]:
        targets = []
        for actor in (incident.target_provider, incident.target_system):
            if actor is not None and self._visible_end(actor):
                self.add_edge(_derived(incident, actor, "targeted"))
                targets.append(actor)
        return targets


def _operated(operator: Any, campaign: Any) -> Edge:
    """An operator's edge to a campaign, dated with the campaign's period as the viewer
    sees it (the figures behind the claims they may see)."""
    return _derived(operator, campaign, "operated", figure(campaign, "start_date").value,
                    figure(campaign, "end_date").value)


def _derived(source: Any, target: Any, kind: str, start: dt.date | None = None,
             end: dt.date | None = None) -> Edge:
    return Edge(
        id=f"{kind}:{_node_id(source)}->{_node_id(target)}", source=_node_id(source),
        target=_node_id(target), kind=kind, start=start, end=end, derived=True,
    )


def graph(*, viewer: Any, root: str, depth: int = 2) -> Graph:
    """Nodes within ``depth`` steps of ``root`` (``actor:alibaba``) and the edges between
    them. Raises ``GraphError`` for a malformed root or depth, ``RootNotFound`` when the
    root does not exist or the viewer may not see it. At most ``MAX_NODES`` nodes
    (``truncated`` says when more were in reach)."""
    node_type, slug = parse_root(root)
    if not 1 <= depth <= MAX_DEPTH:
        raise GraphError(f"depth is from 1 to {MAX_DEPTH}.")
    walk = _Walk(viewer)
    querysets = {"actor": walk.actors, "incident": walk.incidents, "campaign": walk.campaigns}
    root_obj = querysets[node_type]().filter(slug=slug).first()
    if root_obj is None:
        raise RootNotFound(f"No visible {node_type} {slug!r}.")
    return walk.run(root_obj, depth)
