"""Realistic phone-camera JPEGs for the load scripts: a few hundred KB each, all different.

A gradient sky, a ground plane, a handful of shapes (buildings, signs), sensor noise, EXIF with a
camera name and GPS: what a unit's staff photograph on site and send from a phone after the app
has downscaled it. Sizes vary (landscape and portrait, 1280–2048 px on the long side).
"""

import io
import random

from PIL import Image, ImageDraw, ImageFilter


def make_photo(seed: int) -> bytes:
    rnd = random.Random(seed)
    long_side = rnd.choice((1280, 1600, 1920, 2048))
    short_side = long_side * 3 // 4
    w, h = (long_side, short_side) if rnd.random() < 0.7 else (short_side, long_side)
    sky = tuple(rnd.randrange(120, 230) for _ in range(3))
    ground = tuple(rnd.randrange(40, 140) for _ in range(3))
    img = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    img = Image.blend(img, Image.new("RGB", (w, h), sky), 0.6)
    draw = ImageDraw.Draw(img)
    horizon = int(h * rnd.uniform(0.45, 0.7))
    draw.rectangle((0, horizon, w, h), fill=ground)
    for _ in range(rnd.randrange(6, 16)):
        x0, bw = rnd.randrange(0, w), rnd.randrange(w // 20, w // 5)
        top = rnd.randrange(h // 8, horizon)
        colour = tuple(rnd.randrange(30, 250) for _ in range(3))
        draw.rectangle((x0, top, x0 + bw, horizon + rnd.randrange(0, h // 10)), fill=colour)
        for wy in range(top + 10, horizon - 10, rnd.randrange(18, 40)):  # windows
            draw.line((x0 + 5, wy, x0 + bw - 5, wy), fill=(20, 20, 30), width=3)
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    noise = Image.effect_noise((w, h), rnd.uniform(12, 30)).convert("RGB")
    img = Image.blend(img, noise, rnd.uniform(0.15, 0.25))
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x010F] = rnd.choice(("HUAWEI", "Xiaomi", "OPPO", "vivo", "Apple"))
    gps = exif.get_ifd(0x8825)
    gps.update(
        {
            1: "N",
            2: (31.0, float(rnd.randrange(60)), 5.0),
            3: "E",
            4: (121.0, float(rnd.randrange(60)), 7.0),
        }
    )
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=rnd.choice((85, 88, 92)), exif=exif)
    return buf.getvalue()


def photo_pool(n: int, seed: int = 0) -> list[bytes]:
    return [make_photo(seed * 1000 + i) for i in range(n)]


if __name__ == "__main__":
    import time

    t0 = time.perf_counter()
    pool = photo_pool(12)
    sizes = sorted(len(p) // 1024 for p in pool)
    print(f"{len(pool)} photos in {time.perf_counter() - t0:.1f} s, KB: {sizes}")
