"""Wagtail admin for the domain: snippet viewsets (``viewsets``) and the review queue
(``review``). ``incidents/wagtail_hooks.py`` registers them."""
