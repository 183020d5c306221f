"""Chunked uploads (submissions/services_uploads.py, docs/uploads.md): a file sent in chunks,
resumed after a dropped connection to a byte-identical file, checked at the end exactly as the
form checks an upload, staged for its owner only, and swept when abandoned."""

import io
import os
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfWriter

from submissions import services_uploads as su
from submissions.models import Attachment, ChunkedUpload, Photo
from submissions.selectors import staged_uploads_for_form

from ..factories import CaseFactory, ChunkedUploadFactory, jpeg_bytes

pytestmark = pytest.mark.django_db


class Dropping(io.RawIOBase):
    """A request body whose connection drops after `keep` bytes: the read returns what came,
    then nothing (the peer closed) or an OSError (a reset), as a WSGI server gives it."""

    def __init__(self, data: bytes, keep: int, *, reset: bool = False) -> None:
        self.data, self.keep, self.reset, self.at = data, keep, reset, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.at >= self.keep:
            if self.reset:
                raise ConnectionResetError("connection reset by peer")
            return b""
        end = self.keep if size < 0 else min(self.keep, self.at + size)
        block, self.at = self.data[self.at : end], end
        return block


def _pdf_of(at_least: int) -> bytes:
    """A real PDF of `at_least` bytes or more (random text in its metadata)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Subject": os.urandom(at_least // 2).hex()})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _start(user, call, data: bytes, *, kind="photo", name="现场照片.jpg", case=None, field=None):
    return su.chunked_upload_create(
        call=call, kind=kind, name=name, size=len(data), case=case, field=field, actor=user
    )


def _send(upload, data: bytes, *, chunk: int) -> None:
    offset = upload.offset
    while offset < len(data):
        piece = data[offset : offset + chunk]
        offset, whole = su.chunked_upload_append(
            upload=upload,
            offset=offset,
            stream=io.BytesIO(piece),
            length=len(piece),
            actor=upload.user,
        )
        assert whole


def _held(upload) -> int:
    return ChunkedUpload.objects.get(pk=upload.pk).offset


def test_a_photo_sent_in_chunks_is_staged_for_its_uploader(
    user_a, call, django_capture_on_commit_callbacks
):
    data = jpeg_bytes(size=(300, 200))
    upload = _start(user_a, call, data)

    _send(upload, data, chunk=1000)
    assert su.partial_path(upload).read_bytes() == data
    with django_capture_on_commit_callbacks(execute=True):
        photo = su.chunked_upload_finish(upload=upload, actor=user_a)

    assert isinstance(photo, Photo)
    assert (photo.case_id, photo.uploaded_by, photo.original_name) == (None, user_a, "现场照片.jpg")
    assert (photo.width, photo.height) == (300, 200)
    assert not su.partial_path(upload).exists()
    assert ChunkedUpload.objects.get(pk=upload.pk).photo == photo


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_dropped_connection_mid_chunk_resumes_to_a_byte_identical_file(user_a, call, reset):
    data = _pdf_of(8000)
    upload = _start(user_a, call, data, kind="attachment", name="实施方案.pdf")
    _send(upload, data[:2000], chunk=1000)

    # the second chunk of 3000 bytes stops after 1234 of them
    offset, whole = su.chunked_upload_append(
        upload=upload,
        offset=2000,
        stream=Dropping(data[2000:5000], keep=1234, reset=reset),
        length=3000,
        actor=user_a,
    )

    assert (offset, whole, _held(upload)) == (3234, False, 3234)
    # the client asks where to go on (HEAD) and sends the rest
    _send(ChunkedUpload.objects.get(pk=upload.pk), data, chunk=3000)
    assert su.partial_path(upload).read_bytes() == data
    att = su.chunked_upload_finish(upload=upload, actor=user_a)
    assert isinstance(att, Attachment)
    assert att.file.read() == data
    assert (att.original_name, att.size, att.case_id) == ("实施方案.pdf", len(data), None)


def test_a_chunk_at_another_offset_is_refused_with_the_servers(user_a, call):
    data = b"x" * 3000
    upload = _start(user_a, call, data, kind="attachment", name="a.pdf")
    _send(upload, data[:1000], chunk=1000)

    with pytest.raises(su.OffsetMismatch) as caught:
        su.chunked_upload_append(
            upload=upload, offset=0, stream=io.BytesIO(b"y" * 500), length=500, actor=user_a
        )

    assert caught.value.offset == 1000
    assert su.partial_path(upload).read_bytes() == data[:1000]


def test_a_chunk_past_the_announced_size_is_refused(user_a, call):
    upload = _start(user_a, call, b"x" * 100, kind="attachment", name="a.pdf")

    with pytest.raises(ValidationError) as caught:
        su.chunked_upload_append(
            upload=upload, offset=0, stream=io.BytesIO(b"y" * 101), length=101, actor=user_a
        )

    assert caught.value.messages == ["The chunk goes past the end of the file (100 bytes)."]
    assert _held(upload) == 0


@pytest.mark.parametrize(
    ("kind", "name", "size", "message"),
    [
        ("photo", "big.jpg", 6 * 1024 * 1024, '"big.jpg" is larger than the limit of 5 MB.'),
        ("photo", "empty.jpg", 0, '"empty.jpg" is an empty file.'),
        ("attachment", "empty.pdf", 0, "“empty.pdf” is empty (0 bytes)."),
        ("attachment", "huge.pdf", 31 * 1024 * 1024, "“huge.pdf” is larger than 30 MB."),
        (
            "photo",
            "photo.jpg.html",
            10,
            "“photo.jpg.html” is refused: its name contains “.html”, which a browser opens as a "
            "web page or script. Rename the file and upload it again.",
        ),
    ],
)
def test_a_file_the_form_would_refuse_is_refused_before_it_is_sent(
    user_a, call, kind, name, size, message
):
    call.max_photo_mb = 5
    call.save()

    with pytest.raises(ValidationError) as caught:
        su.chunked_upload_create(call=call, kind=kind, name=name, size=size, actor=user_a)

    assert caught.value.messages == [message]
    assert ChunkedUpload.objects.count() == 0


def test_a_file_that_is_no_image_is_refused_at_the_end_and_removed(user_a, call):
    data = b"GIF89a not really" * 10
    upload = _start(user_a, call, data, name="照片.jpg")
    _send(upload, data, chunk=100)

    with pytest.raises(ValidationError) as caught:
        su.chunked_upload_finish(upload=upload, actor=user_a)

    assert caught.value.messages[0].startswith('"照片.jpg"')
    assert ChunkedUpload.objects.count() == 0
    assert Photo.objects.count() == 0
    assert not su.partial_path(upload).exists()


def test_an_unfinished_upload_cannot_be_finished_and_is_kept(user_a, call):
    data = b"%PDF-" + b"x" * 995
    upload = _start(user_a, call, data, kind="attachment", name="a.pdf")
    _send(upload, data[:400], chunk=400)

    with pytest.raises(ValidationError) as caught:
        su.chunked_upload_finish(upload=upload, actor=user_a)

    assert caught.value.messages == ["“a.pdf” is not completely uploaded yet (400 of 1000 bytes)."]
    assert _held(upload) == 400


def test_finishing_twice_gives_the_same_staged_photo(user_a, call):
    """The answer to a finish was lost: the script asks again and gets the same photo."""
    data = jpeg_bytes(size=(40, 30))
    upload = _start(user_a, call, data)
    _send(upload, data, chunk=len(data))

    first = su.chunked_upload_finish(upload=upload, actor=user_a)
    again = su.chunked_upload_finish(upload=upload, actor=user_a)

    assert again.pk == first.pk
    assert Photo.objects.count() == 1


def test_cancelling_removes_the_staged_photo_and_its_upload(
    user_a, call, django_capture_on_commit_callbacks
):
    data = jpeg_bytes(size=(40, 30))
    upload = _start(user_a, call, data)
    _send(upload, data, chunk=len(data))
    photo = su.chunked_upload_finish(upload=upload, actor=user_a)
    stored = photo.image.path

    with django_capture_on_commit_callbacks(execute=True):
        su.chunked_upload_cancel(upload=upload, actor=user_a)

    assert (ChunkedUpload.objects.count(), Photo.objects.count()) == (0, 0)
    assert not os.path.exists(stored)


def test_cancelling_after_the_case_was_saved_keeps_the_photo_on_the_case(user_a, unit_a, call):
    data = jpeg_bytes(size=(40, 30))
    upload = _start(user_a, call, data)
    _send(upload, data, chunk=len(data))
    photo = su.chunked_upload_finish(upload=upload, actor=user_a)
    case = CaseFactory(call=call, unit=unit_a)
    Photo.objects.filter(pk=photo.pk).update(case=case)

    su.chunked_upload_cancel(upload=upload, actor=user_a)

    assert list(case.photos.all()) == [photo]


def test_too_many_unfinished_uploads_are_refused(user_a, call, settings):
    settings.UPLOAD_OPEN_MAX = 2
    _start(user_a, call, b"x" * 10, kind="attachment", name="a.pdf")
    _start(user_a, call, b"x" * 10, kind="attachment", name="b.pdf")

    with pytest.raises(ValidationError) as caught:
        _start(user_a, call, b"x" * 10, kind="attachment", name="c.pdf")

    assert caught.value.messages == [
        "You have 2 unfinished uploads. Wait for them to finish, or remove some, before adding "
        "more files."
    ]


def test_an_upload_for_a_case_no_longer_editable_is_refused(user_a, unit_a, call):
    case = CaseFactory(call=call, unit=unit_a, status="submitted")

    with pytest.raises(ValidationError) as caught:
        _start(user_a, call, b"x" * 10, kind="attachment", name="a.pdf", case=case)

    assert caught.value.messages == ["This case can no longer be edited."]


def test_the_form_finds_its_staged_files_again_only_for_their_owner(user_a, unit_a, call):
    """Nothing staged is lost when the browser closes: the next form of the same user for the
    same (new) case shows it; a colleague's form does not."""
    colleague = ChunkedUploadFactory.build().user  # another unit user
    data = jpeg_bytes(size=(40, 30))
    upload = _start(user_a, call, data)
    _send(upload, data, chunk=len(data))
    photo = su.chunked_upload_finish(upload=upload, actor=user_a)

    assert staged_uploads_for_form(user=user_a, call=call, case=None) == ([photo], [])
    assert staged_uploads_for_form(user=colleague, call=call, case=None) == ([], [])
    case = CaseFactory(call=call, unit=unit_a)
    assert staged_uploads_for_form(user=user_a, call=call, case=case) == ([], [])


