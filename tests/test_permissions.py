"""Every URL of the project has an access expectation.

The apps' own tables (tests/submissions/test_access.py, tests/judging/test_access_setup.py,
tests/judging/test_access_results.py, tests/publishing/test_access.py,
tests/audit/test_access.py, all in the style of tests/access.py) walk their URL patterns for
every role and fail on a pattern without an expectation. This test walks the whole project so
that a URL added anywhere else fails too, and checks the project-level URLs per role.
"""

import re
from pathlib import Path

import pytest
from django.urls import URLResolver, get_resolver, reverse

from . import access
from .access import LOGIN, REDIRECT, Row
from .factories import JudgeFactory, UnitFactory, UserFactory, unit_user

HERE = Path(__file__).resolve().parent
COVERED_BY_APP_MATRICES = {"submissions", "judging", "admin", "certificates", "messaging"}
PUBLISHING_TESTS = (
    "publishing/test_access.py",
    "publishing/test_views.py",
    "publishing/test_public_home.py",
)

ROLES = ("anonymous", "unit", "judge", "editor", "organizer")


def _roles(anonymous, others) -> dict:
    return {"anonymous": anonymous} | {role: others for role in ROLES[1:]}


TABLE = [
    Row("home", _roles(200, 200)),  # the public home; signed-in users see "进入工作台"
    Row("start", _roles(LOGIN, REDIRECT)),  # each role's start page
    Row("site_profile", {**_roles(LOGIN, 403), "organizer": 200}),
    Row("healthz", _roles(200, 200)),
    Row("accounts:login", _roles(200, REDIRECT)),
    Row("accounts:password_change", _roles(LOGIN, 200)),
    Row("accounts:password_change_done", _roles(LOGIN, 200)),
    # Forgotten passwords (civiccases/password_reset.py): open to everyone; the text-message
    # pages exist only with an SMS backend (tests/accounts/test_password_reset.py turns one on).
    Row("reset:email", _roles(200, 200)),
    Row("reset:email_sent", _roles(200, 200)),
    Row("reset:confirm", _roles(200, 200), kwargs=lambda w: {"uidb64": "MQ", "token": "x-y"}),
    Row("reset:complete", _roles(200, 200)),
    Row("reset:sms", _roles(404, 404)),
    Row("reset:sms_code", _roles(404, 404)),
    Row("reset:sms_set", _roles(404, 404)),
    Row("audit:log", {**_roles(LOGIN, 403), "organizer": 200}),
    Row("audit:export", {**_roles(LOGIN, 403), "organizer": 200}),
    # a receipt's public page answers its token only (tests/submissions/test_receipts.py)
    Row("receipts:verify", _roles(404, 404), kwargs=lambda w: {"token": "no-such-receipt"}),
]
# POST-only or parametrised; checked below.
CHECKED_BELOW = {"accounts:logout", "set_language", "language_switch"}
# The site's logo (a token in its name): tests/test_site_profile.py.
CHECKED_BELOW |= {"site_logo"}
PROJECT = {row.url for row in TABLE} | CHECKED_BELOW


def _walk(patterns, namespace=None, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, p.namespace or namespace, prefix + str(p.pattern))
        else:
            yield namespace, p.name, prefix + str(p.pattern)


def test_every_url_of_the_project_has_an_access_expectation():
    publishing_tests = "".join((HERE / f).read_text(encoding="utf-8") for f in PUBLISHING_TESTS)
    missing = []
    for namespace, name, path in _walk(get_resolver().url_patterns):
        if namespace in COVERED_BY_APP_MATRICES:
            continue
        if namespace == "publishing":
            # named in a test, or requested there by its literal path
            named = re.search(rf"[\"':]{name}[\"']", publishing_tests)
            if not named and f"/{path.split('<')[0]}" not in publishing_tests:
                missing.append(f"publishing:{name}")
            continue
        full = f"{namespace}:{name}" if namespace else name
        if full not in PROJECT:
            missing.append(full)
    assert missing == []


@pytest.fixture
def users(db):
    return {
        "anonymous": None,
        "unit": unit_user(UnitFactory(), username="u"),
        "judge": JudgeFactory(user__username="j", name="专家").user,
        "editor": UserFactory(username="e", is_editor=True),
        "organizer": UserFactory(username="o", is_organizer=True),
    }


@pytest.mark.parametrize(("row", "role"), access.cases(TABLE))
def test_project_urls_per_role(client, users, row, role):
    access.check(client, {"people": users}, row, role)


def test_logout_and_language_need_no_privilege_and_change_nothing_else(client, users):
    unit = users["unit"]
    access.expect(client, unit, reverse("accounts:logout"), 405)  # POST only
    access.expect(
        client, unit, reverse("accounts:logout"), reverse("accounts:login"), method="post"
    )
    assert "_auth_user_id" not in client.session
    # logged out now: choosing a language needs no account
    access.expect(
        client, None, reverse("set_language"), REDIRECT, method="post", data={"language": "en"}
    )
    access.expect(client, None, reverse("language_switch", args=["zh-hans"]), REDIRECT)
