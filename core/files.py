"""Serving a stored file to someone a view has already allowed to see it, and the content types
of the files the portal stores (photos and attachments, known by their checked extension).

Who sends the bytes is a setting (PROTECTED_FILES): the worker itself ("python", a streamed
FileResponse), or nginx ("nginx": an empty answer with X-Accel-Redirect to an `internal`
location serving MEDIA_ROOT, deploy/nginx/portal.conf). Access is checked by the view in both
cases, and both answers carry the same Content-Type, Content-Disposition and Cache-Control.
With the media in a bucket (MEDIA_STORAGE=s3) only "python" works, and the settings refuse
"nginx": the file is opened through the storage and streamed to the client."""

import base64
import os
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header

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


def data_uri(data: bytes, content_type: str) -> str:
    """`data` as a data: URI, for a document that must load nothing from anywhere (PDFs,
    exports to paste into the WeChat editor)."""
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def accel_path(name: str) -> str:
    """The internal URI nginx serves the stored file `name` (relative to MEDIA_ROOT) from."""
    return settings.PROTECTED_FILES_PREFIX + quote(name.lstrip("/"), safe="/")


class _ObjectBody:
    """The body of a bucket's object as FileResponse and zipfile read it: `read(n)` straight
    from the HTTP answer of the object store, so the first bytes go out at once and nothing is
    spooled to memory or disk."""

    def __init__(self, body, *, name: str) -> None:
        self._body = body
        self.name = name

    def read(self, size: int = -1) -> bytes:
        return bytes(self._body.read(None if size < 0 else size))

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> "_ObjectBody":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def stored_stream(field):
    """(file-like, length or None) of the stored file of `field`, to read in chunks and close;
    FileNotFoundError when it is missing. A storage that can stream (core.storage's bucket:
    one request, nothing spooled) streams; a folder's file is opened as usual."""
    stream = getattr(field.storage, "stream", None)
    if stream is None:
        return field.storage.open(field.name, "rb"), None
    body, length = stream(field.name)
    return _ObjectBody(body, name=os.path.basename(field.name)), length


def serve_protected(
    field, *, content_type, filename=None, attachment=False
) -> FileResponse | HttpResponse:
    """A private, briefly cacheable response with the file of `field`; 404 when it is missing.
    The caller checks access (each app's visibility policy) before calling this, and names the
    file (`filename`) with nothing the viewer may not see."""
    if not field:
        raise Http404
    response: FileResponse | HttpResponse
    if settings.PROTECTED_FILES == "nginx":
        if not field.storage.exists(field.name):
            raise Http404
        # No body: nginx replaces it with the file (and its length, ranges and validators),
        # keeping Content-Type, Content-Disposition and Cache-Control from this answer.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel_path(field.name)
        # As FileResponse names it: `filename`, else the stored file's own name.
        name = os.path.basename(filename or field.name)
        response["Content-Disposition"] = content_disposition_header(attachment, name)
    else:
        try:
            fh, length = stored_stream(field)
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            fh, content_type=content_type, as_attachment=attachment, filename=filename
        )
        if length is not None:
            response["Content-Length"] = str(length)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
