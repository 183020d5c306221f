"""Hostile input in the collection forms not covered by test_fuzz_forms: editing a call and its
status, bulk screening, deadline extensions, editing a case (version, photo and attachment
rows), the query strings of the case lists, `next` addresses, and the e-mails sent on
screening. Never a server error."""

import itertools

from django.core import mail
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from submissions.forms import BulkScreeningForm, CallCopyForm, CaseCategoryForm, ExtensionForm
from submissions.models import Case

from .factories import CaseFactory, CategoryFactory, UnitFactory, unit_user
from .fuzzkit import (
    FUZZ,
    assert_form_error,
    db_text,
    fuzzes,
    get_ok,
    hostile,
    hostile_datetime,
    hostile_number,
    post_ok,
)

_serial = itertools.count(1)
ids = st.one_of(hostile_number, st.lists(hostile_number, max_size=5))


@FUZZ
@given(
    title=hostile,
    opens=hostile_datetime,
    closes=hostile_datetime,
    number=hostile_number,
    status=hostile,
)
def test_call_edit_and_status(org_client, call, title, opens, closes, number, status):
    post_ok(
        org_client,
        reverse("submissions:call_edit", args=[call.slug]),
        {
            "title": title,
            "slug": call.slug,
            "opens_at": opens,
            "closes_at": closes,
            "min_photos": "1",
            "max_photos": number,
            "max_photo_mb": number,
            "body_max_chars": "5000",
            "award_top_n": number,
            "award_excellent_m": "20",
        },
    )
    post_ok(org_client, reverse("submissions:call_status", args=[call.slug]), {"status": status})


@fuzzes(CallCopyForm)
@FUZZ
@given(title=hostile, slug=hostile, opens=hostile_datetime, closes=hostile_datetime)
def test_call_copy(org_client, call, title, slug, opens, closes):
    post_ok(
        org_client,
        reverse("submissions:call_copy", args=[call.slug]),
        {"title": title, "slug": slug, "opens_at": opens, "closes_at": closes},
    )


