"""Accounts made with a password their holder did not choose change it at first login."""

import pytest
from django.urls import reverse

from judging.services import pool
from submissions import services
from tests.factories import PASSWORD, UnitFactory, unit_user

pytestmark = pytest.mark.django_db

NEW = "Lanterns-2026-river"


def test_every_account_made_for_someone_else_must_change_its_password(organizer):
    unit = UnitFactory()
    made = services.unit_account_create(unit=unit, username="made", actor=organizer)
    given = services.unit_account_create(
        unit=unit, username="given", password="Spring-lake-77", actor=organizer
    )
    imported = services.units_import(
        rows=[{"unit": "丙社区", "username": "imported", "email": "i@example.org"}],
        actor=organizer,
    )
    expert = pool.judge_create(name="张专家", username="expert", actor=organizer)
    experts = pool.judges_import(rows=[(2, {"name": "李专家", "username": "pooled"})], actor=None)
    users = [made.user, given.user, imported[0].user, expert.judge.user, experts[0].judge.user]
    for user in users:
        user.refresh_from_db()
    assert [u.must_change_password for u in users] == [True, True, True, True, True]


def test_the_demo_keeps_its_accounts_passwords(organizer):
    demo = pool.judge_create(
        name="演示专家",
        username="demo-expert",
        password="demo12345-x",
        must_change_password=False,
        actor=organizer,
    )
    demo.judge.user.refresh_from_db()
    assert demo.judge.user.must_change_password is False


@pytest.fixture
def newcomer(db):
    user = unit_user(username="newcomer")
    user.must_change_password = True  # as the services leave it (set_password clears it)
    user.save()
    return user


def test_every_page_sends_the_newcomer_to_the_password_change(client, newcomer):
    client.force_login(newcomer)
    change = reverse("accounts:password_change")
    for url in (reverse("home"), reverse("submissions:call_list"), "/series/", "/no/such/page/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, change), url
    assert client.post(reverse("submissions:unit_list"))["Location"] == change
    page = client.get(change)
    assert page.status_code == 200
    assert "Your account was set up with a password someone else chose." in page.content.decode()


def test_the_newcomer_may_still_log_out_switch_language_and_be_checked(client, newcomer):
    client.force_login(newcomer)
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("accounts:password_change_done")).status_code == 200
    switch = client.get(reverse("language_switch", args=["zh-hans"]))
    assert switch["Location"] != reverse("accounts:password_change")
    chosen = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert chosen["Location"] == "/"
    out = client.post(reverse("accounts:logout"))
    assert out["Location"] == reverse("accounts:login")


def test_changing_the_password_ends_the_redirect(client, newcomer):
    client.force_login(newcomer)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response["Location"] == reverse("accounts:password_change_done")
    newcomer.refresh_from_db()
    assert newcomer.must_change_password is False
    assert client.get(reverse("submissions:call_list")).status_code == 200
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert "someone else chose" not in page


def test_a_real_login_goes_to_the_password_change(client, newcomer):
    response = client.post(
        reverse("accounts:login"), {"username": "newcomer", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1] == (reverse("accounts:password_change"), 302)
