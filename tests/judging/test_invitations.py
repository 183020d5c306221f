"""Invitations: a drawing invites the drawn experts and keeps backups in order; a decline or no
answer in time invites the next backup with the reason recorded; accepting puts the expert on
the panel; the personal link works without a login and only for its own invitation."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judging.models import Invitation, Round
from judging.services import invitations
from judging.signals import experts_drawn
from judging.tasks import invitations_sweep

from ..factories import JudgeFactory, RoundFactory, UserFactory

pytestmark = pytest.mark.django_db


def _expert(name: str):
    return JudgeFactory(name=name, user=UserFactory(username=f"u{name}", email=f"{name}@x.cn"))


@pytest.fixture
def drawn_round(django_capture_on_commit_callbacks, organizer):
    """A round whose drawing picked 王一 and 李二, with backups 张三 then 赵四 (in that order)."""
    rnd = RoundFactory(answer_hours=48)
    drawn = [_expert("王一"), _expert("李二")]
    backups = [_expert("张三"), _expert("赵四")]
    with django_capture_on_commit_callbacks(execute=True):
        experts_drawn.send(sender=None, round=rnd, drawn=drawn, backups=backups, actor=organizer)
    return rnd


def _inv(rnd: Round, name: str) -> Invitation:
    return Invitation.objects.get(round=rnd, judge__name=name)


def test_a_drawing_invites_the_drawn_experts_by_email_and_keeps_the_backups_waiting(drawn_round):
    rows = {
        i.judge.name: (i.role, i.order, i.status)
        for i in Invitation.objects.filter(round=drawn_round)
    }
    assert rows == {
        "王一": ("drawn", 1, "invited"),
        "李二": ("drawn", 2, "invited"),
        "张三": ("backup", 1, "waiting"),
        "赵四": ("backup", 2, "waiting"),
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["李二@x.cn", "王一@x.cn"]
    wang = _inv(drawn_round, "王一")
    assert wang.respond_by - wang.invited_at == timedelta(hours=48)
    link = reverse("judging:invitation", args=[wang.token])
    assert any(link in m.body for m in mail.outbox if m.to == ["王一@x.cn"])
    assert len(wang.token) >= 40


def test_a_decline_invites_the_next_backup_with_the_reason(
    drawn_round, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    wang = _inv(drawn_round, "王一")
    with django_capture_on_commit_callbacks(execute=True):
        backup = invitations.invitation_decline(
            invitation=wang, reason="出差在外", actor=wang.judge.user
        )
    wang.refresh_from_db()
    assert (wang.status, wang.reason) == ("declined", "出差在外")
    assert backup is not None and backup.judge.name == "张三"
    assert (backup.status, backup.replaces_id) == ("invited", wang.pk)
    assert [m.to for m in mail.outbox] == [["张三@x.cn"]]
    assert invitations.unfilled(round=drawn_round).count() == 0


def test_a_decline_needs_a_reason(drawn_round):
    wang = _inv(drawn_round, "王一")
    with pytest.raises(ValidationError):
        invitations.invitation_decline(invitation=wang, reason="  ", actor=None)
    wang.refresh_from_db()
    assert wang.status == "invited"


def test_no_answer_in_time_expires_and_invites_the_next_backup(drawn_round):
    later = timezone.now() + timedelta(hours=49)
    assert invitations.invitations_expire(now=later, actor=None) == 2
    assert _inv(drawn_round, "王一").status == "expired"
    assert "No answer by" in _inv(drawn_round, "王一").reason
    zhang, zhao = _inv(drawn_round, "张三"), _inv(drawn_round, "赵四")
    assert zhang.status == zhao.status == "invited"
    assert {zhang.replaces.judge.name, zhao.replaces.judge.name} == {"王一", "李二"}
    # a second sweep at the same moment changes nothing
    assert invitations.invitations_expire(now=later, actor=None) == 0


def test_the_worker_sweep_expires_what_is_late(drawn_round):
    Invitation.objects.filter(round=drawn_round, status="invited").update(
        respond_by=timezone.now() - timedelta(minutes=1)
    )
    assert invitations_sweep() == 2
    assert Invitation.objects.filter(round=drawn_round, status="expired").count() == 2


def test_no_backup_left_leaves_an_open_place_the_organizer_is_told_of(drawn_round, org_client):
    declined = []
    nxt: Invitation | None = _inv(drawn_round, "王一")
    while nxt is not None:  # 王一 declines, then 张三, then 赵四: no backup is left
        declined.append(nxt.judge.name)
        nxt = invitations.invitation_decline(invitation=nxt, reason="没空", actor=None)
    assert declined == ["王一", "张三", "赵四"]
    assert list(invitations.unfilled(round=drawn_round).values_list("judge__name", flat=True)) == [
        "赵四"
    ]
    page = org_client.get(reverse("judging:round_detail", args=[drawn_round.pk])).content.decode()
    assert 'id="no-backup-left"' in page
    assert "1 place on the panel is open and no backup is left" in page
    # the organizer invites by hand: the new invitation takes the open place
    extra = _expert("钱五")
    inv = invitations.invitation_add(round=drawn_round, judge=extra, actor=None)
    assert (inv.role, inv.status, inv.replaces.judge.name) == ("manual", "invited", "赵四")
    assert invitations.unfilled(round=drawn_round).count() == 0


def test_accepting_puts_the_expert_on_the_panel(drawn_round):
    li = _inv(drawn_round, "李二")
    invitations.invitation_accept(invitation=li, actor=li.judge.user)
    li.refresh_from_db()
    assert li.status == "accepted" and li.answered_at is not None
    assert list(drawn_round.panel.values_list("name", flat=True)) == ["李二"]
    with pytest.raises(ValidationError):  # answered once
        invitations.invitation_decline(invitation=li, reason="改主意", actor=None)


def test_a_late_answer_is_refused(drawn_round):
    li = _inv(drawn_round, "李二")
    with pytest.raises(ValidationError):
        invitations.invitation_accept(
            invitation=li, actor=None, now=timezone.now() + timedelta(hours=50)
        )
    assert not drawn_round.panel.exists()


def test_invite_by_hand_without_a_drawing(organizer, django_capture_on_commit_callbacks):
    rnd = RoundFactory()
    expert = _expert("孙六")
    with django_capture_on_commit_callbacks(execute=True):
        inv = invitations.invitation_add(round=rnd, judge=expert, actor=organizer)
    assert (inv.role, inv.status, inv.replaces) == ("manual", "invited", None)
    assert [m.to for m in mail.outbox] == [["孙六@x.cn"]]
    with pytest.raises(ValidationError):
        invitations.invitation_add(round=rnd, judge=expert, actor=organizer)


def test_resend_sends_the_same_link_again_and_restarts_the_time(
    drawn_round, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    wang = _inv(drawn_round, "王一")
    later = timezone.now() + timedelta(hours=10)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitation_resend(invitation=wang, actor=None, now=later)
    wang.refresh_from_db()
    assert wang.respond_by == later + timedelta(hours=48)
    assert [m.to for m in mail.outbox] == [["王一@x.cn"]]
    assert reverse("judging:invitation", args=[wang.token]) in mail.outbox[0].body


# ---- the personal link ---------------------------------------------------------------------


def test_the_personal_link_works_without_login_and_accepts(client, drawn_round):
    wang = _inv(drawn_round, "王一")
    url = reverse("judging:invitation", args=[wang.token])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert drawn_round.call.title in text and "王一" in text and 'id="answer-form"' in text
    response = client.post(url, {"answer": "accept"})
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.status == "accepted"
    assert drawn_round.panel.filter(pk=wang.judge_id).exists()


def test_declining_through_the_link_needs_a_reason(client, drawn_round):
    wang = _inv(drawn_round, "王一")
    url = reverse("judging:invitation", args=[wang.token])
    assert client.post(url, {"answer": "decline", "reason": ""}).status_code == 400
    assert _inv(drawn_round, "王一").status == "invited"
    client.post(url, {"answer": "decline", "reason": "家中有事"})
    assert _inv(drawn_round, "王一").status == "declined"
    assert _inv(drawn_round, "张三").status == "invited"


def test_a_wrong_token_is_404(client, drawn_round):
    wang = _inv(drawn_round, "王一")
    for token in (wang.token[:-1] + ("A" if wang.token[-1] != "A" else "B"), "x", "短"):
        assert client.get(reverse("judging:invitation", args=[token])).status_code == 404


def test_a_token_answers_only_its_own_invitation(client, drawn_round):
    """Another expert's or another round's link changes nothing of this invitation."""
    other_round = RoundFactory()
    other = invitations.invitation_add(round=other_round, judge=_expert("周七"), actor=None)
    client.post(reverse("judging:invitation", args=[other.token]), {"answer": "accept"})
    assert other_round.panel.filter(pk=other.judge_id).exists()
    assert not drawn_round.panel.exists()
    assert Invitation.objects.filter(round=drawn_round, status="accepted").count() == 0
    assert invitations.invitation_by_token(other.token).round == other_round


def test_the_round_page_queries_do_not_grow_with_invitations_and_pledges(
    org_client, organizer, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from judging.services import pledges

    def build(n: int) -> Round:
        rnd = RoundFactory.create()
        experts = [_expert(f"专家{rnd.pk}-{i}") for i in range(n)]
        invitations.invitations_from_drawing(
            round=rnd, drawn=experts[: n - 1], backups=experts[n - 1 :], actor=organizer
        )
        first = Invitation.objects.filter(round=rnd, status="invited").order_by("pk")
        invitations.invitation_decline(invitation=first[0], reason="没空", actor=None)
        for inv in Invitation.objects.filter(round=rnd, status="invited"):
            invitations.invitation_accept(invitation=inv, actor=None)
            pledges.pledge_sign(
                round=rnd,
                judge=inv.judge,
                typed_name=inv.judge.name,
                agreed=True,
                ip_address="10.0.0.1",
                actor=None,
            )
        return rnd

    small, large = build(2), build(12)
    assert small.pledges.count() == 1 and large.pledges.count() == 11
    with CaptureQueriesContext(connection) as ctx:
        assert org_client.get(reverse("judging:round_detail", args=[small.pk])).status_code == 200
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert org_client.get(reverse("judging:round_detail", args=[large.pk])).status_code == 200


def test_a_new_drawing_withdraws_the_open_invitations_of_the_earlier_one(drawn_round):
    li = _inv(drawn_round, "李二")
    invitations.invitation_accept(invitation=li, actor=None)
    new = _expert("吴八")
    experts_drawn.send(
        sender=None,
        round=drawn_round,
        drawn=[li.judge, new],
        backups=[_inv(drawn_round, "赵四").judge],
        actor=None,
    )
    rows = {i.judge.name: (i.role, i.status) for i in Invitation.objects.filter(round=drawn_round)}
    assert rows == {
        "王一": ("drawn", "withdrawn"),
        "李二": ("drawn", "accepted"),  # an accepted expert keeps the place
        "张三": ("backup", "withdrawn"),
        "赵四": ("backup", "waiting"),
        "吴八": ("drawn", "invited"),
    }


_serial = iter(range(10**6))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    n_drawn=st.integers(1, 3),
    n_backups=st.integers(0, 4),
    answers=st.lists(st.tuples(st.sampled_from(["decline", "expire"]), st.integers(0, 9))),
)
def test_a_decline_or_no_answer_always_brings_the_next_backup(
    django_capture_on_commit_callbacks, organizer, n_drawn, n_backups, answers
):
    """Property: whatever the drawn experts do, in any order, each decline or expiry invites the
    next waiting backup (lowest order first, `replaces` set), until none is left; the places
    filled never exceed the drawn count and never fall below it while backups wait."""
    run = next(_serial)
    rnd = RoundFactory.create(answer_hours=48)
    drawn = [_expert(f"抽{run}-{i}") for i in range(n_drawn)]
    backups = [_expert(f"补{run}-{i}") for i in range(n_backups)]
    with django_capture_on_commit_callbacks(execute=True):
        experts_drawn.send(sender=None, round=rnd, drawn=drawn, backups=backups, actor=organizer)
    later = timezone.now()
    for action, pick in answers:
        invited = list(Invitation.objects.filter(round=rnd, status=Invitation.Status.INVITED))
        if not invited:
            break
        target = sorted(invited, key=lambda i: i.pk)[pick % len(invited)]
        waiting = list(
            Invitation.objects.filter(round=rnd, status=Invitation.Status.WAITING).order_by(
                "order", "pk"
            )
        )
        if action == "decline":
            invitations.invitation_decline(invitation=target, reason="时间冲突", actor=None)
        else:  # no answer in time: only this one is late
            Invitation.objects.filter(pk=target.pk).update(respond_by=later - timedelta(hours=1))
            invitations.invitations_expire(now=later, actor=None)
        refused = Invitation.objects.filter(
            round=rnd, status__in=[Invitation.Status.DECLINED, Invitation.Status.EXPIRED]
        ).count()
        open_places = Invitation.objects.filter(
            round=rnd, status__in=[Invitation.Status.INVITED, Invitation.Status.ACCEPTED]
        ).count()
        assert Invitation.objects.get(pk=target.pk).status != Invitation.Status.INVITED
        assert open_places == n_drawn - max(0, refused - n_backups)
        if waiting:
            nxt = Invitation.objects.get(pk=waiting[0].pk)
            assert nxt.status == Invitation.Status.INVITED
            assert nxt.replaces_id == target.pk
