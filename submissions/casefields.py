"""The call's own form fields (CallField): one place for what each kind of field is.

A case's answers live in `Case.extra` as JSON, keyed by `CallField.key` (the field's id):

    text, long_text, url, choice   "a string"
    integer                        12           (a JSON number)
    decimal                        12.5         (a JSON number, at most 4 decimal places)
    date                           "2026-03-01"
    date_range                     ["2026-03-01", "2026-06-30"]
    multi_choice                   ["a", "b"]   (in the order of the field's choices)
    file                           not in `extra`: the case's attachments with `field` set

Everything else reads and writes answers through this module: the case form (`form_field`,
`clean`), the submission check (`submission_problems`), every display (`display`), the
spreadsheet exports (`cell`), the import template and the import (`parse_cell`), and the judges'
pages (`for_judges`). Answers are checked against the field as it is now; a draft may be
incomplete, a submission may not.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import formats
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .models import CallField

Kind = CallField.Kind

#: Kinds whose answers can sort and filter the organizer's case list.
NUMBER_KINDS = (Kind.INTEGER, Kind.DECIMAL)
CHOICE_KINDS = (Kind.CHOICE, Kind.MULTI_CHOICE)
#: What a cell of the import template holds for each kind (shown in its 说明 sheet).
CELL_HINTS = {
    Kind.TEXT: gettext_lazy("Text"),
    Kind.LONG_TEXT: gettext_lazy("Text; line breaks allowed (Alt+Enter in Excel)"),
    Kind.INTEGER: gettext_lazy("A whole number"),
    Kind.DECIMAL: gettext_lazy("A number"),
    Kind.DATE: gettext_lazy("A date, e.g. 2026-03-01"),
    Kind.DATE_RANGE: gettext_lazy("Two dates joined by “~”, e.g. 2026-03-01~2026-06-30"),
    Kind.CHOICE: gettext_lazy("One of the choices"),
    Kind.MULTI_CHOICE: gettext_lazy("Choices, one per line (Alt+Enter) or separated by “；”"),
    Kind.URL: gettext_lazy("A web address beginning with http:// or https://"),
    Kind.FILE: gettext_lazy("File names inside the ZIP, one per line"),
}
RANGE_SEPARATORS = ("~", "～", "至", "—", "–")
LIST_SEPARATORS = ("\n", "；", ";")


# ---------------------------------------------------------------- which fields


def label(field: CallField) -> str:
    """The field's label in the current language (English when it has one and is asked for)."""
    if field.label_en and (get_language() or "").startswith("en"):
        return field.label_en
    return field.label


def applies(field: CallField, category_id: int | None) -> bool:
    """Whether the field asks a case of `category_id` (fields without categories ask all).
    Reads `field.categories` through its prefetch cache when there is one."""
    wanted = [c.pk for c in field.categories.all()]
    return not wanted or category_id in wanted


def fields_for(fields: Iterable[CallField], category_id: int | None) -> list[CallField]:
    return [f for f in fields if applies(f, category_id)]


def for_judges(fields: Iterable[CallField], *, blind: bool) -> list[CallField]:
    """The fields a judge sees: those the organizer shows to judges, without the masked ones
    in a blind round."""
    return [f for f in fields if f.judges_see and not (blind and f.blind_mask)]


def call_fields(call) -> list[CallField]:
    """The call's fields in order, with their categories (one query for the fields, one for
    the categories, however many there are)."""
    return list(call.fields.prefetch_related("categories").order_by("position", "id"))


# ---------------------------------------------------------------- limits


def _limits(field: CallField) -> tuple[Decimal | None, Decimal | None]:
    return field.min_value, field.max_value


def _int_limit(value: Decimal | None) -> int | None:
    return None if value is None else int(value)


def choices(field: CallField) -> list[str]:
    return [str(c) for c in (field.choices or []) if str(c).strip()]


# ---------------------------------------------------------------- cleaning


