"""A large request body is taken only on an upload URL from a signed-in user (issue 12, finding 9):
any other request announcing more than DATA_UPLOAD_MAX_MEMORY_SIZE is answered 413 before its
body is read. The client announces a large Content-Length and streams a small body that counts
what the server reads."""

import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse
from django.utils import translation

from core.uploads import upload_limit
from submissions.models import Photo
from tests.production import REPO

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


def _marked_urls(patterns, prefix: str = "", route: str = "/") -> dict[str, tuple[str, int]]:
    """URL name → (an example path, body limit) of every view marked @takes_uploads."""
    found: dict[str, tuple[str, int]] = {}
    for pattern in patterns:
        here = route + _example(str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            space = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found |= _marked_urls(pattern.url_patterns, space, here)
        elif (limit := upload_limit(pattern.callback)) is not None:
            found[f"{prefix}{pattern.name}"] = (here, limit)
    return found


def _example(route: str) -> str:
    """A path a route matches: <int:…> as 7, any other converter as a slug."""
    route = re.sub(r"<int:[^>]+>", "7", route)
    return re.sub(r"<(?:[a-z]+:)?[^>]+>", "civic-2026", route)


def _nginx_locations() -> tuple[int, list[tuple[re.Pattern[str], int]]]:
    """deploy/nginx/portal.conf's server-wide client_max_body_size and its regex locations with
    their own, in the file's order (nginx takes the first regex that matches), in bytes."""
    text = (REPO / "deploy" / "nginx" / "portal.conf").read_text(encoding="utf-8")
    text = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    server = text[text.index("listen 443 ssl;") :]
    size = re.compile(r"client_max_body_size\s+(\d+)m;")
    blocks = re.findall(r"location\s+~\s+(\S+)\s*\{([^}]*)\}", server)
    locations = []
    for regex, body in blocks:
        limit = size.search(body)
        if limit:
            locations.append((re.compile(regex.strip('"')), int(limit[1]) * MB))
    default = size.search(re.sub(r"location[^{]*\{[^}]*\}", "", server))
    assert default is not None
    return int(default[1]) * MB, locations


def _nginx_limit(path: str) -> int:
    default, locations = _nginx_locations()
    return next((limit for regex, limit in locations if regex.search(path)), default)


def test_the_upload_urls_are_the_pages_with_file_fields():
    """The pages deploy/nginx/portal.conf gives a larger body (the next test): change both
    together."""
    assert set(_marked_urls(get_resolver().url_patterns)) == {
        "submissions:case_create",
        "submissions:case_edit",
        "submissions:import_start",
        "submissions:unit_import",
        "submissions:call_document_add",
        "judging:judge_import",
        "judging:results_import",
    }


def test_nginx_takes_on_each_upload_url_exactly_the_portals_limit():
    """deploy/nginx/portal.conf: client_max_body_size of the location an upload URL falls in is
    the portal's limit for it (rounded up to a megabyte), 10 MB everywhere else: nginx refuses
    what the portal would, before buffering it, and nothing the portal would take."""
    default, locations = _nginx_locations()
    assert default == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    marked = _marked_urls(get_resolver().url_patterns)
    for name, (path, limit) in marked.items():
        assert _nginx_limit(path) == -(-limit // MB) * MB, (name, path)
    # Every large location serves some upload URL; other pages keep the small limit.
    for regex, _ in locations:
        assert any(regex.search(path) for path, _ in marked.values()), regex.pattern
    for path in ("/accounts/login/", "/collect/calls/civic-2026/", "/judging/review/7/"):
        assert _nginx_limit(path) == default, path
