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

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import NotSupportedError
from django.db.models import (
    BooleanField,
    F,
    FloatField,
    Func,
    IntegerField,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models import Case as DjCase
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
    Kind.TEXT: gettext_lazy("Text on one line"),
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
    """The call's (or the call id's) fields in order, with their categories (one query for the
    fields, one for the categories, however many there are)."""
    call_id = getattr(call, "pk", call)
    return list(
        CallField.objects.filter(call_id=call_id)
        .prefetch_related("categories")
        .order_by("position", "id")
    )


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


def answer_rows(
    fields: Iterable[CallField],
    extra: Mapping[str, Any],
    *,
    category_id: int | None,
    files: Iterable[Any] = (),
) -> list[tuple[CallField, str, str, list[Any]]]:
    """(field, its label, displayed answer, its files) for each field that asks the case, in
    order: what a case page shows. `files` are the case's attachments; those answering a FILE
    field go to it."""
    by_field: dict[int, list[Any]] = {}
    for att in files:
        if att.field_id is not None:
            by_field.setdefault(att.field_id, []).append(att)
    return [
        (f, label(f), text, by_field.get(f.pk, []))
        for f, text in answers(fields, extra, category_id=category_id)
    ]


# ---------------------------------------------------------------- form fields


class DateRangeWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        first, last = (
            forms.DateInput(attrs={"type": "date", "aria-label": name}, format="%Y-%m-%d")
            for name in (gettext_lazy("First date"), gettext_lazy("Last date"))
        )
        super().__init__([first, last], attrs)

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


# ---------------------------------------------------------------- spreadsheets


def sheet_columns(fields: Iterable[CallField], *, reserved: Iterable[str] = ()) -> dict[int, str]:
    """The column header of each field in the spreadsheets (exports, the import template),
    keyed by field id: its Chinese label, like the core columns; a label that is already a
    core column's name (`reserved`) gets “（表单）” appended so that no header appears twice."""
    taken = {"".join(r.split()) for r in reserved}
    headers: dict[int, str] = {}
    for field in fields:
        header = field.label
        if "".join(header.split()) in taken:
            header = f"{header}（表单）"
        taken.add("".join(header.split()))
        headers[field.pk] = header
    return headers


def column_aliases(field: CallField, header: str) -> list[str]:
    """The headers an import reads the field from: its spreadsheet header, and its English
    label when it has one (a sheet made with the English interface)."""
    names = [header]
    if field.label_en and field.label_en.strip() and field.label_en != header:
        names.append(field.label_en)
    return names


def _range_text(lo: Any, hi: Any, both: str, lo_only: str, hi_only: str) -> str:
    if lo is not None and hi is not None:
        return both % {"min": lo, "max": hi}
    if lo is not None:
        return lo_only % {"min": lo}
    if hi is not None:
        return hi_only % {"max": hi}
    return ""


def limits_text(field: CallField) -> str:
    """The field's limits in words ("" when it has none), for the import template."""
    lo, hi = _limits(field)
    kind = field.kind
    if kind in NUMBER_KINDS:
        return _range_text(
            None if lo is None else _plain(lo),
            None if hi is None else _plain(hi),
            _("From %(min)s to %(max)s."),
            _("At least %(min)s."),
            _("At most %(max)s."),
        )
    whole = (_int_limit(lo), _int_limit(hi))
    if kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.URL):
        return _range_text(
            *whole,
            _("From %(min)s to %(max)s characters."),
            _("At least %(min)s characters."),
            _("At most %(max)s characters."),
        )
    if kind == Kind.MULTI_CHOICE:
        return _range_text(
            *whole,
            _("Choose from %(min)s to %(max)s."),
            _("Choose at least %(min)s."),
            _("Choose at most %(max)s."),
        )
    if kind == Kind.FILE:
        return _range_text(
            *whole,
            _("From %(min)s to %(max)s files."),
            _("At least %(min)s files."),
            _("At most %(max)s files."),
        )
    return ""


