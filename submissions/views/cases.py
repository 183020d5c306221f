"""Case pages for unit users (create, edit, submit, withdraw) and the shared case detail."""

import time
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.forms.formsets import TOTAL_FORM_COUNT
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.roles import unit_member_required
from core.flash import flash_errors
from core.params import id_list, search_param
from core.uploads import takes_uploads

from .. import casefields, lifecycle, outcomes, rules, selectors, services, snapshots
from ..forms import (
    AttachmentUploadForm,
    CaseCategoryForm,
    CaseForm,
    ScreeningForm,
    field_name,
    photo_formset_class,
)
from ..models import Call, CallField, Case, Unit

BLANK_PHOTO_ROWS = 2


def _visible_case(request, pk) -> Case:
    try:
        return selectors.case_detail(user=request.user, pk=pk)
    except Case.DoesNotExist:
        raise Http404 from None


@login_required
def case_list(request):
    """A unit user's own cases, across calls."""
    if not roles.is_unit_member(request.user):
        return redirect("start")
    # an unknown status lists nothing; NUL and huge values never reach the database
    status = search_param(request.GET.get("status"), max_length=20) or None
    cases = outcomes.with_outcomes(selectors.case_list(user=request.user, status=status))
    calls = list(selectors.calls_for_units())
    deadlines = selectors.unit_deadlines(calls=calls, unit_ids=roles.unit_ids(request.user))
    for c in calls:
        c.my_deadline = deadlines[c.pk]
    return render(
        request,
        "submissions/my_cases.html",
        {
            "cases": cases,
            "now": timezone.now(),
            "calls": calls,
            "statuses": Case.Status.choices,
            "show_outcomes": True,
        },
    )


@login_required
def case_detail(request, pk):
    case = _visible_case(request, pk)
    is_org = roles.is_organizer(request.user)
    files = list(case.attachments.all())
    return render(
        request,
        "submissions/case_detail.html",
        {
            "case": case,
            "photos": case.photos.all(),
            "attachments": [a for a in files if a.field_id is None],
            "answers": casefields.answer_rows(
                casefields.call_fields(case.call_id),
                case.extra or {},
                category_id=case.category_id,
                files=files,
            ),
            "events": case.events.all(),
            "screening_form": ScreeningForm() if is_org else None,
            # What the resubmission changed, for the organizer's screening.
            "changes": selectors.case_changes(user=request.user, case=case) if is_org else None,
            "core_labels": {
                name: Case._meta.get_field(name).verbose_name for name in snapshots.CORE_FIELDS
            },
            "category_form": CaseCategoryForm(
                call=case.call, initial={"category": case.category_id}
            )
            if is_org and case.call.categories.exists()
            else None,
            "can_edit": case.is_editable and case.unit_id in roles.unit_ids(request.user),
            "can_withdraw": case.status in Case.AWAITING_SCREENING
            and case.unit_id in roles.unit_ids(request.user)
            and services.submission_open_for(call=case.call, unit=case.unit),
            "problems": services.case_submission_problems(case) if case.is_editable else [],
            "outcome": outcomes.outcomes_for([case])[case.pk],
            "receipts": list(selectors.receipts_of(user=request.user, case=case)),
        },
    )


def _photo_rows_initial(photos, extra: int):
    rows = [{"photo": p.pk, "caption": p.caption, "position": p.position, "obj": p} for p in photos]
    return rows + [{} for _ in range(extra)]


def _photo_formset(call: Call, initial, objects):
    formset = photo_formset_class(call)(prefix="photos", initial=initial)
    for form, obj in zip(formset.forms, objects, strict=False):
        form.photo_obj = obj
    return formset


def _blank_rows(call: Call, n_photos: int) -> int:
    return max(0, min(BLANK_PHOTO_ROWS, call.max_photos - n_photos))


