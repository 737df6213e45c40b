"""Writes of briefings: what publishing records, so a later change of a cited figure
raises a fact-drift alert naming the briefing."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from incidents.models import FactAlert, FigureCitation
from incidents.services.citations import citation_add, citations_issue
from incidents.visibility import strictest
from kb.briefings.models import BriefingPage
from kb.briefings.rendering import fact_citations


@transaction.atomic
def briefing_citations_publish(*, page: BriefingPage) -> int:
    """Make the briefing's citations those of its live fact blocks and snapshot the
    value each shows now (``citations_issue``, re-issued: a republished briefing says
    the new values, and its open alerts resolve). Citations of facts no longer in the
    body are removed, with their alerts. Idempotent. Returns the number cited."""
    wanted = fact_citations(page)
    kept = [citation_add(document=page, subject=subject, field=field)
            for subject, field in wanted]
    # A citation (and its alerts) is marked as the stricter of the briefing and the
    # record, as they are now: a briefing re-marked since it first cited a figure must
    # not be named by its alerts to readers below its new marking.
    for citation, (subject, _field) in zip(kept, wanted, strict=True):
        marking = strictest(page.marking, str(getattr(subject, "marking", page.marking)))
        if citation.marking != marking:
            FigureCitation.objects.filter(pk=citation.pk).update(marking=marking)
            FactAlert.objects.filter(citation=citation).update(marking=marking)
    FigureCitation.objects.filter(
        document_type=ContentType.objects.get_for_model(BriefingPage), document_id=page.pk,
    ).exclude(pk__in=[c.pk for c in kept]).delete()
    citations_issue(document=page, reissue=True)
    return len(kept)


@transaction.atomic
def briefing_citations_withdraw(*, page: BriefingPage) -> int:
    """An unpublished briefing no longer says anything: its snapshots are cleared (no
    drift is watched) until it is published again. Returns how many were cleared."""
    return FigureCitation.objects.filter(
        document_type=ContentType.objects.get_for_model(BriefingPage), document_id=page.pk,
        issued_at__isnull=False,
    ).update(issued_at=None, value=None, detail="")
