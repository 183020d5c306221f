"""Photo bytes for publishing: web copies of case photos, frozen copies of published ones."""

import io
from typing import BinaryIO, cast

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image

from submissions import images
from submissions.models import Photo
from submissions.services import WEB_SIDE  # a published photo is as large as a web rendition

from .models import PublishedPhoto


def web_copy(photo: Photo) -> tuple[bytes, int, int]:
    """(JPEG bytes, width, height) of a case photo's web rendition, made from the original
    when the rendition is missing (processing pending or failed)."""
    shown = photo.rendition("web")
    assert shown.file.name is not None  # a photo always has its original
    try:
        with shown.file.storage.open(shown.file.name, "rb") as fh:
            if not shown.ready:
                # File proxies read/seek/tell to the open file; the stubs do not say so.
                return images.render_variant(cast(BinaryIO, fh), max_side=WEB_SIDE)
            data = fh.read()
        with Image.open(io.BytesIO(data)) as img:
            return data, img.width, img.height
    except (OSError, images.ImageRejected) as exc:
        raise ValidationError(
            _("A photo of “%(title)s” cannot be read (%(error)s); take it out of the feature."),
            params={"title": photo.case.title if photo.case is not None else "", "error": exc},
        ) from exc


def content_photo_data(content: dict) -> dict[str, bytes]:
    """{key: JPEG bytes} of every photo of a content dict, key as `photo_key` gives it."""
    items = [p for f in content["features"] for p in f["photos"]]
    frozen = [p["uid"] for p in items if p.get("uid")]
    sources = [p["source_uid"] for p in items if not p.get("uid")]
    data: dict[str, bytes] = {}
    for copy in PublishedPhoto.objects.filter(uid__in=frozen):
        assert copy.file.name is not None  # a published photo always has its file
        with copy.file.storage.open(copy.file.name, "rb") as fh:
            data[str(copy.uid)] = fh.read()
    for photo in Photo.objects.filter(uid__in=sources).select_related("case"):
        data[str(photo.uid)] = web_copy(photo)[0]
    return data


def photo_key(item: dict) -> str:
    return item.get("uid") or item["source_uid"]
