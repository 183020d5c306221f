"""The call lifecycle (submissions/lifecycle.py): the moves, the refusals, the audit trail, row
locks, and what each state allows."""

import threading

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import post_save

from judging.services import rounds
from submissions import lifecycle, services
from submissions.models import Call

from ..concurrency import POSTGRES_ONLY, Held, a_session_waits_for_a_lock
from ..factories import CallFactory, UserFactory
from ..judging.setupkit import accepted_case, judge_profile, make_round

S = Call.Status
ALL = [S.DRAFT, S.OPEN, S.CLOSED, S.JUDGING, S.NOTICE, S.FINAL]
LABEL = {
    S.DRAFT: "Draft",
    S.OPEN: "Open",
    S.CLOSED: "Closed",
    S.JUDGING: "Judging",
    S.NOTICE: "Public notice",
    S.FINAL: "Final",
}
#: (from, to): the service that makes the move, written out (not read from the module).
ALLOWED = {
    (S.DRAFT, S.OPEN): "organizer",
    (S.OPEN, S.DRAFT): "organizer",
    (S.OPEN, S.CLOSED): "organizer",
    (S.CLOSED, S.OPEN): "organizer",
    (S.CLOSED, S.JUDGING): "round",
    (S.OPEN, S.JUDGING): "round",  # collection and judging overlap (today's behaviour)
    (S.JUDGING, S.NOTICE): "notice",
    (S.NOTICE, S.FINAL): "finalize",
    (S.JUDGING, S.FINAL): "finalize_imported",  # an imported historical call only
}
REFUSED = [(a, b) for a in ALL for b in ALL if (a, b) not in ALLOWED]


def _status_entries(call) -> list[LogEntry]:
    return [
        e
        for e in LogEntry.objects.get_for_object(call).order_by("pk")
        if e.action == LogEntry.Action.UPDATE and "status" in (e.changes_dict or {})
    ]


@pytest.fixture
def organizer(db):
    return UserFactory(is_organizer=True, username="organizer")


def test_the_table_is_the_one_written_here():
    assert {(t.source, t.target): t.via for t in lifecycle.TRANSITIONS} == ALLOWED


@pytest.mark.parametrize(("source", "target"), list(ALLOWED))
def test_every_allowed_move_is_made_and_audited_with_actor_and_reason(organizer, source, target):
    call = CallFactory(status=source, imported=(source, target) == (S.JUDGING, S.FINAL))

    returned = lifecycle.call_transition(
        call=call, to=target, actor=organizer, reason="  按计划推进  ", via=ALLOWED[source, target]
    )

    assert returned is call and call.status == target
    assert Call.objects.get(pk=call.pk).status == target
    [entry] = _status_entries(call)
    assert entry.changes_dict == {"status": [source, target]}
    assert entry.actor == organizer
    assert entry.additional_data == {"note": "按计划推进"}


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_every_other_move_is_refused_naming_both_states(organizer, source, target):
    call = CallFactory(status=source)

    with pytest.raises(ValidationError) as raised:
        lifecycle.call_transition(call=call, to=target, actor=organizer, reason="试试")

    assert raised.value.messages == [
        f"A call in state “{LABEL[source]}” cannot change to “{LABEL[target]}”."
    ]
    assert Call.objects.get(pk=call.pk).status == source
    assert _status_entries(call) == []


@pytest.mark.parametrize(("source", "target"), [(S.OPEN, S.JUDGING), (S.CLOSED, S.JUDGING)])
def test_the_organizers_buttons_cannot_make_another_services_move(organizer, source, target):
    call = CallFactory(status=source)

    with pytest.raises(ValidationError) as raised:
        services.call_set_status(call=call, status=target, actor=organizer)

    assert raised.value.messages == [
        f"A call in state “{LABEL[source]}” cannot change to “Judging”."
    ]
    assert Call.objects.get(pk=call.pk).status == source


def test_a_move_reads_the_committed_state_not_the_callers_copy(organizer):
    call = CallFactory(status=S.OPEN)
    stale = Call.objects.get(pk=call.pk)
    services.call_set_status(call=call, status=S.CLOSED, actor=organizer)

    with pytest.raises(ValidationError) as raised:
        services.call_set_status(call=stale, status=S.DRAFT, actor=organizer)

    assert raised.value.messages == ["A call in state “Closed” cannot change to “Draft”."]
    assert stale.status == S.CLOSED


def test_an_unknown_state_is_refused(organizer):
    call = CallFactory(status=S.OPEN)

    with pytest.raises(ValidationError) as raised:
        services.call_set_status(call=call, status="archived", actor=organizer)

    assert raised.value.messages == ["Unknown call state."]


def test_call_save_creates_a_draft_and_never_writes_the_status(organizer):
    call = services.call_save(call=CallFactory.build(slug="new", status=S.OPEN), actor=organizer)
    assert Call.objects.get(pk=call.pk).status == S.DRAFT

    services.call_set_status(call=call, status=S.OPEN, actor=organizer)
    copy = Call.objects.get(pk=call.pk)
    copy.status, copy.title = S.FINAL, "新标题"
    services.call_save(call=copy, actor=organizer)

    assert Call.objects.values_list("status", "title").get(pk=call.pk) == (S.OPEN, "新标题")
    assert copy.status == S.OPEN


def test_opening_a_round_moves_an_open_call_to_judging_with_the_reason(organizer):
    call = CallFactory(status=S.OPEN)
    accepted_case(call)
    make_round(call, judges=[judge_profile("j1"), judge_profile("j2")], name="初评")

    assert Call.objects.get(pk=call.pk).status == S.JUDGING
    [entry] = _status_entries(call)
    assert entry.changes_dict == {"status": ["open", "judging"]}
    assert entry.additional_data == {"note": "Round “初评” opened."}


