"""The organizer sends experts of the pool their invitation, as units' accounts get theirs: right
after importing them, or again from the pool's list. An expert's link sets the password once;
only accounts of the pool can be invited from there."""

import re

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from judging.models import Judge
from messaging.models import Message

from ..factories import unit_user
from ..submissions.test_invitations import _flashes
from .setupkit import judge_profile

pytestmark = pytest.mark.django_db

NEW = "Expert-link-2026-hill"


def _invite(client, *users):
    return client.post(
        reverse("judging:judge_invite"), {"users": [u.pk for u in users]}, follow=True
    )


def test_imported_experts_are_invited_and_choose_their_own_password(org_client):
    csv = "姓名,用户名,邮箱\n王专家,wangzj,wang@example.org\n陈专家,chenzj,chen@example.org\n"
    page = org_client.post(
        reverse("judging:judge_import"), {"file": SimpleUploadedFile("j.csv", csv.encode())}
    )
    html = page.content.decode()
    assert 'id="invite-new"' in html
    users = [j.user for j in Judge.objects.order_by("user__username")]
    for user in users:
        assert f'<input type="hidden" name="users" value="{user.pk}">' in html

    response = _invite(org_client, *users)

    assert response.redirect_chain[-1][0] == reverse("judging:judge_list")
    assert _flashes(response) == ["Invitation sent to chenzj (陈专家), wangzj (王专家)."]
    assert sorted(Message.objects.values_list("event", "address")) == [
        ("account_invited", "chen@example.org"),
        ("account_invited", "wang@example.org"),
    ]
    message = Message.objects.get(address="wang@example.org")
    link = re.search(r"https?://\S+", message.body).group(0)
    expert = Client()
    landing = expert.get(link.removeprefix(django_settings.PORTAL_BASE_URL.rstrip("/")))
    done = expert.post(landing["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("reset:complete")
    wang = Judge.objects.get(user__username="wangzj").user
    wang.refresh_from_db()
    assert wang.check_password(NEW)


def test_the_pool_offers_the_invitation_per_expert(org_client):
    experts = [judge_profile("liu"), judge_profile("zhao")]
    page = org_client.get(reverse("judging:judge_list")).content.decode()
    assert page.count(">Resend invitation</button>") == 2
    for judge in experts:
        assert f'name="users" value="{judge.user_id}"' in page


def test_only_experts_of_the_pool_are_invited_from_the_pool(org_client, organizer):
    member = unit_user(username="unit-member")
    mute = judge_profile("mute")
    mute.user.email = ""
    mute.user.save()
    response = _invite(org_client, member, organizer)
    assert len(_flashes(response)) == 1
    assert "not one of the available choices" in _flashes(response)[0]
    assert _flashes(_invite(org_client, mute.user)) == [
        "“mute” has no email address or mobile number: no invitation was sent."
    ]
    assert Message.objects.count() == 0
