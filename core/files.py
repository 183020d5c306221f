"""Serving a stored file to someone a view has already allowed to see it."""

from django.http import FileResponse, Http404


def serve_file(field, *, content_type, filename=None, attachment=False) -> FileResponse:
    """A private, briefly cacheable response with the file of `field`; 404 when it is missing.
    The caller checks access (each app's visibility policy) before calling this."""
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
