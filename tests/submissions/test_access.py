"""Who reaches which page of the submissions app: every URL × every role.

The table below must name every URL pattern of `submissions.urls`; a new URL without an entry
fails `test_access_table_covers_every_url` (and its own parametrised case), so whoever adds a
page also decides who may reach it.

Codes: LOGIN = 302 to the login page with ?next=; REDIRECT = 302 somewhere else (the action ran
or was refused with a message); 403 = the role may not use the page at all; 404 = the object is
not visible to this user (outsiders must not even learn that it exists).
"""

from urllib.parse import quote

import pytest
from django.urls import reverse

from submissions.models import Case, CaseEvent, ImportJob
from submissions.urls import urlpatterns

from ..factories import UserFactory
from .casekit import attachment_add, case_with_photos, photo_add

LOGIN, REDIRECT = "login", "redirect"
ROLES = ["anonymous", "owner", "outsider", "judge", "editor", "organizer"]
POST_ONLY = {
    "call_status",
    "call_screen",
    "extension_grant",
    "case_submit",
    "case_withdraw",
    "case_screen",
}

ORGANIZER_PAGE = dict(
    anonymous=LOGIN, owner=403, outsider=403, judge=403, editor=403, organizer=200
)
ORGANIZER_ACTION = {**ORGANIZER_PAGE, "organizer": REDIRECT}
CASE_FILE = dict(anonymous=LOGIN, owner=200, outsider=404, judge=404, editor=404, organizer=200)
# Unit-only actions on a case: outsiders get 404 (not visible); people without any unit get 403
# from the role check before any lookup, whatever the id, so nothing leaks either way.
UNIT_CASE_ACTION = dict(
    anonymous=LOGIN, owner=REDIRECT, outsider=404, judge=403, editor=403, organizer=403
)

EXPECTED: dict[tuple[str, str], dict] = {
    ("call_list", ""): dict(
        anonymous=LOGIN, owner=200, outsider=200, judge=403, editor=403, organizer=200
    ),
    ("call_create", ""): ORGANIZER_PAGE,
    ("call_detail", ""): dict(
        anonymous=LOGIN, owner=200, outsider=200, judge=403, editor=403, organizer=200
    ),
    ("call_edit", ""): ORGANIZER_PAGE,
    ("call_status", ""): ORGANIZER_ACTION,
    ("call_screen", ""): ORGANIZER_ACTION,
    ("extension_grant", ""): ORGANIZER_ACTION,
    ("case_create", ""): dict(
        anonymous=LOGIN, owner=200, outsider=200, judge=403, editor=403, organizer=403
    ),
    ("import_start", ""): ORGANIZER_PAGE,
    ("import_template", ""): ORGANIZER_PAGE,
    ("import_status", ""): ORGANIZER_PAGE,
    ("import_progress", ""): ORGANIZER_PAGE,
    # people without a unit are sent to their own start page
    ("case_list", ""): dict(
        anonymous=LOGIN,
        owner=200,
        outsider=200,
        judge=REDIRECT,
        editor=REDIRECT,
        organizer=REDIRECT,
    ),
    ("case_detail", ""): CASE_FILE,
    ("case_edit", ""): {**UNIT_CASE_ACTION, "owner": 200},
    ("case_submit", ""): UNIT_CASE_ACTION,
    ("case_withdraw", ""): UNIT_CASE_ACTION,
    ("case_screen", ""): ORGANIZER_ACTION,
    ("photo_file", "original"): CASE_FILE,
    ("photo_file", "web"): CASE_FILE,
    ("photo_file", "thumb"): CASE_FILE,
    ("attachment_file", ""): CASE_FILE,
    ("unit_list", ""): ORGANIZER_PAGE,
    ("unit_import", ""): ORGANIZER_PAGE,
}


@pytest.fixture
def world(call, unit_a, user_a, user_b, judge, editor, organizer):
    """Unit A's complete draft with a photo and an attachment, and an import job of the call."""
    case = case_with_photos(call=call, unit=unit_a, created_by=user_a)
    attachment = attachment_add(case, user=user_a)
    job = ImportJob.objects.create(
        call=call, file="imports/cases.xlsx", original_name="cases.xlsx", created_by=organizer
    )
    users = {
        "anonymous": None,
        "owner": user_a,
        "outsider": user_b,
        "judge": judge,
        "editor": editor,
        "organizer": organizer,
    }
    return {
        "call": call,
        "case": case,
        "photo": case.photos.get(),
        "attachment": attachment,
        "job": job,
        "users": users,
    }


def _url(name: str, variant: str, world) -> str:
    kwargs = {
        "call_detail": {"slug": world["call"].slug},
        "call_edit": {"slug": world["call"].slug},
        "call_status": {"slug": world["call"].slug},
        "call_screen": {"slug": world["call"].slug},
        "extension_grant": {"slug": world["call"].slug},
        "case_create": {"slug": world["call"].slug},
        "import_start": {"slug": world["call"].slug},
        "import_template": {"slug": world["call"].slug},
        "import_status": {"pk": world["job"].pk},
        "import_progress": {"pk": world["job"].pk},
        "case_detail": {"pk": world["case"].pk},
        "case_edit": {"pk": world["case"].pk},
        "case_submit": {"pk": world["case"].pk},
        "case_withdraw": {"pk": world["case"].pk},
        "case_screen": {"pk": world["case"].pk},
        "photo_file": {"uid": world["photo"].uid, "variant": variant},
        "attachment_file": {"uid": world["attachment"].uid},
    }.get(name, {})
    return reverse(f"submissions:{name}", kwargs=kwargs)


