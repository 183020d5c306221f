"""Static files as production serves them.

In production (DEBUG=false) `collectstatic` uses the manifest storage, which rewrites every
reference inside a stylesheet or script (source maps, CSS url() and @import) to a hashed name
and stops at the first file that is missing; without its manifest every page answers 500. The
test suite itself renders pages with the plain storage (tests/conftest.py), so only these tests
see that pipeline.
"""

import json
import os
import re
import sys
from pathlib import Path

import requests

from .production import REPO, free_port, manage, page_assets, process, wait_for

STATIC = REPO / "static"
TEMPLATES = REPO / "templates"

_SOURCE_MAP = re.compile(r"(?m)^\s*(?://|/\*)\s*[#@]\s*sourceMappingURL=([^\s*]+)")
_CSS_URL = re.compile(r"""\burl\(\s*(["']?)([^"')]*?)\1\s*\)""")
_CSS_IMPORT = re.compile(r"""@import\s+(["'])(.*?)\1""")
_TEMPLATE_STATIC = re.compile(r"""\{%\s*static\s+(["'])(.*?)\1""")


def _references(path: Path) -> list[str]:
    """The files a stylesheet or script names (data:, absolute and fragment URLs left out)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    found = [m.group(1) for m in _SOURCE_MAP.finditer(text)]
    if path.suffix == ".css":
        found += [m.group(2) for m in _CSS_URL.finditer(text)]
        found += [m.group(2) for m in _CSS_IMPORT.finditer(text)]
    return [
        url
        for url in found
        if url and not url.startswith(("data:", "#", "http:", "https:", "//", "/"))
    ]


def test_every_file_a_static_file_names_is_there():
    checked = []
    missing = []
    for path in sorted(STATIC.rglob("*")):
        if path.suffix not in (".css", ".js"):
            continue
        for url in _references(path):
            target = (path.parent / url.split("?")[0].split("#")[0]).resolve()
            checked.append(url)
            if not target.is_file():
                missing.append(f"{path.relative_to(REPO)} names {url}")
    assert missing == []
    # The scan sees the source maps of the vendored libraries (the files that were missing).
    assert "chart.umd.min.js.map" in checked
    assert "bootstrap.min.css.map" in checked


def test_every_static_file_a_template_names_is_there():
    named = {
        m.group(2): path.relative_to(REPO)
        for path in TEMPLATES.rglob("*.html")
        for m in _TEMPLATE_STATIC.finditer(path.read_text(encoding="utf-8"))
    }
    assert "vendor/chartjs/chart.umd.min.js" in named
    assert {name: where for name, where in named.items() if not (STATIC / name).is_file()} == {}


def _production_env(tmp: Path) -> dict[str, str]:
    """Production's settings (DEBUG=false, the default static storage) on plain HTTP, with a
    database that is never queried by the pages fetched here."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("STATICFILES_BACKEND", "DJANGO_SETTINGS_MODULE", "CACHE_URL")
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="static-test-" + "s" * 50,
        HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        CELERY_BROKER_URL="",
        STATIC_ROOT=str(tmp / "staticfiles"),
        MEDIA_ROOT=str(tmp / "media"),
        DJANGO_SETTINGS_MODULE="civiccases.settings",
    )
    return env


def test_collectstatic_with_production_storage_then_login_page_loads_its_css_and_js(tmp_path):
    env = _production_env(tmp_path)
    out = manage(["collectstatic", "--noinput"], env)
    assert "static files copied" in out
    manifest = json.loads((tmp_path / "staticfiles" / "staticfiles.json").read_text())["paths"]
    assert manifest["vendor/chartjs/chart.umd.min.js"].startswith("vendor/chartjs/chart.umd.min.")
    assert "vendor/chartjs/chart.umd.min.js.map" in manifest

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = [sys.executable, "-m", "gunicorn", "civiccases.wsgi", "--bind", f"127.0.0.1:{port}"]
    with process([*gunicorn, "--workers", "1"], env, tmp_path / "gunicorn.log") as proc:
        wait_for(base + "/healthz", proc, tmp_path / "gunicorn.log")
        page = requests.get(base + "/accounts/login/", timeout=30)
        assert page.status_code == 200
        assets = page_assets(page.text)
        hashed = {"/static/" + name: source for source, name in manifest.items()}
        assert [(kind, hashed.get(url)) for kind, url in assets] == [
            ("css", "vendor/bootstrap/bootstrap.min.css"),
            ("css", "css/portal.css"),
            ("js", "vendor/bootstrap/bootstrap.bundle.min.js"),
            ("js", "js/portal.js"),
        ]
        content_types = {"css": "text/css", "js": "text/javascript"}
        for kind, url in assets:
            asset = requests.get(base + url, timeout=30)
            assert (url, asset.status_code) == (url, 200)
            assert asset.headers["Content-Type"].split(";")[0] == content_types[kind]
            assert (
                asset.content
                == (tmp_path / "staticfiles" / url.removeprefix("/static/")).read_bytes()
            )
