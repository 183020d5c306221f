"""Keeps text messages in `messaging.backends.sms.locmem.outbox` (tests), as Django's locmem
email backend keeps mail.outbox."""

from collections.abc import Sequence

from messaging.sms import TextMessage

from .base import BaseSmsBackend

outbox: list[TextMessage] = []


class SmsBackend(BaseSmsBackend):
    def send_messages(self, messages: Sequence[TextMessage]) -> int:
        outbox.extend(messages)
        return len(messages)
