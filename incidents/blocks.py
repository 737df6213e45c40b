"""The StreamField vocabulary of briefings and letters (the bakerydemo ``blocks.py``
shape): one set of blocks, so a fact in a letter is the same block, footnoted the same
way, as a fact in a briefing.

Blocks store choices, never figures: a fact block names a record and one of its figure
fields, and the page shows that figure's consensus for its reader when it renders
(``kb.briefings.rendering``). Each block has its own template under
``templates/briefings/blocks/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.forms.utils import ErrorList
from django.utils.html import strip_tags
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from incidents.provenance.fields import FIELDS

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3", "h4"]


class MarkedSnippetChooserBlock(SnippetChooserBlock):
    """A snippet chooser that never names a record above its editor's clearance: a
    document may keep citing a record re-marked since (or chosen by a better-cleared
    colleague), and its edit form must not show that record's name or link to it. The
    block keeps the id, so saving the form keeps the citation; the editor sees the
    redaction marker in its place."""

    def get_form_state(self, value: Any) -> Any:
        from incidents.middleware import current_viewer
        from incidents.visibility import RESTRICTED, can_see

        state = super().get_form_state(value)
        viewer = current_viewer()
        if not state or viewer is None:
            return state
        instance = value if isinstance(value, models.Model) else \
            self.model_class._default_manager.filter(pk=state.get("id")).first()
        if instance is not None and not can_see(viewer, instance):
            return {"id": state.get("id"), "edit_url": None, "string": RESTRICTED}
        return state


def figure_choices(model_name: str) -> list[tuple[str, str]]:
    """The figure fields of ``model_name`` a fact may show: those stored on the record
    (counts and dates), not the derived statements that are only checked."""
    return [(name, (spec.label or name).capitalize())
            for name, spec in FIELDS[model_name].items() if spec.value_attr]


class FactBlock(blocks.StructBlock):
    """One figure of one record, shown live with its qualifier and a footnote to the
    sources behind it. Subclasses name the record's model (``model_name``)."""

    model_name = ""

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value.get("figure") not in dict(figure_choices(self.model_name)):
            raise blocks.StructBlockValidationError(
                {"figure": ErrorList([ValidationError(
                    "Choose one of this record's figures.")])})
        return value

    class Meta:
        icon = "order"
        template = "briefings/blocks/fact.html"
        help_text = ("A live figure: the page shows the current consensus of the accepted "
                     "claims its reader may see, with a footnote to their sources.")


def _lead() -> blocks.CharBlock:
    return blocks.CharBlock(required=False, max_length=300,
                            help_text="Words before the figure, e.g. “The campaign ran”.")


def _trail() -> blocks.CharBlock:
    return blocks.CharBlock(required=False, max_length=300,
                            help_text="Words after the figure, e.g. “exchanges with Claude.”")


class CampaignFactBlock(FactBlock):
    model_name = "campaign"
    record = MarkedSnippetChooserBlock("incidents.Campaign", label="Campaign")
    figure = blocks.ChoiceBlock(choices=figure_choices("campaign"), default="exchanges")
    lead = _lead()
    trail = _trail()

    class Meta:
        label = "Fact: campaign figure"


class IncidentFactBlock(FactBlock):
    model_name = "incident"
    record = MarkedSnippetChooserBlock("incidents.Incident", label="Incident")
    figure = blocks.ChoiceBlock(choices=figure_choices("incident"),
                                default="disclosed_on")
    lead = _lead()
    trail = _trail()

    class Meta:
        label = "Fact: incident figure"


class EventFactBlock(FactBlock):
    model_name = "event"
    record = MarkedSnippetChooserBlock("incidents.Event", label="Event")
    figure = blocks.ChoiceBlock(choices=figure_choices("event"), default="date")
    lead = _lead()
    trail = _trail()

    class Meta:
        label = "Fact: event figure"


class ClusterFactBlock(FactBlock):
    model_name = "accountcluster"
    record = MarkedSnippetChooserBlock("incidents.AccountCluster", label="Account cluster")
    figure = blocks.ChoiceBlock(choices=figure_choices("accountcluster"),
                                default="count")
    lead = _lead()
    trail = _trail()

    class Meta:
        label = "Fact: account cluster figure"


class VolumeFactBlock(FactBlock):
    model_name = "exchangevolume"
    record = MarkedSnippetChooserBlock("incidents.ExchangeVolume", label="Exchange volume")
    figure = blocks.ChoiceBlock(choices=figure_choices("exchangevolume"),
                                default="count")
    lead = _lead()
    trail = _trail()

    class Meta:
        label = "Fact: exchange volume figure"


FACT_BLOCKS: dict[str, type[FactBlock]] = {
    "campaign_fact": CampaignFactBlock,
    "incident_fact": IncidentFactBlock,
    "event_fact": EventFactBlock,
    "cluster_fact": ClusterFactBlock,
    "volume_fact": VolumeFactBlock,
}


