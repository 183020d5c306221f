"""Writes of case collection: calls, units, cases, screening, extensions and photos.

Every state change of a case goes through here. Functions take keyword arguments, validate,
write inside a transaction and enqueue their follow-up tasks on commit.
"""

import hashlib
import io
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO, cast

from django.apps import apps
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import connection, models, transaction
from django.db.models import F, Max, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from audit.context import acts
from core import cache as site_cache
from core.queue import enqueue_on_commit

from . import attachments, casefields, images, lifecycle, receipts, rules, snapshots
from .models import (
    Attachment,
    Call,
    CallDocument,
    CallField,
    Case,
    CaseEvent,
    CaseSnapshot,
    Category,
    DeadlineExtension,
    Membership,
    Photo,
    Unit,
)
from .rules import PHONE_RE, phone_validate  # noqa: F401 — the case rules live in rules.py
from .selectors import unit_deadline
from .signals import accepted_cases_leaving, award_numbers_changed, call_copied

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- calls


AWARD_NUMBER_FIELDS = ("award_top_n", "award_excellent_m")


@acts
def call_save(*, call: Call, actor: User | None) -> Call:
    """Create or change a call's settings. A new call starts as a draft; its status is never
    written here (it moves only through `lifecycle.call_transition`), and once its awards are
    final their numbers are locked."""
    creating = call.pk is None
    if creating:
        call.status = lifecycle.INITIAL
    call.full_clean()
    changed = []
    with transaction.atomic():
        if creating:
            call.save()
            return call
        stored = (
            Call.objects.select_for_update()
            .filter(pk=call.pk)
            .values("status", *AWARD_NUMBER_FIELDS)
            .first()
        )
        if stored is None:
            raise ValidationError(_("This call no longer exists."), code="missing")
        # The status as committed, not as read when the form was opened: a call
        # finalized meanwhile stays final.
        call.status = stored["status"]
        changed = [f for f in AWARD_NUMBER_FIELDS if getattr(call, f) != stored[f]]
        if changed and not call.allows(lifecycle.CHANGE_AWARD_NUMBERS):
            raise ValidationError(
                {
                    f: _("The awards are final: the number of awards can no longer change.")
                    for f in changed
                }
            )
        call.save(update_fields=_CALL_SETTINGS)
        site_cache.public_home_changed()  # the home shows the call's title and dates
        if changed:
            # judging recomputes the results stored with the old numbers (judging/apps.py)
            award_numbers_changed.send(sender=Call, call=call)
    return call


#: What `call_save` writes on a change: every field but the key, the status and the creation.
_CALL_SETTINGS = [
    f.name
    for f in Call._meta.concrete_fields
    if not f.primary_key and f.name not in ("status", "created_at", "judging_while_open")
]


@acts
@acts
@transaction.atomic
def call_mark_imported(*, call: Call, reason: str, actor: User | None) -> Call:
    """Mark a call as a historical one brought in by import, with the reason: its results
    were settled outside the portal, so it is finalized without a public notice on the portal
    (instead of faking one) and its pages say so."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason the call is imported: it is recorded."))
    call.imported, call.imported_reason = True, reason[:300]
    call.save(update_fields=["imported", "imported_reason"])
    return call


def call_set_status(*, call: Call, status: str, actor: User | None, reason: str = "") -> Call:
    """The organizer's status buttons: open, close, reopen, back to a draft (see lifecycle)."""
    if status not in Call.Status.values:
        raise ValidationError(_("Unknown call state."), code="transition")
    if status == Call.Status.DRAFT and call.judging_while_open:
        raise ValidationError(
            _("Judging has started for this call: it can no longer go back to a draft."),
            code="transition",
        )
    return lifecycle.call_transition(
        call=call, to=status, actor=actor, reason=reason, via=lifecycle.ORGANIZER
    )


#: What a copy takes from its source call, beside the title, the slug and the dates.
CALL_COPIED_FIELDS = (
    "host_line",
    "notice",
    "min_photos",
    "max_photos",
    "max_photo_mb",
    "body_max_chars",
    "award_top_n",
    "award_excellent_m",
    "remind_days_before",  # the deadline reminder (催交)
    "pledge_text",  # the experts' pledge (回避与保密承诺书), as the organizer wrote it
)
#: What a copy takes from each form field and category of the source: every field of its own
#: (a field added later is copied too), not the key, the call or the creation time.
_FIELD_COPIED = [
    f.name
    for f in CallField._meta.concrete_fields
    if not f.primary_key and f.name not in ("call", "created_at")
]
_CATEGORY_COPIED = [
    f.name for f in Category._meta.concrete_fields if not f.primary_key and f.name != "call"
]
_YEAR_RE = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def call_copy_title(title: str, *, years: int = 1) -> str:
    """The title a copy is offered: every year in it moved on by `years` ("2026年度…" →
    "2027年度…"), or "（副本）" added when it names no year."""
    moved = _YEAR_RE.sub(lambda m: str(int(m.group(1)) + years), title)
    if moved != title:
        return moved
    suffix = _("(copy)")
    limit = Call._meta.get_field("title").max_length or 200
    return title[: limit - len(suffix)] + suffix


