"""The chunk API as the case form's script uses it (submissions/views/uploads.py): start, send
chunks, ask for the offset, finish; then the form posts only its text and the staged ids. A
connection that really drops mid-chunk (a socket closed by the client) resumes to a
byte-identical file; someone else's staged id is refused."""

import json
import socket
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from submissions import services_uploads as su
from submissions.models import Case, ChunkedUpload, Photo

from ..factories import CaseFactory, jpeg_bytes, unit_user
from .casekit import pdf_bytes
from .test_views import _create_url, _photo_rows, _text

pytestmark = pytest.mark.django_db

CHUNK_TYPE = "application/offset+octet-stream"


def _start(client, call, data: bytes, *, name="现场照片.jpg", kind="photo", **extra):
    response = client.post(
        reverse("submissions:upload_create"),
        {"call": call.slug, "kind": kind, "name": name, "size": str(len(data)), **extra},
    )
    return response


def _patch(client, url: str, data: bytes, offset: int):
    return client.generic(
        "PATCH", url, data, content_type=CHUNK_TYPE, HTTP_UPLOAD_OFFSET=str(offset)
    )


def _upload(client, call, data: bytes, *, chunk: int = 700, name="现场照片.jpg") -> dict:
    started = _start(client, call, data, name=name)
    assert started.status_code == 201, started.content
    state = started.json()
    for offset in range(0, len(data), chunk):
        response = _patch(client, state["url"], data[offset : offset + chunk], offset)
        assert response.status_code == 200, response.content
        assert response.json() == {"offset": min(len(data), offset + chunk)}
    finished = client.post(state["finish_url"])
    assert finished.status_code == 200, finished.content
    return finished.json()


