"""The log actions of letters, in Wagtail's log registry (history views, site history,
``ModelLogEntry.action`` validation). Registered from ``LettersConfig.ready``."""

from __future__ import annotations

from typing import Any

from wagtail import hooks
from wagtail.log_actions import LogFormatter

from kb.letters.services import CORRECT_LOG_ACTION, SEND_LOG_ACTION


class _Sent(LogFormatter):
    label = "Mark sent"

    def format_message(self, log_entry: Any) -> str:
        sent_on = (log_entry.data or {}).get("sent_on", "")
        return f"Marked sent on {sent_on}" if sent_on else "Marked sent"


class _Corrected(LogFormatter):
    label = "Correct"

    def format_message(self, log_entry: Any) -> str:
        return "Drafted as a correction of a sent letter"


def _register(actions: Any) -> None:
    actions.register_action(SEND_LOG_ACTION)(_Sent)
    actions.register_action(CORRECT_LOG_ACTION)(_Corrected)


def register() -> None:
    hooks.register("register_log_actions", _register)
