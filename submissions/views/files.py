"""Photo and attachment downloads, always through the visibility policy (404 for outsiders)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404

from core.files import serve_file

from .. import selectors

ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".heic": "image/heic",
}


@login_required
def photo_file(request, uid, variant):
    photo = selectors.photos_visible_to(request.user).filter(uid=uid).first()
    if photo is None or variant not in ("original", "web", "thumb"):
        raise Http404
    if variant == "original":
        return serve_file(
            photo.image,
            content_type=CONTENT_TYPES.get(photo.extension, "image/jpeg"),
            filename=f"{photo.uid.hex}{photo.extension}",
        )
    field = getattr(photo, variant)
    if not field:  # not processed yet (or failed): fall back to the original
        field = photo.image
    return serve_file(
        field,
        content_type="image/jpeg"
        if field is not photo.image
        else CONTENT_TYPES.get(photo.extension, "image/jpeg"),
    )


@login_required
def attachment_file(request, uid):
    att = selectors.attachments_visible_to(request.user).filter(uid=uid).first()
    if att is None:
        raise Http404
    kind = ATTACHMENT_TYPES.get(att.extension, "application/octet-stream")
    return serve_file(att.file, content_type=kind, filename=att.original_name, attachment=True)
