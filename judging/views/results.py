"""Organizer pages of results: the ranking table, statistics, score import, awards, the public
notice (公示) and finalization. Every page is organizer-only: judges never see results."""

import re
from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import organizer_required
from core import cache as caches
from core.fields import bound_upload
from core.flash import flash_errors, flash_form_errors
from core.uploads import takes_uploads
from submissions.models import Call

from .. import importing, selectors, statistics, workdays
from ..exports import COL_CODE, COL_COMMENT, COL_JUDGE, COL_TITLE
from ..forms import AnswerForm, AwardAdjustForm, NoticeForm, ObjectionForm, ScoreImportForm
from ..models import Award, AwardChange, Notice, Objection, Result, Round
from ..services import notice_rules
from ..services import results as services
from .common import organizer_round, results_state

PAGE_SIZE = 50


# --------------------------------------------------------------------------- helpers


def _last_round_id(call: Call):
    return call.rounds.order_by("-number").values_list("pk", flat=True).first()


# --------------------------------------------------------------------------- results


@organizer_required
@require_GET
def results_index(request):
    calls = selectors.calls_with_rounds()
    return render(request, "judging/results_index.html", {"calls": calls})


def _results_table(request, rnd: Round, *, order: str, flag: str, awards_version) -> str:
    """The ranking table with its pagination and the methods and tie-break order beneath,
    rendered once per results computation, rule, award list, order, filter, page and language
    (the page's costliest part; cached, see core/cache.py)."""
    call = rnd.call
    top, excellent = call.award_top_n, call.award_top_n + call.award_excellent_m
    page_no = request.GET.get("page", "1")
    page_no = str(int(page_no)) if re.fullmatch(r"[0-9]{1,7}", page_no) else "1"
    key = caches.results_table_key(
        rnd.pk,
        (
            rnd.results_computed_at.timestamp() if rnd.results_computed_at else "none",
            rnd.rule,
            rnd.trim_min_judges,
            rnd.by_category,
            top,
            excellent,
            *awards_version,
            order,
            flag,
            page_no,
            get_language(),
        ),
    )
    html = caches.results_table_get(key)
    if html is not None:
        return html
    page = Paginator(selectors.results_list(round=rnd, order=order, flag=flag), PAGE_SIZE).get_page(
        page_no
    )
    rows = list(page.object_list)
    totals = selectors.judge_totals_for_cases(round=rnd, case_ids=[r.case_id for r in rows])
    quotas = services.category_quotas(call) if rnd.by_category else {}
    shared: Counter[tuple[int | None, int | None]] = Counter(
        (r.category_id, r.rank) for r in rows if r.rank is not None
    )
    previous, group = None, object()
    for r in rows:
        r.heading = ""
        if rnd.by_category and r.category_id != group:
            # Ranks start again in each category: a heading with its quotas, no cut line above.
            group, previous = r.category_id, None
            n_top, n_excellent = quotas.get(r.category_id, (top, excellent - top))
            r.heading = (r.category.name if r.category is not None else _("No category")) + (
                _(" · 十佳 %(top)d, 优秀 %(excellent)d") % {"top": n_top, "excellent": n_excellent}
            )
            row_top, row_excellent = n_top, n_top + n_excellent
        elif not rnd.by_category:
            row_top, row_excellent = top, excellent
        r.judge_totals = totals.get(r.case_id, [])
        r.tied = shared[(r.category_id, r.rank)] > 1  # 并列 (on this page)
        r.zone = (
            "top"
            if r.rank and r.rank <= row_top
            else "excellent"
            if r.rank and r.rank <= row_excellent
            else ""
        )
        r.cut_before = ""
        if order == "rank" and not flag and previous is not None and r.rank:
            for cut, label in (
                (row_top, _("十佳 cut line (top %(n)d)") % {"n": row_top}),
                (row_excellent, _("优秀 cut line (top %(n)d)") % {"n": row_excellent}),
            ):
                if previous <= cut < r.rank:
                    r.cut_before = label
        previous = r.rank
    page_query = QueryDict(mutable=True)  # the key's parameters only: the HTML is shared
    page_query.update({"order": order, "flag": flag})
    html = render_to_string(
        "judging/results_table.html",
        {
            "round": rnd,
            "call": call,
            "page": page,
            "rows": rows,
            "order": order,
            "flag": flag,
            "page_query": page_query,
            "rule_field": services.RULE_FIELD[rnd.rule][0],
            "cuts": {"top": top, "excellent": excellent},
        },
    )
    if rnd.results_computed_at:
        caches.results_table_put(key, html)
    return html


