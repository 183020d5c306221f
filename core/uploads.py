"""Uploads: which names are refused, which views take large request bodies, and how large.

Names: a file whose name carries an extension a browser opens as a page or a script
(`ACTIVE_EXTENSIONS`) anywhere after its first dot is refused by every upload field
(core.fields.UploadField) and by the case rules (submissions.rules.upload_name).

Bodies: a view marked with `takes_uploads` accepts a body up to its limit from a signed-in
user; every other request — any URL for an anonymous visitor, any unmarked URL for anyone — is
refused by `civiccases.middleware.RequestBodyLimitMiddleware` when its Content-Length exceeds
DATA_UPLOAD_MAX_MEMORY_SIZE, before a byte of the body is read.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: Extensions a browser renders as a page, runs as a script or treats as markup: "photo.jpg.html"
#: or "plan.svg.pdf", saved under that name and opened later, is a web page whatever its content.
ACTIVE_EXTENSIONS = frozenset(
    {
        "htm",
        "html",
        "xhtml",
        "xht",
        "shtml",
        "mht",
        "mhtml",
        "hta",
        "svg",
        "svgz",
        "xml",
        "xsl",
        "xslt",
        "js",
        "mjs",
        "jsp",
        "php",
        "asp",
        "aspx",
        "swf",
        "vbs",
        "wsf",
    }
)


def name_check(name: str) -> None:
    """Refuse a file name with an extension in ACTIVE_EXTENSIONS anywhere after its first dot
    (case-insensitive, of the name without its folders); the message names the file."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    parts = [p.strip().casefold() for p in base.split(".")[1:]]
    active = next((p for p in parts if p in ACTIVE_EXTENSIONS), None)
    if active is not None:
        raise ValidationError(
            _(
                "“%(name)s” is refused: its name contains “.%(ext)s”, which a browser opens as "
                "a web page or script. Rename the file and upload it again."
            ),
            code="name",
            params={"name": name, "ext": active},
        )


View = TypeVar("View", bound=Callable[..., Any])

#: The attribute a marked view carries: a function returning its body limit in bytes.
LIMIT_ATTRIBUTE = "upload_body_limit"


def form_upload_limit() -> int:
    """Forms with photos, attachments or a table: UPLOAD_MAX_REQUEST_BYTES."""
    return int(settings.UPLOAD_MAX_REQUEST_BYTES)


def takes_uploads(limit: Callable[[], int] = form_upload_limit) -> Callable[[View], View]:
    """Mark a view as an upload URL whose body may reach `limit()` bytes (read per request, so
    a change of settings applies). Put it outermost, above the access decorators."""

    def mark(view: View) -> View:
        setattr(view, LIMIT_ATTRIBUTE, limit)
        return view

    return mark


def upload_limit(view: Callable[..., Any]) -> int | None:
    """The body limit of a marked view, None for any other."""
    limit = getattr(view, LIMIT_ATTRIBUTE, None)
    return limit() if callable(limit) else None
