"""Services behind the judge's scoring and the organizer's setup: drafts, submission, the lock,
reopening, the audit, points validation, conflicts, panel and entries, the visibility policy."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from judging import selectors
from judging.models import Assignment, Conflict, Judge, Result, Round, Score, ScoreAudit
from judging.services import pool, rounds
from judging.services.results import results_compute
from judging.services.reviews import review_reopen, review_save

from ..factories import AssignmentFactory, ConflictFactory, MembershipFactory, UnitFactory
from .setupkit import accepted_case, judge_profile, make_round, points_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def j1(db):
    return judge_profile("j1")


@pytest.fixture
def j2(db):
    return judge_profile("j2")


@pytest.fixture
def j3(db):
    return judge_profile("j3")


@pytest.fixture
def case(call):
    return accepted_case(call)


@pytest.fixture
def rnd(call, case, j1, j2):
    return make_round(call, judges=[j1, j2])


def _mine(rnd, judge) -> Assignment:
    return Assignment.objects.get(round=rnd, judge=judge)


def _actions(a) -> list[str]:
    return list(ScoreAudit.objects.filter(assignment=a).values_list("action", flat=True))


# ---- drafts, submission, lock, reopening, audit ---------------------------------------------


def test_draft_then_submit_keeps_total_and_records_each_change(rnd, j1):
    a = _mine(rnd, j1)
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "30", ""), comment=" 好 ")
    a.refresh_from_db()
    assert (a.status, a.total, a.comment) == (Assignment.Status.DRAFT, Decimal("30"), "好")
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "30", "55"), submit=True)
    a.refresh_from_db()
    assert (a.status, a.total) == (Assignment.Status.SUBMITTED, Decimal("85"))
    assert a.submitted_at is not None
    assert _actions(a) == ["draft", "submit"]
    first, second = ScoreAudit.objects.filter(assignment=a)
    crit = [str(c.pk) for c in rnd.criteria.all()]
    assert first.before == {"status": "pending", "comment": "", "total": None, "scores": {}}
    assert first.after["scores"] == {crit[0]: "30.0"}
    assert second.after == {
        "status": "submitted",
        "comment": "",
        "total": "85",
        "scores": {crit[0]: "30.0", crit[1]: "55.0"},
    }
    assert (first.actor, second.actor) == (j1.user, j1.user)


def test_the_first_criterion_points_are_kept_beside_the_total_for_the_tie_break(rnd, j1):
    a = _mine(rnd, j1)
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "", "40"))
    a.refresh_from_db()
    assert (a.first_points, a.total) == (None, Decimal("40"))
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "32", "40"), submit=True)
    a.refresh_from_db()
    first = rnd.criteria.order_by("position", "id").first()
    assert a.first_points == Score.objects.get(assignment=a, criterion=first).points
    assert a.first_points == Decimal("32")


def test_submitted_review_is_locked(rnd, j1):
    a = _mine(rnd, j1)
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "30", "50"), submit=True)
    with pytest.raises(ValidationError) as exc:
        review_save(assignment=a, actor=j1.user, points=points_for(rnd, "40", "60"))
    assert "can no longer be changed" in exc.value.messages[0]
    a.refresh_from_db()
    assert (a.status, a.total) == (Assignment.Status.SUBMITTED, Decimal("80"))
    assert sorted(Score.objects.filter(assignment=a).values_list("points", flat=True)) == [
        Decimal("30"),
        Decimal("50"),
    ]
    assert _actions(a) == ["submit"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopen_without_reason_is_refused(rnd, j1, organizer, reason):
    a = _mine(rnd, j1)
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "30", "50"), submit=True)
    with pytest.raises(ValidationError) as exc:
        review_reopen(assignment=a, actor=organizer, reason=reason)
    assert exc.value.messages == ["Give the reason for reopening: it is recorded."]
    a.refresh_from_db()
    assert a.status == Assignment.Status.SUBMITTED
    assert _actions(a) == ["submit"]


def test_reopen_with_reason_is_recorded_and_the_judge_can_change_again(rnd, j1, organizer):
    a = _mine(rnd, j1)
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "30", "50"), submit=True)
    review_reopen(assignment=a, actor=organizer, reason="实效性一项漏看了附件")
    a.refresh_from_db()
    assert (a.status, a.submitted_at) == (Assignment.Status.DRAFT, None)
    reopen = ScoreAudit.objects.get(assignment=a, action="reopen")
    assert (reopen.actor, reopen.reason) == (organizer, "实效性一项漏看了附件")
    assert (reopen.before["status"], reopen.after["status"]) == ("submitted", "draft")
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "30", "58"), submit=True)
    a.refresh_from_db()
    assert a.total == Decimal("88")
    assert _actions(a) == ["submit", "reopen", "submit"]


def test_reopen_of_an_unsubmitted_review_is_refused(rnd, j1, organizer):
    a = _mine(rnd, j1)
    with pytest.raises(ValidationError) as exc:
        review_reopen(assignment=a, actor=organizer, reason="理由")
    assert exc.value.messages == ["Only a submitted review can be reopened."]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (("abc", "10"), "“创新性”: “abc” is not a number."),
        (("41", "10"), "“创新性”: give between 0 and 40 points."),
        (("-1", "10"), "“创新性”: give between 0 and 40 points."),
        (("10", "7.5"), "“实效性”: scores go in steps of 1."),
        (("10", "NaN"), "“实效性”: give between 0 and 60 points."),
        (("10", "1e1"), None),  # scientific notation of 10 is a number in range: accepted
    ],
)
def test_wrong_points_are_rejected_naming_the_criterion_and_nothing_is_saved(
    rnd, j1, values, message
):
    a = _mine(rnd, j1)
    if message is None:
        review_save(assignment=a, actor=j1.user, points=points_for(rnd, *values))
        assert Score.objects.filter(assignment=a).count() == 2
        return
    with pytest.raises(ValidationError) as exc:
        review_save(assignment=a, actor=j1.user, points=points_for(rnd, *values), comment="评语")
    assert exc.value.messages == [message]
    a.refresh_from_db()
    assert (a.status, a.total, a.comment) == (Assignment.Status.PENDING, None, "")
    assert Score.objects.filter(assignment=a).count() == 0
    assert _actions(a) == []


def test_every_wrong_criterion_is_reported_at_once(rnd, j1):
    a = _mine(rnd, j1)
    with pytest.raises(ValidationError) as exc:
        review_save(assignment=a, actor=j1.user, points=points_for(rnd, "x", "61"), submit=True)
    assert exc.value.messages == [
        "“创新性”: “x” is not a number.",
        "“实效性”: give between 0 and 60 points.",
    ]


def test_half_points_round_accepts_halves_only(call, case, j1, j2):
    rnd = make_round(call, judges=[j1, j2], step="0.5")
    a = _mine(rnd, j1)
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "7.5", "40，5"))
    a.refresh_from_db()
    assert a.total == Decimal("48")
    with pytest.raises(ValidationError) as exc:
        review_save(assignment=a, actor=j1.user, points=points_for(rnd, "7.25", "40"))
    assert exc.value.messages == ["“创新性”: scores go in steps of 0.5."]
    a.refresh_from_db()
    assert a.total == Decimal("48")


def test_submit_needs_every_criterion(rnd, j1):
    a = _mine(rnd, j1)
    with pytest.raises(ValidationError) as exc:
        review_save(assignment=a, actor=j1.user, points=points_for(rnd, "30", ""), submit=True)
    assert exc.value.messages == ["Score every criterion before submitting: 实效性."]
    assert _actions(a) == []


def test_scoring_a_closed_round_is_refused(rnd, j1):
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=None)
    with pytest.raises(ValidationError) as exc:
        review_save(assignment=_mine(rnd, j1), actor=j1.user, points=points_for(rnd, "1", "1"))
    assert exc.value.messages == ["The round is not open for scoring."]


# ---- conflicts ----------------------------------------------------------------------------


def test_declared_conflict_moves_the_case_to_a_free_judge(call, case, j1, j2, j3):
    rnd = make_round(call, judges=[j1, j2, j3], mode=Round.Mode.BALANCED, k=1)
    holder = Assignment.objects.get(round=rnd, case=case).judge
    outcome = rounds.conflict_declare(
        judge=holder, case=case, reason="曾参与该项目", actor=holder.user
    )
    assert Conflict.objects.get(judge=holder, case=case).reason == "曾参与该项目"
    assert outcome.not_moved == []
    assert len(outcome.moved_to) == 1 and outcome.moved_to[0] != holder
    assert list(
        Assignment.objects.filter(round=rnd, case=case).values_list("judge", flat=True)
    ) == [outcome.moved_to[0].pk]
    assert selectors.round_shortfalls(round=rnd) == []


def test_declared_conflict_with_nobody_free_is_reported_to_the_organizer(call, case, j1, j2):
    rnd = make_round(call, judges=[j1, j2], mode=Round.Mode.BALANCED, k=2)
    outcome = rounds.conflict_declare(judge=j1, case=case, reason="亲属在该单位工作", actor=j1.user)
    assert (outcome.moved_to, outcome.not_moved) == ([], [rnd])
    [short] = selectors.round_shortfalls(round=rnd)
    assert (short.case, short.assigned, short.needed, short.available) == (case, 1, 2, 1)
    assert short.reason == (
        "Only 1 judge(s) of the panel are free of a conflict of interest "
        "with this case; 2 needed. Add judges to the panel."
    )


def test_conflict_needs_a_reason(rnd, j1, case):
    with pytest.raises(ValidationError):
        rounds.conflict_declare(judge=j1, case=case, reason=" ", actor=j1.user)
    assert Conflict.objects.count() == 0
    assert Assignment.objects.filter(round=rnd, judge=j1).count() == 1


def test_visibility_excludes_own_unit_and_member_units_even_if_assigned(call, j1):
    """Assignments made behind the services' back still never show a conflicted case."""
    own, member, other = UnitFactory(), UnitFactory(), UnitFactory()
    j1.unit = own
    j1.save()
    MembershipFactory(unit=member, user=j1.user)
    cases = {u: accepted_case(call, unit=u) for u in (own, member, other)}
    rnd = make_round(call, judges=[j1], status=Round.Status.DRAFT)
    for c in cases.values():
        AssignmentFactory(round=rnd, judge=j1, case=c)
    rounds.round_set_status(round=rnd, status=Round.Status.OPEN, actor=None, collection="close")
    visible = list(selectors.assignments_for_judge(j1.user).values_list("case", flat=True))
    assert visible == [cases[other].pk]
    assert list(selectors.photos_for_judge(j1.user)) == []


