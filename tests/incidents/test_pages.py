import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from incidents.models import Incident, Marking

pytestmark = pytest.mark.django_db


def test_pages_need_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_page_and_login(client, reference_data):
    get_user_model().objects.create_user("ana", password="pw-12345678")
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "ana", "password": "pw-12345678"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_incident_list_lists_both_incidents(admin_client, reference_data):
    html = admin_client.get(reverse("incident-list")).content.decode()
    assert "Alibaba / Qwen distillation campaign against Claude" in html
    assert "February 2026 disclosure" in html
    assert 'href="/incidents/alibaba-qwen-2026/"' in html


def _cell(html: str, campaign: str, field: str) -> str:
    row = re.search(rf'data-campaign="{campaign}".*?</tr>', html, re.S).group(0)
    return re.search(rf'data-field="{field}">(.*?)</td>', row, re.S).group(1)


def test_alibaba_page_shows_sourced_figures(admin_client, reference_data):
    html = admin_client.get("/incidents/alibaba-qwen-2026/").content.decode()
    exchanges = _cell(html, "alibaba-qwen", "exchanges")
    accounts = _cell(html, "alibaba-qwen", "accounts")
    period = _cell(html, "alibaba-qwen", "period")
    assert exchanges.startswith("28.8 million")
    assert accounts.startswith("about 25,000")
    assert period.startswith("22 April – 5 June 2026")
    for cell in (exchanges, accounts, period):
        numbers = re.findall(r'href="#fn-(\d+)"', cell)
        assert numbers, cell
        for number in numbers:  # every footnote number resolves to a listed source
            assert f'id="fn-{number}"' in html
    assert "no source" not in exchanges + accounts + period
    assert "CNBC report of the 10 June letter" in html
    assert "<q>28.8 million exchanges with Claude</q>" in html


def test_cluster_page_rolls_up_and_shows_children(admin_client, reference_data):
    html = admin_client.get("/incidents/february-2026-disclosure/").content.decode()
    assert _cell(html, "february-2026-cluster", "exchanges").startswith("about 16 million")
    assert _cell(html, "minimax-feb-2026", "exchanges").startswith("more than 13 million")
    assert "Exchanges per campaign" in html  # the chart


def test_marking_hides_incident_from_uncleared_user(client, analyst, reference_data):
    Incident.objects.filter(slug="alibaba-qwen-2026").update(marking=Marking.RED)
    client.force_login(analyst)
    assert "Alibaba / Qwen" not in client.get(reverse("incident-list")).content.decode()
    assert client.get("/incidents/alibaba-qwen-2026/").status_code == 404


def test_unknown_incident_is_404(admin_client, reference_data):
    assert admin_client.get("/incidents/no-such-thing/").status_code == 404


def test_incident_pages_query_count_is_flat(admin_client, reference_data,
                                            django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        admin_client.get(reverse("incident-list"))
    with django_assert_max_num_queries(40):
        admin_client.get("/incidents/february-2026-disclosure/")


def test_alibaba_page_shows_conflicts_and_derived_checks(admin_client, reference_data):
    html = admin_client.get("/incidents/alibaba-qwen-2026/").content.decode()
    assert "Where sources disagree" in html
    assert "a letter dated 10 June 2025" in html  # the dissenting side, with its quote
    assert "DeepSeek, Moonshot AI, and MiniMax also participated" in html
    derived = re.search(r'<section class="derived" data-campaign="alibaba-qwen">.*?</section>',
                        html, re.S).group(0)
    assert "a span of 45 days" in derived
    assert "80% larger" in derived
    assert derived.count('class="derived consistent"') == 4
    assert 'class="derived inconsistent"' not in derived


def _cited(html: str, fragment: str) -> set[str]:
    keys = set()
    for number in re.findall(r'href="#fn-(\d+)"', fragment):
        keys.add(re.search(rf'<li id="fn-{number}" value="{number}" data-source="([^"]+)"',
                           html).group(1))
    return keys


@pytest.mark.parametrize("reader", ["admin", "analyst"])
def test_every_figure_cell_cites_exactly_the_sources_behind_it(client, admin_user, analyst,
                                                               reference_data, reader):
    """Each shown value is the consensus of the reader's claims and its footnotes are
    exactly their sources (incidents.figures, as the selector prefetched them)."""
    from incidents import selectors
    from incidents.figures import campaign_figures
    from incidents.presentation import format_count

    user = admin_user if reader == "admin" else analyst
    client.force_login(user)
    for slug in ("alibaba-qwen-2026", "february-2026-disclosure"):
        html = client.get(f"/incidents/{slug}/").content.decode()
        incident = selectors.incident_get(viewer=user, slug=slug)
        campaigns = list(incident.visible_campaigns)
        campaigns += [c for top in campaigns for c in top.visible_children]
        assert campaigns
        for campaign in campaigns:
            figures = campaign_figures(campaign)
            for field in ("exchanges", "accounts"):
                cell = _cell(html, campaign.slug, field)
                shown = figures[field]
                assert cell.startswith(format_count(shown.value, shown.qualifier))
                assert _cited(html, cell) == {ref.source_key for ref in shown.sources}


def test_a_typed_figure_is_not_shown(admin_client, reference_data):
    """The issue's example: a stored exchanges value typed past the claims changes
    nothing on the page (the figure is the consensus of the claims)."""
    from incidents.models import Campaign

    Campaign.objects.filter(slug="minimax-feb-2026").update(exchanges=14_000_000)
    Incident.objects.filter(slug="february-2026-disclosure").update(disclosed_on="2001-01-01")
    html = admin_client.get("/incidents/february-2026-disclosure/").content.decode()
    assert _cell(html, "minimax-feb-2026", "exchanges").startswith("more than 13 million")
    assert "14 million" not in html
    assert "2001" not in html and "23 February 2026" in html


def test_disclosure_date_and_event_values_are_footnoted_figures(admin_client, reference_data):
    html = admin_client.get("/incidents/alibaba-qwen-2026/").content.decode()
    disclosed = re.search(r'<span data-field="disclosed_on"[^>]*>.*?</span>', html,
                          re.S).group(0)
    assert 'id="fig-disclosed_on"' in disclosed  # the anchor a source page links back to
    assert "24 June 2026" in disclosed
    assert _cited(html, disclosed) == {"cnbc-2026-06-24", "event-digest-17-takes"}
    # The timeline chart's data table: the share fall with its value, actors and sources.
    shares = re.search(r'<tr class="k-market_move">.*?</tr>', html, re.S).group(0)
    assert "up to -4.9%" in re.search(r'<td data-label="Value">.*?</td>', shares,
                                      re.S).group(0)
    assert "wire-summary-bloomberg-reuters" in _cited(html, shares)
    assert "Alibaba" in re.search(r'<td data-label="Actors">.*?</td>', shares, re.S).group(0)


def test_target_line_names_the_visible_target(admin_client, reference_data):
    html = admin_client.get("/incidents/alibaba-qwen-2026/").content.decode()
    target = re.search(r'<span class="target" data-field="target">(.*?)</span>\n', html,
                       re.S)
    assert target and "Claude" in target.group(1) and "restricted" not in target.group(1)
