"""The organizer sends units' accounts their invitation (again): a one-time link to choose a
password, by the member's channel, audited and at most once a minute per account."""

import re

import pytest
from auditlog.models import LogEntry
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging.models import Message
from tests.factories import UnitFactory, unit_user

pytestmark = pytest.mark.django_db

NEW = "Lanterns-2026-river"


def _invite(client, *users):
    return client.post(
        reverse("submissions:account_invite"), {"users": [u.pk for u in users]}, follow=True
    )


def _flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_units_invitation_sends_a_link_that_sets_the_password_once(org_client, organizer):
    member = unit_user(UnitFactory(name="甲街道"), username="zhang", full_name="张伟")
    response = _invite(org_client, member)
    assert _flashes(response) == ["Invitation sent to zhang (张伟)."]
    message = Message.objects.get()
    assert (message.event, message.channel, message.address, message.sensitive) == (
        "account_invited",
        "email",
        member.email,
        True,
    )
    assert "An account zhang was made for you." in message.body
    entry = LogEntry.objects.filter(object_pk=str(member.pk)).latest("timestamp")
    assert entry.additional_data == {"note": "Invitation sent to zhang (email)."}
    assert entry.actor == organizer

    link = re.search(r"https?://\S+", message.body).group(0)
    path = link.removeprefix(django_settings.PORTAL_BASE_URL.rstrip("/"))
    client = Client()  # the member, on his or her own computer
    landing = client.get(path)  # Django moves the token into the session
    done = client.post(landing["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("reset:complete")
    member.refresh_from_db()
    assert member.check_password(NEW) is True
    assert "This link does not work any more" in client.get(path, follow=True).content.decode()


def test_an_invitation_goes_by_the_members_channel(org_client, settings):
    settings.SMS_BACKEND = "messaging.backends.sms.locmem.SmsBackend"
    member = unit_user(username="li", phone="13900000005", message_channel="both")
    _invite(org_client, member)
    assert sorted(Message.objects.values_list("channel", "address")) == [
        ("email", member.email),
        ("sms", "13900000005"),
    ]


def test_once_a_minute_per_account(org_client):
    member = unit_user(username="wang")
    _invite(org_client, member)
    again = _invite(org_client, member)
    assert _flashes(again) == ["“wang” was invited less than a minute ago. Try again in a minute."]
    assert Message.objects.count() == 1


def test_inactive_accounts_and_accounts_without_address_are_refused(org_client):
    unit = UnitFactory()
    gone = unit_user(unit, username="gone", is_active=False)
    mute = unit_user(unit, username="mute", email="")
    fine = unit_user(unit, username="fine", full_name="")
    response = _invite(org_client, gone, mute, fine)
    assert _flashes(response) == [
        "“gone” is inactive: no invitation was sent.",
        "“mute” has no email address or mobile number: no invitation was sent.",
        "Invitation sent to fine.",
    ]
    assert list(Message.objects.values_list("user__username", flat=True)) == ["fine"]


def test_only_units_accounts_can_be_invited(org_client, organizer):
    response = _invite(org_client, organizer)
    assert len(_flashes(response)) == 1
    assert "not one of the available choices" in _flashes(response)[0]
    assert Message.objects.count() == 0


def test_the_unit_list_offers_the_invitation_per_unit_and_per_member(org_client):
    UnitFactory(name="无人街道")
    alone = unit_user(UnitFactory(name="单人街道"), username="alone")
    pair = UnitFactory(name="两人社区")
    first, second = unit_user(pair, username="first"), unit_user(pair, username="second")
    page = org_client.get(reverse("submissions:unit_list")).content.decode()
    assert page.count(">Resend invitation</button>") == 3  # alone's unit, first, second
    assert page.count(">Resend to all</button>") == 1
    for user in (alone, first, second):
        assert f'name="users" value="{user.pk}"' in page


def test_new_accounts_come_with_a_send_invitations_button(org_client):
    response = org_client.post(
        reverse("submissions:unit_list"),
        {"name": "新街道", "username": "newbie", "full_name": "", "email": "n@example.org"},
    )
    page = response.content.decode()
    assert 'id="invite-new"' in page
    newbie = response.context["new_accounts"][0].user
    assert f'<input type="hidden" name="users" value="{newbie.pk}">' in page


def test_the_unit_list_costs_the_same_queries_for_one_unit_and_for_many(
    org_client, django_assert_num_queries
):
    unit_user(UnitFactory(), username="one")
    url = reverse("submissions:unit_list")
    org_client.get(url)
    with CaptureQueriesContext(connection) as one:
        org_client.get(url)
    for i in range(6):
        unit = UnitFactory()
        unit_user(unit, username=f"m{i}a")
        unit_user(unit, username=f"m{i}b")
    with django_assert_num_queries(len(one.captured_queries)):
        org_client.get(url)
