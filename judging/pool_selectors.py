"""Reads of the expert pool: the filtered list with each expert's history in a fixed number of
queries, one expert's history round by round, and the rating sheet of a closed round.

History: calls served (calls of the rounds on whose panel the expert sat), declines (invitations
declined or left unanswered), lateness (reviews submitted after the round's deadline, or still
open after it), outliers (`scoring.outliers`: totals far from the rest of the panel, per round),
and the latest rating (一项目一评价)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from . import scoring
from .models import Assignment, ExpertRating, Invitation, Judge, Round
from .services.results import round_scores
from .statistics import OUTLIER_Z

DECLINED = (Invitation.Status.DECLINED, Invitation.Status.EXPIRED)


def _late(prefix: str = "") -> Q:
    """Reviews submitted after the round's deadline, or still open once it passed."""
    now = timezone.now()
    deadline = f"{prefix}round__deadline"
    return Q(**{f"{deadline}__isnull": False}) & (
        Q(**{f"{prefix}submitted_at__gt": F(deadline)})
        | Q(**{f"{prefix}submitted_at__isnull": True, f"{deadline}__lt": now})
    )


def pool_list(
    *, q: str = "", field: str = "", region: str = "", available: str = ""
) -> QuerySet[Judge]:
    """The pool, filtered, with history counts and the latest rating (constant queries)."""
    latest = ExpertRating.objects.filter(judge=OuterRef("pk")).order_by("-at", "-id")
    judges = (
        Judge.objects.select_related("unit", "user")
        .annotate(
            n_rounds=Count("rounds", distinct=True),
            n_calls=Count("rounds__call", distinct=True),
            n_declines=Count(
                "invitations", filter=Q(invitations__status__in=DECLINED), distinct=True
            ),
            n_late=Count("assignments", filter=_late("assignments__"), distinct=True),
            latest_rating=Subquery(latest.values("rating")[:1]),
        )
        .order_by("name", "pk")
    )
    if q:
        judges = judges.filter(
            Q(name__icontains=q)
            | Q(affiliation__icontains=q)
            | Q(expertise__icontains=q)
            | Q(user__username__icontains=q)
        )
    if field:
        # One query, portable (SQLite has no JSON containment): the ids naming the field.
        ids = [pk for pk, f in Judge.objects.values_list("pk", "fields") if field in (f or [])]
        judges = judges.filter(pk__in=ids)
    if region:
        judges = judges.filter(region__icontains=region)
    if available in ("yes", "no"):
        judges = judges.filter(available=available == "yes")
    return judges


def pool_field_names() -> list[str]:
    """Every field of expertise named in the pool, sorted (for the filter)."""
    names: set[str] = set()
    for fields in Judge.objects.values_list("fields", flat=True):
        names.update(str(f) for f in fields or [])
    return sorted(names)


def rating_label(value: str | None) -> str:
    return str(ExpertRating.Rating(value).label) if value in ExpertRating.Rating.values else ""


@dataclass
class RoundHistory:
    round: Round
    reviews: int
    late: int
    outliers: int
    declined: bool
    rating: ExpertRating | None


def _outliers_by_judge(rnd: Round, scores: dict | None = None) -> dict[int, int]:
    scores = round_scores(round=rnd) if scores is None else scores
    counts: dict[int, int] = {}
    for o in scoring.outliers(scores, z=OUTLIER_Z) if scores else []:
        counts[o.judge_id] = counts.get(o.judge_id, 0) + 1
    return counts


def expert_history(*, judge: Judge) -> dict:
    """One expert's history, round by round, with the outlier rate over all rounds."""
    rounds = list(
        Round.objects.filter(Q(panel=judge) | Q(invitations__judge=judge))
        .select_related("call")
        .distinct()
        .order_by("-call__opens_at", "-number")
    )
    reviews = Assignment.objects.filter(judge=judge)
    n_reviews = dict(reviews.values("round").annotate(n=Count("pk")).values_list("round", "n"))
    n_late = dict(
        reviews.filter(_late()).values("round").annotate(n=Count("pk")).values_list("round", "n")
    )
    declined = set(
        Invitation.objects.filter(judge=judge, status__in=DECLINED).values_list("round", flat=True)
    )
    ratings = {r.round_id: r for r in ExpertRating.objects.filter(judge=judge)}
    rows = []
    total_outliers = total_scored = 0
    for rnd in rounds:
        out = scored = 0
        if n_reviews.get(rnd.pk):
            scores = round_scores(round=rnd)
            out = _outliers_by_judge(rnd, scores).get(judge.pk, 0)
            scored = sum(1 for (j, _c) in scores if j == judge.pk)
        total_outliers += out
        total_scored += scored
        rows.append(
            RoundHistory(
                round=rnd,
                reviews=n_reviews.get(rnd.pk, 0),
                late=n_late.get(rnd.pk, 0),
                outliers=out,
                declined=rnd.pk in declined,
                rating=ratings.get(rnd.pk),
            )
        )
    return {
        "rows": rows,
        "calls": len({r.round.call_id for r in rows if not r.declined}),
        "declines": len(declined),
        "late": sum(n_late.values()),
        "outlier_rate": (total_outliers / total_scored) if total_scored else None,
    }


@dataclass
class RatingRow:
    judge: Judge
    reviews: int
    late: int
    declined: int
    outliers: int
    severity: float | None
    rating: ExpertRating | None


def round_rating_rows(*, round: Round) -> list[RatingRow]:
    """The panel of a round with what the organizer weighs before rating each expert."""
    judges = list(round.panel.order_by("name", "pk"))
    reviews = Assignment.objects.filter(round=round)
    n_reviews = dict(reviews.values("judge").annotate(n=Count("pk")).values_list("judge", "n"))
    n_late = dict(
        reviews.filter(_late()).values("judge").annotate(n=Count("pk")).values_list("judge", "n")
    )
    declines = dict(
        Invitation.objects.filter(judge__in=judges, status__in=DECLINED)
        .values("judge")
        .annotate(n=Count("pk"))
        .values_list("judge", "n")
    )
    scores = round_scores(round=round)
    severity = scoring.judge_severity(scores) if scores else {}
    outliers = _outliers_by_judge(round, scores)
    ratings = {r.judge_id: r for r in ExpertRating.objects.filter(round=round)}
    return [
        RatingRow(
            judge=j,
            reviews=n_reviews.get(j.pk, 0),
            late=n_late.get(j.pk, 0),
            declined=declines.get(j.pk, 0),
            outliers=outliers.get(j.pk, 0),
            severity=severity[j.pk].mean if j.pk in severity else None,
            rating=ratings.get(j.pk),
        )
        for j in judges
    ]
