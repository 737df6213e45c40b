"""From extractions to pending claims: each figure lands on the record it is about, with
its sentence and offsets, or is skipped with the reason. Extractions are made by hand
here, so these tests say what the mapping does whatever the extractor finds."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.ingest.claims import pending_claims_create, sentences_of
from incidents.ingest.types import Extraction
from incidents.models import Claim, ClaimStatus
from tests.factories import (
    ActorFactory,
    CampaignFactory,
    ClearanceFactory,
    EventFactory,
    IncidentFactory,
    LetterFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def found(text: str, snippet: str, kind: Any, value: Any, **extra: Any) -> Extraction:
    start = text.index(snippet)
    return Extraction(kind=kind, value=value, text=snippet, start=start,
                      end=start + len(snippet), **extra)


def actor(text: str, name: str, slug: str, occurrence: int = 0) -> Extraction:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(name, start + 1)
    return Extraction(kind="actor", value=slug, text=name, start=start, end=start + len(name))


@pytest.fixture
def world() -> dict[str, Any]:
    alibaba = ActorFactory(slug="alibaba", name="Alibaba")
    minimax = ActorFactory(slug="minimax", name="MiniMax")
    deepseek = ActorFactory(slug="deepseek", name="DeepSeek")
    scott = ActorFactory(slug="tim-scott", name="Tim Scott", kind="legislator")
    warren = ActorFactory(slug="elizabeth-warren", name="Elizabeth Warren", kind="legislator")
    case = IncidentFactory(slug="alibaba-case")
    february = IncidentFactory(slug="february-case")
    qwen = CampaignFactory(slug="qwen", incident=case, operators=[alibaba])
    cluster = CampaignFactory(slug="cluster", incident=february, operators=[minimax, deepseek])
    own = CampaignFactory(slug="minimax-own", parent=cluster, operators=[minimax])
    letter = LetterFactory(slug="june-letter", recipients=[scott, warren], incidents=[case])
    fall = EventFactory(slug="shares-fall", kind="market_move", value=-1, unit="%",
                        actors=[alibaba], incidents=[case])
    return {"qwen": qwen, "cluster": cluster, "own": own, "letter": letter, "fall": fall,
            "case": case, "february": february}


def claims_on(record: Any) -> dict[str, Claim]:
    return {c.field: c for c in Claim.objects.all() if c.subject == record}


def test_figures_period_and_duration_land_on_the_campaign_its_operator_ran(world):
    text = ("Alibaba ran 28.8 million exchanges from nearly 25,000 accounts between "
            "April 22 and June 5, 2026. That is about six weeks.")
    source = SourceFactory(text=text)
    extractions = [
        actor(text, "Alibaba", "alibaba"),
        found(text, "28.8 million exchanges", "quantity", 28_800_000, unit="exchanges"),
        found(text, "nearly 25,000 accounts", "quantity", 25_000, unit="accounts",
              qualifier="nearly"),
        found(text, "between April 22 and June 5, 2026", "period",
              {"start": "2026-04-22", "end": "2026-06-05"}),
        found(text, "about six weeks", "duration", 42, unit="weeks", qualifier="about"),
    ]
    report = pending_claims_create(source=source, text=text, extractions=extractions)

    got = claims_on(world["qwen"])
    assert set(got) == {"exchanges", "accounts", "start_date", "end_date", "duration_weeks"}
    assert got["exchanges"].value == 28_800_000 and got["exchanges"].status == ClaimStatus.PENDING
    assert (got["accounts"].value, got["accounts"].qualifier) == (25_000, "nearly")
    assert (got["start_date"].value, got["start_date"].precision) == ("2026-04-22", "day")
    assert (got["duration_weeks"].value, got["duration_weeks"].qualifier) == (6, "about")
    # The quoted span is the sentence, at its offsets in the stored text.
    claim = got["exchanges"]
    assert text[claim.quote_start:claim.quote_end] == claim.quote
    assert claim.quote.startswith("Alibaba ran") and claim.quote.endswith("2026.")
    # The duration's sentence names nobody: the article's campaign.
    assert got["duration_weeks"].quote == "That is about six weeks."
    assert report.incidents == [world["case"]]
    assert {e.kind for e, _ in report.skipped} == {"actor"}


def test_a_figure_attributed_to_one_lab_goes_to_its_own_campaign_not_the_cluster(world):
    text = "MiniMax accounted for more than 13 million exchanges, DeepSeek for far fewer."
    source = SourceFactory(text=text)
    extractions = [
        actor(text, "MiniMax", "minimax"), actor(text, "DeepSeek", "deepseek"),
        found(text, "more than 13 million exchanges", "quantity", 13_000_000,
              unit="exchanges", qualifier="more_than", subject="minimax"),
    ]
    pending_claims_create(source=source, text=text, extractions=extractions)
    assert claims_on(world["own"])["exchanges"].qualifier == "more_than"
    assert claims_on(world["cluster"]) == {}


def test_a_total_for_the_whole_cluster_goes_to_the_cluster(world):
    text = "DeepSeek and MiniMax together ran over 16 million exchanges."
    source = SourceFactory(text=text)
    extractions = [
        actor(text, "DeepSeek", "deepseek"), actor(text, "MiniMax", "minimax"),
        found(text, "over 16 million exchanges", "quantity", 16_000_000, unit="exchanges",
              qualifier="more_than"),
    ]
    report = pending_claims_create(source=source, text=text, extractions=extractions)
    assert claims_on(world["cluster"])["exchanges"].value == 16_000_000
    assert report.incidents == [world["february"]]


def test_letter_date_share_move_and_what_is_skipped(world):
    text = ("The letter dated 10 June 2025 went to Senators Tim Scott and Elizabeth Warren. "
            "Alibaba shares fell as much as 4.9%, a 16-month low. Shares rose 3% elsewhere.")
    source = SourceFactory(text=text)
    extractions = [
        found(text, "10 June 2025", "date", "2025-06-10", context={"about": "letter"}),
        actor(text, "Tim Scott", "tim-scott"), actor(text, "Elizabeth Warren", "elizabeth-warren"),
        actor(text, "Alibaba", "alibaba"),
        found(text, "as much as 4.9%", "quantity", -4.9, unit="percent", qualifier="up_to",
              context={"about": "market"}),
        found(text, "3%", "quantity", 3, unit="percent"),
    ]
    report = pending_claims_create(source=source, text=text, extractions=extractions)
    date = claims_on(world["letter"])["date"]
    assert (date.value, date.precision) == ("2025-06-10", "day")
    assert claims_on(world["fall"])["value"].value == -4.9
    reasons = {e.text: why for e, why in report.skipped}
    assert reasons["3%"] == "a percentage that is not a share move"


def test_an_unattributable_figure_is_skipped_with_the_reason(world):
    text = "Someone ran 5 million exchanges."
    source = SourceFactory(text=text)
    report = pending_claims_create(source=source, text=text, extractions=[
        found(text, "5 million exchanges", "quantity", 5_000_000, unit="exchanges")])
    assert report.created == []
    assert report.skipped[0][1] == "no operator named near the figure or in the article"


def test_running_twice_creates_nothing_new(world):
    text = "Alibaba ran 28.8 million exchanges."
    source = SourceFactory(text=text)
    extractions = [actor(text, "Alibaba", "alibaba"),
                   found(text, "28.8 million exchanges", "quantity", 28_800_000,
                         unit="exchanges")]
    first = pending_claims_create(source=source, text=text, extractions=extractions)
    second = pending_claims_create(source=source, text=text, extractions=extractions)
    assert len(first.created) == 1 and second.created == []
    assert [c.pk for c in second.existing] == [c.pk for c in first.created]
    assert Claim.objects.count() == 1


def test_records_hidden_from_the_viewer_get_no_claims(world):
    world["qwen"].marking = "RED"
    world["qwen"].save()
    reader = UserFactory()
    ClearanceFactory(user=reader, level="GREEN")
    text = "Alibaba ran 28.8 million exchanges."
    source = SourceFactory(text=text)
    report = pending_claims_create(
        source=source, text=text, viewer=reader,
        extractions=[actor(text, "Alibaba", "alibaba"),
                     found(text, "28.8 million exchanges", "quantity", 28_800_000,
                           unit="exchanges")])
    assert report.created == [] and Claim.objects.count() == 0
    # The reason does not name the hidden campaign.
    assert "qwen" not in report.skipped[-1][1].lower()


def test_a_claim_is_as_restricted_as_its_subject(world):
    world["qwen"].marking = "AMBER"
    world["qwen"].save()
    text = "Alibaba ran 28.8 million exchanges."
    source = SourceFactory(text=text, marking="GREEN")
    pending_claims_create(source=source, text=text, extractions=[
        actor(text, "Alibaba", "alibaba"),
        found(text, "28.8 million exchanges", "quantity", 28_800_000, unit="exchanges")])
    assert Claim.objects.get().marking == "AMBER"


def test_sentences_keep_their_offsets():
    text = "First one. Second one!\nThird, with 4.9% in it."
    parts = sentences_of(text)
    assert [p.text for p in parts] == ["First one.", "Second one!", "Third, with 4.9% in it."]
    assert all(text[p.start:p.end] == p.text for p in parts)


def test_operators_named_after_a_figure_are_compared_with_not_its_authors(world):
    text = ("Alibaba was busy. A breakdown: 25,000 accounts, 28.8 million exchanges, far "
            "above the cluster (DeepSeek, MiniMax combined, ~16 million exchanges).")
    source = SourceFactory(text=text)
    extractions = [
        actor(text, "Alibaba", "alibaba"),
        found(text, "25,000 accounts", "quantity", 25_000, unit="accounts"),
        found(text, "28.8 million exchanges", "quantity", 28_800_000, unit="exchanges"),
        actor(text, "DeepSeek", "deepseek"), actor(text, "MiniMax", "minimax"),
        found(text, "~16 million exchanges", "quantity", 16_000_000, unit="exchanges",
              qualifier="about"),
    ]
    pending_claims_create(source=source, text=text, extractions=extractions)
    assert {f: c.value for f, c in claims_on(world["qwen"]).items()} == {
        "accounts": 25_000, "exchanges": 28_800_000}
    assert claims_on(world["cluster"])["exchanges"].value == 16_000_000


def test_share_figures_of_other_firms_or_periods_are_not_the_days_move(world):
    text = ("Alibaba shares fell 4.9%; the stock was down 33% year to date. "
            "Other firms' shares fell more than 3% too.")
    source = SourceFactory(text=text)
    extractions = [
        actor(text, "Alibaba", "alibaba"),
        found(text, "fell 4.9%", "quantity", -4.9, unit="percent", subject="alibaba",
              context={"about": "market"}),
        found(text, "down 33%", "quantity", -33, unit="percent", context={"about": "market"}),
        found(text, "more than 3%", "quantity", -3, unit="percent", qualifier="more_than",
              context={"about": "market"}),
    ]
    report = pending_claims_create(source=source, text=text, extractions=extractions)
    assert [c.value for c in report.created] == [-4.9]
    reasons = {e.text: why for e, why in report.skipped}
    assert reasons["down 33%"] == "a change over another period than the day's move"
    assert reasons["more than 3%"] == "no market event of the actors named"
