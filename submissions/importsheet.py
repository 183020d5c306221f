"""The import template of a call (.xlsx): the columns `importing` reads, ready for Excel.

One module for the web download (`views.imports.import_template`) and the command
`import_template`, so both hand out the same file. The first sheet has the header row (frozen)
and 500 empty rows with each column's data validation — a dropdown for a single-choice field
and for 组别, dates for a date field, whole or decimal numbers within the field's limits — and
the phone column formatted as text (a landline keeps its leading 0). The 说明 sheet says what
each column holds: required or not, limits, choices, and the hint for its kind
(`casefields.CELL_HINTS`). Columns and rules come from `importing.ImportColumns` and
`casefields`, so a template filled in Excel imports cleanly.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core import spreadsheet
from core.spreadsheet import Sheet

from . import casefields, importing, rules
from .models import Call, CallField

Kind = CallField.Kind
#: Rows of the first sheet prepared with formats and validation.
TEMPLATE_ROWS = 500
NOTES_SHEET = "说明"
CASES_SHEET = "案例"
WIDTHS = {
    importing.COL_TITLE: 30,
    importing.COL_SUMMARY: 40,
    importing.COL_BODY: 60,
    importing.COL_PHOTOS: 36,
    importing.COL_CAPTIONS: 40,
}


def column_help(
    call: Call, columns: importing.ImportColumns | None = None
) -> list[tuple[str, bool, str]]:
    """(column, required, explanation) of every column, in the template's order, for the
    import page and the template's 说明 sheet."""
    columns = columns or importing.ImportColumns.of(call)
    core: dict[str, tuple[bool, str]] = {
        importing.COL_UNIT: (
            True,
            _("The submitting unit's full name. A unit not registered yet is created."),
        ),
        importing.COL_CATEGORY: (
            False,
            _("The case's category, one of: %(names)s. Empty: no category.")
            % {"names": "、".join(c.name for c in columns.categories)},
        ),
        importing.COL_TITLE: (
            True,
            _(
                "The case title, at most %(max)d characters. A unit cannot have two cases with the "
                "same title in one call."
            )
            % {"max": rules.text_limit(call, "title")},
        ),
        importing.COL_CONTACT: (False, _("The contact person (may be empty).")),
        importing.COL_PHONE: (
            False,
            _(
                "A mobile number such as 13812345678 or a landline such as 010-12345678 "
                "(may be empty)."
            ),
        ),
        importing.COL_SUMMARY: (
            False,
            _("A short summary, at most %(max)d characters.")
            % {"max": rules.text_limit(call, "summary")},
        ),
        importing.COL_BODY: (
            False,
            _("The full text, at most %(max)d characters.")
            % {"max": rules.text_limit(call, "body")},
        ),
        importing.COL_PHOTOS: (
            False,
            _(
                "Photo files inside the ZIP, written relative to the table and separated by “；”, "
                "e.g. 图片/1.jpg；图片/2.jpg. At most %(n)d photos of at most %(mb)d MB each "
                "(JPEG, PNG, WebP or HEIC). Leave empty when you upload the table alone."
            )
            % {"n": call.max_photos, "mb": call.max_photo_mb},
        ),
        importing.COL_CAPTIONS: (
            False,
            _(
                "The photos' captions in the same order, one per line (Alt+Enter in Excel). "
                "There may be fewer captions than photos, not more."
            ),
        ),
    }
    by_header = {columns.headers[f.pk]: f for f in columns.fields}
    category_names = {c.pk: c.name for c in columns.categories}
    out = []
    for column in columns.ordered:
        if column in by_header:
            f = by_header[column]
            names = [category_names[c.pk] for c in f.categories.all() if c.pk in category_names]
            out.append((column, f.required, casefields.template_note(f, category_names=names)))
        else:
            required, text = core[column]
            out.append((column, required, text))
    return out


