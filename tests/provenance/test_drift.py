"""Fact drift: a figure cited by an issued document changes afterwards."""

from __future__ import annotations

import pytest

from incidents.models import (
    AlertStatus,
    Campaign,
    Claim,
    ClaimStatus,
    FactAlert,
    FigureCitation,
    Letter,
    LetterStatus,
)
from incidents.provenance.selectors import alert_list
from incidents.services.citations import (
    alerts_acknowledge,
    citation_add,
    citations_issue,
    figures_drift_check,
)
from incidents.services.claims import claim_upsert
from incidents.services.records import record_update
from incidents.services.review import claims_review
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(reference_data) -> Letter:
    return Letter.objects.create(slug="policy-team-letter", subject="Distillation figures")


def send(letter: Letter, user=None) -> None:
    """Mark the letter sent through the write service (which snapshots its citations)."""
    record_update(instance=letter, user=user, data={"status": LetterStatus.SENT})


def new_claim(subject, field, value, qualifier="exact"):
    """A pending claim from a primary source that says ``value``."""
    claim, _ = claim_upsert(subject=subject, field=field, value=value, qualifier=qualifier,
                            source=f.SourceFactory(reliability="A"), credibility=1,
                            refresh=False)
    return claim


def replace_figure(subject, field, value, user, qualifier="exact") -> None:
    """Change a figure the only way figures change: a new claim is accepted and the
    claims it replaces are rejected, in one review (one refresh, one drift check)."""
    claim = new_claim(subject, field, value, qualifier)
    Claim.objects.filter(content_type__model=subject._meta.model_name, object_id=subject.pk,
                         field=field, status=ClaimStatus.ACCEPTED).update(
        status=ClaimStatus.REJECTED)
    result = claims_review(claim_ids=[claim.pk], status="accepted", user=user)
    assert result.reviewed == [claim.pk]


def test_sending_a_letter_snapshots_what_it_cites(draft, alibaba):
    citation = citation_add(document=draft, subject=alibaba, field="exchanges")
    assert citation.issued_at is None

    send(draft)

    citation.refresh_from_db()
    assert (citation.value, citation.detail) == (28_800_000, "exact")
    assert citation.issued_at is not None


def test_changing_a_cited_figure_after_the_letter_is_sent_records_an_alert(
        draft, alibaba, add_claim, make_source, admin_user):
    citation_add(document=draft, subject=alibaba, field="exchanges")
    send(draft)
    # A primary source with the unrounded figure: agrees with 28.8 million but is more
    # precise, so the shown value changes.
    claim = add_claim(alibaba, "exchanges", 28_812_345, status=ClaimStatus.PENDING,
                      source=make_source("provider-report", reliability="A"), credibility=1)

    claims_review(claim_ids=[claim.pk], status="accepted", user=admin_user)

    alert = FactAlert.objects.get()
    assert alert.citation.document == draft
    assert alert.citation.subject == alibaba
    assert alert.citation.field == "exchanges"
    assert (alert.cited_value, alert.current_value) == (28_800_000, 28_812_345)
    assert alert.still_holds  # "28.8 million" is still right within rounding
    assert alert.status == AlertStatus.OPEN
    assert list(alert_list(viewer=admin_user, status="open")) == [alert]


def test_no_alert_before_the_letter_is_issued_nor_for_unchanged_figures(draft, alibaba,
                                                                      add_claim):
    citation_add(document=draft, subject=alibaba, field="exchanges")
    add_claim(alibaba, "exchanges", 28_812_345, credibility=1)  # changes the figure
    assert not FactAlert.objects.exists()

    send(draft)
    add_claim(alibaba, "accounts", 25_000, qualifier="about")  # another figure
    assert figures_drift_check(subject=alibaba) == []
    assert not FactAlert.objects.exists()


def test_a_replaced_figure_records_an_alert_and_a_later_change_supersedes_it(
        draft, alibaba, admin_user):
    citation_add(document=draft, subject=alibaba, field="accounts")
    send(draft)

    replace_figure(alibaba, "accounts", 30_000, admin_user)
    first = FactAlert.objects.get()
    assert (first.cited_value, first.cited_detail) == (25_000, "about")
    assert (first.current_value, first.current_detail) == (30_000, "exact")
    assert not first.still_holds

    replace_figure(alibaba, "accounts", 31_000, admin_user)
    first.refresh_from_db()
    assert first.status == AlertStatus.SUPERSEDED
    assert FactAlert.objects.filter(status=AlertStatus.OPEN).count() == 1

    replace_figure(alibaba, "accounts", 25_000, admin_user, qualifier="about")
    assert not FactAlert.objects.filter(status=AlertStatus.OPEN).exists()


def test_typing_a_figure_is_refused_and_raises_no_alert(draft, alibaba, admin_user):
    from django.core.exceptions import ValidationError

    citation_add(document=draft, subject=alibaba, field="exchanges")
    send(draft)
    with pytest.raises(ValidationError) as raised:
        record_update(instance=alibaba, user=admin_user, data={"exchanges": 14_000_000})
    assert "exchanges" in raised.value.message_dict
    assert not FactAlert.objects.exists()
    assert Campaign.objects.get(pk=alibaba.pk).exchanges == 28_800_000


