"""Consensus discussions (合议), the panel leader and ties decided by people.

The round's consensus page (organizers): the panel leader, the flagged cases with an "open
discussion" action (or any case by its code), the discussions, and the ties at an award line
with their decisions. A discussion's page: the organizers, the case's judges and the panel
leader (`selectors.discussions_visible_to`; anyone else gets a 404): the judges' scores and
comments, a judge's one revision with a reason, the leader's decision.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.roles import organizer_required
from core.flash import flash_errors, flash_form_errors
from core.params import id_list
from submissions.models import Case

from .. import selectors
from ..consensus_forms import (
    CommentForm,
    DecisionForm,
    DiscussionOpenForm,
    LeaderForm,
    ReviseForm,
    TieDecisionForm,
)
from ..models import Discussion, Result
from ..services import consensus, ties
from ..services import results as result_services
from .common import organizer_round

panel_or_organizer_required = roles.role_required(
    lambda user: roles.is_organizer(user) or roles.is_judge(user)
)


def _ties_with_forms(rnd) -> list:
    found = ties.round_ties(round=rnd)
    cases = Case.objects.in_bulk([pk for t in found for pk in t.case_ids])
    for tie in found:
        tie.cases = [cases[pk] for pk in tie.case_ids]
        tie.form = TieDecisionForm(
            cases=tie.cases, prefix=f"tie-{'-'.join(map(str, tie.case_ids))}"
        )
        tie.order_cases = [cases[pk] for pk in tie.decision.order] if tie.decision else []
    return found


@organizer_required
@require_GET
def round_consensus(request, pk):
    rnd = organizer_round(pk)
    flags = consensus.case_flags(round=rnd)
    discussions = list(
        Discussion.objects.filter(round=rnd)
        .select_related("case", "decided_by")
        .order_by("status", "opened_at", "pk")
    )
    discussed = {d.case_id for d in discussions}
    flagged = list(
        Result.objects.filter(round=rnd, case_id__in=list(flags))
        .exclude(case_id__in=discussed)
        .select_related("case")
        .order_by("rank", "case__number")
    )
    for r in flagged:
        r.flag_labels = consensus.flag_labels(flags[r.case_id])
    chosen = request.GET.get("case", "")
    return render(
        request,
        "judging/consensus_round.html",
        {
            "round": rnd,
            "call": rnd.call,
            "flagged": flagged,
            "discussions": discussions,
            "leader_form": LeaderForm(round=rnd),
            "open_form": DiscussionOpenForm(call=rnd.call, initial={"case": chosen}),
            "ties": _ties_with_forms(rnd),
            "locked": result_services.awards_locked(call=rnd.call),
            "state": result_services.results_state(round=rnd),
        },
    )


@require_POST
@organizer_required
def round_set_leader(request, pk):
    rnd = organizer_round(pk)
    form = LeaderForm(request.POST, round=rnd)
    if form.is_valid():
        try:
            consensus.round_set_leader(
                round=rnd, judge=form.cleaned_data["leader"], actor=request.user
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("The panel leader was saved."))
    else:
        flash_form_errors(request, form)
    return redirect("judging:round_consensus", pk=rnd.pk)


@require_POST
@organizer_required
def discussion_open(request, pk):
    rnd = organizer_round(pk)
    form = DiscussionOpenForm(request.POST, call=rnd.call)
    if form.is_valid():
        try:
            discussion = consensus.discussion_open(
                round=rnd,
                case=form.cleaned_data["case"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("The discussion is open; the case's judges see it on their judging page."),
            )
            return redirect("judging:discussion", pk=discussion.pk)
    else:
        flash_form_errors(request, form)
    return redirect("judging:round_consensus", pk=rnd.pk)


@require_POST
@organizer_required
def tie_decide(request, pk):
    rnd = organizer_round(pk)
    ids = id_list(request.POST.get("tie", "").split(","))  # junk and huge numbers dropped
    cases = list(Case.objects.filter(pk__in=ids, call=rnd.call).order_by("pk"))
    form = TieDecisionForm(
        request.POST, cases=cases, prefix=f"tie-{'-'.join(str(c.pk) for c in cases)}"
    )
    if cases and form.is_valid():
        data = form.cleaned_data
        try:
            ties.tie_decide(
                round=rnd,
                case_ids=[c.pk for c in cases],
                order=form.order(),
                method=data["method"],
                vote_count=data["vote_count"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("The decision on the tie was recorded."))
    elif not cases:
        messages.error(request, _("These cases are not tied at an award line (any more)."))
    else:
        flash_form_errors(request, form)
    return redirect("judging:round_consensus", pk=rnd.pk)


# --------------------------------------------------------------------------- a discussion


def _visible(request, pk) -> Discussion:
    discussion = selectors.discussions_visible_to(request.user).filter(pk=pk).first()
    if discussion is None:
        raise Http404
    return discussion


@panel_or_organizer_required
@require_GET
def discussion(request, pk):
    d = _visible(request, pk)
    rnd = d.round
    judge = selectors.judge_for(request.user)
    voices = consensus.discussion_voices(discussion=d)
    mine = next(
        (v for v in voices if judge is not None and v.assignment.judge_id == judge.pk), None
    )
    criteria = list(selectors.criteria_for(round=rnd, category_id=d.case.category_id))
    revise_form = None
    if mine is not None and mine.revision is None and d.status == Discussion.Status.OPEN:
        current = {s[0]: s[1] for s in mine.scores}
        revise_form = ReviseForm(
            criteria=criteria,
            initial={ReviseForm.field_name(c): current.get(c.name) for c in criteria},
        )
    is_leader = judge is not None and rnd.leader_id == judge.pk
    return render(
        request,
        "judging/discussion.html",
        {
            "discussion": d,
            "round": rnd,
            "call": rnd.call,
            "case_title": selectors.case_title_for_round(d.case, blind=rnd.blind),
            "show_unit": not rnd.blind or roles.is_organizer(request.user),
            "voices": voices,
            "comments": list(d.comments.select_related("judge")),
            "flags": consensus.flag_labels(d.flags),
            "is_organizer": roles.is_organizer(request.user),
            "can_comment": judge is not None
            and (mine is not None or is_leader)
            and d.status == Discussion.Status.OPEN,
            "comment_form": CommentForm(),
            "revise_form": revise_form,
            "mine": mine,
            "is_leader": is_leader,
            "decision_form": DecisionForm() if is_leader and d.status == "open" else None,
        },
    )


def _judge_or_404(request):
    judge = selectors.judge_for(request.user)
    if judge is None:
        raise Http404
    return judge


@require_POST
@panel_or_organizer_required
def discussion_comment(request, pk):
    d = _visible(request, pk)
    judge = _judge_or_404(request)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            consensus.discussion_comment(
                discussion=d, judge=judge, text=form.cleaned_data["text"], actor=request.user
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Your comment was added."))
    else:
        flash_form_errors(request, form)
    return redirect("judging:discussion", pk=d.pk)


@require_POST
@panel_or_organizer_required
def discussion_revise(request, pk):
    d = _visible(request, pk)
    judge = _judge_or_404(request)
    criteria = list(selectors.criteria_for(round=d.round, category_id=d.case.category_id))
    form = ReviseForm(request.POST, criteria=criteria)
    if form.is_valid():
        try:
            consensus.discussion_revise(
                discussion=d,
                judge=judge,
                points=form.points(),
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Your revised score and its reason were recorded."))
    else:
        flash_form_errors(request, form)
    return redirect("judging:discussion", pk=d.pk)


@require_POST
@panel_or_organizer_required
def discussion_decide(request, pk):
    d = _visible(request, pk)
    judge = _judge_or_404(request)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            consensus.discussion_decide(
                discussion=d,
                judge=judge,
                decision=form.cleaned_data["decision"],
                actor=request.user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request, _("The panel's decision was recorded; the discussion is closed.")
            )
    else:
        flash_form_errors(request, form)
    return redirect("judging:discussion", pk=d.pk)
