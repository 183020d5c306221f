"""Read a table (a header row and data rows) from an Excel .xlsx or a CSV file.

One reader for every import (cases, units, judges, scores). The format is detected by content,
never by the file name: an .xlsx is a ZIP holding ``xl/workbook.xml``; anything else is read as
CSV in UTF-8 (with or without a BOM) or GB18030, the encoding Chinese Excel saves CSV in.

Values come back as stripped strings keyed by the header. Row numbers are the ones the sheet
shows (the header is normally row 1), so error messages can point at the row a person sees.
Headers match ignoring white space, so "联系 电话" and "联系电话\\n" are the column "联系电话".
When a title row sits above the header (common in Chinese sheets), the first row among the
first few that holds every required column is taken as the header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: How many leading non-empty rows are searched for the header row.
HEADER_SEARCH_ROWS = 10
#: The longest cell Excel itself holds; longer cells (a crafted CSV) are refused by name.
MAX_CELL_CHARS = 32767
#: At most this many over-long cells are listed in the error.
MAX_CELL_ERRORS = 20
#: Control characters (NUL included: PostgreSQL refuses it in text) are dropped from cells;
#: tab, line feed and carriage return are kept.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)


class TableRow(dict):
    """One data row: a dict of stripped values by column header, plus ``number``, the row
    number as the sheet shows it (the header is normally row 1)."""

    def __init__(self, values: dict[str, str], *, number: int) -> None:
        super().__init__(values)
        self.number = number

    def __repr__(self) -> str:
        return f"TableRow(number={self.number}, {dict.__repr__(self)})"

    def __reduce__(self):
        return (_make_row, (dict(self), self.number))


def _make_row(values: dict[str, str], number: int) -> TableRow:
    return TableRow(values, number=number)


@dataclass
class Table:
    """Headers as written in the file (stripped), the data rows, and unknown columns.

    Every column named in ``required`` and ``optional`` is a key of every row (an optional
    column absent from the file reads as ""). Columns not named there are kept too and listed
    in ``extra_columns``.
    """

    headers: list[str]
    rows: list[TableRow] = field(default_factory=list)
    header_row: int = 1
    extra_columns: list[str] = field(default_factory=list)
    format: str = "csv"  # "csv" or "xlsx"

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[TableRow]:
        return iter(self.rows)


def _key(header: str) -> str:
    """The form headers are compared in: no white space at all, no BOM."""
    return "".join(str(header).replace("\ufeff", "").split())


def cell_text(value) -> str:
    """A cell value as the person typed it: 13812345678 not 13812345678.0, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return _CONTROL.sub("", str(value)).strip()


def _read_bytes(source) -> tuple[bytes, str]:
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        try:
            with open(name, "rb") as fh:
                return fh.read(), os.path.basename(name)
        except OSError as exc:
            raise ValidationError(
                _("The file “%(name)s” cannot be opened: %(error)s"),
                code="unreadable",
                params={"name": os.path.basename(name), "error": exc.strerror},
            ) from exc
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read()
    if isinstance(data, str):  # a text stream: already decoded
        data = data.encode("utf-8")
    return data, os.path.basename(getattr(source, "name", "") or "") or _("the file")


def is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except zipfile.BadZipFile:
        return False


def workbook_opens(fileobj) -> bool:
    """Whether openpyxl opens the .xlsx in `fileobj` and finds a sheet (call documents,
    submissions/attachments.py; the caller has checked the ZIP's size first)."""
    import openpyxl

    book = openpyxl.load_workbook(fileobj, read_only=True)
    try:
        return len(book.sheetnames) > 0
    finally:
        book.close()


def _unreadable(name: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(name)s” cannot be read as a table. Save it from Excel or WPS as an Excel workbook "
            "(.xlsx) or as CSV (UTF-8 or the Chinese default encoding) and try again."
        ),
        code="unreadable",
        params={"name": name},
    )


