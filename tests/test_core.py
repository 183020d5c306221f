"""core: serving protected files and the content types of stored files."""

import pytest
from django.core.files.base import ContentFile
from django.http import Http404

from core.files import attachment_type, image_type, serve_protected

from .submissions.casekit import TINY_JPEG, photo_add

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
