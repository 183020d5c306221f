"""Downloads of results (organizers only): the 评分汇总表 and each judge's score sheet, as
.xlsx and as a printable page with a signature line."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.roles import organizer_required
from core import spreadsheet

from .. import exports, selectors
from ..models import Assignment
from ..services import results as services
from ..services import signing
from .common import organizer_round, results_state


@organizer_required
@require_GET
def results_export(request, pk):
    rnd = organizer_round(pk)
    if signing.is_locked(rnd):  # the signed sheet itself, whose SHA-256 the notice prints
        return spreadsheet.response(signing.signed_sheet(rnd), exports.summary_filename(rnd))
    state = results_state(rnd)
    if state == "queued":
        messages.info(
            request, _("The results are being recomputed; download the table when they are ready.")
        )
        return redirect("judging:round_results", pk=rnd.pk)
    if state == "stale" and not services.awards_locked(call=rnd.call):
        messages.warning(
            request,
            _("The results are out of date: recompute them, then download the table."),
        )
        return redirect("judging:round_results", pk=rnd.pk)
    return spreadsheet.response(exports.summary_workbook(round=rnd), exports.summary_filename(rnd))


@organizer_required
@require_GET
def judge_sheets(request, pk):
    rnd = organizer_round(pk)
    judges = selectors.round_judges(round=rnd).annotate(
        assigned=Count("assignments", filter=Q(assignments__round=rnd)),
        submitted=Count(
            "assignments",
            filter=Q(assignments__round=rnd, assignments__status=Assignment.Status.SUBMITTED),
        ),
    )
    page = Paginator(judges, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "judging/export_judges.html",
        {
            "round": rnd,
            "call": rnd.call,
            "page": page,
        },
    )


def _sheet(pk, judge_pk) -> exports.JudgeSheet:
    rnd = organizer_round(pk)
    judge = get_object_or_404(selectors.round_judges(round=rnd), pk=judge_pk)
    return exports.judge_sheet(round=rnd, judge=judge)


@organizer_required
@require_GET
def judge_sheet_xlsx(request, pk, judge_pk):
    sheet = _sheet(pk, judge_pk)
    return spreadsheet.response(
        exports.judge_sheet_workbook(sheet), exports.judge_sheet_filename(sheet)
    )


@organizer_required
@require_GET
def judge_sheet_print(request, pk, judge_pk):
    sheet = _sheet(pk, judge_pk)
    return render(
        request,
        "judging/export_judge_sheet.html",
        {
            "sheet": sheet,
            "round": sheet.round,
            "call": sheet.round.call,
            "judge": sheet.judge,
        },
    )
