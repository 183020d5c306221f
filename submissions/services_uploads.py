"""Writes of chunked uploads: the case form's script sends each photo and attachment on its own,
in chunks, as soon as it is chosen (docs/uploads.md).

create (the name and size are checked at once) → append chunks at the offset the server holds
(HEAD tells it after a dropped connection) → finish (the whole file is checked exactly as the
form checks an upload: `services.photo_stage` / `services.attachment_stage`) → a staged Photo or
Attachment that the form posts by id. Partial files live in UPLOAD_PARTIAL_DIR; the hourly sweep
removes those of uploads not touched for UPLOAD_ABANDONED_HOURS.
"""

import fcntl
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.context import acts

from . import rules, services
from .models import Attachment, Call, CallField, Case, ChunkedUpload, Photo

log = logging.getLogger(__name__)

#: Bytes read from the request at a time while a chunk is written.
READ_BLOCK = 64 * 1024


class OffsetMismatch(Exception):
    """A chunk sent for another offset than the server holds (a retry after a lost answer, or
    two tabs at once): the client asks for the offset and goes on from there."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


class Busy(Exception):
    """Another request is writing this upload right now."""


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def partial_dir() -> Path:
    """Where partial files are kept: UPLOAD_PARTIAL_DIR, or "partial" under MEDIA_ROOT (shared
    by every app host, as the media folder is). Always a local (or mounted) folder, also with
    MEDIA_STORAGE=s3: chunks are written at offsets under an flock, which an object store
    cannot do. With several app hosts it must be shared between them (NFS), or each upload
    kept on one host; the finished file goes into the storage (a bucket) through its API."""
    return Path(settings.UPLOAD_PARTIAL_DIR or Path(settings.MEDIA_ROOT) / "partial")


def partial_path(upload: ChunkedUpload) -> Path:
    return partial_dir() / f"{upload.uid.hex}.part"


def _limit_refusal(*, kind: str, name: str, size: int, call: Call) -> ValidationError | None:
    """The form's own message for a file that is empty or too large, before a byte is sent."""
    if kind == ChunkedUpload.Kind.PHOTO:
        if size == 0:
            return ValidationError(_('"%(name)s" is an empty file.') % {"name": name})
        max_bytes = rules.photo_max_bytes(call)
        if size > max_bytes:
            return ValidationError(
                _('"%(name)s" is larger than the limit of %(limit)s MB.')
                % {"name": name, "limit": f"{max_bytes / 1_048_576:g}"}
            )
        return None
    if size == 0:
        return ValidationError(_("“%(name)s” is empty (0 bytes).") % {"name": name})
    if size > settings.ATTACHMENT_MAX_BYTES:
        return ValidationError(
            _("“%(name)s” is larger than %(mb)d MB.")
            % {"name": name, "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    return None


def _open_uploads(user: User) -> int:
    return ChunkedUpload.objects.filter(
        user=user, photo__isnull=True, attachment__isnull=True
    ).count()


@acts
@transaction.atomic
def chunked_upload_create(
    *,
    call: Call,
    kind: str,
    name: str,
    size: int,
    case: Case | None = None,
    field: CallField | None = None,
    actor: User,
) -> ChunkedUpload:
    """Start an upload of `size` bytes named `name` for the actor's case of `call` (or a new
    case when `case` is None). The name and the size are checked now, with the form's
    messages, so a file that would be refused is refused before it is sent. `field`: the call's
    FILE field an attachment answers. The caller has checked that the actor may edit `case`."""
    if kind not in ChunkedUpload.Kind.values:
        raise ValidationError(_("Unknown kind of upload."), code="kind")
    name = (name or "").replace("\x00", "").strip() or ("photo" if kind == "photo" else "file")
    rules.upload_name(name)
    refusal = _limit_refusal(kind=kind, name=name, size=size, call=call)
    if refusal is not None:
        raise refusal
    if case is not None and (case.call_id != call.pk or not case.is_editable):
        raise ValidationError(_("This case can no longer be edited."), code="locked")
    if field is not None and (
        kind != ChunkedUpload.Kind.ATTACHMENT
        or field.call_id != call.pk
        or field.kind != CallField.Kind.FILE
    ):
        raise ValidationError(_("This file answers a field of another call."), code="field")
    if _open_uploads(actor) >= settings.UPLOAD_OPEN_MAX:
        raise ValidationError(
            _(
                "You have %(n)d unfinished uploads. Wait for them to finish, or remove some, "
                "before adding more files."
            )
            % {"n": settings.UPLOAD_OPEN_MAX},
            code="too_many",
        )
    return ChunkedUpload.objects.create(
        user=actor,
        call=call,
        case=case,
        kind=kind,
        field=field,
        original_name=name[-255:],
        size=size,
    )


@acts
def chunked_upload_append(
    *, upload: ChunkedUpload, offset: int, stream: Readable, length: int, actor: User
) -> tuple[int, bool]:
    """Write a chunk of `length` bytes read from `stream` at `offset`; returns the new offset
    and whether the whole chunk arrived.

    The offset must be the one the server holds (OffsetMismatch otherwise). Every byte that
    arrives is kept, also when the connection drops mid-chunk: the client asks for the offset
    and sends the rest. One writer at a time per upload (Busy otherwise). No transaction is
    held while the body is read: the new offset is written once the bytes are on disk, and
    only if no one moved it meanwhile."""
    if upload.finished:
        raise ValidationError(_("This upload is already finished."), code="finished")
    if length < 0 or offset + length > upload.size:
        raise ValidationError(
            _("The chunk goes past the end of the file (%(size)d bytes).") % {"size": upload.size},
            code="too_long",
        )
    path = partial_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy from None
        held = ChunkedUpload.objects.filter(pk=upload.pk).values_list("offset", flat=True).first()
        if held is None:
            raise ChunkedUpload.DoesNotExist
        if held != offset:
            raise OffsetMismatch(held)
        fh.seek(offset)
        written = 0
        try:
            while written < length:
                block = stream.read(min(READ_BLOCK, length - written))
                if not block:
                    break  # the connection closed before the chunk was complete
                fh.write(block)
                written += len(block)
        except OSError as exc:  # the client went away mid-read: keep what arrived
            log.info("upload %s: the chunk stopped after %d bytes (%s)", upload.uid, written, exc)
        fh.truncate(offset + written)
        fh.flush()
        os.fsync(fh.fileno())
        ChunkedUpload.objects.filter(pk=upload.pk, offset=offset).update(
            offset=offset + written, updated_at=timezone.now()
        )
    upload.offset = offset + written
    return upload.offset, written == length


@acts
def chunked_upload_finish(*, upload: ChunkedUpload, actor: User) -> Photo | Attachment:
    """Check the whole file as the form checks an upload and stage it; returns the staged photo
    or attachment (the same one when asked again: a finish whose answer was lost). A refused
    file is removed with its upload (ValidationError naming the file)."""
    try:
        with transaction.atomic():
            return _finish_locked(upload, actor)
    except ValidationError as exc:
        if exc.code != "incomplete":
            with transaction.atomic():
                ChunkedUpload.objects.filter(pk=upload.pk, photo=None, attachment=None).delete()
            partial_path(upload).unlink(missing_ok=True)
        raise


def _finish_locked(upload: ChunkedUpload, actor: User) -> Photo | Attachment:
    upload = ChunkedUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.photo_id is not None:
        return Photo.objects.get(pk=upload.photo_id)
    if upload.attachment_id is not None:
        return Attachment.objects.get(pk=upload.attachment_id)
    if upload.offset != upload.size:
        raise ValidationError(
            _("“%(name)s” is not completely uploaded yet (%(got)d of %(size)d bytes).")
            % {"name": upload.original_name, "got": upload.offset, "size": upload.size},
            code="incomplete",
        )
    path = partial_path(upload)
    staged: Photo | Attachment
    with path.open("rb") as fh:
        file = File(fh, name=upload.original_name)
        if upload.kind == ChunkedUpload.Kind.PHOTO:
            staged = services.photo_stage(
                upload=file, actor=actor, call=upload.call, original_name=upload.original_name
            )
        else:
            staged = services.attachment_stage(upload=file, actor=actor, field=upload.field)
    if isinstance(staged, Photo):
        upload.photo = staged
    else:
        upload.attachment = staged
    upload.save(update_fields=["photo", "attachment", "updated_at"])
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return staged


def _discard(upload: ChunkedUpload) -> None:
    path = partial_path(upload)
    upload.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


@acts
@transaction.atomic
def chunked_upload_cancel(*, upload: ChunkedUpload, actor: User) -> None:
    """Remove an upload the person took back: its partial file, and its staged photo or
    attachment while that is on no case (a file already saved on a case stays)."""
    upload = ChunkedUpload.objects.select_for_update().get(pk=upload.pk)
    staged: Photo | Attachment | None = upload.photo or upload.attachment
    _discard(upload)
    if staged is not None and staged.case_id is None:
        services.upload_delete(staged, actor=actor)


@acts
def chunked_uploads_cleanup(*, older_than: datetime, actor: User | None) -> int:
    """The sweep (every worker, hourly; system work, actor None): remove the uploads not
    touched since `older_than` with their partial files, the finished ones whose file is on a
    case by now, and partial files no upload points to. Staged photos and attachments are the
    business of `services.staged_uploads_cleanup`. Returns the number of uploads removed."""
    n = 0
    stale = ChunkedUpload.objects.filter(
        Q(updated_at__lt=older_than)
        | Q(photo__case__isnull=False)
        | Q(attachment__case__isnull=False)
    )
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            upload = ChunkedUpload.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if upload is not None:
                _discard(upload)
                n += 1
    folder = partial_dir()
    if folder.is_dir():
        live = {uid.hex for uid in ChunkedUpload.objects.values_list("uid", flat=True)}
        for path in folder.glob("*.part"):
            try:
                old = datetime.fromtimestamp(
                    path.stat().st_mtime, tz=timezone.get_current_timezone()
                )
                if path.stem not in live and old < older_than:
                    path.unlink()
            except FileNotFoundError:
                continue  # another worker's sweep took it
    return n
