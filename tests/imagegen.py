"""Hostile images of every accepted format, made at test time, each with its expected outcome.

`HOSTILE` lists them: truncated, oversized (bytes; pixels), bomb-like (huge declared dimensions
in a tiny file), wrong magic, polyglots, CMYK, 16-bit, palette with transparency, animated and
broken or revealing EXIF, in JPEG, PNG, WebP and HEIC (pillow-heif). Each `Hostile` builds its
bytes only when asked (`write(folder)`) and says what submissions/images.py must do with them:
`Refused(kind)` (the exact English message, naming the file) or `Accepted(...)` (format, size
as displayed, frames, the stored extension, what the upright rendition shows).

The caps are small so that files over them stay small: the tests set
settings.PHOTO_MAX_BYTES = MAX_BYTES and settings.PHOTO_MAX_PIXELS = MAX_PIXELS.
Images are made of four coloured quadrants (red, green / blue, yellow) stored turned as their
EXIF orientation says, so the rendition must show them upright again.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

MAX_BYTES = 256 * 1024
MAX_PIXELS = 250_000
UPRIGHT = ("red", "green", "blue", "yellow")  # top-left, top-right, bottom-left, bottom-right
#: Bytes that must never reach storage: the camera maker and the GPS tags' owner, polyglot payloads.
SECRETS = (b"SecretCam", b"POLYGLOT-PAYLOAD", b"<script", b"PK\x03\x04")
COLOURS = {
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "white": (255, 255, 255),
    "black": (0, 0, 0),
}
FORMAT_EXT = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic"}
#: The messages of submissions/images.py, in English (the tests run in English).
MESSAGES = {
    "empty": '"{name}" is an empty file.',
    "too_large": '"{name}" is larger than the limit of {mb:g} MB.',
    "invalid": '"{name}" is not a valid JPEG, PNG, WebP or HEIC image.',
    "damaged": '"{name}" is damaged or incomplete and cannot be read as an image.',
    "too_many_pixels": '"{name}" has too many pixels: at most {mp:g} megapixels are allowed.',
    "too_many_frames": '"{name}" has too many animation frames.',
}
RULES = (  # what the generated set must cover (tests/submissions/test_hostile_images.py)
    "baseline",
    "truncated",
    "oversized-bytes",
    "oversized-pixels",
    "bomb",
    "wrong-magic",
    "polyglot",
    "cmyk",
    "16-bit",
    "palette",
    "animated",
    "exif",
    "empty",
)


@dataclass(frozen=True)
class Refused:
    kind: str  # a key of MESSAGES

    def message(self, name: str) -> str:
        return MESSAGES[self.kind].format(
            name=name, mb=MAX_BYTES / 1_048_576, mp=MAX_PIXELS / 1_000_000
        )


@dataclass(frozen=True)
class Accepted:
    format: str  # as inspect_upload reports it: JPEG, PNG, WEBP, HEIF
    size: tuple[int, int]  # as displayed (orientation applied)
    frames: int = 1
    corners: tuple[str, str, str, str] | None = UPRIGHT  # the rendition's quadrants, or unchecked

    @property
    def extension(self) -> str:
        return FORMAT_EXT[self.format]

    @property
    def stored_extension(self) -> str:
        """HEIC is stored as an upright JPEG, the others in their own format."""
        return ".jpg" if self.format == "HEIF" else self.extension


@dataclass(frozen=True)
class Hostile:
    name: str  # the upload's file name (its extension may lie)
    rule: str  # one of RULES
    content: str | None  # the format really inside (JPEG/PNG/WEBP/HEIF), None when none is
    build: Callable[[], bytes]
    expect: Accepted | Refused

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(_built(self))
        return path

    def __str__(self) -> str:  # the pytest id
        return self.name


@functools.cache
def _built(hostile: Hostile) -> bytes:
    """Each file is made once per test process (the validator and the form tests share it)."""
    return hostile.build()


# ---------------------------------------------------------------------------- building blocks


def quadrants(size: tuple[int, int] = (64, 48), orientation: int = 1) -> Image.Image:
    """Upright red, green / blue, yellow quadrants of `size`, turned the way a camera with this
    EXIF orientation would store them (so applying the orientation makes them upright again)."""
    w, h = size
    img = Image.new("RGB", size, COLOURS["yellow"])
    img.paste(COLOURS["red"], (0, 0, w // 2, h // 2))
    img.paste(COLOURS["green"], (w // 2, 0, w, h // 2))
    img.paste(COLOURS["blue"], (0, h // 2, w // 2, h))
    inverse = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }
    return img.transpose(inverse[orientation]) if orientation in inverse else img


def noise(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """Incompressible content (so a cut or a byte cap falls inside real image data)."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(3 * size[0] * size[1]))


