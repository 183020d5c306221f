"""Forgotten passwords: the link by email (through the outbox) and the code by text message,
their limits and the lockout they share with the login page."""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import ResetCode
from messaging.backends.sms import locmem
from messaging.models import Message
from tests.factories import PASSWORD, ResetCodeFactory, UserFactory, unit_user

pytestmark = pytest.mark.django_db

NEW = "Lanterns-2026-river"


def _link(message: Message) -> str:
    found = re.search(r"https?://\S+", message.body)
    assert found is not None, message.body
    return found.group(0).removeprefix(django_settings.PORTAL_BASE_URL.rstrip("/"))


def _ask_by_email(client, email, ip="10.1.1.1"):
    return client.post(reverse("reset:email"), {"email": email}, REMOTE_ADDR=ip)


def _set(client, url, password=NEW):
    return client.post(url, {"new_password1": password, "new_password2": password})


def test_the_login_page_offers_the_reset(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("reset:email")}" id="forgot-password">Forgot your password?' in page


def test_reset_by_email_link_from_the_outbox_sets_the_password_once(
    client, django_capture_on_commit_callbacks
):
    user = unit_user(username="liwei", email="liwei@example.org")
    user.must_change_password = True
    user.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask_by_email(client, "LiWei@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("reset:email_sent")
    message = Message.objects.get()
    assert (message.event, message.channel, message.address, message.status) == (
        "password_reset",
        "email",
        "liwei@example.org",
        "sent",
    )
    assert message.sensitive is True
    assert [m.to for m in mail.outbox] == [["liwei@example.org"]]
    assert "liwei" in mail.outbox[0].body

    link = _link(message)
    landing = client.get(link)
    assert landing.status_code == 302  # Django moves the token into the session
    form_page = client.get(landing["Location"])
    assert "Choose a new password" in form_page.content.decode()
    done = _set(client, landing["Location"])
    assert done["Location"] == reverse("reset:complete")
    user.refresh_from_db()
    assert user.check_password(NEW) is True
    assert user.must_change_password is False  # a reset meets the first-login request too
    assert client.login(username="liwei", password=NEW) is True

    client.logout()
    again = client.get(link, follow=True)
    assert 'id="link-invalid"' in again.content.decode()
    assert "This link does not work any more" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_message(client):
    response = _ask_by_email(client, "nobody@example.org")
    assert (response.status_code, response["Location"]) == (302, reverse("reset:email_sent"))
    assert Message.objects.count() == 0
    page = client.get(reverse("reset:email_sent")).content.decode()
    assert "If an account has this email address" in page


def test_an_inactive_account_gets_no_link(client):
    UserFactory(email="gone@example.org", is_active=False)
    assert _ask_by_email(client, "gone@example.org").status_code == 302
    assert Message.objects.count() == 0


def test_reset_requests_are_limited_per_account(client):
    UserFactory(email="busy@example.org")
    answers = [
        _ask_by_email(client, "busy@example.org", ip=f"10.2.0.{i}").status_code for i in range(6)
    ]
    assert answers == [302, 302, 302, 302, 302, 429]
    assert Message.objects.count() == 5
    page = _ask_by_email(client, "busy@example.org", ip="10.2.1.1").content.decode()
    assert "Too many password reset requests for this account or from this computer." in page


def test_reset_requests_are_limited_per_address(client):
    answers = [
        _ask_by_email(client, f"person{i}@example.org", ip="10.3.0.1").status_code for i in range(6)
    ]
    assert answers == [302, 302, 302, 302, 302, 429]
    assert _ask_by_email(client, "person9@example.org", ip="10.3.0.2").status_code == 302


# ---- by text message -------------------------------------------------------------------------


@pytest.fixture
def sms(settings):
    """Text messages go to locmem.outbox."""
    settings.SMS_BACKEND = "messaging.backends.sms.locmem.SmsBackend"
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()


@pytest.fixture
def ask(client, sms, django_capture_on_commit_callbacks):
    """Asks for a code by text message (the message is sent when the request commits)."""

    def ask(who):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("reset:sms"), {"who": who})

    return ask


@pytest.fixture
def lockout(settings):
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "accounts.backends.UserBackend",
    ]
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def _code(client, code):
    return client.post(reverse("reset:sms_code"), {"code": code})


def test_the_text_message_way_is_offered_only_with_an_sms_backend(client, settings):
    settings.SMS_BACKEND = ""
    assert 'id="reset-by-sms"' not in client.get(reverse("reset:email")).content.decode()
    settings.SMS_BACKEND = "messaging.backends.sms.locmem.SmsBackend"
    assert 'id="reset-by-sms"' in client.get(reverse("reset:email")).content.decode()


