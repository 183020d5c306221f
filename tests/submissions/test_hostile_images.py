"""Every hostile image of tests/imagegen.py, made at test time, through the validator
(submissions.images) and through the case form: refused with the exact message naming the file,
or accepted with the expected format and size, GPS and metadata stripped, orientation applied."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from submissions import images
from submissions.images import ImageInfo, ImageRejected, clean_original, inspect_upload
from submissions.models import Case, Photo

from ..imagegen import COLOURS, HOSTILE, MAX_BYTES, MAX_PIXELS, RULES, SECRETS, Accepted, Hostile

#: The case form's upload field refuses an empty file part before the validator sees it; the row
#: number says which file.
FORM_MESSAGES = {"empty.jpg": "Photo 1: “empty.jpg” is empty (0 bytes)."}

pytestmark = pytest.mark.filterwarnings(
    "ignore:Corrupt EXIF data:UserWarning", "ignore:Image appears to be a malformed MPO file"
)


def colour_name(rgb: tuple[int, ...]) -> str:
    return min(
        COLOURS, key=lambda c: sum((a - b) ** 2 for a, b in zip(COLOURS[c], rgb[:3], strict=True))
    )


def corners(data: bytes) -> tuple[str, str, str, str]:
    """Colour names at the centres of the four quadrants: TL, TR, BL, BR."""
    with Image.open(io.BytesIO(data)) as img:
        rgb = img.convert("RGB")
    w, h = rgb.size
    xs, ys = (w // 4, 3 * w // 4), (h // 4, 3 * h // 4)
    pixels = [rgb.getpixel((x, y)) for y in ys for x in xs]
    tl, tr, bl, br = (colour_name(p) for p in pixels if isinstance(p, tuple))
    return tl, tr, bl, br


def assert_nothing_revealing(stored: bytes) -> None:
    """No GPS, camera maker or polyglot payload in the stored original; EXIF at most Orientation."""
    for secret in SECRETS:
        assert secret not in stored, secret
    with Image.open(io.BytesIO(stored)) as img:
        exif = img.getexif()
        assert set(exif) <= {0x0112}, dict(exif)
        assert exif.get_ifd(0x8825) == {}


def upright_rendition(stored: bytes, expect: Accepted) -> bytes:
    variant, width, height = images.render_variant(io.BytesIO(stored), max_side=1600)
    assert (width, height) == expect.size
    with Image.open(io.BytesIO(variant)) as img:
        assert (img.format, img.mode, img.size, dict(img.getexif())) == (
            "JPEG",
            "RGB",
            expect.size,
            {},
        )
    return variant


# ------------------------------------------------------------------ the generated set itself


def test_the_generated_set_covers_every_rule_of_the_validator():
    by_rule = defaultdict(list)
    for h in HOSTILE:
        by_rule[h.rule].append(h)
    assert set(by_rule) == set(RULES)
    refusals = {h.expect.kind for h in HOSTILE if not isinstance(h.expect, Accepted)}
    assert refusals == {
        "empty",
        "too_large",
        "invalid",
        "damaged",
        "too_many_pixels",
        "too_many_frames",
    }
    assert images.HEIF_SUPPORTED
    for fmt in images.FORMATS:  # every accepted format: accepted, and refused in every way
        mine = [h for h in HOSTILE if h.content == fmt]
        outcomes = {getattr(h.expect, "kind", "accepted") for h in mine}
        assert {"accepted", "too_large", "too_many_pixels"} <= outcomes, fmt
        assert outcomes & {"damaged", "invalid"}, fmt
        for rule in ("truncated", "bomb", "wrong-magic", "polyglot", "exif", "animated"):
            assert any(h.rule == rule for h in mine), (fmt, rule)
        # a file under another format's extension is identified by its content
        assert any(
            h.rule == "wrong-magic" and not h.name.endswith(h.expect.extension)
            for h in mine
            if isinstance(h.expect, Accepted)
        ), fmt
    animated = {h.content for h in HOSTILE if h.rule == "animated" and h.expect.frames > 1}
    assert animated == {"PNG", "WEBP", "HEIF"}
    frames_refused = {
        h.content for h in HOSTILE if getattr(h.expect, "kind", "") == "too_many_frames"
    }
    assert frames_refused == {"PNG", "WEBP"}


def test_generated_files_are_what_they_say(tmp_path):
    """Accepted files really are of their format; the ones inside another extension too."""
    for h in HOSTILE:
        if isinstance(h.expect, Accepted):
            with Image.open(h.write(tmp_path)) as img:
                fmt = "JPEG" if img.format == "MPO" else img.format
                assert fmt == h.expect.format == h.content, h.name
    sizes = {h.name: len(h.build()) for h in HOSTILE if h.rule == "oversized-bytes"}
    assert {n: s - MAX_BYTES for n, s in sizes.items()} == {
        n: (0 if n.startswith("at-the-cap") else 1) for n in sizes
    }


# ------------------------------------------------------------------ through the validator


@pytest.mark.parametrize("hostile", HOSTILE, ids=str)
def test_validator(hostile: Hostile, tmp_path):
    path = hostile.write(tmp_path)
    with path.open("rb") as upload:
        try:
            info = inspect_upload(
                upload, name=hostile.name, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS
            )
        except ImageRejected as exc:
            assert upload.tell() == 0
            assert not isinstance(hostile.expect, Accepted), exc.message
            assert exc.message == hostile.expect.message(hostile.name)
            return
        assert upload.tell() == 0
    expect = hostile.expect
    assert isinstance(expect, Accepted), f"accepted, expected {expect}"
    assert info == ImageInfo(expect.format, *expect.size, expect.extension, expect.frames)

    stored, stored_info = clean_original(path.read_bytes(), info)
    frames = expect.frames if expect.format in ("PNG", "WEBP") else 1
    assert stored_info == ImageInfo(
        "JPEG" if expect.format == "HEIF" else expect.format,
        *expect.size,
        expect.stored_extension,
        frames,
    )
    assert_nothing_revealing(stored)
    again = inspect_upload(
        io.BytesIO(stored), name=hostile.name, max_bytes=10 * MAX_BYTES, max_pixels=MAX_PIXELS
    )
    assert again == stored_info
    variant = upright_rendition(stored, expect)
    if expect.corners:
        assert corners(variant) == expect.corners


# ------------------------------------------------------------------ through the case form


@pytest.mark.parametrize("hostile", HOSTILE, ids=str)
def test_case_form(
    hostile: Hostile, tmp_path, client, call, user_a, settings, django_capture_on_commit_callbacks
):
    settings.PHOTO_MAX_BYTES = MAX_BYTES
    settings.PHOTO_MAX_PIXELS = MAX_PIXELS
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user_a)
    upload = SimpleUploadedFile(hostile.name, hostile.write(tmp_path).read_bytes(), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("submissions:case_create", kwargs={"slug": call.slug}),
            {
                "title": f"上传 {hostile.name}",
                "contact_name": "张某某",
                "contact_phone": "13812345678",
                "summary": "摘要。",
                "body": "正文。",
                "save": "1",
                "photos-TOTAL_FORMS": "1",
                "photos-INITIAL_FORMS": "0",
                "photos-0-image": upload,
                "photos-0-caption": "■说明",
                "photos-0-position": "1",
            },
        )
    expect = hostile.expect
    if not isinstance(expect, Accepted):
        assert response.status_code == 400
        message = FORM_MESSAGES.get(hostile.name) or expect.message(hostile.name)
        assert response.context["upload_errors"] == [message]
        assert not Photo.objects.exists() and not Case.objects.exists()
        return
    assert response.status_code == 302, response.context and response.context["upload_errors"]
    photo = Case.objects.get().photos.get()
    assert (photo.original_name, photo.extension, (photo.width, photo.height)) == (
        hostile.name,
        expect.stored_extension,
        expect.size,
    )
    assert photo.processing == Photo.Processing.DONE, photo.processing_error
    with photo.image.open("rb") as fh:
        stored = fh.read()
    assert photo.size == len(stored)
    assert_nothing_revealing(stored)
    with photo.web.open("rb") as fh:
        web = fh.read()
    with Image.open(io.BytesIO(web)) as img:
        assert (img.format, img.size, dict(img.getexif())) == ("JPEG", expect.size, {})
    if expect.corners:
        assert corners(web) == expect.corners
