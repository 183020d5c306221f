"""Writes of the call's case form: its own fields (CallField) and its categories (组别).

The organizer shapes the form until judging starts (`lifecycle.EDIT_FORM`). Answers given
before a change stay stored; they are checked against the field as it is now when a case is
(re)submitted (casefields.submission_problems).
"""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import Max
from django.db.models.deletion import Collector
from django.utils.translation import gettext as _

from accounts.models import User
from audit.context import acts

from . import casefields, lifecycle
from .models import Attachment, Call, CallField, Case, Category

Kind = CallField.Kind

#: Kinds whose minimum and maximum mean something, and what (see `limits_meaning`).
LENGTH_KINDS = (Kind.TEXT, Kind.LONG_TEXT)
COUNT_KINDS = (Kind.MULTI_CHOICE, Kind.FILE)
LIMIT_KINDS = (*LENGTH_KINDS, *casefields.NUMBER_KINDS, *COUNT_KINDS)
#: The most files one FILE field may ask for.
MAX_FILES = 20
#: The longest text a field may allow (casefields' own defaults).
MAX_TEXT: dict[str, int] = {Kind.TEXT: 1000, Kind.LONG_TEXT: 20000}
MAX_CHOICES = 50


def _check_form_editable(call: Call) -> None:
    if not call.allows(lifecycle.EDIT_FORM):
        raise ValidationError(
            _("Judging has started: the case form of this call can no longer change."),
            code="locked",
        )


def _clean_choices(raw: Iterable[str] | str) -> list[str]:
    lines = raw.splitlines() if isinstance(raw, str) else list(raw)
    seen: list[str] = []
    for line in lines:
        value = " ".join(str(line).split())
        if value and value not in seen:
            seen.append(value)
    return seen


def has_answers(field: CallField) -> bool:
    """Whether any case answered the field (a file, or a value in `Case.extra`)."""
    if field.pk is None:
        return False
    if field.kind == Kind.FILE:
        return Attachment.objects.filter(field=field).exists()
    return Case.objects.filter(call_id=field.call_id, extra__has_key=field.key).exists()


def _check_limits(field: CallField) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}
    field.min_value, field.max_value = (
        None if v is None else Decimal(str(v)) for v in (field.min_value, field.max_value)
    )
    lo, hi = field.min_value, field.max_value
    if field.kind not in LIMIT_KINDS:
        field.min_value = field.max_value = None
        return errors
    whole = field.kind != Kind.DECIMAL
    for name, value in (("min_value", lo), ("max_value", hi)):
        if value is None:
            continue
        if whole and value != value.to_integral_value():
            errors.setdefault(name, []).append(
                ValidationError(_("Give a whole number."), code="whole")
            )
        elif field.kind not in casefields.NUMBER_KINDS and value < 0:
            errors.setdefault(name, []).append(
                ValidationError(_("Give 0 or more."), code="negative")
            )
    if errors:
        return errors
    if lo is not None and hi is not None and lo > hi:
        errors["max_value"] = [
            ValidationError(_("The maximum cannot be below the minimum."), code="order")
        ]
    ceiling: int | None = None
    if field.kind in LENGTH_KINDS:
        ceiling = MAX_TEXT[field.kind]
    elif field.kind == Kind.FILE:
        ceiling = MAX_FILES
    elif field.kind == Kind.MULTI_CHOICE:
        ceiling = len(field.choices)
    if ceiling is not None:
        for name, value in (("min_value", lo), ("max_value", hi)):
            if value is not None and value > ceiling:
                errors.setdefault(name, []).append(
                    ValidationError(
                        _("At most %(max)d.") % {"max": ceiling},
                        code="ceiling",
                    )
                )
    if field.kind == Kind.LONG_TEXT and hi == 0:
        errors.setdefault("max_value", []).append(
            ValidationError(_("Give a maximum above 0, or leave it empty."), code="zero")
        )
    return errors


@acts
@transaction.atomic
def call_field_save(
    *,
    field: CallField,
    actor: User | None,
    categories: Iterable[Category] | None = None,
) -> CallField:
    """Create or change one field of a call's case form (and the categories it asks; None
    leaves them as they are). Refused once judging has started; a field whose kind would change
    after cases answered it is refused too (add a new field instead)."""
    call = Call.objects.select_for_update().get(pk=field.call_id)
    _check_form_editable(call)
    creating = field.pk is None
    errors: dict[str, list[ValidationError]] = {}
    field.label = " ".join((field.label or "").split())
    field.label_en = " ".join((field.label_en or "").split())
    field.help_text = (field.help_text or "").strip()
    if not creating:
        stored = CallField.objects.get(pk=field.pk)
        if stored.call_id != field.call_id:
            raise ValidationError(_("This field belongs to another call."), code="call")
        if stored.kind != field.kind and has_answers(stored):
            errors["kind"] = [
                ValidationError(
                    _(
                        "Cases have already answered “%(label)s”: its kind can no longer "
                        "change. Add a new field instead."
                    )
                    % {"label": stored.label},
                    code="kind_locked",
                )
            ]
    if field.kind in casefields.CHOICE_KINDS:
        field.choices = _clean_choices(field.choices or [])
        if len(field.choices) < 2:
            errors.setdefault("choices", []).append(
                ValidationError(_("Give at least two choices, one per line."), code="choices")
            )
        elif len(field.choices) > MAX_CHOICES:
            errors.setdefault("choices", []).append(
                ValidationError(
                    _("At most %(max)d choices.") % {"max": MAX_CHOICES}, code="choices"
                )
            )
        elif any(len(c) > 100 for c in field.choices):
            errors.setdefault("choices", []).append(
                ValidationError(_("Each choice has at most 100 characters."), code="choices")
            )
    else:
        field.choices = []
    for name, problems in _check_limits(field).items():
        errors.setdefault(name, []).extend(problems)
    if not field.judges_see:
        field.blind_mask = False  # judges never see it anyway
    picked = None if categories is None else list(categories)
    if picked and any(c.call_id != field.call_id for c in picked):
        errors.setdefault("categories", []).append(
            ValidationError(_("Choose categories of this call."), code="categories")
        )
    if field.label and call.fields.filter(label=field.label).exclude(pk=field.pk).exists():
        errors.setdefault("label", []).append(
            ValidationError(
                _("The form already has a field “%(label)s”.") % {"label": field.label},
                code="unique",
            )
        )
    if creating:
        field.position = (call.fields.aggregate(m=Max("position"))["m"] or 0) + 1
    try:
        field.full_clean(exclude=["position", *errors])
    except ValidationError as exc:
        for name, problems in exc.error_dict.items():
            errors.setdefault(name, []).extend(problems)
    if errors:
        raise ValidationError(errors)
    field.save()
    if picked is not None:
        field.categories.set(picked)
    return field