def template_note(field: CallField, *, category_names: Iterable[str] = ()) -> str:
    """What the field's column holds, in the 说明 sheet of the import template: the hint for
    its kind, the limits, the choices, the help text, and the categories it asks."""
    parts = [_("%(hint)s.") % {"hint": CELL_HINTS[Kind(field.kind)]}]
    if limits := limits_text(field):
        parts.append(limits)
    if field.kind in CHOICE_KINDS and choices(field):
        parts.append(_("Choices: %(choices)s.") % {"choices": "、".join(choices(field))})
    names = list(category_names)
    if names:
        parts.append(_("Only for the categories: %(names)s.") % {"names": "、".join(names)})
    if field.help_text:
        parts.append(field.help_text)
    return " ".join(parts)


class SheetAnswers:
    """The answers of many cases as spreadsheet cells, one per field, for the exports: the
    fields' headers, then `row(case)` for each case. The file names of FILE fields are read
    in one query for all the cases (`case_ids`), so an export's query count does not grow
    with its rows or fields."""

    def __init__(
        self,
        fields: Iterable[CallField],
        case_ids: Iterable[int],
        *,
        reserved: Iterable[str] = (),
    ) -> None:
        from .models import Attachment

        self.fields = list(fields)
        self.headers = list(sheet_columns(self.fields, reserved=reserved).values())
        self._files: dict[tuple[int, int], list[str]] = {}
        file_fields = [f.pk for f in self.fields if f.kind == Kind.FILE]
        ids = list(case_ids)
        if file_fields and ids:
            rows = (
                Attachment.objects.filter(field_id__in=file_fields, case_id__in=ids)
                .order_by("id")
                .values_list("case_id", "field_id", "original_name")
            )
            for case_id, field_id, name in rows:
                self._files.setdefault((case_id, field_id), []).append(name)

    def row(self, case: Any) -> list[Any]:
        """The cells of `case` (a Case), in the order of `headers`; "" for a field that does
        not ask the case's category."""
        cells: list[Any] = []
        for field in self.fields:
            if not applies(field, case.category_id):
                cells.append("")
            elif field.kind == Kind.FILE:
                cells.append("\n".join(self._files.get((case.pk, field.pk), [])))
            else:
                cells.append(cell(field, (case.extra or {}).get(field.key)))
        return cells


# ---------------------------------------------------------------- the organizer's case list
#
# Answers are keyed by the field's id, a string of digits. Django's JSON key transforms
# (extra__12) take such a key for an array index on every database, so the expressions below
# name the key themselves: SQLite's JSON path $."12" and PostgreSQL's ->> '12'.


def _json_path(key: str) -> str:
    """SQLite's JSON path of an object key (quoted: never read as an array index)."""
    return '$."' + key.replace('"', "") + '"'


class _Answer(Func):
    """The answer of `key` in `Case.extra` (NULL when absent): as text (`number=False`) or as
    a number (NULL unless it is a JSON number)."""

    def __init__(self, key: str, *, number: bool = False) -> None:
        output = FloatField() if number else TextField()
        super().__init__(F("extra"), output_field=output)
        self.key, self.number = key, number

    def as_sqlite(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.get_source_expressions()[0])
        path = _json_path(self.key)
        if self.number:
            sql = (
                f"(CASE WHEN JSON_TYPE({column}, %s) IN ('integer', 'real') "
                f"THEN CAST(JSON_EXTRACT({column}, %s) AS REAL) END)"
            )
            return sql, (*params, path, *params, path)
        return f"JSON_EXTRACT({column}, %s)", (*params, path)

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.get_source_expressions()[0])
        if self.number:
            sql = (
                f"(CASE WHEN jsonb_typeof({column} -> %s) = 'number' "
                f"THEN ({column} ->> %s)::double precision END)"
            )
            return sql, (*params, self.key, *params, self.key)
        return f"({column} ->> %s)", (*params, self.key)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("answers are queried on SQLite and PostgreSQL only")


