"""Demo invitations and pledges (issue 14), built through the services while a demo round is
set up (judging/demo.py `_set_up`): the panel's experts are invited; in a first round one
invited expert declines with a reason and the backup invited in his place accepts; every
panel expert then signs the call's pledge, so the judge demo accounts go straight to their
cases."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Judge, Round
from .services import invitations, pledges, pool

PASSWORD = "demo12345"  # noqa: S105 — the documented demo password
DECLINER = ("expert6", "周高级工程师", "市城市规划设计研究院", "城市规划")
DECLINE_REASON = "评审期间需赴外地参加规划评审会，时间冲突，无法参加。"


def decliner(organizer) -> Judge:
    username, name, affiliation, expertise = DECLINER
    judge = Judge.objects.filter(user__username=username).first()
    if judge is None:
        existing = get_user_model().objects.filter(username=username).exists()
        judge = pool.judge_create(
            name=name,
            username=username,
            email=f"{username}@example.org",
            affiliation=affiliation,
            expertise=expertise,
            password="" if existing else PASSWORD,
            must_change_password=False,  # demo accounts keep demo12345
            actor=organizer,
        ).judge
    return judge


def invite_panel(
    rnd: Round,
    judges: list[Judge],
    organizer,
    *,
    with_decline: bool,
    drawn: tuple[list[Judge], list[Judge]] | None = None,
) -> None:
    """Invite the panel (before it is set). with_decline: as after a drawing, with the last
    expert a backup and an extra expert drawn who declines (the backup takes the place);
    otherwise the organizer invites the panel by hand."""
    start = timezone.now() - timedelta(days=12)
    if with_decline and len(judges) >= 2:
        chosen, backups = drawn or ([*judges[:-1], decliner(organizer)], [judges[-1]])
        made = invitations.invitations_from_drawing(
            round=rnd,
            drawn=chosen,
            backups=backups,
            actor=organizer,
            now=start,
        )
    else:  # a later round: the organizer invites the same panel by hand
        made = [
            invitations.invitation_add(round=rnd, judge=j, actor=organizer, now=start)
            for j in judges
        ]
    for i, inv in enumerate(made):
        if inv.status != inv.Status.INVITED:
            continue
        who = inv.judge.user
        if with_decline and inv.judge.pk == decliner(organizer).pk:
            backup = invitations.invitation_decline(
                invitation=inv, reason=DECLINE_REASON, actor=who, now=start + timedelta(hours=5)
            )
            if backup is not None:
                invitations.invitation_accept(
                    invitation=backup,
                    actor=backup.judge.user,
                    now=start + timedelta(hours=9),
                )
        else:
            invitations.invitation_accept(
                invitation=inv, actor=who, now=start + timedelta(hours=1 + i)
            )


def sign_pledges(rnd: Round, judges: list[Judge]) -> None:
    """Every panel expert signs the pledge, a little after accepting."""
    start = timezone.now() - timedelta(days=11)
    for i, judge in enumerate(judges):
        pledges.pledge_sign(
            round=rnd,
            judge=judge,
            typed_name=judge.name,
            agreed=True,
            ip_address=f"10.20.1.{11 + i}",
            actor=judge.user,
            now=start + timedelta(hours=i),
        )