def test_a_round_of_a_draft_call_cannot_open(organizer):
    call = CallFactory(status=S.DRAFT)
    accepted_case(call)
    rnd = make_round(call, judges=[judge_profile("j1")], status="draft")
    rounds.round_assign(round=rnd, actor=organizer)

    with pytest.raises(ValidationError) as raised:
        rounds.round_set_status(round=rnd, status="open", actor=organizer)

    assert raised.value.messages == ["The call is still a draft: open it before judging its cases."]
    assert Call.objects.get(pk=call.pk).status == S.DRAFT


def test_placing_a_call_for_setup_is_recorded_as_such(db):
    call = CallFactory(status=S.OPEN)

    lifecycle.call_place_for_setup(call=call, status=S.FINAL)

    assert Call.objects.get(pk=call.pk).status == S.FINAL
    [entry] = _status_entries(call)
    assert entry.changes_dict == {"status": ["open", "final"]}
    assert entry.additional_data == {"note": "Placed in this state directly (demo or test data)."}


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        (S.DRAFT, ["open"]),
        (S.OPEN, ["closed"]),
        (S.CLOSED, ["open"]),
        (S.JUDGING, []),
        (S.FINAL, []),
    ],
)
def test_the_organizers_page_offers_the_moves_the_table_gives(org_client, status, buttons):
    call = CallFactory(status=status)

    page = org_client.get(call.get_absolute_url()).content.decode()

    offered = [v for v in ("open", "closed") if f'name="status" value="{v}"' in page]
    assert offered == buttons


# ---------------------------------------------------------------- what each state allows

#: Written out by hand: state → what it allows.
EXPECTED = {
    S.DRAFT: {"change_results", "change_award_numbers", "edit_form"},
    S.OPEN: {
        "edit_form",
        "submit",
        "resubmit_returned",
        "screen",
        "judging_pages",
        "open_round",
        "change_results",
        "change_award_numbers",
    },
    S.CLOSED: {
        "edit_form",
        "resubmit_returned",
        "screen",
        "judging_pages",
        "open_round",
        "change_results",
        "change_award_numbers",
    },
    S.JUDGING: {
        "judging_pages",
        "open_round",
        "change_results",
        "change_award_numbers",
        "publish_notice",
    },
    S.NOTICE: {
        "judging_pages",
        "change_results",
        "change_award_numbers",
        "publish_notice",
        "finalize_awards",
    },
    S.FINAL: {"judging_pages", "publish_series"},
}


@pytest.mark.parametrize("status", ALL)
@pytest.mark.parametrize("what", lifecycle.WHATS)
def test_each_predicates_truth_table(status, what):
    call = Call(status=status)
    assert call.allows(what) is (what in EXPECTED[status])
    assert lifecycle.allows(status, what) is (what in EXPECTED[status])
    assert (status in lifecycle.states_allowing(what)) is (what in EXPECTED[status])


@pytest.mark.parametrize("status", ALL)
def test_is_final_and_is_open_for_submissions(status):
    call = Call(status=status)
    assert call.is_final is (status == S.FINAL)
    assert lifecycle.is_final(call) is (status == S.FINAL)
    assert call.is_open_for_submissions is (status == S.OPEN)


def test_an_unknown_predicate_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown lifecycle permission 'publish'"):
        Call(status=S.OPEN).allows("publish")


def test_moves_from_lists_the_organizers_buttons():
    assert lifecycle.moves_from(S.OPEN, via=lifecycle.ORGANIZER) == [S.DRAFT, S.CLOSED]
    assert lifecycle.moves_from(S.OPEN) == [S.DRAFT, S.CLOSED, S.JUDGING]
    assert lifecycle.moves_from(S.FINAL) == []


# ---------------------------------------------------------------- two moves at once


def _postgres_only(test):
    for mark in POSTGRES_ONLY:
        test = mark(test)
    return test


@_postgres_only
def test_concurrent_moves_run_one_after_the_other():
    organizer = UserFactory(is_organizer=True, username="organizer")
    other = UserFactory(is_organizer=True, username="organizer2")
    call = CallFactory(status=S.OPEN)
    outcome = {}

    def back_to_draft():
        try:
            services.call_set_status(call=Call.objects.get(pk=call.pk), status=S.DRAFT, actor=other)
        except ValidationError as exc:
            outcome["error"] = exc.messages
        finally:
            connection.close()

    def close():  # written, not yet committed, when the other organizer acts
        services.call_set_status(
            call=Call.objects.get(pk=call.pk), status=S.CLOSED, actor=organizer
        )

    second = threading.Thread(target=back_to_draft)
    with Held(close, signal=post_save, sender=Call) as closing:
        second.start()
        waited = a_session_waits_for_a_lock()
    second.join(timeout=30)

    assert closing.error is None
    assert waited is True  # the second move waited for the first to commit
    assert outcome["error"] == ["A call in state “Closed” cannot change to “Draft”."]
    assert Call.objects.get(pk=call.pk).status == S.CLOSED
    assert [e.changes_dict["status"] for e in _status_entries(call)] == [["open", "closed"]]


def test_only_an_imported_call_goes_from_judging_to_final(organizer):
    call = CallFactory(status=S.JUDGING)

    with pytest.raises(ValidationError) as raised:
        lifecycle.call_transition(
            call=call, to=S.FINAL, actor=organizer, via=lifecycle.FINALIZE_IMPORTED
        )

    assert raised.value.messages == ["A call in state “Judging” cannot change to “Final”."]
    assert Call.objects.get(pk=call.pk).status == S.JUDGING
