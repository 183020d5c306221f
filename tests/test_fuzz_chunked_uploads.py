"""The chunk API of the case form's script (submissions/views/uploads.py) with hostile input:
the start form's fields, the chunk's offset header and body, and files that are not what their
name says. Never a server error; a refusal is JSON with the message for that file; the offset
the server holds never passes the announced size."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from submissions.forms import UploadStartForm
from submissions.models import ChunkedUpload, Photo

from .factories import jpeg_bytes
from .fuzzkit import (
    FUZZ,
    FUZZ_FEW,
    fuzzes,
    hostile,
    hostile_content,
    hostile_filename,
    hostile_number,
    hostile_small,
)

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

hostile_id = st.one_of(hostile_small, hostile_number.filter(lambda s: len(s) < 1000))
ANSWERS = (201, 400)


def _json_answer(response, allowed) -> dict:
    assert response.status_code in allowed, (response.status_code, response.content[:300])
    data = response.json()
    if response.status_code >= 400:
        assert isinstance(data["error"], str) and data["error"].strip() != ""
    return data


@fuzzes(UploadStartForm)
@FUZZ
@given(
    call_slug=st.one_of(hostile_small, st.just("civic-2026")),
    case=hostile_id,
    kind=st.one_of(hostile_small, st.sampled_from(["photo", "attachment"])),
    field=hostile_id,
    name=st.one_of(hostile, hostile_filename),
    size=hostile_number,
)
def test_upload_start_hostile(client, call, user_a, call_slug, case, kind, field, name, size):
    client.force_login(user_a)
    response = client.post(
        reverse("submissions:upload_create"),
        {"call": call_slug, "case": case, "kind": kind, "field": field, "name": name, "size": size},
    )

    data = _json_answer(response, ANSWERS)
    if response.status_code == 201:
        upload = ChunkedUpload.objects.get(uid=data["id"])
        assert (upload.user, upload.call, upload.offset) == (user_a, call, 0)
        assert "\x00" not in upload.original_name and len(upload.original_name) <= 255


@FUZZ
@given(
    offset=st.one_of(hostile_small, hostile_number, st.integers(0, 120).map(str)),
    body=st.binary(max_size=200),
)
def test_upload_chunk_hostile(client, call, user_a, offset, body):
    client.force_login(user_a)
    upload = ChunkedUpload.objects.create(
        user=user_a, call=call, kind="attachment", original_name="a.pdf", size=100
    )
    url = reverse("submissions:upload_detail", args=[upload.uid])

    response = client.generic(
        "PATCH",
        url,
        body,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=offset,
    )

    _json_answer(response, (200, 400, 409))
    held = ChunkedUpload.objects.get(pk=upload.pk).offset
    assert held <= upload.size
    if response.status_code == 200:
        assert held == int(offset) + len(body)


@FUZZ_FEW
@given(
    kind=st.sampled_from(["photo", "attachment"]),
    name=hostile_filename,
    content=hostile_content,
)
def test_upload_finish_hostile_content(client, call, user_a, kind, name, content):
    client.force_login(user_a)
    started = client.post(
        reverse("submissions:upload_create"),
        {"call": call.slug, "kind": kind, "name": name, "size": str(len(content))},
    )
    data = _json_answer(started, ANSWERS)
    if started.status_code != 201:
        return
    chunk = client.generic(
        "PATCH",
        data["url"],
        content,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
    )
    _json_answer(chunk, (200,))

    finished = client.post(data["finish_url"])

    result = _json_answer(finished, (200, 400))
    if finished.status_code == 400:
        assert not ChunkedUpload.objects.filter(uid=data["id"]).exists()
    else:
        assert result["kind"] == kind


def test_a_real_photo_under_a_hostile_name_is_staged_under_that_name(client, call, user_a):
    client.force_login(user_a)
    data = jpeg_bytes(size=(20, 20))
    name = "../../etc/照片\u202e.jpg"
    started = client.post(
        reverse("submissions:upload_create"),
        {"call": call.slug, "kind": "photo", "name": name, "size": str(len(data))},
    ).json()
    client.generic(
        "PATCH",
        started["url"],
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
    )

    finished = client.post(started["finish_url"]).json()

    photo = Photo.objects.get(pk=finished["id"])
    assert photo.original_name == name
    assert photo.image.name.startswith("photos/") and ".." not in photo.image.name
