from __future__ import annotations

from django.conf import settings
from django.db import models

from incidents.models.base import Marking


class Clearance(models.Model):
    """The most restricted TLP marking a user may see. Superusers see everything."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clearance"
    )
    level = models.CharField(max_length=16, choices=Marking.choices, default=Marking.GREEN)

    def __str__(self) -> str:
        return f"{self.user} → {self.get_level_display()}"