@acts
@transaction.atomic
def call_field_delete(*, field: CallField, actor: User | None) -> int:
    """Delete a field with its answers (values in `Case.extra` and its files); returns how many
    cases had answered it."""
    call = Call.objects.select_for_update().get(pk=field.call_id)
    _check_form_editable(call)
    from .services import upload_delete

    touched = 0
    if field.kind == Kind.FILE:
        files = list(Attachment.objects.filter(field=field))
        touched = len({f.case_id for f in files})
        for att in files:
            upload_delete(att, actor=actor)
    else:
        for case in Case.objects.filter(call=call, extra__has_key=field.key):
            case.extra.pop(field.key, None)
            case.save(update_fields=["extra", "updated_at"])
            touched += 1
    field.delete()
    return touched


def _move(items: list, item, direction: str) -> list:
    if direction not in ("up", "down"):
        raise ValidationError(_("Unknown direction."), code="direction")
    index = next(i for i, x in enumerate(items) if x.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return items


def _renumber(items: list) -> None:
    for position, obj in enumerate(items, start=1):
        if obj.position != position:
            obj.position = position
            obj.save(update_fields=["position"])


@acts
@transaction.atomic
def call_field_move(*, field: CallField, direction: str, actor: User | None) -> CallField:
    """Move a field one place up or down in its call's form."""
    call = Call.objects.select_for_update().get(pk=field.call_id)
    _check_form_editable(call)
    _renumber(_move(list(call.fields.order_by("position", "id")), field, direction))
    field.refresh_from_db(fields=["position"])
    return field


# ---------------------------------------------------------------- categories


@acts
@transaction.atomic
def category_save(*, category: Category, actor: User | None) -> Category:
    """Create a category (before judging starts), or rename it and change its quotas (until the
    awards are final)."""
    call = Call.objects.select_for_update().get(pk=category.call_id)
    creating = category.pk is None
    if creating:
        _check_form_editable(call)
        category.position = (call.categories.aggregate(m=Max("position"))["m"] or 0) + 1
    elif not call.allows(lifecycle.CHANGE_AWARD_NUMBERS):
        raise ValidationError(
            _("The awards are final: the categories can no longer change."), code="locked"
        )
    category.name = " ".join((category.name or "").split())
    if call.categories.filter(name=category.name).exclude(pk=category.pk).exists():
        raise ValidationError(
            {"name": _("The call already has a category “%(name)s”.") % {"name": category.name}},
            code="unique",
        )
    category.full_clean(exclude=["position"])
    category.save()
    return category


def _dependents(category: Category) -> list[str]:
    """What deleting the category would delete with it, besides its own rows (the fields'
    links to it): the names of those kinds of objects, e.g. a judging round's criteria."""
    collector = Collector(using=router.db_for_write(Category))
    collector.collect([category])
    kinds = []
    for model, objects in collector.data.items():
        if model is Category or model._meta.auto_created or not objects:
            continue
        kinds.append(str(model._meta.verbose_name_plural))
    return kinds


@acts
@transaction.atomic
def category_delete(*, category: Category, actor: User | None) -> None:
    """Delete a category no case and nothing of judging uses (before judging starts)."""
    call = Call.objects.select_for_update().get(pk=category.call_id)
    _check_form_editable(call)
    n = Case.objects.filter(category=category).count()
    if n:
        raise ValidationError(
            _("%(n)d case(s) are in “%(name)s”: move them to another category before deleting it.")
            % {"n": n, "name": category.name},
            code="in_use",
        )
    kinds = _dependents(category)
    if kinds:
        raise ValidationError(
            _("“%(name)s” is used by: %(what)s. Remove those first.")
            % {"name": category.name, "what": "、".join(kinds)},
            code="in_use",
        )
    category.delete()


@acts
@transaction.atomic
def category_move(*, category: Category, direction: str, actor: User | None) -> Category:
    """Move a category one place up or down."""
    call = Call.objects.select_for_update().get(pk=category.call_id)
    if not call.allows(lifecycle.CHANGE_AWARD_NUMBERS):
        raise ValidationError(
            _("The awards are final: the categories can no longer change."), code="locked"
        )
    items = list(call.categories.order_by("position", "id"))
    _renumber(_move(items, category, direction))
    category.refresh_from_db(fields=["position"])
    return category
