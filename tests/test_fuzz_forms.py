"""Hostile text in the main forms: any Unicode (Chinese, RTL marks, zero-width and control
characters, emoji), very long strings. Every answer is a page or a redirect, never a 500.
The shared strategies and helpers are in tests/fuzzkit.py."""

from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from judging.forms import ReviewForm
from judging.models import Assignment
from submissions.forms import (
    CallFieldForm,
    CallForm,
    CaseForm,
    CategoryForm,
    PhotoRowForm,
    ScreeningForm,
    UnitForm,
)
from submissions.models import CallField

from .factories import CallFactory, CallFieldFactory, CaseFactory, UserFactory
from .fuzzkit import (
    FUZZ,
    assert_form_error,
    fuzzes,
    hostile,
    hostile_datetime,
    hostile_number,
    post_ok,
)
from .judging.setupkit import form_data, judge_profile, make_round


@fuzzes(CaseForm, PhotoRowForm)
@FUZZ
@given(
    title=hostile,
    summary=hostile,
    body=hostile,
    phone=hostile,
    caption=hostile,
    position=hostile_number,
)
def test_case_form(client, call, user_a, title, summary, body, phone, caption, position):
    client.force_login(user_a)
    post_ok(
        client,
        reverse("submissions:case_create", args=[call.slug]),
        {
            "title": title,
            "summary": summary,
            "body": body,
            "contact_name": title[:50],
            "contact_phone": phone,
            "photos-TOTAL_FORMS": "1",
            "photos-INITIAL_FORMS": "0",
            "photos-0-caption": caption,
            "photos-0-position": position,
            "save": "1",
        },
    )


@fuzzes(CallForm)
@FUZZ
@given(
    title=hostile,
    slug=hostile,
    host=hostile,
    notice=hostile,
    number=hostile_number,
    opens=hostile_datetime,
    closes=hostile_datetime,
)
def test_call_form(client, organizer, title, slug, host, notice, number, opens, closes):
    client.force_login(organizer)
    post_ok(
        client,
        reverse("submissions:call_create"),
        {
            "title": title,
            "slug": slug,
            "host_line": host,
            "notice": notice,
            "opens_at": opens,
            "closes_at": closes,
            "min_photos": number,
            "max_photos": "5",
            "max_photo_mb": "20",
            "body_max_chars": number,
            "award_top_n": "10",
            "award_excellent_m": "20",
        },
    )


@fuzzes(ScreeningForm)
@FUZZ
@given(reason=hostile, action=st.sampled_from(["accept", "reject", "return", "", "x"]))
def test_screening_form(client, call, organizer, reason, action):
    case = CaseFactory(call=call, status="submitted")
    client.force_login(organizer)
    post_ok(
        client,
        reverse("submissions:case_screen", args=[case.pk]),
        {"action": action, "reason": reason},
    )


@fuzzes(UnitForm)
@FUZZ
@given(name=hostile, username=hostile, email=hostile, password=hostile)
def test_unit_form(client, organizer, name, username, email, password):
    client.force_login(organizer)
    post_ok(
        client,
        reverse("submissions:unit_list"),
        {
            "name": name,
            "username": username[:200],
            "full_name": name[:200],
            "email": email,
            "password": password,
        },
    )


@fuzzes(ReviewForm)
@FUZZ
@given(points=hostile_number, comment=hostile)
def test_scoring_form(client, call, points, comment):
    judge = judge_profile(f"j{Assignment.objects.count()}")
    case = CaseFactory(call=call, status="accepted")
    rnd = make_round(call, judges=[judge], cases=[case], name=f"R{judge.pk}")
    a = Assignment.objects.get(round=rnd, judge=judge)
    client.force_login(judge.user)
    post_ok(
        client,
        reverse("judging:review", args=[a.pk]),
        form_data(rnd, points, points[:10], comment=comment),
    )


@fuzzes(AuthenticationForm)
@FUZZ
@given(text=hostile)
def test_login_form(client, db, text):
    if not User.objects.filter(username="someone").exists():
        UserFactory(username="someone")
    post_ok(client, reverse("accounts:login"), {"username": text, "password": text})


