"""One style for every access test: a table of rows and one parametrised runner.

A row names a URL (its name and a function building its arguments from the test's world), the
method, and what each role gets:

- a status code (200, 403, 404, 405 …);
- LOGIN: a 302 to the login page with ?next= the URL asked for;
- REDIRECT: a 302 anywhere but the login page (the action ran, or was refused with a message);
- a path ("/accounts/login/"): a 302 to exactly that address.

Roles. Every table uses the same words where they fit:

- owner: the person whose object it is (the unit user whose case it is, the judge whose review
  it is, the editor who drafted the series);
- member: someone beside the owner with the same standing (a colleague of the same unit, a judge
  of the same panel, another editor);
- outsider: a logged-in person who has no business with the object (another unit's user, a judge
  of another round, an account without any role);
- anonymous: nobody logged in;

and the site's roles (organizer, editor, judge, unit) for everyone else.

A test module builds a `world` fixture: a dict holding "people" (role → user, None for
anonymous) and whatever its rows' argument builders read. Builders get the world with "role"
set to the role being checked (a judge asks for his or her own review, say). Then:

    TABLE = [
        Row("submissions:case_detail", CASE_FILE, kwargs=lambda w: {"pk": w["case"].pk}),
        ...
    ]

    @pytest.mark.parametrize(("row", "role"), access.cases(TABLE))
    def test_access(client, world, row, role):
        access.check(client, world, row, role, state=_case_state)

(`check_row` runs every role of a row on one world, for worlds too costly to build per role.)

`state`, when given, is read before and after every refused request (LOGIN, 403, 404, 405) and
must not change: a refusal changes nothing.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import resolve, reverse

from core.files import accel_path

LOGIN = "login"
REDIRECT = "redirect"
OWNER, MEMBER, OUTSIDER, ANONYMOUS = "owner", "member", "outsider", "anonymous"
REFUSED = (LOGIN, 403, 404, 405)


@dataclass(frozen=True)
class Row:
    url: str  # "namespace:name"
    expect: Mapping[str, int | str]  # role → status code, LOGIN, REDIRECT or a path
    kwargs: Callable[[dict], dict] | None = None  # world → URL arguments
    method: str = "get"
    data: Callable[[dict], dict] | None = None  # world → POST data
    label: str = ""  # tells two rows of one URL apart (a photo variant, say)

    @property
    def id(self) -> str:
        method = "" if self.method == "get" else f" {self.method.upper()}"
        label = f"[{self.label}]" if self.label else ""
        return f"{self.url}{label}{method}"

    def path(self, world: dict, role: str) -> str:
        kwargs = self.kwargs({**world, "role": role}) if self.kwargs else None
        return reverse(self.url, kwargs=kwargs)


def cases(table: Iterable[Row]) -> list:
    """One pytest parameter (row, role) per expectation of the table."""
    return [pytest.param(row, role, id=f"{row.id}-{role}") for row in table for role in row.expect]


def count(table: Iterable[Row]) -> int:
    """How many (URL, role, expectation) pairs the table asserts."""
    return sum(len(row.expect) for row in table)


def login_url(url: str) -> str:
    return reverse("accounts:login") + "?next=" + quote(url, safe="/")


def _ask(client, user, url: str, method: str, data: dict | None):
    client.logout()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url, data or {})
    if getattr(response, "streaming", False):  # read it, so the test client closes the file
        response.served_bytes = b"".join(response.streaming_content)
    return response


def request(client, user, url: str, *, method: str = "get", data: dict | None = None):
    """`url` asked by `user` (None: nobody logged in), in English; a file is read to the end.

    A GET of a protected file's URL (one answered by core.files.serve_protected) is asked twice,
    with PROTECTED_FILES "python" and "nginx": the same answer both times, and where the file is
    sent, nginx's answer names that very file (X-Accel-Redirect) with no body and the same
    headers. The Python answer is returned."""
    if method != "get" or resolve(urlsplit(url).path).view_name not in FILE_URLS:
        return _ask(client, user, url, method, data)
    with override_settings(PROTECTED_FILES="nginx"):
        accel = _ask(client, user, url, method, data)
    with override_settings(PROTECTED_FILES="python"):
        response = _ask(client, user, url, method, data)
    assert_same_file_answer(response, accel, url)
    return response


#: The URLs whose views answer with core.files.serve_protected (tests/test_core.py checks the list
#: against the code).
FILE_URLS = frozenset(
    {
        "submissions:photo_file",
        "submissions:attachment_file",
        "judging:review_photo",
        "judging:review_attachment",
        "publishing:photo",
        "publishing:source_photo",
        "submissions:call_document",
        "certificates:download",
        "site_logo",
    }
)


def assert_same_file_answer(streamed, accel, url: str) -> None:
    """`accel` (PROTECTED_FILES="nginx") is `streamed` (="python") handed to nginx."""
    assert (accel.status_code, accel.get("Location")) == (
        streamed.status_code,
        streamed.get("Location"),
    ), url
    if not getattr(streamed, "streaming", False):  # refused: no file either way
        assert "X-Accel-Redirect" not in accel, url
        return
    target = accel["X-Accel-Redirect"]
    assert target.startswith(settings.PROTECTED_FILES_PREFIX), url
    name = unquote(target.removeprefix(settings.PROTECTED_FILES_PREFIX))
    assert accel_path(name) == target, url
    assert (Path(settings.MEDIA_ROOT) / name).read_bytes() == streamed.served_bytes, url
    assert accel.content == b"", url
    for header in (
        "Content-Type",
        "Content-Disposition",
        "Cache-Control",
        "X-Content-Type-Options",
    ):
        assert accel[header] == streamed[header], (url, header)


def assert_answer(response, url: str, expected) -> None:
    got = (response.status_code, response.get("Location", ""))
    if expected == LOGIN:
        assert got == (302, login_url(url)), (url, expected, got)
    elif expected == REDIRECT:
        assert response.status_code == 302, (url, expected, got)
        assert not got[1].startswith(reverse("accounts:login")), (url, expected, got)
    elif isinstance(expected, str):
        assert got == (302, expected), (url, expected, got)
    else:
        assert response.status_code == expected, (url, expected, got)


def expect(client, user, url: str, expected, *, method: str = "get", data: dict | None = None):
    """One request checked against one expectation (for checks that need a world of their own,
    or a change of the world between two requests)."""
    response = request(client, user, url, method=method, data=data)
    assert_answer(response, url, expected)
    return response


def check(client, world: dict, row: Row, role: str, *, state: Callable | None = None):
    """The runner: asks the row's URL as `role` and checks the answer the table gives."""
    expected = row.expect[role]
    url = row.path(world, role)
    before = state(world) if state else None
    data = row.data(world) if row.data else None
    response = expect(client, world["people"][role], url, expected, method=row.method, data=data)
    if state and expected in REFUSED:
        assert state(world) == before, (url, role, "a refused request changed something")
    return response


