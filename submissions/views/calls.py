"""Call pages: organizers manage calls and screen cases; unit users see open calls."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.roles import organizer_required
from core import spreadsheet
from core.flash import flash_errors, flash_form_errors
from core.params import id_param, local_url, search_param

from .. import casefields, exports, lifecycle, outcomes, rules, selectors, services
from ..forms import (
    BulkScreeningForm,
    CallCopyForm,
    CallDocumentForm,
    CallForm,
    CaseCategoryForm,
    ExtensionForm,
    ScreeningForm,
)
from ..models import Call, Case, DeadlineExtension, Unit

PAGE_SIZE = 50


@login_required
def call_list(request):
    if roles.is_organizer(request.user):
        calls = Call.objects.annotate(n_cases=Count("cases"))
    elif roles.is_unit_member(request.user):
        calls = list(selectors.calls_for_units())
        deadlines = selectors.unit_deadlines(calls=calls, unit_ids=roles.unit_ids(request.user))
        for c in calls:
            c.my_deadline = deadlines[c.pk]
    else:
        raise PermissionDenied
    return render(request, "submissions/call_list.html", {"calls": calls, "now": timezone.now()})


@organizer_required
def call_create(request):
    source = search_param(request.GET.get("copy"), max_length=80)
    if source and Call.objects.filter(slug=source).exists():
        return redirect("submissions:call_copy", slug=source)
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        call = services.call_save(call=form.instance, actor=request.user)
        messages.success(request, _("The call was created as a draft. Open it when ready."))
        return redirect(call)
    return render(
        request,
        "submissions/call_form.html",
        {"form": form, "sources": Call.objects.only("slug", "title", "opens_at")},
    )


@organizer_required
def call_copy(request, slug):
    """A new draft call set up like this one (its settings, categories, form fields, rounds)."""
    source = get_object_or_404(Call, slug=slug)
    form = CallCopyForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.call_copy(source=source, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The call was copied from “%(title)s” as a draft. Check it, then open it.")
                % {"title": source.title},
            )
            return redirect(call)
    return render(
        request,
        "submissions/call_copy.html",
        {
            "form": form,
            "source": source,
            "n_categories": source.categories.count(),
            "n_fields": source.fields.count(),
        },
    )


@organizer_required
def call_edit(request, slug):
    call = get_object_or_404(Call, slug=slug)
    form = CallForm(request.POST or None, instance=call)
    if request.method == "POST" and form.is_valid():
        try:
            services.call_save(call=form.instance, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The call was saved."))
            return redirect(call)
    return render(request, "submissions/call_form.html", {"form": form, "call": call})


@require_POST
@organizer_required
def call_status(request, slug):
    call = get_object_or_404(Call, slug=slug)
    try:
        services.call_set_status(
            call=call, status=request.POST.get("status", ""), actor=request.user
        )
    except (ValidationError, ValueError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request, _("The call is now “%(state)s”.") % {"state": call.get_status_display()}
        )
    return redirect(call)


@login_required
def call_detail(request, slug):
    if roles.is_organizer(request.user):
        return _organizer_call(request, slug)
    if not roles.is_unit_member(request.user):
        raise PermissionDenied
    call = get_object_or_404(selectors.calls_seen_by_units(), slug=slug)
    units = Unit.objects.filter(pk__in=roles.unit_ids(request.user))
    return render(
        request,
        "submissions/call_unit.html",
        {
            "call": call,
            "now": timezone.now(),
            "cases": outcomes.with_outcomes(selectors.case_list(user=request.user, call=call)),
            "show_outcomes": True,
            "documents": selectors.call_documents(call=call),
            "windows": [
                (
                    u,
                    selectors.unit_deadline(call=call, unit=u),
                    services.submission_open_for(call=call, unit=u),
                )
                for u in units
            ],
        },
    )


def _listed_cases(request, call: Call):
    """The organizer's case list of `call` as the GET parameters ask (the page and its export):
    (cases, filters, the call's fields, what was asked about them)."""
    # an unknown status lists nothing; NUL and huge values never reach the database
    status = search_param(request.GET.get("status"), max_length=20) or None
    unit_id = id_param(request.GET.get("unit"))
    q = search_param(request.GET.get("q")) or None
    fields = casefields.call_fields(call)
    answers = casefields.list_query(fields, request.GET)
    cases = selectors.case_list(
        user=request.user, call=call, unit_id=unit_id, status=status, q=q, answers=answers
    )
    filters = {"status": status or "", "unit": unit_id or "", "q": q or ""}
    return cases, filters, fields, answers


def _organizer_call(request, slug):
    call = get_object_or_404(Call, slug=slug)
    cases, filters, fields, answers = _listed_cases(request, call)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for case in page.object_list:
        case.answer_cells = [
            casefields.display(f, case.extra.get(f.key))
            if casefields.applies(f, case.category_id)
            else ""
            for f in answers.columns
        ]
    return render(
        request,
        "submissions/call_organizer.html",
        {
            "call": call,
            # The organizer's status buttons: the moves the lifecycle gives them from here.
            "status_moves": lifecycle.moves_from(call.status, via=lifecycle.ORGANIZER),
            "page": page,
            "counts": selectors.status_counts(user=request.user, call=call),
            "statuses": Case.Status.choices,
            "screenable": rules.SCREENABLE,
            "units": Unit.objects.filter(cases__call=call).distinct(),
            "filters": filters,
            "answers": answers,
            "colspan": 7 + len(answers.columns),
            "max_columns": casefields.MAX_LIST_COLUMNS,
            "field_filters": _field_filters(fields, answers),
            "screening_form": ScreeningForm(),
            "extension_form": ExtensionForm(),
            "extensions": DeadlineExtension.objects.filter(call=call).select_related("unit"),
            "documents": selectors.call_documents(call=call),
            "document_form": CallDocumentForm(),
        },
    )


@organizer_required
@require_GET
def call_cases_export(request, slug):
    """The case list as the page shows it (filters and sort included) as .xlsx: every case
    with its core columns and every field of the call."""
    call = get_object_or_404(Call, slug=slug)
    cases, _filters, fields, _answers = _listed_cases(request, call)
    return spreadsheet.response(
        exports.case_list_workbook(call=call, cases=cases, fields=fields),
        exports.case_list_filename(call),
    )


def _field_filters(fields, answers: casefields.ListQuery) -> dict:
    """What the filter form offers about the call's fields, with the values asked."""
    values = answers.values
    return {
        "choice": [
            (f, f"f{f.pk}", casefields.choices(f), values.get(f"f{f.pk}", ""))
            for f in fields
            if f.kind in casefields.CHOICE_KINDS
        ],
        "number": [
            (f, values.get(f"min{f.pk}", ""), values.get(f"max{f.pk}", ""))
            for f in fields
            if f.kind in casefields.NUMBER_KINDS
        ],
        "sortable": [
            f
            for f in fields
            if f.kind in casefields.NUMBER_KINDS or f.kind == casefields.Kind.CHOICE
        ],
        "sort": values.get("sort", ""),
        "all": fields,
        "columns": values.get("col", []),
        "open": bool(values) and values != {"col": []},
    }


@require_POST
@organizer_required
def call_screen(request, slug):
    """Screen the selected cases of a call in one decision."""
    call = get_object_or_404(Call, slug=slug)
    form = BulkScreeningForm(request.POST, queryset=Case.objects.filter(call=call))
    if form.is_valid():
        try:
            done = services.cases_screen_eligible(
                cases=form.cleaned_data["cases"],
                actor=request.user,
                action=form.cleaned_data["action"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            screened = _("%(n)d case(s) screened.") % {"n": len(done.events)}
            if done.skipped:
                skipped = _("Skipped, as their state allows no screening: %(cases)s.") % {
                    "cases": services.skipped_list(done.skipped)
                }
                messages.warning(request, f"{screened} {skipped}")
            else:
                messages.success(request, screened)
    else:
        flash_form_errors(request, form, labels=False)
    # never send anyone off-site
    return redirect(local_url(request, request.POST.get("next"), call.get_absolute_url()))


@require_POST
@organizer_required
def case_screen(request, pk):
    case = get_object_or_404(Case, pk=pk)
    form = ScreeningForm(request.POST)
    if form.is_valid():
        try:
            services.cases_screen(
                cases=[case],
                actor=request.user,
                action=form.cleaned_data["action"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            case.refresh_from_db()
            messages.success(
                request,
                _("“%(title)s” is now “%(status)s”.")
                % {"title": case.title, "status": case.get_status_display()},
            )
    else:
        flash_form_errors(request, form, labels=False)
    return redirect(case)


@require_POST
@organizer_required
def case_category(request, pk):
    case = get_object_or_404(Case.objects.select_related("call"), pk=pk)
    form = CaseCategoryForm(request.POST, call=case.call)
    if form.is_valid():
        category = form.cleaned_data["category"]
        try:
            services.case_set_category(case=case, category=category, actor=request.user)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("“%(title)s” is now in the category “%(category)s”.")
                % {"title": case.title, "category": category.name}
                if category is not None
                else _("“%(title)s” has no category now.") % {"title": case.title},
            )
    else:
        flash_form_errors(request, form, labels=False)
    return redirect(case)


@require_POST
@organizer_required
def extension_grant(request, slug):
    call = get_object_or_404(Call, slug=slug)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            ext = services.extension_grant(call=call, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("%(unit)s may submit until %(until)s.")
                % {"unit": ext.unit, "until": localtime(ext.until).strftime("%Y-%m-%d %H:%M")},
            )
    else:
        for field, errors in form.errors.items():
            for msg in errors:
                messages.error(
                    request, f"{form.fields[field].label}: {msg}" if field in form.fields else msg
                )
    return redirect(call)