def _post_data(name: str, world) -> dict:
    case = world["case"]
    return {
        "call_status": {"status": "closed"},
        "call_screen": {"cases": [case.pk], "action": "accept"},
        "extension_grant": {},
        "case_screen": {"action": "accept"},
    }.get(name, {})


def _case_state(case) -> tuple:
    stored = Case.objects.get(pk=case.pk)
    return (stored.status, stored.version, stored.title, CaseEvent.objects.count())


def _fetch(client, user, url, *, post=False, data=None):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    if user is not None:
        client.force_login(user)
    response = client.post(url, data or {}) if post else client.get(url)
    if response.streaming:  # read the file so the test client closes it (and the request)
        b"".join(response.streaming_content)
    return response


def _login_url(url: str) -> str:
    return "/accounts/login/?next=" + quote(url, safe="/")


def test_access_table_covers_every_url():
    names = {p.name for p in urlpatterns}

    assert {name for name, _variant in EXPECTED} == names
    assert all(set(expected) == set(ROLES) for expected in EXPECTED.values())


@pytest.mark.parametrize("name", [p.name for p in urlpatterns])
def test_access_url_has_expectation(name):
    if not any(key[0] == name for key in EXPECTED):
        pytest.fail(f"submissions:{name} has no row in the access table of {__name__}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "variant"), list(EXPECTED))
def test_access_url_role(client, world, name, variant, role):
    url = _url(name, variant, world)
    before = _case_state(world["case"])
    expected = EXPECTED[(name, variant)][role]

    response = _fetch(
        client, world["users"][role], url, post=name in POST_ONLY, data=_post_data(name, world)
    )

    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, _login_url(url))
    elif expected == REDIRECT:
        assert response.status_code == 302
        assert not response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected
    if expected in (LOGIN, 403, 404):
        assert _case_state(world["case"]) == before


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_access_post_only_url_refuses_get(client, world, organizer, user_a, name):
    user = (
        organizer
        if name in ("call_status", "call_screen", "extension_grant", "case_screen")
        else user_a
    )

    response = _fetch(client, user, _url(name, "", world))

    assert response.status_code == 405


def test_access_outsider_post_edit_changes_nothing(client, world, user_b):
    case = world["case"]
    before = _case_state(case)

    response = _fetch(
        client,
        user_b,
        _url("case_edit", "", world),
        post=True,
        data={
            "title": "乙改的标题",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 404
    assert _case_state(case) == before


def test_access_unknown_photo_variant_not_found(client, world, user_a):
    url = reverse("submissions:photo_file", kwargs={"uid": world["photo"].uid, "variant": "huge"})

    response = _fetch(client, user_a, url)

    assert response.status_code == 404


def test_access_unit_member_of_both_units_sees_both(client, world, unit_b):
    from submissions.models import Membership

    both = UserFactory(username="both")
    Membership.objects.create(unit=world["case"].unit, user=both)
    Membership.objects.create(unit=unit_b, user=both)

    response = _fetch(client, both, _url("case_detail", "", world))

    assert response.status_code == 200


# ---------------------------------------------------------------- staged photos


@pytest.fixture
def staged(user_a):
    return photo_add(None, user=user_a)


@pytest.mark.parametrize("variant", ["original", "web", "thumb"])
def test_access_staged_photo_visible_to_uploader(client, staged, user_a, variant):
    url = reverse("submissions:photo_file", kwargs={"uid": staged.uid, "variant": variant})

    response = _fetch(client, user_a, url)

    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")


@pytest.mark.parametrize("variant", ["original", "web", "thumb"])
def test_access_staged_photo_hidden_from_others(client, staged, user_b, variant):
    url = reverse("submissions:photo_file", kwargs={"uid": staged.uid, "variant": variant})

    response = _fetch(client, user_b, url)

    assert response.status_code == 404


def test_access_staged_photo_of_colleague_hidden(client, staged, unit_a):
    """A staged upload is its uploader's alone, even within the same unit, until it is saved."""
    from ..factories import unit_user

    colleague = unit_user(unit_a, username="alice2")
    url = reverse("submissions:photo_file", kwargs={"uid": staged.uid, "variant": "original"})

    response = _fetch(client, colleague, url)

    assert response.status_code == 404


def test_access_outsider_cannot_attach_foreign_photo(client, call, staged, world, user_b):
    """Posting someone else's photo id (staged or on a case) attaches nothing."""
    foreign_ids = [staged.pk, world["photo"].pk]
    data = {
        "unit": str(user_b.memberships.get().unit_id),
        "title": "乙的案例",
        "photos-TOTAL_FORMS": "2",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "50",
        "photos-0-photo": str(foreign_ids[0]),
        "photos-0-caption": "偷来的",
        "photos-0-position": "1",
        "photos-1-photo": str(foreign_ids[1]),
        "photos-1-caption": "偷来的",
        "photos-1-position": "2",
        "save": "1",
    }

    response = _fetch(
        client,
        user_b,
        reverse("submissions:case_create", kwargs={"slug": call.slug}),
        post=True,
        data=data,
    )

    created = Case.objects.get(title="乙的案例")
    assert response.status_code == 302
    assert created.photos.count() == 0
    staged.refresh_from_db()
    world["photo"].refresh_from_db()
    assert (staged.case_id, staged.caption) == (None, "")
    assert world["photo"].case_id == world["case"].pk
