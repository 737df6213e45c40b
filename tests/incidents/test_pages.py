import re

import pytest
from django.contrib.auth import get_user_model

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


def test_home_lists_both_incidents(admin_client, reference_data):
    html = admin_client.get("/").content.decode()
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
    assert "Alibaba / Qwen" not in client.get("/").content.decode()
    assert client.get("/incidents/alibaba-qwen-2026/").status_code == 404


def test_unknown_incident_is_404(admin_client, reference_data):
    assert admin_client.get("/incidents/no-such-thing/").status_code == 404


def test_incident_pages_query_count_is_flat(admin_client, reference_data,
                                            django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        admin_client.get("/")
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
