"""Organizer pages of expert judging: the pool, rounds, panel, cases, assignment, conflicts,
progress, reminders and reopening; and the judging start page of organizers and judges."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.models import User
from accounts.roles import organizer_required
from core import spreadsheet
from core.fields import bound_upload
from core.flash import flash_errors, flash_form_errors
from core.forms import TableUploadForm
from core.params import id_list, id_param, local_url, search_param
from core.tabular import read_table
from core.uploads import takes_uploads
from submissions import lifecycle
from submissions.models import Call
from submissions.selectors import collection_deadline
from submissions.views.units import invite_posted

from .. import pool_selectors, selectors
from ..forms import (
    AssignmentAddForm,
    ConflictRecordForm,
    CriterionFormSet,
    EntriesForm,
    JudgeEditForm,
    JudgeForm,
    PanelForm,
    ReasonForm,
    RoundForm,
    criteria_initial,
)
from ..models import Assignment, Conflict, Judge, Round, RoundCase, ScoreAudit
from ..services import pool, reviews, rounds, signing
from ..services.pool import JUDGE_COLUMNS, JUDGE_MAX_LENGTHS
from ..services.reviews import plain_number
from .common import conflict_messages
from .invitations import round_context as invitations_context

PAGE_SIZE = 50
SHORTFALLS_SHOWN = 50
PICKER_LIMIT = 500  # above this many accepted cases the picker asks for numbers only


@login_required
def home(request):
    """Organizers: calls with their rounds. Judges: open rounds with reviews waiting."""
    user = request.user
    is_org, is_judge = roles.is_organizer(user), roles.is_judge(user)
    if not (is_org or is_judge):
        raise PermissionDenied
    context = {}
    if is_org:
        context["calls"] = selectors.calls_with_rounds()
        context["n_judges"] = Judge.objects.count()
    if is_judge:
        context["judge"] = selectors.judge_for(user)
        context["judge_rounds"] = selectors.judge_rounds(user)
        context["pledges_pending"] = list(selectors.pledges_pending(user))
        context["discussions"] = list(selectors.discussions_for_judge(user)[:50])
        context["sign_rounds"] = signing.rounds_for_signer(user)
    return render(request, "judging/home.html", context)


# ---- the expert pool ------------------------------------------------------------------------


@organizer_required
def judge_list(request):
    form = JudgeForm(request.POST or None)
    new_accounts = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                new = pool.judge_create(
                    name=data["name"],
                    username=data["username"],
                    email=data["email"],
                    unit_name=data["unit"].name if data["unit"] else "",
                    affiliation=data["affiliation"],
                    expertise=data["expertise"],
                    password=data["password"],
                    actor=request.user,
                )
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(
                request, _("“%(name)s” joined the expert pool.") % {"name": new.judge.name}
            )
            if not new.password:
                return redirect("judging:judge_list")
            new_accounts, form = [new], JudgeForm()
    q = search_param(request.GET.get("q"))
    filters = {
        "field": search_param(request.GET.get("field")),
        "region": search_param(request.GET.get("region")),
        "available": search_param(request.GET.get("available")),
    }
    judges = pool_selectors.pool_list(q=q, **filters)
    page = Paginator(judges, PAGE_SIZE).get_page(request.GET.get("page"))
    for judge in page:
        judge.latest_rating_label = pool_selectors.rating_label(judge.latest_rating)
    return render(
        request,
        "judging/judge_list.html",
        {
            "form": form,
            "page": page,
            "q": q,
            "filters": filters,
            "field_names": pool_selectors.pool_field_names(),
            "new_accounts": new_accounts,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@organizer_required
def judge_invite(request):
    """Send experts of the pool their invitation (again): right after adding or importing
    them, or one by one from the pool's list."""
    invite_posted(request, people=User.objects.filter(judge_profile__isnull=False))
    return redirect("judging:judge_list")


