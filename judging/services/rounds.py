"""Rounds: criteria, which cases enter, the panel, conflicts and assignment."""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from audit.context import acts
from core import cache as caches
from submissions import lifecycle
from submissions.models import Call, Case, Category, Membership
from submissions.selectors import collection_deadline

from .. import assignment as algo
from ..models import (
    Assignment,
    Conflict,
    Criterion,
    Judge,
    Result,
    ResultSignature,
    Round,
    RoundCase,
)
from . import AUDIT_ASSIGNMENTS, AUDIT_ENTRIES
from .results import results_schedule


@dataclass
class CriterionSpec:
    name: str
    max_points: float
    description: str = ""
    # In a round that judges categories separately: the category the criterion is for (None:
    # shared by every category).
    category_id: int | None = None


@acts
@transaction.atomic
def round_save(
    *, round: Round, criteria: list[CriterionSpec] | None = None, actor: User | None
) -> Round:
    """Create or update a round (and replace its criteria while nobody has scored)."""
    if round.pk is None:
        Call.objects.select_for_update().filter(pk=round.call_id).first()  # one number each
        last = Round.objects.filter(call=round.call).aggregate(m=Max("number"))["m"] or 0
        round.number = last + 1
    if round.entry == Round.Entry.TOP_N and (not round.entry_round_id or not round.entry_top_n):
        raise ValidationError(_("Choose the earlier round and N for “top N of an earlier round”."))
    earlier = round.entry_round if round.entry_round_id else None
    if earlier is not None and earlier.call_id != round.call_id:
        raise ValidationError(_("The earlier round must belong to the same call."))
    if earlier is not None and (earlier.pk == round.pk or earlier.number >= round.number):
        raise ValidationError(_("The cases can only come from an earlier round."))
    round.full_clean(exclude=["number"])
    before = (
        Round.objects.filter(pk=round.pk).values("rule", "trim_min_judges", "by_category").first()
    )
    if (
        before
        and before["by_category"] != round.by_category
        and Assignment.objects.filter(round=round)
        .exclude(status=Assignment.Status.PENDING)
        .exists()
    ):
        raise ValidationError(
            _("Judges have started scoring: whether categories are judged separately is fixed.")
        )
    if before and (before["rule"], before["trim_min_judges"], before["by_category"]) != (
        round.rule,
        round.trim_min_judges,
        round.by_category,
    ):
        round.results_computed_at = None  # ranked by another rule now: compute them again
        results_schedule(round_ids=[round.pk])  # once committed (this runs in a transaction)
    round.save()
    if criteria is not None:
        if (
            Assignment.objects.filter(round=round)
            .exclude(status=Assignment.Status.PENDING)
            .exists()
        ):
            raise ValidationError(_("Judges have started scoring: the criteria are locked."))
        if not criteria:
            raise ValidationError(_("A round needs at least one criterion."))
        if not round.by_category:
            criteria = [replace(c, category_id=None) for c in criteria]
        _check_criterion_names(round, criteria)
        round.criteria.all().delete()
        created = Criterion.objects.bulk_create(
            Criterion(
                round=round,
                name=c.name.strip(),
                description=c.description,
                max_points=c.max_points,
                position=i,
                category_id=c.category_id,
            )
            for i, c in enumerate(criteria)
        )
        audit.record_bulk(
            created,
            fields=["round", "name", "description", "max_points", "position", "category"],
        )
    return round


#: What a copied call takes from each round of its source (judging's part of call_copy).
ROUND_COPIED_FIELDS = (
    "number",
    "name",
    "blind",
    "score_step",
    "rule",
    "trim_min_judges",
    "mode",
    "judges_per_case",
    "entry",
    "entry_top_n",
    "by_category",
    "changes_until_close",
    "answer_hours",  # invitations; a copy requires the pledge as every new round does
)


