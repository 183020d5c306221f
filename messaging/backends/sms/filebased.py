"""Writes each text message to a file of its own in settings.SMS_FILE_PATH (development and
tests), as Django's file-based email backend does: `<time>-<random>.txt`, holding the number,
a blank line and the text."""

import secrets
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from messaging.sms import TextMessage

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def __init__(self, file_path: str | None = None):
        self.path = Path(file_path or settings.SMS_FILE_PATH)

    def send_messages(self, messages: Sequence[TextMessage]) -> int:
        self.path.mkdir(parents=True, exist_ok=True)
        for m in messages:
            name = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{secrets.token_hex(4)}.txt"
            (self.path / name).write_text(f"To: {m.to}\n\n{m.text}\n", encoding="utf-8")
        return len(messages)
