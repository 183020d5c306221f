"""A large request body is taken only on an upload URL from a signed-in user (issue 12, finding 9):
any other request announcing more than DATA_UPLOAD_MAX_MEMORY_SIZE is answered 413 before its
body is read. The client announces a large Content-Length and streams a small body that counts
what the server reads."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse
from django.utils import translation

from core.uploads import upload_limit
from submissions.models import Photo

from .submissions.test_views import _create_url, _photo_rows, _text

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
TOO_LARGE_EN = "The upload is too large"
BOUNDARY = "BoUnDaRyXyZ"


class CountingStream(io.RawIOBase):
    """A request body that records how many bytes the server read."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        chunk = self.data.read(-1 if size is None else size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        chunk = self.data.readline(-1 if size is None else size)
        self.bytes_read += len(chunk)
        return chunk


def multipart_start() -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode() + b"\xff" * 4096


def post_announcing(client, url: str, length: int, **extra) -> tuple[object, CountingStream]:
    stream = CountingStream(multipart_start())
    response = client.generic(
        "POST",
        url,
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": stream},
        **extra,
    )
    return response, stream


def test_anonymous_150_mb_post_to_login_is_refused_unread(client):
    response, stream = post_announcing(
        client, reverse("accounts:login"), 150 * MB, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 413
    assert stream.bytes_read == 0
    body = response.content.decode()
    assert f"<title>{TOO_LARGE_EN}</title>" in body
    assert "(at most 10 MB)" in body
    assert response["Connection"] == "close"


def test_the_413_page_is_translated(client):
    response, stream = post_announcing(
        client, reverse("accounts:login"), 150 * MB, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert (response.status_code, stream.bytes_read) == (413, 0)
    body = response.content.decode()
    with translation.override("zh-hans"):
        title = translation.gettext(TOO_LARGE_EN)
    assert '<html lang="zh-hans">' in body
    assert f"<title>{title}</title>" in body


def test_anonymous_post_to_an_upload_url_is_refused_unread(client, call):
    response, stream = post_announcing(client, _create_url(call), 50 * MB)

    assert (response.status_code, stream.bytes_read) == (413, 0)


def test_signed_in_post_to_a_page_without_uploads_is_refused_unread(client, user_a):
    client.force_login(user_a)

    response, stream = post_announcing(client, reverse("accounts:password_change"), 50 * MB)

    assert (response.status_code, stream.bytes_read) == (413, 0)


def test_signed_in_post_over_the_upload_limit_is_refused_unread(client, call, user_a):
    client.force_login(user_a)

    response, stream = post_announcing(
        client, _create_url(call), settings.UPLOAD_MAX_REQUEST_BYTES + 1
    )

    assert (response.status_code, stream.bytes_read) == (413, 0)


def test_signed_in_upload_over_the_small_limit_is_taken(client, call, user_a):
    """A 12 MB photo — more than DATA_UPLOAD_MAX_MEMORY_SIZE — reaches the form and is checked."""
    client.force_login(user_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    big = SimpleUploadedFile("大照片.jpg", b"\xff\xd8" + b"\0" * (12 * MB), "image/jpeg")

    response = client.post(
        _create_url(call),
        {**_text(), "save": "1", **_photo_rows({"image": big, "caption": "■", "position": "1"})},
    )

    assert response.status_code == 400
    # the image check's own message (submissions/images.py), which names the file
    [error] = response.context["upload_errors"]
    assert "大照片.jpg" in error and "is not a valid JPEG" in error
    assert Photo.objects.count() == 0


def test_import_page_takes_the_import_limit(org_client, call, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 200 * MB
    url = reverse("submissions:import_start", args=[call.slug])

    over, over_stream = post_announcing(org_client, url, 202 * MB)

    assert (over.status_code, over_stream.bytes_read) == (413, 0)
    assert "(at most 201 MB)" in over.content.decode()


def _marked_url_names(patterns, prefix: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            space = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _marked_url_names(pattern.url_patterns, space)
        elif upload_limit(pattern.callback) is not None:
            names.add(f"{prefix}{pattern.name}")
    return names


def test_the_upload_urls_are_the_pages_with_file_fields():
    """The pages README's nginx example lists: change both together."""
    assert _marked_url_names(get_resolver().url_patterns) == {
        "submissions:case_create",
        "submissions:case_edit",
        "submissions:import_start",
        "submissions:unit_import",
        "submissions:call_document_add",
        "judging:judge_import",
        "judging:results_import",
    }
