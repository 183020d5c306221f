"""The main web flows of case collection, through Django's test client."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from submissions.models import Case, CaseEvent, DeadlineExtension, Photo, Unit

from ..factories import CaseFactory, MembershipFactory, UnitFactory, jpeg_upload
from .casekit import case_with_photos, pdf_bytes

PHONE_MSG = (
    "“{}” is not a valid phone number. Use a mobile number such as 13812345678 or a "
    "landline such as 010-12345678."
)
NOTHING_SAVED = "Nothing was saved yet: please correct the problems below."


def _as(client, user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _text(**overrides) -> dict:
    data = {
        "title": "“口袋公园”点亮老城区",
        "contact_name": "张某某",
        "contact_phone": "13812345678",
        "summary": "老城区建成口袋公园十二处。",
        "body": "正文第一段。\n正文第二段。",
    }
    data.update(overrides)
    return data


def _photo_rows(*rows: dict) -> dict:
    """Formset fields for photo rows; each row: image=upload or photo=id, caption, position."""
    data = {
        "photos-TOTAL_FORMS": str(len(rows)),
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "50",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"photos-{i}-{key}"] = value
    return data


def _create_url(call) -> str:
    return reverse("submissions:case_create", kwargs={"slug": call.slug})


def _edit_url(case) -> str:
    return reverse("submissions:case_edit", kwargs={"pk": case.pk})


def _edit_data(case, **overrides) -> dict:
    """What the edit form posts back for `case` unchanged, with `overrides` applied."""
    case.refresh_from_db()
    rows = [
        {"photo": str(p.pk), "caption": p.caption, "position": str(p.position)}
        for p in case.photos.all()
    ]
    data = {
        "version": str(case.version),
        "title": case.title,
        "contact_name": case.contact_name,
        "contact_phone": case.contact_phone,
        "summary": case.summary,
        "body": case.body,
        **_photo_rows(*rows),
    }
    data.update(overrides)
    return data


def _screen(client, case, action, reason=""):
    return client.post(
        reverse("submissions:case_screen", kwargs={"pk": case.pk}),
        {"action": action, "reason": reason},
    )


def _status(case) -> str:
    return Case.objects.values_list("status", flat=True).get(pk=case.pk)


# ---------------------------------------------------------------- the main path


def test_case_create_with_two_photos_saves_draft(client, call, unit_a, user_a):
    _as(client, user_a)

    response = client.post(
        _create_url(call),
        {
            "unit": str(unit_a.pk),
            **_text(),
            "save": "1",
            **_photo_rows(
                {
                    "image": jpeg_upload("second.jpg"),
                    "caption": "■工作人员上门走访商户。",
                    "position": "2",
                },
                {
                    "image": jpeg_upload("first.jpg"),
                    "caption": "■居民在口袋公园休憩。",
                    "position": "1",
                },
            ),
        },
    )

    case = Case.objects.get()
    assert (response.status_code, response["Location"]) == (302, _edit_url(case))
    assert _messages(response) == ["Draft saved."]
    assert (case.status, case.unit, case.created_by, case.title) == (
        Case.Status.DRAFT,
        unit_a,
        user_a,
        "“口袋公园”点亮老城区",
    )
    assert list(case.photos.values_list("original_name", "caption", "uploaded_by")) == [
        ("first.jpg", "■居民在口袋公园休憩。", user_a.pk),
        ("second.jpg", "■工作人员上门走访商户。", user_a.pk),
    ]


def test_case_flow_submit_return_resubmit_accept(
    client, call, unit_a, user_a, organizer, mailoutbox, django_capture_on_commit_callbacks
):
    unit_client = _as(client, user_a)
    org_client = _as(Client(), organizer)
    unit_client.post(
        _create_url(call),
        {
            "unit": str(unit_a.pk),
            **_text(),
            "save": "1",
            **_photo_rows({"image": jpeg_upload("a.jpg"), "caption": "■一", "position": "1"}),
        },
    )
    case = Case.objects.get()
    unit_client.get(_edit_url(case))  # shows (and so clears) "Draft saved."

    submitted = unit_client.post(_edit_url(case), {**_edit_data(case), "submit": "1"})
    assert (submitted.status_code, submitted["Location"]) == (302, case.get_absolute_url())
    assert _messages(submitted) == ["The case was submitted. You will be told when it is screened."]
    assert _status(case) == Case.Status.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        returned = _screen(org_client, case, "return", "请补充第二张图片的说明。")
    assert (returned.status_code, _status(case)) == (302, Case.Status.RETURNED)
    assert _messages(returned) == [f"“{case.title}” is now “Returned for revision”."]
    org_client.get(returned["Location"])  # the organizer reads the message
    assert [m.to for m in mailoutbox] == [[user_a.email]]
    assert case.title in mailoutbox[0].subject

    detail = unit_client.get(case.get_absolute_url())
    assert detail.context["can_edit"] is True
    assert "请补充第二张图片的说明。" in detail.content.decode()
    edit_page = unit_client.get(_edit_url(case))
    assert edit_page.status_code == 200
    assert "请补充第二张图片的说明。" in edit_page.content.decode()

    resubmitted = unit_client.post(
        _edit_url(case),
        {
            **_edit_data(case, title="“口袋公园”点亮老城区（修改稿）"),
            "submit": "1",
        },
    )
    assert resubmitted.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.title) == (Case.Status.RESUBMITTED, "“口袋公园”点亮老城区（修改稿）")

    with django_capture_on_commit_callbacks(execute=True):
        accepted = _screen(org_client, case, "accept")
    assert _messages(accepted) == [f"“{case.title}” is now “Accepted”."]
    assert _status(case) == Case.Status.ACCEPTED
    assert list(CaseEvent.objects.filter(case=case).values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "returned",
        "resubmitted",
        "accepted",
    ]
    assert len(mailoutbox) == 2


def test_case_screen_return_without_reason_refused(client, call, unit_a, organizer):
    case = case_with_photos(call=call, unit=unit_a, status=Case.Status.SUBMITTED)
    _as(client, organizer)

    response = _screen(client, case, "return")

    assert response.status_code == 302
    assert _messages(response) == ["Give a reason when you reject a case or return it."]
    assert _status(case) == Case.Status.SUBMITTED


def test_case_edit_submitted_case_read_only(client, call, unit_a, user_a):
    case = case_with_photos(call=call, unit=unit_a, status=Case.Status.SUBMITTED, title="原标题")
    _as(client, user_a)

    response = client.post(_edit_url(case), {**_edit_data(case), "title": "新标题"})

    assert (response.status_code, response["Location"]) == (302, case.get_absolute_url())
    assert _messages(response) == ["This case is “Submitted” and is read-only."]
    assert Case.objects.get(pk=case.pk).title == "原标题"


def test_case_edit_stale_version_refused(client, call, unit_a, user_a):
    case = case_with_photos(call=call, unit=unit_a, title="原标题")
    stale = _edit_data(case, title="我的标题")
    _as(client, user_a)
    client.post(_edit_url(case), _edit_data(case, title="同事的标题"))

    response = client.post(_edit_url(case), stale)

    assert response.status_code == 400
    assert response.context["upload_errors"] == [
        "Someone else saved this case while you were editing it. Your changes were not saved; "
        "open the case again to see the latest version."
    ]
    assert Case.objects.get(pk=case.pk).title == "同事的标题"


# ---------------------------------------------------------------- bad input keeps the work


def test_case_create_bad_file_keeps_text_and_stages_good_photo(client, call, unit_a, user_a):
    _as(client, user_a)
    evil = SimpleUploadedFile(
        "evil.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"
    )

    response = client.post(
        _create_url(call),
        {
            "unit": str(unit_a.pk),
            "title": "我打的标题",
            "summary": "我打的摘要",
            "save": "1",
            **_photo_rows(
                {"image": evil, "caption": "■坏文件", "position": "1"},
                {"image": jpeg_upload("good.jpg"), "caption": "■好照片", "position": "2"},
            ),
        },
    )

    assert response.status_code == 400
    errors = response.context["upload_errors"]
    assert [e for e in errors if "evil.jpg" in e] == errors
    assert len(errors) == 1
    assert _messages(response) == [NOTHING_SAVED]
    assert Case.objects.count() == 0
    staged = Photo.objects.get()
    assert (staged.case, staged.uploaded_by, staged.original_name) == (None, user_a, "good.jpg")
    form = response.context["form"]
    assert (form["title"].value(), form["summary"].value()) == ("我打的标题", "我打的摘要")
    html = response.content.decode()
    assert f'name="photos-0-photo" value="{staged.pk}"' in html
    assert 'value="■好照片"' in html
    assert "evil.jpg" in html
    assert "我打的摘要" in html

    again = client.post(
        _create_url(call),
        {
            "unit": str(unit_a.pk),
            "title": "我打的标题",
            "summary": "我打的摘要",
            "save": "1",
            **_photo_rows({"photo": str(staged.pk), "caption": "■好照片", "position": "1"}),
        },
    )

    case = Case.objects.get()
    assert again.status_code == 302
    staged.refresh_from_db()
    assert (staged.case, staged.caption) == (case, "■好照片")


def test_case_create_invalid_phone_keeps_text(client, call, unit_a, user_a):
    _as(client, user_a)

    response = client.post(
        _create_url(call),
        {
            "unit": str(unit_a.pk),
            **_text(contact_phone="12345", body="辛苦写的正文。"),
            "save": "1",
            **_photo_rows({"image": jpeg_upload("a.jpg"), "caption": "■一", "position": "1"}),
        },
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["contact_phone"] == [PHONE_MSG.format("12345")]
    assert PHONE_MSG.format("12345") in response.content.decode()
    assert (form["body"].value(), form["contact_phone"].value()) == ("辛苦写的正文。", "12345")
    assert Case.objects.count() == 0
    staged = Photo.objects.get()
    assert f'name="photos-0-photo" value="{staged.pk}"' in response.content.decode()


def test_case_create_body_too_long_refused(client, unit_a, user_a):
    from ..factories import CallFactory

    call = CallFactory(body_max_chars=10)
    _as(client, user_a)

    response = client.post(
        _create_url(call),
        {
            "unit": str(unit_a.pk),
            **_text(body="字" * 11),
            "save": "1",
            **_photo_rows(),
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["body"] == [
        "The body has 11 characters; at most 10 are allowed."
    ]
    assert Case.objects.count() == 0


def test_case_create_single_unit_ignores_posted_unit(client, call, unit_a, unit_b, user_a):
    _as(client, user_a)

    response = client.post(
        _create_url(call),
        {
            "unit": str(unit_b.pk),
            **_text(),
            "save": "1",
            **_photo_rows(),
        },
    )

    assert response.status_code == 302
    assert list(Case.objects.values_list("unit", flat=True)) == [unit_a.pk]


def test_case_create_for_foreign_unit_refused(client, call, unit_a, unit_b, user_a):
    MembershipFactory(unit=UnitFactory(name="丙社区"), user=user_a)
    _as(client, user_a)

    response = client.post(
        _create_url(call),
        {
            "unit": str(unit_b.pk),
            **_text(),
            "save": "1",
            **_photo_rows(),
        },
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["unit"]
    assert Case.objects.count() == 0


# ---------------------------------------------------------------- the deadline on the web


@pytest.fixture
def past_deadline(call):
    call.closes_at = timezone.now() - timedelta(seconds=1)
    call.save()
    return call


def _deadline_msg(moment) -> str:
    return (
        f"The deadline ({timezone.localtime(moment):%Y-%m-%d %H:%M:%S}, Beijing time) has "
        "passed; the case was not submitted. Ask the organizer for an extension."
    )


def test_case_submit_after_deadline_refused(client, past_deadline, unit_a, user_a):
    case = case_with_photos(call=past_deadline, unit=unit_a)
    _as(client, user_a)

    response = client.post(reverse("submissions:case_submit", kwargs={"pk": case.pk}))

    assert (response.status_code, response["Location"]) == (302, _edit_url(case))
    assert _messages(response) == [
        "The case was saved but not submitted:",
        _deadline_msg(past_deadline.closes_at),
    ]
    assert _status(case) == Case.Status.DRAFT


def test_case_submit_extension_lets_only_that_unit_submit(
    client, past_deadline, unit_a, unit_b, user_a, user_b, organizer
):
    case_a = case_with_photos(call=past_deadline, unit=unit_a)
    case_b = case_with_photos(call=past_deadline, unit=unit_b)
    until = timezone.localtime(timezone.now() + timedelta(hours=2))
    granted = _as(Client(), organizer).post(
        reverse("submissions:extension_grant", kwargs={"slug": past_deadline.slug}),
        {"unit": str(unit_a.pk), "until": f"{until:%Y-%m-%dT%H:%M}", "reason": "系统故障"},
    )
    assert _messages(granted) == [f"甲街道 may submit until {until:%Y-%m-%d %H:%M}."]

    response_a = _as(client, user_a).post(
        reverse("submissions:case_submit", kwargs={"pk": case_a.pk})
    )
    response_b = _as(Client(), user_b).post(
        reverse("submissions:case_submit", kwargs={"pk": case_b.pk})
    )

    assert _messages(response_a) == [
        "The case was submitted. You will be told when it is screened."
    ]
    assert _status(case_a) == Case.Status.SUBMITTED
    assert _messages(response_b) == [
        "The case was saved but not submitted:",
        _deadline_msg(past_deadline.closes_at),
    ]
    assert _status(case_b) == Case.Status.DRAFT


def test_case_form_submit_after_deadline_saves_but_does_not_submit(
    client, past_deadline, unit_a, user_a
):
    case = case_with_photos(call=past_deadline, unit=unit_a, title="旧标题")
    _as(client, user_a)

    response = client.post(_edit_url(case), {**_edit_data(case, title="新标题"), "submit": "1"})

    assert (response.status_code, response["Location"]) == (302, _edit_url(case))
    assert _messages(response)[0] == "The case was saved but not submitted:"
    case.refresh_from_db()
    assert (case.title, case.status) == ("新标题", Case.Status.DRAFT)


def test_case_withdraw_before_deadline(client, call, unit_a, user_a):
    case = case_with_photos(call=call, unit=unit_a, status=Case.Status.SUBMITTED)
    _as(client, user_a)

    response = client.post(reverse("submissions:case_withdraw", kwargs={"pk": case.pk}))

    assert _messages(response) == [
        "The case was withdrawn. You can edit it and submit it again before the deadline."
    ]
    assert _status(case) == Case.Status.WITHDRAWN


def test_case_withdraw_after_deadline_refused(client, past_deadline, unit_a, user_a):
    case = case_with_photos(call=past_deadline, unit=unit_a, status=Case.Status.SUBMITTED)
    _as(client, user_a)

    detail = client.get(case.get_absolute_url())
    response = client.post(reverse("submissions:case_withdraw", kwargs={"pk": case.pk}))

    assert detail.context["can_withdraw"] is False
    assert _messages(response) == ["The deadline has passed: the case can no longer be withdrawn."]
    assert _status(case) == Case.Status.SUBMITTED


# ---------------------------------------------------------------- the organizer's call page


@pytest.fixture
def screened_call(call, unit_a, unit_b):
    cases = {
        "park": CaseFactory(
            call=call, unit=unit_a, title="口袋公园", summary="老城区", status=Case.Status.SUBMITTED
        ),
        "list": CaseFactory(
            call=call,
            unit=unit_b,
            title="一张清单管到底",
            summary="市场监管",
            status=Case.Status.ACCEPTED,
        ),
        "trash": CaseFactory(
            call=call,
            unit=unit_a,
            title="垃圾分类",
            summary="一张清单",
            status=Case.Status.SUBMITTED,
        ),
        "draft": CaseFactory(call=call, unit=unit_b, title="草稿", status=Case.Status.DRAFT),
    }
    CaseFactory(unit=unit_a, title="别的征集的案例", status=Case.Status.SUBMITTED)
    return cases


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["draft", "list", "park", "trash"]),
        ({"status": "submitted"}, ["park", "trash"]),
        ({"status": "accepted"}, ["list"]),
        ({"unit": "A"}, ["park", "trash"]),
        ({"unit": "A", "status": "submitted", "q": "垃圾"}, ["trash"]),
        ({"q": "清单"}, ["list", "trash"]),
        ({"q": "乙街道"}, ["draft", "list"]),
        ({"unit": "x"}, ["draft", "list", "park", "trash"]),
        ({"status": "bogus"}, []),
    ],
)
def test_call_detail_organizer_filters(
    client, call, unit_a, organizer, screened_call, query, expected
):
    if query.get("unit") == "A":
        query = {**query, "unit": str(unit_a.pk)}
    _as(client, organizer)

    response = client.get(call.get_absolute_url(), query)

    names = {case.pk: name for name, case in screened_call.items()}
    assert response.status_code == 200
    assert sorted(names[c.pk] for c in response.context["page"].object_list) == expected


def test_call_detail_next_page_keeps_the_filters(
    client, call, organizer, screened_call, monkeypatch
):
    from html import unescape

    from submissions.views import calls

    monkeypatch.setattr(calls, "PAGE_SIZE", 1)
    _as(client, organizer)

    response = client.get(call.get_absolute_url(), {"status": "submitted", "q": "甲街道"})

    page = response.context["page"]
    assert (page.number, page.paginator.num_pages) == (1, 2)
    html = response.content.decode()
    link = 'href="?status=submitted&q=%E7%94%B2%E8%A1%97%E9%81%93&page=2"'
    assert unescape(html).count(link) == 1


def test_call_detail_organizer_counts(client, call, organizer, screened_call):
    _as(client, organizer)

    response = client.get(call.get_absolute_url())

    assert response.context["counts"] == {
        "draft": 1,
        "submitted": 2,
        "returned": 0,
        "resubmitted": 0,
        "accepted": 1,
        "rejected": 0,
        "withdrawn": 0,
        "all": 4,
    }
    assert 'data-count="submitted"' in response.content.decode()


def test_call_screen_bulk_returns_selected(
    client, call, organizer, screened_call, mailoutbox, django_capture_on_commit_callbacks, user_a
):
    _as(client, organizer)
    chosen = [screened_call["park"], screened_call["trash"]]
    next_url = f"{call.get_absolute_url()}?status=submitted"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("submissions:call_screen", kwargs={"slug": call.slug}),
            {
                "cases": [c.pk for c in chosen],
                "action": "return",
                "reason": "请补充材料",
                "next": next_url,
            },
        )

    assert (response.status_code, response["Location"]) == (302, next_url)
    assert _messages(response) == ["2 case(s) screened."]
    assert [_status(c) for c in chosen] == [Case.Status.RETURNED] * 2
    assert Case.objects.filter(status_reason="请补充材料").count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == [user_a.email, user_a.email]


def test_call_screen_bulk_screens_the_eligible_and_names_the_skipped(
    client, call, organizer, screened_call, unit_a
):
    """One draft or withdrawn case among the ticked ones no longer refuses the lot: the others
    are screened and one message names the skipped cases with their state."""
    withdrawn = CaseFactory(call=call, unit=unit_a, title="撤回的", status=Case.Status.WITHDRAWN)
    _as(client, organizer)

    response = client.post(
        reverse("submissions:call_screen", kwargs={"slug": call.slug}),
        {
            "cases": [screened_call["park"].pk, screened_call["draft"].pk, withdrawn.pk],
            "action": "accept",
        },
    )

    assert _messages(response) == [
        "1 case(s) screened. Skipped, as their state allows no screening: "
        "“草稿” (Draft)、“撤回的” (Withdrawn)."
    ]
    assert _status(screened_call["park"]) == Case.Status.ACCEPTED
    assert (_status(screened_call["draft"]), _status(withdrawn)) == (
        Case.Status.DRAFT,
        Case.Status.WITHDRAWN,
    )
    assert CaseEvent.objects.count() == 1


def test_call_screen_bulk_of_only_drafts_screens_nothing(client, call, organizer, screened_call):
    _as(client, organizer)

    response = client.post(
        reverse("submissions:call_screen", kwargs={"slug": call.slug}),
        {"cases": [screened_call["draft"].pk], "action": "accept"},
    )

    assert _messages(response) == ["None of the selected cases can be screened: “草稿” (Draft)."]
    assert CaseEvent.objects.count() == 0


def test_call_detail_disables_the_boxes_of_cases_that_cannot_be_screened(
    client, call, organizer, screened_call
):
    _as(client, organizer)

    page = client.get(call.get_absolute_url()).content.decode()

    boxes = {
        name: re.search(rf'<input type="checkbox"[^>]*value="{case.pk}"[^>]*>', page).group(0)
        for name, case in screened_call.items()
    }
    assert {name for name, box in boxes.items() if " disabled" in box} == {"draft"}


def test_call_screen_bulk_needs_selection_and_reason(client, call, organizer, screened_call):
    _as(client, organizer)

    response = client.post(
        reverse("submissions:call_screen", kwargs={"slug": call.slug}),
        {"action": "reject", "reason": ""},
    )

    assert sorted(_messages(response)) == sorted(
        [
            "Select at least one case.",
            "Give a reason when you reject a case or return it.",
        ]
    )
    assert _status(screened_call["park"]) == Case.Status.SUBMITTED


def test_call_screen_bulk_case_of_other_call_refused(client, call, organizer, screened_call):
    other = Case.objects.get(title="别的征集的案例")
    _as(client, organizer)

    response = client.post(
        reverse("submissions:call_screen", kwargs={"slug": call.slug}),
        {"cases": [other.pk], "action": "accept"},
    )

    assert response.status_code == 302
    assert len(_messages(response)) == 1
    assert _status(other) == Case.Status.SUBMITTED


def test_call_screen_ignores_foreign_next(client, call, organizer, screened_call):
    _as(client, organizer)

    response = client.post(
        reverse("submissions:call_screen", kwargs={"slug": call.slug}),
        {
            "cases": [screened_call["park"].pk],
            "action": "accept",
            "next": "https://evil.example/phish",
        },
    )

    assert (response.status_code, response["Location"]) == (302, call.get_absolute_url())
    assert _status(screened_call["park"]) == Case.Status.ACCEPTED


# ---------------------------------------------------------------- extensions


def _grant(client, call, **data):
    return client.post(reverse("submissions:extension_grant", kwargs={"slug": call.slug}), data)


def test_extension_grant_missing_fields_shown_as_messages(client, call, organizer):
    _as(client, organizer)

    response = _grant(client, call, reason="x")

    assert (response.status_code, response["Location"]) == (302, call.get_absolute_url())
    assert _messages(response) == [
        "Unit: This field is required.",
        "Extended until (Beijing time): This field is required.",
    ]
    assert DeadlineExtension.objects.count() == 0


def test_extension_grant_past_time_refused(client, call, organizer, unit_a):
    _as(client, organizer)
    past = timezone.localtime(timezone.now() - timedelta(hours=1))

    response = _grant(client, call, unit=str(unit_a.pk), until=f"{past:%Y-%m-%dT%H:%M}")

    assert _messages(response) == [
        "Extended until (Beijing time): The extension must end in the future."
    ]
    assert DeadlineExtension.objects.count() == 0


def test_extension_grant_before_deadline_refused(client, call, organizer, unit_a):
    _as(client, organizer)
    early = timezone.localtime(call.closes_at - timedelta(days=1))

    response = _grant(client, call, unit=str(unit_a.pk), until=f"{early:%Y-%m-%dT%H:%M}")

    assert _messages(response) == [
        "An extension must end after the call's deadline "
        f"({timezone.localtime(call.closes_at):%Y-%m-%d %H:%M})."
    ]
    assert DeadlineExtension.objects.count() == 0


def test_extension_grant_shown_on_call_pages(client, call, organizer, unit_a, user_a):
    _as(client, organizer)
    until = timezone.localtime(call.closes_at + timedelta(days=2)).replace(second=0, microsecond=0)
    _grant(client, call, unit=str(unit_a.pk), until=f"{until:%Y-%m-%dT%H:%M}", reason="停电")

    organizer_page = client.get(call.get_absolute_url())
    unit_page = _as(Client(), user_a).get(call.get_absolute_url())

    assert [(e.unit, e.until, e.reason) for e in organizer_page.context["extensions"]] == [
        (unit_a, until, "停电")
    ]
    assert [(u, d) for u, d, _open in unit_page.context["windows"]] == [(unit_a, until)]


# ---------------------------------------------------------------- unit import


UNITS_CSV = (
    "单位名称,用户名,姓名,邮箱,初始密码\n"
    "丙社区,bing,丙某某,bing@example.org,\n"
    "丁公司,ding,,,\n"
    "戊单位,,,,\n"
)


def _import(client, data: bytes, name="units.csv"):
    return client.post(
        reverse("submissions:unit_import"),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_unit_import_creates_units_and_accounts(client, organizer, encoding):
    _as(client, organizer)

    response = _import(client, UNITS_CSV.encode(encoding))

    assert response.status_code == 200
    assert _messages(response) == ["3 row(s) imported."]
    assert sorted(Unit.objects.values_list("name", flat=True)) == sorted(
        ["丙社区", "丁公司", "戊单位"]
    )
    accounts = response.context["new_accounts"]
    assert [(a.unit.name, a.user.username) for a in accounts] == [
        ("丙社区", "bing"),
        ("丁公司", "ding"),
    ]
    html = response.content.decode()
    for account in accounts:
        assert f"<code>{account.password}</code>" in html
        assert Client().login(username=account.user.username, password=account.password)
    assert User.objects.get(username="bing").full_name == "丙某某"


def test_unit_import_bad_row_imports_nothing(client, organizer, user_a):
    _as(client, organizer)
    csv = "单位名称,用户名\n丙社区,bing\n丁公司,alice\n"

    response = _import(client, csv.encode("utf-8-sig"))

    assert response.status_code == 400
    assert response.context["errors"] == ["Row 3: The user name “alice” is already taken."]
    assert "Row 3: The user name “alice” is already taken." in response.content.decode()
    assert list(Unit.objects.values_list("name", flat=True)) == ["甲街道"]
    assert User.objects.filter(username="bing").count() == 0


def test_unit_import_row_number_as_the_sheet_shows(client, organizer, user_a):
    """A title row above the header and a blank row: the message names the row people see."""
    _as(client, organizer)
    csv = "2026年选送单位名单\n单位名称,用户名\n丙社区,bing\n\n丁公司,alice\n"

    response = _import(client, csv.encode("gb18030"))

    assert response.context["errors"] == ["Row 5: The user name “alice” is already taken."]
    assert User.objects.filter(username="bing").count() == 0


def test_unit_import_missing_column_refused(client, organizer):
    _as(client, organizer)

    response = _import(client, "名称,用户名\n丙社区,bing\n".encode())

    assert response.status_code == 400
    assert len(response.context["errors"]) == 1
    assert "单位名称" in response.context["errors"][0]
    assert Unit.objects.count() == 0


def test_unit_list_registers_unit_with_account(client, organizer):
    _as(client, organizer)

    response = client.post(
        reverse("submissions:unit_list"),
        {"name": " 丙  社区 ", "username": "bing", "full_name": "丙某某"},
    )

    assert response.status_code == 200
    [account] = response.context["new_accounts"]
    assert (account.unit.name, account.user.username) == ("丙 社区", "bing")
    assert Client().login(username="bing", password=account.password)


HARMLESS_JPEGS = {
    "broken_exif_dpi.jpg",
    "invalid-exif.jpg",
    "sugarshack_bad_mpo_header.jpg",
    "truncated_app14.jpg",
    "truncated_exif_dpi.jpg",
}


def test_every_hostile_image_through_the_form_gets_a_message_or_is_accepted(
    client, call, unit_a, user_a, testdata
):
    """The Pillow fuzzing corpus, uploaded through the real form: never a server error."""
    _as(client, user_a)
    corpus = sorted(
        p
        for p in (testdata / "pillow-bad-images").iterdir()
        if p.name not in ("README.md", "MANIFEST.tsv")
    )
    accepted, refused = set(), set()
    for path in corpus:
        upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/jpeg")
        response = client.post(
            _create_url(call),
            {
                **_text(title=f"语料 {path.name}"),
                "save": "1",
                **_photo_rows({"image": upload, "caption": "■说明", "position": "1"}),
            },
        )
        if response.status_code == 302:
            accepted.add(path.name)
        else:
            assert response.status_code == 400, path.name
            errors = response.context["upload_errors"]
            assert len(errors) == 1 and path.name in errors[0], (path.name, errors)
            refused.add(path.name)
    assert accepted == HARMLESS_JPEGS
    assert len(refused) == len(corpus) - len(HARMLESS_JPEGS)
    assert Photo.objects.filter(processing=Photo.Processing.FAILED).count() == 0


def test_attachments_are_identified_by_content(client, call, unit_a, user_a):
    _as(client, user_a)
    pdf = SimpleUploadedFile("方案.pdf", pdf_bytes(), content_type="application/pdf")
    fake = SimpleUploadedFile("总结.pdf", b"<html>not a pdf</html>", content_type="application/pdf")

    response = client.post(
        _create_url(call),
        {
            **_text(),
            "save": "1",
            **_photo_rows(),
            "files": [pdf, fake],
        },
    )

    assert response.status_code == 400
    assert response.context["upload_errors"] == ["“总结.pdf” is not a PDF or Word file."]
    staged = response.context["staged_attachments"]
    assert [a.original_name for a in staged] == ["方案.pdf"]
    again = client.post(
        _create_url(call),
        {
            **_text(),
            "save": "1",
            **_photo_rows(),
            "staged_attachment": [str(staged[0].pk)],
        },
    )
    assert again.status_code == 302
    case = Case.objects.get()
    assert [a.original_name for a in case.attachments.all()] == ["方案.pdf"]
