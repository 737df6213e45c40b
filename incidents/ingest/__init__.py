"""Ingesting articles: readable text and metadata from HTML or plain text, extraction of
figures, dates, actors and quotes, and pending claims an analyst reviews.

``types`` holds what the parts share; ``extract`` finds things in text (pure, no
database); ``pipeline`` stores sources, coverage and pending claims; ``tasks`` runs one
Celery task per document.
"""
