"""Actor and source pages: what they show, what they never name, their query counts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.graph import Edge, Graph, Node
from incidents.graph_svg import layout
from incidents.site.entity_data import figure_anchor, marked_text
from tests import factories as f

pytestmark = pytest.mark.django_db

# Pinned query counts (session, user and clearance included), the same for any number of
# rows: each page reads through selectors that prefetch once.
ACTOR_LIST_QUERIES = 4
ACTOR_DETAIL_QUERIES = 42
SOURCE_LIST_QUERIES = 5
SOURCE_DETAIL_QUERIES = 8


def login(client: Any, clearance: str | None = None) -> Any:
    user = f.UserFactory(clearance=clearance) if clearance else f.UserFactory()
    client.force_login(user)
    return user


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# -- fixtures made with factories ---------------------------------------------------


def world(n: int, prefix: str = "w") -> dict[str, Any]:
    """``n`` incidents, each with a cluster of two labs' campaigns, an operator, coverage,
    letters, events, relationships and claims from shared sources."""
    target = f.ActorFactory(slug=f"{prefix}-target", name=f"Target {prefix}", kind="ai_lab")
    hub = f.ActorFactory(slug=f"{prefix}-hub", name=f"Hub {prefix}", kind="company")
    outlet = f.ActorFactory(slug=f"{prefix}-outlet", name=f"Outlet {prefix}", kind="media_outlet")
    source = f.SourceFactory(key=f"{prefix}-source", text="It ran 1,000 exchanges. More later.")
    capability = f.CapabilityFactory()
    for i in range(n):
        lab = f.ActorFactory(slug=f"{prefix}-lab-{i}", name=f"Lab {prefix} {i}", parent=hub)
        incident = f.IncidentFactory(slug=f"{prefix}-incident-{i}", target_provider=target)
        cluster = f.CampaignFactory(slug=f"{prefix}-cluster-{i}", incident=incident,
                                    operators=[hub, lab], capabilities=[capability])
        for j in range(2):
            part = f.CampaignFactory(slug=f"{prefix}-part-{i}-{j}", parent=cluster,
                                     operators=[lab], capabilities=[capability])
            f.ClaimFactory(subject=part, field="exchanges", value=1000 + j, source=source,
                           quote="1,000 exchanges")
        f.ClaimFactory(subject=cluster, field="accounts", value=50, source=source)
        f.RelationshipFactory(subject=target, object_actor=lab, kind="accused", sources=[source])
        f.CoverageFactory(outlet=outlet, incidents=[incident])
        f.LetterFactory(sender=target, recipients=[hub])
        event = f.EventFactory(actors=[hub, lab], incidents=[incident])
        f.ClaimFactory(subject=event, field="date", value="2026-01-15", precision="day",
                       source=source)
    return {"hub": hub, "target": target, "outlet": outlet, "source": source}


# -- actor list -----------------------------------------------------------------------


def test_actor_list_names_visible_actors_and_marks_a_hidden_parent(client):
    login(client)
    secret = f.ActorFactory(name="Secret Holding", marking="RED")
    f.ActorFactory(name="Visible Lab", parent=secret)
    f.ActorFactory(name="Hidden Lab", marking="AMBER")
    body = client.get(reverse("actor-list")).content.decode()
    assert "Visible Lab" in body
    assert "Secret Holding" not in body and "Hidden Lab" not in body
    assert 'class="tag restricted"' in body


def test_actor_list_query_count_is_fixed(client, django_assert_num_queries):
    login(client)
    world(2, "a")
    small = queries(client, reverse("actor-list"))
    world(5, "b")
    assert queries(client, reverse("actor-list")) == small
    with django_assert_num_queries(ACTOR_LIST_QUERIES):
        client.get(reverse("actor-list"))


# -- actor detail ---------------------------------------------------------------------


def test_hidden_actor_is_a_404_like_a_missing_one(client):
    login(client)
    f.ActorFactory(slug="red-actor", marking="RED")
    hidden = client.get(reverse("actor-detail", args=["red-actor"]))
    missing = client.get(reverse("actor-detail", args=["no-such-actor"]))
    assert hidden.status_code == missing.status_code == 404


def test_actor_page_shows_graph_campaigns_coverage_and_timeline(client):
    login(client)
    data = world(2)
    body = client.get(reverse("actor-detail", args=[data["hub"].slug])).content.decode()
    assert body.count("<h1") == 1
    assert 'class="graph-svg"' in body
    assert '<title id="graph-title">Relationships of Hub w' in body
    # Campaigns it ran, with figures as the reader sees them.
    assert 'data-campaign="w-cluster-0"' in body
    assert "50" in body
    # Coverage of the incidents it is part of, and the letter it received.
    assert "Story" in body and "Letter" in body
    # Its timeline is P3's chart.
    assert "Timeline" in body
    # Every record in the graph links to its page.
    assert f'href="{reverse("campaign-detail", args=["w-cluster-0"])}"' in body


def test_graph_nests_cluster_parts_instead_of_plotting_them_as_peers(client):
    login(client)
    data = world(1)
    body = client.get(reverse("actor-detail", args=[data["hub"].slug])).content.decode()
    svg = body[body.index("<svg"):body.index("</svg>")]
    assert re.search(r'class="node type-campaign cluster"[^>]*'
                     r'data-node="campaign:w-cluster-0"', svg)
    assert re.search(r'class="node type-campaign part"[^>]*data-node="campaign:w-part-0-0"',
                     svg)
    # No arrow for "part of" between a part and its cluster: the nesting shows it.
    assert "edge-part_of-campaign-w-part-0-0--campaign-w-cluster-0" not in svg


def test_graph_layout_puts_parts_inside_their_cluster():
    nodes = [
        Node("actor:a", "actor", "a", "A", "ai_lab", 0),
        Node("campaign:c", "campaign", "c", "Cluster", "", 1),
        Node("campaign:p1", "campaign", "p1", "Part one", "", 2),
        Node("campaign:p2", "campaign", "p2", "Part two", "", 1),
    ]
    edges = [
        Edge("operated:a->c", "actor:a", "campaign:c", "operated", derived=True),
        Edge("operated:a->p2", "actor:a", "campaign:p2", "operated", derived=True),
        Edge("part_of:p1->c", "campaign:p1", "campaign:c", "part_of", derived=True),
        Edge("part_of:p2->c", "campaign:p2", "campaign:c", "part_of", derived=True),
    ]
    view = layout(Graph(root="actor:a", depth=2, nodes=nodes, edges=edges))
    boxes = {b.id: b for b in view.boxes}
    cluster = boxes["campaign:c"]
    for part in ("campaign:p1", "campaign:p2"):
        box = boxes[part]
        assert box.part and cluster.cluster
        assert cluster.x < box.x and box.x + box.width < cluster.x + cluster.width
        assert cluster.y < box.y and box.y + box.height <= cluster.y + cluster.height
    # Arrows: the operator's two; the part-of links are in the table only.
    assert sorted(line.kind for line in view.lines) == ["operated", "operated"]
    assert len(view.rows) == 4
    assert view.width > 0 and view.height > 0


def test_hidden_relationship_and_actor_are_not_in_the_graph(client):
    login(client)
    hub = f.ActorFactory(slug="hub", name="Hub")
    shown = f.ActorFactory(name="Shown Peer")
    secret = f.ActorFactory(name="Secret Peer", marking="RED")
    f.RelationshipFactory(subject=hub, object_actor=shown, kind="accused")
    f.RelationshipFactory(subject=hub, object_actor=secret, kind="accused")
    quiet = f.ActorFactory(name="Quiet Peer")
    f.RelationshipFactory(subject=hub, object_actor=quiet, kind="designated", marking="RED")
    body = client.get(reverse("actor-detail", args=["hub"])).content.decode()
    assert "Shown Peer" in body
    assert "Secret Peer" not in body
    assert "Quiet Peer" not in body and "designated" not in body


def test_actor_page_marks_a_hidden_co_operator_and_cluster(client):
    login(client)
    lab = f.ActorFactory(slug="lab", name="Lab")
    red = f.ActorFactory(name="Red Partner", marking="RED")
    cluster = f.CampaignFactory(name="Red Cluster", marking="RED")
    f.CampaignFactory(slug="lab-part", name="Lab Part", parent=cluster, operators=[lab, red])
    body = client.get(reverse("actor-detail", args=["lab"])).content.decode()
    assert "Lab Part" in body
    assert "Red Partner" not in body and "Red Cluster" not in body
    assert body.count('class="tag restricted"') >= 2


def test_actor_page_query_count_is_fixed(client, django_assert_num_queries):
    login(client)
    small_world = world(2, "a")
    url = reverse("actor-detail", args=[small_world["hub"].slug])
    small = queries(client, url)
    big_world = world(6, "b")
    big = queries(client, reverse("actor-detail", args=[big_world["hub"].slug]))
    assert big == small
    with django_assert_num_queries(ACTOR_DETAIL_QUERIES):
        client.get(url)


# -- source list and detail -----------------------------------------------------------


def test_source_list_counts_only_claims_the_reader_may_see(client):
    login(client)
    source = f.SourceFactory(title="Shared source")
    f.ClaimFactory(source=source)
    f.ClaimFactory(source=source, subject=f.CampaignFactory(marking="RED"))
    f.SourceFactory(title="Red source", marking="RED")
    body = client.get(reverse("source-list")).content.decode()
    assert "Shared source" in body and "Red source" not in body
    row = body[body.index(f'data-source="{source.key}"'):]
    row = row[:row.index("</tr>")]
    assert re.search(r'data-label="Claims">1<', row)


def test_source_list_query_count_is_fixed(client, django_assert_num_queries):
    login(client)
    world(2, "a")
    small = queries(client, reverse("source-list"))
    world(5, "b")
    assert queries(client, reverse("source-list")) == small
    with django_assert_num_queries(SOURCE_LIST_QUERIES):
        client.get(reverse("source-list"))


def test_source_page_lists_every_figure_citing_it_with_links_back(client):
    login(client)
    source = f.SourceFactory(key="report-1", title="The report", reliability="B",
                             text="Alpha ran more than 2,000 exchanges. Then it stopped.")
    campaign = f.CampaignFactory(slug="alpha", name="Alpha campaign")
    f.ClaimFactory(subject=campaign, field="exchanges", value=2000, qualifier="more_than",
                   source=source, quote="more than 2,000 exchanges")
    incident = f.IncidentFactory(slug="inc", title="The incident")
    f.ClaimFactory(subject=incident, field="disclosed_on", value="2026-02-23",
                   precision="day", source=source, quote="Then it stopped")
    body = client.get(reverse("source-detail", args=["report-1"])).content.decode()
    assert body.count("<h1") == 1
    assert "B — completely" not in body and "usually reliable" in body
    assert "Alpha campaign" in body and "The incident" in body
    assert "more than 2,000" in body  # the value, formatted in the one formatting home
    assert "<q>more than 2,000 exchanges</q>" in body
    assert f'href="{reverse("campaign-detail", args=["alpha"])}#fig-exchanges"' in body
    assert f'href="{reverse("incident-detail", args=["inc"])}#fig-disclosed_on"' in body
    # The quoted spans are marked in the source's text.
    assert re.search(r'<mark id="span-\d+">more than 2,000 exchanges</mark>', body)


def test_source_page_hides_claims_about_hidden_records_and_names_no_hidden_operator(client):
    login(client)
    source = f.SourceFactory(key="s")
    f.ClaimFactory(subject=f.CampaignFactory(name="Red Campaign", marking="RED"),
                   source=source, quote="secret words")
    f.ActorFactory(slug="red-op", name="Red Operator", marking="RED")
    f.ActorFactory(slug="green-op", name="Green Operator")
    f.ClaimFactory(subject=f.CampaignFactory(name="Seen Campaign"), field="operators",
                   value=["green-op", "red-op"], source=source, quote="ran by them")
    body = client.get(reverse("source-detail", args=["s"])).content.decode()
    assert "Red Campaign" not in body and "secret words" not in body
    assert "Seen Campaign" in body
    assert "red-op" not in body and "Red Operator" not in body
    assert "green-op, restricted" in body


def test_hidden_source_is_a_404(client):
    login(client)
    f.SourceFactory(key="amber-source", marking="AMBER")
    assert client.get(reverse("source-detail", args=["amber-source"])).status_code == 404
    assert client.get(reverse("source-detail", args=["nothing-here"])).status_code == 404


def test_a_cleared_reader_sees_the_amber_source(client):
    login(client, clearance="AMBER")
    f.SourceFactory(key="amber-source", title="Amber source", marking="AMBER")
    body = client.get(reverse("source-detail", args=["amber-source"])).content.decode()
    assert "Amber source" in body


def test_source_page_query_count_is_fixed(client, django_assert_num_queries):
    login(client)
    small_world = world(2, "a")
    url = reverse("source-detail", args=[small_world["source"].key])
    small = queries(client, url)
    big_world = world(6, "b")
    assert queries(client, reverse("source-detail", args=[big_world["source"].key])) == small
    with django_assert_num_queries(SOURCE_DETAIL_QUERIES):
        client.get(url)


def test_marked_text_escapes_and_marks_spans():
    html = marked_text("<b>Bold</b> claim: 5 apples.\n\nNext <i>para</i>.",
                       [("5 apples", "span-1"), ("missing", "span-2"), ("", "span-3")])
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert '<mark id="span-1">5 apples</mark>' in html
    assert html.count("<p>") == 2 and "span-2" not in html


def test_figure_anchor_follows_the_subject_pages():
    campaign = f.CampaignFactory.build()
    assert figure_anchor(campaign, "exchanges") == "fig-exchanges"
    assert figure_anchor(campaign, "start_date") == "fig-start_date"
    cluster = f.AccountClusterFactory.build()
    assert figure_anchor(cluster, "count") == "fig-accounts"


def test_entity_pages_need_a_login(client):
    for url in (reverse("actor-list"), reverse("source-list"), reverse("compare")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_parts_found_at_the_last_step_are_still_drawn_inside_their_cluster(client):
    """Two steps from the root, the walk stops before the "part of" link between a
    cluster and its part; they are still not drawn as peers."""
    login(client)
    root = f.ActorFactory(slug="root-actor", name="Root")
    lab = f.ActorFactory(name="Far Lab")
    f.RelationshipFactory(subject=root, object_actor=lab, kind="accused")
    cluster = f.CampaignFactory(slug="far-cluster", operators=[lab])
    f.CampaignFactory(slug="far-part", parent=cluster, operators=[lab])
    body = client.get(reverse("actor-detail", args=["root-actor"])).content.decode()
    svg = body[body.index("<svg"):body.index("</svg>")]
    assert re.search(r'class="node type-campaign cluster"[^>]*data-node="campaign:far-cluster"',
                     svg)
    assert re.search(r'class="node type-campaign part"[^>]*data-node="campaign:far-part"', svg)


def test_each_quoted_span_is_marked_once_and_linked_from_its_claims(client):
    login(client)
    source = f.SourceFactory(key="dated", text="It ran between April 22 and June 5, 2026.")
    campaign = f.CampaignFactory(slug="dated-campaign")
    for field, value in (("start_date", "2026-04-22"), ("end_date", "2026-06-05")):
        f.ClaimFactory(subject=campaign, field=field, value=value, precision="day",
                       source=source, quote="between April 22 and June 5, 2026")
    body = client.get(reverse("source-detail", args=["dated"])).content.decode()
    marks = re.findall(r'<mark id="(span-\d+)">', body)
    assert len(marks) == 1
    assert body.count(f'href="#{marks[0]}"') == 2
    assert "#fig-start_date" in body and "#fig-end_date" in body
