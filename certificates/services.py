"""Writes of the certificates app: the design, the generating job, revoking and restoring.

Who gets a certificate: each awarded case (judging.Award) of a FINAL call. The job
(`job_execute`, run by the task) issues a certificate to each awarded case that has none (a
new number), re-renders those that have one (the number is kept, the text follows the
design), revokes those whose award was withdrawn, and tells each unit once that its
certificates are ready. Progress is saved after every certificate; a job run twice (a message
delivered again, the sweep) does the same work again and changes nothing more.
"""

import datetime
import gc
import logging
import secrets
import uuid
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.context import acts
from core.queue import enqueue_on_commit
from judging.models import Award, AwardChange
from messaging import events
from messaging.services import messages_dispatch
from submissions.images import ImageRejected, clean_original, inspect_upload
from submissions.models import Call

from . import rendering
from .models import Certificate, CertificateDesign, CertificateJob

log = logging.getLogger(__name__)

#: Seal and background images: PNG or JPEG, at most these sizes (the design page's two uploads
#: stay under the portal's ordinary 10 MB request body).
SEAL_MAX_BYTES = 2 * 1024 * 1024
SEAL_MAX_PIXELS = 4_000_000
BACKGROUND_MAX_BYTES = 6 * 1024 * 1024
BACKGROUND_MAX_PIXELS = 16_000_000
IMAGE_FORMATS = ("JPEG", "PNG")
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
#: The check part of a number: no 0/O, 1/I/L, so that it can be typed from paper.
CHECK_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CHECK_LENGTH = 6
#: A job whose task was sent (or whose last progress was) this long ago is sent again.
JOB_LOST_AFTER = timedelta(minutes=5)
MAX_JOB_ERRORS = 20


# --------------------------------------------------------------------------- the design


def body_check(text: str) -> None:
    """Refuse a text naming a field that is not a merge field (the message lists them)."""
    unknown = rendering.unknown_fields(text)
    if unknown:
        raise ValidationError(
            _("Unknown merge field %(fields)s. The text may use: %(known)s."),
            code="merge_field",
            params={
                "fields": "、".join("{" + name + "}" for name in unknown),
                "known": " ".join("{" + name + "}" for name in rendering.MERGE_FIELDS),
            },
        )


def image_check(upload, *, max_bytes: int, max_pixels: int) -> tuple[bytes, str]:
    """(bytes to store, extension) of a seal or background upload: a PNG or JPEG checked by
    decoding it, within the caps, without its metadata. Raises ValidationError naming it."""
    name = getattr(upload, "name", "") or "image"
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(IMAGE_MAGIC):
        raise ValidationError(
            _("“%(name)s” is not a PNG or JPEG image."), params={"name": name}, code="format"
        )
    try:
        info = inspect_upload(upload, name=name, max_bytes=max_bytes, max_pixels=max_pixels)
        if info.format not in IMAGE_FORMATS or info.frames != 1:
            raise ValidationError(
                _("“%(name)s” is not a PNG or JPEG image."), params={"name": name}, code="format"
            )
        data, info = clean_original(upload.read(), info)
    except ImageRejected as exc:
        raise ValidationError(exc.message, code="image") from exc
    finally:
        upload.seek(0)
    return data, info.extension


def default_design(call: Call) -> CertificateDesign:
    """The design a call starts with (not saved)."""
    return CertificateDesign(call=call, issuer=call.host_line, issued_on=timezone.localdate())


