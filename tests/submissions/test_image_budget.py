"""The work one case form may cause (issue 12, finding 3): rows counted before any file is read,
the memory of each file bounded from its header, a CPU budget per request, and no file left in
storage by a refused or crashed request."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from submissions import images
from submissions.images import ImageRejected, inspect_upload, render_variant
from submissions.models import Case, Photo

from ..imagegen import (
    HEAVY,
    PORTAL_MAX_BYTES,
    PORTAL_MAX_DECODED,
    PORTAL_MAX_PIXELS,
    Hostile,
    _built,
    heavy_message,
    plain,
    png_solid,
)

NOTHING_SAVED = "Nothing was saved yet: please correct the problems below."


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """A storage of this test's own, to see what a request leaves in it."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(media: Path) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def post_case(client, call, rows: list[SimpleUploadedFile | None], *, total: int | None = None):
    data: dict[str, object] = {
        "title": "口袋公园",
        "save": "1",
        "photos-TOTAL_FORMS": str(len(rows) if total is None else total),
        "photos-INITIAL_FORMS": "0",
    }
    for i, upload in enumerate(rows):
        if upload is not None:
            data[f"photos-{i}-image"] = upload
    return client.post(reverse("submissions:case_create", kwargs={"slug": call.slug}), data)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.fixture
def unit_client(client, user_a):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user_a)
    return client


# ------------------------------------------------------------------ rows before files


def test_more_rows_than_the_call_allows_are_refused_before_any_file_is_read(
    unit_client, call, media
):
    """30 rows of 40-megapixel PNGs where the call allows 5 photos: the count alone answers;
    no file is decoded (none is named) and nothing is stored."""
    assert call.max_photos == 5
    heavy = _built(HEAVY[0])
    response = post_case(unit_client, call, [upload(f"p{i}.png", heavy) for i in range(30)])
    assert response.status_code == 400
    assert response.context["upload_errors"] == [
        "The form has 30 photo rows; at most 15 are allowed. Nothing was saved."
    ]
    assert not Photo.objects.exists() and not Case.objects.exists()
    assert stored_files(media) == []


def test_more_photos_than_the_call_allows_are_refused_before_any_file_is_read(
    unit_client, call, media
):
    heavy = _built(HEAVY[0])
    response = post_case(unit_client, call, [upload(f"p{i}.png", heavy) for i in range(6)])
    assert response.status_code == 400
    assert response.context["upload_errors"] == ["At most 5 photos are allowed; this case has 6."]
    assert not Photo.objects.exists()
    assert stored_files(media) == []


def test_a_claimed_row_count_over_the_cap_is_refused(unit_client, call, media):
    response = post_case(unit_client, call, [upload("a.png", plain("PNG"))], total=100_000)
    assert response.status_code == 400
    assert response.context["upload_errors"] == [
        "The form has 100000 photo rows; at most 15 are allowed. Nothing was saved."
    ]
    assert stored_files(media) == []


def test_the_formset_never_builds_more_forms_than_the_call_allows(call):
    from submissions.forms import photo_formset_class

    formset = photo_formset_class(call)(
        {"photos-TOTAL_FORMS": "100000", "photos-INITIAL_FORMS": "0"}, prefix="photos"
    )
    assert (formset.absolute_max, len(formset.forms)) == (15, 15)


def test_rows_within_the_limit_are_stored(unit_client, call, media):
    response = post_case(unit_client, call, [upload(f"p{i}.png", plain("PNG")) for i in range(5)])
    assert response.status_code == 302
    assert Case.objects.get().photos.count() == 5


# ------------------------------------------------------------------ memory per file


@pytest.mark.parametrize("hostile", HEAVY, ids=str)
def test_heavy_file_is_refused_from_its_header(hostile: Hostile, tmp_path):
    with hostile.write(tmp_path).open("rb") as fh:
        with pytest.raises(ImageRejected) as caught:
            inspect_upload(
                fh,
                name=hostile.name,
                max_bytes=PORTAL_MAX_BYTES,
                max_pixels=PORTAL_MAX_PIXELS,
                max_decoded_bytes=PORTAL_MAX_DECODED,
            )
    assert caught.value.message == heavy_message(hostile)