@organizer_required
def judge_edit(request, pk):
    judge = get_object_or_404(Judge.objects.select_related("user", "unit"), pk=pk)
    form = JudgeEditForm(
        request.POST or None,
        initial={
            "name": judge.name,
            "email": judge.user.email,
            "unit": judge.unit,
            "affiliation": judge.affiliation,
            "expertise": judge.expertise,
            "expert_fields": ", ".join(judge.fields or []),
            "region": judge.region,
            "title": judge.title,
            "available": judge.available,
            "unavailable_reason": judge.unavailable_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["fields"] = data.pop("expert_fields")
            pool.judge_update(judge=judge, **data, actor=request.user)
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": judge.name})
            return redirect("judging:judge_list")
    return render(
        request,
        "judging/judge_edit.html",
        {"form": form, "judge": judge, "history": pool_selectors.expert_history(judge=judge)},
        status=400 if form.errors else 200,
    )


@takes_uploads()
@organizer_required
def judge_import(request):
    form = TableUploadForm(*bound_upload(request))
    new_accounts, errors = [], []
    if request.method == "POST" and form.is_valid():
        try:
            table = read_table(
                form.cleaned_data["file"],
                required=["姓名", "用户名"],
                optional=[c for c in JUDGE_COLUMNS if c not in ("姓名", "用户名")],
                max_lengths=JUDGE_MAX_LENGTHS,
            )
            rows = [
                (row.number, {JUDGE_COLUMNS[k]: v for k, v in row.items() if k in JUDGE_COLUMNS})
                for row in table.rows
            ]
            created = pool.judges_import(rows=rows, actor=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            new_accounts = [n for n in created if n.password]
            messages.success(request, _("%(n)d expert(s) imported.") % {"n": len(created)})
    return render(
        request,
        "judging/judge_import.html",
        {
            "form": form,
            "errors": errors,
            "new_accounts": new_accounts,
            "columns": JUDGE_COLUMNS,
        },
        status=400 if errors or form.errors else 200,
    )


@organizer_required
def judge_import_template(request):
    example = ["张某某", "zhangmm", "zhang@example.org", "", "某大学新闻学院", "城市治理", ""]
    return spreadsheet.response(spreadsheet.csv_bytes([JUDGE_COLUMNS, example]), "judges.csv")


# ---- rounds ---------------------------------------------------------------------------------


def _round(pk) -> Round:
    return get_object_or_404(Round.objects.select_related("call", "entry_round"), pk=pk)


def _scoring_started(rnd: Round) -> bool:
    return (
        rnd.pk is not None
        and Assignment.objects.filter(round=rnd).exclude(status=Assignment.Status.PENDING).exists()
    )


def _round_form(request, *, call: Call, rnd: Round | None):
    form = RoundForm(request.POST or None, instance=rnd, call=call)
    locked = rnd is not None and _scoring_started(rnd)
    if rnd is not None:
        initial = criteria_initial(rnd.criteria.all())
    else:
        last = call.rounds.order_by("-number").first()
        initial = criteria_initial(last.criteria.all()) if last else []
    categories = list(call.categories.values_list("pk", "name"))
    formset = CriterionFormSet(
        request.POST or None, prefix="criteria", initial=initial, categories=categories
    )
    if request.method == "POST":
        criteria_ok = locked or formset.is_valid()
        if form.is_valid() and criteria_ok:
            try:
                saved = rounds.round_save(
                    round=form.instance,
                    criteria=None if locked else formset.specs(),
                    actor=request.user,
                )
            except ValidationError as exc:
                for msg in exc.messages:
                    form.add_error(None, msg)
            else:
                total = sum((c.max_points for c in saved.criteria.all()), 0)
                messages.success(
                    request,
                    _("The round “%(name)s” was saved; its criteria add up to %(total)s points.")
                    % {"name": saved.name, "total": plain_number(total)},
                )
                return redirect(saved)
    invalid = request.method == "POST"
    return render(
        request,
        "judging/round_form.html",
        {
            "form": form,
            "formset": formset,
            "call": call,
            "round": rnd,
            "locked": locked,
            "criteria": list(rnd.criteria.select_related("category"))
            if locked and rnd is not None
            else [],
            "has_categories": bool(categories),
        },
        status=400 if invalid else 200,
    )


@organizer_required
def round_create(request, slug):
    call = get_object_or_404(Call, slug=slug)
    return _round_form(request, call=call, rnd=None)


@organizer_required
def round_edit(request, pk):
    rnd = _round(pk)
    if rnd.status == Round.Status.CLOSED:
        messages.info(request, _("The round is closed; reopen it to change it."))
        return redirect(rnd)
    return _round_form(request, call=rnd.call, rnd=rnd)


@organizer_required
def round_detail(request, pk):
    rnd = _round(pk)
    shortfalls = selectors.round_shortfalls(round=rnd) if rnd.entries.exists() else []
    return render(
        request,
        "judging/round_detail.html",
        {
            **invitations_context(rnd),
            "round": rnd,
            "overview": selectors.round_overview(round=rnd),
            "criteria": list(rnd.criteria.select_related("category")),
            "panel": list(rnd.panel.select_related("unit")),
            "shortfalls": shortfalls[:SHORTFALLS_SHOWN],
            "n_shortfalls": len(shortfalls),
            "conflicts": Conflict.objects.filter(judge__rounds=rnd, case__round_entries__round=rnd)
            .select_related("judge", "case")
            .order_by("-declared_at")[:50],
            "reopen_options": rnd.status == Round.Status.CLOSED,
            # Collection still open: opening asks whether it closes; later accepted cases.
            "collecting": rounds.call_collecting(rnd.call),
            "collection_deadline": collection_deadline(call=rnd.call),
            # Judging started while collection stayed open: the call has not moved on yet.
            "collection_pending": rnd.status != Round.Status.DRAFT
            and rnd.call.allows(lifecycle.SCREEN),
            "n_missing": rounds.accepted_not_in_round(rnd).count()
            if rnd.entry == Round.Entry.ACCEPTED
            and rnd.status != Round.Status.CLOSED
            and rnd.entries.exists()
            else 0,
        },
    )


@organizer_required
def round_panel(request, pk):
    rnd = _round(pk)
    form = PanelForm(request.POST or None, initial={"judges": rnd.panel.all()})
    if request.method == "POST" and form.is_valid():
        try:
            added, removed = rounds.round_set_panel(
                round=rnd, judges=form.cleaned_data["judges"], actor=request.user
            )
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(
                request,
                _("Panel saved: %(added)d added, %(removed)d removed.")
                % {"added": added, "removed": removed},
            )
            return redirect(rnd)
    return render(
        request,
        "judging/round_panel.html",
        {"round": rnd, "form": form},
        status=400 if form.errors else 200,
    )


@organizer_required
def round_entries(request, pk):
    rnd = _round(pk)
    picked = rnd.entry == Round.Entry.PICKED
    current = list(rnd.entries.values_list("case_id", flat=True))
    form = EntriesForm(request.POST or None, call=rnd.call)
    if request.method == "POST" and (not picked or form.is_valid()):
        try:
            n = rounds.round_set_entries(
                round=rnd, case_ids=form.case_ids() if picked else None, actor=request.user
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("%(n)d case(s) entered the round.") % {"n": n})
        return redirect(rnd)
    accepted = form.fields["cases"].queryset
    n_accepted = accepted.count()
    selected = set(current)
    if request.method == "POST":
        selected = set(id_list(request.POST.getlist("cases")))
    return render(
        request,
        "judging/round_entries.html",
        {
            "round": rnd,
            "form": form,
            "picked": picked,
            "n_accepted": n_accepted,
            "picker": n_accepted <= PICKER_LIMIT,
            "n_current": len(current),
            "accepted": accepted if n_accepted <= PICKER_LIMIT else [],
            "selected": selected,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@organizer_required
def round_assign(request, pk):
    rnd = _round(pk)
    try:
        report = rounds.round_assign(round=rnd, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(rnd)
    messages.success(
        request,
        _("Assignment done: %(created)d review(s) added, %(removed)d removed.")
        % {"created": report.created, "removed": report.removed},
    )
    if report.loads:
        low, high = min(report.loads.values()), max(report.loads.values())
        if report.balanced:
            messages.info(
                request,
                _("Balanced: every judge has %(low)d to %(high)d case(s).")
                % {"low": low, "high": high},
            )
        else:
            messages.warning(
                request,
                _(
                    "Loads could not be balanced within one case: judges "
                    "have %(low)d to %(high)d case(s), because conflicts "
                    "leave too few judges for some cases."
                )
                % {"low": low, "high": high},
            )
    if report.unassigned:
        messages.warning(
            request,
            _("%(n)d case(s) could not be assigned; see the list of cases short of judges.")
            % {"n": len(report.unassigned)},
        )
    return redirect("judging:assignment_list", pk=rnd.pk)


@require_POST
@organizer_required
def round_status(request, pk):
    rnd = _round(pk)
    try:
        rounds.round_set_status(
            round=rnd,
            status=request.POST.get("status", ""),
            collection=search_param(request.POST.get("collection"), max_length=10),
            actor=request.user,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request, _("The round is now “%(state)s”.") % {"state": rnd.get_status_display()}
        )
    return redirect(rnd)


@require_POST
@organizer_required
def round_add_accepted(request, pk):
    rnd = _round(pk)
    try:
        n = rounds.round_add_accepted(round=rnd, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("%(n)d accepted case(s) added to the round.") % {"n": n})
    return redirect(rnd)


@require_POST
@organizer_required
def call_collection_end(request, pk):
    rnd = _round(pk)
    try:
        rounds.call_collection_end(call=rnd.call, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Collection has ended; units can no longer submit."))
    return redirect(rnd)


# ---- assignments and conflicts --------------------------------------------------------------


@organizer_required
def assignment_list(request, pk):
    rnd = _round(pk)
    judge_id = id_param(request.GET.get("judge"))
    assignments = (
        Assignment.objects.filter(round=rnd)
        .select_related("judge")
        .order_by("judge__name", "judge_id")
    )
    entries = (
        RoundCase.objects.filter(round=rnd).select_related("case__unit").order_by("case__number")
    )
    if judge_id:
        entries = entries.filter(case__assignments__round=rnd, case__assignments__judge_id=judge_id)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    case_ids = [e.case_id for e in page]
    by_case: dict[int, list[Assignment]] = {}
    for a in assignments.filter(case_id__in=case_ids):
        by_case.setdefault(a.case_id, []).append(a)
    rows = [(e.case, by_case.get(e.case_id, [])) for e in page]
    shortfalls = selectors.round_shortfalls(round=rnd)
    return render(
        request,
        "judging/assignment_list.html",
        {
            "round": rnd,
            "page": page,
            "rows": rows,
            "panel": list(rnd.panel.all()),
            "judge_id": judge_id,
            "shortfalls": shortfalls[:SHORTFALLS_SHOWN],
            "n_shortfalls": len(shortfalls),
            "add_form": AssignmentAddForm(round=rnd),
            "conflict_form": ConflictRecordForm(round=rnd),
        },
    )


@require_POST
@organizer_required
def assignment_add(request, pk):
    rnd = _round(pk)
    form = AssignmentAddForm(request.POST, round=rnd)
    if form.is_valid():
        try:
            a = rounds.assignment_add(
                round=rnd,
                judge=form.cleaned_data["judge"],
                case=form.cleaned_data["case"],
                actor=request.user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("%(judge)s now scores case %(n)d.") % {"judge": a.judge.name, "n": a.case.number},
            )
    else:
        flash_form_errors(request, form)
    return redirect("judging:assignment_list", pk=rnd.pk)


@require_POST
@organizer_required
def assignment_remove(request, pk):
    a = get_object_or_404(Assignment.objects.select_related("judge", "case", "round"), pk=pk)
    try:
        rounds.assignment_remove(assignment=a, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("%(judge)s no longer scores case %(n)d.")
            % {"judge": a.judge.name, "n": a.case.number},
        )
    return redirect(
        local_url(
            request,
            request.POST.get("next"),
            reverse("judging:assignment_list", kwargs={"pk": a.round_id}),
        )
    )


@require_POST
@organizer_required
def conflict_record(request, pk):
    """The organizer records a conflict a judge reported another way (phone, e-mail)."""
    rnd = _round(pk)
    form = ConflictRecordForm(request.POST, round=rnd)
    if form.is_valid():
        try:
            outcome = rounds.conflict_declare(
                judge=form.cleaned_data["judge"],
                case=form.cleaned_data["case"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            conflict_messages(request, outcome, organizer=True)
    else:
        flash_form_errors(request, form)
    return redirect("judging:assignment_list", pk=rnd.pk)


# ---- progress, reminders, reopening ---------------------------------------------------------


@organizer_required
def round_progress(request, pk):
    rnd = _round(pk)
    judges = list(selectors.round_judge_progress(round=rnd))
    for j in judges:
        j.percent = int(100 * j.submitted / j.assigned) if j.assigned else 0
    cases = selectors.round_case_progress(round=rnd)
    only_open = bool(request.GET.get("open"))
    if only_open:
        cases = cases.filter(submitted__lt=F("assigned"))
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    for c in page:
        c.percent = int(100 * c.submitted / c.assigned) if c.assigned else 0
    overview = selectors.round_overview(round=rnd)
    return render(
        request,
        "judging/round_progress.html",
        {
            "round": rnd,
            "judges": judges,
            "page": page,
            "overview": overview,
            "only_open": only_open,
        },
    )


@require_POST
@organizer_required
def round_remind(request, pk):
    rnd = _round(pk)
    try:
        n = rounds.reminders_enqueue(round=rnd, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Reminders are on their way to %(n)d judge(s).") % {"n": n})
    return redirect("judging:round_progress", pk=rnd.pk)


@organizer_required
def review_history(request, pk):
    """One review as the organizer sees it: scores, comment, every recorded change."""
    a = get_object_or_404(
        Assignment.objects.select_related("round__call", "judge", "case__unit").prefetch_related(
            "scores__criterion",
            Prefetch("audits", queryset=ScoreAudit.objects.select_related("actor")),
        ),
        pk=pk,
    )
    criteria = {str(c.pk): c.name for c in a.round.criteria.all()}
    audits = [
        (
            audit,
            [
                (criteria.get(cid, cid), pts)
                for cid, pts in (audit.after.get("scores") or {}).items()
            ],
        )
        for audit in a.audits.all()
    ]
    return render(
        request,
        "judging/review_history.html",
        {
            "a": a,
            "round": a.round,
            "scores": sorted(a.scores.all(), key=lambda s: (s.criterion.position, s.pk)),
            "audits": audits,
            "reopen_form": ReasonForm(),
        },
    )


@require_POST
@organizer_required
def review_reopen(request, pk):
    a = get_object_or_404(Assignment.objects.select_related("round", "judge"), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for reopening: it is recorded."))
        return redirect("judging:review_history", pk=a.pk)
    try:
        reviews.review_reopen(assignment=a, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("The review of %(judge)s is open again; the judge can change and resubmit it.")
            % {"judge": a.judge.name},
        )
    return redirect("judging:review_history", pk=a.pk)
