"""Photo processing through the real stack: commit → Redis → live Celery worker → renditions."""

import io
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, transaction
from PIL import Image, ImageDraw, ImageOps

from submissions import services, tasks
from submissions.models import Photo

pytestmark = [pytest.mark.live_stack, pytest.mark.django_db(transaction=True)]

ORIENTATION = 0x0112
GPS_IFD = 0x8825
MARK = (255, 0, 0)  # painted in the stored (unrotated) top-left corner
WAIT_SECONDS = 20


def exif_jpeg(size=(3000, 2000)) -> bytes:
    """A camera-like JPEG: landscape pixels, Orientation=6 (shows as portrait), a GPS position."""
    img = Image.new("RGB", size, (30, 110, 190))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, size[0] // 6, size[1] // 6], fill=MARK)
    for x in range(0, size[0], 60):
        draw.line([(x, size[1] // 4), (size[0] - x, size[1])], fill=(240, 220, 80), width=8)
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def wait_for_processing(pk: int, *, timeout: float = WAIT_SECONDS) -> Photo:
    deadline = time.monotonic() + timeout
    while True:
        try:
            photo = Photo.objects.get(pk=pk)
        except OperationalError:  # SQLite shared-cache: the worker holds a table lock
            photo = None
        if photo is not None and photo.processing != Photo.Processing.PENDING:
            return photo
        if time.monotonic() > deadline:
            raise AssertionError(f"photo {pk} still pending after {timeout} s")
        time.sleep(0.1)


def is_red(pixel) -> bool:
    r, g, b = pixel[:3]
    return r > 200 and g < 60 and b < 60


def test_live_worker_strips_gps_and_makes_upright_renditions(live_worker, call, user_a, settings):
    src = exif_jpeg()
    with Image.open(io.BytesIO(src)) as im:  # the source really carries what must go
        assert im.size == (3000, 2000)
        assert im.getexif()[ORIENTATION] == 6
        assert im.getexif().get_ifd(GPS_IFD)[1] == "N"

    log = live_worker.task_log
    with transaction.atomic():
        photo = services.photo_stage(
            upload=SimpleUploadedFile("现场照片.jpg", src, content_type="image/jpeg"),
            actor=user_a,
            call=call,
        )
        assert log.published == []  # nothing reaches the broker before the commit
    assert log.published == [("submissions.photo_process", (photo.pk,))]

    photo = wait_for_processing(photo.pk)
    assert photo.processing == Photo.Processing.DONE, photo.processing_error
    assert photo.processing_error == ""
    (run,) = log.started_for("submissions.photo_process", photo.pk)
    # Delivered by the broker to the worker thread, not run eagerly in the test's thread.
    assert not run["eager"] and run["routing_key"] == "celery"
    assert run["thread"] != threading.main_thread().name
    assert (photo.width, photo.height) == (2000, 3000)  # as displayed

    media = Path(settings.MEDIA_ROOT)
    for field, long_side, short_side in ((photo.web, 1600, 1067), (photo.thumb, 400, 267)):
        path = media / field.name
        assert path.is_file(), f"missing rendition {field.name}"
        with Image.open(path) as im:
            assert im.format == "JPEG"
            # Upright: portrait after applying orientation 6 to the 3000×2000 landscape pixels.
            assert im.height == long_side and abs(im.width - short_side) <= 1, im.size
            assert im.getexif().get(ORIENTATION, 1) == 1  # no viewer rotates it a second time
            assert im.getexif().get_ifd(GPS_IFD) == {}
            # Rotated 90° clockwise, the stored top-left corner is now the top-right one.
            rgb = im.convert("RGB")
            assert is_red(rgb.getpixel((im.width - 5, 5))), "rendition rotated the wrong way"
            assert not is_red(rgb.getpixel((5, 5)))

    original = media / photo.image.name
    assert original.is_file()
    with Image.open(original) as im:
        exif = im.getexif()
        assert exif.get_ifd(GPS_IFD) == {}, "GPS position kept in the stored original"
        kept_orientation = exif.get(ORIENTATION, 1)
        if kept_orientation == 6:  # stripped losslessly: pixels as shot, orientation kept
            assert im.size == (3000, 2000)
        else:  # or transposed upright
            assert kept_orientation == 1 and im.size == (2000, 3000)
        upright = ImageOps.exif_transpose(im).convert("RGB")
        assert upright.size == (2000, 3000)
        assert is_red(upright.getpixel((upright.width - 5, 5)))
    # The photo's folder holds its one original, no half-processed leftovers.
    assert sorted(p.name for p in original.parent.iterdir()) == [original.name]


def test_live_worker_marks_a_corrupted_original_failed_and_keeps_it(
    live_worker, call, user_a, settings, monkeypatch
):
    # Decoding errors are OSErrors (PIL.UnidentifiedImageError), which the task retries as if
    # they were transient (5 retries, ~40 s with the real backoff); one retry keeps the test
    # short and still goes through the broker. A fix that fails such photos at once also passes.
    monkeypatch.setattr(tasks.photo_process, "max_retries", 1)
    junk = b"\x00junk, not a JPEG any more\xff" * 400
    log = live_worker.task_log
    with transaction.atomic():
        photo = services.photo_stage(
            upload=SimpleUploadedFile("现场照片.jpg", exif_jpeg((1200, 800)), "image/jpeg"),
            actor=user_a,
            call=call,
        )
        stored = Path(settings.MEDIA_ROOT) / photo.image.name
        assert stored.is_file()
        stored.write_bytes(junk)  # damaged on disk after staging, before the worker sees it

    photo = wait_for_processing(photo.pk)
    assert photo.processing == Photo.Processing.FAILED
    assert photo.processing_error.strip(), "no error recorded for the organizer"
    assert not photo.web and not photo.thumb
    assert photo.image.name and (Path(settings.MEDIA_ROOT) / photo.image.name) == stored
    assert stored.read_bytes() == junk  # the original is still there, untouched
    runs = log.started_for("submissions.photo_process", photo.pk)
    assert [r["retries"] for r in runs] in ([0], [0, 1])
    assert not any(r["eager"] for r in runs)