def test_heavy_files_are_small():
    """Each is a tiny upload: the byte cap alone would let every one through."""
    assert {h.name: len(_built(h)) < 2 * 1024 * 1024 for h in HEAVY} == {
        h.name: True for h in HEAVY
    }


@pytest.mark.parametrize("hostile", HEAVY[:4], ids=str)
def test_heavy_file_through_the_case_form(hostile: Hostile, unit_client, call, media):
    response = post_case(unit_client, call, [upload(hostile.name, _built(hostile))])
    assert response.status_code == 400
    assert response.context["upload_errors"] == [heavy_message(hostile)]
    assert not Photo.objects.exists() and not Case.objects.exists()
    assert stored_files(media) == []


def test_heic_is_held_to_the_same_budget():
    data = plain("HEIF")  # 64 x 48: 12,288 bytes decoded
    with pytest.raises(ImageRejected) as caught:
        inspect_upload(
            io.BytesIO(data), name="a.heic", max_bytes=10**6, max_pixels=10**6,
            max_decoded_bytes=10_000,
        )  # fmt: skip
    assert caught.value.message == (
        '"a.heic" would take 1 MB of memory to process (width × height × frames); at most 1 MB are '
        "allowed. Reduce its size or save it as a JPEG."
    )


def test_a_large_jpeg_is_still_accepted_at_reduced_scale():
    """JPEG is validated at 1/8 scale (draft mode): the budget does not apply to it."""
    data = plain("JPEG", Image.new("RGB", (6000, 4000), "red"))
    info = inspect_upload(
        io.BytesIO(data), name="big.jpg", max_bytes=PORTAL_MAX_BYTES,
        max_pixels=PORTAL_MAX_PIXELS, max_decoded_bytes=PORTAL_MAX_DECODED,
    )  # fmt: skip
    assert (info.format, info.width, info.height) == ("JPEG", 6000, 4000)


def test_the_rendition_refuses_a_stored_file_over_the_budget():
    """The photo task and the publication exports render stored files: same budget."""
    with pytest.raises(ImageRejected) as caught:
        render_variant(io.BytesIO(png_solid()), max_side=1600)
    assert caught.value.message == (
        '"photo" would take 153 MB of memory to process (width × height × frames); at most 96 MB '
        "are allowed. Reduce its size or save it as a JPEG."
    )
    assert images.MAX_DECODED_BYTES == PORTAL_MAX_DECODED


# ------------------------------------------------------------------ CPU per request


def test_files_past_the_request_cpu_budget_are_refused_by_name(unit_client, call, media, settings):
    settings.PHOTO_REQUEST_CPU_SECONDS = 0  # spent as soon as one file is checked
    response = post_case(
        unit_client, call, [upload("first.png", plain("PNG")), upload("second.png", plain("PNG"))]
    )
    assert response.status_code == 400
    assert response.context["upload_errors"] == [
        '"second.png" was not checked: the photos of this form took too long. '
        "Save the form again to upload it."
    ]
    # the first is kept, staged, for the next save (the form shows it)
    photo = Photo.objects.get()
    assert (photo.original_name, photo.case) == ("first.png", None)
    assert stored_files(media) == [photo.image.name]


# ------------------------------------------------------------------ nothing orphaned


def test_a_crashed_request_leaves_no_file(unit_client, call, media, monkeypatch):
    """The worker's timeout (SystemExit) during the second file: the first file, already
    written, goes with its rolled-back row."""
    real_open = Image.open
    opened: list[object] = []

    def open_then_time_out(fp, *args, **kwargs):
        opened.append(fp)
        if len(opened) > 3:  # the first file: validated, cleaned, checked; then the second
            raise SystemExit(1)
        return real_open(fp, *args, **kwargs)

    monkeypatch.setattr(Image, "open", open_then_time_out)
    with pytest.raises(SystemExit):
        post_case(
            unit_client,
            call,
            [upload("first.png", plain("PNG")), upload("second.png", plain("PNG"))],
        )
    assert not Photo.objects.exists()
    assert stored_files(media) == []
