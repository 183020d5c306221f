"""Who may reach the pages of the random drawing (judging/urls/drawing.py): organizers draw and
download records; anyone, anonymous too, may verify a record."""

import pytest

from judging import urls
from judging.models import Round
from judging.services import drawing as services

from .. import access
from ..access import LOGIN, REDIRECT, Row
from ..factories import UnitFactory, unit_user
from .setupkit import accepted_case, judge_profile, make_round

pytestmark = pytest.mark.django_db

urlpatterns = urls.drawing.urlpatterns
ROLES = ["organizer", "judge", "unit", "editor", "anonymous"]
ORGANIZER_PAGE: dict[str, int | str] = {
    "organizer": 200,
    "judge": 403,
    "unit": 403,
    "editor": 403,
    "anonymous": LOGIN,
}
ORGANIZER_ACTION: dict[str, int | str] = {**ORGANIZER_PAGE, "organizer": REDIRECT}
PUBLIC: dict[str, int | str] = dict.fromkeys(ROLES, 200)


def _round(w):
    return {"pk": w["round"].pk}


def _record(w):
    return {"pk": w["record"].pk}


TABLE = [
    Row("judging:round_drawing", ORGANIZER_PAGE, kwargs=_round),
    Row("judging:drawing_reveal", ORGANIZER_ACTION, kwargs=_record, method="post"),
    Row("judging:drawing_record", ORGANIZER_PAGE, kwargs=_record),
    Row("judging:round_ratings", ORGANIZER_PAGE, kwargs=_round),
    Row("judging:drawing_verify", PUBLIC),
]


def test_every_drawing_url_has_an_expectation():
    assert access.missing_rows(TABLE, "judging", urlpatterns) == []


@pytest.fixture
def world(call, organizer, editor):
    unit = UnitFactory()
    accepted_case(call, unit=unit)
    judge = judge_profile("j1")
    judge_profile("j2")
    rnd = make_round(call, judges=[judge], status=Round.Status.DRAFT, actor=organizer)
    record = services.drawing_commit(
        round=rnd, rules=services.DrawingRules(count=1), witness="w", actor=organizer
    )
    people = {
        "organizer": organizer,
        "judge": judge.user,
        "unit": unit_user(unit),
        "editor": editor,
        "anonymous": None,
    }
    return {"round": rnd, "record": record, "people": people}


@pytest.mark.parametrize(("row", "role"), access.cases(TABLE))
def test_access(client, world, row, role):
    access.check(client, world, row, role)


MISSING = [
    Row(row.url, {"organizer": 404}, kwargs=lambda w: {"pk": 987654}, method=row.method)
    for row in TABLE
    if row.kwargs is not None
]


@pytest.mark.parametrize(("row", "role"), access.cases(MISSING))
def test_missing_objects_are_404(client, world, row, role):
    access.check(client, world, row, role)
