"""Reads of judging. `assignments_for_judge` is the judge-side visibility policy: every page,
export, image and file a judge reaches goes through it; organizers see everything."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts import roles
from submissions.models import Case, Photo

from .models import Assignment, Conflict, Judge, Result, Round


def judge_for(user) -> Judge | None:
    if not roles.is_judge(user):
        return None
    cached = getattr(user, "_judge_profile", False)
    if cached is False:
        cached = user._judge_profile = Judge.objects.filter(user=user).first()
    return cached


def assignments_for_judge(user, *, round: Round | None = None) -> QuerySet[Assignment]:
    """The user's own reviews in open rounds, minus any case he or she has a conflict with."""
    judge = judge_for(user)
    if judge is None:
        return Assignment.objects.none()
    qs = Assignment.objects.filter(judge=judge, round__status=Round.Status.OPEN).exclude(
        Exists(Conflict.objects.filter(judge=judge, case=OuterRef("case")))
    )
    if round is not None:
        qs = qs.filter(round=round)
    return qs


def photos_for_judge(user) -> QuerySet[Photo]:
    return Photo.objects.filter(case__in=assignments_for_judge(user).values("case"))


def rounds_for_organizer() -> QuerySet[Round]:
    return Round.objects.select_related("call")


def judge_queue(user, *, round: Round) -> QuerySet[Assignment]:
    """The judge's list: one row per assigned case, in case order, fixed query count."""
    return (
        assignments_for_judge(user, round=round)
        .select_related("case")
        .order_by("case__number", "pk")
    )


def round_progress(*, round: Round) -> dict:
    """Per judge and per case: assigned, submitted; with totals."""
    per_judge = list(
        Judge.objects.filter(assignments__round=round)
        .annotate(
            assigned=Count("assignments", filter=Q(assignments__round=round)),
            submitted=Count("assignments", filter=Q(assignments__round=round,
                                                    assignments__status="submitted")),
            drafts=Count("assignments", filter=Q(assignments__round=round,
                                                 assignments__status="draft")),
        )
        .order_by("name")
    )
    per_case = list(
        Case.objects.filter(assignments__round=round)
        .annotate(
            assigned=Count("assignments", filter=Q(assignments__round=round)),
            submitted=Count("assignments", filter=Q(assignments__round=round,
                                                    assignments__status="submitted")),
        )
        .select_related("unit")
        .order_by("number")
    )
    total = sum(j.assigned for j in per_judge)
    done = sum(j.submitted for j in per_judge)
    return {"judges": per_judge, "cases": per_case, "total": total, "done": done,
            "percent": int(100 * done / total) if total else 0}


def results_table(*, round: Round) -> tuple[list[Result], list[Judge], dict]:
    """Stored results with each judge's total per case (a matrix for the page and exports)."""
    results = list(
        Result.objects.filter(round=round).select_related("case__unit", "case__award")
        .order_by("rank", "case__number")
    )
    judges = list(Judge.objects.filter(assignments__round=round).distinct().order_by("name"))
    matrix: dict[tuple[int, int], object] = {
        (j, c): t for j, c, t in Assignment.objects.filter(
            round=round, status=Assignment.Status.SUBMITTED
        ).values_list("judge_id", "case_id", "total")
    }
    return results, judges, matrix
