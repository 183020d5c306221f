"""Results, awards, the public notice (公示) and finalization.

Tie-break order (shown on the results page): 1. the round's scoring rule, higher first;
2. the higher mean score on the first criterion; 3. more judges; 4. still equal: the cases share
the rank (并列); when an award line splits them, people decide (judging/services/ties.py) and
`awards_propose` waits for that decision — never the order of entry.
"""

import io
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from operator import itemgetter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import FloatField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from audit.context import acts
from submissions import lifecycle
from submissions.models import Call, Case, Category

from .. import scoring
from ..models import (
    Assignment,
    Award,
    AwardChange,
    Conflict,
    Notice,
    Objection,
    Result,
    Round,
)
from . import notice_rules, signing

log = logging.getLogger(__name__)

#: The largest rank of an award list (the form and the service refuse more).
MAX_AWARD_RANK = 999

RULE_FIELD: dict[str, tuple[str, str]] = {
    Round.Rule.MEAN: ("mean", "rank_mean"),
    Round.Rule.TRIMMED: ("trimmed_mean", "rank_trimmed"),
    Round.Rule.ZSCORE: ("zscore", "rank_zscore"),
}
RULE_METHOD: dict[str, str] = {
    Round.Rule.MEAN: "mean",
    Round.Rule.TRIMMED: "trimmed",
    Round.Rule.ZSCORE: "zscore",
}


def _counted_reviews(round: Round) -> list[tuple[int, int, float, float | None]]:
    """(judge id, case id, total, points on the first criterion) of every submitted review that
    counts, in one query of one table. A conflict recorded after the review was submitted voids it.

    The rows come straight from the cursor, without Django's per-value converters: a round of
    100,000 cases has 500,000 of them, and the database already returns floats.
    """
    reviews = (
        Assignment.objects.filter(
            round=round, status=Assignment.Status.SUBMITTED, total__isnull=False
        )
        .annotate(
            points=Cast("total", FloatField()),
            first=Cast("first_points", FloatField()),
        )
        .values_list("judge_id", "case_id", "points", "first")
        .order_by()
    )
    # Conflicts are few: a set lookup here, rather than an anti-join over every review.
    voided = set(
        Conflict.objects.filter(case__call_id=round.call_id).values_list("judge_id", "case_id")
    )
    sql, params = reviews.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [row for row in rows if (row[0], row[1]) not in voided] if voided else rows


def round_scores(*, round: Round) -> dict[tuple[int, int], float]:
    """{(judge id, case id): total} of the round's submitted reviews that count."""
    return {(j, c): t for j, c, t, _first in _counted_reviews(round)}


def _tiebreak(
    reviews: list[tuple[int, int, float, float | None]],
) -> dict[int, tuple[float, int]]:
    """{case id: (mean points on the first criterion, number of judges)}: the tie-break keys
    after the round's rule, from the same reviews as the scores."""
    n_judges = Counter(map(itemgetter(1), reviews))
    first_sums: defaultdict[int, float] = defaultdict(float)
    first_counts: defaultdict[int, int] = defaultdict(int)
    for _judge, case, _total, first in reviews:
        if first is not None:
            first_sums[case] += first
            first_counts[case] += 1
    return {
        c: (first_sums[c] / first_counts[c] if c in first_counts else 0.0, n)
        for c, n in n_judges.items()
    }