def rounds_copy(*, source: Call, copy: Call, categories: dict, actor: User | None) -> list[Round]:
    """Set up `copy`'s rounds like `source`'s: their settings and criteria (a category's
    criterion goes to the copy's category of the same place), the earlier round of a "top N"
    round mapped to the copy's; never the panel, the scoring deadline, cases, assignments,
    reviews or results. Runs inside submissions.services.call_copy (its `call_copied` signal,
    connected in judging/apps.py)."""
    made: dict[int, Round] = {}
    for old in Round.objects.filter(call=source).order_by("number"):
        new = Round(call=copy, **{f: getattr(old, f) for f in ROUND_COPIED_FIELDS})
        new.entry_round = made.get(old.entry_round_id) if old.entry_round_id else None
        if new.entry == Round.Entry.TOP_N and new.entry_round is None:
            new.entry, new.entry_top_n = Round.Entry.ACCEPTED, None
        new.full_clean(exclude=["entry_round"])
        new.save()
        made[old.pk] = new
        for crit in old.criteria.order_by("position", "id"):
            Criterion.objects.create(
                round=new,
                name=crit.name,
                description=crit.description,
                max_points=crit.max_points,
                position=crit.position,
                category=categories.get(crit.category_id) if crit.category_id else None,
            )
    return list(made.values())


def on_accepted_cases_leaving(sender, *, cases, **kwargs) -> None:
    """Receiver of submissions' `accepted_cases_leaving`: a case already in a round that has
    opened stays accepted (judges score it; collection and judging may overlap)."""
    judged = list(
        RoundCase.objects.filter(case__in=cases)
        .exclude(round__status=Round.Status.DRAFT)
        .select_related("case", "round")
        .order_by("case__number")
    )
    if judged:
        raise ValidationError(
            _("These cases are in a round that has opened and must stay accepted: %(cases)s."),
            code="judged",
            params={"cases": "、".join(f"“{e.case.title}”（{e.round.name}）" for e in judged)},
        )


def on_call_copied(sender, *, source: Call, copy: Call, categories: dict, actor, **kwargs) -> None:
    """Receiver of submissions' `call_copied`: judging's part of copying a call."""
    rounds_copy(source=source, copy=copy, categories=categories, actor=actor)


def _check_criterion_names(round: Round, criteria: list[CriterionSpec]) -> None:
    """A criterion's name is unique among what one case is scored on: the shared criteria and
    those of one category. The same name may serve two categories."""
    categories = set(Category.objects.filter(call_id=round.call_id).values_list("pk", flat=True))
    if any(c.category_id is not None and c.category_id not in categories for c in criteria):
        raise ValidationError(_("A criterion's category must be one of this call's categories."))
    shared = [c.name.strip() for c in criteria if c.category_id is None]
    if len(set(shared)) != len(shared):
        raise ValidationError(_("Two criteria have the same name."))
    for category_id in {c.category_id for c in criteria} - {None}:
        own = [c.name.strip() for c in criteria if c.category_id == category_id]
        if len(set(own)) != len(own) or set(own) & set(shared):
            raise ValidationError(
                _(
                    "Two criteria of one category, or one of it and a shared one, "
                    "have the same name."
                )
            )


def _entry_cases(round: Round) -> list[int]:
    if round.entry == Round.Entry.ACCEPTED:
        return list(
            Case.objects.filter(call=round.call, status=Case.Status.ACCEPTED)
            .order_by("number")
            .values_list("pk", flat=True)
        )
    if round.entry == Round.Entry.TOP_N:
        return list(
            Result.objects.filter(round=round.entry_round, rank__lte=round.entry_top_n)
            .order_by("rank", "case_id")
            .values_list("case_id", flat=True)
        )
    return list(round.entries.values_list("case_id", flat=True))


