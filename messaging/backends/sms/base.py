"""The interface of a text-message backend (settings.SMS_BACKEND), after Django's email
backends: `send_messages(messages)` sends what it can and returns how many it sent, raising on
a refusal (the outbox records the reason and retries)."""

from collections.abc import Sequence

from messaging.sms import TextMessage


class BaseSmsBackend:
    def send_messages(self, messages: Sequence[TextMessage]) -> int:
        raise NotImplementedError
