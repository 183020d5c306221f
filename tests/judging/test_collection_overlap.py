"""Collection and judging overlap only when the organizer says so: opening a round while the
call still collects cases asks whether collection closes now or stays open, and the units'
pages tell the truth either way."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from judging.models import Assignment, Round, RoundCase
from judging.services import rounds
from submissions import services
from submissions.models import Call, Case

from ..factories import CallFactory, CaseFactory, DeadlineExtensionFactory
from ..submissions.casekit import case_with_photos
from .setupkit import accepted_case, judge_profile, make_round


@pytest.fixture
def collecting(db):
    """An open call whose deadline is three weeks ahead."""
    return CallFactory(
        slug="collecting",
        status=Call.Status.OPEN,
        opens_at=timezone.now() - timedelta(days=10),
        closes_at=timezone.now() + timedelta(days=21),
    )


@pytest.fixture
def ready(collecting, organizer):
    """A round of all accepted cases, set up and assigned, not yet open."""
    accepted_case(collecting)
    accepted_case(collecting)
    return make_round(
        collecting,
        judges=[judge_profile("j1"), judge_profile("j2")],
        status=Round.Status.DRAFT,
        actor=organizer,
    )


def _open(rnd, organizer, collection=""):
    rounds.round_assign(round=rnd, actor=organizer)
    return rounds.round_set_status(
        round=rnd, status=Round.Status.OPEN, actor=organizer, collection=collection
    )


def test_opening_a_round_during_collection_asks_first_and_changes_nothing(ready, organizer):
    with pytest.raises(ValidationError) as raised:
        _open(ready, organizer)

    assert raised.value.code == "collection"
    assert raised.value.messages[0].startswith("The call still collects cases until ")
    ready.refresh_from_db()
    call = Call.objects.get(pk=ready.call_id)
    assert (ready.status, call.status, call.judging_while_open) == ("draft", "open", False)


def test_close_now_moves_the_call_to_judging_and_makes_the_deadline_now(ready, organizer):
    before = timezone.now()

    _open(ready, organizer, collection="close")

    call = Call.objects.get(pk=ready.call_id)
    assert call.status == Call.Status.JUDGING
    assert before <= call.closes_at <= timezone.now()
    assert call.judging_while_open is False
    changes = [e.changes_dict for e in LogEntry.objects.get_for_object(call).order_by("pk")]
    assert {"status": ["open", "judging"]} in changes
    assert any("closes_at" in c for c in changes if c)


def test_keep_open_leaves_the_call_open_until_its_deadline(ready, organizer):
    deadline = ready.call.closes_at

    _open(ready, organizer, collection="keep")

    call = Call.objects.get(pk=ready.call_id)
    ready.refresh_from_db()
    assert ready.status == Round.Status.OPEN
    assert (call.status, call.closes_at, call.judging_while_open) == ("open", deadline, True)
    assert call.is_open_for_submissions


def test_a_call_past_its_deadline_moves_to_judging_without_asking(ready, organizer):
    Call.objects.filter(pk=ready.call_id).update(closes_at=timezone.now() - timedelta(hours=1))

    _open(ready, organizer)

    assert Call.objects.get(pk=ready.call_id).status == Call.Status.JUDGING


def test_under_keep_open_a_unit_submits_while_the_round_runs(
    client, ready, organizer, unit_a, user_a
):
    _open(ready, organizer, collection="keep")
    case = case_with_photos(call=ready.call, unit=unit_a, created_by=user_a)

    client.force_login(user_a)
    listing = client.get(reverse("submissions:call_list")).content.decode()
    page = client.get(reverse("submissions:call_detail", args=["collecting"])).content.decode()
    response = client.post(reverse("submissions:case_submit", args=[case.pk]))

    deadline = timezone.localtime(ready.call.closes_at).strftime("%Y-%m-%d %H:%M")
    assert f"deadline {deadline} (Beijing time)" in listing
    assert f"Deadline for {unit_a.name}: {deadline}" in page
    assert 'id="collection-closed"' not in page
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED


def test_under_keep_open_the_unit_sees_its_extension(client, ready, organizer, unit_a, user_a):
    until = ready.call.closes_at + timedelta(days=3)
    DeadlineExtensionFactory(call=ready.call, unit=unit_a, until=until)
    _open(ready, organizer, collection="keep")

    client.force_login(user_a)
    listing = client.get(reverse("submissions:case_list")).content.decode()

    shown = timezone.localtime(until).strftime("%Y-%m-%d %H:%M")
    assert f"deadline {shown} (Beijing time) (extended for your unit)" in listing


def test_under_close_now_the_unit_sees_the_call_closed_with_the_real_time(
    client, ready, organizer, unit_a, user_a
):
    DeadlineExtensionFactory(
        call=ready.call, unit=unit_a, until=ready.call.closes_at + timedelta(days=3)
    )
    draft = case_with_photos(call=ready.call, unit=unit_a, created_by=user_a)
    _open(ready, organizer, collection="close")
    call = Call.objects.get(pk=ready.call_id)

    client.force_login(user_a)
    listing = client.get(reverse("submissions:call_list")).content.decode()
    page = client.get(reverse("submissions:call_detail", args=["collecting"])).content.decode()
    form = client.get(reverse("submissions:case_edit", args=[draft.pk])).content.decode()
    response = client.post(reverse("submissions:case_submit", args=[draft.pk]))

    closed = timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M")
    assert call.title not in listing
    assert f"Collection closed on {closed} (Beijing time)." in page
    assert reverse("submissions:case_create", args=["collecting"]) not in page
    assert "Deadline for" not in page
    assert f"Collection closed on {closed} (Beijing time)." in form
    assert "Deadline:" not in form
    assert response.status_code == 302
    assert Case.objects.get(pk=draft.pk).status == Case.Status.DRAFT


def test_the_round_page_asks_the_question_while_collection_is_open(client, ready, organizer):
    rounds.round_assign(round=ready, actor=organizer)
    client.force_login(organizer)
    url = reverse("judging:round_detail", args=[ready.pk])

    page = client.get(url).content.decode()
    assert 'id="open-question"' in page
    assert 'name="collection" value="close"' in page
    assert 'name="collection" value="keep"' in page

    status = reverse("judging:round_status", args=[ready.pk])
    unanswered = client.post(status, {"status": "open"}, follow=True)
    assert Round.objects.get(pk=ready.pk).status == Round.Status.DRAFT
    assert any(
        str(m).startswith("The call still collects cases until")
        for m in unanswered.context["messages"]
    )

    client.post(status, {"status": "open", "collection": "keep"})
    assert Round.objects.get(pk=ready.pk).status == Round.Status.OPEN
    page = client.get(url).content.decode()
    assert 'id="still-collecting"' in page
    assert 'id="open-question"' not in page


def test_later_accepted_cases_are_counted_and_added_on_request(client, ready, organizer):
    _open(ready, organizer, collection="keep")
    late = CaseFactory(call=ready.call, status=Case.Status.SUBMITTED)
    services.cases_screen(cases=[late], actor=organizer, action="accept")
    assert RoundCase.objects.filter(round=ready).count() == 2  # nothing added silently

    client.force_login(organizer)
    page = client.get(reverse("judging:round_detail", args=[ready.pk])).content.decode()
    assert "1 accepted case is not in this round." in page

    client.post(reverse("judging:round_add_accepted", args=[ready.pk]))

    assert set(RoundCase.objects.filter(round=ready).values_list("case_id", flat=True)) >= {late.pk}
    assert Assignment.objects.filter(round=ready, case=late).count() == 2
    page = client.get(reverse("judging:round_detail", args=[ready.pk])).content.decode()
    assert 'id="missing-cases"' not in page


def test_adding_to_a_closed_round_is_refused(ready, organizer):
    _open(ready, organizer, collection="keep")
    rounds.round_set_status(round=ready, status=Round.Status.CLOSED, actor=organizer)
    accepted_case(ready.call)

    with pytest.raises(ValidationError) as raised:
        rounds.round_add_accepted(round=ready, actor=organizer)

    assert raised.value.messages == ["The round is closed."]


def test_ending_collection_moves_the_call_to_judging(ready, organizer):
    _open(ready, organizer, collection="keep")

    rounds.call_collection_end(call=ready.call, actor=organizer)

    call = Call.objects.get(pk=ready.call_id)
    assert call.status == Call.Status.JUDGING
    assert call.closes_at <= timezone.now()


def test_a_call_judged_while_open_cannot_go_back_to_a_draft(ready, organizer):
    _open(ready, organizer, collection="keep")

    with pytest.raises(ValidationError) as raised:
        services.call_set_status(
            call=Call.objects.get(pk=ready.call_id), status="draft", actor=organizer
        )

    assert raised.value.messages == [
        "Judging has started for this call: it can no longer go back to a draft."
    ]


def test_a_case_being_judged_cannot_be_rejected_while_collection_stays_open(ready, organizer):
    _open(ready, organizer, collection="keep")
    case = RoundCase.objects.filter(round=ready).first().case

    with pytest.raises(ValidationError) as raised:
        services.cases_screen(cases=[case], actor=organizer, action="reject", reason="不符合要求")

    assert raised.value.messages == [
        "These cases are in a round that has opened and must stay accepted: "
        f"“{case.title}”（初评）."
    ]
    assert Case.objects.get(pk=case.pk).status == Case.Status.ACCEPTED


def test_a_case_of_a_round_being_set_up_can_still_be_returned(ready, organizer):
    case = RoundCase.objects.filter(round=ready).first().case

    services.cases_screen(cases=[case], actor=organizer, action="return", reason="请补充")

    assert Case.objects.get(pk=case.pk).status == Case.Status.RETURNED


def test_a_units_extension_keeps_collection_open_past_the_deadline(ready, organizer, unit_a):
    Call.objects.filter(pk=ready.call_id).update(closes_at=timezone.now() - timedelta(hours=1))
    DeadlineExtensionFactory(call=ready.call, unit=unit_a, until=timezone.now() + timedelta(days=2))

    with pytest.raises(ValidationError) as raised:
        _open(ready, organizer)

    assert raised.value.code == "collection"


def test_after_the_deadline_the_round_page_offers_to_end_collection(client, ready, organizer):
    _open(ready, organizer, collection="keep")
    Call.objects.filter(pk=ready.call_id).update(closes_at=timezone.now() - timedelta(hours=1))
    client.force_login(organizer)

    page = client.get(reverse("judging:round_detail", args=[ready.pk])).content.decode()

    assert 'id="end-collection"' in page
    assert "The deadline has passed but collection has not been ended" in page


def test_a_call_closed_early_never_shows_its_later_deadline_to_units(client, unit_a, user_a):
    call = CallFactory(slug="closed-early", closes_at=timezone.now() + timedelta(days=30))
    services.call_set_status(call=call, status="closed", actor=None)
    client.force_login(user_a)

    page = client.get(reverse("submissions:call_detail", args=["closed-early"])).content.decode()

    assert "Collection has closed. New cases can no longer be submitted." in page
    assert timezone.localtime(call.closes_at).strftime("%Y-%m-%d") not in page