def _photo_rows_refused(call: Call, formset) -> list[str]:
    """The rows counted before any file in them is read (rules.photo_rows): the number the
    form claims, and the rows that add or keep a photo."""
    claimed = formset.management_form.cleaned_data.get(TOTAL_FORM_COUNT) or 0
    kept = sum(
        1
        for form in formset.forms
        if form.is_valid()
        and not form.cleaned_data.get("remove")
        and (form.cleaned_data.get("image") or form.cleaned_data.get("photo"))
    )
    try:
        rules.photo_rows(call, n_rows=max(claimed, len(formset.forms)), n_kept=kept)
    except ValidationError as exc:
        return exc.messages
    return []


def _collect_photos(request, *, call, case, formset, staged: list[FieldFile]):
    """Stage every decodable new upload, whatever else fails, so nothing uploaded is lost.

    Uploads on rows that remove them are not read. Once the photos of this request have used
    PHOTO_REQUEST_CPU_SECONDS, the remaining files are refused by name (the form keeps those
    already staged, so saving again uploads the rest). Each staged file is added to `staged`.
    Returns (rows, removed, errors): rows to keep, photos to remove, messages naming files.
    """
    rows, removed, errors = [], [], cast(list[str], [])
    allowed = selectors.photos_visible_to(request.user)
    started = time.thread_time()
    for index, form in enumerate(formset.forms):
        if not form.is_valid():
            errors.extend(
                _("Photo %(n)d: %(error)s") % {"n": index + 1, "error": msg}
                for msgs in form.errors.values()
                for msg in msgs
            )
            continue
        data = form.cleaned_data
        photo = None
        if data.get("image"):
            if data.get("remove"):
                continue
            if staged and time.thread_time() - started >= settings.PHOTO_REQUEST_CPU_SECONDS:
                errors.append(
                    _(
                        '"%(name)s" was not checked: the photos of this form took too long. '
                        "Save the form again to upload it."
                    )
                    % {"name": data["image"].name}
                )
                continue
            try:
                photo = services.photo_stage(upload=data["image"], actor=request.user, call=call)
            except ValidationError as exc:
                errors.extend(exc.messages)
                continue
            staged.append(photo.image)
        elif data.get("photo"):
            photo = allowed.filter(pk=data["photo"]).first()
            if photo is None or (photo.case_id and photo.case_id != getattr(case, "pk", None)):
                continue
        if photo is None:
            continue
        if data.get("remove"):
            removed.append(photo)
            continue
        position = data.get("position")
        rows.append(
            services.PhotoRow(
                photo=photo,
                caption=data.get("caption", ""),
                position=index + 1 if position is None else position,
            )
        )
    rows.sort(key=lambda r: (r.position, r.photo.pk))
    return rows, removed, errors


def _collect_attachments(request, *, case, upload_form, staged_files: list[FieldFile]):
    staged_ids = id_list(request.POST.getlist("staged_attachment"))
    allowed = selectors.attachments_visible_to(request.user)
    staged = list(allowed.filter(pk__in=staged_ids, case__isnull=True))
    errors = []
    if upload_form.is_valid():
        for upload in upload_form.cleaned_data["files"]:
            try:
                att = services.attachment_stage(upload=upload, actor=request.user)
                staged.append(att)
                staged_files.append(att.file)
            except ValidationError as exc:
                errors.extend(exc.messages)
    else:
        errors.extend(m for msgs in upload_form.errors.values() for m in msgs)
    removed = []
    if case is not None and case.pk:
        removed_ids = id_list(request.POST.getlist("remove_attachment"))
        removed = list(case.attachments.filter(pk__in=removed_ids))
    return staged, removed, errors


