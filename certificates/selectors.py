"""Reads. `certificates_visible_to` is the one visibility policy of this app: every page and
download that shows a certificate gets it through it. The public verification page reads one
certificate by its full number (`certificate_to_verify`): what a printed certificate says is
public, and the unguessable check part keeps the others from being listed by counting."""

import hmac

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts import roles
from accounts.models import User
from submissions.models import Call

from .models import Certificate, CertificateDesign, CertificateJob


def certificates_visible_to(user: User | AnonymousUser) -> QuerySet[Certificate]:
    """Organizers see every certificate; unit members their own units' certificates that are
    not revoked; nobody else any."""
    qs = Certificate.objects.all()
    if roles.is_organizer(user):
        return qs
    ids = roles.unit_ids(user)
    if ids and user.is_active:
        return qs.filter(case__unit_id__in=ids, revoked_at__isnull=True).exclude(pdf="")
    return qs.none()


def call_certificates(user: User | AnonymousUser, *, call: Call) -> QuerySet[Certificate]:
    """A call's certificates for its list page (number order), with who revoked them."""
    return (
        certificates_visible_to(user)
        .filter(call=call)
        .select_related("revoked_by")
        .order_by("number")
    )


def my_certificates(user: User | AnonymousUser) -> QuerySet[Certificate]:
    """The certificates of the user's units (a unit member's page)."""
    if not roles.unit_ids(user):
        return Certificate.objects.none()
    ids = roles.unit_ids(user)
    return (
        certificates_visible_to(user).filter(case__unit_id__in=ids).order_by("-issued_on", "number")
    )


def certificate_to_verify(full_number: str) -> Certificate | None:
    """The certificate printed with `full_number` (ZS2025-0001-7KQ4MX); None when there is no
    such number or the check part is wrong."""
    number, sep, check = full_number.strip().upper().rpartition("-")
    if not sep or not number or len(full_number) > 40 or not full_number.isascii():
        return None
    cert = Certificate.objects.filter(number=number).first()
    if cert is None or not hmac.compare_digest(cert.check_code, check):
        return None
    return cert


def design_for(call: Call) -> CertificateDesign | None:
    return CertificateDesign.objects.filter(call=call).first()


def recent_jobs(call: Call) -> QuerySet[CertificateJob]:
    return CertificateJob.objects.filter(call=call).select_related("created_by")[:5]
