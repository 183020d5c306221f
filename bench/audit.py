"""Audit-trail benchmark on PostgreSQL: 1,000,000 log entries, the time of the log page with
each filter, and of the .xlsx export (capped at AUDIT_EXPORT_MAX_ROWS rows).

    .venv/bin/python bench/audit.py                       # 1,000,000 entries
    .venv/bin/python bench/audit.py --entries 200000

Entries are written with COPY in batches of 100,000 (realistic shapes: case, call, assignment
score and installment changes by 300 people over a year). Pages are requested in-process with
Django's test client as an organizer (no web server: this measures the view and the database).
Uses the database h_audit_bench on the local PostgreSQL (trust auth).
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import bench_env, manage, recreate_db  # noqa: E402

DB = "h_audit_bench"
BATCH = 100_000


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def generate(n_entries: int, seed: int = 7) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.models import Model
    from django.utils import timezone

    from accounts.models import User
    from judging.models import Assignment
    from publishing.models import Installment
    from submissions.models import Call, Case, Unit

    rnd = random.Random(seed)
    now = timezone.now()
    users = User.objects.bulk_create(
        User(
            username=f"bench-user{i}",
            full_name=f"用户{i}",
            password="!",
            is_organizer=i < 10,
        )
        for i in range(300)
    )
    organizer = users[0]
    units = Unit.objects.bulk_create(Unit(name=f"单位{i:03d}") for i in range(100))
    call = Call.objects.create(
        slug="bench",
        title="基准征集",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=1),
    )
    cases = Case.objects.bulk_create(
        (
            Case(call=call, unit=units[i % 100], number=i + 1, title=f"案例{i + 1}")
            for i in range(2000)
        ),
        batch_size=2000,
    )
    kinds = {
        m: ContentType.objects.get_for_model(m).pk
        for m in (Case, Call, Assignment, Installment, User)
    }
    columns = (
        "content_type_id",
        "object_pk",
        "object_id",
        "object_repr",
        "action",
        "changes",
        "changes_text",
        "actor_id",
        "actor_email",
        "cid",
        "remote_addr",
        "timestamp",
        "additional_data",
    )
    start = now - timedelta(days=365)
    written = 0
    t0 = time.perf_counter()
    while written < n_entries:
        buffer = io.StringIO()
        for i in range(written, min(n_entries, written + BATCH)):
            pick = rnd.random()
            model: type[Model]
            actor = users[rnd.randrange(300)]
            case = cases[rnd.randrange(len(cases))]
            if pick < 0.45:
                model, obj_id, repr_ = Case, case.pk, case.title
                changes = {
                    "title": [f"旧标题{i}", case.title],
                    "unit": [str(units[0].pk), str(case.unit_id)],
                }
            elif pick < 0.8:
                model, obj_id, repr_ = Assignment, i, f"专家{i % 190} · {case.code} {case.title}"
                changes = {
                    "status": ["draft", "submitted"],
                    "total": ["70", "85"],
                    "score:创新性": ["30", "35"],
                    "score:实效性": ["40", "50"],
                }
            elif pick < 0.9:
                model, obj_id, repr_ = Call, call.pk, call.title
                changes = {"status": ["open", "closed"]}
            elif pick < 0.97:
                model, obj_id, repr_ = Installment, i % 50 + 1, f"巡礼({i % 50 + 1})"
                changes = {"headline": ["", f"主题{i}"], "byline": ["", "文/记者 张某某"]}
            else:
                model, obj_id, repr_ = User, actor.pk, actor.full_name
                changes = {"password": ["********", "********"]}
            text = "\n".join(f"{k}: {b} → {a}" for k, (b, a) in changes.items())
            at = start + timedelta(seconds=int(365 * 86400 * i / n_entries))
            row = (
                kinds[model],
                obj_id,
                obj_id,
                repr_,
                1 if rnd.random() < 0.8 else 0,
                json.dumps(changes, ensure_ascii=False),
                text,
                actor.pk,
                actor.email or None,
                f"{i // 3:032x}",
                f"10.0.{i % 250}.{i % 200 + 1}",
                at.isoformat(),
                None,
            )
            buffer.write("\t".join(_copy_text(v) for v in row) + "\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY auditlog_logentry ({', '.join(columns)}) FROM STDIN", buffer
            )
        written = min(n_entries, written + BATCH)
        print(f"  {written:,} entries", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE auditlog_logentry")  # also flushes the GIN pending lists
    return {
        "generate_s": round(time.perf_counter() - t0, 1),
        "organizer": organizer,
        "kinds": kinds,
        "actor": users[42],
    }


def existing() -> dict:
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import User
    from judging.models import Assignment
    from publishing.models import Installment
    from submissions.models import Call, Case

    return {
        "generate_s": None,
        "organizer": User.objects.get(username="bench-user0"),
        "actor": User.objects.get(username="bench-user42"),
        "entries": LogEntry.objects.count(),
        "kinds": {
            m: ContentType.objects.get_for_model(m).pk
            for m in (Case, Call, Assignment, Installment, User)
        },
    }


def timed(client, url, params, *, repeat: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (url, params, response.status_code)
    out = {
        "median_ms": round(1000 * statistics.median(times), 1),
        "max_ms": round(1000 * max(times), 1),
        "queries": len(queries),
    }
    if "X-Audit-Rows" in response:
        out["rows"] = int(response["X-Audit-Rows"])
        out["capped"] = response["X-Audit-Capped"] == "1"
        out["bytes"] = len(response.content)
    elif response.context is not None and response.context.get("page") is not None:
        out["matches"] = response.context["page"].paginator.count  # counted up to 10,001
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default="bench/results/audit.json")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the entries a previous run left (no generation)",
    )
    args = parser.parse_args()
    env = bench_env(DB, "/tmp/bench-audit-media")
    if not args.reuse:
        recreate_db(DB)
        manage(env, "migrate", "-v0")
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    setup_test_environment()  # the response context, for the match counts
    settings.ALLOWED_HOSTS = ["testserver"]
    if args.reuse:
        data = existing()
        args.entries = data["entries"]
    else:
        data = generate(args.entries)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(data["organizer"])
    log, export = reverse("audit:log"), reverse("audit:export")
    today = timezone.localdate()
    week = {
        "date_from": (today - timedelta(days=100)).isoformat(),
        "date_to": (today - timedelta(days=94)).isoformat(),
    }
    cases = data["kinds"]
    from django.apps import apps

    case_kind = cases[apps.get_model("submissions.Case")]
    assignment_kind = cases[apps.get_model("judging.Assignment")]
    pages = {
        "first page, no filter": {},
        "page 1000, no filter": {"page": 1000},
        "one person": {"actor": data["actor"].username},
        "kind (cases) and action": {"kind": case_kind, "action": 1},
        "one week": week,
        "text in name or values (案例1234)": {"q": "案例1234"},
        "text found nowhere": {"q": "无此内容"},
        "two characters found nowhere (too short for trigrams: whole table read)": {"q": "无此"},
        "text within one week": {"q": "案例1234", **week},
        "person + kind + week": {"actor": data["actor"].username, "kind": assignment_kind, **week},
    }
    result = {"entries": args.entries, "generate_s": data["generate_s"], "pages": {}, "export": {}}
    for label, params in pages.items():
        client.get(log, params)  # warm
        result["pages"][label] = timed(client, log, params, repeat=args.repeat)
        print(label, result["pages"][label], flush=True)
    exports = {
        "no filter (capped at 20,000)": {},
        "one week": week,
        "one person": {"actor": data["actor"].username},
    }
    for label, params in exports.items():
        result["export"][label] = timed(client, export, params, repeat=max(1, args.repeat // 2))
        print("export", label, result["export"][label], flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
