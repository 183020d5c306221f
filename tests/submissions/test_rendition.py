"""Photo.rendition: the web or thumbnail copy when it is ready, else the original (one rule for
the case pages, the judges' pages and publishing)."""

import pytest
from django.core.files.base import ContentFile

from .casekit import TINY_JPEG, photo_add

pytestmark = pytest.mark.django_db


def test_rendition_is_the_copy_when_ready():
    photo = photo_add()
    photo.web.save("w", ContentFile(TINY_JPEG), save=True)
    shown = photo.rendition("web")
    assert shown.ready is True
    assert shown.file == photo.web
    assert shown.content_type == "image/jpeg"
    assert shown.filename == f"{photo.uid.hex}-web.jpg"


def test_rendition_falls_back_to_the_original_with_its_own_type():
    photo = photo_add()
    photo.extension = ".png"
    shown = photo.rendition("thumb")
    assert shown.ready is False
    assert shown.file == photo.image
    assert shown.content_type == "image/png"
    assert shown.filename == f"{photo.uid.hex}.png"


def test_rendition_refuses_an_unknown_variant():
    with pytest.raises(ValueError, match="unknown photo variant 'original'"):
        photo_add().rendition("original")
