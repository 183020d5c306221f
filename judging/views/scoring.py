"""Judge pages: the review queue of a round, the scoring page, declaring a conflict, and the
photos and attachments of the judge's cases.

Every object comes through `selectors.assignments_for_judge` (the judge-side visibility policy):
a case the judge is not assigned to, or has a conflict with, or of a round that is not open, is a
404. Cases reach templates only as `selectors.ReviewCase`, which in a blind round carries neither
the unit nor its contact. Files are served under their uid, never their uploaded name.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import roles
from core.files import attachment_type, serve_protected

from .. import selectors
from ..forms import ConflictDeclareForm, ReviewForm
from ..models import Assignment, Round
from ..services import reviews, rounds
from ..services.reviews import plain_number
from .common import conflict_messages

judge_required = roles.role_required(roles.is_judge)


def _review(request, pk) -> Assignment:
    try:
        return selectors.review_for_judge(request.user, pk=pk)
    except Assignment.DoesNotExist:
        raise Http404 from None


@judge_required
def queue(request, pk):
    """The judge's cases in one open round."""
    rnd = (
        Round.objects.select_related("call")
        .filter(pk=pk, pk__in=selectors.assignments_for_judge(request.user).values("round"))
        .first()
    )
    if rnd is None:
        if selectors.pledge_round_for_judge(request.user, pk=pk) is not None:
            return redirect("judging:pledge", pk=pk)
        raise Http404
    rows = selectors.queue_rows(request.user, round=rnd)
    done = sum(1 for a, _t, _u in rows if a.status == Assignment.Status.SUBMITTED)
    return render(
        request,
        "judging/queue.html",
        {
            "round": rnd,
            "rows": rows,
            "done": done,
            "total": len(rows),
            "percent": int(100 * done / len(rows)) if rows else 0,
            "criteria": list(rnd.criteria.select_related("category")),
        },
    )


def _round_closed(request: HttpRequest, a: Assignment) -> HttpResponse:
    """What became of the judge's scores when the round closed before (or while) they were
    sent: the review as saved before, and what was just sent (not recorded)."""
    a.refresh_from_db(fields=["status", "comment", "total", "submitted_at", "updated_at"])
    posted = request.method == "POST"
    rows = [
        (
            c,
            points,
            request.POST.get(ReviewForm.field_name(c), "") if posted else None,
        )
        for c, points in selectors.review_criteria(assignment=a)
    ]
    return render(
        request,
        "judging/review_closed.html",
        {
            "a": a,
            "round": a.round,
            "rows": rows,
            "posted": posted,
            "sent_comment": request.POST.get("comment", "") if posted else "",
            "total": None if a.total is None else plain_number(a.total),
        },
        status=409 if posted else 200,
    )


def _reassigned(request: HttpRequest, rnd: Round) -> HttpResponse:
    """An old link to a review whose case went to another judge: say so, and lead back to the
    queue (410: the review is gone for good, and a debug 404 helps nobody)."""
    in_queue = rnd.status == Round.Status.OPEN and (
        selectors.assignments_for_judge(request.user, round=rnd).exists()
    )
    return render(
        request,
        "judging/review_reassigned.html",
        {"round": rnd, "in_queue": in_queue},
        status=410,
    )


def _confirm(request: HttpRequest, a: Assignment, pairs, criteria) -> HttpResponse:
    """Submit for good? The saved scores, each criterion's and the total, with the button that
    submits exactly these (hidden fields) and the way back to change them."""
    return render(
        request,
        "judging/review_confirm.html",
        {
            "a": a,
            "round": a.round,
            "case": selectors.review_case(assignment=a, photos=[]),
            "rows": [(c, ReviewForm.field_name(c), plain_number(p)) for c, p in pairs],
            "total": plain_number(a.total) if a.total is not None else "",
            "max_total": plain_number(sum((c.max_points for c in criteria), 0)),
        },
    )


