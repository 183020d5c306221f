"""The messages judging sends, through messaging.services.messages_dispatch (the outbox): an
expert invited, a judge reminded, the public notice published, the results final. The rows are
written in the caller's transaction and sent once it commits."""

from django.urls import reverse

from accounts.models import User
from messaging import events
from messaging.services import messages_dispatch
from submissions.messages import absolute, unit_members, when
from submissions.models import Call, Case, Unit

from .models import Invitation, Judge, Round


def invitation(*, invitation: Invitation, actor: User | None) -> int:
    """The expert's personal link to accept or decline (the organizer sees it in the outbox,
    as on the round page)."""
    rnd = invitation.round
    link = absolute(reverse("judging:invitation", args=[invitation.token]))
    rows = messages_dispatch(
        event=events.JUDGE_INVITED,
        recipients=[invitation.judge.user],
        context={
            "name": invitation.judge.name,  # as in the expert pool
            "call": rnd.call.title,
            "round": rnd.name,
            "answer_by": when(invitation.respond_by) if invitation.respond_by else "",
            "link": link,
        },
        scope=rnd.call,
        about=str(rnd),
        about_url=absolute(rnd.get_absolute_url()),
        actor=actor,
    )
    return len(rows)


def reminder(*, round: Round, judge: Judge, open_count: int, actor: User | None) -> int:
    link = absolute(reverse("judging:queue", args=[round.pk]))
    rows = messages_dispatch(
        event=events.JUDGE_REMINDER,
        recipients=[judge.user],
        context={
            "name": judge.name,  # as in the expert pool
            "call": round.call.title,
            "round": round.name,
            "open": open_count,
            "link": link,
        },
        scope=round.call,
        about=str(round),
        about_url=absolute(round.get_absolute_url()),
        actor=actor,
    )
    return len(rows)


def _units_with_cases(call: Call):
    return Unit.objects.filter(pk__in=Case.objects.filter(call=call).values("unit_id"))


def notice_published(*, call: Call, starts_at, ends_at, actor: User | None) -> int:
    link = absolute(reverse("judging:public_notice", args=[call.slug]))
    rows = messages_dispatch(
        event=events.NOTICE_PUBLISHED,
        recipients=unit_members(_units_with_cases(call)),
        context={
            "call": call.title,
            "starts": when(starts_at),
            "ends": when(ends_at),
            "link": link,
        },
        scope=call,
        about=call.title,
        about_url=link,
        actor=actor,
    )
    return len(rows)


def results_final(*, call: Call, actor: User | None) -> int:
    link = absolute(reverse("submissions:case_list"))
    rows = messages_dispatch(
        event=events.RESULTS_FINAL,
        recipients=unit_members(_units_with_cases(call)),
        context={"call": call.title, "link": link},
        scope=call,
        about=call.title,
        about_url=absolute(call.get_absolute_url()),
        actor=actor,
    )
    return len(rows)