def test_automatic_assignment_never_gives_a_judge_the_own_unit(call, j1, j2):
    unit = UnitFactory()
    j1.unit = unit
    j1.save()
    mine, theirs = accepted_case(call, unit=unit), accepted_case(call)
    rnd = make_round(call, judges=[j1, j2])
    pairs = set(Assignment.objects.filter(round=rnd).values_list("judge_id", "case_id"))
    assert pairs == {(j1.pk, theirs.pk), (j2.pk, mine.pk), (j2.pk, theirs.pk)}


# ---- panel, entries, rounds, pool ----------------------------------------------------------


def test_panel_keeps_judges_who_started(rnd, j1, j2):
    review_save(assignment=_mine(rnd, j1), actor=j1.user, points=points_for(rnd, "1", ""))
    with pytest.raises(ValidationError) as exc:
        rounds.round_set_panel(round=rnd, judges=[j2], actor=None)
    assert exc.value.messages == [
        "These judges have started scoring in this round and must stay on the panel: 专家j1."
    ]
    assert set(rnd.panel.all()) == {j1, j2}


def test_panel_removal_drops_unstarted_reviews(rnd, j1, j2, j3):
    assert rounds.round_set_panel(round=rnd, judges=[j1, j3], actor=None) == (1, 1)
    assert set(rnd.panel.all()) == {j1, j3}
    assert not Assignment.objects.filter(round=rnd, judge=j2).exists()