def _entry_round_ready(earlier: Round, *, actor: User | None) -> None:
    """The top N of an earlier round need that round closed and its results computed."""
    if earlier.status != Round.Status.CLOSED:
        raise ValidationError(
            _("Close the round “%(name)s” before taking its top cases."),
            params={"name": earlier.name},
        )
    if earlier.results_computed_at is None:
        from .results import results_compute

        results_compute(round=earlier, actor=actor)


@acts
@transaction.atomic
def round_set_entries(
    *, round: Round, case_ids: list[int] | None = None, actor: User | None
) -> int:
    """Fill the round with its cases: all accepted, top N of an earlier round, or `case_ids`."""
    if round.status != Round.Status.DRAFT:
        raise ValidationError(_("The cases of a round are fixed once it opens."))
    if round.entry == Round.Entry.PICKED:
        if case_ids is None:
            raise ValidationError(_("Pick the cases of this round."))
        allowed = set(
            Case.objects.filter(
                call=round.call, status=Case.Status.ACCEPTED, pk__in=case_ids
            ).values_list("pk", flat=True)
        )
        if set(case_ids) - allowed:
            raise ValidationError(_("Only accepted cases of this call can enter a round."))
        ids = [c for c in case_ids if c in allowed]
    else:
        if round.entry == Round.Entry.TOP_N:
            assert round.entry_round is not None  # round_save refuses a top N without one
            _entry_round_ready(round.entry_round, actor=actor)
        ids = _entry_cases(round)
        if not ids:
            raise ValidationError(_("No case qualifies for this round."))
    caches.judge_queue_changed(round.pk)
    n_before = round.entries.count()
    round.entries.exclude(case_id__in=ids).delete()
    with audit.untracked():  # only unstarted assignments of a draft round: counted below
        dropped = Assignment.objects.filter(round=round).exclude(case_id__in=ids).delete()[0]
    existing = set(round.entries.values_list("case_id", flat=True))
    RoundCase.objects.bulk_create(
        RoundCase(round=round, case_id=c) for c in ids if c not in existing
    )
    changes = {AUDIT_ENTRIES: (n_before, len(ids))}
    if dropped:
        n_assigned = Assignment.objects.filter(round=round).count()
        changes[AUDIT_ASSIGNMENTS] = (n_assigned + dropped, n_assigned)
    audit.record(obj=round, changes=changes)
    return len(ids)


@acts
@transaction.atomic
def round_set_panel(
    *, round: Round, judges: Iterable[Judge], actor: User | None
) -> tuple[int, int]:
    """Set the round's panel; returns (added, removed).

    A judge who has started scoring in the round cannot leave the panel; a judge who leaves
    loses the reviews not yet started.
    """
    if round.status == Round.Status.CLOSED:
        raise ValidationError(_("The round is closed."))
    wanted = {j.pk for j in judges}
    current = set(round.panel.values_list("pk", flat=True))
    leaving = current - wanted
    busy = list(
        Judge.objects.filter(
            pk__in=Assignment.objects.filter(round=round, judge_id__in=leaving)
            .exclude(status=Assignment.Status.PENDING)
            .values("judge_id")
        ).values_list("name", flat=True)
    )
    if busy:
        raise ValidationError(
            _(
                "These judges have started scoring in this round and must stay on the panel: "
                "%(names)s."
            ),
            params={"names": "、".join(busy)},
        )
    caches.judge_queue_changed(round.pk)
    Assignment.objects.filter(round=round, judge_id__in=leaving).delete()
    round.panel.remove(*leaving)
    round.panel.add(*(wanted - current))
    return len(wanted - current), len(leaving)


