"""Uploads: which names are refused.

A file whose name carries an extension a browser opens as a page or a script
(`ACTIVE_EXTENSIONS`) anywhere after its first dot is refused by every upload field
(core.fields.UploadField) and by the case rules (submissions.rules.upload_name).
"""

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
