"""Judging benchmark on PostgreSQL: results computation at 10,000 and 100,000 cases, and the
p95 of the results page and the judge's scoring page under 20 concurrent users via gunicorn.

    .venv/bin/python bench/judging.py                 # 10,000 cases, pages, 100,000 cases
    .venv/bin/python bench/judging.py --cases 10000 --skip-100k

Generates a call with N cases, 200 judges, 5 judges a case and 5 criteria (N × 25 criterion
scores). Needs the local PostgreSQL (trust auth), Redis and wrk; uses databases bench_judging
and bench_judging_100k.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import BASE, db_name, login, running_stack  # noqa: E402

PASSWORD = "bench-Pass-123"
WRK_P95 = """
done = function(summary, latency, requests)
  io.write(string.format("P95_MS %.1f\\nP50_MS %.1f\\nREQS %d\\nERRORS %d\\n",
    latency:percentile(95) / 1000, latency:percentile(50) / 1000, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""
WRK_ROTATE = """
paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def generate(
    n_cases: int, *, n_judges=200, k=5, n_criteria=5, all_criteria=True, seed=1, scored=True
):
    """Bulk-generate an open round: with every review submitted, or (`scored=False`) none."""
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from judging.models import Assignment, Criterion, Judge, Round, RoundCase, Score
    from judging.services import rounds as round_services
    from submissions.lifecycle import call_transition
    from submissions.models import Call, Case, Membership, Unit

    rnd = random.Random(seed)
    now = timezone.now()
    call = Call.objects.create(
        slug="bench",
        title="基准评审",
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1),
    )
    for status in (Call.Status.OPEN, Call.Status.CLOSED):
        call_transition(call=call, to=status, actor=None, reason="Benchmark")
    units = Unit.objects.bulk_create(Unit(name=f"单位{i:04d}") for i in range(500))
    password = make_password(PASSWORD)
    unit_user = User.objects.create(username="bench-unit", password=password)
    Membership.objects.create(unit=units[0], user=unit_user)
    User.objects.create(username="bench-organizer", password=password, is_organizer=True)
    Case.objects.bulk_create(
        (
            Case(
                call=call,
                unit=units[i % len(units)],
                number=i + 1,
                title=f"案例 {i + 1}",
                contact_name="张某某",
                contact_phone="13812345678",
                summary="摘要",
                body="正文。" * 300,
                status=Case.Status.ACCEPTED,
            )
            for i in range(n_cases)
        ),
        batch_size=5000,
    )
    users = User.objects.bulk_create(
        User(username=f"bench-judge{i}", password=password, full_name=f"专家{i}")
        for i in range(n_judges)
    )
    judges = Judge.objects.bulk_create(
        Judge(
            user=u, name=u.full_name, affiliation=f"机构{i % 20}", unit=units[i] if i < 10 else None
        )
        for i, u in enumerate(users)
    )
    the_round = Round.objects.create(
        call=call,
        number=1,
        name="初评",
        judges_per_case=k,
        rule=Round.Rule.TRIMMED,
        trim_min_judges=5,
    )
    criteria = Criterion.objects.bulk_create(
        Criterion(round=the_round, name=f"标准{i + 1}", max_points=Decimal(20), position=i)
        for i in range(n_criteria)
    )
    the_round.panel.set(judges)
    RoundCase.objects.bulk_create(
        (
            RoundCase(round=the_round, case_id=c)
            for c in Case.objects.filter(call=call).values_list("pk", flat=True)
        ),
        batch_size=10000,
    )
    t0 = time.perf_counter()
    report = round_services.round_assign(round=the_round, actor=None)  # a benchmark: nobody acts
    assign_s = time.perf_counter() - t0
    Round.objects.filter(pk=the_round.pk).update(status=Round.Status.OPEN)
    if not scored:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return the_round, report, assign_s
    severity = {j.pk: rnd.uniform(-2, 2) for j in judges}
    quality = {
        c: rnd.uniform(8, 18) for c in Case.objects.filter(call=call).values_list("pk", flat=True)
    }
    scored = criteria if all_criteria else criteria[:1]
    ids, totals, firsts, scores = [], [], [], []
    for a in Assignment.objects.filter(round=the_round).values_list("pk", "judge_id", "case_id"):
        pk, judge_id, case_id = a
        total = Decimal(0)
        for crit in criteria:
            p = Decimal(
                max(
                    0,
                    min(20, round_half(quality[case_id] + severity[judge_id] + rnd.gauss(0, 1.5))),
                )
            )
            total += p
            if crit is criteria[0]:
                firsts.append(p)
            if crit in scored:
                scores.append(Score(assignment_id=pk, criterion=crit, points=p))
        ids.append(pk)
        totals.append(total)
        if len(scores) >= 50000:
            Score.objects.bulk_create(scores, batch_size=10000)
            scores = []
    Score.objects.bulk_create(scores, batch_size=10000)
    with connection.cursor() as cursor:  # every review submitted, in one statement
        cursor.execute(
            "UPDATE judging_assignment AS a SET total = v.total, first_points = v.first, "
            "status = 'submitted', submitted_at = %s "
            "FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) AS v(id, total, first) "
            "WHERE a.id = v.id",
            [now, ids, totals, firsts],
        )
    with connection.cursor() as cursor:  # planner statistics, as autovacuum keeps them live
        cursor.execute("ANALYZE")
    return the_round, report, assign_s


def round_half(x: float) -> float:
    return round(x * 2) / 2


def time_results(the_round, repeats=3) -> list[float]:
    from judging.services.results import results_compute

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        results_compute(round=the_round, actor=None)
        times.append(time.perf_counter() - t0)
    return times


def query_count(path: str, username: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    from accounts.models import User

    client.force_login(User.objects.get(username=username))
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(ctx)


def wrk(paths: list[str], session, *, seconds=15, connections=20) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "paths.txt").write_text("\n".join(paths))
        script = Path(tmp, "bench.lua")
        script.write_text(WRK_ROTATE % Path(tmp, "paths.txt") + WRK_P95)
        cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        out = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                "-H",
                f"Cookie: {cookie}",
                BASE + paths[0],
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    values = dict(
        line.split(" ", 1)
        for line in out.splitlines()
        if line.startswith(("P95_MS", "P50_MS", "REQS", "ERRORS"))
    )
    return {
        "p95_ms": float(values["P95_MS"]),
        "p50_ms": float(values["P50_MS"]),
        "requests": int(values["REQS"]),
        "errors": int(values["ERRORS"]),
        "seconds": seconds,
        "connections": connections,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--seconds", type=int, default=15)
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
    parser.add_argument("--out", default="bench/results/judging.json")
    args = parser.parse_args()
    result = {}
    # As in production with several processes: a shared cache (README), here Redis db 14.
    os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/14")
    subprocess.run(["redis-cli", "-n", "14", "flushdb"], check=True, capture_output=True)
    stack = running_stack(
        db_name("judging"),
        gunicorn_workers=args.workers,
        gunicorn_threads=args.threads,
        worker=False,
    )
    with stack as (env, _pid):
        os.environ.update(env)
        import django

        django.setup()
        from django.urls import reverse

        from judging.models import Assignment, Judge, Round, Score

        t0 = time.perf_counter()
        the_round, report, assign_s = generate(args.cases)
        result["generate_s"] = round_s(time.perf_counter() - t0)
        result["cases"] = args.cases
        result["criterion_scores"] = Score.objects.filter(assignment__round=the_round).count()
        result["assign_s"] = round_s(assign_s)
        result["assignment_balanced"] = report.balanced
        times = time_results(the_round)
        result["results_compute_s_median"] = round_s(statistics.median(times))
        result["results_compute_s_all"] = [round_s(t) for t in times]
        print(json.dumps(result), flush=True)
        Round.objects.filter(pk=the_round.pk).update(status=Round.Status.CLOSED)
        the_round.refresh_from_db()
        results_path = reverse("judging:round_results", kwargs={"pk": the_round.pk})
        result["results_page_queries"] = query_count(results_path, "bench-organizer")
        # The judge pages need an open round.
        Round.objects.filter(pk=the_round.pk).update(status=Round.Status.OPEN)
        judge = Judge.objects.select_related("user").order_by("pk")[15]
        review_paths = [
            reverse("judging:review", kwargs={"pk": pk})
            for pk in Assignment.objects.filter(round=the_round, judge=judge).values_list(
                "pk", flat=True
            )[:40]
        ]
        result["scoring_page_queries"] = query_count(review_paths[0], judge.user.username)
        judge_session = login(judge.user.username, PASSWORD)
        result["scoring_page"] = wrk(review_paths, judge_session, seconds=args.seconds)
        Round.objects.filter(pk=the_round.pk).update(status=Round.Status.CLOSED)
        organizer = login("bench-organizer", PASSWORD)
        pages = [results_path + f"?page={p}" for p in range(1, 21)]
        result["results_page"] = wrk(pages, organizer, seconds=args.seconds)
    if not args.skip_100k:
        from django.db import connections

        from bench.stack import bench_env, manage, recreate_db

        recreate_db(db_name("judging_100k"))
        manage(bench_env(db_name("judging_100k"), tempfile.mkdtemp()), "migrate", "-v0")
        connections.close_all()
        connections["default"].settings_dict["NAME"] = db_name("judging_100k")
        t0 = time.perf_counter()
        round100, _report, assign100 = generate(100_000, all_criteria=False)
        result["generate_100k_s"] = round_s(time.perf_counter() - t0)
        result["assign_100k_s"] = round_s(assign100)
        times = time_results(round100, repeats=2)
        result["results_compute_100k_s_median"] = round_s(statistics.median(times))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


def round_s(x: float) -> float:
    return round(x, 3)


if __name__ == "__main__":
    main()
