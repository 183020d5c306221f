"""Who may reach which page of judging setup and scoring, in the access-table style of
tests/access.py: every URL of judging/urls/rounds.py, pool.py,
assignment.py and scoring.py, against the organizer, the judge whose
review it is (owner), a judge of the same panel without this case (member), a judge of no panel
(outsider), conflicted judges (a declared conflict; a judge of the case's own unit), a unit
user, an editor and anonymous.

A pattern without a row here fails the test. Wrong roles get 403, outsiders to an object 404,
anonymous people the login page.
"""

import pytest
from django.urls import reverse

from accounts import roles
from judging import urls
from judging.models import Round
from judging.services import rounds
from tests.submissions.casekit import attachment_add

from .. import access
from ..access import LOGIN, REDIRECT, Row
from ..factories import AssignmentFactory, ConflictFactory, UnitFactory, UserFactory, unit_user
from .setupkit import accepted_case, judge_profile, make_round, photo_add

pytestmark = pytest.mark.django_db

urlpatterns = [
    *urls.rounds.urlpatterns,
    *urls.pool.urlpatterns,
    *urls.assignment.urlpatterns,
    *urls.scoring.urlpatterns,
]

ROLES = [
    "organizer",
    "owner",
    "member",
    "outsider",
    "conflict_declared",
    "conflict_unit",
    "unit",
    "editor",
    "anonymous",
]
JUDGES = ("owner", "member", "outsider", "conflict_declared", "conflict_unit")


def _roles(*, organizer, judge, unit=403, editor=403, **judges) -> dict:
    """`judge` for every judge unless named; unit users and editors 403, anonymous the login."""
    table = {"organizer": organizer}
    table.update({role: judges.get(role, judge) for role in JUDGES})
    table.update(unit=unit, editor=editor, anonymous=LOGIN)
    return table


# What each kind of page answers to each role.
ORGANIZER_PAGE = _roles(organizer=200, judge=403)
ORGANIZER_ACTION = _roles(organizer=REDIRECT, judge=403)
JUDGE_PAGE = _roles(organizer=403, judge=404, owner=200)
START_PAGE = _roles(organizer=200, judge=200)


def _call(w):
    return {"slug": w["call"].slug}


def _round(w):
    return {"pk": w["round"].pk}


def _assignment(w):
    return {"pk": w["own"]["owner"].pk}


def _review(w):
    """A judge tries his or her own row; the others the owner's."""
    return {"pk": w["own"].get(w["role"], w["own"]["owner"]).pk}


def _row(name, expect, kwargs=None, method="get"):
    return Row(f"judging:{name}", expect, kwargs=kwargs, method=method)


TABLE = [
    _row("home", START_PAGE),
    _row("judge_list", ORGANIZER_PAGE),
    _row("judge_import", ORGANIZER_PAGE),
    _row("judge_import_template", ORGANIZER_PAGE),
    Row(
        "judging:judge_invite",
        ORGANIZER_ACTION,
        method="post",
        data=lambda w: {"users": [w["judges"]["owner"].user_id]},
    ),
    _row("judge_edit", ORGANIZER_PAGE, lambda w: {"pk": w["judges"]["owner"].pk}),
    _row("round_create", ORGANIZER_PAGE, _call),
    _row("round_detail", ORGANIZER_PAGE, _round),
    _row("round_edit", ORGANIZER_PAGE, _round),
    _row("round_panel", ORGANIZER_PAGE, _round),
    _row("round_entries", ORGANIZER_PAGE, _round),
    _row("round_assign", ORGANIZER_ACTION, _round, "post"),
    _row("round_status", ORGANIZER_ACTION, _round, "post"),
    _row("round_add_accepted", ORGANIZER_ACTION, _round, "post"),
    _row("call_collection_end", ORGANIZER_ACTION, _round, "post"),
    _row("assignment_list", ORGANIZER_PAGE, _round),
    _row("assignment_add", ORGANIZER_ACTION, _round, "post"),
    _row("conflict_record", ORGANIZER_ACTION, _round, "post"),
    _row("round_progress", ORGANIZER_PAGE, _round),
    _row("round_remind", ORGANIZER_ACTION, _round, "post"),
    _row("assignment_remove", ORGANIZER_ACTION, _assignment, "post"),
    _row("review_history", ORGANIZER_PAGE, _assignment),
    _row("review_reopen", ORGANIZER_ACTION, _assignment, "post"),
    _row("queue", JUDGE_PAGE, _round),
    _row("review", JUDGE_PAGE, _review),
    _row("review_conflict", JUDGE_PAGE, _review),
    _row("review_photo", JUDGE_PAGE, lambda w: {"uid": w["photo"].uid, "variant": "thumb"}),
    _row("review_attachment", JUDGE_PAGE, lambda w: {"uid": w["attachment"].uid}),
]


