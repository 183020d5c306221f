"""Services of case collection: the deadline, the case life cycle, screening, limits, accounts."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from submissions import services
from submissions.models import Call, Case, CaseEvent, DeadlineExtension, Membership, Unit

from ..factories import PASSWORD, CallFactory, CaseFactory, UserFactory, unit_user
from .casekit import case_with_photos, photo_add

BEIJING = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2026, 6, 1, 9, 0, tzinfo=BEIJING)
CLOSES = datetime(2026, 6, 30, 17, 0, tzinfo=BEIJING)
DEADLINE_MSG = (
    "The deadline (2026-06-30 17:00:00, Beijing time) has passed; the case was not submitted. "
    "Ask the organizer for an extension."
)


@pytest.fixture
def fixed_call(db):
    return CallFactory(
        slug="fixed",
        opens_at=OPENS,
        closes_at=CLOSES,
        min_photos=1,
        max_photos=5,
        body_max_chars=100,
    )


@pytest.fixture
def case_a(fixed_call, unit_a, user_a):
    return case_with_photos(call=fixed_call, unit=unit_a, created_by=user_a)


@pytest.fixture
def case_b(fixed_call, unit_b, user_b):
    return case_with_photos(call=fixed_call, unit=unit_b, created_by=user_b)


def _status(case) -> str:
    return Case.objects.values_list("status", flat=True).get(pk=case.pk)


def _events(case) -> list[tuple]:
    return [
        (e.from_status, e.to_status, e.reason, e.actor)
        for e in CaseEvent.objects.filter(case=case).select_related("actor")
    ]


def _submitted(case, user, at=None):
    return services.case_submit(case=case, actor=user, now=at or CLOSES - timedelta(days=1))


def _messages(excinfo) -> list[str]:
    return excinfo.value.messages


# ---------------------------------------------------------------- the deadline


def test_case_submit_at_the_deadline_second(case_a, user_a):
    case = services.case_submit(case=case_a, actor=user_a, now=CLOSES)

    assert case.status == Case.Status.SUBMITTED
    assert Case.objects.get(pk=case_a.pk).submitted_at == CLOSES


def test_case_submit_one_second_late_refused(case_a, user_a):
    with pytest.raises(ValidationError) as excinfo:
        services.case_submit(case=case_a, actor=user_a, now=CLOSES + timedelta(seconds=1))

    assert _messages(excinfo) == [DEADLINE_MSG]
    assert excinfo.value.error_list[0].code == "deadline"
    assert _status(case_a) == Case.Status.DRAFT
    assert _events(case_a) == []


def test_case_submit_before_opening_refused(case_a, user_a):
    with pytest.raises(ValidationError) as excinfo:
        services.case_submit(case=case_a, actor=user_a, now=OPENS - timedelta(seconds=1))

    assert _messages(excinfo) == ["This call is not accepting submissions."]
    assert _status(case_a) == Case.Status.DRAFT


def test_case_submit_closed_call_refused(case_a, user_a, organizer, fixed_call):
    services.call_set_status(call=fixed_call, status=Call.Status.CLOSED, actor=organizer)

    with pytest.raises(ValidationError) as excinfo:
        services.case_submit(case=case_a, actor=user_a, now=CLOSES - timedelta(days=1))

    assert _messages(excinfo) == ["This call is not accepting submissions."]
    assert _status(case_a) == Case.Status.DRAFT


def test_case_submit_extension_lets_only_that_unit_submit(
    case_a, case_b, user_a, user_b, organizer, fixed_call, unit_a
):
    services.extension_grant(
        call=fixed_call,
        unit=unit_a,
        until=CLOSES + timedelta(hours=2),
        reason="停电",
        actor=organizer,
    )
    late = CLOSES + timedelta(seconds=1)

    submitted = services.case_submit(case=case_a, actor=user_a, now=late)
    with pytest.raises(ValidationError) as excinfo:
        services.case_submit(case=case_b, actor=user_b, now=late)

    assert submitted.status == Case.Status.SUBMITTED
    assert _messages(excinfo) == [DEADLINE_MSG]
    assert _status(case_b) == Case.Status.DRAFT


def test_case_submit_after_extension_ends_refused(case_a, user_a, organizer, fixed_call, unit_a):
    services.extension_grant(
        call=fixed_call, unit=unit_a, until=CLOSES + timedelta(hours=2), reason="", actor=organizer
    )

    with pytest.raises(ValidationError) as excinfo:
        services.case_submit(case=case_a, actor=user_a, now=CLOSES + timedelta(hours=2, seconds=1))

    assert _messages(excinfo) == [
        "The deadline (2026-06-30 19:00:00, Beijing time) has passed; the case was not "
        "submitted. Ask the organizer for an extension."
    ]


def test_extension_grant_not_after_deadline_refused(fixed_call, unit_a, organizer):
    with pytest.raises(ValidationError) as excinfo:
        services.extension_grant(
            call=fixed_call, unit=unit_a, until=CLOSES, reason="", actor=organizer
        )

    assert _messages(excinfo) == [
        "An extension must end after the call's deadline (2026-06-30 17:00)."
    ]
    assert DeadlineExtension.objects.count() == 0


def test_extension_grant_again_updates_the_one_extension(fixed_call, unit_a, organizer):
    services.extension_grant(
        call=fixed_call,
        unit=unit_a,
        until=CLOSES + timedelta(hours=1),
        reason="一",
        actor=organizer,
    )

    services.extension_grant(
        call=fixed_call, unit=unit_a, until=CLOSES + timedelta(days=1), reason="二", actor=organizer
    )

    assert list(DeadlineExtension.objects.values_list("unit", "until", "reason", "granted_by")) == [
        (unit_a.pk, CLOSES + timedelta(days=1), "二", organizer.pk)
    ]


@pytest.mark.parametrize("call_status", [Call.Status.OPEN, Call.Status.CLOSED])
def test_case_submit_returned_case_after_deadline(
    case_a, user_a, organizer, fixed_call, call_status
):
    _submitted(case_a, user_a)
    services.cases_screen(cases=[case_a], actor=organizer, action="return", reason="补充图片")
    Call.objects.filter(pk=fixed_call.pk).update(status=call_status)

    case = services.case_submit(case=case_a, actor=user_a, now=CLOSES + timedelta(days=3))

    assert case.status == Case.Status.RESUBMITTED
    assert _status(case_a) == Case.Status.RESUBMITTED


def test_case_submit_returned_case_once_judging_refused(case_a, user_a, organizer, fixed_call):
    _submitted(case_a, user_a)
    services.cases_screen(cases=[case_a], actor=organizer, action="return", reason="补充图片")
    Call.objects.filter(pk=fixed_call.pk).update(status=Call.Status.JUDGING)

    with pytest.raises(ValidationError) as excinfo:
        services.case_submit(case=case_a, actor=user_a, now=CLOSES + timedelta(days=3))

    assert _messages(excinfo) == ["This call is not accepting submissions."]
    assert _status(case_a) == Case.Status.RETURNED


# ---------------------------------------------------------------- withdraw


def test_case_withdraw_before_deadline(case_a, user_a):
    _submitted(case_a, user_a)

    case = services.case_withdraw(case=case_a, actor=user_a, now=CLOSES)

    assert case.status == Case.Status.WITHDRAWN
    assert _events(case_a)[-1] == (Case.Status.SUBMITTED, Case.Status.WITHDRAWN, "", user_a)


def test_case_withdraw_after_deadline_refused(case_a, user_a):
    _submitted(case_a, user_a)

    with pytest.raises(ValidationError) as excinfo:
        services.case_withdraw(case=case_a, actor=user_a, now=CLOSES + timedelta(seconds=1))

    assert _messages(excinfo) == ["The deadline has passed: the case can no longer be withdrawn."]
    assert _status(case_a) == Case.Status.SUBMITTED
    assert len(_events(case_a)) == 1


def test_case_withdraw_draft_refused(case_a, user_a):
    with pytest.raises(ValidationError) as excinfo:
        services.case_withdraw(case=case_a, actor=user_a, now=CLOSES)

    assert _messages(excinfo) == [
        "Only a submitted case that has not been screened can be withdrawn."
    ]


def test_case_submit_withdrawn_case_again(case_a, user_a):
    _submitted(case_a, user_a)
    services.case_withdraw(case=case_a, actor=user_a, now=CLOSES - timedelta(hours=1))

    case = services.case_submit(case=case_a, actor=user_a, now=CLOSES)

    assert case.status == Case.Status.SUBMITTED


# ---------------------------------------------------------------- case life cycle and events


def test_case_events_record_every_status_change(fixed_call, unit_a, user_a, organizer):
    photo = photo_add(user=user_a)
    draft = Case(
        call=fixed_call,
        unit=unit_a,
        title="口袋公园",
        contact_name="张某某",
        contact_phone="13812345678",
        summary="摘要",
        body="正文",
    )
    case = services.case_save(
        case=draft,
        actor=user_a,
        photos=[services.PhotoRow(photo=photo, caption="■公园", position=1)],
    )
    _submitted(case, user_a)
    services.cases_screen(cases=[case], actor=organizer, action="return", reason="补充说明")
    _submitted(case, user_a)
    services.cases_screen(cases=[case], actor=organizer, action="accept")

    assert _events(case) == [
        ("", Case.Status.DRAFT, "", user_a),
        (Case.Status.DRAFT, Case.Status.SUBMITTED, "", user_a),
        (Case.Status.SUBMITTED, Case.Status.RETURNED, "补充说明", organizer),
        (Case.Status.RETURNED, Case.Status.RESUBMITTED, "", user_a),
        (Case.Status.RESUBMITTED, Case.Status.ACCEPTED, "", organizer),
    ]
    assert _status(case) == Case.Status.ACCEPTED


def test_case_save_numbers_cases_per_call(fixed_call, unit_a, unit_b, user_a, user_b):
    first = services.case_save(
        case=Case(call=fixed_call, unit=unit_a, title="一"), actor=user_a, photos=[]
    )
    second = services.case_save(
        case=Case(call=fixed_call, unit=unit_b, title="二"), actor=user_b, photos=[]
    )
    other_call = services.case_save(
        case=Case(call=CallFactory(), unit=unit_a, title="三"), actor=user_a, photos=[]
    )

    assert (first.number, second.number, other_call.number) == (1, 2, 1)
    assert first.created_by == user_a
    assert first.version == 1


def test_case_save_attaches_photos_in_order(case_a, user_a):
    existing = case_a.photos.get()
    new = photo_add(user=user_a)

    services.case_save(
        case=case_a,
        actor=user_a,
        photos=[
            services.PhotoRow(photo=new, caption="■第一张", position=1),
            services.PhotoRow(photo=existing, caption="■第二张", position=2),
        ],
        expected_version=1,
    )

    assert list(case_a.photos.values_list("pk", "caption", "position")) == [
        (new.pk, "■第一张", 1),
        (existing.pk, "■第二张", 2),
    ]


def test_case_save_removes_photo(case_a, user_a):
    existing = case_a.photos.get()
    row = services.PhotoRow(photo=existing, caption="", position=1)

    services.case_save(case=case_a, actor=user_a, photos=[row], removed_photos=[existing])

    assert case_a.photos.count() == 0


def test_case_save_submitted_case_refused(case_a, user_a):
    _submitted(case_a, user_a)
    case_a.title = "改过的标题"

    with pytest.raises(ValidationError) as excinfo:
        services.case_save(case=case_a, actor=user_a, photos=[])

    assert _messages(excinfo) == ["This case is “Submitted” and can no longer be edited."]
    assert Case.objects.get(pk=case_a.pk).title != "改过的标题"


@pytest.mark.parametrize(
    "status", [Case.Status.ACCEPTED, Case.Status.REJECTED, Case.Status.RESUBMITTED]
)
def test_case_save_screened_case_refused(fixed_call, unit_a, user_a, status):
    case = CaseFactory(call=fixed_call, unit=unit_a, status=status, title="原标题")
    case.title = "新标题"

    with pytest.raises(ValidationError):
        services.case_save(case=case, actor=user_a, photos=[])

    assert Case.objects.get(pk=case.pk).title == "原标题"


def test_case_save_stale_version_refused(case_a, user_a, unit_a):
    colleague = unit_user(unit_a, username="alice2")
    mine = Case.objects.get(pk=case_a.pk)
    theirs = Case.objects.get(pk=case_a.pk)
    photo = case_a.photos.get()
    theirs.title = "同事的标题"
    services.case_save(
        case=theirs,
        actor=colleague,
        expected_version=1,
        photos=[services.PhotoRow(photo=photo, caption="■同事", position=1)],
    )
    mine.title = "我的标题"

    with pytest.raises(ValidationError) as excinfo:
        services.case_save(
            case=mine,
            actor=user_a,
            expected_version=1,
            photos=[services.PhotoRow(photo=photo, caption="■我的", position=1)],
        )

    assert _messages(excinfo) == [
        "Someone else saved this case while you were editing it. Your changes were not saved; "
        "open the case again to see the latest version."
    ]
    stored = Case.objects.get(pk=case_a.pk)
    assert (stored.title, stored.version) == ("同事的标题", 2)
    assert list(stored.photos.values_list("caption", flat=True)) == ["■同事"]


def test_case_save_current_version_increments(case_a, user_a):
    case_a.title = "新标题"

    case = services.case_save(case=case_a, actor=user_a, photos=[], expected_version=1)

    assert case.version == 2
    assert Case.objects.get(pk=case_a.pk).title == "新标题"


def test_case_submit_twice_refused_once_recorded(case_a, user_a):
    _submitted(case_a, user_a)

    with pytest.raises(ValidationError) as excinfo:
        _submitted(case_a, user_a)

    assert _messages(excinfo) == ["This case is already “Submitted”; nothing was changed."]
    assert CaseEvent.objects.filter(case=case_a, to_status=Case.Status.SUBMITTED).count() == 1


def test_case_submit_stale_instance_twice_refused(case_a, user_a):
    """Two tabs each hold the draft: the second submit sees the stored state, not its copy."""
    first_tab = Case.objects.get(pk=case_a.pk)
    second_tab = Case.objects.get(pk=case_a.pk)
    _submitted(first_tab, user_a)

    with pytest.raises(ValidationError):
        _submitted(second_tab, user_a)

    assert CaseEvent.objects.filter(case=case_a).count() == 1


# ---------------------------------------------------------------- rules: photos, body, fields


def test_case_submit_without_photos_refused(fixed_call, unit_a, user_a):
    case = case_with_photos(photos=0, call=fixed_call, unit=unit_a)

    with pytest.raises(ValidationError) as excinfo:
        _submitted(case, user_a)

    assert _messages(excinfo) == ["At least 1 photo(s) are required; the case has 0."]
    assert _status(case) == Case.Status.DRAFT


def test_case_submit_below_call_minimum_refused(unit_a, user_a):
    call = CallFactory(min_photos=3, max_photos=5)
    case = case_with_photos(photos=2, call=call, unit=unit_a)

    with pytest.raises(ValidationError) as excinfo:
        services.case_submit(case=case, actor=user_a)

    assert _messages(excinfo) == ["At least 3 photo(s) are required; the case has 2."]


def test_case_save_too_many_photos_refused(fixed_call, unit_a, user_a):
    case = case_with_photos(photos=0, call=fixed_call, unit=unit_a)
    rows = [
        services.PhotoRow(photo=photo_add(user=user_a), caption="", position=i) for i in range(6)
    ]

    with pytest.raises(ValidationError) as excinfo:
        services.case_save(case=case, actor=user_a, photos=rows)

    assert _messages(excinfo) == ["At most 5 photos are allowed; this case has 6."]
    assert case.photos.count() == 0


def test_case_create_too_many_photos_refused(fixed_call, unit_a, user_a):
    rows = [
        services.PhotoRow(photo=photo_add(user=user_a), caption="", position=i) for i in range(6)
    ]

    with pytest.raises(ValidationError) as excinfo:
        services.case_save(
            case=Case(call=fixed_call, unit=unit_a, title="新案例"), actor=user_a, photos=rows
        )

    assert _messages(excinfo) == ["At most 5 photos are allowed; this case has 6."]
    assert Case.objects.count() == 0


def test_case_save_max_photos_allowed(case_a, user_a):
    rows = [
        services.PhotoRow(photo=p, caption="", position=i)
        for i, p in enumerate([case_a.photos.get()] + [photo_add(user=user_a) for _ in range(4)])
    ]

    services.case_save(case=case_a, actor=user_a, photos=rows)

    assert case_a.photos.count() == 5


def test_case_save_new_photos_beyond_existing_refused(fixed_call, unit_a, user_a):
    """Photos already on the case count even when the form did not list them again."""
    case = case_with_photos(photos=5, call=fixed_call, unit=unit_a)
    extra = photo_add(user=user_a)

    with pytest.raises(ValidationError) as excinfo:
        services.case_save(
            case=case, actor=user_a, photos=[services.PhotoRow(photo=extra, caption="", position=9)]
        )

    assert _messages(excinfo) == ["At most 5 photos are allowed; this case has 6."]
    assert case.photos.count() == 5


def test_case_submit_body_too_long_refused(fixed_call, unit_a, user_a):
    case = case_with_photos(call=fixed_call, unit=unit_a, body="字" * 101)

    with pytest.raises(ValidationError) as excinfo:
        _submitted(case, user_a)

    assert _messages(excinfo) == ["The body has 101 characters; at most 100 are allowed."]


def test_case_submit_body_at_limit(fixed_call, unit_a, user_a):
    case = case_with_photos(call=fixed_call, unit=unit_a, body="字" * 100)

    assert _submitted(case, user_a).status == Case.Status.SUBMITTED


def test_case_submit_incomplete_lists_every_problem(fixed_call, unit_a, user_a):
    case = case_with_photos(
        photos=0,
        call=fixed_call,
        unit=unit_a,
        contact_name="",
        contact_phone="12345",
        summary=" ",
        body="",
    )

    with pytest.raises(ValidationError) as excinfo:
        _submitted(case, user_a)

    assert _messages(excinfo) == [
        "The contact person is missing.",
        "The summary is missing.",
        "The body is missing.",
        "“12345” is not a valid phone number. Use a mobile number such as 13812345678 or a "
        "landline such as 010-12345678.",
        "At least 1 photo(s) are required; the case has 0.",
    ]


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("13812345678", "13812345678"),
        ("199 1234 5678", "19912345678"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "01012345678"),
        ("0571-8765432", "0571-8765432"),
        ("0571-87654321-123", "0571-87654321-123"),
        ("(010)12345678", "01012345678"),
        ("（0755）8888 6666", "075588886666"),
        ("0755－88886666", "0755-88886666"),
        ("87654321", "87654321"),
        ("１３８１２３４５６７８", "13812345678"),
    ],
)
def test_phone_validate_valid(raw, cleaned):
    assert services.phone_validate(raw) == cleaned


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "1381234567",
        "138123456789",
        "12812345678",
        "abc",
        "13812345678a",
        "010-123",
        "+1 415 555 0100",
        "13٨12345678",
    ],
)
def test_phone_validate_invalid(raw):
    with pytest.raises(ValidationError) as excinfo:
        services.phone_validate(raw)

    assert _messages(excinfo) == [
        f"“{raw}” is not a valid phone number. Use a mobile number such as 13812345678 or a "
        "landline such as 010-12345678."
    ]


# ---------------------------------------------------------------- screening


@pytest.mark.parametrize("action", ["reject", "return"])
def test_cases_screen_without_reason_refused(case_a, user_a, organizer, action):
    _submitted(case_a, user_a)

    with pytest.raises(ValidationError) as excinfo:
        services.cases_screen(cases=[case_a], actor=organizer, action=action, reason="  ")

    assert _messages(excinfo) == [
        "Give a reason when you reject a case or return it for revision: the unit sees it."
    ]
    assert _status(case_a) == Case.Status.SUBMITTED


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("accept", Case.Status.ACCEPTED),
        ("reject", Case.Status.REJECTED),
        ("return", Case.Status.RETURNED),
    ],
)
def test_cases_screen_sets_status_and_reason(case_a, user_a, organizer, action, status):
    _submitted(case_a, user_a)

    events = services.cases_screen(cases=[case_a], actor=organizer, action=action, reason=" 理由 ")

    stored = Case.objects.get(pk=case_a.pk)
    assert (stored.status, stored.status_reason) == (status, "理由")
    assert [(e.from_status, e.to_status, e.reason, e.actor) for e in events] == [
        (Case.Status.SUBMITTED, status, "理由", organizer)
    ]


def test_cases_screen_unknown_action_refused(case_a, user_a, organizer):
    _submitted(case_a, user_a)

    with pytest.raises(ValidationError) as excinfo:
        services.cases_screen(cases=[case_a], actor=organizer, action="publish")

    assert _messages(excinfo) == ["Unknown screening action."]


def test_cases_screen_bulk_all_or_nothing(
    fixed_call,
    unit_a,
    unit_b,
    user_a,
    user_b,
    organizer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    ready = case_with_photos(call=fixed_call, unit=unit_a)
    also_ready = case_with_photos(call=fixed_call, unit=unit_b)
    _submitted(ready, user_a)
    _submitted(also_ready, user_b)
    draft = CaseFactory(call=fixed_call, unit=unit_a, title="草稿案例")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
        services.cases_screen(cases=[ready, draft, also_ready], actor=organizer, action="accept")

    assert _messages(exc) == ["“草稿案例” is “Draft” and cannot be screened."]
    assert [_status(c) for c in (ready, also_ready, draft)] == [
        Case.Status.SUBMITTED,
        Case.Status.SUBMITTED,
        Case.Status.DRAFT,
    ]
    assert CaseEvent.objects.filter(to_status=Case.Status.ACCEPTED).count() == 0
    assert mailoutbox == []


def test_cases_screen_bulk_accepts_all(fixed_call, unit_a, unit_b, user_a, user_b, organizer):
    cases = [case_with_photos(call=fixed_call, unit=u) for u in (unit_a, unit_b, unit_a)]
    for case, user in zip(cases, (user_a, user_b, user_a), strict=True):
        _submitted(case, user)

    events = services.cases_screen(cases=cases, actor=organizer, action="accept")

    assert len(events) == 3
    assert [_status(c) for c in cases] == [Case.Status.ACCEPTED] * 3


def test_cases_screen_empty_refused(organizer):
    with pytest.raises(ValidationError) as excinfo:
        services.cases_screen(cases=[], actor=organizer, action="accept")

    assert _messages(excinfo) == ["Select at least one case."]


def test_cases_screen_after_judging_starts_refused(case_a, user_a, organizer, fixed_call):
    _submitted(case_a, user_a)
    Call.objects.filter(pk=fixed_call.pk).update(status=Call.Status.JUDGING)

    with pytest.raises(ValidationError) as excinfo:
        services.cases_screen(cases=[case_a], actor=organizer, action="accept")

    assert _messages(excinfo) == ["Screening has ended for this call."]
    assert _status(case_a) == Case.Status.SUBMITTED


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ("accept", ""),
        ("return", "请补充图片说明"),
        ("reject", "不符合征集范围"),
    ],
)
def test_cases_screen_emails_unit_users(
    case_a,
    user_a,
    unit_a,
    unit_b,
    user_b,
    organizer,
    action,
    reason,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    unit_user(unit_a, username="alice2")
    unit_user(unit_a, username="alice3", email="")
    unit_user(unit_a, username="alice4", is_active=False)
    _submitted(case_a, user_a)

    with django_capture_on_commit_callbacks(execute=True):
        services.cases_screen(cases=[case_a], actor=organizer, action=action, reason=reason)

    assert sorted(m.to[0] for m in mailoutbox) == ["alice2@example.org", "alice@example.org"]
    assert [len(m.to) for m in mailoutbox] == [1, 1]
    assert all(case_a.title in m.subject for m in mailoutbox)
    assert all((reason in m.body) for m in mailoutbox)
    assert all(f"/collect/cases/{case_a.pk}/" in m.body for m in mailoutbox)


# ---------------------------------------------------------------- calls


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Call.Status.DRAFT, Call.Status.OPEN),
        (Call.Status.OPEN, Call.Status.CLOSED),
        (Call.Status.OPEN, Call.Status.DRAFT),
        (Call.Status.CLOSED, Call.Status.OPEN),
    ],
)
def test_call_set_status_allowed(organizer, before, after):
    call = CallFactory(status=before)

    services.call_set_status(call=call, status=after, actor=organizer)

    assert Call.objects.get(pk=call.pk).status == after


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        (
            Call.Status.DRAFT,
            Call.Status.CLOSED,
            "A call in state “Draft” cannot change to “Closed”.",
        ),
        (
            Call.Status.OPEN,
            Call.Status.JUDGING,
            "A call in state “Open” cannot change to “Judging”.",
        ),
        (
            Call.Status.JUDGING,
            Call.Status.OPEN,
            "A call in state “Judging” cannot change to “Open”.",
        ),
    ],
)
def test_call_set_status_refused(organizer, before, after, message):
    call = CallFactory(status=before)

    with pytest.raises(ValidationError) as excinfo:
        services.call_set_status(call=call, status=after, actor=organizer)

    assert _messages(excinfo) == [message]
    assert Call.objects.get(pk=call.pk).status == before


# ---------------------------------------------------------------- units and accounts


def test_unit_account_create_generates_password(unit_a):
    account = services.unit_account_create(
        unit=unit_a, username="zhang", full_name=" 张三 ", email="zhang@example.org", actor=None
    )

    user = User.objects.get(username="zhang")
    assert user.check_password(account.password)
    assert (user.full_name, user.email) == ("张三", "zhang@example.org")
    assert list(Membership.objects.filter(user=user).values_list("unit", flat=True)) == [unit_a.pk]


def test_unit_account_create_with_given_password(unit_a):
    account = services.unit_account_create(
        unit=unit_a, username="li", password=PASSWORD, actor=None
    )

    assert account.password == PASSWORD
    assert User.objects.get(username="li").check_password(PASSWORD)


def test_unit_account_create_taken_username_refused(unit_a):
    UserFactory(username="Zhang")

    with pytest.raises(ValidationError) as excinfo:
        services.unit_account_create(unit=unit_a, username="zhang", actor=None)

    assert _messages(excinfo) == ["The user name “zhang” is already taken."]
    assert User.objects.filter(username__iexact="zhang").count() == 1


def test_unit_account_create_weak_password_refused(unit_a):
    with pytest.raises(ValidationError) as excinfo:
        services.unit_account_create(unit=unit_a, username="wang", password="12345678", actor=None)

    assert _messages(excinfo) == [
        "This password is too common.",
        "This password is entirely numeric.",
    ]
    assert User.objects.filter(username="wang").count() == 0


def test_units_import_creates_units_and_accounts(unit_a):
    accounts = services.units_import(
        rows=[
            {"unit": "甲街道", "username": "jia2", "full_name": "甲二"},
            {
                "unit": "丙  社区",
                "username": "bing",
                "email": "bing@example.org",
                "password": PASSWORD,
            },
            {"unit": "丁公司", "username": ""},
        ],
        actor=None,
    )

    assert [(a.unit.name, a.user.username) for a in accounts] == [
        ("甲街道", "jia2"),
        ("丙 社区", "bing"),
    ]
    assert accounts[1].password == PASSWORD
    assert User.objects.get(username="jia2").check_password(accounts[0].password)
    assert sorted(Unit.objects.values_list("name", flat=True)) == sorted(
        ["甲街道", "丙 社区", "丁公司"]
    )
    assert Unit.objects.get(name="甲街道") == unit_a


def test_units_import_bad_row_creates_nothing(db):
    with pytest.raises(ValidationError) as excinfo:
        services.units_import(
            rows=[
                {"unit": "丙社区", "username": "bing"},
                {"unit": "丁公司", "username": "bing"},
                {"unit": "", "username": "wu"},
            ],
            actor=None,
        )

    assert _messages(excinfo) == [
        "Row 3: The user name “bing” is already taken.",
        "Row 4: The unit name is empty.",
    ]
    assert Unit.objects.count() == 0
    assert User.objects.count() == 0


def test_units_import_reports_the_sheet_row_number(db):
    """Rows carry the number the sheet shows (a title row or blank rows shift it)."""
    with pytest.raises(ValidationError) as excinfo:
        services.units_import(
            rows=[
                {"row": 3, "unit": "丙社区", "username": "bing"},
                {"row": 7, "unit": "丁公司", "username": "bing"},
            ],
            actor=None,
        )

    assert _messages(excinfo) == ["Row 7: The user name “bing” is already taken."]
    assert Unit.objects.count() == 0
