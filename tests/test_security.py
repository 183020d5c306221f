"""Security promises: deploy checks, CSP without inline script, login lockout, health."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civiccases.session_idle import REFRESHED_KEY

from .factories import PASSWORD, UserFactory

REPO = Path(__file__).resolve().parent.parent


#: The production variables README's Production section requires, and nothing else.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-production-secret-" + "y" * 30,
    "ALLOWED_HOSTS": "cases.example.gov.cn",
    "DATABASE_URL": "postgres://portal:secret@127.0.0.1:5432/portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def _run(args: list[str], variables: dict, timeout=120) -> subprocess.CompletedProcess:
    """Run Python in the repository with only `variables` set (no settings from this run)."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    env.update(DJANGO_SETTINGS_MODULE="civiccases.settings", **variables)
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def _settings_of(variables: dict) -> dict:
    names = [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
        "CACHES",
    ]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = _run(["-c", code], variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_pass_check_deploy_without_warnings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    # Nothing else: the one silenced check is documented in the settings.
    assert (result.stdout, result.stderr) == (
        "System check identified no issues (1 silenced).\n",
        "",
    )


def test_production_refuses_to_start_without_a_secret_key():
    variables = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _run(["manage.py", "check"], variables)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set." in result.stderr
    # A laptop (DEBUG=true) needs none.
    assert _run(["manage.py", "check"], {**variables, "DEBUG": "true"}).returncode == 0


def test_production_is_https_by_default_and_one_switch_serves_plain_http():
    https = _settings_of(PRODUCTION)
    assert (
        https["SECURE_SSL_REDIRECT"],
        https["SESSION_COOKIE_SECURE"],
        https["CSRF_COOKIE_SECURE"],
        https["SECURE_PROXY_SSL_HEADER"],
    ) == (True, True, True, ["HTTP_X_FORWARDED_PROTO", "https"])
    assert https["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600

    http = _settings_of({**PRODUCTION, "HTTPS": "false"})
    assert (
        http["SECURE_SSL_REDIRECT"],
        http["SESSION_COOKIE_SECURE"],
        http["CSRF_COOKIE_SECURE"],
        http["SECURE_PROXY_SSL_HEADER"],
        http["SECURE_HSTS_SECONDS"],
    ) == (False, False, False, None, 0)
    laptop = _settings_of({"DEBUG": "true"})
    assert (laptop["SECURE_SSL_REDIRECT"], laptop["SECURE_HSTS_SECONDS"]) == (False, 0)


def test_the_cache_is_the_brokers_redis_when_there_is_one():
    redis = "django.core.cache.backends.redis.RedisCache"
    shared = _settings_of(PRODUCTION)["CACHES"]["default"]
    assert (shared["BACKEND"], shared["LOCATION"]) == (redis, "redis://127.0.0.1:6379/1")
    other_db = _settings_of(
        {**PRODUCTION, "CELERY_BROKER_URL": "redis://:pw@redis.internal:6380/4"}
    )
    assert other_db["CACHES"]["default"]["LOCATION"] == "redis://:pw@redis.internal:6380/5"
    chosen = _settings_of({**PRODUCTION, "CACHE_URL": "redis://cache.internal:6379/0"})
    assert chosen["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/0"
    # Tasks in-process (no broker): a per-process cache.
    alone = _settings_of({k: v for k, v in PRODUCTION.items() if k != "CELERY_BROKER_URL"})
    assert alone["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")


def test_the_test_suite_keeps_its_cache_in_its_own_process():
    """Tests clear the cache; processes running side by side must not clear each other's."""
    assert django_settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def test_pages_send_a_csp_without_inline_script(client, organizer):
    client.force_login(organizer)
    response = client.get(reverse("submissions:call_list"))
    policy = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert script_src == ["'self'"]
    assert "frame-ancestors 'none'" in policy


def test_no_template_has_an_inline_script():
    offenders = []
    for path in (REPO / "templates").rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", path.read_text(encoding="utf-8")):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.relative_to(REPO)}: {tag}")
    assert offenders == []


def test_no_template_loads_anything_from_the_internet():
    offenders = [
        str(p.relative_to(REPO))
        for p in (REPO / "templates").rglob("*.html")
        if re.search(r"""(src|href)=["']https?://""", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.fixture
def lockout(settings):
    settings.AUTHENTICATION_BACKENDS = django_settings.AUTHENTICATION_BACKENDS.__class__(
        ["axes.backends.AxesStandaloneBackend", "accounts.backends.UserBackend"]
    )
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_repeated_wrong_passwords_lock_the_user_out_with_a_clear_message(client, db, lockout):
    UserFactory(username="victim")
    for _ in range(2):
        assert _login(client, "victim", "wrong").status_code == 200
    assert _login(client, "victim", "wrong").status_code == 429  # the third failure locks
    response = _login(client, "victim", PASSWORD)  # even the right password is refused now
    assert response.status_code == 429
    assert 'id="locked"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_user_name_and_address(client, db, lockout):
    UserFactory(username="victim")
    for _ in range(3):
        _login(client, "victim", "wrong")
    assert _login(client, "victim", PASSWORD, ip="10.0.0.2").status_code == 302


def _session_writes(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return sum(
        1
        for q in ctx.captured_queries
        if q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]
    )


def test_a_session_is_refreshed_at_most_every_few_minutes_and_ends_after_two_idle_hours(
    client, organizer
):
    assert django_settings.SESSION_COOKIE_AGE == 2 * 3600
    client.force_login(organizer)
    path = reverse("submissions:call_list")
    assert _session_writes(client, path) == 0  # a fresh session: views write nothing…
    assert _session_writes(client, path) == 0
    # An hour later (as far as the session knows)…
    session = client.session
    session[REFRESHED_KEY] -= 3600
    session.save()
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(hours=1))
    assert _session_writes(client, path) == 1  # …the next view refreshes it: 2 h from now again
    expiry = Session.objects.get(session_key=key).expire_date
    assert abs((expiry - timezone.now()).total_seconds() - 2 * 3600) < 60

    # Two idle hours later the session is gone: the next request goes to the login page.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"SESSION_REFRESH_SECONDS": "0"}, "SESSION_REFRESH_SECONDS must be above 0"),
        ({"SESSION_REFRESH_SECONDS": "9000"}, "below SESSION_COOKIE_AGE"),
        (
            {"DATABASE_URL": "postgres://u@127.0.0.1:1/x", "DATABASE_RANDOM_PAGE_COST": "-1"},
            "DATABASE_RANDOM_PAGE_COST must be a positive number",
        ),
        (
            {"HEALTHZ_REQUIRED": "broker,caches"},
            "HEALTHZ_REQUIRED names broker, worker or cache, comma-separated "
            "(['broker', 'caches'] given)",
        ),
        ({"PROTECTED_FILES": "apache"}, 'PROTECTED_FILES must be "python" or "nginx"'),
        (
            {"PROTECTED_FILES_PREFIX": "protected"},
            "PROTECTED_FILES_PREFIX must start and end with a slash",
        ),
    ],
)
def test_settings_refuse_values_that_would_break_sessions_or_connections(variables, message):
    result = _run(
        ["-c", "from django.conf import settings; settings.DATABASES"],
        {**PRODUCTION, **variables},
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_anonymous_visitors_get_no_session(client, db):
    assert client.get(reverse("accounts:login")).status_code == 200
    client.cookies["sessionid"] = "forged-or-expired-session-key"
    assert client.get(reverse("accounts:login")).status_code == 200
    assert Session.objects.count() == 0


def test_healthz_reports_database_broker_worker_and_cache(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "in-process",
        "worker": "in-process",
        "cache": "per-process",
        "degraded": [],
    }


def test_admin_is_for_organizers_only(client, db):
    staff = UserFactory(username="staff-editor", is_staff=True, is_editor=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302  # to the admin login: not allowed
    organizer = UserFactory(
        username="staff-organizer", is_staff=True, is_organizer=True, is_superuser=True
    )
    client.force_login(organizer)
    assert client.get("/admin/").status_code == 200