def answer(response, url: str, expected):
    """What a response amounts to in the terms of `expected`: LOGIN, REDIRECT, the address it
    redirects to (when a path is expected) or the status code."""
    if response.status_code != 302:
        return response.status_code
    location = response["Location"]
    if isinstance(expected, str) and expected.startswith("/"):
        return location
    if location == login_url(url):
        return LOGIN
    return "to the login page" if location.startswith(reverse("accounts:login")) else REDIRECT


def check_row(client, world: dict, row: Row, *, state: Callable | None = None) -> None:
    """The runner for a world too costly to build once per role: every role of the row in turn,
    in the table's order, on one world; the failure shows the whole row."""
    got = {}
    for role in row.expect:
        url = row.path(world, role)
        before = state(world) if state else None
        data = row.data(world) if row.data else None
        response = request(client, world["people"][role], url, method=row.method, data=data)
        got[role] = answer(response, url, row.expect[role])
        if state and got[role] in REFUSED:
            assert state(world) == before, (url, role, "a refused request changed something")
    assert got == dict(row.expect), row.id


def missing_rows(table: Iterable[Row], namespace: str, urlpatterns) -> list[str]:
    """The URL names of `urlpatterns` without a row in the table (and rows of no pattern)."""
    names = {f"{namespace}:{p.name}" for p in urlpatterns}
    listed = {row.url for row in table}
    return sorted(names ^ listed)
