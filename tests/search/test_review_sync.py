"""A review changes claim statuses with one UPDATE (no post_save): the search index
still follows, through ``incidents.signals.claims_reviewed``."""

import pytest

from incidents.models import ClaimStatus
from incidents.services.review import claims_review
from kb.search.selectors import search_records
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_reviewed_claim_reads_accepted_in_the_index(django_capture_on_commit_callbacks):
    from kb.search.indexing import index_rebuild

    reviewer = f.UserFactory(clearance="RED", is_staff=True)
    campaign = f.CampaignFactory(name="Glasswing campaign")
    claim = f.ClaimFactory(subject=campaign, field="exchanges", value=4_200_000,
                           status=ClaimStatus.PENDING, quote="glasswing four million")
    index_rebuild()
    assert _claim_hits(reviewer, "glasswing pending") == [claim.pk]
    assert _claim_hits(reviewer, "glasswing accepted") == []
    with django_capture_on_commit_callbacks(execute=True):
        claims_review(claim_ids=[claim.pk], status=ClaimStatus.ACCEPTED, user=reviewer)
    assert _claim_hits(reviewer, "glasswing accepted") == [claim.pk]
    assert _claim_hits(reviewer, "glasswing pending") == []


def _claim_hits(viewer, q):
    results = search_records(viewer=viewer, q=q, filters={"type": ["claim"]}, facets=False)
    return [hit.object_id for hit in results.hits]