def encode(img: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SecretCam"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 7.0), 3: "E", 4: (13.0, 24.0, 9.0)}
    return exif


def revealing(fmt: str, orientation: int, size: tuple[int, int] = (64, 48)) -> bytes:
    """A photo in `fmt` with GPS, a camera maker and this orientation."""
    exif = gps_exif(orientation)
    img = quadrants(size, orientation)
    if fmt == "HEIF":
        return encode(img, fmt, exif=exif.tobytes(), quality=90)
    return encode(img, fmt, exif=exif, **({"quality": 90} if fmt != "PNG" else {}))


def plain(fmt: str, img: Image.Image | None = None, **options: object) -> bytes:
    img = img if img is not None else quadrants()
    if fmt in ("JPEG", "WEBP", "HEIF"):
        options.setdefault("quality", 90)
    return encode(img, fmt, **options)


def tiff_ifd(entries: list[tuple[int, int, int, bytes]]) -> bytes:
    """A big-endian TIFF header with one IFD: (tag, type, count, 4-byte value field)."""
    out = b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", len(entries))
    for tag, typ, count, value in entries:
        out += struct.pack(">HHI", tag, typ, count) + value.ljust(4, b"\x00")
    return out + b"\x00\x00\x00\x00"


def jpeg_with_app1(payload: bytes, img: Image.Image | None = None) -> bytes:
    data = plain("JPEG", img)
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + data[2:]


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_insert(data: bytes, chunk: bytes) -> bytes:
    """`chunk` right after IHDR (8-byte signature + 25-byte IHDR chunk)."""
    return data[:33] + chunk + data[33:]


def png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b"")


def png_rgb16(size: tuple[int, int] = (64, 48)) -> bytes:
    """A 16-bit-per-channel RGB PNG of the quadrants (Pillow cannot write one)."""
    img = quadrants(size)
    rows = []
    for y in range(size[1]):
        row = bytearray(b"\x00")  # filter type None
        for x in range(size[0]):
            pixel = img.getpixel((x, y))
            assert isinstance(pixel, tuple)
            for channel in pixel:
                row += bytes((channel, channel))
        rows.append(bytes(row))
    ihdr = struct.pack(">IIBBBBB", size[0], size[1], 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + png_chunk(b"IEND", b"")
    )


def riff_add_chunk(data: bytes, fourcc: bytes, payload: bytes) -> bytes:
    """A WebP with one more top-level chunk at the end and the RIFF size fixed."""
    chunk = (
        fourcc + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")
    )
    body = data[8:] + chunk
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_with_exif(exif: bytes) -> bytes:
    return plain("WEBP", exif=exif)


