"""Text messages through a pluggable backend (settings.SMS_BACKEND), in the style of Django's
email backends: a class with `send_messages(messages) -> int`, each message a `TextMessage`.
Backends live in messaging/backends/sms/."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


class SmsRefused(Exception):
    """A backend's refusal, worded for the outbox (the gateway's own code or answer)."""


@dataclass(frozen=True)
class TextMessage:
    to: str
    text: str


def enabled() -> bool:
    return bool(settings.SMS_BACKEND)


def get_backend():
    if not settings.SMS_BACKEND:
        raise RuntimeError("SMS_BACKEND is not set: the portal has no text-message channel.")
    return import_string(settings.SMS_BACKEND)()


def send(*, to: str, text: str) -> None:
    """Send one text message; raises what the backend raises."""
    get_backend().send_messages([TextMessage(to=to, text=text)])