def _validations(sheet: Sheet, columns: importing.ImportColumns) -> dict[str, str | None]:
    """Set each column's data validation on the data rows; return the number format of each
    column's cells (None: general)."""
    formats: dict[str, str | None] = {importing.COL_PHONE: "@"}
    letters = {c: spreadsheet.column_letter(i) for i, c in enumerate(columns.ordered, start=1)}
    last = TEMPLATE_ROWS + 1

    def cells(column: str) -> str:
        return f"{letters[column]}2:{letters[column]}{last}"

    if columns.categories:
        sheet.validate(
            cells(importing.COL_CATEGORY),
            kind="list",
            choices=[c.name for c in columns.categories],
            title=importing.COL_CATEGORY,
            message=_("Choose one of the call's categories."),
        )
    for f in columns.fields:
        column = columns.headers[f.pk]
        title = column
        if f.kind == Kind.CHOICE and casefields.choices(f):
            sheet.validate(
                cells(column),
                kind="list",
                choices=casefields.choices(f),
                title=title,
                message=str(casefields.CELL_HINTS[Kind.CHOICE]),
            )
        elif f.kind == Kind.DATE:
            formats[column] = "yyyy-mm-dd"
            sheet.validate(
                cells(column),
                kind="date",
                title=title,
                message=str(casefields.CELL_HINTS[Kind.DATE]),
            )
        elif f.kind in casefields.NUMBER_KINDS:
            hint = str(casefields.CELL_HINTS[Kind(f.kind)])
            limits = casefields.limits_text(f)
            sheet.validate(
                cells(column),
                kind="whole" if f.kind == Kind.INTEGER else "decimal",
                minimum=f.min_value,
                maximum=f.max_value,
                title=title,
                message=f"{hint} {limits}".strip(),
            )
        elif f.kind in (Kind.TEXT, Kind.URL):
            formats[column] = "@"
    return formats


def template_workbook(call: Call) -> bytes:
    """The import template of `call` as .xlsx bytes."""
    columns = importing.ImportColumns.of(call)
    ordered = columns.ordered
    wb = spreadsheet.XlsxBook()
    sheet = wb.sheet(CASES_SHEET, widths=[WIDTHS.get(c, 16) for c in ordered], freeze="A2")
    sheet.append([spreadsheet.styled(c, bold=True) for c in ordered])
    formats = _validations(sheet, columns)
    wrapped = {importing.COL_CAPTIONS, importing.COL_BODY} | {
        columns.headers[f.pk]
        for f in columns.fields
        if f.kind in (Kind.LONG_TEXT, Kind.MULTI_CHOICE, Kind.FILE)
    }
    prepared: list[Any] = []
    for column in ordered:
        if formats.get(column) or column in wrapped:
            prepared.append(
                spreadsheet.styled(
                    None, fmt=formats.get(column) or "General", wrap=column in wrapped
                )
            )
        else:
            prepared.append(None)
    while prepared and prepared[-1] is None:
        prepared.pop()
    for _row in range(TEMPLATE_ROWS):
        sheet.append(prepared)

    notes = wb.sheet(NOTES_SHEET, widths=[18, 10, 100])
    notes.append(
        [spreadsheet.styled(h, bold=True) for h in (_("Column"), _("Required"), _("Explanation"))]
    )

    def wrapped_row(*values: str) -> list[spreadsheet.Styled]:
        return [spreadsheet.styled(v, wrap=True) for v in values]

    for column, required, text in column_help(call, columns):
        notes.append(wrapped_row(column, _("yes") if required else _("no"), text))
    notes.append([])
    for line in (
        _(
            "Fill in the first sheet, one case per row, below the header row. Do not rename "
            "the columns."
        ),
        _("With photos, put this table and the photo files into one ZIP file and upload the ZIP."),
        _(
            "Line breaks inside a cell (captions, choices, file names): press Alt+Enter in Excel "
            "or WPS."
        ),
        _(
            "Nothing is imported when any row has an error; every error is listed with its row "
            "and column."
        ),
    ):
        notes.append(wrapped_row(line))
    return wb.to_bytes()


def template_filename(call: Call) -> str:
    return _("case-import-template-%(slug)s.xlsx") % {"slug": call.slug}
