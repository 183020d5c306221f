"""Who reaches the signing pages and the working calendar, in the access-table style of
tests/access.py: every pattern of judging/urls/signing.py × the organizer, a judge of the round
(owner), another judge of the same panel (member), a judge of no panel (outsider), a unit user,
an editor and anonymous. A judge reaches only the signing page of a round he or she judged;
the round's signing page and the working calendar are the organizer's."""

import pytest
from django.urls import reverse

from judging import urls
from judging.models import WorkCalendarDay

from .. import access
from ..access import LOGIN, REDIRECT, Row
from ..factories import UserFactory, WorkCalendarDayFactory, unit_user
from .results_kit import panel, random_rows, scored_round

pytestmark = pytest.mark.django_db

urlpatterns = urls.signing.urlpatterns

ROLES = ["organizer", "owner", "member", "outsider", "unit", "editor", "anonymous"]


@pytest.fixture
def world(call, organizer):
    rnd, judges, cases = scored_round(call, random_rows(2, 2, seed=21))
    day = WorkCalendarDayFactory()
    people = {
        "organizer": organizer,
        "owner": judges[0].user,
        "member": judges[1].user,
        "outsider": panel(1)[0].user,
        "unit": unit_user(cases[0].unit),
        "editor": UserFactory(is_editor=True),
        "anonymous": None,
    }
    return {"call": call, "round": rnd, "day": day, "people": people}


def _organizer_only(organizer_answer) -> dict:
    return {role: (organizer_answer if role == "organizer" else 403) for role in ROLES} | {
        "anonymous": LOGIN
    }


# The judges of the round read their own sheet; a judge of no panel gets a 404; who is not a
# judge at all is refused (403), the organizer too (it is a judge's page).
JUDGE_PAGE: dict[str, int | str] = {
    "organizer": 403,
    "owner": 200,
    "member": 200,
    "outsider": 404,
    "unit": 403,
    "editor": 403,
    "anonymous": LOGIN,
}


def _round(w):
    return {"pk": w["round"].pk}


TABLE = [
    Row("judging:judge_sign", JUDGE_PAGE, kwargs=_round),
    Row("judging:round_signing", _organizer_only(200), kwargs=_round),
    Row("judging:work_calendar", _organizer_only(200)),
    Row(
        "judging:work_calendar_delete",
        _organizer_only(REDIRECT),
        kwargs=lambda w: {"pk": w["day"].pk},
        method="post",
    ),
]


def test_every_signing_url_is_in_the_matrix():
    assert access.missing_rows(TABLE, "judging", urlpatterns) == []
    assert all(list(row.expect) == ROLES for row in TABLE)


@pytest.mark.parametrize("row", [pytest.param(row, id=row.id) for row in TABLE])
def test_access_matrix(client, world, row):
    access.check_row(client, world, row)


def test_only_the_organizer_removes_a_calendar_day(client, world):
    for role in ("owner", "editor", "unit"):
        client.force_login(world["people"][role])
        client.post(reverse("judging:work_calendar_delete", kwargs={"pk": world["day"].pk}))
    assert WorkCalendarDay.objects.filter(pk=world["day"].pk).exists()
