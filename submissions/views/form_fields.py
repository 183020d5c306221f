"""The organizer's editor of a call's case form: its own fields (CallField) and its
categories (组别). Thin: each action calls one service of services_fields."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import organizer_required
from core.flash import flash_errors

from .. import casefields, lifecycle, services_fields
from ..forms import CallFieldForm, CategoryForm
from ..models import Call, CallField, Case, Category


def _editor_url(call: Call) -> str:
    return reverse("submissions:call_fields", args=[call.slug])


#: The form's name of a model field the services name in their refusals.
FORM_NAMES = {"choices": "choices_text"}


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, problems in exc.error_dict.items():
            name = FORM_NAMES.get(name, name)
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, exc)


def _limits_text(field: CallField) -> str:
    lo, hi = field.min_value, field.max_value
    if lo is None and hi is None:
        return ""
    lo_text = "" if lo is None else casefields.display(CallField(kind="decimal"), lo)
    hi_text = "" if hi is None else casefields.display(CallField(kind="decimal"), hi)
    if lo is None:
        return _("at most %(max)s") % {"max": hi_text}
    if hi is None:
        return _("at least %(min)s") % {"min": lo_text}
    return f"{lo_text}–{hi_text}"


def _context(call: Call) -> dict:
    fields = casefields.call_fields(call)
    return {
        "call": call,
        "rows": [
            (f, _limits_text(f), "、".join(c.name for c in f.categories.all())) for f in fields
        ],
        "kinds": dict(CallField.Kind.choices),
        "categories": [
            (c, CategoryForm(instance=c, call=call, prefix=f"cat{c.pk}"))
            for c in call.categories.all()
        ],
        "editable": call.allows(lifecycle.EDIT_FORM),
        "quotas_editable": call.allows(lifecycle.CHANGE_AWARD_NUMBERS),
        "has_cases": Case.objects.filter(call=call).exclude(status=Case.Status.DRAFT).exists(),
    }


@organizer_required
def call_fields(request, slug):
    """The call's case form: the core fields (fixed), its own fields in order, its categories."""
    call = get_object_or_404(Call, slug=slug)
    form = CategoryForm(request.POST or None, call=call, prefix="new")
    if request.method == "POST" and form.is_valid():
        try:
            services_fields.category_save(category=form.instance, actor=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("The category “%(name)s” was added.") % {"name": form.instance.name}
            )
            return redirect(_editor_url(call))
    return render(
        request,
        "submissions/call_fields.html",
        {**_context(call), "category_form": form},
        status=400 if form.errors else 200,
    )


def _field_page(request, call: Call, field: CallField):
    form = CallFieldForm(request.POST or None, instance=field, call=call)
    if request.method == "POST" and form.is_valid():
        try:
            services_fields.call_field_save(
                field=form.instance,
                categories=form.cleaned_data.get("categories")
                if "categories" in form.fields
                else None,
                actor=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("The field “%(label)s” was saved.") % {"label": field.label}
            )
            return redirect(_editor_url(call))
    return render(
        request,
        "submissions/call_field_form.html",
        {
            "call": call,
            "field": field if field.pk else None,
            "form": form,
            "editable": call.allows(lifecycle.EDIT_FORM),
            "answered": services_fields.has_answers(field),
        },
        status=400 if form.errors else 200,
    )


@organizer_required
def call_field_create(request, slug):
    call = get_object_or_404(Call, slug=slug)
    return _field_page(request, call, CallField(call=call))


@organizer_required
def call_field_edit(request, slug, pk):
    call = get_object_or_404(Call, slug=slug)
    return _field_page(request, call, get_object_or_404(CallField, call=call, pk=pk))


@require_POST
@organizer_required
def call_field_delete(request, slug, pk):
    call = get_object_or_404(Call, slug=slug)
    field = get_object_or_404(CallField, call=call, pk=pk)
    try:
        n = services_fields.call_field_delete(field=field, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("The field “%(label)s” was deleted with the answers of %(n)d case(s).")
            % {"label": field.label, "n": n},
        )
    return redirect(_editor_url(call))


@require_POST
@organizer_required
def call_field_move(request, slug, pk):
    call = get_object_or_404(Call, slug=slug)
    field = get_object_or_404(CallField, call=call, pk=pk)
    try:
        services_fields.call_field_move(
            field=field, direction=request.POST.get("direction", ""), actor=request.user
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect(_editor_url(call) + f"#field-{field.pk}")


@require_POST
@organizer_required
def category_edit(request, slug, pk):
    call = get_object_or_404(Call, slug=slug)
    category = get_object_or_404(Category, call=call, pk=pk)
    form = CategoryForm(request.POST, instance=category, call=call, prefix=f"cat{category.pk}")
    if form.is_valid():
        try:
            services_fields.category_save(category=form.instance, actor=request.user)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request, _("The category “%(name)s” was saved.") % {"name": category.name}
            )
    else:
        for problems in form.errors.values():
            for msg in problems:
                messages.error(request, msg)
    return redirect(_editor_url(call) + "#categories")


@require_POST
@organizer_required
def category_delete(request, slug, pk):
    call = get_object_or_404(Call, slug=slug)
    category = get_object_or_404(Category, call=call, pk=pk)
    try:
        services_fields.category_delete(category=category, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request, _("The category “%(name)s” was deleted.") % {"name": category.name}
        )
    return redirect(_editor_url(call) + "#categories")


@require_POST
@organizer_required
def category_move(request, slug, pk):
    call = get_object_or_404(Call, slug=slug)
    category = get_object_or_404(Category, call=call, pk=pk)
    try:
        services_fields.category_move(
            category=category, direction=request.POST.get("direction", ""), actor=request.user
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect(_editor_url(call) + "#categories")
