"""Import of offline-collected cases from a table (+ photos): all or nothing.

Entry points:

- `cases_import`: a table (.xlsx/.csv) on disk whose 图片 column names photo files relative to
  the table's folder (the management command, and the job after unpacking).
- `cases_import_file`: the same for a path that may also be a ZIP (table + photos).
- `import_job_create` / `import_job_execute`: the web upload, run by `tasks.import_job_run`.

The columns are the core ones, 组别 when the call has categories, and one per field of the call
(`ImportColumns`; read by the field's header or its English label). The import runs in three
steps. (1) Every row is validated (text, phone, lengths, photo paths, photo decoding with the
upload limits, each field's answer by `casefields.parse_cell`, the required fields, the files of
file fields checked like uploads) and *all* errors are collected; if there is any, nothing is
written. (2) Photos are stored as staged photos via `services.photo_stage`, outside
a transaction so the progress stays visible and the call is not locked meanwhile. (3) One short
`transaction.atomic()` creates the missing units, the cases (status SUBMITTED, numbered like
every other case) with their CaseEvent, and attaches the photos and files. When step 2 or 3
fails, the staged photos and files are deleted again. (A process killed between steps 2 and 3 leaves
staged photos with no case, like an abandoned upload form.)
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from audit.context import acts
from core.queue import enqueue_on_commit
from core.tabular import OLE_MAGIC, Table, TableRow, read_table

from . import attachments, casefields, images, rules, services
from .models import Attachment, Call, CallField, Case, CaseEvent, Category, ImportJob, Photo, Unit

log = logging.getLogger(__name__)

COL_UNIT = "选送单位"
COL_TITLE = "案例标题"
COL_CONTACT = "联系人"
COL_PHONE = "联系电话"
COL_SUMMARY = "摘要"
COL_BODY = "正文"
COL_PHOTOS = "图片"
COL_CAPTIONS = "图片说明"
COL_CATEGORY = "组别"
REQUIRED_COLUMNS = [COL_UNIT, COL_TITLE, COL_CONTACT, COL_PHONE, COL_SUMMARY, COL_BODY]
OPTIONAL_COLUMNS = [COL_PHOTOS, COL_CAPTIONS]
COLUMNS = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
#: Captions: one per line in the cell (Alt+Enter in Excel); the old "；" only when it splits
#: the cell into exactly as many captions as there are photos (a caption may hold "；").
CAPTION_LINES = re.compile(r"\r\n|\r|\n")
OLD_CAPTION_SEPARATORS = re.compile(r"[;；]")

LIST_SEPARATORS = re.compile(r"[;；\r\n]")
TABLE_SUFFIXES = (".xlsx", ".csv")

# Limits of an uploaded or unpacked archive (settings may override them).
MAX_JOB_ERRORS = 1000  # errors kept on a job; the command prints them all
PROGRESS_INTERVAL = 0.5  # seconds between progress writes of a job

Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    rows: int
    created_count: int
    case_ids: list[int] = field(default_factory=list)
    photo_count: int = 0
    units_created: list[str] = field(default_factory=list)


@dataclass
class _PlannedPhoto:
    path: Path
    name: str  # as written in the table, e.g. "图片/1.jpg"
    caption: str


@dataclass
class _PlannedFile:
    field: CallField
    path: Path
    name: str  # as written in the table, e.g. "附件/申报书.pdf"


@dataclass
class _PlannedCase:
    row: int
    unit: str
    title: str
    contact_name: str
    contact_phone: str
    summary: str
    body: str
    photos: list[_PlannedPhoto]
    staged: list[Photo] = field(default_factory=list)
    category: Category | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    files: list[_PlannedFile] = field(default_factory=list)
    staged_files: list[tuple[CallField, Attachment]] = field(default_factory=list)


@dataclass
class ImportColumns:
    """The columns an import of a call reads, in the order of its template: the core columns,
    组别 when the call has categories, one per call field (its header, see
    `casefields.sheet_columns`), then the photos and their captions."""

    call: Call
    fields: list[CallField]
    categories: list[Category]
    headers: dict[int, str]  # field id -> header

    @classmethod
    def of(cls, call: Call) -> ImportColumns:
        fields = casefields.call_fields(call)
        categories = list(Category.objects.filter(call=call).order_by("position", "id"))
        reserved = [*COLUMNS, COL_CATEGORY]
        return cls(
            call=call,
            fields=fields,
            categories=categories,
            headers=casefields.sheet_columns(fields, reserved=reserved),
        )

    @property
    def ordered(self) -> list[str]:
        """Every column of the template, in order."""
        return [
            COL_UNIT,
            *([COL_CATEGORY] if self.categories else []),
            COL_TITLE,
            COL_CONTACT,
            COL_PHONE,
            COL_SUMMARY,
            COL_BODY,
            *[self.headers[f.pk] for f in self.fields],
            COL_PHOTOS,
            COL_CAPTIONS,
        ]

    @property
    def optional(self) -> list[str]:
        """The columns besides the required ones (English labels of fields too)."""
        names = [*OPTIONAL_COLUMNS, COL_CATEGORY]
        for f in self.fields:
            names.extend(casefields.column_aliases(f, self.headers[f.pk]))
        return list(dict.fromkeys(n for n in names if n not in REQUIRED_COLUMNS))


# ---------------------------------------------------------------- messages


def cell_error(row: int, column: str, error: str) -> str:
    return _("Row %(row)d, column “%(column)s”: %(error)s") % {
        "row": row,
        "column": column,
        "error": error,
    }


def _too_long(n: int, limit: int) -> str:
    return _("The text has %(n)d characters; at most %(max)d are allowed.") % {
        "n": n,
        "max": limit,
    }


# ---------------------------------------------------------------- validation


def split_list(value: str) -> list[str]:
    """Items separated by ；, ; or line breaks; empty items are dropped."""
    return [item.strip() for item in LIST_SEPARATORS.split(value or "") if item.strip()]


def split_captions(value: str, n_photos: int) -> list[str]:
    """The captions of a cell, one per line (Alt+Enter in Excel). A cell of one line is split
    at the old "；" or ";" only when that gives exactly one caption per photo; otherwise it is
    one caption, "；" and all. Captions keep their positions (an empty line is a photo without
    a caption); trailing empty ones are dropped."""
    text = (value or "").strip()
    lines = CAPTION_LINES.split(text)
    if len(lines) == 1 and n_photos > 1:
        pieces = OLD_CAPTION_SEPARATORS.split(text)
        if len(pieces) == n_photos:
            lines = pieces
    items = [item.strip() for item in lines]
    while items and not items[-1]:
        items.pop()
    return items


def _resolve_in(base: Path, raw: str) -> Path:
    """The file `raw` names inside `base`; ValidationError when it escapes or does not exist."""
    text = raw.strip().replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text) or "://" in text:
        raise ValidationError(
            _(
                "“%(path)s” is an absolute path; write the path relative to the table's folder, "
                "e.g. 图片/1.jpg."
            ),
            params={"path": raw},
        )
    parts = [p for p in PurePosixPath(text).parts if p != "."]
    if ".." in parts or not parts:
        raise ValidationError(
            _(
                "“%(path)s” points outside the import folder; write the path relative to the "
                "table's folder, e.g. 图片/1.jpg."
            ),
            params={"path": raw},
        )
    root = base.resolve()
    candidate = root.joinpath(*parts)
    if not candidate.exists():
        candidate = _casefold_lookup(root, parts) or candidate
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root):
        raise ValidationError(
            _("“%(path)s” points outside the import folder."), params={"path": raw}
        )
    if not resolved.is_file():
        raise ValidationError(
            _("The file “%(path)s” was not found next to the table."), params={"path": raw}
        )
    return resolved


def _casefold_lookup(root: Path, parts: list[str]) -> Path | None:
    """Find a file whose name differs only in letter case (IMG_1.JPG for img_1.jpg), as written
    on Windows, where names are case-insensitive."""
    current = root
    for part in parts:
        if not current.is_dir():
            return None
        wanted = part.casefold()
        match = next((p for p in current.iterdir() if p.name.casefold() == wanted), None)
        if match is None:
            return None
        current = match
    return current


def _photo_check(path: Path, *, name: str, call: Call) -> None:
    """Check the photo's name and decode it, with the very rules `services.photo_stage` applies
    to uploads."""
    rules.upload_name(name)
    max_bytes = rules.photo_max_bytes(call)
    with path.open("rb") as fh:
        try:
            images.inspect_upload(
                fh,
                name=name,
                max_bytes=max_bytes,
                max_pixels=settings.PHOTO_MAX_PIXELS,
                max_decoded_bytes=settings.PHOTO_MAX_DECODED_BYTES,
            )
        except images.ImageRejected as exc:
            raise ValidationError(str(exc), code="image") from exc


#: The column of each field the case rules (rules.py) name.
FIELD_COLUMNS = {
    "title": COL_TITLE,
    "contact_name": COL_CONTACT,
    "contact_phone": COL_PHONE,
    "summary": COL_SUMMARY,
    "body": COL_BODY,
    "photos": COL_PHOTOS,
    "caption": COL_CAPTIONS,
}


def _cell_messages(exc: ValidationError) -> list[tuple[str, str]]:
    """(column, message) for each problem the case rules found; the cell names the column, so
    a text over its limit is "the text", and a photo count is the row's."""
    out = []
    for name, problems in exc.error_dict.items():
        for problem in problems:
            if problem.code == "too_long":
                assert problem.params is not None  # the rules give the numbers with this code
                message = _too_long(problem.params["n"], problem.params["max"])
            elif problem.code == "too_many_photos":
                assert problem.params is not None
                message = _("At most %(max)d photos are allowed; this row has %(n)d.") % {
                    "max": problem.params["max"],
                    "n": problem.params["n"],
                }
            else:
                message = " ".join(problem.messages)
            out.append((FIELD_COLUMNS[name], message))
    return out