def _case_form(request, *, call: Call, case: Case | None):
    user = request.user
    units = Unit.objects.filter(pk__in=roles.unit_ids(user))
    instance = case or Case(call=call)
    existing = list(case.photos.all()) if case else []
    if request.method != "POST":
        form = CaseForm(instance=instance, call=call, units=units)
        # Files the form's script uploaded for this case that no save took yet (the browser
        # was closed): shown again, as after a form that failed elsewhere.
        staged_photos, staged_atts = selectors.staged_uploads_for_form(
            user=user, call=call, case=case
        )
        room = rules.photo_rows_limit(call) - len(existing) - 1
        staged_photos = staged_photos[: max(0, room)]
        for n, photo in enumerate(staged_photos, start=len(existing) + 1):
            photo.position = n
        shown = existing + staged_photos
        initial = _photo_rows_initial(shown, _blank_rows(call, len(shown)))
        photo_problems: list[str] = []
        if case is not None and request.GET.get("check"):
            # Back from a refused submission: every problem at its field.
            photo_problems = _show_problems(form, services.case_submission_problem_map(case))
        return _render_form(
            request,
            call,
            case,
            form,
            initial,
            shown,
            [],
            staged_atts,
            photo_problems=photo_problems,
        )

    form = CaseForm(request.POST, request.FILES, instance=instance, call=call, units=units)
    form_ok = form.is_valid()
    formset = photo_formset_class(call)(request.POST, request.FILES, prefix="photos")
    rows, removed, staged_atts, removed_atts = [], [], [], []
    # Too many rows: refused before any file is read.
    errors = _photo_rows_refused(call, formset)
    written: list[FieldFile] = []  # files this request stores, removed if it fails
    try:
        if not errors:
            with transaction.atomic():  # one commit for all staged uploads
                rows, removed, photo_errors = _collect_photos(
                    request, call=call, case=case, formset=formset, staged=written
                )
                staged_atts, removed_atts, att_errors = _collect_attachments(
                    request,
                    case=case,
                    upload_form=AttachmentUploadForm(request.POST, request.FILES),
                    staged_files=written,
                )
                staged_atts += _stage_field_files(request, form, staged_files=written)
            errors = photo_errors + att_errors
    except BaseException:  # a crash or the worker's timeout (SystemExit): no orphaned files
        for field in written:
            field.storage.delete(field.name or "")
        raise
    if form_ok and form.is_valid() and not errors:
        if case is None and form.instance.unit_id not in roles.unit_ids(user):
            raise Http404
        try:
            saved = services.case_save(
                case=form.instance,
                actor=user,
                photos=rows,
                removed_photos=removed,
                attachments=staged_atts,
                removed_attachments=removed_atts,
                expected_version=form.cleaned_data.get("version"),
                answers=form.answers,
            )
        except ValidationError as exc:
            errors.extend(_errors_to_form(form, exc))
        else:
            if "submit" in request.POST:
                return _submit(request, saved)
            messages.success(request, _("Draft saved."))
            return redirect("submissions:case_edit", pk=saved.pk)
    kept = [r.photo for r in rows]
    initial = [
        {"photo": r.photo.pk, "caption": r.caption, "position": r.position} for r in rows
    ] + [{} for _ in range(_blank_rows(call, len(rows)) or 1)]
    if errors or form.errors:
        messages.error(request, _("Nothing was saved yet: please correct the problems below."))
    return _render_form(request, call, case, form, initial, kept, errors, staged_atts)


def _stage_field_files(request, form: CaseForm, *, staged_files: list[FieldFile]):
    """Store the new files of the call's FILE fields (checked like every attachment); a
    refused file is named at its field."""
    by_pk = {f.pk: f for f in form.call_fields}
    staged = []
    for field_id, uploads in form.field_uploads.items():
        for upload in uploads:
            try:
                att = services.attachment_stage(
                    upload=upload, actor=request.user, field=by_pk[field_id]
                )
            except ValidationError as exc:
                form.add_error(field_name(by_pk[field_id]), exc.messages)
                continue
            staged.append(att)
            staged_files.append(att.file)
    return staged


def _errors_to_form(form: CaseForm, exc: ValidationError) -> list[str]:
    """A refusal keyed by field shown at the form's fields; the rest returned as messages."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    rest = []
    for name, problems in exc.error_dict.items():
        if name in form.fields:
            form.add_error(name, problems)
        else:
            rest.extend(ValidationError(problems).messages)
    return rest


def _show_problems(form: CaseForm, problems: dict[str, list[str]]) -> list[str]:
    """Put what keeps the case from being submitted at the form's fields (the form is not
    bound: it shows the stored case); returns the photos' problems."""
    form.cleaned_data = {}  # add_error needs it, an unbound form has none
    photo_problems = []
    for name, msgs in problems.items():
        if name in form.fields:
            form.add_error(name, msgs)
        elif name == "photos":
            photo_problems.extend(msgs)
        else:
            form.add_error(None, msgs)
    return photo_problems


