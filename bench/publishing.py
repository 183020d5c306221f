"""Public installment page throughput through gunicorn, as a ratio to a bare Django view served
by the same gunicorn in the same run (target ≥ 0.5).

    .venv/bin/python bench/publishing.py --seconds 15

Loads the demo (a published series) into database bench_publishing on the local PostgreSQL and
measures with wrk (20 connections) on loopback.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import BASE, db_name, manage, running_stack  # noqa: E402


def wrk(path: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", BASE + path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise SystemExit(f"wrk printed no Requests/sec line:\n{out}")
    rps = float(found.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", out)
    return {
        "path": path,
        "requests_per_s": rps,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "p99": f"{p99.group(1)}{p99.group(2)}" if p99 else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--out", default="bench/results/publishing.json")
    args = parser.parse_args()
    with running_stack(db_name("publishing"), worker=False) as (env, _pid):
        manage({**env, "CELERY_TASK_ALWAYS_EAGER": "true"}, "load_demo")
        os.environ.update(env)
        import django

        django.setup()
        from publishing.models import Installment

        inst = (
            Installment.objects.filter(current_version__isnull=False)
            .select_related("series")
            .order_by("pk")
            .first()
        )
        page = f"/series/{inst.series.slug}/{inst.number}/"
        wrk(page, 3, args.connections)  # warm-up
        installment = wrk(page, args.seconds, args.connections)
        bare = wrk("/bench/bare/", args.seconds, args.connections)
    result = {
        "installment": installment,
        "bare_view": bare,
        "ratio": round(installment["requests_per_s"] / bare["requests_per_s"], 3),
        "seconds": args.seconds,
        "connections": args.connections,
        "gunicorn_workers": 2,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