def _xlsx_rows(data: bytes, name: str) -> list[list]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds on a damaged file
        raise _unreadable(name) from exc
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # some tools write a wrong sheet size; read what is there
        return [list(row) for row in ws.iter_rows(values_only=True)]
    except Exception as exc:  # noqa: BLE001
        raise _unreadable(name) from exc
    finally:
        wb.close()


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (BOM or not) strictly, else GB18030; ValidationError when neither fits."""
    if b"\x00" in data:
        # UTF-16 (Excel's "Unicode text") or a binary file: neither is a CSV we read.
        raise _unreadable(name)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _unreadable(name)


def _csv_rows(data: bytes, name: str) -> list[list]:
    text = decode_text(data, name)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error as exc:
        raise _unreadable(name) from exc


def _find_header(rows: list[list], required_keys: set[str]) -> int | None:
    """Index of the header row among the first non-empty rows (a title row may sit above it):
    the first holding every required column, else the one holding most of them, else the
    first non-empty row. None when the table is empty."""
    best, best_score = None, -1
    seen = 0
    for index, row in enumerate(rows):
        cells = [cell_text(v) for v in row]
        if not any(cells):
            continue
        score = len(required_keys & {_key(c) for c in cells if c})
        if score == len(required_keys):
            return index
        if score > best_score:
            best, best_score = index, score
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return best


def _check_lengths(rows: list[TableRow], *, name: str, max_lengths: dict[str, int]) -> None:
    errors = []
    for row in rows:
        for column, value in row.items():
            limit = min(max_lengths.get(column, MAX_CELL_CHARS), MAX_CELL_CHARS)
            if len(value) > limit:
                errors.append(
                    ValidationError(
                        _(
                            "“%(name)s”, row %(row)d, column “%(column)s”: %(n)d characters; "
                            "at most %(max)d are allowed."
                        ),
                        code="too_long",
                        params={
                            "name": name,
                            "row": row.number,
                            "column": column,
                            "n": len(value),
                            "max": limit,
                        },
                    )
                )
    if errors:
        more = len(errors) - MAX_CELL_ERRORS
        errors = errors[:MAX_CELL_ERRORS]
        if more > 0:
            errors.append(
                ValidationError(
                    _("… and %(n)d more cell(s) that are too long."), params={"n": more}
                )
            )
        raise ValidationError(errors)


def read_table(
    source,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    max_lengths: dict[str, int] | None = None,
) -> Table:
    """Read the first sheet of an .xlsx, or a CSV, from a path or a binary file object.

    Raises ValidationError when the file cannot be read, when it has no header or no data
    rows, when required columns are missing (naming them) or a known column appears twice.
    Entirely empty rows are skipped; row numbers stay those of the sheet. A cell longer than
    its column's ``max_lengths`` entry (or than MAX_CELL_CHARS) is an error naming the file,
    the row and the column.
    """
    required = list(required)
    optional = list(optional)
    data, name = _read_bytes(source)
    if not data.strip():
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params={"name": name})
    if data.startswith(OLE_MAGIC):
        raise ValidationError(
            _(
                "“%(name)s” is an old Excel 97–2003 (.xls) file. Open it in Excel or WPS, save it "
                "as an Excel workbook (.xlsx) and try again."
            ),
            code="xls",
            params={"name": name},
        )
    xlsx = is_xlsx(data)
    if not xlsx and data.startswith(b"PK\x03\x04"):
        raise _unreadable(name)
    raw_rows = _xlsx_rows(data, name) if xlsx else _csv_rows(data, name)

    known = {_key(c): c for c in [*required, *optional]}
    header_index = _find_header(raw_rows, {_key(c) for c in required})
    if header_index is None:
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params={"name": name})
    headers = [cell_text(v).replace("\ufeff", "") for v in raw_rows[header_index]]

    positions: dict[str, int] = {}  # canonical column name -> cell index
    extra: list[str] = []
    duplicates: list[str] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        canonical = known.get(_key(header))
        if canonical is None:
            if header in extra:
                continue  # an unknown column twice: not our business
            extra.append(header)
            positions[header] = index
        elif canonical in positions:
            duplicates.append(canonical)
        else:
            positions[canonical] = index
    missing = [c for c in required if c not in positions]
    if missing:
        raise ValidationError(
            _(
                "“%(name)s” lacks the required column(s): %(missing)s. The header row must name "
                "these columns: %(required)s (found: %(found)s)."
            ),
            code="missing_columns",
            params={
                "name": name,
                "missing": "、".join(missing),
                "required": "、".join(required),
                "found": "、".join(h for h in headers if h) or "—",
            },
        )
    if duplicates:
        raise ValidationError(
            _("“%(name)s”: the column(s) %(columns)s appear more than once in the header row."),
            code="duplicate_columns",
            params={"name": name, "columns": "、".join(dict.fromkeys(duplicates))},
        )

    rows = []
    for index in range(header_index + 1, len(raw_rows)):
        raw = raw_rows[index]
        values = {c: "" for c in known.values()}
        for column, position in positions.items():
            values[column] = cell_text(raw[position]) if position < len(raw) else ""
        if not any(values.values()):
            continue
        rows.append(TableRow(values, number=index + 1))
    if not rows:
        raise ValidationError(
            _("“%(name)s” has a header row but no data rows."), code="empty", params={"name": name}
        )
    _check_lengths(rows, name=name, max_lengths=max_lengths or {})
    return Table(
        headers=[h for h in headers if h],
        rows=rows,
        header_row=header_index + 1,
        extra_columns=extra,
        format="xlsx" if xlsx else "csv",
    )
