"""Validation and processing of uploaded case photos (pure Pillow; Django only for gettext)."""

from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageSequence

try:
    from pillow_heif import register_heif_opener

    # Embedded thumbnails/depth/aux images are never needed; do not let a HEIC choose its pixels.
    register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    HEIF_SUPPORTED = True
except Exception:  # noqa: BLE001 - pillow_heif missing or its native library broken
    HEIF_SUPPORTED = False

FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP") + (("HEIF",) if HEIF_SUPPORTED else ())
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic"}
MAX_FRAMES = 100  # animated PNG/WebP, multi-image HEIF
MAX_TOTAL_PIXELS_FACTOR = 4  # all frames together may decode at most 4 * max_pixels
#: Memory the decoded pixels of one file may take (every frame, 4 bytes a pixel as Pillow holds
#: RGB and RGBA), checked from the header before anything is decoded. JPEG is exempt: it is
#: validated at 1/8 scale (draft mode) and stored without decoding.
MAX_DECODED_BYTES = 96 * 1024 * 1024
PIXEL_BYTES = 4
#: libwebp holds its own RGBA canvas while decoding and ARGB + YUV copies while encoding: a WebP
#: counts three times its pixels (bench/hostile_images.py measured 5.5x the decoded size).
WEIGHT = {"WEBP": 3}
ORIENTATION = 0x0112
# EXIF orientation -> Image.Transpose that makes the pixels upright (as ImageOps.exif_transpose)
_TRANSPOSE = {
    o: Image.Transpose(t) for o, t in zip(range(2, 9), (0, 3, 1, 5, 4, 6, 2), strict=True)
}
# Marker segments kept only with this payload prefix (APP0 JFIF, APP2 ICC, APP14 Adobe colour).
_KEEP_APP = {0xE0: b"JFIF\0", 0xE2: b"ICC_PROFILE\0", 0xEE: b"Adobe"}
# Next marker inside entropy-coded data: 0xFF not followed by a stuffed 0x00 or an RSTn marker.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")


