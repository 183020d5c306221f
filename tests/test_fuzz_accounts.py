"""Hostile input in the password reset forms (by email, by text message: no login) and in the
organizer's invitation. Never a server error."""

from django.core.cache import cache
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from civiccases.password_reset_forms import ResetByEmailForm, ResetBySmsForm, ResetCodeForm
from submissions.forms import InviteAccountsForm

from .factories import UserFactory, unit_user
from .fuzzkit import FUZZ, fuzzes, hostile, hostile_number, post_ok

SMS = "messaging.backends.sms.locmem.SmsBackend"


def _once(username: str, *, unit: bool = False, **kwargs) -> None:
    """The account of the test, made at its first example (examples share the database)."""
    if User.objects.filter(username=username).exists():
        return
    if unit:
        unit_user(username=username, **kwargs)
    else:
        UserFactory(username=username, **kwargs)


@fuzzes(ResetByEmailForm)
@FUZZ
@given(email=hostile)
def test_reset_by_email(db, client, email):
    cache.clear()  # the rate limit is not under test here
    _once("fuzz-mail", email="fuzz@example.org")
    post_ok(client, reverse("reset:email"), {"email": email})


@fuzzes(ResetBySmsForm, ResetCodeForm)
@FUZZ
@given(who=hostile, code=st.one_of(hostile, st.from_regex(r"\A[0-9]{6}\Z")))
def test_reset_by_text_message(db, client, settings, who, code):
    settings.SMS_BACKEND = SMS
    cache.clear()
    _once("fuzz-sms", phone="13900000009")
    post_ok(client, reverse("reset:sms"), {"who": who})
    post_ok(client, reverse("reset:sms_code"), {"code": code})
    post_ok(client, reverse("reset:sms"), {"who": "fuzz-sms"})
    post_ok(client, reverse("reset:sms_code"), {"code": code})


@fuzzes(InviteAccountsForm)
@FUZZ
@given(users=st.one_of(hostile_number, st.lists(hostile_number, max_size=5), hostile))
def test_the_organizers_invitation(org_client, users):
    cache.clear()
    _once("fuzz-unit", unit=True)
    post_ok(org_client, reverse("submissions:account_invite"), {"users": users})