def test_top_n_entries_need_the_earlier_round_closed_and_take_its_best(call, j1, j2):
    cases = [accepted_case(call) for _ in range(4)]
    first = make_round(call, judges=[j1, j2])
    for i, c in enumerate(cases):
        for judge in (j1, j2):
            a = Assignment.objects.get(round=first, judge=judge, case=c)
            review_save(
                assignment=a, actor=judge.user, points=points_for(first, 10 * i, 20), submit=True
            )
    second = Round(
        call=call, name="复评", entry=Round.Entry.TOP_N, entry_round=first, entry_top_n=2
    )
    rounds.round_save(round=second, criteria=[rounds.CriterionSpec("综合", 100)], actor=None)
    with pytest.raises(ValidationError) as exc:
        rounds.round_set_entries(round=second, actor=None)
    assert exc.value.messages == ["Close the round “初评” before taking its top cases."]
    rounds.round_set_status(round=first, status=Round.Status.CLOSED, actor=None)
    assert rounds.round_set_entries(round=second, actor=None) == 2
    assert set(second.entries.values_list("case_id", flat=True)) == {cases[3].pk, cases[2].pk}
    assert Result.objects.filter(round=first).count() == 4  # computed on the way


def test_entries_come_only_from_an_earlier_round(call, rnd):
    later = Round(call=call, name="复评", entry=Round.Entry.TOP_N, entry_round=rnd, entry_top_n=3)
    rounds.round_save(round=later, actor=None)
    rnd.entry, rnd.entry_round, rnd.entry_top_n = Round.Entry.TOP_N, later, 3
    with pytest.raises(ValidationError) as exc:
        rounds.round_save(round=rnd, actor=None)
    assert exc.value.messages == ["The cases can only come from an earlier round."]