def conflict_pairs(*, round: Round) -> set[tuple[int, int]]:
    """(judge id, case id) pairs that must never meet in this round.

    A judge conflicts with a case of his or her own unit, of a unit he or she is a member of,
    and with every case he or she (or an organizer) declared a conflict with.
    """
    judges = list(round.panel.values_list("pk", "unit_id", "user_id"))
    cases = list(round.entries.values_list("case_id", "case__unit_id"))
    by_unit: dict[int, list[int]] = {}
    for case_id, unit_id in cases:
        by_unit.setdefault(unit_id, []).append(case_id)
    member_units: dict[int, set[int]] = {}
    for user_id, unit_id in Membership.objects.filter(
        user_id__in=[u for _j, _u, u in judges]
    ).values_list("user_id", "unit_id"):
        member_units.setdefault(user_id, set()).add(unit_id)
    pairs: set[tuple[int, int]] = set()
    for judge_id, unit_id, user_id in judges:
        units = set(member_units.get(user_id, ())) | ({unit_id} if unit_id else set())
        for unit in units:
            pairs.update((judge_id, c) for c in by_unit.get(unit, ()))
    pairs.update(
        Conflict.objects.filter(judge__rounds=round, case__round_entries__round=round).values_list(
            "judge_id", "case_id"
        )
    )
    return pairs


@dataclass
class AssignReport:
    created: int
    removed: int
    balanced: bool
    message: str
    unassigned: dict[int, str] = field(default_factory=dict)  # case id → reason
    loads: dict[int, int] = field(default_factory=dict)


@acts
@transaction.atomic
def round_assign(*, round: Round, seed: int = 0, actor: User | None) -> AssignReport:
    """(Re)assign the round's cases to its panel; judges' started reviews are kept."""
    if round.status == Round.Status.CLOSED:
        raise ValidationError(_("The round is closed."))
    judges = list(round.panel.all())
    if not judges:
        raise ValidationError(_("Add judges to the panel first."))
    cases = list(round.entries.values_list("case_id", "case__unit_id"))
    if not cases:
        raise ValidationError(_("No case has entered this round yet."))
    conflicts = conflict_pairs(round=round)
    started = set(
        Assignment.objects.filter(round=round)
        .exclude(status=Assignment.Status.PENDING)
        .values_list("judge_id", "case_id")
    )
    case_specs = [algo.CaseSpec(id=c, unit_id=u) for c, u in cases]
    judge_specs = [
        algo.JudgeSpec(id=j.pk, unit_id=j.unit_id, affiliation=j.affiliation_label) for j in judges
    ]
    if round.mode == Round.Mode.ALL:
        result = algo.assign_all(case_specs, judge_specs, conflicts)
    else:
        if round.judges_per_case > len(judges):
            raise ValidationError(
                _("Each case needs %(k)d judges but the panel has only %(n)d."),
                params={"k": round.judges_per_case, "n": len(judges)},
            )
        started_known = {(j, c) for j, c in started if c in {s.id for s in case_specs}}
        result = algo.assign(
            case_specs,
            judge_specs,
            k=round.judges_per_case,
            conflicts=conflicts,
            existing=started_known - conflicts,
            seed=seed,
        )
    wanted = result.pairs
    current = set(Assignment.objects.filter(round=round).values_list("judge_id", "case_id"))
    removable = (current - wanted) - started
    removed = 0
    if removable:
        ids = [
            pk
            for pk, j, c in Assignment.objects.filter(
                round=round, status=Assignment.Status.PENDING
            ).values_list("pk", "judge_id", "case_id")
            if (j, c) in removable
        ]
        with audit.untracked():  # one summary entry below, not one per assignment
            for start in range(0, len(ids), 5000):
                removed += Assignment.objects.filter(pk__in=ids[start : start + 5000]).delete()[0]
    new = wanted - current
    caches.judge_queue_changed(round.pk)
    Assignment.objects.bulk_create(
        Assignment(round=round, judge_id=j, case_id=c) for j, c in sorted(new)
    )
    if new or removed:
        audit.record(
            obj=round,
            changes={AUDIT_ASSIGNMENTS: (len(current), len(current) - removed + len(new))},
            note=_("Assigned automatically: %(created)d added, %(removed)d removed.")
            % {"created": len(new), "removed": removed},
        )
    return AssignReport(
        created=len(new),
        removed=removed,
        balanced=result.balanced,
        message=result.message,
        unassigned={c: str(s) for c, s in result.unassigned.items()},
        loads=dict(result.loads),
    )