@fuzzes(PasswordChangeForm)
@FUZZ
@given(old=hostile, new1=hostile, new2=hostile)
def test_password_change_form(client, db, old, new1, new2):
    user = User.objects.filter(username="changer").first() or UserFactory(username="changer")
    client.force_login(user)
    response = post_ok(
        client,
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new2},
    )
    if response.status_code != 302:
        assert_form_error(response, client)


def test_call_form_far_years_get_a_message(client, organizer):
    """Years outside 2000–2099 used to crash the Beijing-time conversion."""
    client.force_login(organizer)
    for value in ("0001-01-01T00:00", "9999-12-31T23:59", "1900-06-01T00:00"):
        response = post_ok(
            client,
            reverse("submissions:call_create"),
            {
                "title": "征集",
                "slug": "far-year",
                "opens_at": value,
                "closes_at": "2026-12-31T17:00",
                "min_photos": "1",
                "max_photos": "5",
                "max_photo_mb": "20",
                "body_max_chars": "5000",
                "award_top_n": "10",
                "award_excellent_m": "20",
            },
        )
        assert_form_error(response, client)
        assert "between the years 2000 and 2099" in response.content.decode()


@FUZZ
@given(value=hostile_number | hostile)
def test_params_helpers_never_raise(value):
    """The helpers behind hand-read parameters: never an exception, only safe values."""
    from openpyxl import Workbook

    from core.params import MAX_ID, id_param, local_url, search_param
    from core.text import one_line, sheet_title, xml_text

    number = id_param(value)
    assert number is None or 0 < number <= MAX_ID
    text = search_param(value)
    assert len(text) <= 100 and "\x00" not in text

    class Request:
        def get_host(self):
            return "testserver"

        def is_secure(self):
            return False

    target = local_url(Request(), value, "/fallback/")
    assert target == "/fallback/" or (target.startswith("/") and not target.startswith("//"))
    ws = Workbook().active
    ws.title = sheet_title(value)
    ws.append([xml_text(value)[:32767], one_line(value)[:32767]])
    assert "\n" not in one_line(value)


@fuzzes(CallFieldForm, CategoryForm)
@FUZZ
@given(
    kind=hostile | st.sampled_from([k for k, _label in CallField.Kind.choices]),
    label=hostile,
    help_text=hostile,
    choices=hostile,
    low=hostile_number,
    high=hostile_number,
    category=hostile_number,
    name=hostile,
)
def test_case_form_editor(
    client, organizer, kind, label, help_text, choices, low, high, category, name
):
    call = CallFactory()
    client.force_login(organizer)
    post_ok(
        client,
        reverse("submissions:call_field_create", args=[call.slug]),
        {
            "kind": kind,
            "label": label,
            "label_en": label[:20],
            "help_text": help_text,
            "choices_text": choices,
            "min_value": low,
            "max_value": high,
            "categories": [category],
            "judges_see": "on",
        },
    )
    post_ok(
        client,
        reverse("submissions:call_fields", args=[call.slug]),
        {"new-name": name, "new-award_top_n": low, "new-award_excellent_m": high},
    )


@FUZZ
@given(number=hostile_number, day=hostile_number, text=hostile, picked=hostile)
def test_case_form_answers(client, organizer, user_a, number, day, text, picked):
    call = CallFactory()
    fields = {
        kind: CallFieldFactory(call=call, kind=kind, label=kind, choices=["甲", "乙"])
        for kind, _label in CallField.Kind.choices
        if kind != CallField.Kind.FILE
    }
    client.force_login(user_a)
    K = CallField.Kind
    post_ok(
        client,
        reverse("submissions:case_create", args=[call.slug]),
        {
            "title": "案例",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
            f"field_{fields[K.TEXT].pk}": text,
            f"field_{fields[K.LONG_TEXT].pk}": text,
            f"field_{fields[K.URL].pk}": text,
            f"field_{fields[K.INTEGER].pk}": number,
            f"field_{fields[K.DECIMAL].pk}": number,
            f"field_{fields[K.DATE].pk}": day,
            f"field_{fields[K.DATE_RANGE].pk}_0": day,
            f"field_{fields[K.DATE_RANGE].pk}_1": number,
            f"field_{fields[K.CHOICE].pk}": picked,
            f"field_{fields[K.MULTI_CHOICE].pk}": [picked, "甲"],
            "save": "1",
        },
    )
