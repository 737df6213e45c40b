"""The audit trail's log actions in Wagtail's registry (history views, site history)."""

from __future__ import annotations

from typing import Any

from wagtail import hooks
from wagtail.log_actions import LogFormatter

from incidents.services.review import REVIEW_LOG_ACTION


class _Reviewed(LogFormatter):
    label = "Review decision"

    def format_message(self, log_entry: Any) -> str:
        data = log_entry.data or {}
        message = f"Claim {data.get('from', '?')} → {data.get('to', '?')}"
        if data.get("reverts"):
            message += " (revert)"
        return message


def _register(actions: Any) -> None:
    actions.register_action(REVIEW_LOG_ACTION)(_Reviewed)


def register() -> None:
    hooks.register("register_log_actions", _register)
