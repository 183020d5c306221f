"""公示 by the rules: a notice cannot start in the past or end before the call's minimum of
working days; finalizing waits for the end and for an answer to every objection; objections
are named (anonymous or late ones are recorded, not accepted); imported historical calls are
finalized without a faked notice."""

import datetime as dt
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from judging.models import Notice, Objection
from judging.services import notice_rules
from judging.services import results as services
from submissions import services as submission_services
from submissions.models import Call

from .results_kit import random_rows, scored_round

pytestmark = pytest.mark.django_db

BEIJING = timezone.get_default_timezone()


def _at(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args), BEIJING)


@pytest.fixture
def proposed(call, organizer):
    scored_round(call, random_rows(4, 2, seed=3))
    services.awards_propose(call=call, actor=organizer)
    return call


def _publish(call, organizer, starts, ends, **kwargs):
    return services.notice_publish(
        call=call, title="公示", text="", starts_at=starts, ends_at=ends, actor=organizer, **kwargs
    )


def test_a_notice_cannot_start_in_the_past(proposed, organizer):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        _publish(proposed, organizer, now - timedelta(days=8), now + timedelta(days=30))
    assert exc.value.messages == [
        "The notice cannot start in the past: choose a start from now on."
    ]
    assert not Notice.objects.filter(call=proposed).exists()
    # A few minutes of clock skew are allowed.
    _publish(proposed, organizer, now - timedelta(minutes=2), now + timedelta(days=30))
    assert Call.objects.get(pk=proposed.pk).status == Call.Status.NOTICE


def test_a_notice_shorter_than_five_working_days_is_refused(proposed, organizer):
    # Thursday 12 Feb 2026, across the Spring Festival: 12, 13, 14 (adjusted Saturday), 24, 25.
    starts = _at(2026, 2, 12, 9, 0)
    with pytest.raises(ValidationError) as exc:
        _publish(proposed, organizer, starts, _at(2026, 2, 20, 18, 0), now=starts)
    assert exc.value.messages == [
        "The notice lasts at least 5 working days: from this start it ends on "
        "2026-02-25 23:59 at the earliest."
    ]
    notice = _publish(proposed, organizer, starts, _at(2026, 2, 25, 23, 59), now=starts)
    assert notice.ends_at == notice_rules.earliest_end(starts, 5)


def test_the_minimum_is_set_per_call(proposed, organizer):
    starts = _at(2026, 3, 2, 9, 0)  # a Monday
    with pytest.raises(ValidationError) as exc:
        _publish(proposed, organizer, starts, _at(2026, 3, 6, 23, 59), min_workdays=7, now=starts)
    assert exc.value.messages == [
        "The notice lasts at least 7 working days: from this start it ends on "
        "2026-03-10 23:59 at the earliest."
    ]
    assert Call.objects.get(pk=proposed.pk).notice_min_workdays == 5  # nothing was saved
    _publish(proposed, organizer, starts, _at(2026, 3, 10, 23, 59), min_workdays=7, now=starts)
    assert Call.objects.get(pk=proposed.pk).notice_min_workdays == 7


def test_finalize_waits_for_the_end_and_every_answer(proposed, organizer):
    starts = timezone.now()
    notice = _publish(proposed, organizer, starts, notice_rules.earliest_end(starts, 5))
    named = services.objection_record(
        notice=notice,
        text="该案例数据有误。",
        submitter="张三",
        unit="某街道",
        contact="13800000000",
        received_at=starts + timedelta(hours=1),
        actor=organizer,
    )
    with pytest.raises(ValidationError) as exc:
        services.call_finalize(call=proposed, actor=organizer)
    end = timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")
    assert exc.value.messages == [f"The notice period runs until {end}."]
    after = notice.ends_at + timedelta(minutes=1)
    with pytest.raises(ValidationError) as exc:
        services.call_finalize(call=proposed, actor=organizer, now=after)
    assert exc.value.messages == ["Answer every objection before finalizing."]
    services.objection_answer(objection=named, answer="经核实，维持原结果。", actor=organizer)
    services.call_finalize(call=proposed, actor=organizer, now=after)
    assert Call.objects.get(pk=proposed.pk).status == Call.Status.FINAL


def test_anonymous_and_late_objections_are_recorded_not_accepted(proposed, organizer):
    starts = timezone.now()
    notice = _publish(proposed, organizer, starts, notice_rules.earliest_end(starts, 5))
    anonymous = services.objection_record(
        notice=notice, text="匿名来信。", submitter="", received_at=starts, actor=organizer
    )
    late = services.objection_record(
        notice=notice,
        text="逾期异议。",
        submitter="李四",
        unit="某公司",
        contact="li@example.org",
        received_at=notice.ends_at + timedelta(hours=2),
        actor=organizer,
    )
    named = services.objection_record(
        notice=notice,
        text="署名异议。",
        submitter="王五",
        unit="某社区",
        contact="13900000000",
        received_at=starts,
        actor=organizer,
    )
    rows = {
        o.text: (o.anonymous, o.late, o.accepted, o.answer, o.answered_by_id)
        for o in Objection.objects.filter(notice=notice)
    }
    assert rows == {
        "匿名来信。": (
            True,
            False,
            False,
            "Not accepted: an objection must give the name, unit and contact of its author.",
            organizer.pk,
        ),
        "逾期异议。": (
            False,
            True,
            False,
            "Not accepted: received after the notice period ended.",
            organizer.pk,
        ),
        "署名异议。": (False, False, True, "", None),
    }
    services.objection_answer(objection=named, answer="已核实。", actor=organizer)
    named.refresh_from_db()
    assert named.answered_by == organizer
    assert late.answered_at is not None and anonymous.answered_at is not None


def test_an_imported_call_is_finalized_without_a_notice(call, organizer):
    scored_round(call, random_rows(3, 2, seed=5))
    services.awards_propose(call=call, actor=organizer)
    with pytest.raises(ValidationError) as exc:
        services.call_finalize(call=call, actor=organizer)
    assert exc.value.messages == ["Publish the public notice first."]
    submission_services.call_mark_imported(
        call=call, reason="2019年度活动，结果已于当年公示。", actor=organizer
    )
    services.call_finalize(call=call, actor=organizer)
    call.refresh_from_db()
    assert (call.status, call.imported_reason) == (
        Call.Status.FINAL,
        "2019年度活动，结果已于当年公示。",
    )
    assert not Notice.objects.filter(call=call).exists()


def test_the_form_refuses_a_past_period_and_offers_working_days(org_client, proposed):
    page = org_client.get(reverse("judging:notice", kwargs={"slug": proposed.slug}))
    now = timezone.localtime().replace(second=0, microsecond=0)
    offered = timezone.localtime(notice_rules.earliest_end(now, 5)).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{offered}"' in page.content.decode()
    past = timezone.localtime() - timedelta(days=10)
    response = org_client.post(
        reverse("judging:notice_publish", kwargs={"slug": proposed.slug}),
        {
            "title": "公示",
            "text": "",
            "starts_at": past.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (past + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
            "min_workdays": 5,
        },
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert "The notice cannot start in the past: choose a start from now on." in messages
    assert not Notice.objects.filter(call=proposed).exists()