def _anchor(bound) -> str:
    """The id of the input a summary link leads to (the first one of a group)."""
    return bound.id_for_label or f"{bound.auto_id}_0"


def _summary(form: CaseForm, photo_problems: list[str], upload_errors: list[str]) -> list:
    """Every problem of the form as (anchor id, label, message), in the form's order."""
    rows: list[tuple[str, Any, Any]] = [("case-form", "", m) for m in form.non_field_errors()]
    for name in form.fields:
        if name in form.errors:
            bound = form[name]
            # the label only where the message does not already name the field
            rows += [
                (
                    _anchor(bound),
                    "" if str(bound.label).lower() in str(msg).lower() else bound.label,
                    msg,
                )
                for msg in form.errors[name]
            ]
    rows += [("id_photos", _("Photos"), msg) for msg in photo_problems]
    rows += [("id_photos", _("Photos and attachments"), msg) for msg in upload_errors]
    return rows


def _render_form(
    request, call, case, form, initial, photos, errors, staged_atts, *, photo_problems=()
):
    saved_atts = list(case.attachments.all()) if case else []
    field_files = {
        f.pk: (
            [a for a in saved_atts if a.field_id == f.pk],
            [a for a in staged_atts if a.field_id == f.pk],
        )
        for f in form.call_fields
        if f.kind == CallField.Kind.FILE
    }
    extra_rows = [
        (bound, field, field_files.get(field.pk, ([], []))) for bound, field in form.extra_rows()
    ]
    return render(
        request,
        "submissions/case_form.html",
        {
            "call": call,
            "case": case,
            "form": form,
            "extra_rows": extra_rows,
            "photo_formset": _photo_formset(call, initial, photos),
            "attachment_form": AttachmentUploadForm(),
            "attachments": [a for a in saved_atts if a.field_id is None],
            "staged_attachments": [a for a in staged_atts if a.field_id is None],
            "upload_errors": errors,
            "photo_problems": list(photo_problems),
            "summary": _summary(form, list(photo_problems), errors),
            "deadline": selectors.unit_deadline(call=call, unit=form.instance.unit)
            if getattr(form.instance, "unit_id", None)
            else call.closes_at,
            "now": timezone.now(),
            "resubmit_open": call.allows(lifecycle.RESUBMIT_RETURNED),
        },
        status=400 if errors or form.errors and request.method == "POST" else 200,
    )


@takes_uploads()
@unit_member_required
def case_create(request, slug):
    call = get_object_or_404(selectors.calls_for_units(), slug=slug)
    return _case_form(request, call=call, case=None)


@takes_uploads()
@unit_member_required
def case_edit(request, pk):
    case = _visible_case(request, pk)
    if case.unit_id not in roles.unit_ids(request.user):
        raise Http404
    if not case.is_editable:
        messages.info(
            request,
            _("This case is “%(status)s” and is read-only.")
            % {"status": case.get_status_display()},
        )
        return redirect(case)
    return _case_form(request, call=case.call, case=case)


def _submit(request, case):
    try:
        services.case_submit(case=case, actor=request.user)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):  # what the case lacks: shown at each field of the form
            messages.error(
                request, _("The case was saved but not submitted: see the problems below.")
            )
            return redirect(reverse("submissions:case_edit", args=[case.pk]) + "?check=1")
        messages.error(request, _("The case was saved but not submitted:"))
        flash_errors(request, exc)
        return redirect("submissions:case_edit", pk=case.pk)
    messages.success(request, _("The case was submitted. You will be told when it is screened."))
    return redirect(case)


@require_POST
@unit_member_required
def case_submit(request, pk):
    case = _visible_case(request, pk)
    if case.unit_id not in roles.unit_ids(request.user):
        raise Http404
    return _submit(request, case)


@require_POST
@unit_member_required
def case_withdraw(request, pk):
    case = _visible_case(request, pk)
    if case.unit_id not in roles.unit_ids(request.user):
        raise Http404
    try:
        services.case_withdraw(case=case, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("The case was withdrawn. You can edit it and submit it again before the deadline."),
        )
    return redirect(case)