def _rule_errors(rule: Callable[..., object], *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
    try:
        rule(*args, **kwargs)
    except ValidationError as exc:
        return _cell_messages(exc)
    return []


def _validate(
    table: Table,
    *,
    base: Path,
    call: Call,
    columns: ImportColumns,
    photos_allowed: bool,
    progress: Progress | None,
    total: int,
) -> tuple[list[_PlannedCase], list[str]]:
    """Check every row against the case rules (rules.py) and the call's fields
    (casefields.py); return (plans, errors). Nothing is written."""
    text_columns = {
        COL_TITLE: "title",
        COL_CONTACT: "contact_name",
        COL_PHONE: "contact_phone",
        COL_SUMMARY: "summary",
        COL_BODY: "body",
    }
    unit_max = rules.unit_name_limit()
    existing = _existing_titles(call, {row[COL_TITLE] for row in table.rows})
    seen: dict[tuple[str, str], int] = {}
    checked: dict[Path, str | None] = {}  # a photo used twice is decoded once
    plans: list[_PlannedCase] = []
    errors: list[str] = []
    order = {column: i for i, column in enumerate(columns.ordered)}
    # The column each field is read from: the first of its headers the table has.
    present = {"".join(h.split()) for h in table.headers}
    field_columns = {
        f.pk: next(
            (
                name
                for name in casefields.column_aliases(f, columns.headers[f.pk])
                if "".join(name.split()) in present
            ),
            columns.headers[f.pk],
        )
        for f in columns.fields
    }
    for f in columns.fields:
        order.setdefault(field_columns[f.pk], order[columns.headers[f.pk]])
    categories = {c.name: c for c in columns.categories}

    for done, row in enumerate(table.rows, start=1):
        n = row.number
        row_errors: list[tuple[str, str]] = []

        def err(column: str, message: str, row_errors: list[tuple[str, str]] = row_errors) -> None:
            row_errors.append((column, message))

        unit = " ".join(row[COL_UNIT].split())
        if not unit:
            err(COL_UNIT, _("The submitting unit is missing."))
        elif len(unit) > unit_max:
            err(COL_UNIT, _too_long(len(unit), unit_max))
        values = {attr: row[column] for column, attr in text_columns.items()}
        try:
            values = rules.case_text(call, values)
        except ValidationError as exc:
            row_errors.extend(_cell_messages(exc))
        if not values["title"]:
            err(COL_TITLE, _("The title is missing."))
        phone = values.pop("contact_phone")
        key = (unit, values["title"])
        if unit and values["title"]:
            if key in seen:
                err(
                    COL_TITLE,
                    _("Row %(row)d already has a case with this title from this unit.")
                    % {"row": seen[key]},
                )
            else:
                seen[key] = n
            if key in existing:
                err(
                    COL_TITLE,
                    _(
                        "This call already has a case with this title from this unit "
                        "(number %(number)d); it was not imported twice."
                    )
                    % {"number": existing[key]},
                )

        category = None
        if category_name := " ".join(row.get(COL_CATEGORY, "").split()):
            category = categories.get(category_name)
            if category is None:
                err(COL_CATEGORY, _category_problem(category_name, columns.categories))
        extra, files, field_errors = _field_values(
            row,
            columns=columns,
            field_columns=field_columns,
            category=category,
            base=base,
            photos_allowed=photos_allowed,
        )
        row_errors.extend(field_errors)

        names = split_list(row[COL_PHOTOS])
        captions = split_captions(row[COL_CAPTIONS], len(names))
        photos = []
        if names and not photos_allowed:
            err(
                COL_PHOTOS,
                _(
                    "Photos can only be imported from a ZIP file holding the table "
                    "and the photos. Upload such a ZIP, or leave this column empty."
                ),
            )
        elif count_errors := _rule_errors(
            rules.photo_count, call, len(names), for_submission=False
        ):
            row_errors.extend(count_errors)
        else:
            for position, name in enumerate(names):
                try:
                    path = _resolve_in(base, name)
                except ValidationError as exc:
                    err(COL_PHOTOS, " ".join(exc.messages))
                    continue
                if path not in checked:
                    try:
                        _photo_check(path, name=name, call=call)
                        checked[path] = None
                    except ValidationError as exc:
                        checked[path] = " ".join(exc.messages)
                if problem := checked[path]:
                    err(COL_PHOTOS, problem)
                caption = captions[position] if position < len(captions) else ""
                photos.append(_PlannedPhoto(path=path, name=name, caption=caption))
        if len(captions) > len(names):
            err(
                COL_CAPTIONS,
                _("There are %(captions)d captions but only %(photos)d photos.")
                % {"captions": len(captions), "photos": len(names)},
            )
        row_errors.extend(_rule_errors(rules.captions, captions))

        row_errors.sort(key=lambda item: order.get(item[0], len(order)))  # stable: by column
        errors.extend(cell_error(n, column, message) for column, message in row_errors)
        if not row_errors:
            plans.append(
                _PlannedCase(
                    row=n,
                    unit=unit,
                    contact_phone=phone,
                    photos=photos,
                    category=category,
                    extra=extra,
                    files=files,
                    **values,
                )
            )
        if progress:
            progress(done, total)
    return plans, errors


def _category_problem(name: str, categories: list[Category]) -> str:
    if not categories:
        return _("This call has no categories; leave this column empty.")
    return _("“%(value)s” is not one of the call's categories: %(choices)s.") % {
        "value": name[:100],
        "choices": "、".join(c.name for c in categories),
    }


def _file_check(path: Path, *, name: str) -> None:
    """Check a file of a FILE field with the very rules `services.attachment_stage` applies."""
    with path.open("rb") as fh:
        attachments.attachment_check(File(fh, name=name), name=name)


def _field_values(
    row: TableRow,
    *,
    columns: ImportColumns,
    field_columns: dict[int, str],
    category: Category | None,
    base: Path,
    photos_allowed: bool,
) -> tuple[dict[str, Any], list[_PlannedFile], list[tuple[str, str]]]:
    """The answers of a row to the call's fields, by the rules of casefields.py: (the answers
    as `Case.extra` stores them, the files of FILE fields, (column, message) problems). The
    cases are created submitted, so every required field that asks the row's category must
    be answered."""
    extra: dict[str, Any] = {}
    files: list[_PlannedFile] = []
    n_files: dict[int, int] = {}
    problems: list[tuple[str, str]] = []
    category_id = category.pk if category else None
    asked = {f.pk for f in casefields.fields_for(columns.fields, category_id)}
    failed: set[str] = set()
    for f in columns.fields:
        column = field_columns[f.pk]
        headers = casefields.column_aliases(f, columns.headers[f.pk])
        raw = next((row[h] for h in headers if row.get(h)), "")
        if not raw:
            continue
        if f.pk not in asked:
            problems.append(
                (column, _("This field does not ask cases of this category; leave it empty."))
            )
            failed.add(f.key)
            continue
        if f.kind == CallField.Kind.FILE:
            names = split_list(raw)
            if not photos_allowed:
                problems.append(
                    (
                        column,
                        _(
                            "Files can only be imported from a ZIP file holding the table "
                            "and the files. Upload such a ZIP, or leave this column empty."
                        ),
                    )
                )
                failed.add(f.key)
                continue
            for name in names:
                try:
                    path = _resolve_in(base, name)
                    _file_check(path, name=PurePosixPath(name.replace("\\", "/")).name)
                except ValidationError as exc:
                    problems.append((column, " ".join(exc.messages)))
                    failed.add(f.key)
                    continue
                files.append(_PlannedFile(field=f, path=path, name=name))
            n_files[f.pk] = len(names)
            continue
        try:
            value = casefields.parse_cell(f, raw)
        except ValidationError as exc:
            problems.append((column, " ".join(exc.messages)))
            failed.add(f.key)
            continue
        if value is not None:
            extra[f.key] = value
    missing = casefields.submission_problems(
        columns.fields, extra, category_id=category_id, files=n_files
    )
    by_key = {f.key: f for f in columns.fields}
    for key, found in missing.items():
        if key not in failed:
            problems.extend((field_columns[by_key[key].pk], m) for e in found for m in e.messages)
    return extra, files, problems


def _existing_titles(call: Call, titles: set[str]) -> dict[tuple[str, str], int]:
    found = {}
    ordered = sorted(t for t in titles if t)
    for i in range(0, len(ordered), 500):
        rows = Case.objects.filter(call=call, title__in=ordered[i : i + 500]).values_list(
            "unit__name", "title", "number"
        )
        found.update({(unit, title): number for unit, title, number in rows})
    return found


# ---------------------------------------------------------------- writing


def _discard_plans(plans: list[_PlannedCase]) -> None:
    """Delete what a failed import staged: photos and the files of FILE fields."""
    _discard([photo for plan in plans for photo in plan.staged])
    staged = [att.pk for plan in plans for _f, att in plan.staged_files]
    for att in Attachment.objects.filter(pk__in=staged, case__isnull=True):
        if att.file.name:
            try:
                att.file.storage.delete(att.file.name)
            except OSError:
                log.warning("could not delete %s of a failed import", att.file.name)
        att.delete()


def _discard(photos: list[Photo]) -> None:
    """Delete staged photos of a failed import, with their files (renditions included)."""
    for photo in Photo.objects.filter(pk__in=[p.pk for p in photos], case__isnull=True):
        for f in (photo.image, photo.web, photo.thumb):
            if f.name:
                try:
                    f.storage.delete(f.name)
                except OSError:
                    log.warning("could not delete %s of a failed import", f.name)
        photo.delete()


def _stage_photos(
    plans: list[_PlannedCase],
    *,
    call: Call,
    actor: User | None,
    progress: Progress | None,
    start: int,
    total: int,
) -> list[str]:
    """Store every photo as a staged photo; returns errors (a file changed since step 1)."""
    errors = []
    for done, plan in enumerate(plans, start=1):
        for photo in plan.photos:
            try:
                with photo.path.open("rb") as fh:
                    staged = services.photo_stage(
                        upload=File(fh, name=photo.path.name),
                        actor=actor,
                        call=call,
                        original_name=photo.name,
                    )
            except ValidationError as exc:
                errors.append(cell_error(plan.row, COL_PHOTOS, " ".join(exc.messages)))
                continue
            except OSError as exc:
                message = _("The file “%(path)s” cannot be read: %(error)s") % {
                    "path": photo.name,
                    "error": exc.strerror or exc.__class__.__name__,
                }
                errors.append(cell_error(plan.row, COL_PHOTOS, message))
                continue
            staged.caption = photo.caption
            plan.staged.append(staged)
        for planned in plan.files:
            column = planned.field.label
            name = PurePosixPath(planned.name.replace("\\", "/")).name
            try:
                with planned.path.open("rb") as fh:
                    att = services.attachment_stage(upload=File(fh, name=name), actor=actor)
            except ValidationError as exc:
                errors.append(cell_error(plan.row, column, " ".join(exc.messages)))
                continue
            except OSError as exc:
                message = _("The file “%(path)s” cannot be read: %(error)s") % {
                    "path": planned.name,
                    "error": exc.strerror or exc.__class__.__name__,
                }
                errors.append(cell_error(plan.row, column, message))
                continue
            plan.staged_files.append((planned.field, att))
        if progress:
            progress(start + done, total)
    return errors


def case_numbers(*, call: Call, count: int) -> range:
    """`count` consecutive case numbers of the call. Locks the call row (like every case
    creation, via `services.case_number_next`): call inside the transaction that uses them."""
    first = services.case_number_next(call=call)
    return range(first, first + count)


@transaction.atomic
def _create_cases(
    plans: list[_PlannedCase],
    *,
    call: Call,
    actor: User | None,
    source_name: str,
    finish: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    # One audit entry for the import (below), not one per case: each case has its CaseEvent.
    with audit.untracked():
        report = _create_case_rows(plans, call=call, actor=actor, source_name=source_name)
    note = _("Imported %(n)d case(s) from “%(name)s”.") % {
        "n": report.created_count,
        "name": source_name or "?",
    }
    if report.units_created:
        note += " " + _("New units: %(names)s.") % {"names": "、".join(report.units_created)}
    audit.record(obj=call, note=note, actor=actor)
    if finish:  # in the same transaction: the cases and the job marked done commit together
        finish(report)
    return report


def _create_case_rows(
    plans: list[_PlannedCase], *, call: Call, actor: User | None, source_name: str
) -> ImportReport:
    now = timezone.now()
    units: dict[str, Unit] = {}
    created_units = []
    report = ImportReport(rows=len(plans), created_count=0)
    reason = _("Imported from “%(name)s”.") % {"name": source_name} if source_name else ""
    for plan, number in zip(plans, case_numbers(call=call, count=len(plans)), strict=True):
        if plan.unit not in units:
            units[plan.unit], created = services.unit_get_or_create(name=plan.unit, actor=actor)
            if created:
                created_units.append(units[plan.unit].name)
        case = Case.objects.create(
            call=call,
            unit=units[plan.unit],
            number=number,
            title=plan.title,
            contact_name=plan.contact_name,
            contact_phone=plan.contact_phone,
            summary=plan.summary,
            body=plan.body,
            category=plan.category,
            extra=plan.extra,
            status=Case.Status.SUBMITTED,
            submitted_at=now,
            created_by=actor,
        )
        CaseEvent.objects.create(
            case=case, actor=actor, from_status="", to_status=case.status, reason=reason
        )
        for position, photo in enumerate(plan.staged):
            photo.case = case
            photo.position = position
            photo.save(update_fields=["case", "caption", "position"])
        for call_field, att in plan.staged_files:
            att.case, att.field = case, call_field
            att.save(update_fields=["case", "field"])
        report.case_ids.append(case.pk)
        report.photo_count += len(plan.staged)
    report.created_count = len(report.case_ids)
    report.units_created = created_units
    return report


@acts
def cases_import(
    *,
    path: Path,
    call: Call,
    actor: User | None,
    progress: Progress | None = None,
    photos_allowed: bool = True,
    source_name: str = "",
    finish: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import the cases of the table at `path` into `call`, all or nothing.

    `finish(report)` runs in the transaction that creates the cases (a job marks itself done).

    Photo paths in the 图片 column are relative to the table's folder and may not leave it.
    Raises ValidationError with one message per problem, each naming the row and the column.
    `progress(processed, total)` is called after every row of the validation and of the
    photo storing; total is twice the number of rows.
    """
    path = Path(path)
    columns = ImportColumns.of(call)
    table = read_table(path, required=REQUIRED_COLUMNS, optional=columns.optional)
    n = len(table.rows)
    total = 2 * n
    if progress:
        progress(0, total)
    plans, errors = _validate(
        table,
        base=path.parent,
        call=call,
        columns=columns,
        photos_allowed=photos_allowed,
        progress=progress,
        total=total,
    )
    if errors:
        raise ValidationError(errors, code="rows")
    try:
        errors = _stage_photos(
            plans, call=call, actor=actor, progress=progress, start=n, total=total
        )
        if errors:
            raise ValidationError(errors, code="photos")
        return _create_cases(
            plans, call=call, actor=actor, source_name=source_name or path.name, finish=finish
        )
    except BaseException:
        _discard_plans(plans)
        raise


# ---------------------------------------------------------------- archives


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name. ZIPs made on Chinese Windows store GBK names without the UTF-8
    flag, which Python reads as CP437; ones made on macOS store UTF-8 without the flag."""
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def _is_junk(parts: tuple[str, ...]) -> bool:
    name = parts[-1]
    return (
        parts[0] == "__MACOSX"
        or name.startswith(("._", "~$"))
        or name in (".DS_Store", "Thumbs.db", "desktop.ini")
    )


def _archive_error(message: str, **params: object) -> ValidationError:
    return ValidationError(message, code="archive", params=params)


def archive_extract(archive: Path, target: Path) -> Path:
    """Unpack a ZIP of one table and its photos into `target`; return the table's path.

    Refuses absolute and `..` paths, encrypted members, more than IMPORT_MAX_ARCHIVE_FILES files
    and more than IMPORT_MAX_UNPACKED_BYTES unpacked (settings; counted while writing, not
    trusted from headers).
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _archive_error(_("The ZIP file cannot be opened.")) from exc
    tables = []
    written = 0
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        if len(members) > settings.IMPORT_MAX_ARCHIVE_FILES:
            raise _archive_error(
                _("The ZIP file holds %(n)d files; at most %(max)d are allowed."),
                n=len(members),
                max=settings.IMPORT_MAX_ARCHIVE_FILES,
            )
        if sum(i.file_size for i in members) > settings.IMPORT_MAX_UNPACKED_BYTES:
            raise _archive_error(
                _("The ZIP file unpacks to more than %(gb)s GB."),
                gb=f"{settings.IMPORT_MAX_UNPACKED_BYTES / 1024**3:g}",
            )
        for info in members:
            name = _member_name(info).replace("\\", "/")
            parts = tuple(p for p in PurePosixPath(name).parts if p not in ("", "."))
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts or not parts:
                raise _archive_error(_("The ZIP file holds an unsafe path: “%(name)s”."), name=name)
            if _is_junk(parts):
                continue
            if info.flag_bits & 0x1:
                raise _archive_error(_("“%(name)s” in the ZIP file is encrypted."), name=name)
            dest = target.joinpath(*parts)
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, dest.open("wb") as out:
                    while chunk := src.read(1024 * 1024):
                        written += len(chunk)
                        if written > settings.IMPORT_MAX_UNPACKED_BYTES:
                            raise _archive_error(
                                _("The ZIP file unpacks to more than %(gb)s GB."),
                                gb=f"{settings.IMPORT_MAX_UNPACKED_BYTES / 1024**3:g}",
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                # NotImplementedError: a compression method zipfile cannot read
                raise _archive_error(
                    _("“%(name)s” in the ZIP file cannot be unpacked."), name=name
                ) from exc
            if dest.suffix.lower() in TABLE_SUFFIXES:
                tables.append(dest)
    if len(tables) != 1:
        raise _archive_error(
            _(
                "The ZIP file must hold exactly one table (.xlsx or .csv) besides the photos; "
                "it holds %(n)d."
            ),
            n=len(tables),
        )
    return tables[0]


def is_zip_archive(path: Path) -> bool:
    """A ZIP that is not itself an .xlsx workbook."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return "xl/workbook.xml" not in zf.namelist()
    except zipfile.BadZipFile:
        return False


@acts
def cases_import_file(
    *,
    path: Path | str,
    call: Call,
    actor: User | None,
    progress: Progress | None = None,
    source_name: str = "",
) -> ImportReport:
    """Import from a table on disk (photos next to it) or from a ZIP of a table and photos."""
    path = Path(path)
    if not is_zip_archive(path):
        return cases_import(
            path=path, call=call, actor=actor, progress=progress, source_name=source_name
        )
    with tempfile.TemporaryDirectory(prefix="case-import-") as tmp:
        table = archive_extract(path, Path(tmp))
        return cases_import(
            path=table,
            call=call,
            actor=actor,
            progress=progress,
            source_name=source_name or path.name,
        )


# ---------------------------------------------------------------- web jobs


@acts
@transaction.atomic
def import_job_create(*, call: Call, upload: File, actor: User | None) -> ImportJob:
    """Store an uploaded .xlsx, .csv or .zip and enqueue its import."""
    name = getattr(upload, "name", "") or "import"
    if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)d MB."),
            params={"name": name, "mb": settings.IMPORT_MAX_UPLOAD_BYTES // 1024**2},
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(OLE_MAGIC):
        raise ValidationError(
            _(
                "“%(name)s” is an old Excel 97–2003 (.xls) file. Save it as an Excel workbook "
                "(.xlsx) and try again."
            ),
            params={"name": name},
        )
    suffix = ".csv"  # the job reads it by content; the suffix only helps a person
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as zf:
                suffix = ".xlsx" if "xl/workbook.xml" in zf.namelist() else ".zip"
        except zipfile.BadZipFile as exc:
            raise ValidationError(
                _("“%(name)s” is a damaged ZIP or Excel file."), params={"name": name}
            ) from exc
        upload.seek(0)
    job = ImportJob(
        call=call, original_name=name[-255:], created_by=actor, queued_at=timezone.now()
    )
    job.file.save(f"{uuid.uuid4().hex}{suffix}", upload, save=False)
    job.save()
    from .tasks import import_job_run

    enqueue_on_commit(import_job_run, job.pk)
    return job


class _JobProgress:
    """Writes a job's progress at most every PROGRESS_INTERVAL seconds (and at the end)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0
        self.processed = 0
        self.total = 0

    def __call__(self, processed: int, total: int) -> None:
        self.processed, self.total = processed, total
        now = time.monotonic()
        if processed in (0, total) or total <= 40 or now - self.last >= PROGRESS_INTERVAL:
            ImportJob.objects.filter(pk=self.job_id).update(processed=processed, total=total)
            self.last = now


def _job_errors(messages: list[str]) -> list[str]:
    if len(messages) <= MAX_JOB_ERRORS:
        return messages
    more = len(messages) - MAX_JOB_ERRORS
    return [
        *messages[:MAX_JOB_ERRORS],
        _("… and %(n)d more errors. Nothing was imported.") % {"n": more},
    ]


@acts
def import_job_execute(*, job: ImportJob, actor: User | None) -> ImportJob:
    """Run an upload's import: unpack, import all or nothing, record the outcome on the job.

    `actor` is the organizer who uploaded it (`job.created_by`).

    Runs at most once to the end: the attempt holds the job's attempt lock while it runs (a
    second delivery finds it held and returns; the sweep `import_jobs_requeue_lost` tells a dead
    attempt by it), and the cases are created in the same transaction that marks the job done,
    so an attempt killed at any point left no case and a later one imports afresh."""
    with _attempt_lock(job.pk) as held:
        if held:
            _import_job_attempt(job=job, actor=actor)
    job.refresh_from_db()
    return job


#: Namespace of the PostgreSQL advisory locks held by running import attempts (key: job id).
IMPORT_ATTEMPT_LOCK = 0x494D5054
#: A job whose task was sent this long ago and has not started is sent again.
IMPORT_UNSTARTED_REQUEUE_AFTER = timedelta(minutes=5)


@contextmanager
def _attempt_lock(job_id: int) -> Iterator[bool]:
    """Hold the job's attempt lock while the block runs; yields False if another attempt holds
    it. A transaction-level advisory lock taken on a connection of its own, whose transaction
    stays open until the block ends: the attempt's own connection commits its progress as it
    goes, and a transaction pooler (PgBouncer, pool_mode=transaction) keeps one server
    connection for an open transaction, so the lock holds through it (a session lock would be
    left on a pooled server connection). When the worker is killed its connection closes, the
    server rolls the transaction back and the lock is gone at once. Not PostgreSQL (tests):
    always granted."""
    if connection.vendor != "postgresql":
        yield True
        return
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", [IMPORT_ATTEMPT_LOCK, job_id]
            )
            held = bool(cursor.fetchone()[0])
        if not held and connection.in_atomic_block:
            held = _held_by_this_transaction(job_id)
        yield held
    finally:
        try:
            holder.rollback()  # ends the transaction: the lock is released
        finally:
            holder.close()


def _held_by_this_transaction(job_id: int) -> bool:
    """Whether the transaction this connection is in holds the job's lock itself (it checked
    `_attempt_alive` earlier and has not ended): then no other attempt can hold it, as a session
    lock taken again by its own session would be granted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objid = %s AND objsubid = 2 AND pid = pg_backend_pid())",
            [IMPORT_ATTEMPT_LOCK, job_id],
        )
        return bool(cursor.fetchone()[0])


