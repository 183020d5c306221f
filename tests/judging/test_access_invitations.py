"""Who may reach the pages of invitations and pledges (judging/urls/invitations.py), in the
access-table style of tests/access.py: the organizer; the judge whose pledge it is (owner, on
the panel, not signed yet); a judge of the same panel who has signed (member); a judge of no
panel (outsider); a unit user, an editor and anonymous.

The personal invitation link needs no login: whoever holds it sees the invitation (and a wrong
one is a 404 for everybody). A pattern without a row here fails the test.
"""

import pytest

from judging import urls
from judging.models import PledgeSignature
from judging.services import invitations, pledges

from .. import access
from ..access import LOGIN, REDIRECT, Row
from ..factories import UnitFactory, unit_user
from .setupkit import accepted_case, judge_profile, make_round

pytestmark = pytest.mark.django_db

urlpatterns = urls.invitations.urlpatterns

ROLES = ["organizer", "owner", "member", "outsider", "unit", "editor", "anonymous"]


def _roles(*, organizer, judge, owner=None, anonymous=LOGIN, unit=403, editor=403, member=None):
    return {
        "organizer": organizer,
        "owner": judge if owner is None else owner,
        "member": judge if member is None else member,
        "outsider": judge,
        "unit": unit,
        "editor": editor,
        "anonymous": anonymous,
    }


ORGANIZER_PAGE = _roles(organizer=200, judge=403)
ORGANIZER_ACTION = _roles(organizer=REDIRECT, judge=403)
PUBLIC_PAGE = _roles(organizer=200, judge=200, unit=200, editor=200, anonymous=200)
PLEDGE_PAGE = _roles(organizer=403, judge=404, owner=200)


def _round(w):
    return {"pk": w["round"].pk}


def _token(w):
    return {"token": w["invitation"].token}


TABLE = [
    Row("judging:invitation", PUBLIC_PAGE, kwargs=_token),
    Row("judging:round_invite", ORGANIZER_ACTION, kwargs=_round, method="post"),
    Row(
        "judging:invitation_resend",
        ORGANIZER_ACTION,
        kwargs=lambda w: {"pk": w["invitation"].pk},
        method="post",
    ),
    Row("judging:round_pledge_text", ORGANIZER_ACTION, kwargs=_round, method="post"),
    Row("judging:round_pledges_export", ORGANIZER_PAGE, kwargs=_round),
    Row("judging:pledge", PLEDGE_PAGE, kwargs=_round),
]


def test_every_invitation_url_has_an_expectation():
    assert access.missing_rows(TABLE, "judging", urlpatterns) == []
    for row in TABLE:
        assert list(row.expect) == ROLES, row.url


@pytest.fixture
def world(call, organizer, editor):
    unit = UnitFactory(name="某街道")
    accepted_case(call, unit=unit)
    owner, member = judge_profile("owner"), judge_profile("member")
    rnd = make_round(call, judges=[owner, member], pledge_required=True, actor=organizer)
    pledges.pledge_sign(
        round=rnd, judge=member, typed_name=member.name, agreed=True, ip_address=None, actor=None
    )
    invited = judge_profile("invited")
    inv = invitations.invitation_add(round=rnd, judge=invited, actor=organizer)
    outsider = judge_profile("outsider")
    people = {
        "organizer": organizer,
        "owner": owner.user,
        "member": member.user,
        "outsider": outsider.user,
        "unit": unit_user(unit),
        "editor": editor,
        "anonymous": None,
    }
    return {"round": rnd, "invitation": inv, "people": people}


def _state(w):
    inv = w["invitation"]
    inv.refresh_from_db()
    return (
        inv.status,
        inv.respond_by,
        PledgeSignature.objects.count(),
        w["round"].panel.count(),
        w["round"].call.__class__.objects.get(pk=w["round"].call_id).pledge_text,
    )


@pytest.mark.parametrize(("row", "role"), access.cases(TABLE))
def test_access(client, world, row, role):
    access.check(client, world, row, role, state=_state)


def test_a_wrong_token_is_404_for_everybody(client, world):
    bad = Row(
        "judging:invitation",
        {role: 404 for role in ROLES},
        kwargs=lambda w: {"token": "A" * 43},
    )
    for role in ROLES:
        access.check(client, world, bad, role)
