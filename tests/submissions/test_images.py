"""Tests for submissions.images: validation by decoding, metadata stripping, renditions.

Pure Pillow, no database. They run with or without pytest-django: without a configured Django
they configure a bare one (USE_I18N=False) so the module's gettext calls work.
"""

from __future__ import annotations

import io
import os
import random
import struct
import time
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO, cast

import django
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, ImageFile, ImageOps
from PIL.PngImagePlugin import PngInfo

from submissions import images
from submissions.images import (
    ImageInfo,
    ImageRejected,
    clean_original,
    inspect_upload,
    render_variant,
)

from ..imagegen import COLOURS

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(USE_I18N=False)
if not apps.ready:
    django.setup()

MB = 1_048_576
MAX_BYTES = 20 * MB
MAX_PIXELS = 40_000_000
TESTDATA_ENV = "CIVIC_TESTDATA"

# Only these corpus files are harmless JPEGs (see the corpus README); display size, 400px variant.
CORPUS_ACCEPTED = {
    "broken_exif_dpi.jpg": ((100, 100), (100, 100)),
    "invalid-exif.jpg": ((200, 200), (200, 200)),
    "sugarshack_bad_mpo_header.jpg": ((640, 480), (400, 300)),
    "truncated_app14.jpg": ((100, 100), (100, 100)),
    "truncated_exif_dpi.jpg": ((480, 640), (300, 400)),
}
# Identified as PNG/JPEG but fail while decoding (the rest are not identified at all).
CORPUS_DAMAGED = {
    "broken_data_stream.png",
    "truncated_end_chunk.png",
    "truncated_image.png",
    "truncated_jpeg.jpg",
}
CORPUS_TIME_LIMIT_S = 10.0  # safety bound against hangs, not a benchmark

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="52,31.1N"/></rdf:RDF></x:xmpmeta>'
)
SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


# ------------------------------------------------------------------------------ helpers


def corpus_dir() -> Path | None:
    """$CIVIC_TESTDATA (the shared testdata folder or the corpus itself); None when unset.

    The corpus is an extra: tests/imagegen.py makes hostile images of every accepted format."""
    env = os.environ.get(TESTDATA_ENV, "").strip()
    if not env:
        return None
    base = Path(env)
    return base / "pillow-bad-images" if (base / "pillow-bad-images").is_dir() else base


@pytest.fixture
def corpus() -> Path:
    folder = corpus_dir()
    if folder is None:
        pytest.skip(
            f"Pillow bad-image corpus not configured: set {TESTDATA_ENV} to the shared testdata "
            "folder to run it (.ci/run does on the CI machine, where it exists)"
        )
    if not folder.is_dir():
        pytest.skip(f"{TESTDATA_ENV}={os.environ[TESTDATA_ENV]} is not a folder")
    if not (folder / "MANIFEST.tsv").is_file():  # set, but not to the corpus: a mistake
        pytest.fail(f"{TESTDATA_ENV} is set but {folder} holds no MANIFEST.tsv")
    return folder