class _AnswerHas(Func):
    """Whether the multiple-choice answer of `key` holds `value`."""

    output_field = BooleanField()

    def __init__(self, key: str, value: str) -> None:
        super().__init__(F("extra"))
        self.key, self.value = key, value

    def as_sqlite(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.get_source_expressions()[0])
        # `column` is the compiled column reference; the key and the value are parameters.
        sql = f"EXISTS (SELECT 1 FROM json_each({column}, %s) WHERE json_each.value = %s)"  # noqa: S608
        return sql, (*params, _json_path(self.key), self.value)

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.get_source_expressions()[0])
        sql = f"COALESCE(({column} -> %s) @> %s::jsonb, false)"
        return sql, (*params, self.key, json.dumps([self.value]))

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("answers are queried on SQLite and PostgreSQL only")


@dataclass
class ListQuery:
    """What the organizer asked of the case list through the call's fields (GET parameters,
    see `list_query`): filters, a sort, and extra columns."""

    choice: list[tuple[CallField, str]] = dc_field(default_factory=list)
    ranges: list[tuple[CallField, Decimal | None, Decimal | None]] = dc_field(default_factory=list)
    sort: tuple[CallField, bool] | None = None  # (field, descending)
    columns: list[CallField] = dc_field(default_factory=list)
    problems: list[str] = dc_field(default_factory=list)
    #: The parameters as understood, to refill the filter form.
    values: dict[str, Any] = dc_field(default_factory=dict)

    def apply(self, qs: QuerySet) -> QuerySet:
        """`qs` (cases) filtered and sorted as asked; the sort comes first, then the list's
        own order."""
        for f, value in self.choice:
            if f.kind == Kind.MULTI_CHOICE:
                qs = qs.filter(_AnswerHas(f.key, value))
            else:
                qs = qs.annotate(**{f"answer_{f.pk}": _Answer(f.key)}).filter(
                    **{f"answer_{f.pk}": value}
                )
        for f, lo, hi in self.ranges:
            name = f"answer_num_{f.pk}"
            qs = qs.annotate(**{name: _Answer(f.key, number=True)})
            if lo is not None:
                qs = qs.filter(**{f"{name}__gte": float(lo)})
            if hi is not None:
                qs = qs.filter(**{f"{name}__lte": float(hi)})
        return qs

    def order(self, qs: QuerySet, *default: str) -> QuerySet:
        if self.sort is None:
            return qs.order_by(*default)
        f, descending = self.sort
        if f.kind in NUMBER_KINDS:
            key: Any = _Answer(f.key, number=True)
        else:  # a single choice: in the order of the field's choices
            key = DjCase(
                *[When(answer_sort_text=c, then=Value(i)) for i, c in enumerate(choices(f))],
                default=None,
                output_field=IntegerField(),
            )
            qs = qs.annotate(answer_sort_text=_Answer(f.key))
        qs = qs.annotate(answer_sort=key)
        ordered = (
            F("answer_sort").desc(nulls_last=True)
            if descending
            else F("answer_sort").asc(nulls_last=True)
        )
        return qs.order_by(ordered, *default)


#: The most extra columns the case list shows.
MAX_LIST_COLUMNS = 5


