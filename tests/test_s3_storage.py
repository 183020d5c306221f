"""MEDIA_STORAGE=s3: the media in a private bucket of an S3-compatible object store, through a
real S3 API (moto's server, tests/s3kit.py). What a user would notice: photos uploaded both
ways land in the bucket with their renditions, the unit and a judge open them through the
portal and an outsider gets 404; certificates with a seal are drawn and zipped from the bucket;
the orphan sweep lists the bucket and keeps what rows point to; a configuration that cannot
work is refused at start with a message saying what to set."""

import base64
import io
import os
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pypdfium2
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db.models import FileField
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from certificates import services as certificate_services
from certificates.archive import stream_zip
from certificates.models import Certificate
from publishing import exports
from publishing.models import PublishedPhoto
from submissions import services, services_uploads
from submissions.models import Case, Photo

from .certificates.kit import design, final_call, generate, png_upload
from .factories import jpeg_bytes, jpeg_upload
from .judging.setupkit import judge_profile, make_round
from .publishing.kit import published_series
from .s3kit import Bucket, s3_endpoint_fixture, s3_media_fixture  # noqa: F401 — fixtures
from .submissions.casekit import attachment_add, case_with_photos
from .submissions.test_upload_views import _upload
from .submissions.test_views import _create_url, _photo_rows, _text

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def _photo_keys(photo: Photo) -> list[str]:
    return sorted(n for n in (photo.image.name, photo.web.name, photo.thumb.name) if n)


def _processed_photo_in_the_bucket(photo: Photo, bucket: Bucket) -> None:
    photo.refresh_from_db()
    assert photo.processing == Photo.Processing.DONE
    keys = _photo_keys(photo)
    assert len(keys) == 3
    assert set(keys) <= set(bucket.keys())
    # The original and both renditions are JPEGs read back from the bucket itself.
    for key in keys:
        assert bucket.read(key)[:3] == b"\xff\xd8\xff"
        assert bucket.grants(key) == [("CanonicalUser", "FULL_CONTROL")]  # private: owner only


def test_every_file_field_stores_in_the_bucket(s3_media):
    storage = storages["default"]
    assert type(storage).__name__ == "PrivateS3Storage"
    assert (storage.bucket_name, storage.default_acl, storage.file_overwrite) == (
        s3_media.name,
        None,  # no ACL header: the private bucket decides (S3_DEFAULT_ACL=private sends one)
        False,
    )
    fields = [
        f for model in apps.get_models() for f in model._meta.fields if isinstance(f, FileField)
    ]
    assert len(fields) >= 10  # photos, renditions, attachments, certificates, published copies…
    for field in fields:
        assert field.storage is default_storage, f"{field.model.__name__}.{field.name}"
        assert field.storage.bucket_name == s3_media.name


