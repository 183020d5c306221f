"""Signed results (签字确认): the judge's own score sheet with sign / refuse with dissent (and
the panel leader's signature on the 评分汇总表), the organizer's signing page (deadline,
supervisor, who signed, the supervisor's signature, the lock and its hashes), and the
organizer's working calendar (公示 in working days)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.roles import organizer_required
from core.params import id_param

from .. import exports, selectors, workdays
from ..forms_signing import SheetSignForm, SigningSetupForm, WorkdayForm
from ..models import ResultSignature, Round, WorkCalendarDay
from ..services import signing, workcalendar
from .common import organizer_round

judge_required = roles.role_required(roles.is_judge)


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --------------------------------------------------------------------------- the judge


def _judge_round(request, pk):
    """A closed round where the signed-in judge has reviews (404 otherwise), and the judge."""
    judge = selectors.judge_for(request.user)
    rnd = Round.objects.select_related("call", "leader").filter(pk=pk).first()
    if (
        judge is None
        or rnd is None
        or not selectors.round_judges(round=rnd).filter(pk=judge.pk).exists()
    ):
        raise Http404
    return rnd, judge


@judge_required
def judge_sign(request, pk):
    rnd, judge = _judge_round(request, pk)
    form = SheetSignForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "leader":
                signing.summary_sign(
                    round=rnd, role=ResultSignature.Role.LEADER, actor=request.user
                )
                messages.success(request, _("You signed the 评分汇总表 as panel leader."))
            elif action in ("sign", "refuse") and form.is_valid():
                signing.sheet_sign(
                    round=rnd,
                    judge=judge,
                    refuse=action == "refuse",
                    dissent=form.cleaned_data["dissent"],
                    actor=request.user,
                )
                messages.success(
                    request,
                    _("Your refusal and dissent are recorded.")
                    if action == "refuse"
                    else _("You signed your score sheet."),
                )
            else:
                raise ValidationError(_("Choose to sign or to refuse."))
        except ValidationError as exc:
            _flash(request, exc)
        return redirect("judging:judge_sign", pk=rnd.pk)
    state = signing.signing_state(rnd)
    mine = next((s for j, s in state.judges if j.pk == judge.pk), None)
    return render(
        request,
        "judging/sign_judge.html",
        {
            "round": rnd,
            "call": rnd.call,
            "judge": judge,
            "sheet": exports.judge_sheet(round=rnd, judge=judge),
            "open": signing.signing_open(rnd),
            "mine": mine,
            "state": state,
            "is_leader": rnd.leader_id == judge.pk,
            "form": form,
        },
    )


# --------------------------------------------------------------------------- the organizer


@organizer_required
def round_signing(request, pk):
    rnd = organizer_round(pk)
    current = signing.signing_of(rnd)
    form = SigningSetupForm(
        request.POST
        if request.method == "POST" and request.POST.get("action") == "setup"
        else None,
        round=rnd,
        initial={
            "leader": rnd.leader_id,
            "sign_by": timezone.localtime(current.sign_by) if current and current.sign_by else None,
            "supervisor_name": current.supervisor_name if current else "",
            "supervisor_user": current.supervisor_user_id if current else None,
        },
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "setup":
                if not form.is_valid():
                    raise ValidationError(
                        [
                            f"{form.fields[f].label}: {m}"
                            for f, ms in form.errors.items()
                            for m in ms
                        ]
                    )
                data = form.cleaned_data
                signing.signing_setup(
                    round=rnd,
                    sign_by=data["sign_by"],
                    supervisor_name=data["supervisor_name"],
                    supervisor_user=data["supervisor_user"],
                    leader=data["leader"],
                    actor=request.user,
                )
                messages.success(request, _("The signing deadline and the supervisor are saved."))
            elif action == "supervisor":
                signing.summary_sign(
                    round=rnd, role=ResultSignature.Role.SUPERVISOR, actor=request.user
                )
                messages.success(request, _("The supervisor signed the 评分汇总表."))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            _flash(request, exc)
        return redirect("judging:round_signing", pk=rnd.pk)
    state = signing.signing_state(rnd)
    return render(
        request,
        "judging/sign_round.html",
        {
            "round": rnd,
            "call": rnd.call,
            "state": state,
            "form": form,
            "open": signing.signing_open(rnd),
            "is_supervisor": current is not None and current.supervisor_user_id == request.user.pk,
        },
    )


@organizer_required
def work_calendar(request):
    form = WorkdayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        workcalendar.workday_set(
            date=data["date"], is_workday=data["is_workday"], note=data["note"], actor=request.user
        )
        messages.success(request, _("The day is saved in the working calendar."))
        return redirect(f"{reverse('judging:work_calendar')}?year={data['date'].year}")
    today = timezone.localdate()
    year = id_param(request.GET.get("year")) or today.year
    if not 2000 <= year <= 2100:
        year = today.year
    days = list(WorkCalendarDay.objects.filter(date__year=year))
    return render(
        request,
        "judging/work_calendar.html",
        {
            "form": form,
            "year": year,
            "days": days,
            "library_knows": workdays.library_knows(year),
            "years": [year - 1, year, year + 1],
            "sample": workdays.notice_last_day(today, 5),
            "today": today,
        },
    )


@require_POST
@organizer_required
def work_calendar_delete(request, pk):
    day = get_object_or_404(WorkCalendarDay, pk=pk)
    year = day.date.year
    workcalendar.workday_delete(day=day, actor=request.user)
    messages.success(request, _("The day follows the announced calendar again."))
    return redirect(f"{reverse('judging:work_calendar')}?year={year}")
