"""Photos through nginx: X-Accel-Redirect (PROTECTED_FILES=nginx) against streaming by gunicorn
(PROTECTED_FILES=python), in the same run, on the same database and the same nginx config
(deploy/nginx/portal.conf, via tests/nginxkit.py), gunicorn with 2 sync workers.

1. Judges' case pages: JUDGES concurrent judges (one thread each, logged in, keep-alive
   HTTPS to nginx), each loading its case page in a blind round and then the page's 4 photos
   (the thumbnails the page shows, THUMB_KB each) over 4 parallel connections, as a browser
   does; again and again for SECONDS. Reported: complete page loads (page + images) per
   second, p50/p95 of one load, and errors.
2. Photo responses alone: CLIENTS clients asking one photo's web copy (PHOTO_KB, what a judge
   opens from a thumbnail) again and again: through the portal
   with X-Accel, streamed by gunicorn, and nginx sending a static file of the same size from
   STATIC_ROOT (the ceiling: no Python at all).

    .venv/bin/python -m bench.nginx_files
    # defaults: JUDGES=20 SECONDS=30 CLIENTS=20 PHOTO_KB=300 THUMB_KB=30

Needs PostgreSQL (postgres@127.0.0.1:5432, BENCH_DB_PREFIX) and nginx; the client runs on the
same machine and takes CPU from the server (the figures are comparisons within one run).
"""

import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import requests

from bench.stack import PY, REPO, bench_env, db_name, manage, percentile, recreate_db
from tests.nginxkit import running_nginx
from tests.production import free_port, process, wait_for

JUDGES = int(os.environ.get("JUDGES", "20"))
SECONDS = float(os.environ.get("SECONDS", "30"))
CLIENTS = int(os.environ.get("CLIENTS", "20"))
PHOTO_KB = int(os.environ.get("PHOTO_KB", "300"))
THUMB_KB = int(os.environ.get("THUMB_KB", "30"))


def session(
    base: str, cert: Path, username: str | None = None, password: str = ""
) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(cert)
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=4)
    s.mount("https://", adapter)
    if username:
        login = base + "/accounts/login/"
        s.get(login, timeout=30)
        r = s.post(
            login,
            data={"username": username, "password": password,
                  "csrfmiddlewaretoken": s.cookies["csrftoken"]},
            headers={"Referer": login, "Origin": base},
            timeout=30, allow_redirects=False,
        )  # fmt: skip
        if r.status_code != 302:
            raise SystemExit(f"login failed for {username}: {r.status_code}")
    return s