class ImageRejected(Exception):
    """An upload that is not an acceptable image; ``message`` is translated and names the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @classmethod
    def invalid(cls, name: str) -> ImageRejected:
        if HEIF_SUPPORTED:
            msg = _('"%(name)s" is not a valid JPEG, PNG, WebP or HEIC image.')
        else:
            msg = _('"%(name)s" is not a valid JPEG, PNG or WebP image.')
        return cls(msg % {"name": name})

    @classmethod
    def damaged(cls, name: str) -> ImageRejected:
        msg = _('"%(name)s" is damaged or incomplete and cannot be read as an image.')
        return cls(msg % {"name": name})

    @classmethod
    def too_many_pixels(cls, name: str, max_pixels: int) -> ImageRejected:
        msg = _('"%(name)s" has too many pixels: at most %(limit)s megapixels are allowed.')
        return cls(msg % {"name": name, "limit": f"{max_pixels / 1_000_000:g}"})

    @classmethod
    def too_many_frames(cls, name: str) -> ImageRejected:
        msg = _('"%(name)s" has too many animation frames.')
        return cls(msg % {"name": name})

    @classmethod
    def too_much_memory(cls, name: str, need: int, limit: int) -> ImageRejected:
        msg = _(
            '"%(name)s" would take %(need)s MB of memory to process (width × height × '
            "frames); at most %(limit)s MB are allowed. Reduce its size or save it as a JPEG."
        )
        return cls(msg % {"name": name, "need": _mb(need), "limit": _mb(limit)})


def _mb(n: int) -> str:
    return f"{math.ceil(n / 1_048_576):d}"


@dataclass(frozen=True)
class ImageInfo:
    """Facts about a validated image. width/height are as displayed (EXIF orientation applied)."""

    format: str  # "JPEG" | "PNG" | "WEBP" | "HEIF"
    width: int
    height: int
    extension: str  # ".jpg" | ".png" | ".webp" | ".heic"
    frames: int


def inspect_upload(
    fileobj: BinaryIO,
    *,
    name: str,
    max_bytes: int,
    max_pixels: int,
    max_decoded_bytes: int = MAX_DECODED_BYTES,
) -> ImageInfo:
    """Validate an upload by decoding it fully; raise ImageRejected, rewind ``fileobj``.

    Its header is checked first (pixels, frames, the memory its frames take decoded), so a
    tiny file declaring a huge image is refused before any pixel is decoded."""
    try:
        if ImageFile.LOAD_TRUNCATED_IMAGES:  # would make truncated uploads pass silently
            raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
        fileobj.seek(0, io.SEEK_END)
        size = fileobj.tell()
        if size == 0:
            raise ImageRejected(_('"%(name)s" is an empty file.') % {"name": name})
        if size > max_bytes:
            msg = _('"%(name)s" is larger than the limit of %(limit)s MB.')
            raise ImageRejected(msg % {"name": name, "limit": f"{max_bytes / 1_048_576:g}"})
        fileobj.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(fileobj, name, max_pixels, max_decoded_bytes)
    finally:
        fileobj.seek(0)


def _decode(fileobj: BinaryIO, name: str, max_pixels: int, max_decoded_bytes: int) -> ImageInfo:
    try:
        img = Image.open(fileobj, formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected.too_many_pixels(name, max_pixels) from exc
    except Exception as exc:  # UnidentifiedImageError, SyntaxError, struct.error, MemoryError...
        raise ImageRejected.invalid(name) from exc
    with img:
        try:
            fmt = "JPEG" if img.format == "MPO" else str(img.format)
            width, height = img.size
            if width <= 0 or height <= 0:
                raise ImageRejected.damaged(name)
            if width * height > max_pixels:
                raise ImageRejected.too_many_pixels(name, max_pixels)
            if fmt == "JPEG":  # only the primary image is kept (see clean_original)
                img.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # still reads all data
                img.load()
                frames, orientation = 1, _orientation(img)
            else:
                _check_header(img, name, max_pixels, max_decoded_bytes)
                frames, orientation = _load_frames(img, name, max_pixels)
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected.too_many_pixels(name, max_pixels) from exc
        except Exception as exc:  # OSError (truncated), ValueError, EOFError, MemoryError...
            raise ImageRejected.damaged(name) from exc
    if orientation >= 5:
        width, height = height, width
    return ImageInfo(fmt, width, height, EXTENSIONS[fmt], frames)


def _check_header(img: Image.Image, name: str, max_pixels: int, max_decoded_bytes: int) -> None:
    """Refuse, from the header alone, what would take too many frames or too much memory."""
    width, height = img.size
    frames = int(getattr(img, "n_frames", 1))
    if frames > MAX_FRAMES or frames * width * height > MAX_TOTAL_PIXELS_FACTOR * max_pixels:
        raise ImageRejected.too_many_frames(name)
    canvases = frames + 1 if frames > 1 else 1  # an animation is composed on one more canvas
    need = canvases * width * height * PIXEL_BYTES * WEIGHT.get(str(img.format), 1)
    if need > max_decoded_bytes:
        raise ImageRejected.too_much_memory(name, need, max_decoded_bytes)


def _load_frames(img: Image.Image, name: str, max_pixels: int) -> tuple[int, int]:
    """Decode every frame; return (frame count, orientation of the first frame)."""
    frames = total = orientation = 0
    for frame in ImageSequence.Iterator(img):
        width, height = frame.size
        frames += 1
        total += width * height
        if width <= 0 or height <= 0:
            raise ImageRejected.damaged(name)
        if width * height > max_pixels:
            raise ImageRejected.too_many_pixels(name, max_pixels)
        if frames > MAX_FRAMES or total > MAX_TOTAL_PIXELS_FACTOR * max_pixels:
            raise ImageRejected.too_many_frames(name)
        frame.load()
        if frames == 1:  # only after load(): PNG getexif() loads, and _orientation hides errors
            orientation = _orientation(frame)
    return frames, orientation


def _orientation(img: Image.Image) -> int:
    """EXIF orientation as Pillow sees it (1 if absent, invalid or unreadable); load() first."""
    try:
        value = img.getexif().get(ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - corrupt EXIF must not reject or break a valid image
        return 1
    return value if isinstance(value, int) and 2 <= value <= 8 else 1


def clean_original(src_bytes: bytes, info: ImageInfo) -> tuple[bytes, ImageInfo]:
    """Return (bytes to store, their info) without EXIF/XMP/GPS/IPTC; orientation kept.

    JPEG is rewritten losslessly (metadata segments dropped, Orientation re-added); PNG and
    WebP are re-encoded upright in their format; HEIF becomes an upright JPEG (quality 92).
    """
    if info.format == "JPEG":
        try:
            with Image.open(io.BytesIO(src_bytes), formats=["JPEG"]) as src:
                orientation = _orientation(src)
            out = _strip_jpeg(src_bytes, orientation)
            with Image.open(io.BytesIO(out), formats=["JPEG"]) as check:  # header-only sanity check
                size = check.size[::-1] if orientation >= 5 else check.size
                ok = check.format == "JPEG" and _orientation(check) == orientation
            if ok and size == (info.width, info.height):
                return out, ImageInfo("JPEG", info.width, info.height, ".jpg", 1)
        except (ValueError, OSError, IndexError):
            pass  # marker structure too odd to rewrite safely: re-encode instead
    return _reencode(src_bytes, info, "JPEG" if info.format in ("JPEG", "HEIF") else info.format)


def _keep_segment(marker: int, payload: bytes) -> bytes | None:
    """Payload to keep for a JPEG marker segment, or None to drop it (Exif, XMP, IPTC, MPF...)."""
    if 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn and COM
        prefix = _KEEP_APP.get(marker)
        if prefix is None or not payload.startswith(prefix):
            return None
        if marker == 0xE0 and len(payload) >= 14:  # JFIF without its optional thumbnail
            return payload[:12] + b"\0\0"
    return payload  # tables, frame and scan headers


def _strip_jpeg(data: bytes, orientation: int) -> bytes:
    """Copy JPEG segments up to the first EOI, dropping metadata and any trailing data."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out, pos, end = [b"\xff\xd8"], 2, len(data)
    while pos < end:
        if data[pos] != 0xFF:  # garbage between segments: skip it, as libjpeg does
            pos = data.find(b"\xff", pos)
            if pos < 0:
                break
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI: later MPO images, motion-photo video etc. are dropped
            break
        if marker in (0x00, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            continue
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > end:
            raise ValueError("bad JPEG segment length")
        payload = _keep_segment(marker, data[pos + 2 : pos + length])
        if payload is not None:
            out.append(bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload)
        pos += length
        if marker == 0xDA:  # entropy-coded scan data runs to the next real marker
            match = _NEXT_MARKER.search(data, pos)
            stop = match.start() if match else end
            out.append(data[pos:stop])
            pos = stop
    out.append(b"\xff\xd9")
    if orientation != 1:
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        payload = exif.tobytes()  # b"Exif\0\0" + TIFF header + one IFD
        at = 2 if out[1].startswith(b"\xff\xe0") else 1
        out.insert(at, b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload)
    return b"".join(out)


def _transpose(img: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return img.transpose(method) if method is not None else img


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB copy; transparency is flattened onto white."""
    if img.mode == "RGB":
        return img
    if img.mode.startswith("I"):  # 16-bit greyscale PNG
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if img.has_transparency_data:
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def _rgb_icc(img: Image.Image) -> dict[str, bytes]:
    icc = img.info.get("icc_profile")
    return {"icc_profile": icc} if isinstance(icc, bytes) and icc[16:20] == b"RGB " else {}


def _webp_is_lossless(data: bytes) -> bool:
    pos = 12
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if tag in (b"VP8L", b"VP8 "):
            return tag == b"VP8L"
        pos += 8 + (16 if tag == b"ANMF" else size + (size & 1))  # look inside the 1st frame
    return False


def _reencode(src: bytes, info: ImageInfo, fmt: str) -> tuple[bytes, ImageInfo]:
    """Decode, rotate upright and save as ``fmt`` without any metadata except ICC."""
    with Image.open(io.BytesIO(src), formats=[info.format]) as img:
        img.load()
        orientation = _orientation(img)
        options: dict[str, object] = {}
        if fmt == "JPEG":
            frames = [_to_rgb(_transpose(img, orientation))]
            options.update(quality=92, **_rgb_icc(img))
        else:
            frames, durations = [], []
            for frame in ImageSequence.Iterator(img):
                frames.append(_transpose(frame.copy(), orientation))
                durations.append(frame.info.get("duration", 100))
            if isinstance(img.info.get("icc_profile"), bytes):
                options["icc_profile"] = img.info["icc_profile"]
            if fmt == "WEBP":
                options.update(lossless=_webp_is_lossless(src), quality=90)
            if len(frames) > 1:
                options.update(save_all=True, append_images=frames[1:], duration=durations)
                options["loop"] = img.info.get("loop", 0)
        buf = io.BytesIO()
        frames[0].save(buf, fmt, **options)
    width, height = frames[0].size
    return buf.getvalue(), ImageInfo(fmt, width, height, EXTENSIONS[fmt], len(frames))


def render_variant(
    src_path_or_file: str | Path | BinaryIO,
    *,
    max_side: int,
    quality: int = 85,
    max_decoded_bytes: int = MAX_DECODED_BYTES,
) -> tuple[bytes, int, int]:
    """Return (JPEG bytes, width, height): upright, RGB, long side <= max_side, no EXIF.

    A PNG, WebP or HEIC whose first frame would take over ``max_decoded_bytes`` is refused
    (ImageRejected) before it is decoded; a JPEG is decoded at a reduced scale."""
    with Image.open(src_path_or_file, formats=FORMATS) as img:
        width, height = img.size
        scale = max_side / max(width, height)
        if img.format in ("JPEG", "MPO") and scale < 1:  # let libjpeg do the coarse reduction
            img.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        elif (
            need := width * height * PIXEL_BYTES * WEIGHT.get(str(img.format), 1)
        ) > max_decoded_bytes:  # only the first frame is rendered
            name = Path(src_path_or_file).name if isinstance(src_path_or_file, str | Path) else ""
            raise ImageRejected.too_much_memory(name or "photo", need, max_decoded_bytes)
        img.load()
        orientation, icc = _orientation(img), _rgb_icc(img)
        out = _to_rgb(img)
        # After libjpeg's DCT scaling, BILINEAR is ~2.5x cheaper than LANCZOS and measured closer
        # to a full-resolution LANCZOS reference (43.0 vs 42.5 dB PSNR). optimize=True costs +15 ms.
        out.thumbnail((max_side, max_side), Image.Resampling.BILINEAR, reducing_gap=2.0)
        out = _transpose(out, orientation)
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=quality, **icc)
    return buf.getvalue(), out.width, out.height
