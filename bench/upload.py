"""Upload benchmark: cases with five 12-megapixel JPEGs through gunicorn, PostgreSQL, Redis and
a Celery worker. Reports request latency p50/p95, the time until all thumbnails exist, and the
worker's CPU time per photo.

    .venv/bin/python bench/upload.py --uploads 24

Needs the local PostgreSQL (trust auth) and Redis; creates and drops database bench_upload.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.stack import (  # noqa: E402
    BASE,
    camera_jpeg,
    cpu_seconds,
    db_name,
    login,
    percentile,
    running_stack,
)

PASSWORD = "bench-Pass-123"


def setup_fixtures():
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from submissions.lifecycle import call_transition
    from submissions.models import Call, Membership, Unit

    call = Call.objects.create(
        slug="bench",
        title="Benchmark call",
        opens_at=timezone.now() - timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=1),
        min_photos=1,
        max_photos=5,
        max_photo_mb=20,
    )
    call_transition(call=call, to=Call.Status.OPEN, actor=None, reason="Benchmark")
    unit = Unit.objects.create(name="基准测试街道")
    user = User.objects.create_user("bench-unit", password=PASSWORD)
    Membership.objects.create(unit=unit, user=user)
    return call


def upload(session, call, photos: list[bytes], n: int):
    csrf = session.cookies["csrftoken"]
    data = {
        "csrfmiddlewaretoken": csrf,
        "title": f"基准案例 {n}",
        "contact_name": "张某某",
        "contact_phone": "13812345678",
        "summary": "摘要",
        "body": "正文。" * 200,
        "photos-TOTAL_FORMS": str(len(photos)),
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "50",
        "save": "1",
    }
    files = {}
    for i, blob in enumerate(photos):
        data[f"photos-{i}-caption"] = f"图片说明 {i + 1}"
        data[f"photos-{i}-position"] = str(i + 1)
        files[f"photos-{i}-image"] = (f"IMG_{n:03d}_{i}.jpg", blob, "image/jpeg")
    url = f"{BASE}/collect/calls/{call.slug}/cases/new/"
    # The multipart body is encoded before the clock starts: we time the server, not the client.
    prepared = session.prepare_request(
        requests.Request("POST", url, data=data, files=files, headers={"Referer": url})
    )
    t0 = time.perf_counter()
    r = session.send(prepared, allow_redirects=False)
    elapsed = time.perf_counter() - t0
    if r.status_code != 302:
        raise SystemExit(f"upload {n} failed: HTTP {r.status_code}\n{r.text[-6000:]}")
    case_id = int(r.headers["Location"].rstrip("/").split("/")[-2])
    return elapsed, case_id, time.perf_counter()


def wait_done(case_ids, timeout=120.0) -> float:
    from submissions.models import Photo

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        pending = Photo.objects.filter(case_id__in=case_ids).exclude(processing="done")
        if not pending.exists():
            return time.perf_counter()
        time.sleep(0.02)
    raise SystemExit(f"thumbnails not ready after {timeout} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=24)
    parser.add_argument("--out", default="bench/results/upload.json")
    args = parser.parse_args()
    photos = [camera_jpeg(i) for i in range(5)]
    sizes = [len(p) for p in photos]
    with running_stack(db_name("upload")) as (env, worker_pid):
        os.environ.update(env)
        import django

        django.setup()
        from submissions.models import Photo

        call = setup_fixtures()
        session = login("bench-unit", PASSWORD)
        upload(session, call, photos, 0)  # warm-up (imports, connections)
        time.sleep(3)
        latencies, ready = [], []
        cpu0 = cpu_seconds(worker_pid)
        done_before = Photo.objects.filter(processing="done").count()
        # Isolated: each upload's thumbnails timed from the response (after the commit).
        for n in range(1, args.uploads + 1):
            elapsed, case_id, t_resp = upload(session, call, photos, n)
            latencies.append(elapsed)
            ready.append(wait_done([case_id]) - t_resp)
        cpu1 = cpu_seconds(worker_pid)
        processed = Photo.objects.filter(processing="done").count() - done_before
        # Burst: back-to-back uploads, then the time for the worker to catch up.
        burst_ids, burst_lat = [], []
        for n in range(1000, 1000 + 10):
            elapsed, case_id, t_last = upload(session, call, photos, n)
            burst_lat.append(elapsed)
            burst_ids.append(case_id)
        burst_ready = wait_done(burst_ids) - t_last
        failed = Photo.objects.filter(processing="failed").count()
    result = {
        "uploads": args.uploads,
        "photos_per_upload": 5,
        "photo_megapixels": 12,
        "photo_mb": round(statistics.mean(sizes) / 1e6, 2),
        "latency_p50_ms": round(percentile(latencies, 50) * 1000),
        "latency_p95_ms": round(percentile(latencies, 95) * 1000),
        "thumbnails_ready_p50_ms": round(percentile(ready, 50) * 1000),
        "thumbnails_ready_p95_ms": round(percentile(ready, 95) * 1000),
        "thumbnails_ready_max_ms": round(max(ready) * 1000),
        "worker_cpu_ms_per_photo": round((cpu1 - cpu0) * 1000 / max(1, processed), 1),
        "burst_10_uploads_latency_p95_ms": round(percentile(burst_lat, 95) * 1000),
        "burst_10_uploads_all_thumbnails_after_last_ms": round(burst_ready * 1000),
        "failed_photos": failed,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    for k, v in result.items():
        print(f"{k:48} {v}")


if __name__ == "__main__":
    main()
