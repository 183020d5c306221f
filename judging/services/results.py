"""Results, awards, the public notice (公示) and finalization.

Tie-break order (shown on the results page): 1. the round's scoring rule, higher first;
2. the higher mean score on the first criterion; 3. more judges; 4. the organizer's decision,
recorded with a reason as an award adjustment.
"""

import io
from collections import Counter, defaultdict
from datetime import datetime
from operator import itemgetter

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import FloatField, Max
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from audit.context import acts
from civiccases.queue import enqueue_on_commit
from submissions.models import Call, Case

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
    ScoreAudit,
)

#: The largest rank of an award list (the form and the service refuse more).
MAX_AWARD_RANK = 999

RULE_FIELD = {
    Round.Rule.MEAN: ("mean", "rank_mean"),
    Round.Rule.TRIMMED: ("trimmed_mean", "rank_trimmed"),
    Round.Rule.ZSCORE: ("zscore", "rank_zscore"),
}
RULE_METHOD = {Round.Rule.MEAN: "mean", Round.Rule.TRIMMED: "trimmed", Round.Rule.ZSCORE: "zscore"}


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
    other (the round row is locked), so the stored rows are always one computation's.
    """
    locked = Round.objects.select_for_update(of=("self",)).select_related("call").get(pk=round.pk)
    if locked.call.status == Call.Status.FINAL:
        raise ValidationError(_("The awards are final and locked."))
    reviews = _counted_reviews(round)
    scores = {(judge, case): total for judge, case, total, _first in reviews}
    computed = scoring.compute_results(
        scores, min_judges=max(3, round.trim_min_judges), tiebreak=_tiebreak(reviews)
    )
    value_field, rank_field = RULE_FIELD[round.rule]
    call = locked.call  # read under the lock: the award numbers the results are stored with
    cuts = [call.award_top_n, call.award_top_n + call.award_excellent_m]
    values = {c: getattr(r, value_field) for c, r in computed.items()}
    ranks = {c: getattr(r, rank_field) for c, r in computed.items()}
    near = scoring.cut_line_flags(ranks, cuts, values=values)
    stability = {}
    if stability_samples and scores:
        stability = scoring.rank_stability(
            scores,
            method=RULE_METHOD[round.rule],
            top=call.award_top_n,
            samples=stability_samples,
            min_judges=max(3, round.trim_min_judges),
        )
    Result.objects.filter(round=round).delete()
    _results_store(
        round,
        [
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
            )
            for case_id, r in computed.items()
        ],
    )
    round.results_computed_at = timezone.now()
    round.results_top_n, round.results_excellent_m = call.award_top_n, call.award_excellent_m
    round.save(update_fields=["results_computed_at", "results_top_n", "results_excellent_m"])
    audit.record(
        obj=round,
        note=_("Results computed: %(n)d case(s), %(m)d review(s).")
        % {"n": len(computed), "m": len(scores)},
    )
    return len(computed)


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
    columns = ", ".join(("round_id", *RESULT_COLUMNS))
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {Result._meta.db_table} ({columns}) FROM STDIN", buffer)


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
    if call.status == Call.Status.FINAL:
        raise ValidationError(_("The awards are final and locked."))


@acts
@transaction.atomic
def awards_propose(*, call: Call, actor: User | None) -> int:
    """Top N of the last round → 十佳案例, the next M → 优秀案例 (replacing earlier proposals)."""
    _refuse_when_final(call)
    rnd = _final_round(call)
    if rnd.status != Round.Status.CLOSED:
        raise ValidationError(
            _("Close the last round (%(name)s) first."), params={"name": rnd.name}
        )
    if results_state(round=rnd) != "fresh":
        results_compute(round=rnd, actor=actor)
    results = list(
        Result.objects.filter(round=rnd, rank__isnull=False)
        .order_by("rank", "case_id")
        .values_list("case_id", flat=True)[: call.award_top_n + call.award_excellent_m]
    )
    Award.objects.filter(call=call).delete()
    created = Award.objects.bulk_create(
        Award(
            call=call,
            case_id=case_id,
            rank=i + 1,
            level=Award.Level.TOP if i < call.award_top_n else Award.Level.EXCELLENT,
        )
        for i, case_id in enumerate(results)
    )
    audit.record_bulk(
        _with_cases(created),
        fields=["case", "level", "rank"],
        note=_("Proposed from the results of “%(round)s”.") % {"round": rnd.name},
    )
    return len(results)


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
    """Add, move or remove one case in the award list; the reason is recorded."""
    _refuse_when_final(call)
    if not reason.strip():
        raise ValidationError(_("Give the reason for the adjustment: it is recorded."))
    if case.call_id != call.pk or case.status != Case.Status.ACCEPTED:
        raise ValidationError(_("Only accepted cases of this call can be awarded."))
    award = Award.objects.filter(call=call, case=case).first()
    before = _label(award)
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
        award.reason = reason.strip()
        award.save()
    AwardChange.objects.create(
        call=call, case=case, actor=actor, before=before, after=_label(award), reason=reason.strip()
    )
    return award


@acts
@transaction.atomic
def notice_publish(
    *,
    call: Call,
    title: str,
    text: str,
    starts_at: datetime,
    ends_at: datetime,
    actor: User | None,
) -> Notice:
    """Publish the provisional award list on the public notice page for a period."""
    _refuse_when_final(call)
    if ends_at <= starts_at:
        raise ValidationError(_("The notice must end after it starts."))
    if not Award.objects.filter(call=call).exists():
        raise ValidationError(_("Propose the awards before publishing the notice."))
    notice, _created = Notice.objects.update_or_create(
        call=call,
        defaults={"title": title.strip(), "text": text, "starts_at": starts_at, "ends_at": ends_at},
    )
    if call.status != Call.Status.NOTICE:
        audit.record(obj=call, changes={"status": (call.status, Call.Status.NOTICE)})
    Call.objects.filter(pk=call.pk).update(status=Call.Status.NOTICE)
    return notice


@acts
def objection_record(
    *,
    notice: Notice,
    text: str,
    submitter: str,
    received_at: datetime,
    case: Case | None = None,
    actor: User | None,
) -> Objection:
    if not text.strip():
        raise ValidationError(_("Write down the objection."))
    if notice.finalized_at:
        raise ValidationError(_("The awards are final and locked."))
    return Objection.objects.create(
        notice=notice,
        text=text.strip(),
        submitter=submitter.strip(),
        received_at=received_at,
        case=case,
        recorded_by=actor,
    )


@acts
def objection_answer(*, objection: Objection, answer: str, actor: User | None) -> Objection:
    if objection.notice.finalized_at:
        raise ValidationError(_("The awards are final and locked."))
    if not answer.strip():
        raise ValidationError(_("The answer is empty."))
    objection.answer = answer.strip()
    objection.answered_at = timezone.now()
    objection.save(update_fields=["answer", "answered_at"])
    return objection


@acts
@transaction.atomic
def call_finalize(*, call: Call, actor: User | None, now: datetime | None = None) -> Call:
    """Lock results and awards once the notice has ended and every objection is answered."""
    now = now or timezone.now()
    _refuse_when_final(call)
    notice = Notice.objects.filter(call=call).first()
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
    call.status = Call.Status.FINAL
    call.save(update_fields=["status", "updated_at"])
    return call


# --------------------------------------------------------------------------- refreshing results
#: Bootstrap samples of the rank-stability estimate (fewer for very big rounds, see below).
STABILITY_SAMPLES = getattr(settings, "RESULTS_STABILITY_SAMPLES", 1000)
STABILITY_MIN_SAMPLES = 200
#: Work (submitted reviews × samples) done inside a request; more goes to a Celery task.
SYNC_WORK = getattr(settings, "RESULTS_SYNC_WORK", 3_000_000)
#: Work a task may do (about a minute of one core), so it stays inside the task time limit.
TASK_WORK = getattr(settings, "RESULTS_TASK_WORK", 100_000_000)
QUEUED_TTL = 15 * 60  # seconds a "queued" mark lives; a lost task is queued again after it


def _queued_key(round_id: int) -> str:
    return f"judging:results-queued:{round_id}"


def stability_samples_for(n_scores: int) -> int:
    """Bootstrap samples for a round of `n_scores` submitted reviews: the full number when
    cheap, fewer (never below 200, about ±3.5 percentage points) for a province-sized round."""
    if n_scores <= 0:
        return 0
    return max(STABILITY_MIN_SAMPLES, min(STABILITY_SAMPLES, TASK_WORK // n_scores))


def results_state(*, round: Round) -> str:
    """ "fresh" (stored results match the scores and the call's award numbers), "queued" (a
    task is recomputing them) or "stale" (a review or the award numbers changed since, or they
    were never computed)."""
    if round.results_computed_at is not None:
        call = round.call
        if (round.results_top_n, round.results_excellent_m) == (
            call.award_top_n,
            call.award_excellent_m,
        ):
            return "fresh"
        return "stale"
    queued = cache.get(_queued_key(round.pk))
    if not queued:
        return "stale"
    # A review changed after the task was queued: the task may have run before the change.
    changed = ScoreAudit.objects.filter(assignment__round=round).aggregate(m=Max("at"))["m"]
    if changed is not None and changed.timestamp() > queued:
        return "stale"
    return "queued"


@acts
def results_refresh(*, round: Round, actor: User | None) -> str:
    """Recompute the round's results with the rank-stability estimate: at once when the round
    is small ("computed"), else by the task `judging.results_compute` ("queued")."""
    if Call.objects.filter(pk=round.call_id, status=Call.Status.FINAL).exists():
        raise ValidationError(_("The awards are final and locked."))
    n_scores = Assignment.objects.filter(
        round=round, status=Assignment.Status.SUBMITTED, total__isnull=False
    ).count()
    samples = stability_samples_for(n_scores)
    if n_scores * max(samples, 1) <= SYNC_WORK:
        results_compute(round=round, stability_samples=samples, actor=actor)
        cache.delete(_queued_key(round.pk))
        return "computed"
    from ..tasks import results_compute as results_compute_task

    cache.set(_queued_key(round.pk), timezone.now().timestamp(), QUEUED_TTL)
    Round.objects.filter(pk=round.pk).update(results_computed_at=None)
    round.results_computed_at = None
    enqueue_on_commit(results_compute_task, round.pk, samples)
    return "queued"


def awards_locked(*, call: Call) -> bool:
    """Whether the call is final (as last read; the services re-check it under a row lock)."""
    return call.status == Call.Status.FINAL
