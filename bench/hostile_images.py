"""Peak memory and time of each hostile image, in a fresh process per file and per stage.

    DEBUG=true .venv/bin/python -m bench.hostile_images

Stages: `web` is what the web worker does with an upload (services.photo_stage: inspect_upload,
then clean_original); `task` is what the photo task does with the stored file (clean_original,
then the web and thumbnail renditions). The files are those of tests/imagegen.py HEAVY (valid,
a few KB, 40 megapixels or 100 frames), the 1.6 KB 40-MP lossless WebP of the penetration test,
and the largest files the budget still accepts. Peak memory is the process's maximum resident
set (VmHWM, reset first) above what it held before the work began; times are wall clock and CPU.
Target (issue 12): at most 200 MB and 2 s per file and stage.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def _files(folder: Path) -> list[tuple[Path, str]]:
    """(path, what the budget must do) for each benchmarked file."""
    sys.path.insert(0, str(ROOT))
    from tests import imagegen as g

    out = []
    for h in g.HEAVY:
        out.append((h.write(folder), "refused"))
    lossless = folder / "40mp-lossless.webp"  # the finding's file (1.6 KB)
    buf = io.BytesIO()
    Image.new("RGB", g.BIG, "red").save(buf, "WEBP", lossless=True)
    lossless.write_bytes(buf.getvalue())
    out.append((lossless, "refused"))
    largest = {
        "25mp-at-budget.png": g.png_solid((5000, 5000)),
        "2x2.6mp-at-budget.webp": g.webp_big_canvas((1600, 1600), frames=2),
        "7.8mp-at-budget.webp": _still_webp((2800, 2800)),
        "23-frames-at-budget.png": g.apng_solid(23, (1000, 1000)),
        "40mp.jpg": _jpeg_40mp(),
    }
    for name, data in largest.items():
        (folder / name).write_bytes(data)
        out.append((folder / name, "accepted"))
    return out


def _still_webp(size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "WEBP", lossless=True)
    return buf.getvalue()


def _jpeg_40mp() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (6400, 6250), "red").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def _one(path: str, stage: str) -> dict[str, object]:
    """Run one stage on one file in this (fresh) process."""
    from django.conf import settings

    settings.configure(USE_I18N=False)
    from submissions import images

    data = Path(path).read_bytes()
    # ru_maxrss is inherited from the parent across fork and exec: reset the high-water mark
    # (Linux: clear_refs 5) and read VmHWM instead.
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = "accepted"
    try:
        info = images.inspect_upload(
            io.BytesIO(data), name=Path(path).name, max_bytes=20 * 1024 * 1024,
            max_pixels=40_000_000,
        )  # fmt: skip
        if stage == "web":
            images.clean_original(data, info)
        else:
            cleaned, _info = images.clean_original(data, info)
            web, _w, _h = images.render_variant(io.BytesIO(cleaned), max_side=1600)
            images.render_variant(io.BytesIO(web), max_side=400)
    except images.ImageRejected as exc:
        outcome = "refused: " + exc.message
    peak = _status_kib("VmHWM") - before
    return {
        "outcome": outcome,
        "peak_mb": round(peak / 1024, 1),
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
    }


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path, expect in _files(Path(tmp)):
            for stage in ("web", "task"):
                if stage == "task" and expect == "refused":
                    continue  # a refused upload is never stored, so never processed
                result = subprocess.run(
                    [sys.executable, "-m", "bench.hostile_images", "--one", str(path), stage],
                    cwd=ROOT, capture_output=True, text=True, check=True,
                )  # fmt: skip
                r = json.loads(result.stdout)
                rows.append((path.name, path.stat().st_size, stage, r))
    print("| file | bytes | stage | outcome | peak MB | wall s | CPU s |")
    print("| --- | ---: | --- | --- | ---: | ---: | ---: |")
    for name, size, stage, r in rows:
        outcome = str(r["outcome"]).split(":")[0]
        print(
            f"| {name} | {size:,} | {stage} | {outcome} | {r['peak_mb']} | {r['wall_s']} "
            f"| {r['cpu_s']} |"
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(_one(sys.argv[2], sys.argv[3])))
    else:
        main()
