"""Who may reach which page of judging setup and scoring: every URL of judging/urls_setup.py
against organizer, assigned judge, unassigned judge, conflicted judges (a declared conflict; a
judge of the case's own unit), unit user, editor and anonymous.

A pattern without an expectation here fails the test. Wrong roles get 403, outsiders to an object
404, anonymous people the login page.
"""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts import roles
from judging.models import Assignment, Conflict, Round
from judging.services import rounds
from judging.urls_setup import urlpatterns
from tests.submissions.casekit import attachment_add

from ..factories import UnitFactory, UserFactory, unit_user
from .setupkit import accepted_case, judge_profile, make_round, photo_add

pytestmark = pytest.mark.django_db

ROLES = [
    "organizer",
    "assigned",
    "unassigned",
    "conflict_declared",
    "conflict_unit",
    "unit",
    "editor",
    "anonymous",
]
LOGIN = "login"

# What each kind of page answers to each role.
ORGANIZER_PAGE = {
    "organizer": 200,
    "assigned": 403,
    "unassigned": 403,
    "conflict_declared": 403,
    "conflict_unit": 403,
    "unit": 403,
    "editor": 403,
    "anonymous": LOGIN,
}
ORGANIZER_ACTION = {**ORGANIZER_PAGE, "organizer": 302}
JUDGE_PAGE = {
    "organizer": 403,
    "assigned": 200,
    "unassigned": 404,
    "conflict_declared": 404,
    "conflict_unit": 404,
    "unit": 403,
    "editor": 403,
    "anonymous": LOGIN,
}
START_PAGE = {
    "organizer": 200,
    "assigned": 200,
    "unassigned": 200,
    "conflict_declared": 200,
    "conflict_unit": 200,
    "unit": 403,
    "editor": 403,
    "anonymous": LOGIN,
}

# URL name → (method, expectations, the object its arguments name)
EXPECTATIONS = {
    "home": ("get", START_PAGE, None),
    "judge_list": ("get", ORGANIZER_PAGE, None),
    "judge_import": ("get", ORGANIZER_PAGE, None),
    "judge_import_template": ("get", ORGANIZER_PAGE, None),
    "judge_edit": ("get", ORGANIZER_PAGE, "judge"),
    "round_create": ("get", ORGANIZER_PAGE, "call"),
    "round_detail": ("get", ORGANIZER_PAGE, "round"),
    "round_edit": ("get", ORGANIZER_PAGE, "round"),
    "round_panel": ("get", ORGANIZER_PAGE, "round"),
    "round_entries": ("get", ORGANIZER_PAGE, "round"),
    "round_assign": ("post", ORGANIZER_ACTION, "round"),
    "round_status": ("post", ORGANIZER_ACTION, "round"),
    "assignment_list": ("get", ORGANIZER_PAGE, "round"),
    "assignment_add": ("post", ORGANIZER_ACTION, "round"),
    "conflict_record": ("post", ORGANIZER_ACTION, "round"),
    "round_progress": ("get", ORGANIZER_PAGE, "round"),
    "round_remind": ("post", ORGANIZER_ACTION, "round"),
    "assignment_remove": ("post", ORGANIZER_ACTION, "assignment"),
    "review_history": ("get", ORGANIZER_PAGE, "assignment"),
    "review_reopen": ("post", ORGANIZER_ACTION, "assignment"),
    "queue": ("get", JUDGE_PAGE, "round"),
    "review": ("get", JUDGE_PAGE, "review"),
    "review_conflict": ("get", JUDGE_PAGE, "review"),
    "review_photo": ("get", JUDGE_PAGE, "photo"),
    "review_attachment": ("get", JUDGE_PAGE, "attachment"),
}


def test_every_setup_url_has_an_expectation():
    names = [p.name for p in urlpatterns]
    assert None not in names, "every pattern needs a name"
    missing = sorted(set(names) - set(EXPECTATIONS))
    assert missing == [], f"URL patterns without access expectations: {missing}"
    assert sorted(set(EXPECTATIONS) - set(names)) == []
    for name, (_method, table, _obj) in EXPECTATIONS.items():
        assert set(table) == set(ROLES), name


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(call, organizer, editor):
    """An open, non-blind round with one case, its photo and attachment, and every kind of
    judge. The conflicted judges have assignment rows (as if made before the conflict was
    known): only the visibility policy keeps them out."""
    unit = UnitFactory(name="案例所属街道")
    case = accepted_case(call, unit=unit)
    photo = photo_add(case, caption="说明")
    att = attachment_add(case)
    judges = {
        "assigned": judge_profile("assigned"),
        "unassigned": judge_profile("unassigned"),
        "conflict_declared": judge_profile("declared"),
        "conflict_unit": judge_profile("sameunit", unit=unit),
    }
    rnd = make_round(
        call, judges=list(judges.values()), cases=[case], blind=False, status=Round.Status.DRAFT
    )
    own = {
        role: Assignment.objects.create(round=rnd, judge=judges[role], case=case)
        for role in ("assigned", "conflict_declared", "conflict_unit")
    }
    Conflict.objects.create(judge=judges["conflict_declared"], case=case, reason="回避")
    rounds.round_set_status(round=rnd, status=Round.Status.OPEN)
    users = {role: j.user for role, j in judges.items()}
    users.update(organizer=organizer, editor=editor, unit=unit_user(unit), anonymous=None)
    return {
        "call": call,
        "round": rnd,
        "case": case,
        "photo": photo,
        "attachment": att,
        "judges": judges,
        "own": own,
        "users": users,
    }


