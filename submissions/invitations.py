"""Invitations of accounts the organizer made (units' members, experts of the pool): a message
(event `account_invited`, by the person's own channel choice) with a one-time link to choose a
password (Django's reset token link, the page of civiccases/password_reset.py). The organizer
sends it from the unit list or the expert pool, or right after creating or importing accounts."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from audit.context import acts
from core import cache
from messaging import events
from messaging.models import Message
from messaging.services import address_for, channels_for, messages_dispatch


def invitation_link(user: User) -> str:
    """The absolute one-time link with which `user` chooses a password (void once used, or
    once the password changes)."""
    path = reverse(
        "reset:confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.PORTAL_BASE_URL.rstrip("/") + path


@acts
@transaction.atomic
def account_invite(*, user: User, actor: User | None) -> list[Message]:
    """Send `user` the invitation (again). Refused for an inactive account, one without an
    address for its channels, and more than once a minute per account."""
    if not user.is_active:
        raise ValidationError(
            _("“%(name)s” is inactive: no invitation was sent."),
            params={"name": user.username},
        )
    if not any(address_for(user, channel) for channel in channels_for(user)):
        raise ValidationError(
            _("“%(name)s” has no email address or mobile number: no invitation was sent."),
            params={"name": user.username},
        )
    if cache.rate_limit_hit("invite", str(user.pk), limit=1, window=cache.INVITE_WINDOW):
        raise ValidationError(
            _("“%(name)s” was invited less than a minute ago. Try again in a minute."),
            params={"name": user.username},
        )
    rows = messages_dispatch(
        event=events.ACCOUNT_INVITED,
        recipients=[user],
        context={"username": user.username, "link": invitation_link(user)},
        channels=None,
        actor=actor,
    )
    audit.record(
        obj=user,
        note=_("Invitation sent to %(name)s (%(channels)s).")
        % {"name": user.username, "channels": ", ".join(row.channel for row in rows)},
        actor=actor,
    )
    return rows


def accounts_invite(*, users, actor: User | None) -> tuple[list[str], list[str]]:
    """Invite each of `users` (by user name): returns who was invited, as the organizer reads
    them ("zhang (张伟)"), and one message per refusal saying why."""
    invited: list[str] = []
    refused: list[str] = []
    for user in users.order_by("username"):
        try:
            account_invite(user=user, actor=actor)
        except ValidationError as exc:
            refused.append(" ".join(exc.messages))
        else:
            invited.append(
                _("%(username)s (%(name)s)") % {"username": user.username, "name": user.full_name}
                if user.full_name
                else user.username
            )
    return invited, refused