def _attempt_alive(job_id: int) -> bool:
    """Whether an attempt of the job holds its lock (call in a transaction: a free lock is held
    until it ends, so no attempt starts meanwhile). Not PostgreSQL: never."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [IMPORT_ATTEMPT_LOCK, job_id])
        return not cursor.fetchone()[0]


@acts
def import_jobs_requeue_lost(*, actor: User | None, limit: int = 100) -> list[int]:
    """Send again the tasks of import jobs whose run was lost, and return their ids (a sweep
    every worker runs at its start and every few minutes: system work, actor None).

    Lost: running, and no attempt holds the job's attempt lock (its worker was killed), or
    waiting, its task sent more than IMPORT_UNSTARTED_REQUEUE_AFTER ago and no attempt holds
    the lock (sent while the broker was down, or reserved by a worker that died). A job sent
    again counts as freshly queued, so the next sweep leaves it alone; several workers
    sweeping at once take disjoint jobs (SKIP LOCKED)."""
    from .tasks import import_job_run

    now = timezone.now()
    stale = now - IMPORT_UNSTARTED_REQUEUE_AFTER
    with transaction.atomic():
        candidates = list(
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=ImportJob.Status.RUNNING)
                | Q(status=ImportJob.Status.PENDING, queued_at__lt=stale)
                | Q(status=ImportJob.Status.PENDING, queued_at__isnull=True, created_at__lt=stale)
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        ids = [pk for pk in candidates if not _attempt_alive(pk)]
        ImportJob.objects.filter(pk__in=ids).update(
            status=ImportJob.Status.PENDING, queued_at=now, started_at=None
        )
        for pk in ids:
            enqueue_on_commit(import_job_run, pk)
    return ids


def _import_job_attempt(*, job: ImportJob, actor: User | None) -> None:
    """The work of `import_job_execute` once it holds the job's attempt lock."""
    started = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
    ).update(
        status=ImportJob.Status.RUNNING,
        started_at=timezone.now(),
        processed=0,
        total=0,
        errors=[],
        created_count=0,
    )
    if not started:  # finished meanwhile (a message delivered twice)
        return
    job.refresh_from_db()
    progress = _JobProgress(job.pk)

    def finish(report: ImportReport) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.DONE,
            errors=[],
            created_count=report.created_count,
            processed=progress.total,
            total=progress.total,
            finished_at=timezone.now(),
        )

    outcome: dict = {}
    try:
        with tempfile.TemporaryDirectory(prefix="case-import-") as tmp:
            workdir = Path(tmp)
            upload = workdir / "upload.bin"
            with job.file.open("rb") as src, upload.open("wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
            if is_zip_archive(upload):
                table = archive_extract(upload, workdir / "files")
                photos_allowed = True
            else:
                table = upload.rename(workdir / "table")
                photos_allowed = False
            cases_import(
                path=table,
                call=job.call,
                actor=actor,
                progress=progress,
                photos_allowed=photos_allowed,
                source_name=job.original_name,
                finish=finish,
            )
    except ValidationError as exc:
        outcome = {"status": ImportJob.Status.FAILED, "errors": _job_errors(exc.messages)}
    except SoftTimeLimitExceeded:
        log.warning("import job %s hit the task time limit", job.pk)
        outcome = {
            "status": ImportJob.Status.FAILED,
            "errors": [
                _(
                    "The import took too long and was stopped; nothing was imported. Split the "
                    "table into smaller files and import them one after the other."
                )
            ],
        }
    except Exception:  # noqa: BLE001 — the organizer sees a failed job, the log the details
        log.exception("import job %s failed", job.pk)
        outcome = {
            "status": ImportJob.Status.FAILED,
            "errors": [
                _(
                    "The import stopped because of an unexpected error; nothing was imported. "
                    "Try again, or ask the administrator to look at the server log."
                )
            ],
        }
    else:
        return  # marked done by `finish`, with the cases
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now(), **outcome)