def test_drift_check_is_idempotent(draft, alibaba):
    citation_add(document=draft, subject=alibaba, field="exchanges")
    send(draft)
    # The claims change without a refresh: the check itself finds the drift, once.
    new_claim(alibaba, "exchanges", 30_000_000)
    Claim.objects.filter(content_type__model="campaign", object_id=alibaba.pk,
                         field="exchanges").exclude(value=30_000_000).update(
        status=ClaimStatus.REJECTED)
    Claim.objects.filter(content_type__model="campaign", object_id=alibaba.pk,
                         field="exchanges", value=30_000_000).update(
        status=ClaimStatus.ACCEPTED)

    assert len(figures_drift_check(subject=alibaba)) == 1
    assert figures_drift_check(subject=alibaba) == []
    assert FactAlert.objects.count() == 1


def test_a_cited_cluster_total_drifts_when_a_child_changes(reference_data, draft,
                                                          admin_user):
    """The February cluster's accounts have no claims of their own on its children, but
    a cluster without its own figure shows its children's sum."""
    cluster = Campaign.objects.get(slug="february-2026-cluster")
    Claim.objects.filter(content_type__model="campaign", object_id=cluster.pk,
                         field="exchanges").delete()
    Campaign.objects.filter(pk=cluster.pk).update(exchanges=None)
    citation = citation_add(document=draft, subject=cluster, field="exchanges")
    send(draft)
    citation.refresh_from_db()
    assert citation.value == 150_000 + 3_400_000 + 13_000_000

    minimax = Campaign.objects.get(slug="minimax-feb-2026")
    replace_figure(minimax, "exchanges", 14_000_000, admin_user)

    assert FactAlert.objects.get().current_value == 150_000 + 3_400_000 + 14_000_000


def test_acknowledging_is_compare_and_swap(draft, alibaba, admin_user):
    citation_add(document=draft, subject=alibaba, field="exchanges")
    send(draft)
    replace_figure(alibaba, "exchanges", 30_000_000, admin_user)
    alert = FactAlert.objects.get()

    assert alerts_acknowledge(alert_ids=[alert.pk], user=admin_user, note="correction sent") \
        == [alert.pk]
    assert alerts_acknowledge(alert_ids=[alert.pk], user=admin_user) == []
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.note) == (
        AlertStatus.ACKNOWLEDGED, admin_user, "correction sent")


def test_reissuing_a_document_resolves_its_alerts(draft, alibaba, admin_user):
    citation = citation_add(document=draft, subject=alibaba, field="exchanges")
    send(draft)
    replace_figure(alibaba, "exchanges", 30_000_000, admin_user)

    assert citations_issue(document=draft) == 0  # already issued: nothing to do
    assert citations_issue(document=draft, reissue=True) == 1

    citation.refresh_from_db()
    assert citation.value == 30_000_000
    assert FactAlert.objects.get().status == AlertStatus.RESOLVED


def test_citing_after_sending_snapshots_at_once_and_unknown_fields_are_refused(
        draft, alibaba):
    from django.core.exceptions import ValidationError

    send(draft)
    citation = citation_add(document=draft, subject=alibaba, field="start_date")
    assert (citation.value, citation.detail) == ("2026-04-22", "day")
    assert citation_add(document=draft, subject=alibaba, field="start_date") == citation
    assert FigureCitation.objects.filter(document_id=draft.pk,
                                         document_type__model="letter").count() == 1
    with pytest.raises(ValidationError):
        citation_add(document=draft, subject=alibaba, field="colour")


def test_alerts_follow_tlp_markings(draft, alibaba, analyst, admin_user):
    record_update(instance=draft, user=admin_user, data={"marking": "AMBER"})
    citation_add(document=draft, subject=alibaba, field="exchanges")
    send(draft, admin_user)
    replace_figure(alibaba, "exchanges", 30_000_000, admin_user)

    assert alert_list(viewer=admin_user).count() == 1
    assert alert_list(viewer=analyst).count() == 0


def test_a_figure_read_before_the_change_does_not_hide_the_drift(draft, alibaba, add_claim,
                                                                  make_source, admin_user):
    """A page or API call leaves the claims it read on the instance (``accepted_claims``);
    the drift check reads the record's figures as the database holds them now."""
    from incidents.figures import figure

    citation_add(document=draft, subject=alibaba, field="exchanges")
    send(draft)
    assert figure(alibaba, "exchanges").value == 28_800_000  # caches the claims read
    add_claim(alibaba, "exchanges", 28_812_345, source=make_source("unrounded", "A"),
              credibility=1, refresh=False)

    figures_drift_check(subject=alibaba)

    alert = FactAlert.objects.get()
    assert (alert.cited_value, alert.current_value) == (28_800_000, 28_812_345)
