"""China Mobile 云MAS (中国移动云MAS业务平台) HTTP text-message interface: 普通短信 (norsubmit).

What this adapter sends, from the interface's published description and public client code
(the operator's own manual is handed out with an account; this could not be checked against
the real service, which cannot be reached from where the portal was written):

- POST to SMS_GATEWAY_URL (e.g. ``http://112.35.1.155:1992/sms/norsubmit``; an intranet
  deployment uses the address its 云MAS account names), the body being the **Base64 of a UTF-8
  JSON object** with the fields
  ``ecName`` (SMS_EC_NAME, the enterprise name), ``apId`` (SMS_AP_ID, the interface account),
  ``mobiles`` (the numbers, comma-separated; one per request here), ``content`` (the text),
  ``sign`` (SMS_SIGN, the signature code from 云MAS 管理 → 接口管理 → 短信接入用户管理),
  ``addSerial`` (SMS_ADD_SERIAL, the extension code, usually empty) and
  ``mac`` = MD5 (32 lower-case hex digits) of ecName + apId + secretKey + mobiles + content +
  sign + addSerial concatenated without separators, secretKey being SMS_SECRET_KEY (the
  account's password, which is never sent itself).
- The answer is JSON: ``{"rspcod": "success", "msgGroup": "…", "success": true}`` when the
  platform took the message; otherwise ``success`` is false and ``rspcod`` names the refusal
  (``IllegalMac``, ``InvalidUsrOrPwd``, ``IllegalSignId``, ``TooManyMobiles`` …). A refusal,
  an HTTP error or no answer within SMS_TIMEOUT seconds raises `GatewayError` with the reason:
  the outbox records it, retries, and at last shows the message as failed with that reason.

Delivery reports (the platform calling back a URL of ours) are not implemented: "sent" in the
outbox means the platform accepted the message.
"""

import base64
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from messaging.sms import SmsRefused, TextMessage

from .base import BaseSmsBackend


class GatewayError(SmsRefused):
    """The gateway refused a message or could not be reached; the text is the reason."""


def mac(
    *,
    ec_name: str,
    ap_id: str,
    secret_key: str,
    mobiles: str,
    content: str,
    sign: str,
    add_serial: str,
) -> str:
    raw = f"{ec_name}{ap_id}{secret_key}{mobiles}{content}{sign}{add_serial}"
    return hashlib.md5(raw.encode("utf-8")).hexdigest()  # noqa: S324 — the gateway's checksum


def request_body(message: TextMessage) -> bytes:
    """The Base64 JSON body for one message, from the settings."""
    fields = {
        "ecName": settings.SMS_EC_NAME,
        "apId": settings.SMS_AP_ID,
        "mobiles": message.to,
        "content": message.text,
        "sign": settings.SMS_SIGN,
        "addSerial": settings.SMS_ADD_SERIAL,
    }
    fields["mac"] = mac(
        ec_name=fields["ecName"],
        ap_id=fields["apId"],
        secret_key=settings.SMS_SECRET_KEY,
        mobiles=fields["mobiles"],
        content=fields["content"],
        sign=fields["sign"],
        add_serial=fields["addSerial"],
    )
    return base64.b64encode(json.dumps(fields, ensure_ascii=False).encode("utf-8"))


class SmsBackend(BaseSmsBackend):
    def __init__(self) -> None:
        missing = [
            name
            for name in (
                "SMS_GATEWAY_URL",
                "SMS_EC_NAME",
                "SMS_AP_ID",
                "SMS_SECRET_KEY",
                "SMS_SIGN",
            )
            if not getattr(settings, name)
        ]
        if missing:
            raise ImproperlyConfigured(f"云MAS text messages need {', '.join(missing)}.")
        if not settings.SMS_GATEWAY_URL.startswith(("http://", "https://")):
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http:// or https:// address.")

    def send_one(self, message: TextMessage) -> str:
        """Send one message; returns the platform's msgGroup, raises GatewayError."""
        req = urllib.request.Request(  # noqa: S310 — the scheme is checked above
            settings.SMS_GATEWAY_URL,
            data=request_body(message),
            headers={"Content-Type": "text/plain; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=settings.SMS_TIMEOUT) as response:  # noqa: S310
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise GatewayError(f"云MAS HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GatewayError(f"云MAS unreachable: {reason}") from exc
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise GatewayError(f"云MAS answered something else than JSON: {raw[:200]!r}") from exc
        if not isinstance(answer, dict) or answer.get("success") is not True:
            code = answer.get("rspcod", "?") if isinstance(answer, dict) else "?"
            raise GatewayError(f"云MAS refused the message: {code}")
        return str(answer.get("msgGroup", ""))

    def send_messages(self, messages: Sequence[TextMessage]) -> int:
        for m in messages:
            self.send_one(m)
        return len(messages)
