"""Provenance: which claims back a figure, their consensus, and conflicts between them."""
