"""Serving a stored file to someone a view has already allowed to see it, and the content types
of the files the portal stores (photos and attachments, known by their checked extension)."""

from django.http import FileResponse, Http404

from .spreadsheet import XLSX_CONTENT_TYPE

#: Photo originals, by extension (renditions are always JPEG).
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".heic": "image/heic",
}
#: Case attachments and call documents, by extension.
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": XLSX_CONTENT_TYPE,  # call documents
}


def image_type(extension: str) -> str:
    """The content type of a photo original with this extension (JPEG when unknown)."""
    return CONTENT_TYPES.get(extension, "image/jpeg")


def attachment_type(extension: str) -> str:
    """The content type of an attachment with this extension (bytes when unknown)."""
    return ATTACHMENT_TYPES.get(extension, "application/octet-stream")


def serve_protected(field, *, content_type, filename=None, attachment=False) -> FileResponse:
    """A private, briefly cacheable response with the file of `field`; 404 when it is missing.
    The caller checks access (each app's visibility policy) before calling this, and names the
    file (`filename`) with nothing the viewer may not see."""
    if not field:
        raise Http404
    try:
        fh = field.storage.open(field.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        fh, content_type=content_type, as_attachment=attachment, filename=filename
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