@fuzzes(BulkScreeningForm)
@FUZZ
@given(
    cases=ids,
    action=st.sampled_from(["accept", "reject", "return", ""]) | hostile,
    reason=hostile,
    target=hostile,
)
def test_bulk_screening(org_client, call, cases, action, reason, target):
    CaseFactory(call=call, status=Case.Status.SUBMITTED)
    response = post_ok(
        org_client,
        reverse("submissions:call_screen", args=[call.slug]),
        {"cases": cases, "action": action, "reason": reason, "next": target},
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//"), location


def test_bulk_screening_junk_ids_get_a_message(org_client, call):
    CaseFactory(call=call, status=Case.Status.SUBMITTED)
    for junk in ("99999999999999999999", "1\x00", "abc", "-1"):
        response = post_ok(
            org_client,
            reverse("submissions:call_screen", args=[call.slug]),
            {"cases": [junk], "action": "accept"},
        )
        assert_form_error(response, org_client)


def test_next_is_never_taken_for_a_view_name_or_another_site(org_client, call, client):
    """`next=0` was handed to redirect(), which looked up a view called "0" (a 500)."""
    for target in (
        "0",
        "home",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "/ok\x00",
    ):
        response = org_client.post(
            reverse("submissions:call_screen", args=[call.slug]),
            {"cases": [], "action": "accept", "next": target},
        )
        assert response.status_code == 302
        assert response["Location"] == call.get_absolute_url()
        response = client.get(reverse("language_switch", args=["en"]), {"next": target})
        assert response.status_code == 302
        assert response["Location"] == "/"


@fuzzes(ExtensionForm)
@FUZZ
@given(unit=hostile_number, until=hostile_datetime, reason=hostile)
def test_extension_grant(org_client, call, unit_a, unit, until, reason):
    response = post_ok(
        org_client,
        reverse("submissions:extension_grant", args=[call.slug]),
        {"unit": unit, "until": until, "reason": reason},
    )
    assert response.status_code == 302


def test_extension_far_year_gets_a_message(org_client, call, unit_a):
    response = post_ok(
        org_client,
        reverse("submissions:extension_grant", args=[call.slug]),
        {"unit": unit_a.pk, "until": "0001-01-01T00:00", "reason": "x"},
    )
    page = assert_form_error(response, org_client)
    assert "between the years 2000 and 2099" in page.content.decode()


@FUZZ
@given(
    title=hostile,
    version=hostile_number,
    staged=ids,
    removed=ids,
    photo=hostile_number,
    position=hostile_number,
    total=hostile_number,
)
def test_case_edit(client, call, user_a, title, version, staged, removed, photo, position, total):
    case = CaseFactory(call=call, unit=user_a.units.first(), status=Case.Status.DRAFT)
    client.force_login(user_a)
    post_ok(
        client,
        reverse("submissions:case_edit", args=[case.pk]),
        {
            "title": title,
            "version": version,
            "staged_attachment": staged,
            "remove_attachment": removed,
            "photos-TOTAL_FORMS": total,
            "photos-INITIAL_FORMS": "0",
            "photos-0-photo": photo,
            "photos-0-position": position,
            "save": "1",
        },
    )


@FUZZ
@given(status=hostile, unit=hostile_number, q=hostile, page=hostile_number)
def test_case_list_query_strings(org_client, client, call, user_a, status, unit, q, page):
    get_ok(
        org_client,
        reverse("submissions:call_detail", args=[call.slug]),
        {"status": status, "unit": unit, "q": q, "page": page},
    )


@FUZZ
@given(status=hostile)
def test_my_cases_query_string(client, user_a, status):
    client.force_login(user_a)
    get_ok(client, reverse("submissions:case_list"), {"status": status})


def test_nul_and_huge_query_values_are_ignored(org_client, call):
    """NUL in ?q= or ?status= reached PostgreSQL (which refuses it in text); a huge ?unit=
    overflowed SQLite."""
    for params in (
        {"q": "\x00"},
        {"status": "\x00"},
        {"unit": "9" * 30},
        {"unit": "9" * 5000},
        {"page": "\x00"},
        {"page": "9" * 5000},
        {"q": "中" * 100_000},
    ):
        response = org_client.get(reverse("submissions:call_detail", args=[call.slug]), params)
        assert response.status_code == 200, params


# ---- e-mails ---------------------------------------------------------------------------------


@FUZZ
@given(title=hostile, reason=hostile)
def test_screening_emails(org_client, call, django_capture_on_commit_callbacks, title, reason):
    unit = UnitFactory(name=f"单位{next(_serial)}")
    member = unit_user(unit, username=f"m{next(_serial)}")
    member.email = "unit@example.org_client"
    member.save()
    case = CaseFactory(
        call=call, unit=unit, status=Case.Status.SUBMITTED, title=db_text(title, 200)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_ok(
            org_client,
            reverse("submissions:case_screen", args=[case.pk]),
            {"action": "return", "reason": reason},
        )
    if reason.strip() and len(reason) <= 2000 and "\x00" not in reason:
        assert len(mail.outbox) == 1
    for message in mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject


def test_plain_text_emails_are_not_html_escaped(
    org_client, call, django_capture_on_commit_callbacks
):
    unit = UnitFactory(name="A&B <街道>")
    member = unit_user(unit, username="amp")
    member.email = "unit@example.org_client"
    member.save()
    case = CaseFactory(
        call=call, unit=unit, status=Case.Status.SUBMITTED, title="“R&D” <案例>\n第二行"
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_ok(
            org_client,
            reverse("submissions:case_screen", args=[case.pk]),
            {"action": "return", "reason": "请补充 <照片> & 说明"},
        )
    (message,) = mail.outbox
    assert "&amp;" not in message.body and "&lt;" not in message.body
    assert "请补充 <照片> & 说明" in message.body
    assert "A&B <街道>" in message.body
    assert "\n" not in message.subject
    assert "“R&D” <案例> 第二行" in message.subject


@fuzzes(CaseCategoryForm)
@FUZZ
@given(category=st.one_of(hostile, hostile_number))
def test_case_category(org_client, call, category):
    """Any value for a case's category: refused with a message or saved, never an error."""
    CategoryFactory(call=call, name=f"社区组{next(_serial)}")
    CategoryFactory(name=f"别的征集的组别{next(_serial)}")  # of another call: always refused
    case = CaseFactory(call=call, status=Case.Status.ACCEPTED)
    post_ok(
        org_client, reverse("submissions:case_category", args=[case.pk]), {"category": category}
    )
    case.refresh_from_db()
    assert case.category is None or case.category.call_id == call.pk
