"""Invitations of experts to a round's panel (邀请与候补).

A drawing (judging/services/drawing.py) sends `signals.experts_drawn`; `on_experts_drawn`
invites the drawn experts (an email with a personal link) and keeps the backups waiting in
order. The organizer may also invite an expert by hand (role manual), so rounds without a
drawing work the same way.

An expert answers through the personal link, without logging in: accepting puts the expert on
the panel (the pledge comes next, judging/services/pledges.py); declining (with a reason) or no
answer by `respond_by` (`invitations_expire`, a worker sweep) invites the next waiting backup,
lowest order first, with `replaces` and the reason recorded. When no backup is left the place
stays open and the round page says so (`selectors.invitations_unfilled`).
"""

import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from audit.context import acts
from core import cache as caches

from ..models import Invitation, Judge, Round

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters
TOKEN_MAX_LENGTH = 64

#: Invitations that hold (or may still take) a place on the panel.
LIVE = (Invitation.Status.INVITED, Invitation.Status.ACCEPTED)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation of a personal link, or None. The token is looked up by its unique index
    and compared again in constant time; a malformed one never reaches the database."""
    token = token or ""
    if not (20 <= len(token) <= TOKEN_MAX_LENGTH) or not token.isascii():
        return None
    found = (
        Invitation.objects.select_related("round__call", "judge__user", "replaces__judge")
        .filter(token=token)
        .first()
    )
    if found is None or not hmac.compare_digest(found.token.encode(), token.encode()):
        return None
    return found


def unfilled(*, round: Round) -> QuerySet[Invitation]:
    """Declined or expired invitations that no other invitation replaced: open places."""
    return Invitation.objects.filter(
        round=round, status__in=(Invitation.Status.DECLINED, Invitation.Status.EXPIRED)
    ).exclude(Exists(Invitation.objects.filter(replaces=OuterRef("pk"))))


def _send(invitation: Invitation) -> None:
    """The personal link goes through the outbox (sent once this commits)."""
    from audit.context import current_actor

    from .. import messages

    messages.invitation(invitation=invitation, actor=current_actor())


def _invite(
    invitation: Invitation,
    *,
    now: datetime,
    replaces: Invitation | None = None,
) -> Invitation:
    """Invite now: the answer is due after the round's window; the email goes on commit."""
    invitation.status = Invitation.Status.INVITED
    invitation.invited_at = now
    invitation.respond_by = now + timedelta(hours=invitation.round.answer_hours)
    invitation.answered_at = None
    invitation.reason = ""
    if replaces is not None:
        invitation.replaces = replaces
    if not invitation.token:
        invitation.token = new_token()
    invitation.save()
    _send(invitation)
    return invitation


def _next_backup(*, round: Round, replaces: Invitation, now: datetime) -> Invitation | None:
    """Invite the waiting backup with the lowest order in place of `replaces` (None: none left)."""
    backup = (
        Invitation.objects.select_for_update()
        .select_related("round")
        .filter(round=round, status=Invitation.Status.WAITING)
        .order_by("order", "pk")
        .first()
    )
    if backup is None:
        return None
    return _invite(backup, now=now, replaces=replaces)


def _check_round(round: Round) -> None:
    if round.status == Round.Status.CLOSED:
        raise ValidationError(_("The round is closed."))


@acts
@transaction.atomic
def invitations_from_drawing(
    *,
    round: Round,
    drawn: Iterable[Judge],
    backups: Iterable[Judge],
    actor: User | None,
    now: datetime | None = None,
) -> list[Invitation]:
    """Invite the drawn experts at once and keep the backups waiting, in the drawn order.

    A new drawing of the same round (a redraw, with its recorded reason) withdraws the
    invitations of the earlier one that were not accepted; accepted experts keep their place."""
    now = now or timezone.now()
    _check_round(round)
    Invitation.objects.filter(
        round=round,
        role__in=(Invitation.Role.DRAWN, Invitation.Role.BACKUP),
        status__in=(Invitation.Status.WAITING, Invitation.Status.INVITED),
    ).update(status=Invitation.Status.WITHDRAWN)
    existing = {i.judge_id: i for i in Invitation.objects.filter(round=round)}
    made = []
    for role, judges in ((Invitation.Role.DRAWN, drawn), (Invitation.Role.BACKUP, backups)):
        for order, judge in enumerate(judges, 1):
            inv = existing.get(judge.pk)
            if inv is not None and inv.status == Invitation.Status.ACCEPTED:
                continue
            if inv is None:
                inv = Invitation(round=round, judge=judge)
            inv.round = round
            inv.role, inv.order, inv.replaces = role, order, None
            inv.token = new_token()
            if role == Invitation.Role.DRAWN:
                _invite(inv, now=now)
            else:
                inv.status = Invitation.Status.WAITING
                inv.invited_at = inv.respond_by = inv.answered_at = None
                inv.reason = ""
                inv.save()
            made.append(inv)
    return made