def call_copy_slug(slug: str, *, years: int = 1) -> str:
    """The short name a copy is offered: the years in it moved on ("2025-civic-cases" →
    "2026-civic-cases") when that name is free, else nothing (the organizer chooses)."""
    moved = _YEAR_RE.sub(lambda m: str(int(m.group(1)) + years), slug)
    if moved == slug or Call.objects.filter(slug=moved).exists():
        return ""
    return moved


@acts
@transaction.atomic
def call_copy(
    *,
    source: Call,
    slug: str,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    actor: User | None,
) -> Call:
    """A new draft call set up like `source`: its texts, photo and body limits, award numbers,
    categories (order and quotas), form fields (with their categories) and, through the
    `call_copied` signal, judging's rounds and criteria. Never its cases, units, extensions,
    panels, assignments, reviews, results or awards."""
    copy = Call(
        slug=slug,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        **{name: getattr(source, name) for name in CALL_COPIED_FIELDS},
    )
    call_save(call=copy, actor=actor)
    categories: dict[int, Category] = {}
    for cat in source.categories.order_by("position", "id"):
        categories[cat.pk] = Category.objects.create(
            call=copy, **{name: getattr(cat, name) for name in _CATEGORY_COPIED}
        )
    for field in source.fields.prefetch_related("categories").order_by("position", "id"):
        new = CallField.objects.create(
            call=copy, **{name: getattr(field, name) for name in _FIELD_COPIED}
        )
        new.categories.set([categories[c.pk] for c in field.categories.all()])
    call_copied.send(sender=Call, source=source, copy=copy, categories=categories, actor=actor)
    audit.record(
        obj=copy,
        note=_("Copied from the call “%(title)s” (%(slug)s).")
        % {"title": source.title, "slug": source.slug},
        actor=actor,
    )
    return copy


# ---------------------------------------------------------------- units and accounts


@dataclass
class NewAccount:
    unit: Unit
    user: User
    password: str  # shown once to the organizer when it was generated


@acts
def unit_get_or_create(*, name: str, actor: User | None) -> tuple[Unit, bool]:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("The unit name is empty."))
    limit = Unit._meta.get_field("name").max_length
    assert limit is not None  # a CharField
    if len(name) > limit or "\x00" in name:
        raise ValidationError(
            _("The unit name is too long (%(n)d characters; at most %(max)d).")
            % {"n": len(name), "max": limit}
            if len(name) > limit
            else _("The unit name holds a NUL character.")
        )
    return Unit.objects.get_or_create(name=name)


@acts
def unit_account_create(
    *,
    unit: Unit,
    username: str,
    full_name: str = "",
    email: str = "",
    password: str = "",
    must_change_password: bool = True,
    actor: User | None,
) -> NewAccount:
    """A unit's account. Its password is given by the organizer or generated (then shown once),
    so the holder must change it at first login (civiccases/first_login.py)."""
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("The user name is empty."))
    # Length and characters first: a huge or NUL-holding name must not reach the database.
    User._meta.get_field("username").run_validators(username)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            _("The user name “%(name)s” is already taken."), params={"name": username}
        )
    user = User(username=username, full_name=full_name.strip(), email=email.strip())
    user.full_clean(exclude=["password"])
    if password:
        validate_password(password, user)
    else:
        password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.must_change_password = must_change_password
    user.save()
    Membership.objects.create(unit=unit, user=user)
    return NewAccount(unit=unit, user=user, password=password)


@acts
@transaction.atomic
def units_import(*, rows: list[dict], actor: User | None) -> list[NewAccount]:
    """Create units and accounts from parsed rows; all or nothing. Keys: unit, username, ...

    An optional key ``row`` gives the row number the sheet shows, for the error messages.
    """
    created = []
    errors = []
    for i, row in enumerate(rows, start=2):
        number = row.get("row") or i  # the row number the sheet shows, when the reader knows it
        try:
            unit, _created = unit_get_or_create(name=row.get("unit", ""), actor=actor)
            if row.get("username"):
                created.append(
                    unit_account_create(
                        unit=unit,
                        username=row["username"],
                        full_name=row.get("full_name", ""),
                        email=row.get("email", ""),
                        password=row.get("password", ""),
                        actor=actor,
                    )
                )
        except ValidationError as exc:
            errors.append(
                _("Row %(row)d: %(error)s") % {"row": number, "error": " ".join(exc.messages)}
            )
    if errors:
        raise ValidationError(errors)
    return created


# ---------------------------------------------------------------- the deadline


