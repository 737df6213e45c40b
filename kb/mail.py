"""The mailer of a deployment without ``KB_EMAIL_URL``: nothing is sent, each message
is logged as discarded (subject and recipients only) at WARNING.

Django's own dummy backend would do the same silently, and ``check --deploy`` rightly
flags it (``mail.E001``); this one says, in the log, that mail is off.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("kb.mail")


class DisabledEmailBackend(BaseEmailBackend):
    """Sends nothing: mail is off until ``KB_EMAIL_URL`` names an SMTP server."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        for message in email_messages:
            logger.warning("Mail is off (KB_EMAIL_URL is not set): not sent %r to %s",
                           message.subject, ", ".join(message.recipients()))
        return 0