@acts
@transaction.atomic
def design_save(
    *,
    call: Call,
    title: str,
    body: str,
    issuer: str,
    issued_on: datetime.date,
    orientation: str,
    seal=None,
    background=None,
    remove_seal: bool = False,
    remove_background: bool = False,
    actor: User | None,
) -> CertificateDesign:
    """Save the call's design. Images are checked (PNG/JPEG, size and pixel caps) and stored
    under server-generated names; a replaced or removed image's file is deleted once saved."""
    body_check(body)
    if orientation not in CertificateDesign.Orientation.values:
        raise ValidationError(_("Choose A4 landscape or portrait."))
    design = CertificateDesign.objects.select_for_update().filter(
        call=call
    ).first() or default_design(call)
    design.title, design.body, design.issuer = title.strip(), body.strip(), issuer.strip()
    design.issued_on, design.orientation, design.updated_by = issued_on, orientation, actor
    old_files = []
    for field, upload, remove, max_bytes, max_pixels in (
        ("seal", seal, remove_seal, SEAL_MAX_BYTES, SEAL_MAX_PIXELS),
        ("background", background, remove_background, BACKGROUND_MAX_BYTES, BACKGROUND_MAX_PIXELS),
    ):
        current = getattr(design, field)
        if upload is not None:
            data, ext = image_check(upload, max_bytes=max_bytes, max_pixels=max_pixels)
            if current:
                old_files.append(current.name)
            current.save(f"{uuid.uuid4().hex}{ext}", ContentFile(data), save=False)
        elif remove and current:
            old_files.append(current.name)
            setattr(design, field, "")
    design.save()
    storage = CertificateDesign._meta.get_field("seal").storage

    def delete_old() -> None:
        for name in old_files:
            storage.delete(name)

    transaction.on_commit(delete_old)
    return design


def sample_facts(call: Call) -> rendering.Facts:
    """The preview's values: the call's first award, or sample ones."""
    awards = awards_in_order(call)
    if not awards:
        return rendering.Facts("某某街道", "示例案例标题", "top", "", call.title)
    return _facts(awards[0])


def preview_pdf(*, design: CertificateDesign) -> bytes:
    """A certificate drawn from the design with the first award or sample values (never
    stored)."""
    facts = sample_facts(design.call)
    number = f"ZS{design.issued_on.year}-0000-PREVIEW"
    return rendering.certificate_pdf(
        design,
        title=design.title,
        text=rendering.certificate_text(design, facts, full_number=number),
        issuer=design.issuer,
        issued_on=design.issued_on,
        full_number=number,
    )


# --------------------------------------------------------------------------- jobs


def generate_refusal(call: Call) -> str:
    """Why the call's certificates cannot be generated now ("" when they can)."""
    if not call.is_final:
        return _("Certificates are generated once the call's awards are final.")
    if not CertificateDesign.objects.filter(call=call).exists():
        return _("Design the certificate first.")
    return ""


