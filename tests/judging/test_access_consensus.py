"""Who reaches which consensus URL (judging/urls/consensus.py), in the access-table style of
tests/access.py: the organizer, a judge of the discussed case (owner), another judge of the
same case (member), a judge of no panel (outsider), a judge with a conflict on the case, a unit
user, an editor and anonymous. The round's consensus page and tie decisions are the
organizer's; a discussion is seen by the organizers, the case's judges and the panel leader
only (anyone else with the judge role gets a 404)."""

import pytest

from judging import urls
from judging.models import Discussion
from judging.services import consensus

from .. import access
from ..access import LOGIN, REDIRECT, Row
from ..factories import ConflictFactory, UserFactory, unit_user
from .results_kit import panel, scored_round

pytestmark = pytest.mark.django_db

urlpatterns = urls.consensus.urlpatterns

ROLES = ["organizer", "owner", "member", "outsider", "conflicted", "unit", "editor", "anonymous"]


@pytest.fixture
def world(call, organizer):
    rnd, judges, cases = scored_round(call, [[(30, 50), (32, 52)], [(20, 30), (21, 31)]])
    discussion = consensus.discussion_open(round=rnd, case=cases[0], actor=organizer)
    conflicted = panel(1)[0]  # a judge who declared a conflict with the discussed case
    ConflictFactory(judge=conflicted, case=cases[0], reason="亲属")
    people = {
        "organizer": organizer,
        "owner": judges[0].user,
        "member": judges[1].user,
        "outsider": panel(1)[0].user,
        "conflicted": conflicted.user,
        "unit": unit_user(cases[0].unit),
        "editor": UserFactory(is_editor=True),
        "anonymous": None,
    }
    return {"round": rnd, "discussion": discussion, "people": people}


ORGANIZER_PAGE: dict[str, int | str] = {r: 403 for r in ROLES}
ORGANIZER_PAGE |= {"organizer": 200, "anonymous": LOGIN}
ORGANIZER_ACTION: dict[str, int | str] = ORGANIZER_PAGE | {"organizer": REDIRECT}
DISCUSSION_PAGE: dict[str, int | str] = {
    "organizer": 200,
    "owner": 200,
    "member": 200,
    "outsider": 404,
    "conflicted": 404,
    "unit": 403,
    "editor": 403,
    "anonymous": LOGIN,
}
# Only a judge of the case (or the leader) writes; an organizer reads.
JUDGE_ACTION: dict[str, int | str] = DISCUSSION_PAGE | {
    "organizer": 404,
    "owner": REDIRECT,
    "member": REDIRECT,
}


def _round(w):
    return {"pk": w["round"].pk}


def _discussion(w):
    return {"pk": w["discussion"].pk}


TABLE = [
    Row("judging:round_consensus", ORGANIZER_PAGE, kwargs=_round),
    Row("judging:round_set_leader", ORGANIZER_ACTION, kwargs=_round, method="post"),
    Row("judging:discussion_open", ORGANIZER_ACTION, kwargs=_round, method="post"),
    Row("judging:tie_decide", ORGANIZER_ACTION, kwargs=_round, method="post"),
    Row("judging:discussion", DISCUSSION_PAGE, kwargs=_discussion),
    Row("judging:discussion_comment", JUDGE_ACTION, kwargs=_discussion, method="post"),
    Row("judging:discussion_revise", JUDGE_ACTION, kwargs=_discussion, method="post"),
    Row("judging:discussion_decide", JUDGE_ACTION, kwargs=_discussion, method="post"),
]


def test_every_consensus_url_is_in_the_matrix():
    assert access.missing_rows(TABLE, "judging", urlpatterns) == []
    assert all(list(row.expect) == ROLES for row in TABLE)


@pytest.mark.parametrize("row", [pytest.param(row, id=row.id) for row in TABLE])
def test_access_matrix(client, world, row):
    access.check_row(client, world, row)


def test_a_discussion_of_another_round_is_a_404_for_the_judge(client, world, call, organizer):
    rnd, _judges, cases = scored_round(call, [[(30, 50), (31, 51)]], name="复评")
    other = consensus.discussion_open(round=rnd, case=cases[0], actor=organizer)
    client.force_login(world["people"]["owner"])
    assert client.get(f"/judging/discussions/{other.pk}/").status_code == 404
    assert Discussion.objects.count() == 2