class IncidentCardBlock(blocks.StructBlock):
    incident = MarkedSnippetChooserBlock("incidents.Incident")

    class Meta:
        icon = "doc-full"
        label = "Incident card"
        template = "briefings/blocks/incident_card.html"
        help_text = "The incident's title, disclosure date, campaigns and summary, live."


class ComparisonBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False, max_length=200)
    campaigns = blocks.ListBlock(MarkedSnippetChooserBlock("incidents.Campaign"), min_num=2,
                                 max_num=10, label="Campaigns (2 to 10)")

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        picked = [c.pk for c in value["campaigns"] if c is not None]
        if len(set(picked)) != len(picked):
            raise blocks.StructBlockValidationError(
                {"campaigns": ErrorList([ValidationError("Each campaign only once.")])})
        return value

    class Meta:
        icon = "table"
        label = "Campaign comparison"
        template = "briefings/blocks/comparison.html"
        help_text = "The analyst site's side-by-side table and bar charts."


class TimelineBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False, max_length=200)
    incident = MarkedSnippetChooserBlock("incidents.Incident", required=False,
                                   help_text="An incident's timeline, or leave empty and "
                                             "give a date range.")
    start = blocks.DateBlock(required=False, label="From")
    end = blocks.DateBlock(required=False, label="To")

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        errors: dict[str, ErrorList] = {}
        if value.get("incident") is None and not (value.get("start") or value.get("end")):
            errors["incident"] = ErrorList([ValidationError(
                "Choose an incident or give a date range.")])
        start, end = value.get("start"), value.get("end")
        if start and end and start > end:
            errors["end"] = ErrorList([ValidationError("“To” is before “From”.")])
        if errors:
            raise blocks.StructBlockValidationError(errors)
        return value

    class Meta:
        icon = "calendar-alt"
        label = "Timeline"
        template = "briefings/blocks/timeline.html"
        help_text = "The analyst site's timeline chart, for an incident or a date range."


class QuoteBlock(blocks.StructBlock):
    coverage = MarkedSnippetChooserBlock("incidents.Coverage", label="Coverage item")
    number = blocks.IntegerBlock(min_value=1, default=1, label="Quote number",
                                 help_text="Which of the item's recorded quotes (1 = first). "
                                           "Quotes are taken as recorded, never retyped.")

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        coverage = value.get("coverage")
        quotes = list(getattr(coverage, "quotes", None) or [])
        if coverage is not None and not 1 <= (value.get("number") or 0) <= len(quotes):
            message = (f"“{coverage}” has {len(quotes)} recorded quote"
                       f"{'' if len(quotes) == 1 else 's'}." if quotes
                       else f"“{coverage}” has no recorded quote.")
            raise blocks.StructBlockValidationError(
                {"number": ErrorList([ValidationError(message)])})
        return value

    class Meta:
        icon = "openquote"
        label = "Quote"
        template = "briefings/blocks/quote.html"


class BriefingStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(max_length=200, icon="title", label="Heading",
                               template="briefings/blocks/heading.html")
    paragraph = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, icon="pilcrow",
                                     label="Rich text",
                                     template="briefings/blocks/paragraph.html")
    campaign_fact = CampaignFactBlock()
    incident_fact = IncidentFactBlock()
    event_fact = EventFactBlock()
    cluster_fact = ClusterFactBlock()
    volume_fact = VolumeFactBlock()
    incident_card = IncidentCardBlock()
    comparison = ComparisonBlock()
    timeline = TimelineBlock()
    quote = QuoteBlock()


class LetterStreamBlock(blocks.StreamBlock):
    """A letter's body: rich text, headings, the briefings' fact blocks and quotes. No
    charts or tables: a letter is printed and read as prose, and its figures carry
    footnotes in Word and PDF alike."""

    heading = blocks.CharBlock(max_length=200, icon="title", label="Heading",
                               template="briefings/blocks/heading.html")
    paragraph = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, icon="pilcrow",
                                     label="Rich text",
                                     template="briefings/blocks/paragraph.html")
    campaign_fact = CampaignFactBlock()
    incident_fact = IncidentFactBlock()
    event_fact = EventFactBlock()
    cluster_fact = ClusterFactBlock()
    volume_fact = VolumeFactBlock()
    quote = QuoteBlock()


def stream_text(raw: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The document's own words in a stream's stored blocks (headings, rich text, the
    words around facts), for search: nothing of the records the blocks cite, which are
    found through their own documents under their own markings."""
    for block in raw:
        kind, value = block.get("type", ""), block.get("value") or {}
        if kind == "heading":
            yield str(value or "")
        elif kind == "paragraph":
            yield strip_tags(str(value or ""))
        elif kind in FACT_BLOCKS and isinstance(value, dict):
            yield " ".join(str(value.get(k) or "") for k in ("lead", "trail"))
