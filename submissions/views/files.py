"""Photo and attachment downloads, always through the visibility policy (404 for outsiders)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404

from core.files import attachment_type, image_type, serve_protected

from .. import selectors


@login_required
def photo_file(request, uid, variant):
    photo = selectors.photos_visible_to(request.user).filter(uid=uid).first()
    if photo is None or variant not in ("original", "web", "thumb"):
        raise Http404
    if variant == "original":
        return serve_protected(
            photo.image,
            content_type=image_type(photo.extension),
            filename=f"{photo.uid.hex}{photo.extension}",
        )
    shown = photo.rendition(variant)
    return serve_protected(shown.file, content_type=shown.content_type, filename=shown.filename)


@login_required
def attachment_file(request, uid):
    att = selectors.attachments_visible_to(request.user).filter(uid=uid).first()
    if att is None:
        raise Http404
    return serve_protected(
        att.file,
        content_type=attachment_type(att.extension),
        filename=att.original_name,
        attachment=True,
    )