def judges_pages(base: str, cert: Path, world: dict) -> dict:
    """Phase 1: every judge loads its case page and the page's photos, until time is up."""
    times: list[float] = []
    page_times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    sessions = [session(base, cert, u, world["password"]) for u in world["judges"][:JUDGES]]
    stop_at = time.monotonic() + SECONDS
    bytes_in = [0]

    def judge(i: int) -> None:
        s = sessions[i]
        page_url = f"{base}/judging/review/{world['assignments'][world['judges'][i]]}/"
        with ThreadPoolExecutor(max_workers=4) as pool:
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                try:
                    page = s.get(page_url, timeout=60)
                    t_page = time.perf_counter() - t0
                    images = sorted(
                        set(re.findall(r'src="(/judging/review/photos/[^"]+)"', page.text))
                    )
                    answers = list(pool.map(lambda u: s.get(base + u, timeout=60), images))
                except requests.RequestException as exc:
                    with lock:
                        errors.append(type(exc).__name__)
                    continue
                elapsed = time.perf_counter() - t0
                bad = [r.status_code for r in [page, *answers] if r.status_code != 200]
                with lock:
                    if bad or len(images) != 4:
                        errors.append(f"{bad} {len(images)} images")
                    else:
                        times.append(elapsed)
                        page_times.append(t_page)
                        bytes_in[0] += sum(len(r.content) for r in answers)

    t0 = time.monotonic()
    threads = [threading.Thread(target=judge, args=(i,)) for i in range(len(sessions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    return {
        "judges": len(sessions),
        "page_loads": len(times),
        "loads_per_s": round(len(times) / wall, 1),
        "photos_per_s": round(4 * len(times) / wall, 1),
        "p50_ms": round(percentile(times, 50) * 1000) if times else None,
        "p95_ms": round(percentile(times, 95) * 1000) if times else None,
        "mean_ms": round(statistics.mean(times) * 1000) if times else None,
        "page_alone_p50_ms": round(percentile(page_times, 50) * 1000) if times else None,
        "page_alone_p95_ms": round(percentile(page_times, 95) * 1000) if times else None,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "image_MB_per_s": round(bytes_in[0] / wall / 1e6, 2),
    }


def hammer(url: str, cert: Path, cookies, expect_bytes: int) -> dict:
    """Phase 2: CLIENTS clients asking `url` again and again for SECONDS / 2."""
    count = [0]
    errors = [0]
    times: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS / 2

    def client() -> None:
        s = requests.Session()
        s.trust_env = False
        s.verify = str(cert)
        s.cookies.update(cookies)
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                r = s.get(url, timeout=60)
                ok = r.status_code == 200 and len(r.content) == expect_bytes
            except requests.RequestException:
                ok = False
            with lock:
                if ok:
                    count[0] += 1
                    times.append(time.perf_counter() - t0)
                else:
                    errors[0] += 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    return {
        "responses_per_s": round(count[0] / wall, 1),
        "p50_ms": round(percentile(times, 50) * 1000) if times else None,
        "p95_ms": round(percentile(times, 95) * 1000) if times else None,
        "errors": errors[0],
    }


def main() -> None:
    name = db_name("nginx_files")
    folder = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    media, static = folder / "media", folder / "static"
    env = bench_env(name, str(media))
    env.update(
        STATIC_ROOT=str(static), AXES_PROXY_COUNT="1", HTTPS="true", CACHE_URL="locmemcache://"
    )
    env.pop("CELERY_BROKER_URL", None)
    recreate_db(name)
    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    out = __import__("subprocess").run(
        [PY, "manage.py", "shell", "-c", "from tests.live.nginx_world import main; main()"],
        cwd=REPO, env={**env, "NGINX_WORLD_JUDGES": str(JUDGES),
                       "NGINX_WORLD_WEB_BYTES": str(PHOTO_KB * 1024),
                       "NGINX_WORLD_THUMB_BYTES": str(THUMB_KB * 1024)},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    world = json.loads(next(x for x in out.splitlines() if x.startswith("NGINX_WORLD "))[12:])
    photo = world["photos"][0]
    shutil.copy(media / photo["web"], static / "ceiling.jpg")
    size = (media / photo["web"]).stat().st_size
    results: dict = {"judges": JUDGES, "seconds": SECONDS, "clients": CLIENTS, "photo_bytes": size}
    try:
        for mode in ("nginx", "python"):
            port = free_port()
            with ExitStack() as stack:
                log = folder / f"gunicorn-{mode}.log"
                web = stack.enter_context(
                    process(
                        [
                            PY,
                            "-m",
                            "gunicorn",
                            "civiccases.wsgi",
                            "--workers",
                            "2",
                            "--bind",
                            f"127.0.0.1:{port}",
                            "--timeout",
                            "120",
                            "--log-level",
                            "warning",
                        ],
                        {**env, "PROTECTED_FILES": mode},
                        log,
                    )  # fmt: skip
                )
                wait_for(f"http://127.0.0.1:{port}/healthz", web, log)
                nginx = stack.enter_context(
                    running_nginx(
                        folder / f"nginx-{mode}",
                        port=free_port(),
                        http_port=free_port(),
                        upstreams=[port],
                        static_root=static,
                        media_root=media,
                    )  # fmt: skip
                )
                print(f"[{mode}] judges' pages …", file=sys.stderr)
                results[f"pages_{mode}"] = judges_pages(nginx.base, nginx.cert, world)
                unit = session(nginx.base, nginx.cert, world["unit_user"], world["password"])
                url = f"{nginx.base}/collect/photos/{photo['uid']}/web/"
                print(f"[{mode}] photo responses …", file=sys.stderr)
                results[f"photo_{mode}"] = hammer(url, nginx.cert, unit.cookies, size)
                if mode == "nginx":
                    print("[static] the ceiling …", file=sys.stderr)
                    results["photo_static_ceiling"] = hammer(
                        f"{nginx.base}/static/ceiling.jpg", nginx.cert, {}, size
                    )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        __import__("subprocess").run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-qc",
                f'DROP DATABASE IF EXISTS "{name}"',
            ],
            check=False,
        )
    text = json.dumps(results, indent=2, ensure_ascii=False)
    out = REPO / "bench" / "results" / "nginx_files.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