@acts
@transaction.atomic
def job_start(*, call: Call, actor: User | None) -> CertificateJob:
    """Start generating the call's certificates; a job already waiting or running is returned
    instead of a second one."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    refusal = generate_refusal(call)
    if refusal:
        raise ValidationError(refusal)
    running = CertificateJob.objects.filter(
        call=call, status__in=[CertificateJob.Status.PENDING, CertificateJob.Status.RUNNING]
    ).first()
    if running is not None:
        return running
    job = CertificateJob.objects.create(
        call=call,
        created_by=actor,
        queued_at=timezone.now(),
        total=Award.objects.filter(call=call).count(),
    )
    from .tasks import job_run

    enqueue_on_commit(job_run, job.pk)
    return job


LEVEL_ORDER = {Award.Level.TOP.value: 0, Award.Level.EXCELLENT.value: 1}


def awards_in_order(call: Call) -> list[Award]:
    """The call's awards as the list is read: category by category, 十佳 before 优秀, by rank
    (so numbers are given in that order)."""
    awards = Award.objects.filter(call=call).select_related("case__unit", "category", "call")
    return sorted(
        awards,
        key=lambda a: (
            (a.category.position, a.category_id) if a.category is not None else (1 << 30, 0),
            LEVEL_ORDER.get(a.level, 2),
            a.rank,
            a.case.number,
        ),
    )


def _facts(award: Award) -> rendering.Facts:
    return rendering.Facts(
        unit=award.case.unit.name,
        case=award.case.title,
        level=award.level,
        category=award.category.name if award.category is not None else "",
        call=award.call.title if award.call_id else "",
    )


def _new_number(year: int) -> str:
    """The next readable number of the year, ZS2025-0001 (under the caller's lock)."""
    prefix = f"ZS{year}-"
    last = (
        Certificate.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _check_code() -> str:
    return "".join(secrets.choice(CHECK_ALPHABET) for _i in range(CHECK_LENGTH))


#: Attempts at a new number: two calls issuing at once may both take the year's next one.
NUMBER_ATTEMPTS = 3


def certificate_issue(*, design: CertificateDesign, award: Award) -> tuple[Certificate, bool]:
    """Issue (or re-render) the certificate of one award: (certificate, newly issued). A new
    certificate whose number another call's job took meanwhile is made again with the next."""
    for attempt in range(1, NUMBER_ATTEMPTS + 1):
        try:
            return _certificate_issue(design=design, award=award)
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS:
                raise
            log.info("certificate number taken meanwhile (case %s), trying again", award.case_id)
    raise AssertionError("unreachable")


def _certificate_issue(*, design: CertificateDesign, award: Award) -> tuple[Certificate, bool]:
    """One attempt, in its own transaction: the PDF file is written first and the old one
    removed once the row commits (the new one at once if the row is refused)."""
    facts = _facts(award)
    storage = Certificate._meta.get_field("pdf").storage
    with transaction.atomic():
        # The call's row serialises two attempts of one job (a case gets one certificate);
        # jobs of two calls may race for a number: the unique number refuses the second.
        Call.objects.select_for_update().filter(pk=design.call_id).first()
        cert = Certificate.objects.select_for_update().filter(case_id=award.case_id).first()
        created = cert is None
        if cert is None:
            cert = Certificate(
                call_id=award.call_id,
                case_id=award.case_id,
                number=_new_number(design.issued_on.year),
                check_code=_check_code(),
            )
        cert.level, cert.award_name = facts.level, facts.award
        cert.category_name, cert.unit_name, cert.case_title = facts.category, facts.unit, facts.case
        cert.call_title, cert.title, cert.issuer = facts.call, design.title, design.issuer
        cert.issued_on = design.issued_on
        cert.text = rendering.certificate_text(design, facts, full_number=cert.full_number)
        pdf = rendering.certificate_pdf(
            design,
            title=cert.title,
            text=cert.text,
            issuer=cert.issuer,
            issued_on=cert.issued_on,
            full_number=cert.full_number,
        )
        old = cert.pdf.name if cert.pdf else ""
        cert.pdf.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
        written = str(cert.pdf.name)
        if old:
            transaction.on_commit(lambda: storage.delete(old))
        try:
            with transaction.atomic():
                cert.rendered_at = timezone.now()
                cert.save()
        except IntegrityError:
            storage.delete(written)
            raise
    return cert, created


def _withdrawn_reason(call: Call, case_id: int) -> str:
    change = (
        AwardChange.objects.filter(call=call, case_id=case_id, after="")
        .order_by("-at", "-id")
        .first()
    )
    base = _("The award was withdrawn.")
    return f"{base} {change.reason}".strip() if change is not None else base


def certificates_revoke_withdrawn(*, call: Call, actor: User | None) -> int:
    """Revoke the certificates of the call's cases that no longer have an award."""
    stale = Certificate.objects.filter(call=call, revoked_at__isnull=True).exclude(
        case__in=Award.objects.filter(call=call).values("case_id")
    )
    n = 0
    for cert in stale:
        certificate_revoke(
            certificate=cert, reason=_withdrawn_reason(call, cert.case_id), actor=actor
        )
        n += 1
    return n


def units_notify(*, call: Call, actor: User | None) -> int:
    """Tell each unit whose certificates were issued and not yet announced that they are ready:
    one message per unit (listing its certificates) to its active members. Returns the number
    of units told."""
    pending = list(
        Certificate.objects.filter(call=call, notified_at__isnull=True, revoked_at__isnull=True)
        .select_related("case__unit")
        .order_by("number")
    )
    by_unit: dict[int, list[Certificate]] = defaultdict(list)
    for cert in pending:
        by_unit[cert.case.unit_id].append(cert)
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("certificates:mine")
    for certs in by_unit.values():
        unit = certs[0].case.unit
        members = list(unit.members.filter(is_active=True).order_by("pk"))
        if members:
            messages_dispatch(
                event=events.CERTIFICATE_READY,
                recipients=members,
                context={
                    "case": "、".join(c.case_title for c in certs),
                    "award": "、".join(dict.fromkeys(c.award_name for c in certs)),
                    "number": "、".join(c.full_number for c in certs),
                    "link": link,
                },
                scope=call,
                about=unit.name,
                about_url=link,
                actor=actor,
            )
    Certificate.objects.filter(pk__in=[c.pk for c in pending]).update(notified_at=timezone.now())
    return len(by_unit)


@acts
def job_execute(*, job: CertificateJob, actor: User | None) -> CertificateJob:
    """Run a generating job: every award's certificate in turn (progress saved after each),
    then the withdrawn awards' certificates revoked and the units told. `actor` is the
    organizer who started it. Safe to run again: numbers are kept, nothing is issued twice."""
    now = timezone.now()
    started = CertificateJob.objects.filter(
        pk=job.pk, status__in=[CertificateJob.Status.PENDING, CertificateJob.Status.RUNNING]
    ).update(
        status=CertificateJob.Status.RUNNING, started_at=now, heartbeat_at=now, done=0, errors=[]
    )
    if not started:  # finished meanwhile (a message delivered twice)
        job.refresh_from_db()
        return job
    call = job.call
    design = CertificateDesign.objects.filter(call=call).first()
    errors: list[str] = []
    if design is None or not call.is_final:
        errors.append(generate_refusal(call) or _("Design the certificate first."))
    else:
        awards = awards_in_order(call)
        CertificateJob.objects.filter(pk=job.pk).update(total=len(awards))
        for done, award in enumerate(awards, start=1):
            try:
                certificate_issue(design=design, award=award)
            except Exception as exc:  # noqa: BLE001 — one bad certificate does not stop the rest
                log.exception("certificate of case %s failed", award.case_id)
                if len(errors) < MAX_JOB_ERRORS:
                    errors.append(f"{award.case.code} {award.case.title}: {type(exc).__name__}")
            CertificateJob.objects.filter(pk=job.pk).update(done=done, heartbeat_at=timezone.now())
            # A rendered document leaves reference cycles (WeasyPrint's boxes and fonts, tens of
            # MB each) that the collector would free late: without this the worker's memory
            # climbs with the number of certificates (bench/certificates.py).
            gc.collect()
        certificates_revoke_withdrawn(call=call, actor=actor)
        units_notify(call=call, actor=actor)
    CertificateJob.objects.filter(pk=job.pk).update(
        status=CertificateJob.Status.FAILED if errors else CertificateJob.Status.DONE,
        errors=errors,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


@acts
def jobs_requeue_lost(*, actor: User | None, limit: int = 100) -> list[int]:
    """Send again the tasks of jobs whose run was lost (a sweep every worker runs at its start
    and every few minutes: system work, actor None): waiting, sent more than JOB_LOST_AFTER
    ago; or running with no progress for that long (its worker was killed: one certificate
    takes a second or two). Several workers sweeping at once take disjoint jobs."""
    from .tasks import job_run

    now = timezone.now()
    stale = now - JOB_LOST_AFTER
    with transaction.atomic():
        ids = list(
            CertificateJob.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=CertificateJob.Status.PENDING, queued_at__lt=stale)
                | Q(status=CertificateJob.Status.PENDING, queued_at__isnull=True)
                | Q(status=CertificateJob.Status.RUNNING, heartbeat_at__lt=stale)
                | Q(status=CertificateJob.Status.RUNNING, heartbeat_at__isnull=True)
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        CertificateJob.objects.filter(pk__in=ids).update(
            status=CertificateJob.Status.PENDING, queued_at=now, heartbeat_at=None
        )
        for pk in ids:
            enqueue_on_commit(job_run, pk)
    return ids


# --------------------------------------------------------------------------- revoking


@acts
@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, actor: User | None) -> Certificate:
    """Revoke a certificate with a reason: the verification page says so, the unit no longer
    downloads it."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for revoking: the verification page shows it."))
    cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if cert.revoked_at is not None:
        raise ValidationError(_("This certificate is already revoked."))
    cert.revoked_at, cert.revoked_by, cert.revoke_reason = timezone.now(), actor, reason
    cert.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return cert


@acts
@transaction.atomic
def certificate_restore(*, certificate: Certificate, actor: User | None) -> Certificate:
    """Make a revoked certificate valid again (its case must still have an award)."""
    cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if cert.revoked_at is None:
        raise ValidationError(_("This certificate is not revoked."))
    if not Award.objects.filter(case_id=cert.case_id).exists():
        raise ValidationError(_("The case no longer has an award: this certificate stays revoked."))
    cert.revoked_at, cert.revoked_by, cert.revoke_reason = None, None, ""
    cert.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return cert
