"""The admin's form of a briefing (``BriefingPage.base_form_class``): an editor marks a
briefing no higher than their own clearance, and is offered only the incidents they may
see as related incidents.

The marking rule is the services' (``incidents.services.records.marking_check``, the one
the snippets' forms use), so the message is the same at every door.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminPageForm

from incidents.models import Incident
from incidents.services.records import marking_check
from incidents.visibility import clearance_for, markings_up_to


class BriefingPageForm(WagtailAdminPageForm):
    """Marking choices up to the editor's clearance (a posted marking above it is an error
    on "marking"); related incidents from those the editor may see."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        marking = self.fields.get("marking")
        if marking is not None:
            allowed = set(markings_up_to(clearance_for(self.for_user)))
            # Only the widget: a posted marking above the clearance reaches ``clean`` and
            # gets the services' message, not "not one of the available choices".
            marking.widget.choices = [(v, label) for v, label in marking.choices  # type: ignore[attr-defined]
                                      if v in allowed]
        related = self.fields.get("related_incidents")
        if related is not None:
            related.queryset = Incident.objects.visible_to(  # type: ignore[attr-defined]
                self.for_user).order_by("title")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            marking_check(viewer=self.for_user, marking=data.get("marking"))
        except ValidationError as exc:
            self.add_error(None, exc)
        return data