def list_query(fields: Iterable[CallField], params: Mapping[str, Any]) -> ListQuery:
    """The organizer's case list parameters about fields, checked: ``f<id>=<choice>`` (a
    single or multiple choice field holds that choice), ``min<id>=`` and ``max<id>=`` (a
    number field's range), ``sort=<id>`` or ``sort=-<id>`` (a number or single-choice field,
    descending with "-"), ``col=<id>`` (up to MAX_LIST_COLUMNS fields shown as columns).
    A parameter that does not fit becomes a message in `problems` and is left out."""
    from core.params import clean_text, id_param

    by_id = {f.pk: f for f in fields}
    query = ListQuery()

    def get(name: str) -> str:
        value = params.get(name)
        return clean_text(value, max_length=100) if value is not None else ""

    for f in by_id.values():
        if f.kind in CHOICE_KINDS and (value := get(f"f{f.pk}")):
            if value in choices(f):
                query.choice.append((f, value))
                query.values[f"f{f.pk}"] = value
            else:
                query.problems.append(
                    _("“%(value)s” is not one of the choices of “%(field)s”.")
                    % {"value": value, "field": label(f)}
                )
        if f.kind in NUMBER_KINDS:
            bounds: list[Decimal | None] = []
            for name in (f"min{f.pk}", f"max{f.pk}"):
                text = get(name)
                number = None
                if text:
                    try:
                        number = _number(text, whole=False)
                    except ValidationError:
                        query.problems.append(
                            _("“%(value)s” is not a number (“%(field)s”).")
                            % {"value": text, "field": label(f)}
                        )
                    else:
                        query.values[name] = _plain(number)
                bounds.append(number)
            lo, hi = bounds
            if lo is not None and hi is not None and lo > hi:
                query.problems.append(
                    _("The lowest value of “%(field)s” is above its highest value.")
                    % {"field": label(f)}
                )
            elif lo is not None or hi is not None:
                query.ranges.append((f, lo, hi))
    if sort := get("sort"):
        descending = sort.startswith("-")
        f_sort = by_id.get(id_param(sort.lstrip("-")) or 0)
        if f_sort is not None and (f_sort.kind in NUMBER_KINDS or f_sort.kind == Kind.CHOICE):
            query.sort = (f_sort, descending)
            query.values["sort"] = sort
        else:
            query.problems.append(_("The list cannot be sorted by “%(value)s”.") % {"value": sort})
    getlist = getattr(params, "getlist", None)
    wanted = getlist("col") if getlist else ([params["col"]] if "col" in params else [])
    for raw in wanted[: MAX_LIST_COLUMNS * 2]:
        f_col = by_id.get(id_param(raw) or 0)
        if f_col is None:
            query.problems.append(
                _("There is no form field “%(value)s”.") % {"value": clean_text(raw, max_length=20)}
            )
        elif f_col not in query.columns and len(query.columns) < MAX_LIST_COLUMNS:
            query.columns.append(f_col)
    query.values["col"] = [str(f.pk) for f in query.columns]
    return query


# ---------------------------------------------------------------- the audit trail


def _decoded(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def audit_lines(pairs: Sequence[tuple[Any, Any]]) -> list[list[tuple[str, str, str]]]:
    """The changes of `Case.extra` in audit entries as people read them: one line per answer
    that changed, named by its field's label (one query for the fields of a whole page)."""
    decoded = [(_decoded(before), _decoded(after)) for before, after in pairs]
    keys = {k for before, after in decoded for k in (*before, *after) if str(k).isdigit()}
    by_key = {f.key: f for f in CallField.objects.filter(pk__in=keys)}
    out = []
    for before, after in decoded:
        changed = [k for k in {*before, *after} if before.get(k) != after.get(k)]
        changed.sort(key=lambda k: (by_key[k].position, by_key[k].pk) if k in by_key else (0, k))
        lines = []
        for k in changed:
            field = by_key.get(k)
            if field is None:
                name = _("Deleted field #%(id)s") % {"id": k}
                lines.append((name, _raw(before.get(k)), _raw(after.get(k))))
                continue
            lines.append((label(field), _shown(field, before.get(k)), _shown(field, after.get(k))))
        out.append(lines)
    return out


def _raw(value: Any) -> str:
    return "" if value in (None, "", []) else str(value)


def _shown(field: CallField, value: Any) -> str:
    try:
        return display(field, value)
    except (TypeError, ValueError, InvalidOperation):  # stored before the field changed kind
        return _raw(value)
