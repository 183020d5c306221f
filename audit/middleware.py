"""Every request acts as its user, from its client address (django-auditlog's middleware trusts
any X-Forwarded-For; this one only as far as the configured proxies reach)."""

import ipaddress

from django.conf import settings

from .context import audit_context


def client_address(request) -> str | None:
    """REMOTE_ADDR, or — behind AXES_PROXY_COUNT trusted proxies — the address the outermost of
    them saw (X-Forwarded-For read from the right, so a client cannot forge it)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            remote = hops[-proxies]
    return _valid_ip(remote)


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [::1]:8080
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 1.2.3.4:8080
        value = value.split(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The user is looked up only when something is written (public pages stay query-free).
        with audit_context(
            actor=lambda: getattr(request, "user", None), remote_addr=client_address(request)
        ):
            return self.get_response(request)