@pytest.fixture
def unit_client(client, user_a):
    client.force_login(user_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_start_answers_where_to_send_the_chunks(unit_client, call, settings):
    settings.UPLOAD_CHUNK_MAX_BYTES = 4096

    response = _start(unit_client, call, b"x" * 10000)

    upload = ChunkedUpload.objects.get()
    url = reverse("submissions:upload_detail", args=[upload.uid])
    assert response.status_code == 201
    assert response["Location"] == url
    assert response.json() == {
        "id": str(upload.uid),
        "url": url,
        "finish_url": reverse("submissions:upload_finish", args=[upload.uid]),
        "offset": 0,
        "size": 10000,
        "chunk": 4096,
    }


def test_a_refused_start_gives_the_forms_message_for_that_file(unit_client, call):
    call.max_photo_mb = 2
    call.save()

    response = _start(unit_client, call, b"x" * (3 * 1024 * 1024), name="大图.jpg")

    assert response.status_code == 400
    assert response.json() == {"error": '"大图.jpg" is larger than the limit of 2 MB.'}


def test_a_refused_start_is_in_chinese_for_a_chinese_page(client, user_a, call):
    client.force_login(user_a)

    response = client.post(
        reverse("submissions:upload_create"),
        {"call": call.slug, "kind": "photo", "name": "a.jpg.html", "size": "10"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "“a.jpg.html”未被接受：文件名中含有“.html”，浏览器会把它当作网页或脚本打开。"
        "请给文件改名后重新上传。"
    }


def test_a_staged_photo_is_posted_by_id_and_the_order_is_the_posted_positions(
    unit_client, call, user_a
):
    first = _upload(unit_client, call, jpeg_bytes(size=(120, 80)), name="一.jpg")
    second = _upload(unit_client, call, jpeg_bytes(size=(90, 60)), name="二.jpg")

    assert first["kind"] == "photo" and first["name"] == "一.jpg"
    assert first["thumb"] == reverse(
        "submissions:photo_file", args=[Photo.objects.get(pk=first["id"]).uid, "thumb"]
    )
    response = unit_client.post(
        _create_url(call),
        {
            **_text(),
            **_photo_rows(
                {"photo": str(second["id"]), "caption": "第二张放前面", "position": "1"},
                {"photo": str(first["id"]), "caption": "", "position": "2"},
            ),
            "save": "1",
        },
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert list(case.photos.values_list("original_name", "caption", "position")) == [
        ("二.jpg", "第二张放前面", 1),
        ("一.jpg", "", 2),
    ]


def test_the_offset_is_asked_with_head_after_a_lost_answer(unit_client, call):
    data = b"%PDF-" + b"z" * 2995
    state = _start(unit_client, call, data, kind="attachment", name="a.pdf").json()
    assert _patch(unit_client, state["url"], data[:1000], 0).status_code == 200

    head = unit_client.head(state["url"])
    again = _patch(unit_client, state["url"], data[:1000], 0)  # the same chunk sent twice

    assert (head.status_code, head["Upload-Offset"]) == (200, "1000")
    assert again.status_code == 409
    assert again.json() == {"error": "The upload continues at another place.", "offset": 1000}


def test_a_chunk_over_the_limit_is_refused_unread(unit_client, call, settings):
    settings.UPLOAD_CHUNK_MAX_BYTES = 1000
    state = _start(unit_client, call, b"x" * 5000, kind="attachment", name="a.pdf").json()

    response = _patch(unit_client, state["url"], b"x" * 1001, 0)

    assert response.status_code == 413
    assert response.json() == {"error": "A chunk may be at most 1000 bytes.", "offset": 0}


def test_a_chunk_needs_the_csrf_token(client, user_a, call):
    unit_client = Client(enforce_csrf_checks=True)
    unit_client.force_login(user_a)
    upload = ChunkedUpload.objects.create(
        user=user_a, call=call, kind="attachment", original_name="a.pdf", size=10
    )
    url = reverse("submissions:upload_detail", args=[upload.uid])

    response = _patch(unit_client, url, b"x" * 10, 0)

    assert response.status_code == 403
    assert ChunkedUpload.objects.get().offset == 0


def test_a_colleagues_upload_and_staged_photo_are_refused(client, user_a, unit_a, call):
    """Staged files are their uploader's: a colleague of the same unit can neither continue,
    finish nor delete the upload, and posting its photo's id attaches nothing."""
    client.force_login(user_a)
    data = jpeg_bytes(size=(40, 30))
    staged = _upload(client, call, data)
    upload = ChunkedUpload.objects.get()
    colleague = unit_user(unit_a, username="alice-colleague")
    client.force_login(colleague)

    answers = [
        client.get(reverse("submissions:upload_detail", args=[upload.uid])).status_code,
        _patch(
            client, reverse("submissions:upload_detail", args=[upload.uid]), b"x", 0
        ).status_code,
        client.post(reverse("submissions:upload_finish", args=[upload.uid])).status_code,
        client.delete(reverse("submissions:upload_detail", args=[upload.uid])).status_code,
    ]
    response = client.post(
        _create_url(call),
        {
            **_text(title="同事的案例"),
            **_photo_rows({"photo": str(staged["id"]), "caption": "", "position": "1"}),
            "save": "1",
        },
    )

    assert answers == [404, 404, 404, 404]
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.photos.count() == 0
    assert Photo.objects.get(pk=staged["id"]).case_id is None
    assert ChunkedUpload.objects.get().photo_id == staged["id"]


def test_the_form_shows_staged_photos_again_after_the_browser_was_closed(unit_client, call):
    staged = _upload(unit_client, call, jpeg_bytes(size=(40, 30)), name="留着的.jpg")

    page = unit_client.get(_create_url(call)).content.decode()

    assert f'name="photos-0-photo" value="{staged["id"]}"' in page
    assert "留着的.jpg" in page


def _raw_patch(
    base: str, path: str, cookies: str, token: str, offset: int, chunk: bytes, announce: int
):
    """A PATCH over a real socket that announces `announce` bytes, sends `chunk` and closes:
    the connection drops mid-chunk, as on a weak mobile network."""
    host = urlsplit(base)
    with socket.create_connection((host.hostname, host.port), timeout=10) as sock:
        head = (
            f"PATCH {path} HTTP/1.1\r\nHost: {host.netloc}\r\nCookie: {cookies}\r\n"
            f"X-CSRFToken: {token}\r\nUpload-Offset: {offset}\r\n"
            f"Content-Type: {CHUNK_TYPE}\r\nContent-Length: {announce}\r\n\r\n"
        )
        sock.sendall(head.encode() + chunk)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while block := sock.recv(65536):
            answer += block
    return answer


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_mid_chunk_resumes_to_a_byte_identical_file(live_server, user_a, call):
    from django.middleware.csrf import _get_new_csrf_string

    client = Client()
    client.force_login(user_a)
    token = _get_new_csrf_string()
    session = django_settings.SESSION_COOKIE_NAME
    cookies = (
        f"{session}={client.cookies[session].value}; {django_settings.CSRF_COOKIE_NAME}={token}"
    )
    data = jpeg_bytes(size=(400, 300))
    upload = su.chunked_upload_create(
        call=call, kind="photo", name="弱网.jpg", size=len(data), actor=user_a
    )
    path = reverse("submissions:upload_detail", args=[upload.uid])
    half = len(data) // 2

    answer = _raw_patch(live_server.url, path, cookies, token, 0, data[:half], announce=len(data))

    assert ChunkedUpload.objects.get().offset == half  # what arrived is kept
    assert b" 400 " in answer.split(b"\r\n", 1)[0]
    client.cookies[django_settings.CSRF_COOKIE_NAME] = token
    head = client.head(path)
    assert head["Upload-Offset"] == str(half)
    rest = client.generic(
        "PATCH", path, data[half:], content_type=CHUNK_TYPE, HTTP_UPLOAD_OFFSET=str(half)
    )
    assert rest.status_code == 200
    assert su.partial_path(upload).read_bytes() == data
    finished = json.loads(
        client.post(reverse("submissions:upload_finish", args=[upload.uid])).content
    )
    assert Photo.objects.get(pk=finished["id"]).original_name == "弱网.jpg"


def test_the_draft_shows_its_staged_files_again_and_a_new_case_does_not(
    unit_client, call, user_a, unit_a
):
    case = CaseFactory(call=call, unit=unit_a, created_by=user_a)
    plan = pdf_bytes()
    started = _start(
        unit_client, call, plan, kind="attachment", name="实施方案.pdf", case=str(case.pk)
    ).json()
    _patch(unit_client, started["url"], plan, 0)
    staged = unit_client.post(started["finish_url"]).json()

    draft = unit_client.get(reverse("submissions:case_edit", args=[case.pk])).content.decode()
    new = unit_client.get(_create_url(call)).content.decode()

    assert f'name="staged_attachment" value="{staged["id"]}"' in draft
    assert "实施方案.pdf" in draft
    assert "实施方案.pdf" not in new


def test_an_upload_for_another_units_case_is_refused(unit_client, call, unit_b):
    other = CaseFactory(call=call, unit=unit_b)

    response = _start(
        unit_client, call, b"x" * 10, kind="attachment", name="a.pdf", case=str(other.pk)
    )

    assert response.status_code == 400
    assert response.json() == {"error": "This case is not one of your unit's cases."}
    assert not ChunkedUpload.objects.exists()