def test_reset_by_sms_code(ask, client, sms):
    user = UserFactory(username="zhaomin", phone="13912345678", message_channel="email")
    response = ask("13912345678")
    assert response["Location"] == reverse("reset:sms_code")
    assert [m.to for m in sms] == ["13912345678"]
    code = re.search(r"\b(\d{6})\b", sms[0].text).group(1)
    assert sms[0].text.endswith(f"{code}, valid 10 minutes.")
    stored = ResetCode.objects.get(user=user)
    assert code not in stored.code_hash
    assert Message.objects.get().channel == "sms"  # whatever the person chose

    page = client.get(reverse("reset:sms_code")).content.decode()
    assert "The code is valid 10 minutes." in page
    response = _code(client, code)
    assert response["Location"] == reverse("reset:sms_set")
    done = _set(client, reverse("reset:sms_set"))
    assert done["Location"] == reverse("reset:complete")
    user.refresh_from_db()
    assert user.check_password(NEW) is True
    # the code is used up, and the set-password page is gone with it
    assert _code(client, code)["Location"] == reverse("reset:sms")
    assert client.get(reverse("reset:sms_set"))["Location"] == reverse("reset:sms")


def test_a_new_code_voids_the_earlier_one(ask, client, sms):
    UserFactory(username="qian", phone="13900000001")
    ask("qian")
    first = re.search(r"\b(\d{6})\b", sms[0].text).group(1)
    ask("qian")
    second = re.search(r"\b(\d{6})\b", sms[1].text).group(1)
    if first != second:
        assert "The code is wrong." in _code(client, first).content.decode()
    assert _code(client, second)["Location"] == reverse("reset:sms_set")


def test_an_unknown_name_gets_the_same_answer_and_no_code_works(ask, client, sms):
    response = ask("nobody")
    assert response["Location"] == reverse("reset:sms_code")
    assert sms == []
    assert "The code is wrong." in _code(client, "123456").content.decode()


def test_an_expired_code_is_refused(ask, client, sms):
    UserFactory(username="sun", phone="13900000004")
    ask("sun")
    code = re.search(r"\b(\d{6})\b", sms[0].text).group(1)
    ResetCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _code(client, code)
    assert response.status_code == 400
    assert "The code has expired. Ask for a new one." in response.content.decode()


def test_five_wrong_codes_spend_the_code(client, sms):
    code = ResetCodeFactory(user__username="zhou")
    session = client.session
    session["reset_sms_pending"] = {"username": "zhou", "user": code.user.pk}
    session.save()
    texts = [_code(client, "000000").content.decode() for _ in range(5)]
    assert ["The code is wrong." in t for t in texts] == [True, True, True, True, False]
    assert "Too many wrong codes. Ask for a new one." in texts[4]
    assert "Too many wrong codes." in _code(client, "123456").content.decode()


def test_wrong_codes_lock_the_account_out_like_failed_logins(ask, client, sms, lockout):
    user = UserFactory(username="wu", phone="13900000002")
    ask("wu")
    code = re.search(r"\b(\d{6})\b", sms[0].text).group(1)
    wrong = "000000" if code != "000000" else "111111"
    assert [_code(client, wrong).status_code for _ in range(3)] == [400, 400, 429]
    # locked: the right code is refused, and no new code is sent, until the lockout ends
    page = client.get(reverse("reset:sms_code"))
    assert page.status_code == 429
    assert 'id="reset-locked"' in page.content.decode()
    assert _code(client, code).status_code == 429
    again = ask("wu")
    assert again.status_code == 429
    assert "cannot be reset by text message until the lockout ends" in again.content.decode()
    assert len(sms) == 1
    # the login page says the same lockout
    login = client.post(reverse("accounts:login"), {"username": "wu", "password": PASSWORD})
    assert login.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD) is True


def test_sms_requests_are_limited_per_account(ask, client, sms):
    UserFactory(username="zheng", phone="13900000003")
    answers = [ask("zheng").status_code for _ in range(6)]
    assert answers == [302, 302, 302, 302, 302, 429]
    assert len(sms) == 5


def test_a_number_shared_by_two_accounts_names_neither(ask, client, sms):
    UserFactory(username="a1", phone="13900000006")
    UserFactory(username="a2", phone="13900000006")
    response = ask("13900000006")
    assert response["Location"] == reverse("reset:sms_code")
    assert sms == []


def test_a_cache_that_is_down_limits_nothing(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    answers = [_ask_by_email(client, "anyone@example.org").status_code for _ in range(7)]
    assert answers == [302] * 7