def submission_open_for(*, call: Call, unit: Unit, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if not call.is_open_for_submissions or now < call.opens_at:
        return False
    return now <= unit_deadline(call=call, unit=unit)


def _check_window(*, case: Case, now: datetime) -> None:
    if case.status == Case.Status.RETURNED and case.call.allows(lifecycle.RESUBMIT_RETURNED):
        return  # a case returned for revision may be resubmitted until judging starts
    if submission_open_for(call=case.call, unit=case.unit, now=now):
        return
    if not case.call.is_open_for_submissions or now < case.call.opens_at:
        raise ValidationError(_("This call is not accepting submissions."), code="closed")
    deadline = timezone.localtime(unit_deadline(call=case.call, unit=case.unit))
    raise ValidationError(
        _(
            "The deadline (%(deadline)s, Beijing time) has passed; the case was not submitted. "
            "Ask the organizer for an extension."
        ),
        code="deadline",
        params={"deadline": deadline.strftime("%Y-%m-%d %H:%M:%S")},
    )


# ---------------------------------------------------------------- cases


def _call_shared(call_id: int) -> Call:
    """The call as committed now, share-locked until the commit (on PostgreSQL).

    Units submitting to one call share the lock and do not wait for one another; an organizer
    changing the call's status waits for the submissions in flight, and a submission that
    arrives while the status is changing waits for it and then sees the new status.
    """
    if connection.vendor != "postgresql":  # SQLite runs one writing transaction at a time
        return Call.objects.get(pk=call_id)
    return next(
        iter(Call.objects.raw("SELECT * FROM submissions_call WHERE id = %s FOR SHARE", [call_id]))
    )


def case_number_next(*, call: Call) -> int:
    """The next case number of the call. Locks the call row so two units creating at once
    cannot take the same number: call inside the transaction that saves the case."""
    Call.objects.select_for_update().filter(pk=call.pk).first()
    return (Case.objects.filter(call=call).aggregate(m=Max("number"))["m"] or 0) + 1


def _event(case: Case, actor: User | None, from_status: str, reason: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, actor=actor, from_status=from_status, to_status=case.status, reason=reason
    )


@dataclass
class PhotoRow:
    """One row of the photo list a form hands over: an uploaded or staged photo."""

    photo: Photo
    caption: str
    position: int


@acts
@transaction.atomic
def case_save(
    *,
    case: Case,
    actor: User | None,
    photos: list[PhotoRow],
    removed_photos: Iterable[Photo] = (),
    attachments: Iterable[Attachment] = (),
    removed_attachments: Iterable[Attachment] = (),
    expected_version: int | None = None,
    answers: Mapping[str, Any] | None = None,
) -> Case:
    """Create or update a case (as a draft) with its photos, in one transaction.

    `expected_version` guards against lost updates: when another user saved the case since this
    user opened the form, the save is refused.

    `answers` are the answers to the call's own fields (keyed by field key, as a form or an
    import gives them): each is cleaned (casefields.clean_all); an invalid one refuses the save
    (ValidationError keyed by `field_<key>`), an empty one removes the stored answer, fields
    not named keep theirs. A FILE field's files come in `attachments` with `field` set.
    """
    creating = case.pk is None
    if not creating:
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status not in Case.EDITABLE:
            raise ValidationError(
                _("This case is “%(status)s” and can no longer be edited."),
                params={"status": locked.get_status_display()},
                code="locked",
            )
        if expected_version is not None and locked.version != expected_version:
            raise ValidationError(
                _(
                    "Someone else saved this case while you were editing it. Your changes were "
                    "not saved; open the case again to see the latest version."
                ),
                code="conflict",
            )
    kept = [row for row in photos if row.photo not in removed_photos]
    n_photos = len(kept)
    if not creating:  # photos already on the case that the caller did not list stay on it
        listed = [row.photo.pk for row in photos] + [p.pk for p in removed_photos]
        n_photos += Photo.objects.filter(case=locked).exclude(pk__in=listed).count()
    rules.photo_count(case.call, n_photos, for_submission=False)
    rules.captions([row.caption for row in kept])
    fields = casefields.call_fields(case.call)
    if answers is not None:
        case.extra = _answers_merged(fields, dict(case.extra or {}), answers)
    attachments = list(attachments)
    _field_files_check(case, fields, attachments, removed_attachments)
    for field, value in rules.case_text(
        case.call, {f: getattr(case, f) for f in rules.TEXT_FIELDS}
    ).items():
        setattr(case, field, value)
    if creating:
        case.number = case_number_next(call=case.call)
        case.created_by = actor
    else:
        case.version = F("version") + 1
    case.full_clean(exclude=["number", "version", "created_by"])
    case.save()
    case.refresh_from_db(fields=["version"])
    if creating:
        _event(case, actor, "")
    for photo in removed_photos:
        if photo.case_id in (None, case.pk):
            upload_delete(photo, actor=actor)
    for row in kept:
        row.photo.case = case
        row.photo.caption = row.caption
        row.photo.position = row.position
        row.photo.save(update_fields=["case", "caption", "position"])
    for att in removed_attachments:
        if att.case_id == case.pk:
            upload_delete(att, actor=actor)
    for att in attachments:
        if att.case_id is None:
            att.case = case
            att.save(update_fields=["case"])
    return case


def field_form_name(key: str) -> str:
    """The name of a call field's answer in the case form (and in refusals keyed by field)."""
    return f"field_{key}"


def _answers_merged(
    fields: list[CallField], stored: dict[str, Any], answers: Mapping[str, Any]
) -> dict[str, Any]:
    cleaned, errors = casefields.clean_all(fields, answers)
    if errors:
        raise ValidationError({field_form_name(key): problems for key, problems in errors.items()})
    for field in fields:
        if field.key in answers and field.kind != CallField.Kind.FILE:
            stored.pop(field.key, None)
    stored.update(cleaned)
    return stored


def _field_files_check(
    case: Case,
    fields: list[CallField],
    added: list[Attachment],
    removed: Iterable[Attachment],
) -> None:
    """Files answering a FILE field: the field is the case call's, and no more files than the
    field allows (a draft may have fewer)."""
    by_pk = {f.pk: f for f in fields if f.kind == CallField.Kind.FILE}
    counts: dict[int, int] = {}
    if case.pk is not None:
        gone = [a.pk for a in removed]
        for field_id in (
            Attachment.objects.filter(case=case, field__isnull=False)
            .exclude(pk__in=gone)
            .values_list("field_id", flat=True)
        ):
            counts[field_id] = counts.get(field_id, 0) + 1
    errors: dict[str, list[ValidationError]] = {}
    for att in added:
        if att.field_id is None or att.case_id is not None:
            continue
        if att.field_id not in by_pk:
            raise ValidationError(_("This file answers a field of another call."), code="field")
        counts[att.field_id] = counts.get(att.field_id, 0) + 1
    for field_id, n in counts.items():
        field = by_pk.get(field_id)
        if field is not None and field.max_value is not None and n > field.max_value:
            errors[field_form_name(field.key)] = [
                ValidationError(
                    _("At most %(max)d file(s); this case would have %(n)d.")
                    % {"max": int(field.max_value), "n": n},
                    code="too_many_files",
                )
            ]
    if errors:
        raise ValidationError(errors)


def case_submission_problem_map(case: Case) -> dict[str, list[str]]:
    """What still keeps a case from being submitted, keyed by the case form's field names
    (title, contact_phone … photos, field_<key>): the case rules
    (rules.case_for_submission), then the call's own fields (casefields.submission_problems)."""
    problems: dict[str, list[str]] = {}
    try:
        rules.case_for_submission(
            case.call,
            {f: getattr(case, f) for f in rules.TEXT_FIELDS},
            n_photos=case.photos.count(),
        )
    except ValidationError as exc:
        for name, errs in exc.error_dict.items():  # missing fields first, as the rules say
            problems[name] = ValidationError(errs).messages
    fields = casefields.call_fields(case.call)
    files: dict[int, int] = {}
    if case.pk is not None:
        for field_id in Attachment.objects.filter(case=case, field__isnull=False).values_list(
            "field_id", flat=True
        ):
            files[field_id] = files.get(field_id, 0) + 1
    for key, errs in casefields.submission_problems(
        fields, case.extra or {}, category_id=case.category_id, files=files
    ).items():
        problems[field_form_name(key)] = ValidationError(errs).messages
    return problems


def case_submission_problems(case: Case) -> list[str]:
    """What still keeps a case from being submitted, as a list of messages (see
    `case_submission_problem_map`)."""
    return [msg for msgs in case_submission_problem_map(case).values() for msg in msgs]


@acts
@transaction.atomic
def case_submit(*, case: Case, actor: User | None, now: datetime | None = None) -> Case:
    """Submit (or resubmit a returned) case; enforces the deadline and the call's rules."""
    now = now or timezone.now()
    # Only the case row is locked: the call is share-locked (units submit at the same time).
    case = Case.objects.select_for_update(of=("self",)).select_related("unit").get(pk=case.pk)
    case.call = _call_shared(case.call_id)
    if case.status not in Case.EDITABLE:
        raise ValidationError(
            _("This case is already “%(status)s”; nothing was changed."),
            params={"status": case.get_status_display()},
            code="state",
        )
    _check_window(case=case, now=now)
    problems = case_submission_problem_map(case)
    if problems:
        raise ValidationError(
            {
                name: [ValidationError(msg, code="incomplete") for msg in msgs]
                for name, msgs in problems.items()
            }
        )
    before = case.status
    case.status = (
        Case.Status.RESUBMITTED if before == Case.Status.RETURNED else Case.Status.SUBMITTED
    )
    case.submitted_at = now
    case.version = F("version") + 1
    case.save(update_fields=["status", "submitted_at", "version", "updated_at"])
    _event(case, actor, before)
    version = case.snapshots.count() + 1
    CaseSnapshot.objects.create(
        case=case, version=version, taken_at=now, data=snapshots.snapshot_data(case)
    )
    receipts.receipt_write(case=case, version=version, submitted_at=now)
    return case


@acts
@transaction.atomic
def case_withdraw(*, case: Case, actor: User | None, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    # Only the case row is locked: the call is share-locked (units submit at the same time).
    case = Case.objects.select_for_update(of=("self",)).select_related("unit").get(pk=case.pk)
    case.call = _call_shared(case.call_id)
    if case.status not in Case.AWAITING_SCREENING:
        raise ValidationError(
            _("Only a submitted case that has not been screened can be withdrawn."), code="state"
        )
    if not submission_open_for(call=case.call, unit=case.unit, now=now):
        raise ValidationError(
            _("The deadline has passed: the case can no longer be withdrawn."), code="deadline"
        )
    before = case.status
    case.status = Case.Status.WITHDRAWN
    case.version = F("version") + 1
    case.save(update_fields=["status", "version", "updated_at"])
    _event(case, actor, before)
    return case


SCREENING_ACTIONS = {
    "accept": Case.Status.ACCEPTED,
    "reject": Case.Status.REJECTED,
    "return": Case.Status.RETURNED,
}


def _screen_one(case: Case, *, actor: User | None, action: str, reason: str) -> CaseEvent:
    if action not in SCREENING_ACTIONS:
        raise ValidationError(_("Unknown screening action."), code="action")
    target = SCREENING_ACTIONS[action]
    if action in ("reject", "return") and not reason.strip():
        raise ValidationError(
            _("Give a reason when you reject a case or return it for revision: the unit sees it."),
            code="reason",
        )
    if case.status not in rules.SCREENABLE:
        raise ValidationError(
            _("“%(title)s” is “%(status)s” and cannot be screened."),
            params={"title": case.title, "status": case.get_status_display()},
            code="state",
        )
    if not case.call.allows(lifecycle.SCREEN):
        raise ValidationError(_("Screening has ended for this call."), code="closed")
    before = case.status
    case.status = target
    case.status_reason = reason.strip()
    case.version = F("version") + 1
    case.save(update_fields=["status", "status_reason", "version", "updated_at"])
    return _event(case, actor, before, reason.strip())


@acts
@transaction.atomic
def cases_screen(
    *, cases: Iterable[Case], actor: User | None, action: str, reason: str = ""
) -> list[CaseEvent]:
    """Accept, reject or return cases (one or many); all or nothing; emails the units."""
    return _screen_all(_lock_for_screening(cases), actor=actor, action=action, reason=reason)


def _lock_for_screening(cases: Iterable[Case]) -> list[Case]:
    locked = list(
        Case.objects.select_for_update()
        .select_related("call")
        .filter(pk__in=[c.pk for c in cases])
        .order_by("pk")
    )
    if not locked:
        raise ValidationError(_("Select at least one case."), code="empty")
    return locked


def _screen_all(
    cases: list[Case], *, actor: User | None, action: str, reason: str
) -> list[CaseEvent]:
    """Screen the locked `cases`; judging may refuse an accepted case leaving (a
    ValidationError rolls the whole decision back); then the units are emailed."""
    events = [_screen_one(case, actor=actor, action=action, reason=reason) for case in cases]
    leaving = [e.case for e in events if e.from_status == Case.Status.ACCEPTED != e.to_status]
    if leaving:
        accepted_cases_leaving.send(sender=Case, cases=leaving)
    _notify_screened(events)
    return events


def _notify_screened(events: list[CaseEvent]) -> None:
    """The units hear of the decisions through the outbox (sent once this commits)."""
    from .messages import case_screened

    for event in events:
        case_screened(event=event, actor=event.actor)


@dataclass(frozen=True)
class BulkScreening:
    """What a bulk screening did: the decisions made, and the cases left as they were because
    their state does not allow screening (a draft, a withdrawn or a returned case)."""

    events: list[CaseEvent]
    skipped: list[Case]


@acts
@transaction.atomic
def cases_screen_eligible(
    *, cases: Iterable[Case], actor: User | None, action: str, reason: str = ""
) -> BulkScreening:
    """Bulk screening from the case list: the cases that can be screened are, the others are
    skipped and returned (one draft among twenty ticked cases no longer refuses the lot). A
    wrong action, a missing reason or a call past screening still refuses everything."""
    locked = _lock_for_screening(cases)
    eligible = [case for case in locked if case.status in rules.SCREENABLE]
    skipped = [case for case in locked if case.status not in rules.SCREENABLE]
    if not eligible:
        raise ValidationError(
            _("None of the selected cases can be screened: %(cases)s.")
            % {"cases": skipped_list(skipped)},
            code="state",
        )
    events = _screen_all(eligible, actor=actor, action=action, reason=reason)
    return BulkScreening(events=events, skipped=skipped)


def skipped_list(cases: Iterable[Case]) -> str:
    """“Title” (状态)、“Title” (状态): the cases a bulk screening left, with their state."""
    return "、".join(
        _("“%(title)s” (%(status)s)") % {"title": c.title, "status": c.get_status_display()}
        for c in cases
    )


#: Callables (case) -> bool: whether judging of the case has started. Judging registers one in
#: its AppConfig (this app cannot import it); case_set_category asks them all.
judging_started_checks: list[Callable[[Case], bool]] = []


@acts
@transaction.atomic
def case_set_category(*, case: Case, category: Category | None, actor: User | None) -> Case:
    """The organizer assigns (or clears) a case's category (组别): allowed until judging of the
    case starts, since rounds rank and award within categories."""
    case = Case.objects.select_for_update().select_related("call").get(pk=case.pk)
    if category is not None and category.call_id != case.call_id:
        raise ValidationError(_("Choose one of this call's categories."), code="category")
    if case.call.is_final or any(check(case) for check in judging_started_checks):
        raise ValidationError(
            _(
                "Judging of “%(title)s” has started: its category can no longer change, because "
                "results and awards are given within categories."
            ),
            params={"title": case.title},
            code="judging",
        )
    case.category = category
    case.version = F("version") + 1
    case.save(update_fields=["category", "version", "updated_at"])
    case.refresh_from_db(fields=["version"])
    return case


@acts
@transaction.atomic
def extension_grant(
    *, call: Call, unit: Unit, until: datetime, reason: str, actor: User | None
) -> DeadlineExtension:
    if until <= call.closes_at:
        raise ValidationError(
            _("An extension must end after the call's deadline (%(deadline)s)."),
            params={"deadline": timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M")},
        )
    ext, _created = DeadlineExtension.objects.update_or_create(
        call=call, unit=unit, defaults={"until": until, "reason": reason, "granted_by": actor}
    )
    return ext


# ---------------------------------------------------------------- photos and attachments


@acts
def photo_stage(
    *, upload: File, actor: User | None, call: Call, original_name: str | None = None
) -> Photo:
    """Validate an uploaded image by decoding it and store it under a server-generated name.

    The photo is not yet on a case ("staged") so that a form that fails elsewhere keeps it.
    JPEG metadata is stripped here (cheap and lossless); the rest happens in `photo_process`.
    Raises ValidationError naming the file.
    """
    name = original_name or getattr(upload, "name", "") or "photo"
    rules.upload_name(name)
    max_bytes = rules.photo_max_bytes(call)
    try:
        info = images.inspect_upload(
            cast(BinaryIO, upload),  # File proxies read/seek/tell; the stubs do not say so
            name=name,
            max_bytes=max_bytes,
            max_pixels=settings.PHOTO_MAX_PIXELS,
            max_decoded_bytes=settings.PHOTO_MAX_DECODED_BYTES,
        )
    except images.ImageRejected as exc:
        raise ValidationError(str(exc), code="image") from exc
    data = upload.read()
    # Metadata (GPS) never reaches the disk: lossless for JPEG, re-encoded for the others.
    data, info = images.clean_original(data, info)
    photo = Photo(
        uploaded_by=actor,
        original_name=name[-255:],
        extension=info.extension,
        width=info.width,
        height=info.height,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    photo.image.save("x", ContentFile(data), save=False)
    try:
        photo.save()
    except BaseException:  # the file without its row would be orphaned
        photo.image.storage.delete(photo.image.name or "")
        raise
    from .tasks import photo_process

    enqueue_on_commit(photo_process, photo.pk)
    return photo


def stored_file_replace(field: FieldFile, data: bytes, name: str) -> None:
    """Write `data` as the file `name` of `field`, replacing a stored file of that name (a step
    of `photo_process`; tests/live/killable_worker.py watches it)."""
    storage = field.storage
    if storage.exists(name):
        storage.delete(name)
    field.name = storage.save(name, ContentFile(data))


WEB_SIDE = 1600
THUMB_SIDE = 400


@acts
def photo_process(*, photo: Photo, actor: User | None) -> Photo:
    """Strip metadata from the stored original and make the web and thumbnail renditions.

    System work (the photo task passes actor=None): no person is behind it.

    Idempotent: a photo already processed is left alone. The original is replaced only after
    the cleaned copy is written, so a failure never loses it.
    """
    # Committed before the lock is taken: should this worker die, the sweep sees an attempt that
    # started and no longer holds the lock, and sends the photo again (photos_requeue_lost).
    Photo.objects.filter(pk=photo.pk, processing=Photo.Processing.PENDING).update(
        processing_started_at=timezone.now()
    )
    with transaction.atomic():
        # One worker at a time per photo (a sweep or a redelivery may run it twice).
        photo = Photo.objects.select_for_update().get(pk=photo.pk)
        if photo.processing == Photo.Processing.DONE:
            return photo
        return photo_render_locked(photo)


#: A photo whose task was sent this long ago and has not started is sent again.
PHOTO_UNSTARTED_REQUEUE_AFTER = timedelta(minutes=5)


@acts
def photos_requeue_lost(*, actor: User | None, limit: int = 1000) -> list[int]:
    """Send again the tasks of pending photos whose processing was lost, and return their ids
    (the sweep every worker runs at its start and every few minutes: system work, actor None).

    Lost: an attempt started and no longer holds the photo's row lock (its worker was killed;
    its message waits out the broker's visibility timeout), or the task was sent more than
    PHOTO_UNSTARTED_REQUEUE_AFTER ago and never started (saved while the broker was down, or
    reserved by a worker that died). A photo being processed is row-locked and skipped.
    Several workers sweeping at once take disjoint photos (SKIP LOCKED), and a photo sent again
    counts as freshly queued, so the next sweep leaves it alone; a duplicate run is harmless
    anyway (photo_process locks and checks)."""
    from .tasks import photo_process

    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Photo.objects.select_for_update(skip_locked=True)
            .filter(processing=Photo.Processing.PENDING)
            .filter(
                Q(processing_started_at__isnull=False)
                | Q(processing_queued_at__lt=now - PHOTO_UNSTARTED_REQUEUE_AFTER)
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        Photo.objects.filter(pk__in=ids).update(
            processing_queued_at=now, processing_started_at=None
        )
        for pk in ids:
            enqueue_on_commit(photo_process, pk)
    return ids


def photo_render_locked(photo: Photo) -> Photo:
    """The work of `photo_process` once it holds the photo's row lock: the cleaned original and
    its renditions (tests/live/killable_worker.py watches it)."""
    storage = photo.image.storage
    old_name = photo.image.name
    assert old_name is not None  # only a photo with a file is rendered
    with storage.open(old_name, "rb") as fh:
        raw = fh.read()
    info = images.ImageInfo(
        format={".jpg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".heic": "HEIF"}[photo.extension],
        width=photo.width,
        height=photo.height,
        extension=photo.extension,
        frames=1,
    )
    try:  # pure computation: a failure here is the file's fault, so it is not retried
        cleaned, new_info = images.clean_original(raw, info)
        web, _w, _h = images.render_variant(
            io.BytesIO(cleaned),
            max_side=WEB_SIDE,
            max_decoded_bytes=settings.PHOTO_MAX_DECODED_BYTES,
        )
        thumb, _w, _h = images.render_variant(io.BytesIO(web), max_side=THUMB_SIDE)
    except images.ImageRejected:
        raise
    except Exception as exc:  # noqa: BLE001 — Pillow raises many kinds; all mean "unreadable"
        raise images.ImageRejected(
            _("The stored photo could not be processed (%(error)s).") % {"error": exc}
        ) from exc
    if cleaned != raw:
        base = f"photos/{photo.uid.hex[:2]}/{photo.uid.hex}-clean{new_info.extension}"
        stored_file_replace(photo.image, cleaned, base)
        photo.extension = new_info.extension
        photo.size = len(cleaned)
        photo.sha256 = hashlib.sha256(cleaned).hexdigest()
    for attr, data in (("web", web), ("thumb", thumb)):
        stored_file_replace(
            getattr(photo, attr), data, f"renditions/{photo.uid.hex[:2]}/{photo.uid.hex}-{attr}.jpg"
        )
    photo.processing = Photo.Processing.DONE
    photo.processing_error = ""
    photo.save(
        update_fields=[
            "image",
            "extension",
            "size",
            "sha256",
            "web",
            "thumb",
            "processing",
            "processing_error",
        ]
    )
    if photo.image.name != old_name:
        transaction.on_commit(lambda: storage.delete(old_name))
    return photo


@acts
def upload_delete(obj: Photo | Attachment, *, actor: User | None) -> None:
    """Delete a photo or attachment row; its files go once the transaction commits (actor None:
    the cleanup of staged uploads, system work)."""
    fields = [f for f in (getattr(obj, n, None) for n in ("image", "web", "thumb", "file")) if f]
    names = [(f.storage, f.name) for f in fields]
    obj.delete()

    def remove() -> None:
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(remove)


@acts
def staged_uploads_cleanup(*, older_than: datetime, actor: User | None) -> int:
    """Remove uploads staged by forms that were never saved (the hourly task: system work,
    actor None)."""
    n = 0
    for model in (Photo, Attachment):
        for pk in model.objects.filter(case__isnull=True, created_at__lt=older_than).values_list(
            "pk", flat=True
        ):
            with transaction.atomic():
                # Every worker runs this sweep: one takes each upload, the others skip it.
                obj = (
                    model.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, case__isnull=True)
                    .first()
                )
                if obj is not None:
                    upload_delete(obj, actor=actor)
                    n += 1
    return n


#: The storage folders the portal writes uploads to (the upload_to of every FileField: case
#: photos and their renditions, attachments, publishing's frozen copies, import files). Only
#: these are swept: anything else in the storage (MEDIA_ROOT or the bucket) is never touched.
UPLOAD_FOLDERS = (
    "photos",
    "renditions",
    "attachments",
    "published",
    "imports",
    "call-documents",  # submissions.CallDocument
    "site",  # core.SiteProfile's logo
    "certificates",  # certificates.CertificateDesign's images, certificates.Certificate's PDFs
)
#: A file this young may belong to an upload whose row is not yet committed: it is kept.
STORAGE_ORPHANS_GRACE = timedelta(days=1)


def _storage_files(storage: Storage, folder: str) -> Iterable[str]:
    """Every file name under `folder` of `storage`, recursively (none when it is absent)."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for d in dirs:
        yield from _storage_files(storage, f"{folder}/{d}")


def _storage_referenced() -> dict[Storage, set[str]]:
    """Per storage, the name of every file a FileField (or ImageField) of any model, of any
    app, points to. Found through django.apps so that a model added later is covered too."""
    referenced: dict[Storage, set[str]] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names = referenced.setdefault(field.storage, set())
                names.update(
                    model._default_manager.exclude(**{field.attname: ""})
                    .exclude(**{f"{field.attname}__isnull": True})
                    .values_list(field.attname, flat=True)
                )
    return referenced


@acts
def storage_orphans_remove(*, older_than: datetime | None = None, actor: User | None) -> list[str]:
    """Remove the files of the upload folders that no row points to, written before
    `older_than` (default: a day ago), and return their names.

    A web or worker process killed outright (SIGKILL, out of memory) between writing a file and
    committing its row leaves such a file; the daily sweep removes it (system work, actor
    None). The grace period keeps an upload in flight. Safe from several workers at once: a
    file already gone is skipped. The referenced names are read before the folders are walked,
    so a file written (and its row committed) in between is young and kept.
    """
    if older_than is None:
        older_than = timezone.now() - STORAGE_ORPHANS_GRACE
    removed: list[str] = []
    for storage, names in _storage_referenced().items():
        for folder in UPLOAD_FOLDERS:
            for name in _storage_files(storage, folder):
                if name in names:
                    continue
                try:
                    if storage.get_modified_time(name) >= older_than:
                        continue
                    storage.delete(name)
                except FileNotFoundError:
                    continue  # another worker's sweep took it
                log.warning("removed the orphaned upload %s (no row points to it)", name)
                removed.append(name)
    return removed


@acts
def photo_mark_failed(*, photo: Photo, error: str, actor: User | None) -> None:
    """Record why a photo could not be processed (the photo task: system work, actor None)."""
    Photo.objects.filter(pk=photo.pk).update(
        processing=Photo.Processing.FAILED, processing_error=error[:2000]
    )


@acts
def attachment_stage(
    *, upload: File, actor: User | None, field: CallField | None = None
) -> Attachment:
    """Store a PDF or Word file, checked by opening it (submissions/attachments.py); raises
    ValidationError naming it. `field`: the call's FILE field the file answers."""
    name = getattr(upload, "name", "") or "file"
    ext = attachments.attachment_check(upload, name=name)
    att = Attachment(
        uploaded_by=actor,
        original_name=name[-255:],
        extension=ext,
        size=upload.size,
        field=field,
        sha256=receipts.stream_sha256(upload),
    )
    att.file.save("x", upload, save=False)
    att.save()
    return att


@acts
@transaction.atomic
def call_document_add(*, call: Call, title: str, upload: File, actor: User | None) -> CallDocument:
    """Publish a file with a call (PDF, Word or .xlsx, checked by opening it), after its other
    documents. Raises ValidationError naming the file."""
    name = getattr(upload, "name", "") or "file"
    ext = attachments.document_check(upload, name=name)
    last = CallDocument.objects.filter(call=call).aggregate(m=Max("position"))["m"]
    doc = CallDocument(
        call=call,
        title=title.strip()[:200] or name[:200],
        extension=ext,
        size=upload.size or 0,
        position=0 if last is None else last + 1,
        uploaded_by=actor,
    )
    doc.file.save("x", upload, save=False)
    stored = doc.file.name or ""
    try:
        doc.full_clean(exclude=["file"])
        doc.save()
    except BaseException:
        doc.file.storage.delete(stored)
        raise
    return doc


@acts
@transaction.atomic
def call_document_remove(*, document: CallDocument, actor: User | None) -> None:
    """Take a document off its call (its file goes once the removal commits)."""
    storage, name = document.file.storage, document.file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
