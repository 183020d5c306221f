"""The site's logo: an uploaded image checked by decoding it with Pillow (never by its name),
within a size and pixel cap, and stored re-encoded as a small PNG under a server-made name (so
nothing of the upload but its pixels is kept)."""

import io

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

#: The largest logo file accepted.
LOGO_MAX_BYTES = 2 * 1024 * 1024
#: The largest picture accepted (width × height), checked before the pixels are decoded.
LOGO_MAX_PIXELS = 16_000_000
#: The stored logo fits in this box (pixels); the header shows it 40 px high.
LOGO_BOX = (600, 240)
#: What Pillow must find in the file.
LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}


def logo_png(upload: UploadedFile) -> bytes:
    """The logo as a PNG of at most LOGO_BOX, or ValidationError naming the file."""
    name = upload.name or "logo"
    if not upload.size:
        raise ValidationError(_("“%(name)s” is empty (0 bytes)."), params={"name": name})
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)d MB."),
            code="too_large",
            params={"name": name, "mb": LOGO_MAX_BYTES // (1024 * 1024)},
        )
    upload.seek(0)
    data = upload.read()
    refused = ValidationError(
        _("“%(name)s” is not a PNG, JPEG or WebP picture, or it is damaged."),
        code="image",
        params={"name": name},
    )
    too_large = ValidationError(
        _("“%(name)s” is too large a picture: at most %(n)d million pixels."),
        code="too_many_pixels",
        params={"name": name, "n": LOGO_MAX_PIXELS // 1_000_000},
    )
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in LOGO_FORMATS:
                raise refused
            if img.width * img.height > LOGO_MAX_PIXELS:
                raise too_large
            img.load()
            picture = img.convert("RGBA")
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise too_large from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise refused from exc
    picture.thumbnail(LOGO_BOX)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()
