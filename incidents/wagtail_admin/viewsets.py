"""Snippet viewsets for every domain model (filled in by the admin work)."""

VIEWSETS: list = []
