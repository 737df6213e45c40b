"""A briefing as its reader reads it: live consensus figures, footnotes numbered across
blocks, redaction of what is above the reader, the marking check at save, and the
page's pinned query count."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Campaign
from kb.briefings.rendering import briefing_view
from tests import factories as f
from tests.briefings.conftest import block, fact

pytestmark = pytest.mark.django_db


def _campaign(value: int, *sources, marking: str = "GREEN", qualifier: str = "exact",
              field: str = "exchanges") -> Campaign:
    campaign = f.CampaignFactory(marking=marking)
    for source in sources:
        f.ClaimFactory(subject=campaign, field=field, value=value, qualifier=qualifier,
                       source=source, marking=marking)
    return campaign


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_fact_shows_the_consensus_with_its_qualifier_and_footnotes(make_briefing):
    campaign = _campaign(28_800_000, f.SourceFactory(title="Letter to senators"))
    briefing = make_briefing(body=[fact(campaign, "exchanges", lead="The campaign made",
                                        trail="exchanges.")])
    view = briefing_view(page=briefing, viewer=f.UserFactory(clearance="GREEN"))

    [shown] = view.facts
    assert (shown.text, shown.notes, shown.redacted) == ("28.8 million", [1], False)
    assert [n.source.title for n in view.footnotes] == ["Letter to senators"]


def test_footnotes_are_numbered_in_reading_order_across_blocks(make_briefing):
    first, second, shared = (f.SourceFactory(title=t) for t in ("First", "Second", "Shared"))
    a = _campaign(1_000, first, shared)
    b = _campaign(2_000, second, shared)
    briefing = make_briefing(body=[
        block("heading", "Scale"),
        fact(a, "exchanges"),
        block("paragraph", "<p>Between the figures.</p>"),
        fact(b, "exchanges"),
    ])
    view = briefing_view(page=briefing, viewer=f.UserFactory(clearance="GREEN"))

    # Sources are numbered as first cited; a source cited again keeps its number.
    assert [n.source.title for n in view.footnotes] == ["First", "Shared", "Second"]
    assert [fv.notes for fv in view.facts] == [[1, 2], [2, 3]]
    assert [b.kind for b in view.blocks] == ["heading", "campaign_fact", "paragraph",
                                             "campaign_fact"]


def test_page_shows_figures_footnotes_and_the_sources_list(client, make_briefing):
    campaign = _campaign(25_000, f.SourceFactory(title="Provider report"),
                         qualifier="about", field="accounts")
    briefing = make_briefing(body=[fact(campaign, "accounts", lead="It used",
                                        trail="fraudulent accounts.")])
    client.force_login(f.UserFactory(clearance="GREEN"))

    html = _text(client.get(briefing.url))

    assert "It used <strong class=\"figure-value\">about 25,000</strong>" in html
    assert 'href="#fn-1"' in html and 'id="fn-1"' in html
    assert "Provider report" in html
    assert briefing.pdf_url() in html


def test_reader_sees_the_consensus_of_the_claims_they_may_see(make_briefing):
    campaign = _campaign(13_000_000, f.SourceFactory(title="Public post"),
                         qualifier="more_than")
    # A more precise, restricted figure, seen only from AMBER up.
    f.ClaimFactory(subject=campaign, field="exchanges", value=13_400_000, marking="AMBER",
                   source=f.SourceFactory(title="Restricted telemetry", marking="AMBER"),
                   credibility=1)
    briefing = make_briefing(body=[fact(campaign, "exchanges")])

    green = briefing_view(page=briefing, viewer=f.UserFactory(clearance="GREEN"))
    amber = briefing_view(page=briefing, viewer=f.UserFactory(clearance="AMBER"))

    assert green.facts[0].text == "more than 13 million"
    assert [n.source.title for n in green.footnotes] == ["Public post"]
    assert amber.facts[0].text != green.facts[0].text
    assert "Restricted telemetry" in [n.source.title for n in amber.footnotes]


def test_a_record_re_marked_above_the_reader_is_redacted_never_named(client, make_briefing):
    campaign = _campaign(28_800_000, f.SourceFactory(title="Letter to senators"))
    incident = f.IncidentFactory(title="The quiet incident")
    briefing = make_briefing(body=[fact(campaign, "exchanges"),
                                   block("incident_card", {"incident": incident.pk}),
                                   block("timeline", {"incident": incident.pk, "title": "",
                                                      "start": None, "end": None})])
    # Published while GREEN; the records are re-marked AMBER afterwards.
    Campaign.objects.filter(pk=campaign.pk).update(marking="AMBER")
    type(incident).objects.filter(pk=incident.pk).update(marking="AMBER")
    green = f.UserFactory(clearance="GREEN")

    view = briefing_view(page=briefing, viewer=green)
    assert view.facts[0].redacted and view.facts[0].text == ""
    assert view.redactions == 3 and view.footnotes == []

    client.force_login(green)
    html = _text(client.get(briefing.url))
    assert html.count('class="tag restricted"') == 3
    for secret in ("28.8 million", campaign.name, "The quiet incident", "Letter to senators"):
        assert secret not in html

    client.force_login(f.UserFactory(clearance="AMBER"))
    assert "28.8 million" in _text(client.get(briefing.url))


def test_quote_block_shows_the_recorded_quote_with_outlet_and_date(client, make_briefing):
    outlet = f.ActorFactory(name="Wire Service")
    coverage = f.CoverageFactory(title="Report of the letter", outlet=outlet,
                                 quotes=["first words", "second words"])
    briefing = make_briefing(body=[block("quote", {"coverage": coverage.pk, "number": 2})])
    client.force_login(f.UserFactory(clearance="GREEN"))

    html = _text(client.get(briefing.url))

    assert "second words" in html and "first words" not in html
    assert "Wire Service" in html and "Report of the letter" in html


def test_comparison_block_reuses_the_analyst_comparison(client, make_briefing):
    a = _campaign(28_800_000, f.SourceFactory(title="A source"))
    b = _campaign(16_000_000, f.SourceFactory(title="B source"))
    briefing = make_briefing(body=[block("comparison", {
        "title": "Side by side", "campaigns": [{"type": "item", "value": a.pk, "id": "1"},
                                               {"type": "item", "value": b.pk, "id": "2"}]})])
    client.force_login(f.UserFactory(clearance="GREEN"))

    html = _text(client.get(briefing.url))

    assert "compare-table" in html and html.count('class="bar-chart"') >= 1
    assert "28.8 million" in html and "16 million" in html
    assert "A source" in html and "B source" in html


# --- the marking check at save -----------------------------------------------------------

def test_a_briefing_may_not_cite_a_record_more_restricted_than_itself(make_briefing):
    amber = _campaign(1_000, f.SourceFactory(), marking="AMBER")
    briefing = make_briefing(body=[fact(amber, "exchanges")], publish=False, marking="AMBER")
    briefing.marking = "GREEN"

    with pytest.raises(ValidationError) as caught:
        briefing.full_clean()

    message = " ".join(caught.value.message_dict["marking"])
    assert "Block 1 (Fact: campaign figure)" in message
    assert amber.name in message and "TLP:AMBER" in message and "TLP:GREEN" in message


def test_a_briefing_at_the_cited_marking_is_valid(make_briefing):
    amber = _campaign(1_000, f.SourceFactory(), marking="AMBER")
    briefing = make_briefing(body=[fact(amber, "exchanges")], publish=False, marking="AMBER")
    briefing.full_clean()  # raises if not


# --- query counts ------------------------------------------------------------------------

# Wagtail finds the page (site, home, index, briefing: 6) and its view restrictions
# (2: the ancestors and their restrictions); session, user and clearance (3); campaigns
# with their vocabularies, parts and claims (6); incidents with their campaigns and
# claims (4); coverage (1); the alerts of the briefing's citations (1); the timeline's
# events and campaign periods (2); authors and related incidents (2).
PAGE_QUERIES = 26


@pytest.mark.parametrize("facts", [2, 8])
def test_page_query_count_is_pinned_whatever_the_number_of_blocks(
        client, make_briefing, django_assert_num_queries, facts):
    campaigns = [_campaign(1_000 * (i + 1), f.SourceFactory()) for i in range(facts)]
    incident = f.IncidentFactory()
    coverage = f.CoverageFactory(quotes=["said"])
    briefing = make_briefing(body=[
        *[fact(c, "exchanges") for c in campaigns],
        block("incident_card", {"incident": incident.pk}),
        block("timeline", {"incident": incident.pk, "title": "", "start": None, "end": None}),
        block("quote", {"coverage": coverage.pk, "number": 1}),
    ])
    client.force_login(f.UserFactory(clearance="GREEN"))
    client.get(briefing.url)  # warm the content-type cache

    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(briefing.url)
    assert response.status_code == 200


# --- the reference briefing against the API ----------------------------------------------

def test_reference_briefing_footnotes_match_the_api(client, reference_data):
    """Each fact of the reference briefing shows the API's value for its figure, and its
    footnotes are exactly the API's sources of that figure."""
    from incidents.formatting import format_count
    from kb.briefings.models import BriefingPage

    briefing = BriefingPage.objects.get(slug="alibaba-qwen-distillation")
    reader = f.UserFactory(clearance="GREEN")
    client.force_login(reader)
    view = briefing_view(page=briefing, viewer=reader)
    by_number = {n.number: n.source for n in view.footnotes}
    api = client.get("/api/v1/campaigns/alibaba-qwen/").json()

    assert [fv.field for fv in view.facts] == ["exchanges", "accounts"]
    for shown in view.facts:
        figure = api[shown.field]
        assert shown.text == format_count(figure["value"], figure["qualifier"])
        # One footnote per source; the API lists each claim (a source may give two).
        assert sorted(by_number[n].source_key for n in shown.notes) == sorted(
            {s["key"] for s in figure["sources"]})
    assert view.facts[0].text == "28.8 million" and view.facts[0].notes[0] == 1
