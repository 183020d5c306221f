"""Every URL of the project has an access expectation.

The apps' own matrices (tests/submissions/test_access.py, tests/judging/test_access_setup.py,
tests/judging/test_access_results.py, tests/publishing/test_access.py) walk their URL patterns
for every role and fail on a pattern without an expectation. This test walks the whole project
so that a URL added anywhere else fails too, and checks the project-level URLs per role.
"""

import re
from pathlib import Path

import pytest
from django.urls import URLResolver, get_resolver, reverse

from .factories import UnitFactory, UserFactory, unit_user

HERE = Path(__file__).resolve().parent
COVERED_BY_APP_MATRICES = {"submissions", "judging", "admin"}
PUBLISHING_TESTS = ("publishing/test_access.py", "publishing/test_views.py")

# name → {role: expected status}; 302L is a redirect to the login page.
LOGIN = "302L"
PROJECT = {
    "home": {"anonymous": LOGIN, "unit": 302, "judge": 302, "editor": 302, "organizer": 302},
    "healthz": {role: 200 for role in ("anonymous", "unit", "judge", "editor", "organizer")},
    "accounts:login": {
        "anonymous": 200,
        "unit": 302,
        "judge": 302,
        "editor": 302,
        "organizer": 302,
    },
    "accounts:password_change": {
        "anonymous": LOGIN,
        "unit": 200,
        "judge": 200,
        "editor": 200,
        "organizer": 200,
    },
    "accounts:password_change_done": {
        "anonymous": LOGIN,
        "unit": 200,
        "judge": 200,
        "editor": 200,
        "organizer": 200,
    },
    "audit:log": {"anonymous": LOGIN, "unit": 403, "judge": 403, "editor": 403, "organizer": 200},
    "audit:export": {
        "anonymous": LOGIN,
        "unit": 403,
        "judge": 403,
        "editor": 403,
        "organizer": 200,
    },
    # POST-only or parametrised; checked below.
    "accounts:logout": None,
    "set_language": None,
    "language_switch": None,
}


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
    from judging.models import Judge

    judge_user = UserFactory(username="j")
    Judge.objects.create(user=judge_user, name="专家")  # the profile makes the judge
    return {
        "anonymous": None,
        "unit": unit_user(UnitFactory(), username="u"),
        "judge": judge_user,
        "editor": UserFactory(username="e", is_editor=True),
        "organizer": UserFactory(username="o", is_organizer=True),
    }


@pytest.mark.parametrize("name", [n for n, e in PROJECT.items() if e])
@pytest.mark.parametrize("role", ["anonymous", "unit", "judge", "editor", "organizer"])
def test_project_urls_per_role(client, users, name, role):
    if users[role] is not None:
        client.force_login(users[role])
    response = client.get(reverse(name))
    expected = PROJECT[name][role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected


def test_logout_and_language_need_no_privilege_and_change_nothing_else(client, users):
    client.force_login(users["unit"])
    assert client.get(reverse("accounts:logout")).status_code == 405  # POST only
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302
    assert client.get(reverse("language_switch", args=["zh-hans"])).status_code == 302