def test_no_page_gives_out_an_address_of_the_bucket(s3_media, s3_endpoint, admin_client):
    """Django asks a file for its URL in places such as the admin's file widgets; S3Storage
    would answer a presigned URL (the store's address and the key's id, readable past every
    access check). PrivateS3Storage answers MEDIA_URL + name, which the portal never serves."""
    case = case_with_photos(photos=1)
    photo = case.photos.get()
    assert default_storage.url(photo.image.name) == f"/media/{photo.image.name}"
    page = admin_client.get(reverse("admin:submissions_photo_change", args=[photo.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and photo.image.name in html
    for leak in (s3_endpoint, "X-Amz-", "AWSAccessKeyId", s3_media.name):
        assert leak not in html
    assert admin_client.get(f"/media/{photo.image.name}").status_code == 404


def test_chunked_photo_goes_to_the_bucket_and_the_unit_and_a_judge_open_it(
    s3_media, client, call, user_a, user_b
):
    client.force_login(user_a)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the photo task runs eagerly
        staged = _upload(client, call, jpeg_bytes(size=(900, 600)), name="现场.jpg")
    photo = Photo.objects.get(pk=staged["id"])
    _processed_photo_in_the_bucket(photo, s3_media)
    # The partial file stayed in the local partial folder and is gone; none reached the bucket.
    assert not any("partial" in key for key in s3_media.keys())
    assert list(services_uploads.partial_dir().glob("*.part")) == []

    response = client.post(
        _create_url(call),
        {**_text(), **_photo_rows({"photo": str(photo.pk), "caption": "■现场", "position": "1"})}
        | {"save": "1"},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    thumb_url = reverse("submissions:photo_file", args=[photo.uid, "thumb"])
    thumb = client.get(thumb_url)
    stored = s3_media.read(photo.thumb.name)
    assert (thumb.status_code, thumb["Content-Type"]) == (200, "image/jpeg")
    assert (thumb["Content-Length"], thumb["Cache-Control"]) == (
        str(len(stored)),
        "private, max-age=3600",
    )
    assert b"".join(thumb.streaming_content) == stored
    original = client.get(reverse("submissions:photo_file", args=[photo.uid, "original"]))
    assert b"".join(original.streaming_content) == s3_media.read(photo.image.name)

    Case.objects.filter(pk=case.pk).update(status=Case.Status.ACCEPTED)
    judge = judge_profile("judge-s3")
    make_round(call, judges=[judge], cases=[case], k=1)
    client.force_login(judge.user)
    web = client.get(reverse("judging:review_photo", kwargs={"uid": photo.uid, "variant": "web"}))
    assert web.status_code == 200
    assert b"".join(web.streaming_content) == s3_media.read(photo.web.name)

    client.force_login(user_b)
    assert client.get(thumb_url).status_code == 404


def test_a_photo_of_the_plain_form_goes_to_the_bucket_with_its_renditions(
    s3_media, client, call, user_a
):
    client.force_login(user_a)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            _create_url(call),
            {
                **_text(),
                **_photo_rows(
                    {
                        "image": jpeg_upload("a.jpg", size=(800, 500)),
                        "caption": "■一",
                        "position": "1",
                    }
                ),
                "save": "1",
            },
        )
    assert response.status_code == 302
    photo = Case.objects.get().photos.get()
    _processed_photo_in_the_bucket(photo, s3_media)
    web = client.get(reverse("submissions:photo_file", args=[photo.uid, "web"]))
    assert web.status_code == 200
    assert b"".join(web.streaming_content) == s3_media.read(photo.web.name)


def test_a_file_missing_from_the_bucket_is_a_404_not_an_error(
    s3_media, client, call, unit_a, user_a
):
    client.force_login(user_a)
    case = case_with_photos(photos=1, call=call, unit=unit_a)
    att = attachment_add(case)
    url = reverse("submissions:attachment_file", args=[att.uid])
    present = client.get(url)
    assert (present.status_code, present["Content-Type"]) == (200, "application/pdf")
    assert b"".join(present.streaming_content) == s3_media.read(att.file.name)
    s3_media.client.delete_object(Bucket=s3_media.name, Key=att.file.name)

    assert client.get(url).status_code == 404
    photo = case.photos.get()
    assert (
        client.get(reverse("submissions:photo_file", args=[photo.uid, "original"])).status_code
        == 200
    )


def _red_pixels(pdf: bytes) -> int:
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB")
    return sum(1 for r, g, b in image.get_flattened_data() if r > 150 and g < 110 and b < 110)


def test_certificates_with_a_seal_are_drawn_and_zipped_from_the_bucket(s3_media):
    call = final_call(top=1, excellent=0)
    with_seal = design(call, seal=png_upload())
    assert with_seal.seal.name in s3_media.keys()
    generate(call)
    cert = Certificate.objects.get()
    assert cert.pdf.name in s3_media.keys()
    pdf = s3_media.read(cert.pdf.name)
    assert pdf.startswith(b"%PDF-")
    # The red seal ring is on the page: read from the bucket, not from a local path.
    unsealed = certificate_services.preview_pdf(design=design(call, remove_seal=True))
    assert _red_pixels(pdf) - _red_pixels(unsealed) > 500

    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream_zip([cert]))))
    assert [archive.read(n) for n in archive.namelist()] == [pdf]