def _kwargs(world, obj, role):
    if obj is None:
        return {}
    if obj == "call":
        return {"slug": world["call"].slug}
    if obj == "round":
        return {"pk": world["round"].pk}
    if obj == "judge":
        return {"pk": world["judges"]["assigned"].pk}
    if obj == "assignment":
        return {"pk": world["own"]["assigned"].pk}
    if obj == "review":  # a judge tries his or her own row; the others the assigned judge's
        return {"pk": world["own"].get(role, world["own"]["assigned"]).pk}
    if obj == "photo":
        return {"uid": world["photo"].uid, "variant": "thumb"}
    if obj == "attachment":
        return {"uid": world["attachment"].uid}
    raise AssertionError(obj)


CASES = [(name, role) for name in EXPECTATIONS for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_access(client, world, name, role):
    method, table, obj = EXPECTATIONS[name]
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    url = reverse(f"judging:{name}", kwargs=_kwargs(world, obj, role))
    response = getattr(client, method)(url)
    expected = table[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login") + "?next=")
    else:
        assert response.status_code == expected, (name, role, response.status_code)
        if expected == 302:
            assert not response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "name",
    [
        n
        for n, (_m, table, obj) in EXPECTATIONS.items()
        if table["organizer"] != 403 and obj is not None
    ],
)
def test_missing_objects_are_404_for_the_organizer(client, world, name):
    method, _table, obj = EXPECTATIONS[name]
    client.force_login(world["users"]["organizer"])
    kwargs = {"slug": "no-such-call"} if obj == "call" else {"pk": 987654}
    assert getattr(client, method)(reverse(f"judging:{name}", kwargs=kwargs)).status_code == 404


@pytest.mark.parametrize(
    "name", [n for n, (_m, table, _o) in EXPECTATIONS.items() if table is JUDGE_PAGE]
)
def test_missing_objects_are_404_for_a_judge(client, world, name):
    client.force_login(world["users"]["assigned"])
    kwargs = _kwargs(world, EXPECTATIONS[name][2], "assigned")
    kwargs.update(
        {"pk": 987654} if "pk" in kwargs else {"uid": "00000000-0000-0000-0000-000000000000"}
    )
    assert client.get(reverse(f"judging:{name}", kwargs=kwargs)).status_code == 404


def test_a_judge_cannot_open_another_judges_review(client, world):
    client.force_login(world["users"]["unassigned"])
    target = world["own"]["assigned"].pk
    for name in ("review", "review_conflict"):
        assert client.get(reverse(f"judging:{name}", kwargs={"pk": target})).status_code == 404
        assert (
            client.post(
                reverse(f"judging:{name}", kwargs={"pk": target}), {"reason": "x", "save": "1"}
            ).status_code
            == 404
        )


def test_conflicted_judges_do_not_see_the_case_in_their_queue(client, world):
    other = accepted_case(world["call"])
    rnd = world["round"]
    for role in ("conflict_declared", "conflict_unit"):
        Assignment.objects.create(round=rnd, judge=world["judges"][role], case=other)
        client.force_login(world["users"][role])
        page = client.get(reverse("judging:queue", kwargs={"pk": rnd.pk})).content.decode()
        assert f'data-review="{world["own"][role].pk}"' not in page
        assert other.title in page and world["case"].title not in page


def test_only_a_profile_in_the_pool_makes_a_judge(client, db):
    """Being a judge is having a profile in the expert pool: there is no judge without one."""
    outside = UserFactory()
    client.force_login(outside)
    assert not roles.is_judge(outside)
    assert client.get(reverse("judging:home")).status_code == 403
    inside = UserFactory(is_judge=True)
    client.force_login(inside)
    assert roles.is_judge(inside) and inside.judge_profile.name == inside.full_name
    response = client.get(reverse("judging:home"))
    assert response.status_code == 200
    assert "My reviews" in response.content.decode()