def clean(field: CallField, raw: Any) -> Any:
    """The stored form of an answer (see the module's docstring) from what a form or an import
    produced: str, int, Decimal, date, a (start, end) pair or a list. Empty answers return None.
    Raises ValidationError (not keyed) with the problem."""
    if raw is None or raw == "" or raw == [] or raw == ():
        return None
    kind = field.kind
    lo, hi = _limits(field)
    if kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.URL):
        value = str(raw).replace("\r\n", "\n")
        if kind != Kind.LONG_TEXT:
            value = " ".join(value.split())
        if not value.strip():
            return None
        if kind == Kind.URL:
            try:
                URLValidator(schemes=["http", "https"])(value)
            except ValidationError:
                raise ValidationError(
                    _("“%(value)s” is not a web address; it must begin with http:// or https://."),
                    code="url",
                    params={"value": value[:100]},
                ) from None
        limit = _int_limit(hi) or (1000 if kind != Kind.LONG_TEXT else 20000)
        if len(value) > limit:
            raise ValidationError(
                _("The text has %(n)d characters; at most %(max)d are allowed."),
                code="too_long",
                params={"n": len(value), "max": limit},
            )
        if lo is not None and len(value) < int(lo):
            raise ValidationError(
                _("The text has %(n)d characters; at least %(min)d are needed."),
                code="too_short",
                params={"n": len(value), "min": int(lo)},
            )
        return value
    if kind in NUMBER_KINDS:
        number = _number(raw, whole=kind == Kind.INTEGER)
        if lo is not None and number < lo:
            raise ValidationError(
                _("%(value)s is below the minimum of %(min)s."),
                code="min_value",
                params={"value": number, "min": _plain(lo)},
            )
        if hi is not None and number > hi:
            raise ValidationError(
                _("%(value)s is above the maximum of %(max)s."),
                code="max_value",
                params={"value": number, "max": _plain(hi)},
            )
        return int(number) if kind == Kind.INTEGER else float(number)
    if kind == Kind.DATE:
        return _date(raw).isoformat()
    if kind == Kind.DATE_RANGE:
        if isinstance(raw, str):
            raw = _split_range(raw)
        start, end = (_date(d) if d not in (None, "") else None for d in raw)
        if start is None and end is None:
            return None
        if start is None or end is None:
            raise ValidationError(_("Give both the first and the last date."), code="range")
        if end < start:
            raise ValidationError(_("The last date is before the first date."), code="range_order")
        return [start.isoformat(), end.isoformat()]
    if kind == Kind.CHOICE:
        value = str(raw).strip()
        if value not in choices(field):
            raise ValidationError(
                _("“%(value)s” is not one of the choices: %(choices)s."),
                code="choice",
                params={"value": value[:100], "choices": "、".join(choices(field))},
            )
        return value
    if kind == Kind.MULTI_CHOICE:
        picked = _split_list(raw) if isinstance(raw, str) else [str(v).strip() for v in raw]
        picked = [v for v in picked if v]
        unknown = [v for v in picked if v not in choices(field)]
        if unknown:
            raise ValidationError(
                _("“%(value)s” is not one of the choices: %(choices)s."),
                code="choice",
                params={"value": unknown[0][:100], "choices": "、".join(choices(field))},
            )
        ordered = [c for c in choices(field) if c in picked]
        _count_check(len(ordered), lo, hi)
        return ordered or None
    if kind == Kind.FILE:
        return None  # files are attachments; see `file_count_problems`
    raise ValueError(f"unknown field kind {kind!r}")


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _number(raw: Any, *, whole: bool) -> Decimal:
    text = str(raw).strip().replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValidationError(
            _("“%(value)s” is not a number."), code="number", params={"value": str(raw)[:50]}
        )
    if whole and number != number.to_integral_value():
        raise ValidationError(
            _("“%(value)s” is not a whole number."), code="whole", params={"value": str(raw)[:50]}
        )
    if abs(number) >= Decimal("1e10") or (not whole and -number.as_tuple().exponent > 4):  # type: ignore[operator]
        raise ValidationError(
            _("“%(value)s” has too many digits (at most 10 before and 4 after the point)."),
            code="digits",
            params={"value": str(raw)[:50]},
        )
    return number


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text.split(" ")[0], fmt).date()
        except ValueError:
            continue
    raise ValidationError(
        _("“%(value)s” is not a date; write it as 2026-03-01."),
        code="date",
        params={"value": str(raw)[:50]},
    )