@acts
@transaction.atomic
def assignment_add(*, round: Round, judge: Judge, case: Case, actor: User | None) -> Assignment:
    if round.status == Round.Status.CLOSED:
        raise ValidationError(_("The round is closed."))
    if not round.panel.filter(pk=judge.pk).exists():
        raise ValidationError(_("%(judge)s is not on this round's panel."), params={"judge": judge})
    if not round.entries.filter(case=case).exists():
        raise ValidationError(_("This case is not in the round."))
    if (judge.pk, case.pk) in conflict_pairs(round=round):
        raise ValidationError(
            _("%(judge)s has a conflict of interest with this case and cannot score it."),
            params={"judge": judge.name},
        )
    assignment, created = Assignment.objects.get_or_create(round=round, judge=judge, case=case)
    if not created:
        raise ValidationError(_("%(judge)s already scores this case."), params={"judge": judge})
    caches.judge_queue_changed(round.pk)
    return assignment


@acts
@transaction.atomic
def assignment_remove(*, assignment: Assignment, actor: User | None) -> None:
    if assignment.status != Assignment.Status.PENDING:
        raise ValidationError(
            _("%(judge)s has started scoring this case; reopen or keep the review instead."),
            params={"judge": assignment.judge.name},
        )
    caches.judge_queue_changed(assignment.round_id)
    assignment.delete()


def _replacement(round: Round, case_id: int) -> Judge | None:
    """The least-loaded panel judge who is free to take a case."""
    conflicts = conflict_pairs(round=round)
    taken = set(
        Assignment.objects.filter(round=round, case_id=case_id).values_list("judge_id", flat=True)
    )
    loads = dict(
        Assignment.objects.filter(round=round)
        .values("judge_id")
        .annotate(n=Count("id"))
        .values_list("judge_id", "n")
    )
    candidates = [
        j for j in round.panel.all() if j.pk not in taken and (j.pk, case_id) not in conflicts
    ]
    candidates.sort(key=lambda j: (loads.get(j.pk, 0), j.pk))
    return candidates[0] if candidates else None


@dataclass
class ConflictOutcome:
    conflict: Conflict
    moved_to: list[Judge]  # the judges who took over the case in open rounds
    not_moved: list[Round]  # rounds where nobody free was left (the organizer is told)


@acts
@transaction.atomic
def conflict_declare(
    *, judge: Judge, case: Case, reason: str, actor: User | None
) -> ConflictOutcome:
    """Record a conflict; the judge's unstarted or draft reviews move to another judge."""
    if not reason.strip():
        raise ValidationError(_("Say why you have a conflict of interest."))
    conflict, _created = Conflict.objects.update_or_create(
        judge=judge, case=case, defaults={"reason": reason.strip()}
    )
    # A submitted review of the case no longer counts (results_compute skips it): the stored
    # results of its rounds are stale, unless the call is final (its results are locked).
    stale = list(
        Round.objects.filter(
            pk__in=Assignment.objects.filter(
                judge=judge, case=case, status=Assignment.Status.SUBMITTED
            ).values("round_id")
        )
        .filter(call__status__in=lifecycle.states_allowing(lifecycle.CHANGE_RESULTS))
        .values_list("pk", flat=True)
    )
    Round.objects.filter(pk__in=stale).update(results_computed_at=None)
    results_schedule(round_ids=stale)
    for round_id in set(
        Assignment.objects.filter(judge=judge, case=case).values_list("round_id", flat=True)
    ):
        caches.judge_queue_changed(round_id)  # the case leaves the judge's queues
    moved, not_moved = [], []
    # Closed rounds keep their record; submitted reviews stay (the organizer decides).
    for assignment in (
        Assignment.objects.select_for_update()
        .select_related("round")
        .filter(judge=judge, case=case)
        .exclude(status=Assignment.Status.SUBMITTED)
        .exclude(round__status=Round.Status.CLOSED)
    ):
        rnd = assignment.round
        assignment.delete()
        other = _replacement(rnd, case.pk)
        if other is None:
            not_moved.append(rnd)
            continue
        Assignment.objects.create(round=rnd, judge=other, case=case)
        moved.append(other)
    return ConflictOutcome(conflict=conflict, moved_to=moved, not_moved=not_moved)


