"""The public partials the incident page includes: conflicts and derived checks, each
figure traced to its sources and quoted spans."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from incidents.models import Incident
from incidents.provenance.display import conflict_rows
from incidents.provenance.selectors import campaign_derived_checks, conflict_list

pytestmark = pytest.mark.django_db


def test_conflicts_partial_names_sides_sources_and_quotes(reference_data, admin_user):
    incident = Incident.objects.get(slug="alibaba-qwen-2026")
    html = render_to_string("incidents/review/_conflicts.html", {
        "conflict_rows": conflict_rows(conflict_list(viewer=admin_user, incident=incident)),
    })
    assert html.count('<article class="conflict disagreement"') == 2
    assert "10 June 2026" in html and "10 June 2025" in html
    assert "<q>a letter dated 10 June 2025</q>" in html
    assert "DeepSeek, Moonshot AI, and MiniMax also participated in the operation" in html
    assert 'href="https://www.cnbc.com/2026/06/24/anthropic-alibaba-distillation-campaign.html"' \
        in html


def test_derived_checks_partial(alibaba, admin_user):
    html = render_to_string("incidents/review/_derived_checks.html", {
        "checks": campaign_derived_checks(viewer=admin_user, campaign=alibaba),
    })
    assert html.count('class="derived consistent"') == 4
    assert "<q>80% larger by exchange volume than the combined" in html
    assert "28,800,000 ÷ 16,000,000 = 1.8" in html


def test_partials_for_a_green_reader_name_no_hidden_record(db):
    """Factory-made: a GREEN reader's conflicts and checks partials read "restricted"
    where a visible claim names a hidden operator or compares with a hidden campaign."""
    from incidents.selectors import campaign_get
    from tests import factories as f

    green = f.UserFactory()
    f.ActorFactory(marking="RED", slug="crimson-op")
    f.CampaignFactory(marking="RED", slug="crimson-campaign")
    campaign = f.CampaignFactory(marking="GREEN", slug="jade", name="Jade")
    source = f.SourceFactory(marking="GREEN", title="Jade Report")
    for value, credibility in ((["crimson-op"], 1), ([], 3)):
        f.ClaimFactory(subject=campaign, field="operators", value=value, source=source,
                       marking="GREEN", credibility=credibility)
    f.ClaimFactory(subject=campaign, field="exchanges_ratio", kind="derived", source=source,
                   value={"of": "crimson-campaign", "ratio": 2}, marking="GREEN",
                   quote="twice as large")

    conflicts = render_to_string("incidents/review/_conflicts.html", {
        "conflict_rows": conflict_rows(conflict_list(viewer=green, subject=campaign)),
    })
    checks = render_to_string("incidents/review/_derived_checks.html", {
        "checks": campaign_derived_checks(viewer=green,
                                          campaign=campaign_get(viewer=green, slug="jade")),
    })
    assert "crimson" not in conflicts + checks
    assert "<strong>restricted</strong>" in conflicts
    assert "Jade Report" in conflicts and 'class="derived unknown"' in checks
