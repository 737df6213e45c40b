"""Signals the domain sends where Django's own do not fire.

``claims_reviewed`` (sender: ``Claim``, ``ids``: the claims whose status changed): a
review sets statuses with one ``UPDATE`` (compare-and-swap under row locks), which sends
no ``post_save``; whatever keeps a copy of claims (the search index) listens to this.
"""

from django.dispatch import Signal

claims_reviewed = Signal()
