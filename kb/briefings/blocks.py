"""Briefings' blocks: the shared vocabulary lives in ``incidents.blocks`` (letters use
the same fact blocks); this module keeps the names briefings import."""

from incidents.blocks import (
    FACT_BLOCKS,
    RICH_TEXT_FEATURES,
    BriefingStreamBlock,
    FactBlock,
    figure_choices,
)

__all__ = ["FACT_BLOCKS", "RICH_TEXT_FEATURES", "BriefingStreamBlock", "FactBlock",
           "figure_choices"]