def padded_to(fmt: str, total: int) -> bytes:
    """A valid small image of `fmt`, padded with format-legal filler to exactly `total` bytes."""
    data = plain(fmt)
    if fmt == "JPEG":  # COM segments (at most 65,533 payload bytes each) after SOI
        filler, need = b"", total - len(data)
        while need > 0:
            size = min(need, 65_537)
            if need - size in (1, 2, 3):  # a segment needs 4 bytes at least: leave room
                size -= 4
            filler += b"\xff\xfe" + struct.pack(">H", size - 2) + b"P" * (size - 4)
            need -= size
        out = data[:2] + filler + data[2:]
    elif fmt == "PNG":  # a private ancillary chunk (12 bytes of framing)
        out = png_insert(data, png_chunk(b"prVt", b"P" * (total - len(data) - 12)))
    elif fmt == "WEBP":  # an unknown RIFF chunk (8 bytes of framing, even payload)
        need = total - len(data) - 8
        out = riff_add_chunk(data, b"PADD", b"P" * (need - need % 2))
        out += b"\x00" * (need % 2)  # RIFF sizes are even: one trailing byte for an odd total
    else:  # HEIF: a trailing `free` box
        need = total - len(data)
        out = data + struct.pack(">I", need) + b"free" + b"P" * (need - 8)
    assert len(out) == total, (fmt, len(out), total)
    return out


def jpeg_sof_patched(width: int, height: int) -> bytes:
    data = bytearray(plain("JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_vp8_patched(width: int, height: int) -> bytes:
    """A lossy WebP whose VP8 frame header claims width x height (14 bits each)."""
    data = bytearray(plain("WEBP"))
    assert data[12:16] == b"VP8 "
    data[26:28] = struct.pack("<H", width)
    data[28:30] = struct.pack("<H", height)
    return bytes(data)


def heic_ispe_patched(width: int, height: int) -> bytes:
    """A HEIC whose image spatial extents box claims width x height."""
    data = bytearray(plain("HEIF"))
    at = data.index(b"ispe")
    data[at + 8 : at + 16] = struct.pack(">II", width, height)
    return bytes(data)


def animation(fmt: str, count: int, size: tuple[int, int] = (64, 48), solid: bool = False) -> bytes:
    """Quadrants, then noise frames (or frames of one colour each: a small file of big frames)."""
    later = (
        Image.new("RGB", size, (i, 0, 0)) if solid else noise(size, i) for i in range(1, count)
    )
    frames = [quadrants(size), *later]
    options: dict[str, object] = {"save_all": True, "append_images": frames[1:]}
    if fmt in ("PNG", "WEBP"):
        options.update(duration=80, loop=0)
    if fmt == "WEBP":
        options["lossless"] = True
    return encode(frames[0], fmt, **options)


def dots(fmt: str, count: int) -> bytes:
    frames = [Image.new("RGB", (2, 2), (i % 256, 0, 0)) for i in range(count)]
    options = {"lossless": True} if fmt == "WEBP" else {}
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], **options)


def mpo() -> bytes:
    return encode(quadrants(), "MPO", save_all=True, append_images=[Image.new("RGB", (64, 48))])