def _split_range(text: str) -> list[str]:
    for sep in RANGE_SEPARATORS:
        if sep in text:
            parts = [p.strip() for p in text.split(sep)]
            if len(parts) == 2:
                return parts
    raise ValidationError(
        _("“%(value)s” is not a date range; write it as 2026-03-01~2026-06-30."),
        code="range",
        params={"value": text[:50]},
    )


def _split_list(text: str) -> list[str]:
    parts = [text]
    for sep in LIST_SEPARATORS:
        parts = [piece for part in parts for piece in part.split(sep)]
    return [p.strip() for p in parts if p.strip()]


def _count_check(n: int, lo: Decimal | None, hi: Decimal | None) -> None:
    if n and lo is not None and n < lo:
        raise ValidationError(
            _("Choose at least %(min)d."), code="too_few", params={"min": int(lo)}
        )
    if hi is not None and n > hi:
        raise ValidationError(
            _("Choose at most %(max)d."), code="too_many", params={"max": int(hi)}
        )


def clean_all(
    fields: Iterable[CallField], values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[ValidationError]]]:
    """Clean the answers in `values` (keyed by field key) for `fields`: the stored answers
    (empty ones left out) and the problems keyed by field key."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}
    for field in fields:
        if field.kind == Kind.FILE or field.key not in values:
            continue
        try:
            value = clean(field, values[field.key])
        except ValidationError as exc:
            errors[field.key] = [exc]
            continue
        if value is not None:
            cleaned[field.key] = value
    return cleaned, errors


def is_missing(field: CallField, extra: Mapping[str, Any], n_files: int = 0) -> bool:
    if field.kind == Kind.FILE:
        return n_files == 0
    return extra.get(field.key) in (None, "", [])


def submission_problems(
    fields: Iterable[CallField],
    extra: Mapping[str, Any],
    *,
    category_id: int | None,
    files: Mapping[int, int] | None = None,
) -> dict[str, list[ValidationError]]:
    """Every problem of the answers before a case is submitted, keyed by field key: a required
    answer missing, an answer no longer valid for the field (the organizer changed it since),
    a file count outside the field's limits. `files` counts the case's files per field id."""
    files = files or {}
    errors: dict[str, list[ValidationError]] = {}
    for field in fields_for(fields, category_id):
        n_files = files.get(field.pk, 0)
        if field.required and is_missing(field, extra, n_files):
            errors[field.key] = [
                ValidationError(
                    _("“%(field)s” is required.") % {"field": label(field)}, code="required"
                )
            ]
            continue
        try:
            if field.kind == Kind.FILE:
                _count_check(n_files, field.min_value, field.max_value)
            elif field.key in extra:
                clean(field, extra[field.key])
        except ValidationError as exc:
            errors[field.key] = [exc]
    return errors


# ---------------------------------------------------------------- showing


def display(field: CallField, value: Any) -> str:
    """An answer as a person reads it ("" when there is none)."""
    if value in (None, "", []):
        return ""
    kind = field.kind
    if kind == Kind.DATE:
        return formats.date_format(date.fromisoformat(value), "Y-m-d")
    if kind == Kind.DATE_RANGE:
        start, end = value
        return f"{start} ~ {end}"
    if kind == Kind.MULTI_CHOICE:
        return "、".join(value)
    if kind == Kind.DECIMAL:
        return _plain(Decimal(str(value)))
    return str(value)


def cell(field: CallField, value: Any) -> Any:
    """An answer as a spreadsheet cell: numbers stay numbers, lists are one item per line
    (so the import reads back what the export wrote)."""
    if value in (None, "", []):
        return ""
    if field.kind in NUMBER_KINDS:
        return value
    if field.kind == Kind.MULTI_CHOICE:
        return "\n".join(value)
    if field.kind == Kind.DATE_RANGE:
        return "~".join(value)
    return str(value)


def parse_cell(field: CallField, value: Any) -> Any:
    """The stored answer from an import cell (the inverse of `cell`); raises ValidationError."""
    if isinstance(value, str):
        value = value.strip()
    if isinstance(value, float) and field.kind in NUMBER_KINDS:
        value = Decimal(str(value))
    return clean(field, value)


def answers(
    fields: Iterable[CallField], extra: Mapping[str, Any], *, category_id: int | None
) -> list[tuple[CallField, str]]:
    """(field, displayed answer) for each field that asks the case, in order (empty answers
    included, so a page can say "not given")."""
    return [(f, display(f, extra.get(f.key))) for f in fields_for(fields, category_id)]


# ---------------------------------------------------------------- form fields


class DateRangeWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        super().__init__([date_input, date_input], attrs)

    def decompress(self, value):
        if isinstance(value, (list, tuple)) and len(value) == 2:
            return list(value)
        return [None, None]


class DateRangeField(forms.MultiValueField):
    widget = DateRangeWidget

    def __init__(self, **kwargs):
        super().__init__(
            fields=[forms.DateField(required=False), forms.DateField(required=False)],
            require_all_fields=False,
            **kwargs,
        )

    def compress(self, data_list):
        return list(data_list) if data_list else None


def max_attrs(limit: int) -> dict[str, Any]:
    """A text widget's live character limit: the counter and the message of portal.js."""
    return {
        "data-max": limit,
        "data-max-message": _(
            "At most %(max)d characters: shorten the text before saving or submitting."
        )
        % {"max": limit},
    }