@acts
@transaction.atomic
def results_compute(*, round: Round, stability_samples: int = 0, actor: User | None) -> int:
    """Recompute and store every case's result in the round; returns the number of cases.

    `actor` None: the recomputation task (system work, no person behind it).

    Refused once the call is final. Concurrent recomputations of one round run one after the
    other (the round row is locked), so the stored rows are always one computation's; finalizing
    locks the call's rounds too, so it waits for a computation under way, and one that waited
    for the finalizing reads the call afresh and is refused.
    """
    locked = Round.objects.select_for_update().get(pk=round.pk)
    # A statement of its own, after the lock: it sees a finalizing that committed meanwhile.
    locked.call = Call.objects.get(pk=locked.call_id)
    if not locked.call.allows(lifecycle.CHANGE_RESULTS):
        raise ValidationError(_("The awards are final and locked."))
    signing.refuse_when_locked(round)
    reviews = _counted_reviews(round)
    scores = {(judge, case): total for judge, case, total, _first in reviews}
    call = locked.call  # read under the lock: the award numbers the results are stored with
    rows: list[tuple] = []
    quotas = category_quotas(call)
    for category_id, group in _category_groups(round, reviews).items():
        top, excellent = quotas.get(category_id, quotas[None])
        rows += _compute_group(round, group, top, excellent, stability_samples, category_id)
    Result.objects.filter(round=round).delete()
    _results_store(round, rows)
    round.results_computed_at, round.results_queued_at = timezone.now(), None
    round.results_top_n, round.results_excellent_m = call.award_top_n, call.award_excellent_m
    round.results_quotas = _quotas_stamp(quotas) if round.by_category else None
    round.save(
        update_fields=[
            "results_computed_at",
            "results_queued_at",
            "results_top_n",
            "results_excellent_m",
            "results_quotas",
        ]
    )
    audit.record(
        obj=round,
        note=_("Results computed: %(n)d case(s), %(m)d review(s).")
        % {"n": len(rows), "m": len(scores)},
    )
    return len(rows)


def _quotas_stamp(quotas: dict[int | None, tuple[int, int]]) -> dict[str, list[int]]:
    """The quotas as stored on the round (JSON keys are strings)."""
    return {str(pk): list(q) for pk, q in quotas.items() if pk is not None}


def category_quotas(call: Call) -> dict[int | None, tuple[int, int]]:
    """{category id: (number of 十佳, number of 优秀)} of the call's categories, and None: the
    call's own numbers. A category without a quota of its own takes the call's numbers."""
    quotas: dict[int | None, tuple[int, int]] = {None: (call.award_top_n, call.award_excellent_m)}
    for pk, top, excellent in Category.objects.filter(call_id=call.pk).values_list(
        "pk", "award_top_n", "award_excellent_m"
    ):
        quotas[pk] = (
            call.award_top_n if top is None else top,
            call.award_excellent_m if excellent is None else excellent,
        )
    return quotas


Reviews = list[tuple[int, int, float, float | None]]


def _category_groups(round: Round, reviews: Reviews) -> dict[int | None, Reviews]:
    """The reviews by the category of their case: one group (None) unless the round judges
    categories separately. Ranks, cut lines and awards are computed within a group."""
    if not round.by_category:
        return {None: reviews}
    case_ids = {case for _judge, case, _total, _first in reviews}
    category_of = dict(
        Case.objects.filter(pk__in=case_ids).values_list("pk", "category_id").order_by()
    )
    groups: dict[int | None, Reviews] = defaultdict(list)
    for review in reviews:
        groups[category_of.get(review[1])].append(review)
    return groups


def _compute_group(
    round: Round,
    reviews: Reviews,
    top: int,
    excellent: int,
    stability_samples: int,
    category_id: int | None,
) -> list[tuple]:
    """The result rows (RESULT_COLUMNS) of one group of cases ranked together."""
    scores = {(judge, case): total for judge, case, total, _first in reviews}
    computed = scoring.compute_results(
        scores, min_judges=max(3, round.trim_min_judges), tiebreak=_tiebreak(reviews)
    )
    value_field, rank_field = RULE_FIELD[round.rule]
    values = {c: getattr(r, value_field) for c, r in computed.items()}
    ranks = {c: getattr(r, rank_field) for c, r in computed.items()}
    near = scoring.cut_line_flags(ranks, [top, top + excellent], values=values)
    stability = {}
    if stability_samples and scores:
        stability = scoring.rank_stability(
            scores,
            method=RULE_METHOD[round.rule],
            top=top,
            samples=stability_samples,
            min_judges=max(3, round.trim_min_judges),
        )
    return [
        (
            case_id,
            r.n_judges,
            r.mean,
            r.trimmed_mean,
            r.median,
            r.zscore,
            r.rank_mean,
            r.rank_trimmed,
            r.rank_zscore,
            ranks[case_id],
            r.rank_changes,
            case_id in near,
            stability.get(case_id),
            category_id,
        )
        for case_id, r in computed.items()
    ]


