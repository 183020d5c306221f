"""Judges of one round saving at the same time, and a round closed while a review is saved.

Row locks only exist on PostgreSQL (SQLite serialises every write), so these tests run there:
`DATABASE_URL=postgres://… pytest tests/judging/test_review_concurrency.py` (CI does). One judge's
save is held open inside its transaction (at the moment it writes the review row) while the
main thread acts through its own connection; the main thread's `lock_timeout` turns "would wait
for the other transaction" into an error instead of a hang.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.db.models.signals import pre_save

from judging.models import Assignment, Round, Score, ScoreAudit
from judging.services import rounds
from judging.services.reviews import review_save

from ..concurrency import POSTGRES_ONLY, Held
from .setupkit import accepted_case, judge_profile, make_round, points_for

pytestmark = POSTGRES_ONLY


def held_save(assignment: Assignment, points: dict) -> Held:
    """`review_save` in a thread, held at the write of the review row."""
    return Held(
        lambda: review_save(assignment=assignment, actor=assignment.judge.user, points=points),
        signal=pre_save,
        sender=Assignment,
        when=lambda a: a.pk == assignment.pk,
    )


@pytest.fixture
def two_reviews(call):
    judges = [judge_profile("j1"), judge_profile("j2")]
    case_a, case_b = accepted_case(call), accepted_case(call)
    rnd = make_round(call, judges=judges, cases=[case_a, case_b], k=1)
    first, second = Assignment.objects.filter(round=rnd).select_related("judge__user")[:2]
    return rnd, first, second


def test_two_judges_of_one_round_save_their_reviews_at_the_same_time(two_reviews, lock_timeout):
    rnd, first, second = two_reviews
    with held_save(first, points_for(rnd, "10", "")) as held:
        # Would raise OperationalError (lock timeout) if the held save locked the round.
        review_save(assignment=second, actor=second.judge.user, points=points_for(rnd, "20", ""))
    assert held.error is None
    drafts = Assignment.objects.filter(round=rnd, status=Assignment.Status.DRAFT)
    assert sorted(drafts.values_list("pk", flat=True)) == sorted([first.pk, second.pk])
    assert ScoreAudit.objects.filter(assignment__round=rnd).count() == 2


def test_a_round_closed_while_a_review_is_being_saved_wins(two_reviews, lock_timeout):
    rnd, first, _second = two_reviews
    with held_save(first, points_for(rnd, "10", "")) as held:
        try:
            rounds.round_set_status(
                round=Round.objects.get(pk=rnd.pk), status=Round.Status.CLOSED, actor=None
            )
        except OperationalError:
            pytest.fail("closing the round waited for a judge's save in progress")
    assert isinstance(held.error, ValidationError)
    assert held.error.messages == ["The round is not open for scoring."]
    first.refresh_from_db()
    assert first.status == Assignment.Status.PENDING
    assert Score.objects.filter(assignment=first).count() == 0
    assert ScoreAudit.objects.filter(assignment=first).count() == 0
    assert Round.objects.get(pk=rnd.pk).status == Round.Status.CLOSED
