"""The portal behind a real nginx running deploy/nginx/portal.conf (tests/nginxkit.py: the
shipped file, only its paths, ports and certificate replaced), in front of gunicorn with
PROTECTED_FILES=nginx on a fresh PostgreSQL database (tests/live/nginx_world.py builds a unit's
case with four photos in a blind round).

Checked through nginx: a unit's photo (sent by nginx after the portal's check, with the portal's
headers), a judge's photo in a blind round (no unit in any header or name), an anonymous request
refused and the internal location closed to clients, a range request, static files with long
cache headers, a 108 MB upload accepted on the case form and a larger one refused by nginx with
the portal's own 413 page. gunicorn reaches PostgreSQL through the PgBouncer of
tests/live/conftest.py when there is one.

Skips (saying why) when nginx, openssl or PostgreSQL on 127.0.0.1:5432 is missing, except in CI
(CI=true), where it fails instead (.ci/run installs nginx).
"""

import hashlib
import json
import os
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
import requests

from tests.live.nginx_world import web_copy
from tests.nginxkit import Nginx, nginx_problem, running_nginx
from tests.production import REPO, free_port, manage, process, wait_for

IN_CI = os.environ.get("CI", "").strip().lower() == "true"
MB = 1024 * 1024
PHOTO_BYTES = 18 * MB  # under PHOTO_MAX_BYTES (20 MB)


def _admin_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return "postgres://postgres@127.0.0.1:5432/postgres"


def _as_admin(*statements: str) -> None:
    conn = psycopg2.connect(_admin_url(), connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


def _problem() -> str | None:
    reason = nginx_problem()
    if reason:
        return reason
    try:
        psycopg2.connect(_admin_url(), connect_timeout=3).close()
    except psycopg2.Error as exc:
        return f"PostgreSQL on 127.0.0.1:5432 does not answer: {exc}"
    return None


@dataclass
class Stack:
    nginx: Nginx
    world: dict
    media: Path
    gunicorn_log: Path

    def url(self, path: str) -> str:
        return self.nginx.base + path

    def session(self, username: str | None = None) -> requests.Session:
        """A browser: through nginx over HTTPS, signed in as `username` (None: nobody)."""
        s = requests.Session()
        s.trust_env = False  # no proxy, and REQUESTS_CA_BUNDLE would replace `verify`
        s.verify = str(self.nginx.cert)
        s.headers["Accept-Language"] = "en"
        if username is None:
            return s
        login = self.url("/accounts/login/")
        page = s.get(login, timeout=30)
        assert page.status_code == 200, page.text[:500]
        r = s.post(
            login,
            data={
                "username": username,
                "password": self.world["password"],
                "csrfmiddlewaretoken": s.cookies["csrftoken"],
            },
            headers={"Referer": login, "Origin": self.nginx.base},
            timeout=30,
            allow_redirects=False,
        )
        assert r.status_code == 302, r.text[:500]
        return s


def build_world(env: dict[str, str], judges: int = 1) -> dict:
    out = manage(
        ["shell", "-c", "from tests.live.nginx_world import main; main()"],
        {**env, "NGINX_WORLD_JUDGES": str(judges), "PYTHONPATH": str(REPO)},
    )
    line = next(x for x in out.splitlines() if x.startswith("NGINX_WORLD "))
    return json.loads(line.removeprefix("NGINX_WORLD "))


@pytest.fixture(scope="module")
def stack(tmp_path_factory, pgbouncer):
    reason = _problem()
    if reason:
        if IN_CI:
            pytest.fail(f"{reason}; CI=true, so the nginx tests must run", pytrace=False)
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("nginx-stack")
    name = f"nginx_live_{uuid.uuid4().hex[:8]}"
    _as_admin(f'CREATE DATABASE "{name}"')
    admin = _admin_url().rsplit("/", 1)[0]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "SECRET_KEY": "nginx-live-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{admin}/{name}",
        "CACHE_URL": "locmemcache://",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "PROTECTED_FILES": "nginx",
        "AXES_PROXY_COUNT": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    if os.environ.get("PGPASSWORD"):
        env["PGPASSWORD"] = os.environ["PGPASSWORD"]
    try:
        manage(["migrate", "-v0"], env)
        manage(["collectstatic", "--noinput", "-v0"], env)
        world = build_world(env)
        app_port = free_port()
        log = tmp / "gunicorn.log"
        gunicorn = [
            sys.executable, "-m", "gunicorn", "civiccases.wsgi", "--workers", "2",
            "--bind", f"127.0.0.1:{app_port}", "--timeout", "120",
        ]  # fmt: skip
        served = dict(env)
        if pgbouncer is not None:  # gunicorn reaches PostgreSQL through PgBouncer (conftest)
            served.update(
                DATABASE_URL=f"postgres://postgres@127.0.0.1:{pgbouncer.port}/{name}",
                DATABASE_DISABLE_SERVER_SIDE_CURSORS="true",
                DATABASE_RANDOM_PAGE_COST="",
            )
        with process(gunicorn, served, log) as web:
            wait_for(f"http://127.0.0.1:{app_port}/healthz", web, log)
            with running_nginx(
                tmp / "nginx",
                port=free_port(),
                http_port=free_port(),
                upstreams=[app_port],
                static_root=tmp / "static",
                media_root=tmp / "media",
            ) as nginx:
                yield Stack(nginx=nginx, world=world, media=tmp / "media", gunicorn_log=log)
    finally:
        _as_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_units_photo_is_sent_by_nginx_after_the_portals_check(stack):
    unit = stack.session(stack.world["unit_user"])
    photo = stack.world["photos"][0]
    stored = (stack.media / photo["image"]).read_bytes()

    r = unit.get(stack.url(f"/collect/photos/{photo['uid']}/original/"), timeout=30)

    assert r.status_code == 200
    assert _sha(r.content) == _sha(stored)
    assert r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["Content-Length"] == str(len(stored))
    assert r.headers["Content-Disposition"] == f'inline; filename="{photo["hex"]}.jpg"'
    assert r.headers["Cache-Control"] == "private, max-age=3600"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "X-Accel-Redirect" not in r.headers  # nginx consumed it
    assert r.headers["Accept-Ranges"] == "bytes"
    assert "Last-Modified" in r.headers and "ETag" in r.headers  # nginx's, from the file
    assert r.headers["Server"] == "nginx"  # server_tokens off: no version


def test_nginx_keeps_the_portals_content_type_and_name(stack):
    """A HEIC original: nginx's mime.types does not know .heic, the portal's type is kept."""
    unit = stack.session(stack.world["unit_user"])
    photo = stack.world["photos"][-1]
    assert photo["image"].endswith(".heic")

    r = unit.get(stack.url(f"/collect/photos/{photo['uid']}/original/"), timeout=30)

    assert r.status_code == 200
    assert r.headers["Content-Type"] == "image/heic"
    assert r.headers["Content-Disposition"] == f'inline; filename="{photo["hex"]}.heic"'
    assert r.content == (stack.media / photo["image"]).read_bytes()


def test_the_same_photo_is_refused_to_a_visitor_and_to_an_outsider(stack):
    photo = stack.world["photos"][0]
    url = stack.url(f"/collect/photos/{photo['uid']}/original/")

    anonymous = stack.session().get(url, timeout=30, allow_redirects=False)
    judge = stack.session(stack.world["judges"][0]).get(url, timeout=30, allow_redirects=False)

    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/accounts/login/?next=")
    assert judge.status_code == 404  # a judge reaches photos only through the review pages
    for r in (anonymous, judge):
        assert not r.headers.get("Content-Type", "").startswith("image/")


def test_the_internal_location_and_media_are_closed_to_clients(stack):
    photo = stack.world["photos"][0]
    unit = stack.session(stack.world["unit_user"])

    for path in (f"/protected/{photo['image']}", f"/media/{photo['image']}"):
        r = unit.get(stack.url(path), timeout=30, allow_redirects=False)
        assert r.status_code == 404, path
        assert len(r.content) < 10_000 and b"\xff\xd8" not in r.content[:2]
    # A client's own X-Accel-Redirect header is a request header: it redirects nothing.
    r = stack.session().get(
        stack.url("/accounts/login/"), headers={"X-Accel-Redirect": f"/protected/{photo['image']}"}
    )
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]