#: The organizer's answer when a round opens while the call still collects cases.
CLOSE_COLLECTION = "close"  # collection ends now: the call moves to judging, deadline = now
KEEP_COLLECTING = "keep"  # the call stays open until its deadline; the round judges the
#                           cases accepted so far (later ones are added on request)
COLLECTION_CHOICES = (CLOSE_COLLECTION, KEEP_COLLECTING)


def call_collecting(call: Call, *, now=None) -> bool:
    """The call still takes submissions: open, and its deadline (or a unit's extension) not yet
    passed."""
    return call.is_open_for_submissions and collection_deadline(call=call) > (now or timezone.now())


def _collection_end_now(call: Call, *, actor: User | None, reason: str, now) -> None:
    """Move a collecting call to judging and make its deadline the moment it closed, so every
    page shows when collection really ended (extensions end with it: the call is closed)."""
    lifecycle.call_transition(
        call=call, to=Call.Status.JUDGING, actor=actor, reason=reason, via=lifecycle.ROUND
    )
    if call.closes_at > now:
        call.closes_at = max(now, call.opens_at + timedelta(seconds=1))
        call.save(update_fields=["closes_at", "updated_at"])


@acts
@transaction.atomic
def round_set_status(
    *, round: Round, status: str, actor: User | None, collection: str = ""
) -> Round:
    """Open or close a round. Opening the first round moves the call to "judging".

    While the call still collects cases (open, deadline ahead) the organizer must say what
    happens to collection (`collection`): CLOSE_COLLECTION ends it now (the call moves to
    judging and its deadline becomes now), KEEP_COLLECTING leaves the call open until its
    deadline, and the round judges the cases it holds (`round_add_accepted` adds later ones).
    Without an answer the round is not opened (ValidationError, code "collection")."""
    if status == Round.Status.OPEN:
        if round.status != Round.Status.DRAFT and round.status != Round.Status.CLOSED:
            raise ValidationError(_("The round is already open."))
        if ResultSignature.objects.filter(round=round).exists():
            raise ValidationError(
                _("Judges have signed the results of this round: it cannot be reopened.")
            )
        if not round.criteria.exists():
            raise ValidationError(_("Add the criteria before opening the round."))
        if not Assignment.objects.filter(round=round).exists():
            raise ValidationError(_("Assign the cases before opening the round."))
        call = Call.objects.select_for_update().get(pk=round.call_id)
        if not call.allows(lifecycle.OPEN_ROUND):
            if call.allows(lifecycle.JUDGING_PAGES):
                raise ValidationError(_("The results of this call are already published."))
            raise ValidationError(
                _("The call is still a draft: open it before judging its cases."), code="draft"
            )
        now = timezone.now()
        reason = _("Round “%(round)s” opened.") % {"round": round.name}
        if call_collecting(call, now=now):
            if collection not in COLLECTION_CHOICES:
                raise ValidationError(
                    _(
                        "The call still collects cases until %(deadline)s: choose whether "
                        "collection closes now or stays open while the round is judged."
                    ),
                    code="collection",
                    params={
                        "deadline": timezone.localtime(collection_deadline(call=call)).strftime(
                            "%Y-%m-%d %H:%M"
                        )
                    },
                )
            if collection == CLOSE_COLLECTION:
                _collection_end_now(call, actor=actor, reason=reason, now=now)
            elif not call.judging_while_open:
                call.judging_while_open = True
                call.save(update_fields=["judging_while_open", "updated_at"])
        elif call.status != Call.Status.JUDGING:
            lifecycle.call_transition(
                call=call, to=Call.Status.JUDGING, actor=actor, reason=reason, via=lifecycle.ROUND
            )
        round.call = call
    elif status == Round.Status.CLOSED:
        if round.status != Round.Status.OPEN:
            raise ValidationError(_("Only an open round can be closed."))
    else:
        raise ValidationError(_("Unknown round state."))
    round.status = status
    round.save(update_fields=["status"])
    caches.judge_queue_changed(round.pk)
    return round