def test_results_of_an_earlier_round_are_reused(call, rnd, j1, j2):
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=None)
    results_compute(round=rnd, actor=None)
    stamp = Round.objects.get(pk=rnd.pk).results_computed_at
    later = Round(call=call, name="复评", entry=Round.Entry.TOP_N, entry_round=rnd, entry_top_n=1)
    rounds.round_save(round=later, actor=None)
    with pytest.raises(ValidationError) as exc:  # nobody scored: no case qualifies
        rounds.round_set_entries(round=later, actor=None)
    assert exc.value.messages == ["No case qualifies for this round."]
    assert Round.objects.get(pk=rnd.pk).results_computed_at == stamp


def test_judge_update_changes_the_profile_and_account(j1):
    unit = UnitFactory(name="区教育局")
    pool.judge_update(
        judge=j1,
        name=" 王教授 ",
        email="wang@example.org",
        unit=unit,
        affiliation="师范大学",
        expertise="基础教育",
        actor=None,
    )
    j1.refresh_from_db()
    j1.user.refresh_from_db()
    assert (j1.name, j1.unit, j1.affiliation, j1.expertise) == (
        "王教授",
        unit,
        "师范大学",
        "基础教育",
    )
    assert (j1.user.full_name, j1.user.email) == ("王教授", "wang@example.org")
    with pytest.raises(ValidationError):
        pool.judge_update(judge=j1, name=" ", actor=None)


# ---- demo ---------------------------------------------------------------------------------


def test_demo_judging_builds_once_through_the_services():
    from demo.builders import build_collection
    from judging.demo import build_judging

    build_collection()
    assert len(build_judging()) == 2
    assert build_judging() == ["Demo judging already present."]
    first, second = Round.objects.filter(call__slug="2026-civic-cases").order_by("number")
    assert (first.name, first.status, first.blind, first.rule, first.judges_per_case) == (
        "初评",
        "closed",
        True,
        "trimmed",
        3,
    )
    assert sum(c.max_points for c in first.criteria.all()) == 100
    statuses = set(Assignment.objects.filter(round=first).values_list("status", flat=True))
    assert statuses == {"submitted"}
    assert Assignment.objects.filter(round=first).count() == 6 * 3
    assert ScoreAudit.objects.filter(assignment__round=first, action="reopen").count() == 1
    conflicted = Assignment.objects.filter(
        round=first, judge__unit__isnull=False, case__unit=models.F("judge__unit")
    )
    assert not conflicted.exists()
    assert (second.name, second.status, second.entry_round, second.mode) == (
        "复评",
        "open",
        first,
        "all",
    )
    top4 = set(Result.objects.filter(round=first, rank__lte=4).values_list("case", flat=True))
    assert set(second.entries.values_list("case_id", flat=True)) == top4
    states = list(Assignment.objects.filter(round=second).values_list("status", flat=True))
    assert "pending" in states and "submitted" in states and "draft" in states
    judge1 = selectors.judge_queue(Judge.objects.get(user__username="judge1").user, round=second)
    assert judge1.exclude(status="submitted").exists()


def test_conflict_recorded_after_submission_voids_that_review_in_the_results(call):
    j1, j2 = judge_profile("cj1"), judge_profile("cj2")
    case = accepted_case(call)
    rnd = make_round(call, judges=[j1, j2])
    for judge, points in ((j1, ("40", "60")), (j2, ("10", "10"))):
        a = Assignment.objects.get(round=rnd, judge=judge, case=case)
        review_save(assignment=a, actor=judge.user, points=points_for(rnd, *points), submit=True)
    ConflictFactory(judge=j2, case=case, reason="后来发现是该单位的顾问")

    results_compute(round=rnd, actor=None)

    result = Result.objects.get(round=rnd, case=case)
    assert (result.n_judges, result.mean) == (1, 100.0)


def test_with_changes_until_close_a_submitted_review_changes_only_by_submitting_again(rnd, j1):
    Round.objects.filter(pk=rnd.pk).update(changes_until_close=True)
    a = _mine(rnd, j1)
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "30", "50"), submit=True)
    with pytest.raises(ValidationError) as exc:
        review_save(assignment=a, actor=j1.user, points=points_for(rnd, "31", "50"))
    assert exc.value.messages == [
        "You have submitted this review: change it by submitting it again, until the round closes."
    ]
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "31", "50"), submit=True)
    a.refresh_from_db()
    assert (a.status, a.total, _actions(a)) == ("submitted", Decimal("81"), ["submit", "submit"])