def test_a_judge_in_a_blind_round_gets_the_photos_without_the_unit(stack):
    username = stack.world["judges"][0]
    judge = stack.session(username)
    page = judge.get(stack.url(f"/judging/review/{stack.world['assignments'][username]}/"))
    assert page.status_code == 200
    urls = sorted(set(re.findall(r'src="(/judging/review/photos/[^"]+)"', page.text)))
    web = {p["uid"]: p for p in stack.world["photos"]}
    assert len(urls) == len(web)
    unit = stack.world["unit_name"]
    assert unit not in page.text
    for url in urls:
        uid, variant = url.split("/")[4:6]
        r = judge.get(stack.url(url), timeout=30)
        assert r.status_code == 200, url
        assert r.content == (stack.media / web[uid][variant]).read_bytes()
        headers = "\n".join(f"{k}: {v}" for k, v in r.headers.items())
        assert unit not in headers and "蓝鲸湾" not in headers
        assert r.headers["Content-Disposition"] == (
            f'inline; filename="{web[uid]["hex"]}-{variant}.jpg"'
        )
        assert stack.world["unit_user"] not in headers


def test_a_range_request_gets_the_part_asked_for(stack):
    unit = stack.session(stack.world["unit_user"])
    photo = stack.world["photos"][1]
    stored = (stack.media / photo["web"]).read_bytes()
    url = stack.url(f"/collect/photos/{photo['uid']}/web/")

    r = unit.get(url, headers={"Range": "bytes=1000-1999"}, timeout=30)
    tail = unit.get(url, headers={"Range": "bytes=-100"}, timeout=30)

    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes 1000-1999/{len(stored)}"
    assert r.content == stored[1000:2000]
    assert (tail.status_code, tail.content) == (206, stored[-100:])
    # The validators nginx sent let a browser revalidate: 304, no body.
    full = unit.get(url, timeout=30)
    again = unit.get(url, headers={"If-None-Match": full.headers["ETag"]}, timeout=30)
    assert (again.status_code, again.content) == (304, b"")


