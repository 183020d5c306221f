"""Hostile input in the invitation and pledge forms: an expert's answer through the personal
link (no login), the organizer's invitation by hand and the pledge text, and a judge's pledge.
Never a server error; invalid input gets a page with a message."""

import itertools

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from judging.forms_invitations import InvitationAnswerForm, InviteForm, PledgeForm, PledgeTextForm
from judging.models import Invitation
from judging.services import invitations

from .factories import JudgeFactory, RoundFactory, UserFactory
from .fuzzkit import FUZZ, fuzzes, hostile, hostile_number, post_ok
from .judging.setupkit import accepted_case, judge_profile, make_round

_serial = itertools.count(1)
ids = st.one_of(hostile_number, st.lists(hostile_number, max_size=5))


def _invited() -> Invitation:
    n = next(_serial)
    judge = JudgeFactory.create(name=f"邀请{n}", user=UserFactory(username=f"finv{n}"))
    rnd = RoundFactory.create(answer_hours=48)
    invitations.invitations_from_drawing(round=rnd, drawn=[judge], backups=[], actor=None)
    return Invitation.objects.get(round=rnd, judge=judge)


@fuzzes(InvitationAnswerForm)
@FUZZ
@given(answer=hostile, reason=hostile)
def test_an_answer_through_the_personal_link(db, client, answer, reason):
    invitation = _invited()
    url = reverse("judging:invitation", args=[invitation.token])
    post_ok(client, url, {"answer": answer, "reason": reason})
    invitation.refresh_from_db()
    assert invitation.status in {s.value for s in Invitation.Status}


@fuzzes(InviteForm, PledgeTextForm)
@FUZZ
@given(judge=ids, text=hostile)
def test_the_organizers_invitation_and_pledge_text(org_client, judge, text):
    rnd = RoundFactory(answer_hours=48)
    post_ok(org_client, reverse("judging:round_invite", args=[rnd.pk]), {"judge": judge})
    post_ok(org_client, reverse("judging:round_pledge_text", args=[rnd.pk]), {"pledge_text": text})


@fuzzes(PledgeForm)
@FUZZ
@given(units=ids, reason=hostile, name=hostile, agreed=hostile)
def test_a_judges_pledge(client, call, organizer, units, reason, name, agreed):
    n = next(_serial)
    judge = judge_profile(f"fpl{n}", name="刘专家")
    accepted_case(call, title=f"案例{n}")
    rnd = make_round(call, judges=[judge], pledge_required=True, actor=organizer)
    client.force_login(judge.user)
    post_ok(
        client,
        reverse("judging:pledge", args=[rnd.pk]),
        {"conflict_units": units, "conflict_reason": reason, "typed_name": name, "agreed": agreed},
    )
