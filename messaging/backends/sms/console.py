"""Writes each text message to standard output (development)."""

import sys
from collections.abc import Sequence

from messaging.sms import TextMessage

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def send_messages(self, messages: Sequence[TextMessage]) -> int:
        for m in messages:
            sys.stdout.write(f"SMS to {m.to}: {m.text}\n")
        return len(messages)
