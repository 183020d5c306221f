"""core: serving protected files and the content types of stored files."""

import inspect

import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from django.urls import URLResolver, get_resolver

from core.files import accel_path, attachment_type, image_type, serve_protected

from .access import FILE_URLS
from .submissions.casekit import TINY_JPEG, attachment_add, photo_add

pytestmark = pytest.mark.django_db


def test_serve_protected_answers_privately_with_the_file():
    photo = photo_add()
    response = serve_protected(
        photo.image, content_type="image/jpeg", filename=f"{photo.uid.hex}.jpg"
    )
    assert b"".join(response.streaming_content) == TINY_JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="{photo.uid.hex}.jpg"'


def test_serve_protected_is_404_for_an_empty_or_missing_file():
    photo = photo_add()
    with pytest.raises(Http404):
        serve_protected(photo.web, content_type="image/jpeg")
    photo.web.save("w", ContentFile(TINY_JPEG), save=True)
    photo.web.storage.delete(photo.web.name)
    with pytest.raises(Http404):
        serve_protected(photo.web, content_type="image/jpeg")


def test_content_types_by_extension():
    assert image_type(".png") == "image/png"
    assert image_type(".heic") == "image/heic"
    assert image_type(".bmp") == "image/jpeg"
    assert attachment_type(".pdf") == "application/pdf"
    assert attachment_type(".exe") == "application/octet-stream"


def test_serve_protected_hands_the_file_to_nginx_with_the_same_headers(settings):
    """PROTECTED_FILES="nginx": no body, X-Accel-Redirect to the internal location + the stored
    name, and the headers the streamed answer has."""
    photo = photo_add()
    settings.PROTECTED_FILES = "python"
    streamed = serve_protected(
        photo.image, content_type="image/jpeg", filename=f"{photo.uid.hex}.jpg"
    )
    b"".join(streamed.streaming_content)
    settings.PROTECTED_FILES = "nginx"
    settings.PROTECTED_FILES_PREFIX = "/internal-files/"

    response = serve_protected(
        photo.image, content_type="image/jpeg", filename=f"{photo.uid.hex}.jpg"
    )

    assert not response.streaming
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/internal-files/{photo.image.name}"
    assert photo.image.name == f"photos/{photo.uid.hex[:2]}/{photo.uid.hex}.jpg"
    for header in (
        "Content-Type",
        "Content-Disposition",
        "Cache-Control",
        "X-Content-Type-Options",
    ):
        assert response[header] == streamed[header], header


def test_serve_protected_for_nginx_names_an_attachment_as_python_does(settings):
    settings.PROTECTED_FILES = "nginx"
    att = attachment_add(name="方案 说明.pdf")

    response = serve_protected(
        att.file, content_type="application/pdf", filename=att.original_name, attachment=True
    )
    unnamed = serve_protected(att.file, content_type="application/pdf")

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E6%96%B9%E6%A1%88%20%E8%AF%B4%E6%98%8E.pdf"
    )
    assert unnamed["Content-Disposition"] == f'inline; filename="{att.uid.hex}.pdf"'
    assert accel_path("a b/照片.jpg") == "/protected/a%20b/%E7%85%A7%E7%89%87.jpg"


def test_serve_protected_for_nginx_is_404_for_an_empty_or_missing_file(settings):
    settings.PROTECTED_FILES = "nginx"
    photo = photo_add()
    with pytest.raises(Http404):
        serve_protected(photo.web, content_type="image/jpeg")
    photo.image.storage.delete(photo.image.name)
    with pytest.raises(Http404):
        serve_protected(photo.image, content_type="image/jpeg")


def _views_serving_files(patterns, prefix: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            space = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _views_serving_files(pattern.url_patterns, space)
            continue
        try:
            source = inspect.getsource(inspect.unwrap(pattern.callback))
        except (OSError, TypeError):
            continue
        if "serve_protected(" in source:
            names.add(f"{prefix}{pattern.name}")
    return names


def test_the_access_tests_ask_every_file_url_in_both_modes():
    """tests/access.py asks these URLs with PROTECTED_FILES "python" and "nginx"."""
    assert _views_serving_files(get_resolver().url_patterns) == FILE_URLS