def inspect(data: bytes, name: str = "photo.jpg", **limits: int) -> ImageInfo:
    """inspect_upload on bytes; also checks the file object is rewound either way."""
    upload = io.BytesIO(data)
    upload.seek(len(data) // 2)  # a caller that already read from the upload
    try:
        return inspect_upload(
            upload,
            name=name,
            max_bytes=limits.get("max_bytes", MAX_BYTES),
            max_pixels=limits.get("max_pixels", MAX_PIXELS),
        )
    finally:
        assert upload.tell() == 0


def rejection(data: bytes, name: str = "photo.jpg", **limits: int) -> str:
    """The message of the ImageRejected that inspecting ``data`` must raise."""
    with pytest.raises(ImageRejected) as caught:
        inspect(data, name, **limits)
    assert str(caught.value) == caught.value.message
    assert name in caught.value.message
    return caught.value.message


def invalid(name: str) -> str:
    return ImageRejected.invalid(name).message


def damaged(name: str) -> str:
    return ImageRejected.damaged(name).message


def too_many_pixels(name: str, max_pixels: int) -> str:
    return ImageRejected.too_many_pixels(name, max_pixels).message


def pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return img.mode, img.size, img.tobytes()


def colour_name(rgb: float | tuple[int, ...] | None) -> str:
    assert isinstance(rgb, tuple)  # a pixel of an RGB image
    return min(
        COLOURS, key=lambda c: sum((a - b) ** 2 for a, b in zip(COLOURS[c], rgb[:3], strict=True))
    )


def corners(img: Image.Image) -> tuple[str, str, str, str]:
    """Colour names at the centres of the four quadrants: TL, TR, BL, BR."""
    rgb = img.convert("RGB")
    w, h = rgb.size
    xs, ys = (w // 4, 3 * w // 4), (h // 4, 3 * h // 4)
    tl, tr, bl, br = (colour_name(rgb.getpixel((x, y))) for y in ys for x in xs)
    return tl, tr, bl, br


def quadrants(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """Red, green / blue, yellow quadrants, so any rotation or mirroring is visible."""
    w, h = size
    img = Image.new("RGB", size, COLOURS["yellow"])
    img.paste(COLOURS["red"], (0, 0, w // 2, h // 2))
    img.paste(COLOURS["green"], (w // 2, 0, w, h // 2))
    img.paste(COLOURS["blue"], (0, h // 2, w // 2, h))
    return img.convert(mode)


def noise(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """Photo-like content: a smooth colour field plus noise (so JPEG data is not trivial)."""
    w, h = size
    rnd = random.Random(seed)
    sw, sh = w // 16 + 1, h // 16 + 1
    field = Image.frombytes("RGB", (sw, sh), rnd.randbytes(3 * sw * sh))
    field = field.resize(size, Image.Resampling.BICUBIC)
    grain = Image.frombytes("RGB", size, rnd.randbytes(3 * w * h))
    return Image.blend(field, grain, 0.08)


def gps_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SecretCam"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 7.0), 3: "E", 4: (13.0, 24.0, 9.0)}
    return exif


def encode(img: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def jpeg_with_metadata(orientation: int = 6, size: tuple[int, int] = (64, 48)) -> bytes:
    """JPEG with Exif (GPS, maker), XMP, a comment, ICC, Photoshop/IPTC and trailing data."""
    data = encode(
        quadrants(size),
        "JPEG",
        quality=95,
        exif=gps_exif(orientation),
        xmp=XMP,
        comment=b"secret comment",
        icc_profile=SRGB_ICC,
    )
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0csecret iptc!"
    app13 = b"\xff\xed" + struct.pack(">H", len(iptc) + 2) + iptc
    return data[:2] + app13 + data[2:] + b"ftypmp42 TRAILER secret motion photo"


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + payload))
    return struct.pack(">I", len(payload)) + kind + payload + crc


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but which holds no pixel data at all."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b"")


# ------------------------------------------------------------------------------ the corpus


def test_corpus_manifest_lists_exactly_the_files_present(corpus: Path) -> None:
    lines = (corpus / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    listed = {line.split("\t")[0] for line in lines[1:] if line and not line.startswith("#")}
    present = {p.name for p in corpus.iterdir()} - {"README.md", "MANIFEST.tsv"}
    assert listed == present
    assert set(CORPUS_ACCEPTED) | CORPUS_DAMAGED <= present


@pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO file")
def test_corpus_is_rejected_by_name_except_the_harmless_jpegs(corpus: Path) -> None:
    started = time.monotonic()
    files = sorted(p for p in corpus.iterdir() if p.name not in {"README.md", "MANIFEST.tsv"})
    accepted: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {}
    rejected_as: dict[str, str] = {}
    for path in files:
        data = path.read_bytes()
        try:
            info = inspect(data, path.name)
        except ImageRejected as exc:
            assert path.name in exc.message
            kinds = {invalid(path.name): "invalid", damaged(path.name): "damaged"}
            rejected_as[path.name] = kinds.get(exc.message, exc.message)
            continue
        stored, stored_info = clean_original(data, info)
        assert stored_info == ImageInfo("JPEG", info.width, info.height, ".jpg", 1)
        assert pixels(stored) == pixels(data)  # lossless
        assert b"Exif\x00\x00" not in stored
        assert inspect(stored, path.name) == stored_info
        variant, width, height = render_variant(io.BytesIO(stored), max_side=400)
        with Image.open(io.BytesIO(variant)) as img:
            assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (width, height))
            assert dict(img.getexif()) == {}
        accepted[path.name] = ((info.width, info.height), (width, height))
    elapsed = time.monotonic() - started

    assert accepted == CORPUS_ACCEPTED
    expected = {p.name: "invalid" for p in files if p.name not in CORPUS_ACCEPTED}
    expected.update(dict.fromkeys(CORPUS_DAMAGED, "damaged"))
    assert rejected_as == expected
    assert elapsed < CORPUS_TIME_LIMIT_S


def test_corpus_folder_override_by_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "pillow-bad-images").mkdir()
    monkeypatch.setenv(TESTDATA_ENV, str(tmp_path))
    assert corpus_dir() == tmp_path / "pillow-bad-images"
    monkeypatch.setenv(TESTDATA_ENV, str(tmp_path / "pillow-bad-images"))
    assert corpus_dir() == tmp_path / "pillow-bad-images"
    monkeypatch.delenv(TESTDATA_ENV)
    assert corpus_dir() is None  # no default outside the repository


# ------------------------------------------------------------------------------ JPEG


def test_jpeg_metadata_is_stripped_losslessly_and_orientation_kept() -> None:
    data = jpeg_with_metadata(orientation=6)
    info = inspect(data)
    assert info == ImageInfo("JPEG", 48, 64, ".jpg", 1)  # as displayed: 64x48 turned upright

    stored, stored_info = clean_original(data, info)
    assert stored_info == info
    with Image.open(io.BytesIO(stored)) as img:
        exif = img.getexif()
        assert dict(exif) == {0x0112: 6}
        assert exif.get_ifd(0x8825) == {}
        assert img.info["icc_profile"] == SRGB_ICC
        assert ("xmp" in img.info, "comment" in img.info) == (False, False)
        assert ImageOps.exif_transpose(img).size == (48, 64)
    for secret in (b"SecretCam", b"secret comment", b"secret iptc", b"TRAILER", b"GPSLatitude"):
        assert secret not in stored
    assert stored.endswith(b"\xff\xd9")
    assert pixels(stored) == pixels(data)
    assert clean_original(stored, stored_info) == (stored, stored_info)  # idempotent


def test_jpeg_variant_is_rotated_and_has_no_exif() -> None:
    stored, _info = clean_original(jpeg_with_metadata(6), inspect(jpeg_with_metadata(6)))
    variant, width, height = render_variant(io.BytesIO(stored), max_side=32)
    assert (width, height) == (24, 32)
    with Image.open(io.BytesIO(variant)) as img:
        assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (24, 32))
        assert dict(img.getexif()) == {}
        assert img.info["icc_profile"] == SRGB_ICC
        # raw red|green / blue|yellow turned 90 degrees clockwise
        assert corners(img) == ("blue", "red", "yellow", "green")
    assert b"Exif" not in variant


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_pillow_exif_transpose(orientation: int) -> None:
    data = jpeg_with_metadata(orientation)
    with Image.open(io.BytesIO(data)) as img:
        upright = ImageOps.exif_transpose(img)
    info = inspect(data)
    assert (info.width, info.height) == upright.size
    stored, stored_info = clean_original(data, info)
    assert stored_info == info
    with Image.open(io.BytesIO(stored)) as img:
        assert dict(img.getexif()) == ({} if orientation == 1 else {0x0112: orientation})
    variant, width, height = render_variant(io.BytesIO(stored), max_side=64)
    assert (width, height) == upright.size
    with Image.open(io.BytesIO(variant)) as img:
        assert corners(img) == corners(upright)


def test_mpo_keeps_only_the_primary_image() -> None:
    frames = [quadrants(), Image.new("RGB", (64, 48), "white")]
    data = encode(frames[0], "MPO", save_all=True, append_images=frames[1:])
    with Image.open(io.BytesIO(data)) as img:
        assert (img.format, getattr(img, "n_frames", 1)) == ("MPO", 2)
    info = inspect(data, "stereo.jpg")
    assert info == ImageInfo("JPEG", 64, 48, ".jpg", 1)
    stored, stored_info = clean_original(data, info)
    assert stored_info == info
    with Image.open(io.BytesIO(stored)) as img:
        assert (img.format, getattr(img, "n_frames", 1)) == ("JPEG", 1)
    assert b"MPF\x00" not in stored
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        assert pixels(stored) == ("RGB", (64, 48), img.tobytes())


@pytest.mark.parametrize("progressive", [False, True])
@pytest.mark.parametrize("keep", [0.25, 0.5, 0.9, -200, -3, -2, -1])
def test_truncated_jpeg_is_rejected_even_in_draft_mode(progressive: bool, keep: float) -> None:
    data = encode(noise((640, 480)), "JPEG", quality=90, progressive=progressive)
    assert inspect(data, "whole.jpg") == ImageInfo("JPEG", 640, 480, ".jpg", 1)
    cut = int(len(data) * keep) if keep > 0 else len(data) + int(keep)
    assert rejection(data[:cut], "cut.jpg") == damaged("cut.jpg")


def test_cmyk_and_greyscale_jpegs_become_rgb_variants() -> None:
    for mode in ("CMYK", "L"):
        data = encode(quadrants(mode=mode), "JPEG")
        info = inspect(data)
        assert info == ImageInfo("JPEG", 64, 48, ".jpg", 1)
        stored, _ = clean_original(data, info)
        assert pixels(stored) == pixels(data)
        variant, width, height = render_variant(io.BytesIO(stored), max_side=32)
        with Image.open(io.BytesIO(variant)) as img:
            assert (img.mode, img.size, (width, height)) == ("RGB", (32, 24), (32, 24))


# ------------------------------------------------------------------------------ PNG / WebP


def test_png_with_alpha_is_rotated_stripped_and_keeps_alpha() -> None:
    src = quadrants((40, 30), "RGBA")
    src.paste((0, 0, 0, 0), (20, 15, 40, 30))  # bottom-right fully transparent
    text = PngInfo()
    text.add_text("Comment", "secret text")
    text.add_itxt("XML:com.adobe.xmp", XMP.decode())
    data = encode(src, "PNG", exif=gps_exif(8), pnginfo=text)

    info = inspect(data, "shot.png")
    assert info == ImageInfo("PNG", 30, 40, ".png", 1)
    stored, stored_info = clean_original(data, info)
    assert stored_info == info
    with Image.open(io.BytesIO(data)) as img:
        upright = ImageOps.exif_transpose(img)
    assert pixels(stored) == ("RGBA", (30, 40), upright.tobytes())
    with Image.open(io.BytesIO(stored)) as img:
        assert (img.format, "exif" in img.info, dict(img.getexif())) == ("PNG", False, {})
    for secret in (b"secret text", b"GPSLatitude", b"SecretCam", b"eXIf"):
        assert secret not in stored

    variant, width, height = render_variant(io.BytesIO(stored), max_side=400)
    assert (width, height) == (30, 40)  # never upscaled
    with Image.open(io.BytesIO(variant)) as img:
        assert (img.mode, img.size) == ("RGB", (30, 40))
        # orientation 8: turned 90 degrees counter-clockwise; transparent area flattened on white
        assert corners(img) == ("green", "white", "red", "blue")


def test_webp_lossy_and_lossless_are_stripped_in_their_own_format() -> None:
    lossy = encode(quadrants(), "WEBP", quality=80, exif=gps_exif(1))
    info = inspect(lossy, "a.webp")
    assert info == ImageInfo("WEBP", 64, 48, ".webp", 1)
    stored, stored_info = clean_original(lossy, info)
    assert stored_info == info
    assert (b"EXIF" in stored, b"SecretCam" in stored, stored[12:16]) == (False, False, b"VP8 ")

    src = quadrants(mode="RGBA")
    src.putalpha(128)
    lossless = encode(src, "WEBP", lossless=True, exif=gps_exif(3))
    info = inspect(lossless, "b.webp")
    assert info == ImageInfo("WEBP", 64, 48, ".webp", 1)
    stored, stored_info = clean_original(lossless, info)
    assert stored_info == info
    assert pixels(stored) == ("RGBA", (64, 48), src.rotate(180).tobytes())
    assert (b"EXIF" in stored, b"SecretCam" in stored, stored[12:16]) == (False, False, b"VP8L")


def animated(fmt: str, count: int = 3) -> bytes:
    frames = [noise((64, 64), seed) for seed in range(count)]
    options = {"lossless": True} if fmt == "WEBP" else {}
    return encode(
        frames[0], fmt, save_all=True, append_images=frames[1:], duration=80, loop=0, **options
    )


@pytest.mark.parametrize(("fmt", "ext"), [("WEBP", ".webp"), ("PNG", ".png")])
def test_animation_is_accepted_and_kept_animated(fmt: str, ext: str) -> None:
    data = animated(fmt)
    info = inspect(data, "anim" + ext)
    assert info == ImageInfo(fmt, 64, 64, ext, 3)
    stored, stored_info = clean_original(data, info)
    assert stored_info == info
    with Image.open(io.BytesIO(stored)) as img:
        assert (img.format, getattr(img, "n_frames", 1)) == (fmt, 3)
    variant, width, height = render_variant(io.BytesIO(stored), max_side=32)
    assert pixels(variant)[:2] == ("RGB", (32, 32)) == ("RGB", (width, height))


def riff_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(fourcc, offset, size) of the top-level chunks of a RIFF/WebP file."""
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        chunks.append((data[pos : pos + 4], pos, size))
        pos += 8 + size + (size & 1)
    return chunks


def test_animated_webp_with_a_broken_later_frame_is_rejected() -> None:
    data = animated("WEBP")
    tag, start, size = riff_chunks(data)[-1]
    assert tag == b"ANMF"
    corrupt = bytearray(data)
    corrupt[start + 40 : start + 8 + size] = bytes(size - 32)  # zero the last frame's bitstream
    with Image.open(io.BytesIO(bytes(corrupt))) as img:
        img.load()  # the first frame alone decodes fine: every frame must be checked
    assert rejection(bytes(corrupt), "anim.webp") == damaged("anim.webp")
    truncated = data[: start + size // 2]
    assert rejection(truncated, "anim.webp") == invalid("anim.webp")


def test_truncated_apng_is_rejected() -> None:
    data = animated("PNG")
    cut = data.rfind(b"fdAT") + 100
    assert rejection(data[:cut], "anim.png") == damaged("anim.png")


# ------------------------------------------------------------------------------ HEIC


def test_heic_becomes_an_upright_jpeg_without_metadata() -> None:
    data = encode(quadrants(), "HEIF", exif=gps_exif(6).tobytes(), quality=90)
    info = inspect(data, "IMG_0001.HEIC")
    assert info == ImageInfo("HEIF", 48, 64, ".heic", 1)
    stored, stored_info = clean_original(data, info)
    assert stored_info == ImageInfo("JPEG", 48, 64, ".jpg", 1)
    with Image.open(io.BytesIO(stored)) as img:
        assert (img.format, img.size, dict(img.getexif())) == ("JPEG", (48, 64), {})
        assert corners(img) == ("blue", "red", "yellow", "green")
    assert b"SecretCam" not in stored
    variant, width, height = render_variant(io.BytesIO(stored), max_side=32)
    assert pixels(variant)[:2] == ("RGB", (24, 32)) == ("RGB", (width, height))
    assert rejection(data[: len(data) // 2], "IMG_0002.HEIC") in {
        invalid("IMG_0002.HEIC"),
        damaged("IMG_0002.HEIC"),
    }


# ------------------------------------------------------------------------------ limits


def test_size_limit_is_checked_first_and_names_file_and_limit() -> None:
    data = encode(quadrants(), "PNG")
    assert inspect(data, "ok.png", max_bytes=len(data)) == ImageInfo("PNG", 64, 48, ".png", 1)
    message = rejection(data, "big.png", max_bytes=len(data) - 1)
    assert message != invalid("big.png")
    message = rejection(bytes(3 * MB), "huge.jpg", max_bytes=int(2.5 * MB))  # not even an image
    assert ("huge.jpg" in message, "2.5" in message) == (True, True)


def test_pixel_limit_is_checked_from_the_header_before_decoding() -> None:
    before = Image.MAX_IMAGE_PIXELS
    filters = list(warnings.filters)
    # The header alone is over the limit; decoding would fail (no pixel data at all).
    assert rejection(png_header_only(5000, 5000), "tall.png", max_pixels=10_000_000) == (
        too_many_pixels("tall.png", 10_000_000)
    )
    assert rejection(png_header_only(5000, 5000), "ok.png") == damaged("ok.png")
    # Over Pillow's own warning / error thresholds.
    for width in (10_000, 100_000):
        message = rejection(png_header_only(width, width), "bomb.png", max_pixels=200_000_000)
        assert message == too_many_pixels("bomb.png", 200_000_000)
    jpeg = bytearray(encode(quadrants(), "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 60_000, 60_000)
    assert rejection(bytes(jpeg), "bomb.jpg") == too_many_pixels("bomb.jpg", MAX_PIXELS)
    assert "40" in too_many_pixels("bomb.jpg", MAX_PIXELS)
    assert (Image.MAX_IMAGE_PIXELS, list(warnings.filters)) == (before, filters)


def test_animation_limits() -> None:
    count = images.MAX_TOTAL_PIXELS_FACTOR + 1
    data = animated("WEBP", count=count)
    name = "anim.webp"
    assert rejection(data, name, max_pixels=64 * 64 - 1) == too_many_pixels(name, 64 * 64 - 1)
    # every frame fits, all of them together exceed MAX_TOTAL_PIXELS_FACTOR * max_pixels
    too_many_frames = rejection(data, name, max_pixels=64 * 64)
    assert too_many_frames not in {invalid(name), damaged(name), too_many_pixels(name, 64 * 64)}
    assert inspect(data, name, max_pixels=2 * 64 * 64) == ImageInfo("WEBP", 64, 64, ".webp", count)
    dots = [Image.new("RGB", (2, 2), (i, 0, 0)) for i in range(images.MAX_FRAMES + 1)]
    data = encode(dots[0], "WEBP", save_all=True, append_images=dots[1:], lossless=True)
    assert rejection(data, name) == too_many_frames


def test_truncation_tolerance_must_stay_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError):
        inspect(encode(quadrants(), "PNG"))


# ------------------------------------------------------------------------------ not images


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect width="9"/></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("photo.jpg", encode(quadrants(), "JPEG"))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.jpg", HTML),
        ("photos.jpg", zip_bytes()),
        ("drawing.svg", SVG),
        ("drawing.png", SVG),
        ("animation.gif", encode(quadrants(), "GIF")),
        ("bitmap.jpg", encode(quadrants(), "BMP")),
        ("scan.tif", encode(quadrants(), "TIFF")),
        ("icon.png", encode(quadrants(), "ICO")),
        ("zero.png", png_header_only(0, 10)),
        ("garbage.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 \x04\x00\x00\x00abcd"),
    ],
)
def test_non_images_and_other_formats_are_rejected(name: str, data: bytes) -> None:
    assert rejection(data, name) == invalid(name)


def test_empty_file_is_rejected() -> None:
    message = rejection(b"", "empty.jpg")
    assert message not in {invalid("empty.jpg"), damaged("empty.jpg")}


@pytest.mark.parametrize(("fmt", "ext"), [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp")])
def test_one_pixel_image_is_accepted(fmt: str, ext: str) -> None:
    data = encode(Image.new("RGB", (1, 1), "red"), fmt)
    info = inspect(data, "dot" + ext)
    assert info == ImageInfo(fmt, 1, 1, ext, 1)
    stored, stored_info = clean_original(data, info)
    assert stored_info == info
    variant, width, height = render_variant(io.BytesIO(stored), max_side=400)
    assert (width, height) == (1, 1)
    assert pixels(variant)[:2] == ("RGB", (1, 1))


# ------------------------------------------------------------------------------ callers


def test_django_upload_objects_and_paths(tmp_path: Path) -> None:
    data = jpeg_with_metadata(6, size=(800, 600))
    upload = SimpleUploadedFile("IMG_1234.JPG", data, content_type="image/jpeg")
    assert upload.name is not None
    info = inspect_upload(
        cast(BinaryIO, upload),  # File proxies read/seek/tell; the stubs do not say so
        name=upload.name,
        max_bytes=MAX_BYTES,
        max_pixels=MAX_PIXELS,
    )
    assert info == ImageInfo("JPEG", 600, 800, ".jpg", 1)
    assert upload.read() == data  # rewound
    stored, _ = clean_original(data, info)
    path = tmp_path / "stored.jpg"
    path.write_bytes(stored)
    for source in (path, str(path)):
        assert render_variant(source, max_side=400)[1:] == (300, 400)
    with path.open("rb") as fh:
        assert render_variant(fh, max_side=100)[1:] == (75, 100)


# ------------------------------------------------------------------------------ fuzzing


SEEDS = {
    "seed.jpg": jpeg_with_metadata(6),
    "seed.png": encode(quadrants(mode="RGBA"), "PNG"),
    "seed.webp": encode(quadrants(), "WEBP", quality=70),
}


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about the mangled EXIF
@hypothesis_settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    keep=st.floats(0.0, 1.0),
)
def test_mutated_images_are_rejected_or_fully_usable(
    seed: str, edits: list[tuple[int, int]], keep: float
) -> None:
    data = bytearray(SEEDS[seed])
    for index, value in edits:
        data[index % len(data)] = value
    data = data[: max(1, int(len(data) * keep))] if keep < 1.0 else data
    try:
        info = inspect(bytes(data), seed)
    except ImageRejected as exc:
        assert seed in exc.message
        return
    stored, stored_info = clean_original(bytes(data), info)
    assert inspect(stored, seed) == stored_info
    variant, width, height = render_variant(io.BytesIO(stored), max_side=32)
    assert pixels(variant)[:2] == ("RGB", (width, height))