def test_every_setup_url_has_an_expectation():
    assert None not in [p.name for p in urlpatterns], "every pattern needs a name"
    assert access.missing_rows(TABLE, "judging", urlpatterns) == []
    for row in TABLE:
        assert list(row.expect) == ROLES, row.url


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
        "owner": judge_profile("assigned"),
        "member": judge_profile("unassigned"),
        "conflict_declared": judge_profile("declared"),
        "conflict_unit": judge_profile("sameunit", unit=unit),
    }
    rnd = make_round(
        call,
        judges=list(judges.values()),
        cases=[case],
        blind=False,
        status=Round.Status.DRAFT,
        actor=organizer,
    )
    own = {
        role: AssignmentFactory(round=rnd, judge=judges[role], case=case)
        for role in ("owner", "conflict_declared", "conflict_unit")
    }
    ConflictFactory(judge=judges["conflict_declared"], case=case, reason="回避")
    rounds.round_set_status(
        round=rnd, status=Round.Status.OPEN, actor=organizer, collection="close"
    )
    judges["outsider"] = judge_profile("nopanel")  # in the pool, on no panel
    people = {role: j.user for role, j in judges.items()}
    people.update(organizer=organizer, editor=editor, unit=unit_user(unit), anonymous=None)
    return {
        "call": call,
        "round": rnd,
        "case": case,
        "photo": photo,
        "attachment": att,
        "judges": judges,
        "own": own,
        "people": people,
    }


@pytest.mark.parametrize(("row", "role"), access.cases(TABLE))
def test_access(client, world, row, role):
    access.check(client, world, row, role)


def _missing(row: Row):
    """The row's URL naming an object that does not exist."""
    if row.kwargs is _call:
        return lambda w: {"slug": "no-such-call"}

    def kwargs(w):
        given = row.kwargs(w)
        if "uid" in given:  # a file of the case
            return {**given, "uid": "00000000-0000-0000-0000-000000000000"}
        return {**given, "pk": 987654}

    return kwargs


MISSING = [
    Row(row.url, {"organizer": 404}, kwargs=_missing(row), method=row.method)
    for row in TABLE
    if row.expect["organizer"] != 403 and row.kwargs is not None
] + [
    Row(row.url, {"owner": 404}, kwargs=_missing(row), method="get")
    for row in TABLE
    if row.expect is JUDGE_PAGE
]


@pytest.mark.parametrize(("row", "role"), access.cases(MISSING))
def test_missing_objects_are_404(client, world, row, role):
    access.check(client, world, row, role)


def _owners_review(w):
    return {"pk": w["own"]["owner"].pk}


ANOTHER_JUDGES_REVIEW = [
    Row(f"judging:{name}", {"member": 404}, kwargs=_owners_review, method=method, data=data)
    for name in ("review", "review_conflict")
    for method, data in (("get", None), ("post", lambda w: {"reason": "x", "save": "1"}))
]


@pytest.mark.parametrize(("row", "role"), access.cases(ANOTHER_JUDGES_REVIEW))
def test_a_judge_cannot_open_another_judges_review(client, world, row, role):
    access.check(client, world, row, role)


def test_conflicted_judges_do_not_see_the_case_in_their_queue(client, world):
    other = accepted_case(world["call"])
    rnd = world["round"]
    queue = Row("judging:queue", {"conflict_declared": 200, "conflict_unit": 200}, kwargs=_round)
    for role in ("conflict_declared", "conflict_unit"):
        AssignmentFactory(round=rnd, judge=world["judges"][role], case=other)
        page = access.check(client, world, queue, role).content.decode()
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
