"""Writes of publishing: drafting a series from final awards, editing the draft, publishing
(a frozen snapshot with its own photo copies), scheduling and withdrawing.

Nothing here changes a case or its photos: a feature is the editor's copy of a case.
"""

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Max, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from audit.context import acts
from core import cache as caches
from judging.models import Award
from submissions import lifecycle
from submissions.models import Call, Case, Photo

from . import content as content_mod
from .models import (
    Feature,
    FeaturePhoto,
    Installment,
    InstallmentVersion,
    PublishedPhoto,
    Series,
)
from .numerals import MAX_NUMBER
from .photos import web_copy
from .selectors import installment_with_draft

log = logging.getLogger(__name__)

DEFAULT_BYLINE = "图/受访单位提供"


def _clean_text(text: str) -> str:
    """Multi-line text as typed, with Windows line ends and trailing spaces removed."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def default_series_title(call: Call) -> str:
    """“2026年度文明城市创建优秀案例征集” → “2026年度文明城市创建优秀案例巡礼”."""
    base = re.sub(r"(征集(活动)?)$", "", call.title.strip())
    return f"{base}巡礼"


# ---------------------------------------------------------------- drafting a series


def _awards_in_order(call: Call) -> list[Award]:
    """十佳 by rank first, then 优秀 by rank."""
    return list(
        Award.objects.filter(call=call)
        .select_related("case__unit", "case__category")
        .annotate(
            level_order=SqlCase(
                When(level=Award.Level.TOP, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("level_order", "rank", "id")
    )


def _awards_by_category(awards: list[Award]) -> list[list[Award]]:
    """The awards (in _awards_in_order's order) grouped by their case's category, in the
    categories' order; cases without a category last."""
    groups: dict[int | None, list[Award]] = {}
    keys: dict[int | None, tuple[bool, int, int]] = {}
    for award in awards:
        category = award.case.category
        key = category.pk if category is not None else None
        groups.setdefault(key, []).append(award)
        keys[key] = (True, 0, 0) if category is None else (False, category.position, category.pk)
    return [groups[key] for key in sorted(groups, key=keys.__getitem__)]


def _photos_by_case(case_ids: Iterable[int]) -> dict[int, list[Photo]]:
    photos: dict[int, list[Photo]] = {}
    for photo in Photo.objects.filter(case_id__in=case_ids).order_by("position", "id"):
        assert photo.case_id is not None  # filtered on it
        photos.setdefault(photo.case_id, []).append(photo)
    return photos


def _feature_rows(
    *, series: Series, installment: Installment, case: Case, position: int, photos: list[Photo]
) -> tuple[Feature, list[FeaturePhoto]]:
    feature = Feature(
        series=series,
        installment=installment,
        case=case,
        position=position,
        title=content_mod.clean_line(case.title)[:200],
        unit_line=content_mod.clean_line(case.unit.name)[:200],
        body=_clean_text(case.body),
    )
    rows = [
        FeaturePhoto(
            feature=feature, photo=p, position=i, caption=content_mod.clean_caption(p.caption)
        )
        for i, p in enumerate(photos, start=1)
    ]
    return feature, rows


@acts
@transaction.atomic
def series_draft_from_awards(
    *,
    call: Call,
    actor: User | None,
    slug: str,
    title: str = "",
    host_line: str | None = None,
    per_installment: int = 5,
    by_category: bool = False,
) -> Series:
    """Draft a series from the call's final awards: installments (一), (二), … holding
    `per_installment` cases each, 十佳 by rank then 优秀 by rank. Nothing is public yet.

    `by_category`: one group of installments per category, in the categories' order (each
    installment holds cases of one category only, 十佳 then 优秀 within it; cases without a
    category come last)."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if not call.allows(lifecycle.PUBLISH_SERIES):
        raise ValidationError(
            _(
                "The awards of “%(call)s” are not final yet (the call is “%(state)s”). A series "
                "can only be drafted from final awards."
            ),
            params={"call": call.title, "state": call.get_status_display()},
            code="not_final",
        )
    awards = _awards_in_order(call)
    if not awards:
        raise ValidationError(_("This call has no awards to publish."), code="no_awards")
    if not per_installment or per_installment < 1:
        raise ValidationError(_("Put at least one case in each installment."), code="per")
    chunks = [
        group[i : i + per_installment]
        for group in (_awards_by_category(awards) if by_category else [awards])
        for i in range(0, len(group), per_installment)
    ]
    n_installments = len(chunks)
    if n_installments > MAX_NUMBER:
        raise ValidationError(
            _(
                "%(n)d installments would be needed; a series has at most %(max)d. Put more cases "
                "in each installment."
            ),
            params={"n": n_installments, "max": MAX_NUMBER},
        )
    series = Series(
        call=call,
        slug=slug.strip(),
        title=content_mod.clean_line(title) or default_series_title(call),
        host_line=content_mod.clean_line(call.host_line if host_line is None else host_line),
        per_installment=per_installment,
        created_by=actor,
    )
    series.full_clean()
    series.save()
    photos = _photos_by_case([a.case_id for a in awards])
    feature_photos: list[FeaturePhoto] = []
    for index in range(n_installments):
        installment = Installment.objects.create(
            series=series, number=index + 1, byline=DEFAULT_BYLINE
        )
        chunk = chunks[index]
        for position, award in enumerate(chunk, start=1):
            feature, rows = _feature_rows(
                series=series,
                installment=installment,
                case=award.case,
                position=position,
                photos=photos.get(award.case_id, []),
            )
            feature.save()
            feature_photos.extend(rows)
    audit.record_bulk(
        FeaturePhoto.objects.bulk_create(feature_photos),
        fields=["feature", "photo", "position", "caption"],
    )
    return series


@acts
def series_update(
    *,
    series: Series,
    title: str,
    host_line: str,
    print_min_long_side: int,
    print_max_body_chars: int,
    actor: User | None,
) -> Series:
    """Series settings; a published installment keeps the title and host line it had."""
    series.title = content_mod.clean_line(title)
    series.host_line = content_mod.clean_line(host_line)
    series.print_min_long_side = print_min_long_side
    series.print_max_body_chars = print_max_body_chars
    series.full_clean()
    series.save()
    return series


# ---------------------------------------------------------------- installments


@acts
def installment_update(
    *,
    installment: Installment,
    headline: str,
    editors_note: str,
    byline: str,
    publish_at: datetime | None,
    actor: User | None,
    now: datetime | None = None,
) -> Installment:
    """The draft's own text; a scheduled installment keeps its schedule (at the new time)."""
    now = now or timezone.now()
    if installment.scheduled and publish_at is not None and publish_at <= now:
        raise ValidationError(
            _(
                "This installment is scheduled: choose a future publication time, or cancel the "
                "schedule first."
            ),
            code="past",
        )
    installment.headline = content_mod.clean_line(headline)
    installment.editors_note = _clean_text(editors_note)
    installment.byline = content_mod.clean_line(byline)
    installment.publish_at = publish_at
    if publish_at is None:
        installment.scheduled = False
    installment.full_clean()
    # Only the draft's own fields: a publication running meanwhile keeps its version.
    installment.save(
        update_fields=[
            "headline",
            "editors_note",
            "byline",
            "publish_at",
            "scheduled",
            "updated_at",
        ]
    )
    return installment


@acts
@transaction.atomic
def installment_add(*, series: Series, actor: User | None) -> Installment:
    """An empty installment after the last one (cases can then be moved into it)."""
    Series.objects.select_for_update().filter(pk=series.pk).first()
    last = series.installments.aggregate(m=Max("number"))["m"] or 0
    if last >= MAX_NUMBER:
        raise ValidationError(
            _("A series has at most %(max)d installments."), params={"max": MAX_NUMBER}
        )
    return Installment.objects.create(series=series, number=last + 1, byline=DEFAULT_BYLINE)


@acts
@transaction.atomic
def installment_delete(*, installment: Installment, actor: User | None) -> None:
    """Only the last, empty installment that was never published can go (numbers stay whole)."""
    inst = Installment.objects.select_for_update().get(pk=installment.pk)
    if inst.versions.exists():
        raise ValidationError(_("An installment that was published is kept."))
    if inst.series.installments.filter(number__gt=inst.number).exists():
        raise ValidationError(_("Only the last installment can be deleted."))
    if inst.features.exists():
        raise ValidationError(_("Move or remove its cases first."))
    inst.delete()


# ---------------------------------------------------------------- features


@dataclass
class FeaturePhotoRow:
    """One photo the editor keeps in a feature: which, where, and its caption."""

    photo: Photo
    position: int
    caption: str


def _renumber(installment: Installment) -> None:
    for i, feature in enumerate(installment.features.order_by("position", "id"), start=1):
        if feature.position != i:
            Feature.objects.filter(pk=feature.pk).update(position=i)
            audit.record(obj=feature, changes={"position": (feature.position, i)})


@acts
@transaction.atomic
def feature_update(
    *,
    feature: Feature,
    title: str,
    unit_line: str,
    body: str,
    photos: list[FeaturePhotoRow],
    actor: User | None,
) -> Feature:
    """The published version of a case: its text, which photos in what order, their captions.
    The submission itself is never touched."""
    feature = Feature.objects.select_for_update().select_related("case").get(pk=feature.pk)
    feature.title = content_mod.clean_line(title)
    feature.unit_line = content_mod.clean_line(unit_line)
    feature.body = _clean_text(body)
    feature.full_clean()
    feature.save()
    for row in photos:
        if row.photo.case_id != feature.case_id:
            raise ValidationError(_("A feature can only show photos of its own case."))
    keep = sorted(photos, key=lambda r: (r.position, r.photo.position, r.photo.pk))
    FeaturePhoto.objects.filter(feature=feature).exclude(photo__in=[r.photo for r in keep]).delete()
    existing = {fp.photo_id: fp for fp in FeaturePhoto.objects.filter(feature=feature)}
    for i, row in enumerate(keep, start=1):
        caption = content_mod.clean_caption(row.caption)[:300]
        fp = existing.get(row.photo.pk) or FeaturePhoto(feature=feature, photo=row.photo)
        fp.position, fp.caption = i, caption
        fp.save()
    return feature


def case_can_be_featured(*, case: Case, series: Series) -> bool:
    if case.call_id != series.call_id:
        return False
    return case.status == Case.Status.ACCEPTED or Award.objects.filter(case=case).exists()


@acts
@transaction.atomic
def feature_add(*, installment: Installment, case: Case, actor: User | None) -> Feature:
    """Add an awarded or accepted case of the series' call at the end of an installment."""
    series = installment.series
    case = Case.objects.select_related("unit").get(pk=case.pk)
    if not case_can_be_featured(case=case, series=series):
        raise ValidationError(
            _("Only awarded or accepted cases of “%(call)s” can be published in this series."),
            params={"call": series.call.title},
            code="case",
        )
    if Feature.objects.filter(series=series, case=case).exists():
        raise ValidationError(
            _("“%(title)s” is already in this series."),
            params={"title": case.title},
            code="duplicate",
        )
    last = installment.features.aggregate(m=Max("position"))["m"] or 0
    feature, rows = _feature_rows(
        series=series,
        installment=installment,
        case=case,
        position=last + 1,
        photos=_photos_by_case([case.pk]).get(case.pk, []),
    )
    feature.save()
    audit.record_bulk(
        FeaturePhoto.objects.bulk_create(rows), fields=["feature", "photo", "position", "caption"]
    )
    return feature


@acts
@transaction.atomic
def feature_remove(*, feature: Feature, actor: User | None) -> None:
    """Take a case out of the series' draft (published versions keep it)."""
    installment = feature.installment
    feature.delete()
    _renumber(installment)


@acts
@transaction.atomic
def feature_move(*, feature: Feature, installment: Installment, actor: User | None) -> Feature:
    """Move a case to the end of another installment of the same series."""
    feature = Feature.objects.select_for_update().get(pk=feature.pk)
    if installment.series_id != feature.series_id:
        raise ValidationError(_("A case can only move within its series."))
    if installment.pk == feature.installment_id:
        return feature
    source = feature.installment
    last = installment.features.aggregate(m=Max("position"))["m"] or 0
    feature.installment, feature.position = installment, last + 1
    feature.save(update_fields=["installment", "position", "updated_at"])
    _renumber(source)
    return feature


@acts
@transaction.atomic
def feature_shift(*, feature: Feature, offset: int, actor: User | None) -> Feature:
    """Move a case up (offset -1) or down (+1) within its installment."""
    feature = Feature.objects.select_for_update().get(pk=feature.pk)
    _renumber(feature.installment)
    order = list(feature.installment.features.order_by("position", "id"))
    i = next(i for i, f in enumerate(order) if f.pk == feature.pk)
    j = i + offset
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
        for pos, f in enumerate(order, start=1):
            if f.position != pos:
                Feature.objects.filter(pk=f.pk).update(position=pos)
                audit.record(obj=f, changes={"position": (f.position, pos)})
    feature.refresh_from_db()
    return feature


# ---------------------------------------------------------------- publishing


def publish_problems(content: dict) -> list[str]:
    """What keeps a draft from going out."""
    problems = []
    if not content["headline"]:
        problems.append(_("Write the theme headline."))
    if not content["features"]:
        problems.append(_("The installment has no case."))
    for feature in content["features"]:
        if not feature["title"]:
            problems.append(_("A case has no title."))
        if not feature["unit_line"]:
            problems.append(_("“%(title)s” has no unit line.") % {"title": feature["title"]})
        if not feature["paragraphs"]:
            problems.append(_("“%(title)s” has no body.") % {"title": feature["title"]})
    return problems


@acts
@transaction.atomic
def installment_publish(
    *, installment: Installment, actor: User | None, now: datetime | None = None
) -> InstallmentVersion:
    """Freeze the draft as a new version and make it the one readers see.

    The version holds the rendered content and its own copies of the photos, so later edits
    of the case, the draft or the photos never change it; earlier versions are kept.
    """
    now = now or timezone.now()
    Installment.objects.select_for_update().filter(pk=installment.pk).first()
    inst = installment_with_draft(
        installment_qs=Installment.objects.filter(pk=installment.pk)
    ).get()
    content = content_mod.draft_content(inst)
    problems = publish_problems(content)
    if problems:
        raise ValidationError(problems, code="incomplete")
    number = (inst.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = InstallmentVersion.objects.create(
        installment=inst, number=number, published_at=now, published_by=actor
    )
    sources = {str(fp.photo.uid): fp.photo for f in inst.features.all() for fp in f.photos.all()}
    written: list[str] = []
    try:
        for feature in content["features"]:
            for item in feature["photos"]:
                data, width, height = web_copy(sources[item["source_uid"]])
                copy = PublishedPhoto(
                    version=version, width=width, height=height, source_uid=item["source_uid"]
                )
                copy.file.save("x.jpg", ContentFile(data), save=False)
                assert copy.file.name is not None  # just saved
                written.append(copy.file.name)
                copy.save()
                item.update(uid=str(copy.uid), width=width, height=height)
    except BaseException:
        storage = PublishedPhoto._meta.get_field("file").storage
        for name in written:
            storage.delete(name)
        raise
    version.content = content
    version.save(update_fields=["content"])
    inst.current_version = version
    inst.first_published_at = inst.first_published_at or now
    inst.scheduled = False
    inst.publish_error = ""
    inst.save(
        update_fields=[
            "current_version",
            "first_published_at",
            "scheduled",
            "publish_error",
            "updated_at",
        ]
    )
    installment.current_version, installment.first_published_at = version, inst.first_published_at
    installment.scheduled, installment.publish_error = False, ""
    slug = inst.series.slug
    caches.series_changed(slug)
    caches.public_home_changed()
    if number == 1:  # the units hear of it once, not at every correction
        from .messages import installment_published

        installment_published(installment=inst, actor=actor)
    return version


@acts
@transaction.atomic
def installment_schedule(
    *,
    installment: Installment,
    actor: User | None,
    publish_at: datetime | None = None,
    now: datetime | None = None,
) -> Installment:
    """Have the beat task publish the draft at `publish_at` (or the installment's time)."""
    now = now or timezone.now()
    Installment.objects.select_for_update().filter(pk=installment.pk).first()
    inst = installment_with_draft(
        installment_qs=Installment.objects.filter(pk=installment.pk)
    ).get()
    when = publish_at or inst.publish_at
    if when is None:
        raise ValidationError(_("Set the publication date and time first."), code="no_time")
    if when <= now:
        raise ValidationError(
            _("The publication time has passed: choose a later time, or publish now."), code="past"
        )
    problems = publish_problems(content_mod.draft_content(inst))
    if problems:
        raise ValidationError(problems, code="incomplete")
    inst.publish_at, inst.scheduled, inst.publish_error = when, True, ""
    inst.save(update_fields=["publish_at", "scheduled", "publish_error", "updated_at"])
    installment.publish_at, installment.scheduled, installment.publish_error = when, True, ""
    return inst


@acts
def installment_unschedule(*, installment: Installment, actor: User | None) -> Installment:
    was_scheduled = installment.scheduled
    Installment.objects.filter(pk=installment.pk).update(scheduled=False)
    if was_scheduled:
        audit.record(obj=installment, changes={"scheduled": (True, False)}, actor=actor)
    installment.scheduled = False
    return installment


@acts
@transaction.atomic
def installment_withdraw(*, installment: Installment, actor: User | None) -> Installment:
    """Take an installment off the web (its versions are kept; republishing brings it back)."""
    inst = Installment.objects.select_for_update().get(pk=installment.pk)
    inst.current_version = None
    inst.scheduled = False
    inst.save(update_fields=["current_version", "scheduled", "updated_at"])
    installment.current_version, installment.scheduled = None, False
    slug = inst.series.slug
    caches.series_changed(slug)
    caches.public_home_changed()
    return inst


def installments_due(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Installment.objects.filter(scheduled=True, publish_at__lte=now)
        .order_by("publish_at", "pk")
        .values_list("pk", flat=True)[:500]
    )


@acts
@transaction.atomic
def installment_publish_scheduled(
    *, installment_id: int, actor: User | None, now: datetime | None = None
) -> InstallmentVersion | None:
    """Publish a scheduled installment once its time has come (idempotent).

    `actor` None: the beat task (system work, no person behind it).

    When the draft cannot go out, the schedule is dropped and the reason kept for the editor.
    """
    now = now or timezone.now()
    inst = Installment.objects.select_for_update().filter(pk=installment_id).first()
    if inst is None or not inst.scheduled or inst.publish_at is None or inst.publish_at > now:
        return None
    try:
        with transaction.atomic():
            return installment_publish(installment=inst, actor=None, now=now)
    except ValidationError as exc:
        log.warning("scheduled installment %s not published: %s", installment_id, exc.messages)
        error = " ".join(exc.messages)[:2000]
        Installment.objects.filter(pk=inst.pk).update(scheduled=False, publish_error=error)
        audit.record(
            obj=inst,
            changes={"scheduled": (True, False)},
            note=_("Not published at the scheduled time: %(error)s") % {"error": error},
        )
        return None