def test_the_orphan_sweep_lists_the_bucket_and_keeps_what_rows_point_to(s3_media):
    case = case_with_photos(photos=1)
    photo = case.photos.get()
    att = attachment_add(case)
    orphan = default_storage.save(
        "photos/ab/abababababababababababababababab.jpg", ContentFile(b"x")
    )
    outside = "backups/keep-me.txt"  # not an upload folder: never touched
    s3_media.put(outside, b"operator's file")
    before = set(s3_media.keys())
    assert {orphan, photo.image.name, att.file.name, outside} <= before

    # Written just now: within the grace period, nothing goes.
    assert services.storage_orphans_remove(actor=None) == []
    # Past it (every object counts as old), only the orphan goes.
    removed = services.storage_orphans_remove(
        older_than=timezone.now() + timedelta(minutes=1), actor=None
    )

    assert removed == [orphan]
    assert set(s3_media.keys()) == before - {orphan}


def test_a_published_installment_freezes_its_photos_in_the_bucket_and_the_wechat_export_holds_them(
    s3_media, editor
):
    series = published_series(cases=1, photos=2, editor=editor)
    inst = series.installments.get()
    copies = list(PublishedPhoto.objects.filter(version__installment=inst).order_by("pk"))
    assert len(copies) == 2
    assert {c.file.name for c in copies} <= set(s3_media.keys())

    export = exports.export_installment(installment=inst, fmt="wechat.html", published=True)

    html = export.data.decode("utf-8")
    for copy in copies:
        data = base64.b64encode(s3_media.read(str(copy.file.name))).decode("ascii")
        assert f"data:image/jpeg;base64,{data}" in html


# ---- the configuration, as the portal reads it at start -----------------------------------------


def _check(variables: dict) -> subprocess.CompletedProcess:
    """`manage.py check` with only `variables` set (a laptop's DEBUG=true, no .env)."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    env.update(DJANGO_SETTINGS_MODULE="civiccases.settings", DEBUG="true", **variables)
    code = (
        "import django; django.setup(); from django.core.files.storage import storages; "
        "print(type(storages['default']).__name__)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_media_stay_in_the_local_folder_unless_the_settings_ask_for_a_bucket():
    result = _check({})
    assert (result.returncode, result.stdout) == (0, "FileSystemStorage\n"), result.stderr
    result = _check({"MEDIA_STORAGE": "s3", "S3_BUCKET": "portal-media"})
    assert (result.returncode, result.stdout) == (0, "PrivateS3Storage\n"), result.stderr


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"MEDIA_STORAGE": "s3", "S3_BUCKET": "portal-media", "PROTECTED_FILES": "nginx"},
            "MEDIA_STORAGE=s3 needs PROTECTED_FILES=python: nginx (X-Accel-Redirect) can only "
            "send files from a local folder, and the media files are in the bucket. Set "
            "PROTECTED_FILES=python (the portal then streams each file from the bucket after "
            "its access check).",
        ),
        ({"MEDIA_STORAGE": "s3"}, "MEDIA_STORAGE=s3 needs S3_BUCKET (the bucket's name)"),
        (
            {"MEDIA_STORAGE": "s3", "S3_BUCKET": "b", "S3_ACCESS_KEY": "k"},
            "MEDIA_STORAGE=s3 needs both S3_ACCESS_KEY and S3_SECRET_KEY, or neither (then "
            "boto3 finds credentials itself: AWS_* variables, its config file, an instance role)",
        ),
        ({"MEDIA_STORAGE": "minio"}, 'MEDIA_STORAGE must be "local" or "s3", not \'minio\''),
    ],
)
def test_a_media_storage_that_cannot_work_is_refused_at_start(variables, message):
    result = _check(variables)
    assert result.returncode != 0
    assert f"django.core.exceptions.ImproperlyConfigured: {message}\n" in result.stderr
