"""Hostile text in the main forms: any Unicode (Chinese, RTL marks, zero-width and control
characters, emoji), very long strings. Every answer is a page or a redirect, never a 500."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from judging.models import Assignment

from .factories import CaseFactory, UserFactory
from .judging.setupkit import form_data, judge_profile, make_round

SPECIAL = ["\u200f", "\u202e", "\u200b", "\ufeff", "\x00", "\x07", "\r\n", "😀", "𠮷", "'\"<>&",
           "%(name)s", "{{ x }}", "\ud7ff"]
hostile = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(SPECIAL) | st.text(max_size=5), max_size=40).map("".join),
    st.sampled_from(["", " ", "x" * 1_000_001, "中" * 300_000]),
)
FUZZ = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


def _ok(response):
    assert response.status_code in (200, 302, 400), response.status_code


@pytest.fixture
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@FUZZ
@given(title=hostile, summary=hostile, body=hostile, phone=hostile, caption=hostile)
def test_case_form(client, call, user_a, fast, title, summary, body, phone, caption):
    client.force_login(user_a)
    _ok(client.post(reverse("submissions:case_create", args=[call.slug]), {
        "title": title, "summary": summary, "body": body, "contact_name": title[:50],
        "contact_phone": phone, "photos-TOTAL_FORMS": "1", "photos-INITIAL_FORMS": "0",
        "photos-0-caption": caption, "photos-0-position": phone[:5], "save": "1",
    }))


@FUZZ
@given(title=hostile, slug=hostile, host=hostile, notice=hostile, number=hostile)
def test_call_form(client, organizer, fast, title, slug, host, notice, number):
    client.force_login(organizer)
    _ok(client.post(reverse("submissions:call_create"), {
        "title": title, "slug": slug, "host_line": host, "notice": notice,
        "opens_at": number, "closes_at": "2026-12-31T17:00", "min_photos": number,
        "max_photos": "5", "max_photo_mb": "20", "body_max_chars": number,
        "award_top_n": "10", "award_excellent_m": "20",
    }))


@FUZZ
@given(reason=hostile, action=st.sampled_from(["accept", "reject", "return", "", "x"]))
def test_screening_form(client, call, organizer, fast, reason, action):
    case = CaseFactory(call=call, status="submitted")
    client.force_login(organizer)
    _ok(client.post(reverse("submissions:case_screen", args=[case.pk]),
                    {"action": action, "reason": reason}))


@FUZZ
@given(name=hostile, username=hostile, email=hostile, password=hostile)
def test_unit_form(client, organizer, fast, name, username, email, password):
    client.force_login(organizer)
    _ok(client.post(reverse("submissions:unit_list"), {
        "name": name, "username": username[:200], "full_name": name[:200], "email": email,
        "password": password,
    }))


@FUZZ
@given(points=hostile, comment=hostile)
def test_scoring_form(client, call, fast, points, comment):
    judge = judge_profile(f"j{Assignment.objects.count()}")
    case = CaseFactory(call=call, status="accepted")
    rnd = make_round(call, judges=[judge], cases=[case], name=f"R{judge.pk}")
    a = Assignment.objects.get(round=rnd, judge=judge)
    client.force_login(judge.user)
    _ok(client.post(reverse("judging:review", args=[a.pk]),
                    form_data(rnd, points, points[:10], comment=comment)))


@FUZZ
@given(text=hostile)
def test_login_form(client, db, fast, text):
    if not User.objects.filter(username="someone").exists():
        UserFactory(username="someone")
    _ok(client.post(reverse("accounts:login"), {"username": text, "password": text}))