@organizer_required
@require_GET
def results(request, pk):
    rnd = organizer_round(pk)
    call = rnd.call
    state = results_state(rnd)
    order = request.GET.get("order", "rank")
    order = order if order in selectors.RESULT_ORDERS else "rank"
    flag = request.GET.get("flag", "")
    flag = flag if flag in ("changes", "near", "any") else ""
    awards_version = selectors.awards_version(call=call)
    return render(
        request,
        "judging/results.html",
        {
            "round": rnd,
            "call": call,
            "state": state,
            "order": order,
            "flag": flag,
            "table": _results_table(
                request, rnd, order=order, flag=flag, awards_version=awards_version
            ),
            "locked": services.awards_locked(call=call),
            "is_last_round": _last_round_id(call) == rnd.pk,
            "award_count": awards_version[0],
        },
    )


@require_POST
@organizer_required
def results_recompute(request, pk):
    rnd = organizer_round(pk)
    try:
        outcome = services.results_refresh(round=rnd, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        if outcome == "queued":
            messages.info(
                request,
                _(
                    "The results are being recomputed in the background; "
                    "this page shows them when they are ready."
                ),
            )
        else:
            messages.success(request, _("The results were recomputed."))
    return redirect("judging:round_results", pk=rnd.pk)


@takes_uploads()
@organizer_required
@require_http_methods(["GET", "POST"])
def results_import(request, pk):
    rnd = organizer_round(pk)
    form = ScoreImportForm(*bound_upload(request))
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            report = importing.scores_import(
                round=rnd, source=form.cleaned_data["file"], actor=request.user
            )
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(
                request,
                _(
                    "%(rows)d review(s) of %(judges)d judge(s) were imported and submitted "
                    "(%(new)d new assignment(s), %(replaced)d earlier review(s) replaced)."
                )
                % {
                    "rows": report.rows,
                    "judges": len(report.judges),
                    "new": report.created_assignments,
                    "replaced": report.replaced,
                },
            )
            return redirect("judging:round_results", pk=rnd.pk)
    return render(
        request,
        "judging/results_import.html",
        {
            "round": rnd,
            "call": rnd.call,
            "form": form,
            "problems": problems,
            "criteria": list(rnd.criteria.order_by("position", "pk")),
            "columns": {
                "judge": COL_JUDGE,
                "code": COL_CODE,
                "title": COL_TITLE,
                "comment": COL_COMMENT,
            },
            "locked": services.awards_locked(call=rnd.call),
        },
        status=400 if (problems or form.errors) else 200,
    )


@organizer_required
@require_GET
def results_stats(request, pk):
    rnd = organizer_round(pk)
    state = results_state(rnd)
    data = statistics.round_statistics(round=rnd)
    labels = {
        "range": _("Lowest to highest"),
        "quartiles": _("Middle half (quartiles)"),
        "median": _("Median"),
        "mean": _("Mean"),
        "total": _("Total"),
        "count": _("Number of totals"),
        "severity": _("Severity (average deviation)"),
        "spread": _("Spread (standard deviation of the deviations)"),
        "probability": _("Probability of the top %(n)d") % {"n": rnd.call.award_top_n},
        "inside": _("Ranked inside the top %(n)d") % {"n": rnd.call.award_top_n},
        "outside": _("Ranked below"),
        "rank": _("Rank"),
    }
    return render(
        request,
        "judging/stats.html",
        {
            "round": rnd,
            "call": rnd.call,
            "state": state,
            "data": data,
            "labels": labels,
            "locked": services.awards_locked(call=rnd.call),
        },
    )


# --------------------------------------------------------------------------- awards


@organizer_required
@require_GET
def awards(request, slug):
    call = get_object_or_404(Call, slug=slug)
    award_list = list(
        Award.objects.filter(call=call)
        .select_related("case__unit", "category")
        .order_by(*selectors.CATEGORY_ORDER, "rank", "case__number")
    )
    last = call.rounds.order_by("-number").first()
    results = {}
    if last is not None:
        results = {
            r.case_id: r
            for r in Result.objects.filter(round=last, case_id__in=[a.case_id for a in award_list])
        }
    for award in award_list:
        award.result = results.get(award.case_id)
    changes = list(
        AwardChange.objects.filter(call=call)
        .select_related("case", "actor")
        .order_by("-at", "-id")[:200]
    )
    for change in changes:
        change.before, change.after = _change_label(change.before), _change_label(change.after)
    return render(
        request,
        "judging/awards.html",
        {
            "call": call,
            "last_round": last,
            "awards": award_list,
            "sections": _award_sections(award_list),
            "quotas": _quota_rows(call) if last is not None and last.by_category else [],
            "changes": changes,
            "form": AwardAdjustForm(call=call),
            "locked": services.awards_locked(call=call),
            "notice": Notice.objects.filter(call=call).first(),
            "rule_field": services.RULE_FIELD[last.rule][0] if last else "mean",
        },
    )


def _award_sections(award_list: list[Award]) -> list[tuple[str, list[tuple]]]:
    """[(category name, [(level title, awards, badge, key), …]), …]: one section named "" for a
    call's single list; one per category for awards given within categories."""
    sections = []
    for group in selectors.awards_by_category(award_list):
        prefix = f"{group.top[0].category_id if group.top else group.excellent[0].category_id}-"
        prefix = "" if not group.category else prefix
        sections.append(
            (
                group.category,
                [
                    (Award.Level.TOP.label, group.top, "success", f"{prefix}top"),
                    (Award.Level.EXCELLENT.label, group.excellent, "primary", f"{prefix}excellent"),
                ],
            )
        )
    if not sections:
        sections.append(
            (
                "",
                [
                    (Award.Level.TOP.label, [], "success", "top"),
                    (Award.Level.EXCELLENT.label, [], "primary", "excellent"),
                ],
            )
        )
    return sections


def _quota_rows(call: Call) -> list[tuple[str, int, int]]:
    """(category name, number of 十佳, number of 优秀) of each category of the call."""
    quotas = services.category_quotas(call)
    return [(c.name, *quotas[c.pk]) for c in call.categories.all()]


def _change_label(label: str) -> str:
    """ "top#3" (as recorded) → "十佳案例 (top ten) · 3"."""
    level, _sep, rank = label.partition("#")
    if level not in Award.Level.values:
        return label
    return f"{Award.Level(level).label} · {rank}"


@require_POST
@organizer_required
def awards_propose(request, slug):
    call = get_object_or_404(Call, slug=slug)
    try:
        n = services.awards_propose(call=call, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        last = call.rounds.order_by("-number").first()
        if last is not None and last.by_category:
            messages.success(
                request,
                _(
                    "%(n)d awards were proposed from the ranking within each category, with "
                    "each category's numbers of 十佳案例 and 优秀案例."
                )
                % {"n": n},
            )
            return redirect("judging:awards", slug=call.slug)
        messages.success(
            request,
            _(
                "%(n)d awards were proposed from the ranking: the top %(top)d as 十佳案例, "
                "the next ones as 优秀案例."
            )
            % {"n": n, "top": call.award_top_n},
        )
    return redirect("judging:awards", slug=call.slug)


@require_POST
@organizer_required
def award_adjust(request, slug):
    call = get_object_or_404(Call, slug=slug)
    form = AwardAdjustForm(request.POST, call=call)
    if form.is_valid():
        data = form.cleaned_data
        level = None if data["level"] == "none" else data["level"]
        try:
            services.award_adjust(
                call=call,
                case=data["case"],
                level=level,
                rank=data["rank"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("The award of “%(title)s” was changed and the reason recorded.")
                % {"title": data["case"].title},
            )
    else:
        flash_form_errors(request, form)
    return redirect("judging:awards", slug=call.slug)


# --------------------------------------------------------------------------- notice


@organizer_required
@require_GET
def notice(request, slug):
    call = get_object_or_404(Call, slug=slug)
    current = Notice.objects.filter(call=call).select_related("finalized_by").first()
    now = timezone.localtime().replace(second=0, microsecond=0)
    notice_form = NoticeForm(
        instance=current,
        initial={"min_workdays": call.notice_min_workdays}
        if current
        else {
            "title": _("Public notice of the results of “%(title)s”") % {"title": call.title},
            "text": _(
                "The following cases are proposed for the awards. Objections can be raised "
                "in writing, with the name and a contact of the person raising them, until "
                "the end of the notice period."
            ),
            "starts_at": now,
            # the end of the last of the call's minimum working days (公示 by the rules)
            "ends_at": timezone.localtime(notice_rules.earliest_end(now, call.notice_min_workdays)),
            "min_workdays": call.notice_min_workdays,
        },
    )
    objections = []
    if current is not None:
        objections = list(current.objections.select_related("case", "recorded_by", "answered_by"))
    return render(
        request,
        "judging/notice.html",
        {
            "call": call,
            "notice": current,
            "notice_form": notice_form,
            "last_round": call.rounds.order_by("-number").first(),
            "objection_form": ObjectionForm(call=call, initial={"received_at": now}),
            "answer_form": AnswerForm(),
            "objections": objections,
            "unanswered": sum(1 for o in objections if not o.answer),
            "notice_workdays": workdays.workdays_between(
                timezone.localtime(current.starts_at).date(),
                timezone.localtime(current.ends_at).date(),
            )
            if current
            else 0,
            "award_count": Award.objects.filter(call=call).count(),
            "locked": services.awards_locked(call=call),
            "now": timezone.now(),
            "public_url": request.build_absolute_uri(
                reverse("judging:public_notice", kwargs={"slug": call.slug})
            ),
        },
    )


@require_POST
@organizer_required
def notice_publish(request, slug):
    call = get_object_or_404(Call, slug=slug)
    form = NoticeForm(request.POST, instance=Notice.objects.filter(call=call).first())
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.notice_publish(
                call=call,
                title=data["title"],
                text=data["text"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                min_workdays=data["min_workdays"],
                publish_ranks=data["publish_ranks"],
                actor=request.user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request, _("The provisional award list is published on the public notice page.")
            )
    else:
        flash_form_errors(request, form)
    return redirect("judging:notice", slug=call.slug)


@require_POST
@organizer_required
def objection_record(request, slug):
    call = get_object_or_404(Call, slug=slug)
    current = get_object_or_404(Notice, call=call)
    form = ObjectionForm(request.POST, call=call)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.objection_record(
                notice=current,
                text=data["text"],
                submitter=data["submitter"],
                unit=data["unit"],
                contact=data["contact"],
                received_at=data["received_at"],
                case=data["case"],
                actor=request.user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("The objection was recorded. Answer it before finalizing."))
    else:
        flash_form_errors(request, form)
    return redirect("judging:notice", slug=call.slug)


@require_POST
@organizer_required
def objection_answer(request, pk):
    objection = get_object_or_404(Objection.objects.select_related("notice__call"), pk=pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.objection_answer(
                objection=objection, answer=form.cleaned_data["answer"], actor=request.user
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("The answer was recorded."))
    else:
        flash_form_errors(request, form)
    return redirect("judging:notice", slug=objection.notice.call.slug)


@require_POST
@organizer_required
def call_finalize(request, slug):
    call = get_object_or_404(Call, slug=slug)
    try:
        services.call_finalize(call=call, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The awards are final. Results and awards are now locked."))
    return redirect("judging:notice", slug=call.slug)