def form_field(field: CallField) -> forms.Field:
    """The Django form field for `field`. Never required: a draft may be incomplete
    (`submission_problems` checks at submission); `clean` runs in the form's own clean."""
    common: dict[str, Any] = {
        "label": label(field),
        "help_text": field.help_text,
        "required": False,
    }
    kind = field.kind
    lo, hi = _limits(field)
    attrs: dict[str, Any]
    if kind == Kind.TEXT:
        attrs = {"maxlength": _int_limit(hi) or 1000}
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    if kind == Kind.LONG_TEXT:
        limit = _int_limit(hi) or 20000
        attrs = {"rows": 4, **max_attrs(limit)}
        return forms.CharField(widget=forms.Textarea(attrs=attrs), strip=False, **common)
    if kind == Kind.URL:
        return forms.CharField(widget=forms.URLInput(attrs={"inputmode": "url"}), **common)
    if kind in NUMBER_KINDS:
        attrs = {"inputmode": "numeric" if kind == Kind.INTEGER else "decimal"}
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    if kind == Kind.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    if kind == Kind.DATE_RANGE:
        return DateRangeField(**common)
    if kind == Kind.CHOICE:
        options = [("", "—")] + [(c, c) for c in choices(field)]
        return forms.ChoiceField(choices=options, **common)
    if kind == Kind.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in choices(field)],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if kind == Kind.FILE:
        from core.fields import UploadField

        return UploadField(**common)
    raise ValueError(f"unknown field kind {kind!r}")


def form_initial(field: CallField, value: Any) -> Any:
    """A stored answer as the form field's initial value."""
    if value in (None, "", []):
        return None
    if field.kind == Kind.DATE:
        return date.fromisoformat(value)
    if field.kind == Kind.DATE_RANGE:
        return [date.fromisoformat(v) for v in value]
    if field.kind in NUMBER_KINDS:
        return display(field, value)
    return value
