import secrets
import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.files import image_type


class Unit(models.Model):
    """A submitting unit (选送单位): a department, sub-district office, community or company."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="units",
        blank=True,
        verbose_name=_("members"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return self.name


class Membership(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("unit")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="membership_unique")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} @ {self.unit}"


#: The pledge (回避与保密承诺书) every expert signs before seeing a case of the call's rounds,
#: unless the organizer writes the call's own. It is a document in the interface's first
#: language, kept as text: what each expert signed is stored with the signature
#: (judging.PledgeSignature).
DEFAULT_PLEDGE_TEXT = """本人自愿担任本次征集活动的评审专家，郑重承诺：
一、公正评审。严格按照评审标准和评分细则独立评分，不受任何单位和个人的影响，不带个人偏见，对评审意见和评分负责。
二、严格保密。不泄露案例材料、评审过程、评分情况和评审结果，不复制、留存或向他人提供案例材料，结果公布前不对外发表任何意见。
三、主动回避。本人所在单位报送的案例，以及与本人有亲属关系、利害关系或其他可能影响公正评审关系的单位或个人报送的案例，本人主动申明并回避评审。
四、廉洁自律。评审期间不与参评单位及其人员接触，不接受参评单位的宴请、礼品、礼金或其他利益，不打听、不干预其他专家的评分。
如有违反，本人愿意承担相应责任，并接受取消评审专家资格等处理。"""


def default_pledge_text() -> str:
    return DEFAULT_PLEDGE_TEXT


class Call(models.Model):
    """A call for cases (征集活动)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        JUDGING = "judging", _("Judging")
        NOTICE = "notice", _("Public notice")
        FINAL = "final", _("Final")

    slug = models.SlugField(_("short name (for addresses)"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    host_line = models.CharField(
        _("host line"),
        max_length=200,
        blank=True,
        help_text=_("For example: 某区委宣传部 某区文明办"),
    )
    notice = models.TextField(_("notice text"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    min_photos = models.PositiveSmallIntegerField(_("minimum photos"), default=1)
    max_photos = models.PositiveSmallIntegerField(_("maximum photos"), default=9)
    max_photo_mb = models.PositiveSmallIntegerField(_("maximum photo size (MB)"), default=20)
    body_max_chars = models.PositiveIntegerField(
        _("maximum body length (characters)"), default=8000
    )
    award_top_n = models.PositiveSmallIntegerField(_("number of top cases (十佳)"), default=10)
    award_excellent_m = models.PositiveSmallIntegerField(
        _("number of excellent cases (优秀)"), default=20
    )
    # The organizer's answer when the first round opened while collection was still open:
    # keep collecting until the deadline (True; the call stays open) or close now (False; the
    # call moved to judging and its deadline became that moment). See submissions/lifecycle.py.
    judging_while_open = models.BooleanField(
        _("judging started while collection stays open"), default=False, editable=False
    )
    pledge_text = models.TextField(
        _("pledge of the experts (回避与保密承诺书)"),
        default=default_pledge_text,
        help_text=_("Every expert signs it before seeing any case of the call's rounds."),
    )
    # The public notice (公示) lasts at least this many working days (judging/workdays.py).
    notice_min_workdays = models.PositiveSmallIntegerField(
        _("minimum notice period (working days)"), default=5
    )
    # Units with no submitted case are reminded (催交) this many days before the deadline, once
    # (submissions.messages.deadline_reminders_send); 0: no reminder.
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind units this many days before the deadline"),
        default=3,
        help_text=_("Units without a submitted case get one reminder. 0: no reminder."),
    )
    # A historical call brought in by import: its results were settled elsewhere, so it has no
    # notice on the portal; the reason is shown instead of a faked one.
    imported = models.BooleanField(_("imported historical call"), default=False)
    imported_reason = models.CharField(_("why imported"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="call_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(max_photos__gte=models.F("min_photos")), name="call_photo_range"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("submissions:call_detail", kwargs={"slug": self.slug})

    # The status predicates: the table behind them is submissions/lifecycle.py.
    def allows(self, what: str) -> bool:
        """Whether the call's state allows `what` (a name in submissions.lifecycle)."""
        from . import lifecycle

        return lifecycle.allows(self, what)

    @property
    def is_final(self) -> bool:
        """Results and awards are final and locked."""
        from . import lifecycle

        return lifecycle.is_final(self)

    @property
    def is_open_for_submissions(self) -> bool:
        """The state accepts submissions (the deadline and extensions are checked apart)."""
        return self.allows("submit")


class Category(models.Model):
    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="categories", verbose_name=_("call")
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    # The category's own quota when a round judges categories separately (None: the call's
    # numbers are split by the organizer's quotas elsewhere, see judging).
    award_top_n = models.PositiveSmallIntegerField(
        _("number of top cases (十佳) in this category"), null=True, blank=True
    )
    award_excellent_m = models.PositiveSmallIntegerField(
        _("number of excellent cases (优秀) in this category"), null=True, blank=True
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "name"], name="category_unique")]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class CallField(models.Model):
    """A question the organizer adds to a call's case form, beside the fixed core fields.

    A case's answers live in `Case.extra`, keyed by `str(field.pk)`; a FILE field's answers are
    attachments with `field` set. The rules for each kind (form field, cleaning, display,
    import cell) are in submissions/casefields.py."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        DATE = "date", _("Date")
        DATE_RANGE = "date_range", _("Date range")
        CHOICE = "choice", _("Single choice")
        MULTI_CHOICE = "multi_choice", _("Multiple choice")
        URL = "url", _("Web address")
        FILE = "file", _("File")

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="fields", verbose_name=_("call")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("label in English"), max_length=100, blank=True)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    required = models.BooleanField(_("required for submission"), default=False)
    # Text: length in characters; numbers: the value; dates: unused; choices: how many may be
    # ticked (multiple choice); files: the number of files.
    min_value = models.DecimalField(
        _("minimum"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("One choice per line.")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    judges_see = models.BooleanField(_("judges see it"), default=True)
    blind_mask = models.BooleanField(
        _("hidden in blind rounds"),
        default=False,
        help_text=_("Tick for answers that could reveal the unit."),
    )
    categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="fields",
        verbose_name=_("only for these categories"),
        help_text=_("Leave empty to ask every case."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "label"], name="callfield_label_unique"),
        ]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")

    def __str__(self):
        return self.label

    @property
    def key(self) -> str:
        """The key of this field's answer in `Case.extra`."""
        return str(self.pk)


class DeadlineExtension(models.Model):
    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("call")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("unit")
    )
    until = models.DateTimeField(_("extended until"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "unit"], name="extension_one_per_unit")
        ]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")

    def __str__(self):
        return f"{self.unit} → {self.until:%Y-%m-%d %H:%M}"


class DeadlineReminder(models.Model):
    """A unit reminded (催交) that a call's deadline is near: one per call and unit, so that no
    unit is reminded twice whatever the sweeps do."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="deadline_reminders", verbose_name=_("call")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="deadline_reminders", verbose_name=_("unit")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "unit"], name="deadline_reminder_once")
        ]
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")

    def __str__(self):
        return f"{self.unit} · {self.call}"


class Case(models.Model):
    """A case (案例) submitted by a unit to a call."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    EDITABLE = (Status.DRAFT, Status.RETURNED, Status.WITHDRAWN)
    AWAITING_SCREENING = (Status.SUBMITTED, Status.RESUBMITTED)

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="cases", verbose_name=_("call")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="cases", verbose_name=_("unit")
    )
    number = models.PositiveIntegerField(_("number"), editable=False)
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("category"),
    )
    title = models.CharField(_("title"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    summary = models.TextField(_("summary"), blank=True, max_length=1000)
    body = models.TextField(_("body"), blank=True)
    # Answers to the call's own fields (CallField), keyed by str(field.pk); see casefields.py.
    extra = models.JSONField(_("other answers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    status_reason = models.TextField(_("organizer's reason"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["call", "number"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="case_number_unique"),
        ]
        indexes = [models.Index(fields=["call", "status"]), models.Index(fields=["call", "unit"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("submissions:case_detail", kwargs={"pk": self.pk})

    @property
    def code(self) -> str:
        """A short, stable reference, e.g. "3-0007" (call id, case number)."""
        return self.code_for(self.call_id, self.number)

    @staticmethod
    def code_for(call_id: int, number: int) -> str:
        """The code of a case from its call id and number (for rows read without the model)."""
        return f"{call_id}-{number:04d}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class CaseEvent(models.Model):
    """One status change of a case: the record behind the unit's history and the audit."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_status = models.CharField(
        _("status before"), max_length=12, choices=Case.Status.choices, blank=True
    )
    to_status = models.CharField(_("status after"), max_length=12, choices=Case.Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case status change")
        verbose_name_plural = _("case status changes")

    def __str__(self):
        before = self.get_from_status_display() or "—"
        return f"{self.case.code} {self.case.title}: {before} → {self.get_to_status_display()}"


class CaseSnapshot(models.Model):
    """What a case held when it was submitted (its `version`-th submission): the texts, the
    answers to the call's fields as displayed, the photo list and the attachment list. The
    organizer compares a resubmission with the version that was returned
    (submissions/snapshots.py)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("case")
    )
    version = models.PositiveIntegerField(_("submission"))
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    data = models.JSONField(_("content"), default=dict)

    class Meta:
        ordering = ["case", "version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="case_snapshot_unique"),
        ]
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")

    def __str__(self):
        return f"{self.case.code} #{self.version}"


def photo_upload_to(instance, filename):
    # Server-generated names only: nothing of the uploader's file name (or unit) reaches disk.
    return f"photos/{instance.uid.hex[:2]}/{instance.uid.hex}{instance.extension}"


def rendition_upload_to(instance, filename):
    return f"renditions/{instance.uid.hex[:2]}/{filename}"


class Photo(models.Model):
    """A case photo. `case` is empty while the upload is staged (a form failed elsewhere)."""

    class Processing(models.TextChoices):
        PENDING = "pending", _("Processing")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    uid = models.UUIDField(_("file id"), default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="photos",
        null=True,
        blank=True,
        verbose_name=_("case"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    image = models.FileField(_("photo"), upload_to=photo_upload_to, max_length=200)
    extension = models.CharField(_("file type"), max_length=8, editable=False)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    width = models.PositiveIntegerField(_("width (pixels)"), default=0)
    height = models.PositiveIntegerField(_("height (pixels)"), default=0)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    # The SHA-256 of the stored original (hex), written with the file (empty: stored before
    # fingerprints were kept; filled when the case is next submitted, see receipts.py).
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    web = models.FileField(_("web copy"), upload_to=rendition_upload_to, max_length=200, blank=True)
    thumb = models.FileField(
        _("thumbnail"), upload_to=rendition_upload_to, max_length=200, blank=True
    )
    processing = models.CharField(
        _("processing"),
        max_length=8,
        choices=Processing.choices,
        default=Processing.PENDING,
        db_index=True,
    )
    processing_error = models.TextField(_("processing error"), blank=True)
    # The sweep (tasks.photos_sweep) tells a lost task from a queued one by these: an attempt
    # that started and no longer holds the photo's row lock died with its worker; a task sent
    # long ago that never started was lost before it began (broker down, reserved by a worker
    # that died).
    processing_queued_at = models.DateTimeField(
        _("processing queued at"), default=timezone.now, editable=False
    )
    processing_started_at = models.DateTimeField(
        _("processing started at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.caption or self.original_name or str(self.uid)

    def rendition(self, variant: str = "web") -> "Rendition":
        """What to show for `variant` ("web" or "thumb"): that JPEG copy when it is ready, else
        the original (processing pending or failed; its metadata was stripped when stored).
        The file name holds the photo's uid only, never a unit or case name (blind rounds)."""
        if variant not in ("web", "thumb"):
            raise ValueError(f"unknown photo variant {variant!r}")
        copy = getattr(self, variant)
        if copy:
            return Rendition(copy, "image/jpeg", f"{self.uid.hex}-{variant}.jpg", True)
        return Rendition(
            self.image, image_type(self.extension), f"{self.uid.hex}{self.extension}", False
        )


class Rendition(NamedTuple):
    """A photo file to show: `ready` is False when `file` is the original standing in."""

    file: FieldFile
    content_type: str
    filename: str
    ready: bool


def attachment_upload_to(instance, filename):
    return f"attachments/{instance.uid.hex[:2]}/{instance.uid.hex}{instance.extension}"


class Attachment(models.Model):
    """A PDF or Word file that comes with a case."""

    uid = models.UUIDField(_("file id"), default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="attachments",
        null=True,
        blank=True,
        verbose_name=_("case"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # The call's FILE field this file answers (None: an ordinary attachment of the case).
    field = models.ForeignKey(
        CallField,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="files",
        verbose_name=_("form field"),
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=200)
    extension = models.CharField(_("file type"), max_length=8, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    # The SHA-256 of the stored file (hex); empty: stored before fingerprints were kept.
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name


def receipt_token() -> str:
    """The unguessable part of a receipt's verification address (192 random bits)."""
    return secrets.token_urlsafe(24)


class Receipt(models.Model):
    """The receipt (回执) of one submission of a case: what the unit submitted, frozen when it
    was submitted (later edits never change it). The PDF is made on request
    (submissions/receipts.py); anyone holding its QR code reads the same text on the public
    verification page, found by `token` only."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("case")
    )
    version = models.PositiveIntegerField(_("submission"))
    number = models.CharField(_("receipt number"), max_length=40, unique=True)
    token = models.CharField(
        _("verification token"), max_length=64, unique=True, default=receipt_token, editable=False
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    call_title = models.CharField(_("call"), max_length=200)
    case_code = models.CharField(_("case code"), max_length=20)
    unit_name = models.CharField(_("unit"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True)
    # [{"kind": "photo" | "attachment", "name": "…", "size": 123, "sha256": "…"}, …]
    files = models.JSONField(_("files"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["case", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="receipt_one_per_submission"),
        ]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("receipts:verify", kwargs={"token": self.token})


class ChunkedUpload(models.Model):
    """One photo or attachment sent in chunks by the case form's script (docs/uploads.md).

    Owned by the user who started it, for a call and, when the case exists, its draft. The
    bytes received so far (`offset`) are in a partial file (services_uploads.partial_path)
    until the upload is finished: then the file is checked like any upload of the form and
    becomes a staged Photo or Attachment (`photo` / `attachment`), which the form posts by id.
    Abandoned ones are swept after UPLOAD_ABANDONED_HOURS."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        ATTACHMENT = "attachment", _("Attachment")

    uid = models.UUIDField(_("upload id"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="+", verbose_name=_("call")
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    field = models.ForeignKey(
        CallField,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("form field"),
    )
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    offset = models.PositiveBigIntegerField(_("bytes received"), default=0)
    photo = models.OneToOneField(
        Photo, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    attachment = models.OneToOneField(
        Attachment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("chunked upload")
        verbose_name_plural = _("chunked uploads")

    def __str__(self):
        return self.original_name

    @property
    def finished(self) -> bool:
        return self.photo_id is not None or self.attachment_id is not None


class ImportJob(models.Model):
    """A bulk import of offline-collected cases, run by a task with progress the page polls."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("call")
    )
    file = models.FileField(_("file"), upload_to="imports/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("cases created"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When its task was last sent, and when the attempt under way started (None: none since):
    # the worker sweep sends again a job whose attempt died (importing.import_jobs_requeue_lost).
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case import")
        verbose_name_plural = _("case imports")

    def __str__(self):
        return self.original_name

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0


def call_document_upload_to(instance, filename):
    return f"call-documents/{instance.uid.hex[:2]}/{instance.uid.hex}{instance.extension}"


class CallDocument(models.Model):
    """A file the organizer publishes with a call (the call document, a form to fill in…):
    PDF, Word or .xlsx, checked by opening it; anyone may download it once the call is out of
    draft (the public call page, the units' call page)."""

    uid = models.UUIDField(_("file id"), default=uuid.uuid4, unique=True, editable=False)
    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="documents", verbose_name=_("call")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=call_document_upload_to, max_length=200)
    extension = models.CharField(_("file type"), max_length=8, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("call document")
        verbose_name_plural = _("call documents")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(
            "submissions:call_document", kwargs={"slug": self.call.slug, "uid": self.uid}
        )

    @property
    def filename(self) -> str:
        """The name it downloads under: its title and its checked extension."""
        return f"{self.title}{self.extension}"
