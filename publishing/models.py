"""Series (系列), installments (期), features (a case as published) and frozen versions.

The draft (Installment, Feature, FeaturePhoto) is what editors change. Publishing freezes the
draft into an InstallmentVersion (rendered content as JSON) with copies of its photos
(PublishedPhoto); readers only ever see the current version.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from submissions.models import Call, Case, Photo

from .numerals import MAX_NUMBER, chinese_numeral, installment_heading


class Series(models.Model):
    """A serialized feature drafted from a call's final awards, e.g. 某区…优秀案例巡礼."""

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="series", verbose_name=_("call")
    )
    slug = models.SlugField(_("short name (for addresses)"), max_length=80, unique=True)
    title = models.CharField(_("series title"), max_length=200)
    host_line = models.CharField(
        _("host line"),
        max_length=200,
        blank=True,
        help_text=_("Printed after “主办：”, for example: 某区委宣传部 某区文明办"),
    )
    per_installment = models.PositiveSmallIntegerField(
        _("cases per installment"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    print_min_long_side = models.PositiveIntegerField(
        _("minimum photo size for print (pixels, long side)"),
        default=1500,
    )
    print_max_body_chars = models.PositiveIntegerField(
        _("maximum body length for print (characters)"),
        default=1000,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("series")
        verbose_name_plural = _("series")
        constraints = [
            models.CheckConstraint(
                condition=Q(per_installment__gte=1), name="series_per_installment_positive"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("publishing:series_detail", kwargs={"slug": self.slug})


class Installment(models.Model):
    """One numbered installment (一), (二), … of a series: the editor's draft and its state."""

    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, related_name="installments", verbose_name=_("series")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    headline = models.CharField(_("theme headline"), max_length=200, blank=True)
    editors_note = models.TextField(_("editor's note (编者按)"), blank=True)
    byline = models.CharField(
        _("byline"),
        max_length=200,
        blank=True,
        help_text=_("For example: 文/记者 张某某 图/受访单位提供"),
    )
    publish_at = models.DateTimeField(
        _("publication date and time"),
        null=True,
        blank=True,
        help_text=_("Beijing time. A scheduled installment is published at this moment."),
    )
    scheduled = models.BooleanField(_("scheduled"), default=False)
    # why a scheduled publication did not happen
    publish_error = models.TextField(_("publish error"), blank=True)
    current_version = models.ForeignKey(
        "InstallmentVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    first_published_at = models.DateTimeField(_("first published at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["series", "number"]
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="installment_number_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=MAX_NUMBER), name="installment_number_range"
            ),
            models.CheckConstraint(
                condition=Q(scheduled=False) | Q(publish_at__isnull=False),
                name="installment_schedule_has_time",
            ),
        ]
        indexes = [models.Index(fields=["scheduled", "publish_at"])]

    def __str__(self):
        return self.heading

    def get_absolute_url(self):
        return reverse(
            "publishing:installment_detail",
            kwargs={"slug": self.series.slug, "number": self.number},
        )

    @property
    def numeral(self) -> str:
        return chinese_numeral(self.number)

    @property
    def heading(self) -> str:
        return installment_heading(self.series.title, self.number)

    @property
    def is_published(self) -> bool:
        return self.current_version_id is not None

    def get_edit_url(self):
        return reverse(
            "publishing:installment_edit", kwargs={"slug": self.series.slug, "number": self.number}
        )


class Feature(models.Model):
    """A case as published: the editor's version, never the submission itself."""

    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, related_name="features", verbose_name=_("series")
    )
    installment = models.ForeignKey(
        Installment,
        on_delete=models.CASCADE,
        related_name="features",
        verbose_name=_("installment"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="publishing_features", verbose_name=_("case")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    unit_line = models.CharField(_("unit line (选送单位)"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("feature")
        verbose_name_plural = _("features")
        constraints = [
            models.UniqueConstraint(fields=["series", "case"], name="feature_case_once_per_series"),
        ]

    def __str__(self):
        return self.title


class FeaturePhoto(models.Model):
    """A photo of the case chosen for the feature, in the feature's order, with its caption."""

    feature = models.ForeignKey(
        Feature, on_delete=models.CASCADE, related_name="photos", verbose_name=_("feature")
    )
    photo = models.ForeignKey(
        Photo, on_delete=models.CASCADE, related_name="+", verbose_name=_("photo")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    caption = models.CharField(_("caption"), max_length=300, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["feature", "photo"], name="feature_photo_once"),
        ]
        verbose_name = _("photo of a published case")
        verbose_name_plural = _("photos of published cases")

    def __str__(self):
        return self.caption or _("%(feature)s · photo %(n)s") % {
            "feature": self.feature,
            "n": self.position,
        }


class InstallmentVersion(models.Model):
    """A frozen, published state of an installment. Never changed once written."""

    installment = models.ForeignKey(
        Installment,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("installment"),
    )
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )  # None: the beat
    content = models.JSONField(_("content"), default=dict)

    class Meta:
        ordering = ["installment", "-number"]
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")
        constraints = [
            models.UniqueConstraint(fields=["installment", "number"], name="version_number_unique"),
        ]

    def __str__(self):
        return _("%(installment)s · version %(n)s") % {
            "installment": self.installment,
            "n": self.number,
        }


def published_photo_upload_to(instance, filename):
    return f"published/{instance.uid.hex[:2]}/{instance.uid.hex}.jpg"


class PublishedPhoto(models.Model):
    """A copy of a photo's web rendition owned by one published version."""

    uid = models.UUIDField(_("file id"), default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        InstallmentVersion,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name=_("published version"),
    )
    file = models.FileField(_("file"), upload_to=published_photo_upload_to, max_length=200)
    width = models.PositiveIntegerField(_("width (pixels)"), default=0)
    height = models.PositiveIntegerField(_("height (pixels)"), default=0)
    source_uid = models.UUIDField(_("file id of the case photo"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("published photo")
        verbose_name_plural = _("published photos")

    def __str__(self):
        return _("%(version)s · photo %(n)s") % {"version": self.version, "n": self.pk}