@never_cache
@judge_required
def review(request, pk):
    """Score one case: criteria beside the case text and photos; draft, submit, next.

    A review of a round that has closed (before the page was sent, or while it was being saved)
    gets a page saying what became of the scores, not a 404."""
    try:
        a = selectors.review_for_judge(request.user, pk=pk)
    except Assignment.DoesNotExist:
        unsigned = selectors.review_awaiting_pledge(request.user, pk=pk)
        if unsigned is not None:
            return redirect("judging:pledge", pk=unsigned.pk)
        closed = selectors.closed_review_for_judge(request.user, pk=pk)
        if closed is not None:
            return _round_closed(request, closed)
        moved_from = selectors.reassigned_review_for_judge(request.user, pk=pk)
        if moved_from is None:
            raise Http404 from None
        return _reassigned(request, moved_from)
    rnd = a.round
    pairs = selectors.review_criteria(assignment=a)
    criteria = [c for c, _points in pairs]
    initial = {
        ReviewForm.field_name(c): "" if points is None else plain_number(points)
        for c, points in pairs
    }
    initial["comment"] = a.comment
    # Submitted is final, unless the round lets judges change their scores until it closes.
    changeable = rnd.changes_until_close
    locked = a.status == Assignment.Status.SUBMITTED and not changeable
    complete = all(points is not None for _c, points in pairs)
    if (
        request.method == "GET"
        and "confirm" in request.GET
        and a.status == Assignment.Status.DRAFT
        and complete
        and not changeable
    ):
        return _confirm(request, a, pairs, criteria)
    if request.method == "POST" and locked:
        messages.error(
            request,
            _(
                "You have submitted this review; it can no longer be changed. "
                "Ask the organizer to reopen it if it must change."
            ),
        )
        return redirect("judging:review", pk=a.pk)
    form = ReviewForm(request.POST or None, criteria=criteria, step=rnd.score_step, initial=initial)
    if request.method == "POST":
        submit = "submit" in request.POST
        if form.is_valid():
            typed = form.points()
            # A final submission is confirmed first, on a page showing the scores and total:
            # the scores are saved as a draft, and the page asks (works without JavaScript).
            ask_first = (
                submit
                and not changeable
                and "confirmed" not in request.POST
                and all(str(typed.get(c.pk) or "").strip() for c in criteria)
            )
            try:
                reviews.review_save(
                    assignment=a,
                    actor=request.user,
                    points=typed,
                    comment=form.cleaned_data["comment"],
                    submit=submit and not ask_first,
                )
            except reviews.RoundClosed:
                return _round_closed(request, a)
            except ValidationError as exc:
                for msg in exc.messages:
                    form.add_error(None, msg)
            else:
                if ask_first:
                    return redirect(reverse("judging:review", kwargs={"pk": a.pk}) + "?confirm")
                if not submit:
                    messages.success(request, _("Draft saved."))
                    return redirect("judging:review", pk=a.pk)
                messages.success(
                    request,
                    _("Your scores for case %(code)s were submitted.") % {"code": a.case.code},
                )
                following = selectors.next_open_review(request.user, assignment=a)
                if following is not None:
                    return redirect("judging:review", pk=following.pk)
                messages.info(request, _("You have submitted every case of this round. Thank you!"))
                return redirect("judging:queue", pk=rnd.pk)
        messages.error(request, _("Nothing was saved: please correct the scores below."))
    prev_id, next_id, position, count = selectors.review_neighbours(request.user, assignment=a)
    max_total = sum((c.max_points for c in criteria), 0)
    return render(
        request,
        "judging/review.html",
        {
            "a": a,
            "round": rnd,
            "case": selectors.review_case(assignment=a),
            "form": form,
            "locked": locked,
            "changeable": changeable,
            "scores": pairs,
            "max_total": plain_number(max_total),
            "prev_id": prev_id,
            "next_id": next_id,
            "position": position,
            "count": count,
        },
        status=400 if form.errors else 200,
    )


@judge_required
def review_conflict(request, pk):
    """Declare a conflict of interest with the case; the case moves to another judge."""
    a = _review(request, pk)
    if a.status == Assignment.Status.SUBMITTED:
        messages.error(
            request,
            _("You have submitted this review. Tell the organizer about the conflict of interest."),
        )
        return redirect("judging:review", pk=a.pk)
    form = ConflictDeclareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        judge = selectors.judge_for(request.user)
        try:
            outcome = rounds.conflict_declare(
                judge=judge, case=a.case, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            conflict_messages(request, outcome, organizer=False)
            if selectors.assignments_for_judge(request.user, round=a.round).exists():
                return redirect("judging:queue", pk=a.round_id)
            return redirect("judging:home")
    return render(
        request,
        "judging/review_conflict.html",
        {
            "a": a,
            "round": a.round,
            "case": selectors.review_case(assignment=a, photos=[]),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@judge_required
def review_photo(request, uid, variant):
    """A photo of one of the judge's cases: renditions only, named by uid."""
    if variant not in ("web", "thumb"):
        raise Http404
    photo = selectors.photos_for_judge(request.user).filter(uid=uid).first()
    if photo is None:
        raise Http404
    shown = photo.rendition(variant)
    return serve_protected(shown.file, content_type=shown.content_type, filename=shown.filename)


@judge_required
def review_attachment(request, uid):
    """An attachment of one of the judge's cases in a round that is not blind."""
    att = selectors.attachments_for_judge(request.user).filter(uid=uid).first()
    if att is None:
        raise Http404
    return serve_protected(
        att.file,
        content_type=attachment_type(att.extension),
        filename=f"{att.uid.hex}{att.extension}",
        attachment=True,
    )