RESULT_COLUMNS = (
    "case_id",
    "n_judges",
    "mean",
    "trimmed_mean",
    "median",
    "zscore",
    "rank_mean",
    "rank_trimmed",
    "rank_zscore",
    "rank",
    "rank_changes",
    "near_cut",
    "top_probability",
    "category_id",
)


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return repr(value) if isinstance(value, float) else str(value)


def _copy_column(values: tuple) -> list[str]:
    """One column of COPY text, converted at once when it holds a single type."""
    kinds = set(map(type, values))
    if kinds == {bool}:
        return ["t" if v else "f" for v in values]
    if kinds == {int}:
        return list(map(str, values))
    if kinds == {float}:
        return list(map(repr, values))
    return list(map(_copy_value, values))


def _results_store(round: Round, rows: list[tuple]) -> None:
    """Insert result rows: COPY on PostgreSQL (100,000 rows in well under a second, where
    building model objects took seconds), bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Result.objects.bulk_create(
            (Result(round=round, **dict(zip(RESULT_COLUMNS, row, strict=True))) for row in rows),
            batch_size=2000,
        )
        return
    columns = [_copy_column(values) for values in zip(*rows, strict=True)]
    prefix = f"{round.pk}\t"
    buffer = io.StringIO(
        "".join(prefix + "\t".join(line) + "\n" for line in zip(*columns, strict=True))
    )
    names = ", ".join(("round_id", *RESULT_COLUMNS))
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {Result._meta.db_table} ({names}) FROM STDIN", buffer)


def _final_round(call: Call) -> Round:
    rnd = call.rounds.order_by("-number").first()
    if rnd is None:
        raise ValidationError(_("This call has no judging round."))
    return rnd


def _refuse_when_final(call: Call) -> None:
    """Refuse when the call is final (see awards_locked); locks the call row so finalizing
    cannot race a change."""
    current = Call.objects.select_for_update().only("status").get(pk=call.pk)
    call.status = current.status
    if not call.allows(lifecycle.CHANGE_RESULTS):
        raise ValidationError(_("The awards are final and locked."))


@acts
@transaction.atomic
def awards_propose(*, call: Call, actor: User | None) -> int:
    """Top N of the last round → 十佳案例, the next M → 优秀案例 (replacing earlier proposals).

    When the last round judged categories separately: within each category, with its quotas
    (category_quotas), ranks counted within the category."""
    _refuse_when_final(call)
    rnd = _final_round(call)
    if rnd.status != Round.Status.CLOSED:
        raise ValidationError(
            _("Close the last round (%(name)s) first."), params={"name": rnd.name}
        )
    if results_state(round=rnd) != "fresh":
        results_compute(round=rnd, actor=actor)
    from .ties import decided_order, undecided_ties

    undecided = undecided_ties(round=rnd)
    if undecided:
        codes = dict(
            Case.objects.filter(pk__in=[pk for t in undecided for pk in t.case_ids])
            .values_list("pk", "number")
            .order_by()
        )
        raise ValidationError(
            [
                _(
                    "Cases %(codes)s are tied at rank %(rank)d across the %(line)s: record who "
                    "goes above the line (with a reason, or the panel's vote) before proposing."
                )
                % {
                    "codes": "、".join(Case.code_for(call.pk, codes[pk]) for pk in t.case_ids),
                    "rank": t.rank,
                    "line": t.line_label,
                }
                for t in undecided
            ]
        )
    decided = decided_order(round=rnd)
    Award.objects.filter(call=call).delete()
    groups: list[int | None]
    if rnd.by_category:
        quotas = category_quotas(call)
        order: dict[int | None, int] = {
            pk: i for i, pk in enumerate(call.categories.values_list("pk", flat=True))
        }
        groups = sorted(
            Result.objects.filter(round=rnd)
            .values_list("category_id", flat=True)
            .order_by()
            .distinct(),
            key=lambda pk: order.get(pk, len(order)),
        )
    else:
        quotas, groups = {None: (call.award_top_n, call.award_excellent_m)}, [None]
    new: list[Award] = []
    for category_id in groups:
        top, excellent = quotas.get(category_id, quotas[None])
        ranked = Result.objects.filter(round=rnd, rank__isnull=False)
        if rnd.by_category:
            ranked = (
                ranked.filter(category__isnull=True)
                if category_id is None
                else ranked.filter(category_id=category_id)
            )
        # Equal ranks in the order people decided for a tie at a line; a tie that no line
        # splits keeps its equal ranks in the results and lists its cases by code.
        rows = sorted(
            ranked.order_by().values_list("rank", "case_id", "case__number"),
            key=lambda row: (row[0], decided.get(row[1], 0), row[2]),
        )
        case_ids = [case_id for _rank, case_id, _number in rows[: top + excellent]]
        new += [
            Award(
                call=call,
                case_id=case_id,
                rank=i + 1,
                level=Award.Level.TOP if i < top else Award.Level.EXCELLENT,
                category_id=category_id,
            )
            for i, case_id in enumerate(case_ids)
        ]
    created = Award.objects.bulk_create(new)
    audit.record_bulk(
        _with_cases(created),
        fields=["case", "level", "rank", "category"],
        note=_("Proposed from the results of “%(round)s”.") % {"round": rnd.name},
    )
    return len(created)


def _with_cases(awards: list[Award]) -> list[Award]:
    """Awards with their cases loaded in one query (their names go into the trail)."""
    cases = Case.objects.in_bulk([a.case_id for a in awards])
    for award in awards:
        award.case = cases[award.case_id]
    return awards


def _label(award: Award | None) -> str:
    return f"{award.level}#{award.rank}" if award else ""


@acts
@transaction.atomic
def award_adjust(
    *, call: Call, case: Case, level: str | None, rank: int | None, reason: str, actor: User | None
) -> Award | None:
    """Add, move or remove one case in the award list; the reason is recorded.

    The others of its list (the category's, when awards are given within categories) are
    renumbered so that ranks stay 1..n, each once, 十佳 before 优秀 (`_renumber`); a case put at
    a rank outside its level's part of the list comes first or last in that level."""
    _refuse_when_final(call)
    if not reason.strip():
        raise ValidationError(_("Give the reason for the adjustment: it is recorded."))
    if case.call_id != call.pk or case.status != Case.Status.ACCEPTED:
        raise ValidationError(_("Only accepted cases of this call can be awarded."))
    award = Award.objects.filter(call=call, case=case).first()
    before = _label(award)
    before_award = (award.level, award.rank, award.category_id) if award is not None else None
    if level is None:
        if award is None:
            raise ValidationError(_("This case has no award."))
        award.delete()
        award = None
    else:
        if level not in Award.Level.values or not rank or rank < 1:
            raise ValidationError(_("Choose an award and a rank."))
        if rank > MAX_AWARD_RANK:
            raise ValidationError(_("The rank is at most %(max)d."), params={"max": MAX_AWARD_RANK})
        award = award or Award(call=call, case=case)
        award.level, award.rank, award.adjusted = level, rank, True
        # Within the case's category when the last round judged categories separately.
        last = call.rounds.order_by("-number").first()
        award.category_id = case.category_id if last is not None and last.by_category else None
        award.reason = reason.strip()
        award.save()
    old_category = _award_category(before_award)
    _renumber(call=call, category_id=old_category, moved=award)
    if award is not None and award.category_id != old_category:
        _renumber(call=call, category_id=award.category_id, moved=award)
    if award is not None:
        award.refresh_from_db(fields=["rank"])
    AwardChange.objects.create(
        call=call, case=case, actor=actor, before=before, after=_label(award), reason=reason.strip()
    )
    return award


_LEVEL_ORDER: dict[str, int] = {Award.Level.TOP.value: 0, Award.Level.EXCELLENT.value: 1}


def _award_category(award: tuple[str, int, int | None] | None) -> int | None:
    return award[2] if award is not None else None


def _renumber(*, call: Call, category_id: int | None, moved: Award | None) -> None:
    """Renumber the award list of a category (None: the call's one list) 1..n, 十佳 before 优秀:
    the moved case is put at the rank it was given (within its level's part of the list), the
    others keep their order around it. Each renumbered award is saved (and so recorded in the
    audit trail)."""
    in_list = Award.objects.filter(call=call)
    in_list = (
        in_list.filter(category__isnull=True)
        if category_id is None
        else in_list.filter(category_id=category_id)
    )
    awards = list(in_list.select_related("case"))
    others = sorted(
        (a for a in awards if moved is None or a.pk != moved.pk),
        key=lambda a: (_LEVEL_ORDER.get(a.level, 2), a.rank, a.case.number),
    )
    if moved is not None and any(a.pk == moved.pk for a in awards):
        level = _LEVEL_ORDER.get(moved.level, 2)
        first = sum(1 for a in others if _LEVEL_ORDER.get(a.level, 2) < level)
        last = sum(1 for a in others if _LEVEL_ORDER.get(a.level, 2) <= level)
        others.insert(min(max(moved.rank - 1, first), last), moved)
    for position, award in enumerate(others, start=1):
        if award.rank != position:
            award.rank = position
            award.save(update_fields=["rank"])


@acts
@transaction.atomic
def notice_publish(
    *,
    call: Call,
    title: str,
    text: str,
    starts_at: datetime,
    ends_at: datetime,
    min_workdays: int | None = None,
    publish_ranks: bool | None = None,
    actor: User | None,
    now: datetime | None = None,
) -> Notice:
    """Publish the provisional award list on the public notice page for a period: not in the
    past, at least the call's minimum of working days (notice_rules; `min_workdays` changes
    that minimum first). `publish_ranks`: whether units see their cases' ranks (None: as it
    was, off for a new notice)."""
    _refuse_when_final(call)
    if ends_at <= starts_at:
        raise ValidationError(_("The notice must end after it starts."))
    if min_workdays is not None:
        if not 1 <= min_workdays <= notice_rules.MAX_WORKDAYS:
            raise ValidationError(
                _("The minimum notice period is 1 to %(max)d working days."),
                params={"max": notice_rules.MAX_WORKDAYS},
            )
        call.notice_min_workdays = min_workdays
        call.save(update_fields=["notice_min_workdays"])
    notice_rules.refuse_bad_period(
        call=call,
        starts_at=starts_at,
        ends_at=ends_at,
        current=Notice.objects.filter(call=call).first(),
        now=now,
    )
    if not Award.objects.filter(call=call).exists():
        raise ValidationError(_("Propose the awards before publishing the notice."))
    defaults = {"title": title.strip(), "text": text, "starts_at": starts_at, "ends_at": ends_at}
    if publish_ranks is not None:
        defaults["publish_ranks"] = publish_ranks
    notice, _created = Notice.objects.update_or_create(call=call, defaults=defaults)
    if call.status != Call.Status.NOTICE:
        lifecycle.call_transition(
            call=call,
            to=Call.Status.NOTICE,
            actor=actor,
            reason=_("Public notice “%(title)s” published.") % {"title": notice.title},
            via=lifecycle.NOTICE,
        )
        from .. import messages

        messages.notice_published(call=call, starts_at=starts_at, ends_at=ends_at, actor=actor)
    return notice


def _refuse_when_notice_final(notice: Notice) -> None:
    """Refuse when the notice's call is final, under the call row's lock (as call_finalize
    takes it): an objection is either seen by a finalizing that waits for it, or waits for the
    finalizing and is refused. Never recorded or answered after the awards went final."""
    _refuse_when_final(notice.call)
    if Notice.objects.filter(pk=notice.pk, finalized_at__isnull=False).exists():
        raise ValidationError(_("The awards are final and locked."))


@acts
@transaction.atomic
def objection_record(
    *,
    notice: Notice,
    text: str,
    submitter: str,
    received_at: datetime,
    unit: str = "",
    contact: str = "",
    case: Case | None = None,
    actor: User | None,
) -> Objection:
    """Record a written objection. One without the name, unit and contact of its author is
    recorded as anonymous, one received after the notice ended as late: neither is accepted,
    and the reason is recorded as its answer, by the organizer who recorded it."""
    if not text.strip():
        raise ValidationError(_("Write down the objection."))
    _refuse_when_notice_final(notice)
    flags = notice_rules.objection_flags(
        notice=notice, submitter=submitter, unit=unit, contact=contact, received_at=received_at
    )
    answered = not flags.accepted
    return Objection.objects.create(
        notice=notice,
        text=text.strip(),
        submitter=submitter.strip(),
        unit=unit.strip(),
        contact=contact.strip(),
        received_at=received_at,
        case=case,
        recorded_by=actor,
        anonymous=flags.anonymous,
        late=flags.late,
        accepted=flags.accepted,
        answer=flags.answer,
        answered_at=timezone.now() if answered else None,
        answered_by=actor if answered else None,
    )


@acts
@transaction.atomic
def objection_answer(*, objection: Objection, answer: str, actor: User | None) -> Objection:
    _refuse_when_notice_final(objection.notice)
    if not answer.strip():
        raise ValidationError(_("The answer is empty."))
    objection.answer = answer.strip()
    objection.answered_at = timezone.now()
    objection.answered_by = actor
    objection.save(update_fields=["answer", "answered_at", "answered_by"])
    return objection


@acts
@transaction.atomic
def call_finalize(*, call: Call, actor: User | None, now: datetime | None = None) -> Call:
    """Lock results and awards once the notice has ended and every objection is answered.

    Holds the call row's lock from the first check to the move to final: an objection being
    recorded or answered meanwhile (which takes the same lock) is waited for and then counted."""
    now = now or timezone.now()
    _refuse_when_final(call)
    # Results computed or scores imported right now (they lock their round) finish first.
    list(Round.objects.select_for_update().filter(call=call).values_list("pk", flat=True))
    notice = Notice.objects.filter(call=call).first()
    if notice is None and call.imported:
        # A historical call brought in by import: no notice on the portal, the recorded reason
        # stands instead (shown on its pages).
        return lifecycle.call_transition(
            call=call,
            to=Call.Status.FINAL,
            actor=actor,
            reason=_("Imported historical call finalized: %(reason)s")
            % {"reason": call.imported_reason},
            via=lifecycle.FINALIZE_IMPORTED,
        )
    if notice is None:
        raise ValidationError(_("Publish the public notice first."))
    if now < notice.ends_at:
        raise ValidationError(
            _("The notice period runs until %(end)s."),
            params={"end": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")},
        )
    if notice.objections.filter(answer="").exists():
        raise ValidationError(_("Answer every objection before finalizing."))
    notice.finalized_at, notice.finalized_by = now, actor
    notice.save(update_fields=["finalized_at", "finalized_by"])
    call = lifecycle.call_transition(
        call=call,
        to=Call.Status.FINAL,
        actor=actor,
        reason=_("Awards finalized."),
        via=lifecycle.FINALIZE,
    )
    from .. import messages

    messages.results_final(call=call, actor=actor)
    return call


# --------------------------------------------------------------------------- refreshing results
# Pages only read results. A change that makes them stale (a review submitted or reopened, a
# conflict, the rule, the award numbers) calls `results_schedule`: once the change commits, the
# task `judging.results_refresh` recomputes them. The round's `results_queued_at` (in the
# database, so every web process and worker sees it) says a task is queued: while it is, further
# changes queue nothing more (the task reads the scores when it runs). The organizer's Recompute
# button (`results_refresh`) computes at once, or queues the task for a big round.

#: Bootstrap samples of the rank-stability estimate: settings.RESULTS_STABILITY_SAMPLES (fewer
#: for very big rounds, see below).
STABILITY_MIN_SAMPLES = 200
#: A queued mark older than this is a lost task (a worker that died, a broker that was down):
#: the next change, or the Recompute button, queues the task again.
QUEUED_TTL = timedelta(minutes=15)


def stability_samples_for(n_scores: int) -> int:
    """Bootstrap samples for a round of `n_scores` submitted reviews: the full number when
    cheap, fewer (never below 200, about ±3.5 percentage points) for a province-sized round,
    so the task stays within settings.RESULTS_TASK_WORK (reviews × samples)."""
    if n_scores <= 0:
        return 0
    return max(
        STABILITY_MIN_SAMPLES,
        min(settings.RESULTS_STABILITY_SAMPLES, settings.RESULTS_TASK_WORK // n_scores),
    )


def _queued(round: Round, now: datetime | None = None) -> bool:
    queued_at = round.results_queued_at
    return queued_at is not None and queued_at > (now or timezone.now()) - QUEUED_TTL


def results_state(*, round: Round) -> str:
    """ "fresh" (stored results match the scores and the call's award numbers), "queued" (a
    task is recomputing them) or "stale" (a review or the award numbers changed since, or they
    were never computed)."""
    if round.results_computed_at is not None:
        call = round.call
        if (round.results_top_n, round.results_excellent_m) == (
            call.award_top_n,
            call.award_excellent_m,
        ) and (
            # by category: the categories' quotas too (they may change on the call's page)
            not round.by_category or round.results_quotas == _quotas_stamp(category_quotas(call))
        ):
            return "fresh"
    return "queued" if _queued(round) else "stale"


def _submitted_count(round_id: int) -> int:
    return Assignment.objects.filter(
        round_id=round_id, status=Assignment.Status.SUBMITTED, total__isnull=False
    ).count()


def _mark_queued(round_ids: Iterable[int]) -> list[int]:
    """Mark the rounds without a live mark as queued; returns the ids marked. One UPDATE of one
    row per round (no join: waiting for a running task's row lock, it re-reads the mark), and the
    caller that marks a round is the one that queues its task (which skips a final call)."""
    now = timezone.now()
    marked = []
    for round_id in round_ids:
        if (
            Round.objects.filter(pk=round_id)
            .filter(Q(results_queued_at__isnull=True) | Q(results_queued_at__lte=now - QUEUED_TTL))
            .update(results_queued_at=now)
        ):
            marked.append(round_id)
    return marked


def _send_refresh(round_id: int, *, delay: int = 0) -> None:
    from ..tasks import results_refresh as results_refresh_task

    try:
        results_refresh_task.apply_async((round_id,), countdown=delay or None)
    except Exception:  # noqa: BLE001 — broker unreachable: the results stay stale, not "queued"
        log.exception("could not queue judging.results_refresh for round %s", round_id)
        Round.objects.filter(pk=round_id).update(results_queued_at=None)


def _queue_now(round_ids: Iterable[int]) -> None:
    # Delayed (settings.RESULTS_REFRESH_DELAY): the changes of a busy judging hour coalesce
    # into one recomputation every so often instead of one per submitted review, and the
    # round's row lock (held while results are stored) is taken that rarely.
    for round_id in _mark_queued(round_ids):
        _send_refresh(round_id, delay=settings.RESULTS_REFRESH_DELAY)


def results_schedule(*, round_ids: Iterable[int]) -> None:
    """The rounds' results are stale: once the current transaction commits, queue their
    recomputation (unless one is queued already)."""
    ids = sorted(set(round_ids))
    if ids:
        transaction.on_commit(lambda: _queue_now(ids))


def results_schedule_call(*, call_id: int) -> None:
    """Every round of the call (its award numbers changed)."""
    results_schedule(round_ids=Round.objects.filter(call_id=call_id).values_list("pk", flat=True))


def on_award_numbers_changed(sender: object, *, call: Call, **kwargs: object) -> None:
    """submissions.signals.award_numbers_changed: the cut-line flags and top-N probabilities of
    the call's results depend on them."""
    results_schedule_call(call_id=call.pk)


def results_refresh_queued(*, round_id: int) -> int:
    """What the task `judging.results_refresh` runs: recompute the round's results with the
    rank-stability estimate unless they are fresh already (a Recompute came first) or the call
    is final; returns the number of cases computed."""
    rnd = Round.objects.select_related("call").filter(pk=round_id).first()
    if rnd is None:
        return 0
    if results_state(round=rnd) == "fresh" or rnd.call.is_final or signing.is_locked(rnd):
        Round.objects.filter(pk=round_id).update(results_queued_at=None)
        return 0
    return results_compute(
        round=rnd,
        stability_samples=stability_samples_for(_submitted_count(round_id)),
        actor=None,  # system work: the recomputation queued by a change
    )


#: A queued mark this much older than the task's countdown (settings.RESULTS_REFRESH_DELAY),
#: on a round not being recomputed, is a lost task: the worker sweep sends it again.
RESULTS_REQUEUE_AFTER = timedelta(minutes=5)


@acts
def results_requeue_lost(*, actor: User | None, limit: int = 100) -> list[int]:
    """Send again the recomputation of rounds whose queued task was lost, and return their ids
    (a sweep every worker runs at its start and every few minutes: system work, actor None).

    Lost: marked queued more than RESULTS_REFRESH_DELAY + RESULTS_REQUEUE_AFTER ago and the
    round's row is not locked (`results_compute` holds it while it runs, so a recomputation
    under way is skipped, and one whose worker was killed left its lock and its mark behind).
    The mark is renewed, so the next sweep leaves the round alone; several workers sweeping at
    once take disjoint rounds (SKIP LOCKED); a duplicate task finds the results fresh."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.RESULTS_REFRESH_DELAY) - RESULTS_REQUEUE_AFTER
    with transaction.atomic():
        ids = list(
            Round.objects.select_for_update(skip_locked=True)
            .filter(results_queued_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        Round.objects.filter(pk__in=ids).update(results_queued_at=now)
        for pk in ids:
            transaction.on_commit(partial(_send_refresh, pk))
    return ids


@acts
def results_refresh(*, round: Round, actor: User | None) -> str:
    """Recompute the round's results with the rank-stability estimate: at once when the round
    is small ("computed"), else by the task `judging.results_refresh` ("queued"; work above
    settings.RESULTS_SYNC_WORK, reviews × samples)."""
    if not Call.objects.only("status").get(pk=round.call_id).allows(lifecycle.CHANGE_RESULTS):
        raise ValidationError(_("The awards are final and locked."))
    signing.refuse_when_locked(round)
    n_scores = _submitted_count(round.pk)
    samples = stability_samples_for(n_scores)
    if n_scores * max(samples, 1) <= settings.RESULTS_SYNC_WORK:
        results_compute(round=round, stability_samples=samples, actor=actor)
        return "computed"
    Round.objects.filter(pk=round.pk).update(results_computed_at=None)
    round.results_computed_at = None
    round_id = round.pk
    # Marked at once (the page says "queued" from now on), the task sent once this commits;
    # a live mark means a task is on its way already.
    if _mark_queued([round_id]):
        transaction.on_commit(lambda: _send_refresh(round_id))
    round.refresh_from_db(fields=["results_queued_at"])
    return "queued"


def awards_locked(*, call: Call) -> bool:
    """Whether the call is final (as last read; the services re-check it under a row lock)."""
    return call.is_final
