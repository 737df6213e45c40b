"""The review queue, conflicts view, evidence view and fact-drift alerts in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents.models import (
    AlertStatus,
    Claim,
    ClaimStatus,
    FactAlert,
    Incident,
    Letter,
    LetterStatus,
)
from incidents.services.citations import citation_add
from incidents.services.records import record_update

pytestmark = pytest.mark.django_db

QUEUE = "incidents_review:queue"


@pytest.fixture
def pending(alibaba, add_claim, make_source):
    source = make_source("regional-daily", reliability="C",
                         text="The operators ran some 26 million exchanges over "
                              "about three months, the paper said.")
    return [
        add_claim(alibaba, "exchanges", 26_000_000, qualifier="about", status="pending",
                  source=source, quote="some 26 million exchanges", credibility=3),
        add_claim(alibaba, "duration_months", 3, qualifier="about", kind="derived",
                  status="pending", source=source, quote="about three months",
                  credibility=3),
    ]


def test_queue_lists_pending_claims_with_quote_source_and_check(admin_client, pending):
    response = admin_client.get(reverse(QUEUE))

    assert response.status_code == 200
    html = response.content.decode()
    assert "some 26 million exchanges" in html
    assert "about 26 million" in html
    assert "Source regional-daily" in html
    assert reverse("incidents_review:source", args=["regional-daily"]) in html
    assert 'data-verdict="disagrees"' in html
    assert 'data-verdict="inconsistent"' in html
    assert "Quote found in the source text." in html
    # Accepted reference claims are not in the queue.
    assert "close to 29 million exchanges" not in html


def test_queue_filters_by_incident_and_field(admin_client, pending):
    february = Incident.objects.get(slug="february-2026-disclosure")
    alibaba_case = Incident.objects.get(slug="alibaba-qwen-2026")

    html = admin_client.get(reverse(QUEUE), {"incident": february.pk}).content.decode()
    assert "some 26 million exchanges" not in html
    html = admin_client.get(reverse(QUEUE), {"incident": alibaba_case.pk,
                                             "field": "duration_months"}).content.decode()
    assert "about three months" in html and "some 26 million exchanges" not in html
    html = admin_client.get(reverse("incidents_review:queue_results"),
                            {"status": "accepted", "field": "operators"}).content.decode()
    assert "also participated in the operation" in html


def test_accept_and_reject_through_the_views(admin_client, admin_user, pending, alibaba):
    exchanges, months = pending
    queue_url = reverse(QUEUE)

    response = admin_client.post(reverse("incidents_review:decide"), {
        "claim": [months.pk], "decision": "accepted", f"expected_{months.pk}": "pending",
        "next": queue_url,
    })
    assert response.status_code == 302 and response["Location"] == queue_url
    response = admin_client.post(reverse("incidents_review:decide"), {
        "one": f"rejected:{exchanges.pk}", f"expected_{exchanges.pk}": "pending",
    })
    assert response.status_code == 302

    months.refresh_from_db()
    exchanges.refresh_from_db()
    assert (months.status, months.reviewed_by) == (ClaimStatus.ACCEPTED, admin_user)
    assert (exchanges.status, exchanges.reviewed_by) == (ClaimStatus.REJECTED, admin_user)
    alibaba.refresh_from_db()
    assert alibaba.exchanges == 28_800_000
    # The accepted "about three months" is now a conflict, shown at once.
    html = admin_client.get(reverse("incidents_review:conflicts")).content.decode()
    assert "duration in months" in html
    assert "Source regional-daily" in html
    assert "inconsistent with the arithmetic" in html
    # The queue is empty again.
    html = admin_client.get(queue_url).content.decode()
    assert "Nothing to review" in html


def test_a_stale_decision_is_skipped_and_says_so(admin_client, pending):
    claim = pending[0]
    Claim.objects.filter(pk=claim.pk).update(status="rejected")

    response = admin_client.post(reverse("incidents_review:decide"), {
        "one": f"accepted:{claim.pk}", f"expected_{claim.pk}": "pending",
    }, follow=True)

    assert Claim.objects.get(pk=claim.pk).status == "rejected"
    assert "skipped" in response.content.decode()


def test_conflicts_view_shows_sides_sources_and_can_reject(admin_client, reference_data):
    html = admin_client.get(reverse("incidents_review:conflicts")).content.decode()
    assert html.count('class="w-mb-8 provenance-conflict"') == 2
    assert "alibaba, deepseek, minimax, moonshot-ai, qwen-lab" in html
    assert "10 June 2025" in html and "10 June 2026" in html
    assert "a letter dated 10 June 2025" in html

    wrong = Claim.objects.get(quote="a letter dated 10 June 2025")
    admin_client.post(reverse("incidents_review:decide"), {
        "one": f"rejected:{wrong.pk}", f"expected_{wrong.pk}": "accepted",
    })
    html = admin_client.get(reverse("incidents_review:conflicts")).content.decode()
    assert html.count('class="w-mb-8 provenance-conflict"') == 1
    february = Incident.objects.get(slug="february-2026-disclosure")
    html = admin_client.get(reverse("incidents_review:conflicts"),
                            {"incident": february.slug}).content.decode()
    assert "No conflicts" in html


def test_source_view_highlights_quoted_spans(admin_client, pending):
    html = admin_client.get(reverse("incidents_review:source",
                                    args=["regional-daily"])).content.decode()
    assert f'<mark id="claim-{pending[0].pk}"' in html
    assert f'<mark id="claim-{pending[1].pk}"' in html


def test_source_kept_by_hash_shows_the_hash(admin_client, reference_data):
    html = admin_client.get(reverse("incidents_review:source",
                                    args=["takeaways-explainer"])).content.decode()
    assert "fb70663a3a7ece88ba888033c0be4f31252e87f80a95b1f35ec47d353ef1ce4a" in html
    assert "The text is not kept" in html


def test_alerts_on_the_dashboard_and_acknowledged_in_the_admin(admin_client, admin_user,
                                                              alibaba, add_claim, make_source):
    letter = Letter.objects.create(slug="follow-up", subject="Follow-up letter")
    citation_add(document=letter, subject=alibaba, field="exchanges")
    record_update(instance=letter, user=admin_user, data={"status": LetterStatus.SENT})
    # The figure changes the one way it can: the claims behind it change.
    Claim.objects.filter(campaign=alibaba, field="exchanges").update(status="rejected")
    add_claim(alibaba, "exchanges", 30_000_000, source=make_source("recount", "A"),
              quote="30 million exchanges")
    alibaba.refresh_from_db()
    assert alibaba.exchanges == 30_000_000
    alert = FactAlert.objects.get()

    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "1 open fact-drift alert" in html
    # The figure as ``incidents.formatting`` writes it everywhere.
    assert "Follow-up letter" in html and "30 million" in html

    html = admin_client.get(reverse("incidents_review:alerts")).content.decode()
    assert f'id="alert-{alert.pk}"' in html
    admin_client.post(reverse("incidents_review:acknowledge"), {"alert": [alert.pk]})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED


def test_reviewing_needs_the_claim_permission(client, analyst, pending):
    from django.contrib.auth.models import Permission

    analyst.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(analyst)

    assert client.get(reverse(QUEUE)).status_code in {302, 403}
    client.post(reverse("incidents_review:decide"), {
        "one": f"accepted:{pending[0].pk}", f"expected_{pending[0].pk}": "pending"})
    assert Claim.objects.get(pk=pending[0].pk).status == "pending"

    analyst.user_permissions.add(Permission.objects.get(codename="change_claim"))
    client.force_login(analyst)
    assert client.get(reverse(QUEUE)).status_code == 200


def test_queue_query_count_does_not_grow_with_rows(admin_client, alibaba, add_claim,
                                                   make_source,
                                                   django_assert_max_num_queries):
    source = make_source("bulk-feed", reliability="C")
    for n in range(60):
        add_claim(alibaba, "exchanges", 28_800_000 + n * 1000, status="pending",
                  source=source, quote=f"exchange count {n}")
    with django_assert_max_num_queries(16):
        response = admin_client.get(reverse(QUEUE))
    assert response.status_code == 200
    assert response.content.decode().count('name="claim"') == 50
