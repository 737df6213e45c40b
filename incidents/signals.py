"""Signals the domain sends where Django's own do not fire.

``claims_reviewed`` (sender: ``Claim``, ``ids``: the claims whose status changed): a
review sets statuses with one ``UPDATE`` (compare-and-swap under row locks), which sends
no ``post_save``; whatever keeps a copy of claims (the search index) listens to this.

``reference_data_loaded`` (sender: ``Incident``; ``bundled``: whether the bundled file
was loaded): sent inside the load's transaction, so what other apps add to the
reference data (the briefing on the Alibaba case) is stored or rolled back with it. A
receiver may return a ``Counter`` of what it created; the load's statistics add it.
"""

from django.dispatch import Signal

claims_reviewed = Signal()
reference_data_loaded = Signal()