def zip_of(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(name, data + b"POLYGLOT-PAYLOAD")
    return buf.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert('POLYGLOT-PAYLOAD')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect width="9"/></svg>'
SHORT = (64, 48)  # as displayed; stored 48 x 64 under orientations 5 to 8


def _cut(fmt: str, keep: float, img: Image.Image | None = None, **options: object):
    def build() -> bytes:
        data = plain(fmt, img if img is not None else noise((160, 120), seed=7), **options)
        return data[: int(len(data) * keep)] if keep > 0 else data[: len(data) + int(keep)]

    return build


def _cases() -> list[Hostile]:
    H, A, R = Hostile, Accepted, Refused
    cases = []
    for fmt, ext in FORMAT_EXT.items():
        cases += [
            H(f"plain{ext}", "baseline", fmt, functools.partial(plain, fmt), A(fmt, SHORT)),
            H(f"at-the-cap{ext}", "oversized-bytes", fmt,
              functools.partial(padded_to, fmt, MAX_BYTES), A(fmt, SHORT)),
            H(f"over-the-cap{ext}", "oversized-bytes", fmt,
              functools.partial(padded_to, fmt, MAX_BYTES + 1), R("too_large")),
            H(f"over-the-pixel-cap{ext}", "oversized-pixels", fmt,
              functools.partial(plain, fmt, Image.new("RGB", (501, 500), "red")),
              R("too_many_pixels")),
            H(f"at-the-pixel-cap{ext}", "oversized-pixels", fmt,
              functools.partial(plain, fmt, Image.new("RGB", (500, 500), "red")),
              A(fmt, (500, 500), corners=None)),
            H(f"gps-orientation-6{ext}", "exif", fmt, functools.partial(revealing, fmt, 6),
              A(fmt, SHORT)),
        ]  # fmt: skip
    cases += [
        # --- truncated
        H("cut-half.jpg", "truncated", "JPEG", _cut("JPEG", 0.5), R("damaged")),
        H("cut-progressive.jpg", "truncated", "JPEG", _cut("JPEG", 0.9, progressive=True),
          R("damaged")),
        H("no-end-marker.jpg", "truncated", "JPEG", _cut("JPEG", -2), R("damaged")),
        H("cut-half.png", "truncated", "PNG", _cut("PNG", 0.5), R("damaged")),
        # all pixel data there, only the end chunk missing: nothing lost, so accepted
        H("no-iend.png", "truncated", "PNG", _cut("PNG", -12), A("PNG", (160, 120), corners=None)),
        H("cut-half.webp", "truncated", "WEBP", _cut("WEBP", 0.5), R("invalid")),
        H("cut-half.heic", "truncated", "HEIF", _cut("HEIF", 0.5), R("damaged")),
        H("cut-in-header.heic", "truncated", "HEIF", lambda: plain("HEIF")[:100], R("invalid")),
        H("cut-apng.png", "truncated", "PNG",
          lambda: (lambda d: d[: d.rfind(b"fdAT") + 100])(animation("PNG", 3, (160, 120))),
          R("damaged")),
        # --- bomb-like: huge declared dimensions in a tiny file
        H("bomb-header.png", "bomb", "PNG", lambda: png_header_only(60_000, 60_000),
          R("too_many_pixels")),  # over Pillow's own DecompressionBombError threshold too
        H("bomb-under-pillow-limit.png", "bomb", "PNG", lambda: png_header_only(1000, 1000),
          R("too_many_pixels")),
        H("no-pixel-data.png", "bomb", "PNG", lambda: png_header_only(500, 500), R("damaged")),
        H("zero-width.png", "bomb", "PNG", lambda: png_header_only(0, 10), R("invalid")),
        H("bomb-sof.jpg", "bomb", "JPEG", lambda: jpeg_sof_patched(60_000, 60_000),
          R("too_many_pixels")),
        H("bomb-vp8.webp", "bomb", "WEBP", lambda: webp_vp8_patched(16_383, 16_383),
          R("too_many_pixels")),
        # libheif checks the declared extents against the coded image: damaged, not decoded.
        H("bomb-ispe.heic", "bomb", "HEIF", lambda: heic_ispe_patched(60_000, 60_000),
          R("damaged")),
        H("bomb-frames.webp", "bomb", "WEBP", lambda: dots("WEBP", 101), R("too_many_frames")),
        H("bomb-frames.png", "bomb", "PNG", lambda: dots("PNG", 101), R("too_many_frames")),
        H("frames-over-4-caps.webp", "bomb", "WEBP",  # 5 frames of 0.96 caps: 4.8 > 4 caps
          lambda: animation("WEBP", 5, (500, 480), solid=True), R("too_many_frames")),
        H("frame-over-the-pixel-cap.png", "bomb", "PNG",
          lambda: animation("PNG", 2, (501, 500), solid=True), R("too_many_pixels")),
        # --- wrong magic: content of one format under another's extension, or no image at all
        H("png-inside.jpg", "wrong-magic", "PNG", lambda: plain("PNG"), A("PNG", SHORT)),
        H("jpeg-inside.png", "wrong-magic", "JPEG", lambda: plain("JPEG"), A("JPEG", SHORT)),
        H("webp-inside.heic", "wrong-magic", "WEBP", lambda: plain("WEBP"), A("WEBP", SHORT)),
        H("heic-inside.jpg", "wrong-magic", "HEIF", lambda: plain("HEIF"), A("HEIF", SHORT)),
        H("page.jpg", "wrong-magic", None, lambda: HTML, R("invalid")),
        H("notes.png", "wrong-magic", None, lambda: "会议纪要\n".encode() * 20, R("invalid")),
        H("drawing.webp", "wrong-magic", None, lambda: SVG, R("invalid")),
        H("gif-inside.png", "wrong-magic", None, lambda: plain("GIF"), R("invalid")),
        H("bmp-inside.jpg", "wrong-magic", None, lambda: plain("BMP"), R("invalid")),
        H("tiff-inside.heic", "wrong-magic", None, lambda: plain("TIFF"), R("invalid")),
        H("riff-garbage.webp", "wrong-magic", None,
          lambda: b"RIFF\x10\x00\x00\x00WEBPVP8 \x04\x00\x00\x00abcd", R("invalid")),
        # --- polyglots: an image with something appended, and the reverse
        H("jpeg-then-zip.jpg", "polyglot", "JPEG",
          lambda: plain("JPEG") + zip_of("x.txt", b"hello"), A("JPEG", SHORT)),
        H("jpeg-then-html.jpg", "polyglot", "JPEG", lambda: plain("JPEG") + HTML,
          A("JPEG", SHORT)),
        H("png-then-html.png", "polyglot", "PNG", lambda: plain("PNG") + HTML, A("PNG", SHORT)),
        H("webp-then-script.webp", "polyglot", "WEBP", lambda: plain("WEBP") + HTML,
          A("WEBP", SHORT)),
        H("heic-then-zip.heic", "polyglot", "HEIF",
          lambda: plain("HEIF") + zip_of("x.txt", b"hello"), A("HEIF", SHORT)),
        H("html-then-jpeg.jpg", "polyglot", None, lambda: HTML + plain("JPEG"), R("invalid")),
        H("zip-holding-jpeg.jpg", "polyglot", None, lambda: zip_of("a.jpg", plain("JPEG")),
          R("invalid")),
        # --- colour models and depths
        H("cmyk.jpg", "cmyk", "JPEG", lambda: plain("JPEG", quadrants().convert("CMYK")),
          A("JPEG", SHORT)),
        H("grey-16-bit.png", "16-bit", "PNG",
          lambda: encode(Image.new("I;16", SHORT, 40_000), "PNG"), A("PNG", SHORT, corners=None)),
        H("rgb-16-bit.png", "16-bit", "PNG", png_rgb16, A("PNG", SHORT)),
        H("grey-10-bit.heic", "16-bit", "HEIF",
          lambda: encode(Image.new("I;16", SHORT, 40_000), "HEIF"), A("HEIF", SHORT, corners=None)),
        H("palette-transparent.png", "palette", "PNG",
          lambda: encode(_palette(), "PNG", transparency=3),
          A("PNG", SHORT, corners=("red", "green", "blue", "white"))),
        H("palette-transparent.webp", "palette", "WEBP",
          lambda: encode(_palette().convert("RGBA"), "WEBP", lossless=True),
          A("WEBP", SHORT, corners=("red", "green", "blue", "white"))),
        # --- animations (and a JPEG with a second image: only the first is kept)
        H("animated.png", "animated", "PNG", lambda: animation("PNG", 3), A("PNG", SHORT, 3)),
        H("animated.webp", "animated", "WEBP", lambda: animation("WEBP", 3), A("WEBP", SHORT, 3)),
        H("two-images.heic", "animated", "HEIF", lambda: animation("HEIF", 2), A("HEIF", SHORT, 2)),
        H("stereo-mpo.jpg", "animated", "JPEG", mpo, A("JPEG", SHORT)),
        # --- EXIF: malformed, odd orientation values, GPS (stripped)
        H("exif-garbage.jpg", "exif", "JPEG", lambda: jpeg_with_app1(b"Exif\x00\x00garbage!"),
          A("JPEG", SHORT)),
        H("exif-bad-offset.jpg", "exif", "JPEG",
          lambda: jpeg_with_app1(b"Exif\x00\x00MM\x00*\x00\xff\xff\xff"), A("JPEG", SHORT)),
        H("exif-orientation-text.jpg", "exif", "JPEG",
          lambda: jpeg_with_app1(b"Exif\x00\x00" + tiff_ifd([(0x0112, 2, 2, b"6\x00")])),
          A("JPEG", SHORT)),
        H("exif-garbage.png", "exif", "PNG",
          lambda: png_insert(plain("PNG"), png_chunk(b"eXIf", b"MM\x00*garbage!")),
          A("PNG", SHORT)),
        H("exif-garbage.webp", "exif", "WEBP", lambda: webp_with_exif(b"garbage-exif"),
          A("WEBP", SHORT)),
        H("gps-orientation-3.jpg", "exif", "JPEG", lambda: revealing("JPEG", 3), A("JPEG", SHORT)),
        H("gps-orientation-8.png", "exif", "PNG", lambda: revealing("PNG", 8), A("PNG", SHORT)),
        H("gps-orientation-5.webp", "exif", "WEBP", lambda: revealing("WEBP", 5),
          A("WEBP", SHORT)),
        # --- nothing at all
        H("empty.jpg", "empty", None, lambda: b"", R("empty")),
    ]  # fmt: skip
    for value in (0, 9, 65535):  # out of range: treated as upright, never rejected
        cases.append(
            H(f"exif-orientation-{value}.jpg", "exif", "JPEG",
              functools.partial(plain, "JPEG", exif=_orientation_only(value)), A("JPEG", SHORT))
        )  # fmt: skip
    return cases


def _palette() -> Image.Image:
    """Palette image of the quadrants; index 3 (yellow) is transparent."""
    img = Image.new("P", SHORT, 3)
    img.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0])
    w, h = SHORT
    img.paste(0, (0, 0, w // 2, h // 2))
    img.paste(1, (w // 2, 0, w, h // 2))
    img.paste(2, (0, h // 2, w // 2, h))
    img.info["transparency"] = 3
    return img


def _orientation_only(value: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif


HOSTILE: list[Hostile] = _cases()
assert len({h.name for h in HOSTILE}) == len(HOSTILE), "file names must be unique"


# ---------------------------------------------------------------------------- heavy: the work
# Valid files of a few kilobytes that decode to hundreds of megabytes, or to many frames, under
# the portal's real limits (not the small caps above): the per-file memory budget of
# submissions/images.py (PHOTO_MAX_DECODED_BYTES) must refuse them from their header. Built by
# hand (zlib, RIFF patching): Pillow would need the full image in memory to write them.
PORTAL_MAX_BYTES = 20 * 1024 * 1024
PORTAL_MAX_PIXELS = 40_000_000
PORTAL_MAX_DECODED = 96 * 1024 * 1024
BIG = (6400, 6250)  # 40 megapixels, at the portal's pixel cap


def _png_rows(width: int, height: int, colour: bytes, level: int = 1) -> bytes:
    """zlib stream of `height` unfiltered rows of one colour, compressed row by row."""
    packer = zlib.compressobj(level)
    row = b"\x00" + colour * width
    return b"".join(packer.compress(row) for _ in range(height)) + packer.flush()


def png_solid(size: tuple[int, int] = BIG, alpha: bool = False) -> bytes:
    """A valid one-colour PNG (RGB or RGBA) of `size`: some 120 KB for 40 megapixels."""
    w, h = size
    colour = b"\xff\x00\x00" + (b"\xff" if alpha else b"")
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6 if alpha else 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", _png_rows(w, h, colour))
        + png_chunk(b"IEND", b"")
    )


def apng_solid(frames: int, size: tuple[int, int]) -> bytes:
    """A valid APNG of `frames` full frames of one colour each (a few KB per frame)."""
    w, h = size
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
    out += png_chunk(b"acTL", struct.pack(">II", frames, 0))
    seq = 0
    for i in range(frames):
        fctl = struct.pack(">IIIIIHHBB", seq, w, h, 0, 0, 8, 100, 0, 0)
        out += png_chunk(b"fcTL", fctl)
        seq += 1
        data = _png_rows(w, h, bytes((i % 256, 0, 0)), level=1)
        if i == 0:
            out += png_chunk(b"IDAT", data)
        else:
            out += png_chunk(b"fdAT", struct.pack(">I", seq) + data)
            seq += 1
    return out + png_chunk(b"IEND", b"")


def webp_big_canvas(size: tuple[int, int] = BIG, frames: int = 2) -> bytes:
    """A valid animated WebP of small frames on a canvas of `size` (every frame decodes to
    the whole canvas): the VP8X canvas fields of a 16 x 16 animation, patched."""
    data = bytearray(animation("WEBP", frames, (16, 16), solid=True))
    assert data[12:16] == b"VP8X"
    w, h = size
    data[24:27] = (w - 1).to_bytes(3, "little")
    data[27:30] = (h - 1).to_bytes(3, "little")
    return bytes(data)


def gif_big(size: tuple[int, int] = BIG) -> bytes:
    """A GIF declaring `size` (screen and image) around 16 x 16 of data: not an accepted format."""
    data = bytearray(encode(Image.new("L", (16, 16), 0), "GIF"))
    w, h = size
    data[6:10] = struct.pack("<HH", w, h)
    at = data.index(b"\x2c")  # the image descriptor
    data[at + 5 : at + 9] = struct.pack("<HH", w, h)
    return bytes(data)


def tiff_big(size: tuple[int, int] = BIG) -> bytes:
    """A deflated one-colour TIFF of `size`: not an accepted format."""
    w, h = size
    return tiff_ifd(
        [
            (256, 4, 1, struct.pack(">I", w)),  # ImageWidth
            (257, 4, 1, struct.pack(">I", h)),  # ImageLength
            (258, 3, 1, struct.pack(">H", 8)),  # BitsPerSample
            (259, 3, 1, struct.pack(">H", 8)),  # Compression: deflate
            (262, 3, 1, struct.pack(">H", 1)),  # grey
            (273, 4, 1, struct.pack(">I", 8 + 2 + 9 * 12 + 4)),  # StripOffsets: after the IFD
            (277, 3, 1, struct.pack(">H", 1)),
            (278, 4, 1, struct.pack(">I", h)),
            (279, 4, 1, struct.pack(">I", 0)),
        ]
    )


def _heavy() -> list[Hostile]:
    H, R = Hostile, Refused
    return [
        H("40mp.png", "bomb", "PNG", png_solid, R("too_much_memory")),
        H("40mp-rgba.png", "bomb", "PNG", functools.partial(png_solid, alpha=True),
          R("too_much_memory")),
        H("40mp-canvas.webp", "bomb", "WEBP", webp_big_canvas, R("too_much_memory")),
        H("100-frames.png", "bomb", "PNG", functools.partial(apng_solid, 100, (1000, 1000)),
          R("too_much_memory")),
        H("40mp.gif", "wrong-magic", None, gif_big, R("invalid")),
        H("40mp.tiff", "wrong-magic", None, tiff_big, R("invalid")),
    ]  # fmt: skip


#: The messages of the heavy files under the portal's limits.
HEAVY_MESSAGES = {
    "too_much_memory": '"{name}" would take {need} MB of memory to process (width × height × '
    "frames); at most {limit} MB are allowed. Reduce its size or save it as a JPEG.",
    "invalid": MESSAGES["invalid"],
}
#: Megabytes each heavy file would take decoded (frames, and one more canvas for an animation,
#: x width x height x 4 bytes; three times that for a WebP).
HEAVY_NEED = {
    "40mp.png": 153,
    "40mp-rgba.png": 153,
    "40mp-canvas.webp": 1374,
    "100-frames.png": 386,
}
HEAVY: list[Hostile] = _heavy()


def heavy_message(hostile: Hostile) -> str:
    kind = getattr(hostile.expect, "kind", "")
    return HEAVY_MESSAGES[kind].format(
        name=hostile.name, need=HEAVY_NEED.get(hostile.name), limit=PORTAL_MAX_DECODED // 1_048_576
    )
