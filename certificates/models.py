"""Award certificates (获奖证书): a design per call, the certificates made from it, the jobs
that make them."""

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from submissions.models import Call, Case

#: The merge fields a design's text may name, in braces: {unit}, {case} …
MERGE_FIELDS = ("unit", "case", "award", "category", "call", "date", "number")
#: Anything in braces (`{单位}`, `{ unit }`, `{}`): a merge field, or a mistake to name.
BRACED = re.compile(r"\{([^{}]*)\}")

#: What a certificate calls each award: the certificate is a Chinese document whatever the
#: language of the page that made it.
AWARD_NAMES = {"top": "十佳案例", "excellent": "优秀案例"}

DEFAULT_TITLE = "荣誉证书"
DEFAULT_BODY = "{unit}：\n你单位选送的案例《{case}》在“{call}”中荣获{award}。\n特发此证，以资鼓励。"


def design_image_upload_to(instance, filename: str) -> str:
    """Server-generated names only (the service passes `<uuid><ext>`)."""
    return f"certificates/design/{filename}"


def certificate_pdf_upload_to(instance, filename: str) -> str:
    return f"certificates/pdf/{filename}"


class CertificateDesign(models.Model):
    """The organizer's design of a call's certificates: one per call."""

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", _("A4 landscape")
        PORTRAIT = "portrait", _("A4 portrait")

    call = models.OneToOneField(
        Call, on_delete=models.CASCADE, related_name="certificate_design", verbose_name=_("call")
    )
    title = models.CharField(_("title"), max_length=40, default=DEFAULT_TITLE)
    body = models.TextField(_("text"), max_length=1000, default=DEFAULT_BODY)
    issuer = models.CharField(_("issuer line"), max_length=200, blank=True)
    issued_on = models.DateField(_("date of issue"))
    orientation = models.CharField(
        _("page"), max_length=10, choices=Orientation.choices, default=Orientation.LANDSCAPE
    )
    seal = models.FileField(
        _("seal image"), upload_to=design_image_upload_to, max_length=200, blank=True
    )
    background = models.FileField(
        _("background image"), upload_to=design_image_upload_to, max_length=200, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("certificate design")
        verbose_name_plural = _("certificate designs")

    def __str__(self):
        return f"{self.call.title}: {self.title}"


class Certificate(models.Model):
    """One awarded case's certificate. What it says is frozen when it is issued (and again
    when it is re-rendered after a change of the design); its number never changes."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("call")
    )
    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="certificate", verbose_name=_("case")
    )
    # The readable part (ZS2025-0001) and the unguessable check part: the number printed and
    # verified is both, `ZS2025-0001-7KQ4MX` (`full_number`).
    number = models.CharField(_("number"), max_length=20, unique=True)
    check_code = models.CharField(_("check code"), max_length=8)
    level = models.CharField(_("award"), max_length=10)
    award_name = models.CharField(_("award"), max_length=20)
    category_name = models.CharField(_("category"), max_length=100, blank=True)
    unit_name = models.CharField(_("unit"), max_length=200)
    case_title = models.CharField(_("case"), max_length=200)
    call_title = models.CharField(_("call"), max_length=200)
    title = models.CharField(_("title"), max_length=40)
    text = models.TextField(_("text"))
    issuer = models.CharField(_("issuer line"), max_length=200, blank=True)
    issued_on = models.DateField(_("date of issue"))
    pdf = models.FileField(_("PDF"), upload_to=certificate_pdf_upload_to, max_length=200)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    # When the unit's members were told it is ready (None: not yet; the job tells them).
    notified_at = models.DateTimeField(_("unit notified at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self):
        return f"{self.full_number} {self.case_title}"

    @property
    def full_number(self) -> str:
        return f"{self.number}-{self.check_code}"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def download_name(self) -> str:
        return f"{self.full_number}.pdf"


class CertificateJob(models.Model):
    """Generating every certificate of a call, run by a task with progress the page polls."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="certificate_jobs", verbose_name=_("call")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("certificates"), default=0)
    done = models.PositiveIntegerField(_("certificates made"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When its task was last sent, when the attempt under way started and last made progress:
    # the worker sweep sends again a job whose attempt died (services.jobs_requeue_lost).
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("certificate job")
        verbose_name_plural = _("certificate jobs")

    def __str__(self):
        return f"{self.call.title}: {self.get_status_display()}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