def on_experts_drawn(sender, *, round, drawn, backups, actor, **kwargs) -> None:
    """Receiver of `signals.experts_drawn` (connected in judging/apps.py)."""
    invitations_from_drawing(round=round, drawn=drawn, backups=backups, actor=actor)


@acts
@transaction.atomic
def invitation_add(
    *, round: Round, judge: Judge, actor: User | None, now: datetime | None = None
) -> Invitation:
    """The organizer invites an expert by hand; the invitation takes an open place (a decline
    or expiry that no backup could fill), if there is one."""
    now = now or timezone.now()
    _check_round(round)
    if not judge.available:
        raise ValidationError(
            _("%(name)s is marked unavailable in the expert pool."), params={"name": judge.name}
        )
    inv = Invitation.objects.select_for_update().filter(round=round, judge=judge).first()
    if inv is not None and inv.status in LIVE:
        raise ValidationError(
            _("%(name)s is already invited to this round."), params={"name": judge.name}
        )
    if inv is None or inv.status != Invitation.Status.WAITING:
        # (A waiting backup invited by hand keeps its role and order.)
        inv = inv or Invitation(round=round, judge=judge)
        inv.role = Invitation.Role.MANUAL
        inv.order = Invitation.objects.filter(round=round, role=Invitation.Role.MANUAL).count() + 1
        inv.token = ""
    open_place = unfilled(round=round).exclude(pk=inv.pk).order_by("answered_at", "pk").first()
    inv.replaces = open_place
    return _invite(inv, now=now)


@acts
@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, actor: User | None, now: datetime | None = None
) -> Invitation:
    """The expert accepts: he or she joins the round's panel (and signs the pledge next)."""
    now = now or timezone.now()
    inv = (
        Invitation.objects.select_for_update()
        .select_related("round", "judge")
        .get(pk=invitation.pk)
    )
    _check_answerable(inv, now=now)
    inv.status, inv.answered_at = Invitation.Status.ACCEPTED, now
    inv.save(update_fields=["status", "answered_at"])
    inv.round.panel.add(inv.judge)
    caches.judge_queue_changed(inv.round_id)
    return inv


@acts
@transaction.atomic
def invitation_decline(
    *, invitation: Invitation, reason: str, actor: User | None, now: datetime | None = None
) -> Invitation | None:
    """The expert declines, with a reason; the next waiting backup is invited in his or her
    place. Returns the backup's invitation, or None when no backup is left."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why you decline: the reason is part of the round's record."))
    inv = (
        Invitation.objects.select_for_update()
        .select_related("round", "judge")
        .get(pk=invitation.pk)
    )
    _check_answerable(inv, now=now)
    inv.status, inv.answered_at, inv.reason = Invitation.Status.DECLINED, now, reason
    inv.save(update_fields=["status", "answered_at", "reason"])
    return _next_backup(round=inv.round, replaces=inv, now=now)


def _check_answerable(inv: Invitation, *, now: datetime) -> None:
    if inv.round.status == Round.Status.CLOSED:
        raise ValidationError(_("The round is closed."))
    if inv.status != Invitation.Status.INVITED:
        raise ValidationError(_("This invitation has been answered or is no longer open."))
    if inv.respond_by is not None and inv.respond_by < now:
        raise ValidationError(
            _("The time to answer ended on %(at)s; the organizer has been told."),
            params={"at": date_format(timezone.localtime(inv.respond_by), "Y-m-d H:i")},
        )


@acts
@transaction.atomic
def invitation_resend(
    *, invitation: Invitation, actor: User | None, now: datetime | None = None
) -> Invitation:
    """Send the invitation again (same personal link); the time to answer starts again."""
    now = now or timezone.now()
    inv = Invitation.objects.select_for_update().select_related("round").get(pk=invitation.pk)
    _check_round(inv.round)
    if inv.status != Invitation.Status.INVITED:
        raise ValidationError(_("Only an invitation still waiting for an answer can be resent."))
    inv.respond_by = now + timedelta(hours=inv.round.answer_hours)
    inv.save(update_fields=["respond_by"])
    _send(inv)
    return inv


@acts
def invitations_expire(*, now: datetime | None = None, actor: User | None = None) -> int:
    """Invitations without an answer by their time expire, and the next backup of each is
    invited (a worker sweep runs this). Returns how many expired."""
    now = now or timezone.now()
    n = 0
    for pk in list(
        Invitation.objects.filter(
            status=Invitation.Status.INVITED,
            respond_by__lt=now,
            round__status__in=("draft", "open"),
        ).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            inv = (
                Invitation.objects.select_for_update()
                .select_related("round")
                .filter(pk=pk, status=Invitation.Status.INVITED, respond_by__lt=now)
                .first()
            )
            if inv is None:
                continue  # answered meanwhile, or another worker was first
            inv.status, inv.answered_at = Invitation.Status.EXPIRED, now
            inv.reason = _("No answer by %(at)s.") % {
                "at": date_format(timezone.localtime(inv.respond_by), "Y-m-d H:i")
            }
            inv.save(update_fields=["status", "answered_at", "reason"])
            _next_backup(round=inv.round, replaces=inv, now=now)
            n += 1
    return n
