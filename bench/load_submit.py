"""Deadline spike: N unit users (200 by default) submit cases with photos for a fixed time
through gunicorn, PostgreSQL, Redis and a Celery worker.

    .venv/bin/python bench/load_submit.py --users 200 --seconds 60

Each user logs in through the login form (before the clock starts), then loops until the time
is up: open the new-case form, post a case with 2–3 photos (150–770 KB phone JPEGs), submit it.
Afterwards it checks that the database holds exactly as many cases (and submitted cases) as
there were successful responses, waits for the worker to make every thumbnail and reports the
drain time, p50/p95/max per step, every error with its status and page snippet, and the peak
number of database connections. Exits with status 1 on any error or mismatch.

Needs the local PostgreSQL (trust auth) and Redis; uses database <BENCH_DB_PREFIX>load_submit
and the broker BENCH_BROKER (its Redis database is emptied).
"""

import argparse
import json
import os
import random
import re
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen  # noqa: E402
from bench.photos import photo_pool  # noqa: E402
from bench.stack import BASE, db_name, running_stack  # noqa: E402

PASSWORD = "bench-Pass-123"
CASE_URL = re.compile(r"/collect/cases/(\d+)/(edit/)?$")


def setup_fixtures(n_users: int, users_per_unit: int):
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from submissions.lifecycle import call_transition
    from submissions.models import Call, Membership, Unit

    call = Call.objects.create(
        slug="deadline",
        title="截止日压力测试",
        opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() + timedelta(days=1),
        min_photos=1,
        max_photos=5,
        max_photo_mb=20,
    )
    call_transition(call=call, to=Call.Status.OPEN, actor=None, reason="Load test")
    n_units = -(-n_users // users_per_unit)
    units = Unit.objects.bulk_create(Unit(name=f"压力测试街道{i:03d}") for i in range(n_units))
    password = make_password(PASSWORD)  # one hash for all: creating 200 would take a minute
    users = User.objects.bulk_create(
        User(username=f"load-unit{i:03d}", password=password) for i in range(n_users)
    )
    Membership.objects.bulk_create(
        Membership(unit=units[i // users_per_unit], user=u) for i, u in enumerate(users)
    )
    return call, [u.username for u in users]


def scenario_factory(call, photos: list[bytes], counts: dict, lock: threading.Lock):
    new_url = f"{BASE}/collect/calls/{call.slug}/cases/new/"

    def scenario(i, session, rec, stop_at):
        rnd = random.Random(i)
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            if loadgen.get(rec, "1 open form", session, new_url) is None:
                continue
            chosen = rnd.sample(photos, rnd.choice((2, 3)))
            data = {
                "title": f"社区案例 {i}-{n}",
                "contact_name": "张某某",
                "contact_phone": "13812345678",
                "summary": "摘要：" + "社区治理。" * 10,
                "body": "正文。" * rnd.randrange(100, 600),
                "photos-TOTAL_FORMS": str(len(chosen)),
                "photos-INITIAL_FORMS": "0",
                "photos-MIN_NUM_FORMS": "0",
                "photos-MAX_NUM_FORMS": "50",
                "save": "1",
            }
            files = {}
            for k, blob in enumerate(chosen):
                data[f"photos-{k}-caption"] = f"现场照片 {k + 1}"
                data[f"photos-{k}-position"] = str(k + 1)
                files[f"photos-{k}-image"] = (f"IMG_{i:03d}_{n}_{k}.jpg", blob, "image/jpeg")
            r = loadgen.post(rec, "2 save case with photos", session, new_url, data, files)
            match = r is not None and CASE_URL.search(r.headers.get("Location", ""))
            if r is not None and not (match and match.group(2)):
                rec.fail("2 save case with photos", "redirect", r.headers.get("Location", ""))
                continue
            if r is None:
                continue
            with lock:
                counts["created"] += 1
            pk = match.group(1)
            r = loadgen.post(
                rec, "3 submit case", session, f"{BASE}/collect/cases/{pk}/submit/", {}
            )
            if r is None:
                continue
            target = CASE_URL.search(r.headers.get("Location", ""))
            if not target or target.group(2):  # back to the edit page: not submitted
                rec.fail("3 submit case", "not submitted", r.headers.get("Location", ""))
                continue
            with lock:
                counts["submitted"] += 1

    return scenario


def wait_drained(timeout: float) -> tuple[float | None, int]:
    from submissions.models import Photo

    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if not Photo.objects.filter(processing=Photo.Processing.PENDING).exists():
            return time.monotonic() - t0, Photo.objects.filter(
                processing=Photo.Processing.FAILED
            ).count()
        time.sleep(0.5)
    return None, Photo.objects.filter(processing=Photo.Processing.FAILED).count()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--users-per-unit", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="gunicorn worker processes (default: one per core, as in the README)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (above 1: gthread workers)",
    )
    parser.add_argument("--celery", type=int, default=1, help="Celery worker processes")
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument("--out", default="bench/results/load_submit.json")
    args = parser.parse_args()
    photos = photo_pool(16)
    name = db_name("load_submit")
    with running_stack(
        name,
        gunicorn_workers=args.workers,
        gunicorn_threads=args.threads,
        worker_concurrency=args.celery,
    ) as (env, _pid):
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection

        from submissions.models import Case, Photo

        call, usernames = setup_fixtures(args.users, args.users_per_unit)
        counts, lock = {"created": 0, "submitted": 0}, threading.Lock()
        stop, db_stats = loadgen.db_connections_sampler(name)
        rec, phases = loadgen.run_users(
            usernames,
            PASSWORD,
            scenario_factory(call, photos, counts, lock),
            seconds=args.seconds,
        )
        stop.set()
        drain_s, failed = wait_drained(args.drain_timeout)
        in_db = Case.objects.filter(call=call).count()
        submitted_db = Case.objects.filter(call=call, status=Case.Status.SUBMITTED).count()
        photos_db = Photo.objects.filter(case__call=call).count()
        staged = Photo.objects.filter(case__isnull=True).count()
        connection.close()
    steps = rec.summary()
    errors = len(rec.failures)
    result = {
        "users": args.users,
        "seconds": args.seconds,
        "gunicorn": f"{args.workers} workers × {args.threads} threads",
        "celery_workers": args.celery,
        **phases,
        "cases_created_responses": counts["created"],
        "cases_in_db": in_db,
        "cases_submitted_responses": counts["submitted"],
        "cases_submitted_in_db": submitted_db,
        "photos_in_db": photos_db,
        "staged_photos_left": staged,
        "cases_submitted_per_s": round(counts["submitted"] / phases["run_s"], 1),
        "errors": errors,
        "steps": steps,
        "error_samples": rec.failure_samples(),
        "thumbnails_drained_after_run_s": round(drain_s, 1) if drain_s is not None else None,
        "failed_photos": failed,
        **db_stats(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    consistent = in_db == counts["created"] and submitted_db == counts["submitted"]
    sys.exit(0 if errors == 0 and consistent and drain_s is not None and not failed else 1)


if __name__ == "__main__":
    main()
