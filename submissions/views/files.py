"""Photo and attachment downloads, always through the visibility policy (404 for outsiders)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from .. import selectors

ATTACHMENT_TYPES = {
    ".pdf": "application/pdf", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
                 ".heic": "image/heic"}


def _serve(field, *, content_type, filename=None, attachment=False):
    if not field:
        raise Http404
    try:
        fh = field.storage.open(field.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(fh, content_type=content_type, as_attachment=attachment,
                            filename=filename)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def photo_file(request, uid, variant):
    photo = selectors.photos_visible_to(request.user).filter(uid=uid).first()
    if photo is None or variant not in ("original", "web", "thumb"):
        raise Http404
    if variant == "original":
        return _serve(photo.image, content_type=CONTENT_TYPES.get(photo.extension, "image/jpeg"),
                      filename=f"{photo.uid.hex}{photo.extension}")
    field = getattr(photo, variant)
    if not field:  # not processed yet (or failed): fall back to the original
        field = photo.image
    return _serve(field, content_type="image/jpeg" if field is not photo.image else
                  CONTENT_TYPES.get(photo.extension, "image/jpeg"))


@login_required
def attachment_file(request, uid):
    att = selectors.attachments_visible_to(request.user).filter(uid=uid).first()
    if att is None:
        raise Http404
    kind = ATTACHMENT_TYPES.get(att.extension, "application/octet-stream")
    return _serve(att.file, content_type=kind,
                  filename=att.original_name, attachment=True)
