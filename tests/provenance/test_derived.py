"""Derived statements checked against the figures they derive from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from incidents.models import Claim, ClaimStatus
from incidents.provenance.derived import Input, Verdict, check
from incidents.provenance.selectors import campaign_derived_checks, derived_checks


@dataclass
class Stated:
    value: Any
    qualifier: str = "exact"
    pk: int = 0


PERIOD = {
    "start": Input("start", "date", "2026-04-22", "day"),
    "end": Input("end", "date", "2026-06-05", "day"),
}
VOLUMES = {
    "numerator": Input("numerator", "count", 28_800_000, "exact"),
    "denominator": Input("denominator", "count", 16_000_000, "about"),
}


@pytest.mark.parametrize(("field", "value", "qualifier", "reading"), [
    ("duration_days", 45, "exact", "inclusive day count"),
    ("duration_days", 44, "exact", "difference in days"),
    ("duration_weeks", 6, "exact", "inclusive day count"),  # 6.43 weeks: within rounding
    ("duration_weeks", 6, "about", "inclusive day count"),
    ("duration_months", 1.5, "about", "inclusive day count"),
])
def test_consistent_durations(field, value, qualifier, reading):
    result = check(field, Stated(value, qualifier), PERIOD)
    assert result.verdict == Verdict.CONSISTENT
    assert result.reading.label == reading


@pytest.mark.parametrize(("field", "value", "qualifier"), [
    ("duration_months", 3, "about"),  # "about three months" for 22 April – 5 June
    ("duration_days", 60, "exact"),
    ("duration_weeks", 8, "about"),
])
def test_inconsistent_durations(field, value, qualifier):
    result = check(field, Stated(value, qualifier), PERIOD)
    assert result.verdict == Verdict.INCONSISTENT
    assert not result.consistent
    assert "inconsistent with the arithmetic" in result.explanation


def test_80_percent_larger_is_a_ratio_of_1_8():
    result = check("exchanges_ratio", Stated({"of": "february-2026-cluster", "ratio": 1.8},
                                             "about"), VOLUMES)
    assert result.verdict == Verdict.CONSISTENT
    assert result.reading.value == Decimal("1.8")


def test_a_ratio_only_the_looseness_of_the_figures_allows():
    """"70 % larger": not the quotient of the shown figures (1.8), but "about 16 million"
    could be 16.9 million."""
    result = check("exchanges_ratio", Stated({"of": "x", "ratio": 1.7}), VOLUMES)
    assert result.verdict == Verdict.WITHIN_UNCERTAINTY
    assert result.consistent


def test_exchanges_per_account():
    inputs = {"numerator": Input("numerator", "count", 28_800_000, "exact"),
              "denominator": Input("denominator", "count", 25_000, "about")}
    assert check("exchanges_per_account", Stated(1152), inputs).verdict == Verdict.CONSISTENT
    assert check("exchanges_per_account", Stated(2000), inputs).verdict == Verdict.INCONSISTENT


def test_exchanges_per_day_reads_both_day_counts():
    inputs = {"exchanges": Input("exchanges", "count", 28_800_000, "exact"), **PERIOD}
    assert check("exchanges_per_day", Stated(640_000), inputs).verdict == Verdict.CONSISTENT
    assert check("exchanges_per_day", Stated(654_545), inputs).verdict == Verdict.CONSISTENT


def test_month_precision_periods_have_no_point_value():
    period = {"start": Input("start", "date", "2026-04-01", "month"),
              "end": Input("end", "date", "2026-06-01", "month")}
    result = check("duration_months", Stated(2, "about"), period)
    assert result.computation.readings == ()
    assert result.verdict == Verdict.WITHIN_UNCERTAINTY
    assert check("duration_months", Stated(5), period).verdict == Verdict.INCONSISTENT


def test_a_missing_figure_makes_the_check_unknown():
    result = check("duration_days", Stated(45), {"start": PERIOD["start"], "end": None})
    assert result.verdict == Verdict.UNKNOWN
    assert result.computation is None


# -- on the reference data ------------------------------------------------------------------


def test_reference_derived_statements_fit_the_arithmetic(alibaba, admin_user):
    checks = {(c.field, c.claim.source.key): c
              for c in campaign_derived_checks(viewer=admin_user, campaign=alibaba)}

    assert {k: v.verdict.value for k, v in checks.items()} == {
        ("duration_days", "takeaways-explainer"): "consistent",
        ("duration_days", "toms-hardware-2026-06"): "consistent",
        ("duration_weeks", "news-analysis-lawmakers"): "consistent",
        ("exchanges_ratio", "event-digest-17-takes"): "consistent",
    }
    ratio = checks[("exchanges_ratio", "event-digest-17-takes")]
    assert "28,800,000 ÷ 16,000,000 = 1.8" in ratio.explanation
    assert ratio.inputs[1].label == "February 2026 cluster: exchanges"
    assert checks[("duration_days", "toms-hardware-2026-06")].reading.label == (
        "inclusive day count"
    )


@pytest.mark.parametrize(("field", "value", "qualifier", "verdict"), [
    ("duration_days", 45, "exact", "consistent"),
    ("duration_days", 44, "exact", "consistent"),
    ("duration_weeks", 6, "exact", "consistent"),
    ("exchanges_per_account", 1152, "exact", "consistent"),
    ("exchanges_ratio", {"of": "february-2026-cluster", "ratio": 1.8}, "exact", "consistent"),
    ("duration_months", 3, "about", "inconsistent"),
])
def test_new_derived_statements_on_the_alibaba_campaign(alibaba, admin_user, add_claim,
                                                        field, value, qualifier, verdict):
    claim = add_claim(alibaba, field, value, qualifier=qualifier, kind="derived",
                      status=ClaimStatus.PENDING)
    claim = Claim.objects.select_related("source", "content_type").get(pk=claim.pk)

    assert derived_checks(viewer=admin_user, claims=[claim])[claim.pk].verdict == verdict