def test_static_files_are_served_by_nginx_with_long_cache_headers(stack):
    page = stack.session().get(stack.url("/accounts/login/"), timeout=30)
    hashed = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page.text)
    assert hashed is not None

    r = stack.session().get(stack.url(hashed[1]), headers={"Accept-Encoding": "gzip"}, timeout=30)

    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert r.headers["Content-Type"] == "text/css"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Encoding"] == "gzip"  # collectstatic's .gz copy (gzip_static)
    assert hashed[1] not in stack.gunicorn_log.read_text()


def test_plain_http_is_sent_to_https(stack):
    r = requests.get(
        f"http://127.0.0.1:{stack.nginx.http_port}/accounts/login/",
        timeout=30,
        allow_redirects=False,
    )
    assert (r.status_code, r.headers["Location"]) == (301, "https://127.0.0.1/accounts/login/")


def _case_form(session: requests.Session, url: str, photos: int) -> tuple[dict, list]:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:300]
    data = {
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
        "title": "口袋公园",
        "contact_name": "张某某",
        "contact_phone": "13812345678",
        "summary": "老城区建成口袋公园十二处。",
        "body": "正文。",
        "save": "1",
        "photos-TOTAL_FORMS": str(photos),
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "50",
    }

    files = []
    for i in range(photos):
        data[f"photos-{i}-caption"] = f"照片{i + 1}"
        data[f"photos-{i}-position"] = str(i + 1)
        files.append((f"photos-{i}-image", (f"p{i}.jpg", web_copy(PHOTO_BYTES, i))))
    return data, files


def test_a_108_mb_case_form_is_taken_and_a_126_mb_one_refused_with_the_portals_page(stack):
    unit = stack.session(stack.world["unit_user"])
    url = stack.url(f"/collect/calls/{stack.world['upload_call']}/cases/new/")

    data, files = _case_form(unit, url, photos=6)  # 6 × 18 MB: 108 MB, under the 110 MB
    ok = unit.post(url, data=data, files=files, headers={"Referer": url}, timeout=300,
                   allow_redirects=False)  # fmt: skip

    assert ok.status_code == 302, ok.text[:1000]
    case = unit.get(stack.url(ok.headers["Location"]), timeout=30)
    assert case.status_code == 200
    assert len(re.findall(r'src="/collect/photos/[0-9a-f-]{36}/thumb/"', case.text)) == 6

    data, files = _case_form(unit, url, photos=7)  # 126 MB
    refused = unit.post(url, data=data, files=files, headers={"Referer": url}, timeout=300,
                        allow_redirects=False)  # fmt: skip

    assert refused.status_code == 413
    assert "<title>The upload is too large</title>" in refused.text  # templates/413.html
    assert "(at most 110 MB)" in refused.text
    assert "nginx" not in refused.text
    assert "client intended to send too large body" in stack.nginx.error_log


CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"


def _judge_in_browser(chromium, stack: Stack, name: str, size: tuple[int, int]) -> None:
    username = stack.world["judges"][0]
    context = chromium.new_context(
        ignore_https_errors=True,  # the test's own certificate
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
        viewport={"width": size[0], "height": size[1]},
    )
    requested: list[str] = []
    images: list[int] = []
    page = context.new_page()
    page.on("request", lambda r: requested.append(r.url))
    page.on("response", lambda r: images.append(r.status) if "/photos/" in r.url else None)
    page.goto(stack.url("/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", stack.world["password"])
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.goto(stack.url(f"/judging/review/{stack.world['assignments'][username]}/"))
    thumbs = page.locator("img.photo-thumb")
    assert thumbs.count() == 4
    for i in range(4):
        thumbs.nth(i).scroll_into_view_if_needed()
        page.wait_for_function(
            "el => el.complete && el.naturalWidth > 0", arg=thumbs.nth(i).element_handle()
        )
    page.wait_for_load_state("networkidle")
    assert images == [200] * 4
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert stack.world["unit_name"] not in page.content()
    assert [u for u in requested if not u.startswith(stack.nginx.base + "/")] == []
    path = SCREENSHOTS / f"nginx-judge-review-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10 * 1024
    context.close()


def test_a_judge_sees_the_case_and_its_photos_through_nginx_in_a_browser(stack):
    """Chromium (Chinese) through nginx: a judge signs in and opens the case of a blind round;
    every thumbnail is loaded (sent by nginx after the portal's check), nothing comes from
    another host, the unit is named nowhere. Screenshots at phone and desktop sizes."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason: str | None = "the playwright Python package is missing"
    else:
        reason = None if CHROMIUM.exists() else f"chromium is missing: {CHROMIUM}"
    if reason:
        if IN_CI:
            pytest.fail(f"{reason}; CI=true, so the browser check must run", pytrace=False)
        pytest.skip(reason)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            _judge_in_browser(chromium, stack, "phone", (390, 844))
            _judge_in_browser(chromium, stack, "desktop", (1280, 900))
        finally:
            chromium.close()
