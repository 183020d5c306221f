"""Accounts through a real browser, in Chinese: a unit user who forgot the password asks for a
link on the login page, opens the link from the message in the outbox, chooses a new password
and logs in with it; an imported account is sent to change its password at first login, after
the organizer sent the invitation again from the unit list; with an SMS backend, an expert
resets the password by a code sent by text message.

Selectors use ids and names (translations may not be compiled yet).
"""

import re

import pytest
from django.conf import settings as django_settings

from accounts.models import User
from messaging.backends.sms import locmem
from messaging.models import Message
from submissions import services

from ..factories import UnitFactory, UserFactory, unit_user
from .kit import assert_accessible, login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
NEW = "Lanterns-2026-river"


def _submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _both(page, screenshot, name):
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESK)
    screenshot(page, f"{name}-1280")


def _link(message: Message, base: str) -> str:
    found = re.search(r"https?://\S+", message.body)
    assert found is not None, message.body
    return base + found.group(0).removeprefix(django_settings.PORTAL_BASE_URL.rstrip("/"))


def test_a_unit_user_resets_a_forgotten_password_by_the_emailed_link(
    browsing, screenshot, live_server
):
    base = live_server.url
    unit_user(UnitFactory(name="某某街道"), username="liwei", email="liwei@example.org")
    page = browsing.new_page()
    page.goto(f"{base}/accounts/login/")
    assert page.inner_text("#forgot-password") == "忘记密码？"
    _submit(page, "#forgot-password")
    page.fill("#id_email", "liwei@example.org")
    _both(page, screenshot, "accounts-01-forgot")
    assert_accessible(page)
    _submit(page, "main form button[type=submit]")
    assert "如果有账号登记了该邮箱" in page.inner_text("#reset-sent")
    _both(page, screenshot, "accounts-02-sent")

    message = Message.objects.get(event="password_reset")
    assert (message.address, message.status) == ("liwei@example.org", "sent")
    page.goto(_link(message, base))
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    _both(page, screenshot, "accounts-03-new-password")
    assert_accessible(page)
    _submit(page, "main form button[type=submit]")
    assert page.inner_text("#reset-complete") == "新密码已保存，请用新密码登录。"
    login(page, base, "liwei", NEW)

    # the link works once
    page.goto(_link(message, base))
    assert "该链接已失效" in page.inner_text("#link-invalid")
    browsing.assert_only_local_requests()
    browsing.assert_healthy()


def test_an_imported_account_is_invited_and_changes_its_password_at_first_login(
    browsing, screenshot, live_server, organizer
):
    base = live_server.url
    [account] = services.units_import(
        rows=[
            {
                "unit": "幸福社区",
                "username": "xingfu",
                "full_name": "王芳",
                "email": "xingfu@example.org",
                "password": "Initial-pass-2026",
            }
        ],
        actor=organizer,
    )
    assert User.objects.get(username="xingfu").must_change_password is True

    # the organizer sends the invitation again from the unit list
    org = browsing.new_page()
    login(org, base, organizer.username)
    org.goto(f"{base}/collect/units/")
    _submit(org, f"#unit-{account.unit.pk} form button[type=submit]")
    assert "已向xingfu（王芳）发送邀请。" in org.inner_text("main")
    _both(org, screenshot, "accounts-04-invitation-sent")
    assert_accessible(org)
    assert Message.objects.get(event="account_invited").address == "xingfu@example.org"

    # the person logs in with the initial password and must choose a new one first
    person = browsing.new_page()
    person.goto(f"{base}/accounts/login/")
    person.fill("#id_username", "xingfu")
    person.fill("#id_password", "Initial-pass-2026")
    _submit(person, "main form button[type=submit]")
    assert person.url == f"{base}/accounts/password/"
    assert "他人设置的初始密码" in person.inner_text("#must-change")
    _both(person, screenshot, "accounts-05-must-change")
    assert_accessible(person)
    person.goto(f"{base}/collect/")
    assert person.url == f"{base}/accounts/password/"
    person.fill("#id_old_password", "Initial-pass-2026")
    person.fill("#id_new_password1", NEW)
    person.fill("#id_new_password2", NEW)
    _submit(person, "main form button[type=submit]")
    assert person.locator("#password-changed").count() == 1
    _submit(person, "main a.btn")
    assert person.url != f"{base}/accounts/password/"
    assert User.objects.get(username="xingfu").must_change_password is False
    browsing.assert_only_local_requests()
    browsing.assert_healthy()


def test_a_judge_resets_the_password_by_a_text_message_code(
    browsing, screenshot, live_server, settings
):
    settings.SMS_BACKEND = "messaging.backends.sms.locmem.SmsBackend"
    locmem.outbox.clear()
    base = live_server.url
    UserFactory(username="zhaomin", phone="13912345678", email="")
    page = browsing.new_page()
    page.goto(f"{base}/accounts/password/reset/")
    _submit(page, "#reset-by-sms")
    page.fill("#id_who", "13912345678")
    _both(page, screenshot, "accounts-06-sms-ask")
    assert_accessible(page)
    _submit(page, "main form button[type=submit]")
    code = re.search(r"\b(\d{6})\b", locmem.outbox[0].text).group(1)
    page.fill("#id_code", "000000" if code != "000000" else "111111")
    _submit(page, "main form button[type=submit]")
    assert "验证码不正确" in page.inner_text("main form")
    _both(page, screenshot, "accounts-07-sms-wrong-code")
    assert_accessible(page)
    page.fill("#id_code", code)
    _submit(page, "main form button[type=submit]")
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    _submit(page, "main form button[type=submit]")
    assert page.inner_text("#reset-complete") == "新密码已保存，请用新密码登录。"
    assert User.objects.get(username="zhaomin").check_password(NEW) is True
    locmem.outbox.clear()
    browsing.assert_only_local_requests()
    browsing.assert_healthy()
