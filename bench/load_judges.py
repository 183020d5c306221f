"""50 judges scoring at once: every judge of a generated round opens the queue, then loops
through the assigned cases for a fixed time: open the scoring page, save a draft (half the
criteria), submit all the scores.

    .venv/bin/python bench/load_judges.py --judges 50 --seconds 60

The round (bench/judging.py `generate`, left unscored) has --cases cases, 5 judges a case and
5 criteria. Afterwards the database must hold exactly one draft audit per successful draft
response and one submitted review per successful submit response. Reports p50/p95/max per
step, errors with status and page snippet, and the peak number of database connections.
Exits with status 1 on any error or mismatch.

Needs the local PostgreSQL (trust auth) and Redis; uses database <BENCH_DB_PREFIX>load_judges.
"""

import argparse
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen  # noqa: E402
from bench.judging import PASSWORD, generate  # noqa: E402
from bench.stack import BASE, db_name, running_stack  # noqa: E402


def scenario_factory(round_pk, queues: dict, criteria: list[int], counts, lock):
    def scenario(i, session, rec, stop_at):
        rnd = random.Random(i)
        loadgen.get(rec, "1 open queue", session, f"{BASE}/judging/review/rounds/{round_pk}/")
        for pk in queues[i]:
            if time.monotonic() >= stop_at:
                return
            url = f"{BASE}/judging/review/{pk}/"
            if loadgen.get(rec, "2 open scoring page", session, url) is None:
                continue
            points = {f"c{c}": str(rnd.randrange(8, 21)) for c in criteria}
            draft = {
                k: (v if n < len(criteria) // 2 + 1 else "")
                for n, (k, v) in enumerate(points.items())
            }
            r = loadgen.post(
                rec, "3 save draft", session, url, {**draft, "comment": "初步意见", "save": "1"}
            )
            if r is None:
                continue
            if not r.headers.get("Location", "").endswith(f"/judging/review/{pk}/"):
                rec.fail("3 save draft", "redirect", r.headers.get("Location", ""))
                continue
            with lock:
                counts["drafts"] += 1
            r = loadgen.post(
                rec,
                "4 submit scores",
                session,
                url,
                {**points, "comment": "评审意见：做法扎实。", "submit": "1"},
            )
            if r is None:
                continue
            if r.headers.get("Location", "").endswith(f"/judging/review/{pk}/"):
                rec.fail("4 submit scores", "not submitted", r.headers.get("Location", ""))
                continue
            with lock:
                counts["submitted"] += 1

    return scenario


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument("--cases", type=int, default=1000)
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
    parser.add_argument("--out", default="bench/results/load_judges.json")
    args = parser.parse_args()
    name = db_name("load_judges")
    with running_stack(
        name, gunicorn_workers=args.workers, gunicorn_threads=args.threads, worker=False
    ) as (env, _pid):
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection

        from judging.models import Assignment, Judge, ScoreAudit

        the_round, _report, _s = generate(args.cases, n_judges=args.judges, scored=False)
        judges = list(Judge.objects.filter(rounds=the_round).select_related("user").order_by("pk"))
        queues = {
            i: list(
                Assignment.objects.filter(round=the_round, judge=j)
                .order_by("case__number")
                .values_list("pk", flat=True)
            )
            for i, j in enumerate(judges)
        }
        criteria = list(the_round.criteria.order_by("position").values_list("pk", flat=True))
        counts, lock = {"drafts": 0, "submitted": 0}, threading.Lock()
        stop, db_stats = loadgen.db_connections_sampler(name)
        rec, phases = loadgen.run_users(
            [j.user.username for j in judges],
            PASSWORD,
            scenario_factory(the_round.pk, queues, criteria, counts, lock),
            seconds=args.seconds,
        )
        stop.set()
        audits = ScoreAudit.objects.filter(assignment__round=the_round)
        drafts_db = audits.filter(action=ScoreAudit.Action.DRAFT).count()
        submits_db = audits.filter(action=ScoreAudit.Action.SUBMIT).count()
        submitted_db = Assignment.objects.filter(
            round=the_round, status=Assignment.Status.SUBMITTED
        ).count()
        connection.close()
    errors = len(rec.failures)
    result = {
        "judges": args.judges,
        "cases": args.cases,
        "seconds": args.seconds,
        "reviews_per_judge": round(sum(len(q) for q in queues.values()) / len(queues), 1),
        "gunicorn": f"{args.workers} workers × {args.threads} threads",
        **phases,
        "draft_responses": counts["drafts"],
        "draft_audits_in_db": drafts_db,
        "submit_responses": counts["submitted"],
        "submit_audits_in_db": submits_db,
        "reviews_submitted_in_db": submitted_db,
        "reviews_submitted_per_s": round(counts["submitted"] / phases["run_s"], 1),
        "errors": errors,
        "steps": rec.summary(),
        "error_samples": rec.failure_samples(),
        **db_stats(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    consistent = drafts_db == counts["drafts"] and submits_db == counts["submitted"] == submitted_db
    sys.exit(0 if errors == 0 and consistent else 1)


if __name__ == "__main__":
    main()