def test_the_sweep_removes_abandoned_uploads_and_their_partial_files(
    user_a, unit_a, call, django_capture_on_commit_callbacks
):
    old_data, young_data = b"o" * 50, b"y" * 50
    old = _start(user_a, call, old_data, kind="attachment", name="old.pdf")
    _send(old, old_data[:20], chunk=20)
    young = _start(user_a, call, young_data, kind="attachment", name="young.pdf")
    _send(young, young_data[:20], chunk=20)
    saved_data = jpeg_bytes(size=(40, 30))
    saved = _start(user_a, call, saved_data)
    _send(saved, saved_data, chunk=len(saved_data))
    photo = su.chunked_upload_finish(upload=saved, actor=user_a)
    Photo.objects.filter(pk=photo.pk).update(case=CaseFactory(call=call, unit=unit_a))
    stray = su.partial_dir() / "0123456789abcdef0123456789abcdef.part"
    stray.write_bytes(b"left by a killed process")
    long_ago = timezone.now() - timedelta(hours=49)
    os.utime(stray, (long_ago.timestamp(), long_ago.timestamp()))
    ChunkedUpload.objects.filter(pk=old.pk).update(updated_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        removed = su.chunked_uploads_cleanup(
            older_than=timezone.now() - timedelta(hours=48), actor=None
        )

    assert removed == 2  # the abandoned one, and the one whose photo is on a case now
    assert list(ChunkedUpload.objects.values_list("original_name", flat=True)) == ["young.pdf"]
    assert sorted(p.name for p in su.partial_dir().iterdir()) == [f"{young.uid.hex}.part"]
    assert Photo.objects.get(pk=photo.pk).case_id is not None


def test_the_sweep_runs_on_every_worker_hourly(settings):
    from submissions import tasks

    assert settings.WORKER_SWEEPS["submissions.chunked_uploads_sweep"] == 3600
    assert tasks.chunked_uploads_sweep() == 0