@acts
@transaction.atomic
def call_collection_end(*, call: Call, actor: User | None) -> Call:
    """End collection of a call whose judging started while it stayed open: the call moves
    to judging (its results, notice and awards follow), its deadline becomes now when it was
    still ahead."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.status == Call.Status.JUDGING or not call.allows(lifecycle.SCREEN):
        raise ValidationError(_("Collection has already ended for this call."))
    if not Round.objects.filter(call=call).exclude(status=Round.Status.DRAFT).exists():
        raise ValidationError(_("No round of this call has opened yet."))
    _collection_end_now(call, actor=actor, reason=_("Collection ended."), now=timezone.now())
    return call


def accepted_not_in_round(round: Round):
    """The accepted cases of the round's call that are not in the round (a round filled with
    all accepted cases, while collection and screening go on)."""
    return Case.objects.filter(call_id=round.call_id, status=Case.Status.ACCEPTED).exclude(
        round_entries__round=round
    )


@acts
@transaction.atomic
def round_add_accepted(*, round: Round, actor: User | None) -> int:
    """Add the accepted cases that are not yet in a round of all accepted cases (being set up
    or open); in a round already assigned they are assigned at once (started reviews stay).
    Returns how many were added."""
    round = Round.objects.select_for_update().select_related("call").get(pk=round.pk)
    if round.entry != Round.Entry.ACCEPTED:
        raise ValidationError(_("Only a round of all accepted cases takes them in later."))
    if round.status == Round.Status.CLOSED:
        raise ValidationError(_("The round is closed."))
    if not round.call.allows(lifecycle.CHANGE_RESULTS):
        raise ValidationError(_("The results of this call are final."))
    ids = list(accepted_not_in_round(round).order_by("number").values_list("pk", flat=True))
    if not ids:
        raise ValidationError(_("Every accepted case is already in the round."))
    n_before = round.entries.count()
    RoundCase.objects.bulk_create(RoundCase(round=round, case_id=c) for c in ids)
    audit.record(obj=round, changes={AUDIT_ENTRIES: (n_before, n_before + len(ids))})
    caches.judge_queue_changed(round.pk)
    if Assignment.objects.filter(round=round).exists() and round.panel.exists():
        round_assign(round=round, actor=actor)
    return len(ids)


def judges_with_open_work(*, round: Round) -> list[tuple[Judge, int]]:
    """Judges of an open round who still have reviews to submit, with how many."""
    rows = (
        Assignment.objects.filter(round=round)
        .exclude(status=Assignment.Status.SUBMITTED)
        .values("judge_id")
        .annotate(n=Count("id"))
    )
    counts = {r["judge_id"]: r["n"] for r in rows}
    judges = Judge.objects.filter(pk__in=counts).select_related("user")
    return [(j, counts[j.pk]) for j in judges]


@acts
def reminders_enqueue(*, round: Round, actor: User | None) -> int:
    """Remind every judge who has open reviews, through the outbox (sent once this commits)."""
    if round.status != Round.Status.OPEN:
        raise ValidationError(_("Reminders go out only while the round is open."))
    from .. import messages

    pending = judges_with_open_work(round=round)
    for judge, n in pending:
        messages.reminder(round=round, judge=judge, open_count=n, actor=actor)
    return len(pending)
