"""Review queue and conflicts views (filled in by the provenance work)."""
