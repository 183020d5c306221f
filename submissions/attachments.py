"""What a case attachment really is: a PDF or a Word file, checked by opening it.

The first bytes only say what a file claims to be: a ``.jpg`` starting with ``%PDF`` or a ZIP
holding an empty ``word/document.xml`` passed such a check. Here the content is opened with the
library of its kind — pypdf for PDF, python-docx for .docx (after the ZIP's structure and size
are checked), olefile for the older .doc — and the name's extension must agree with what the
content is. Every message names the file.
"""

import zipfile
from typing import BinaryIO, cast

import olefile
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _
from pypdf import PdfReader

from core import tabular

from . import rules

#: The accepted kinds: extension -> what a person calls it.
KINDS = {".pdf": "PDF", ".doc": "Word (.doc)", ".docx": "Word (.docx)"}
#: How each kind's content starts.
MAGIC = {
    b"%PDF-": ".pdf",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": ".doc",
    b"PK\x03\x04": ".docx",
}
#: A .docx unpacks to at most this many times the largest attachment, in at most this many
#: parts (python-docx reads every part into memory).
DOCX_MAX_UNPACK_FACTOR = 4
DOCX_MAX_PARTS = 5000


def _error(message: str, name: str, code: str, **params: object) -> ValidationError:
    return ValidationError(message, code=code, params={"name": name, **params})


def _name_extension(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[1].strip().lower() if "." in base else ""


def _content_extension(fileobj: BinaryIO) -> str | None:
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    return next((ext for magic, ext in MAGIC.items() if head.startswith(magic)), None)


def _pdf_opens(fileobj: BinaryIO) -> bool:
    reader = PdfReader(fileobj, strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        return False
    return len(reader.pages) > 0


def _zip_sound(fileobj: BinaryIO, part: str) -> bool:
    """An Office file's ZIP container holds `part`, is intact, and unpacks to a bounded size
    in a bounded number of parts (no ZIP bomb). Leaves `fileobj` at its start."""
    with zipfile.ZipFile(fileobj) as zf:
        infos = zf.infolist()
        unpacked = sum(i.file_size for i in infos)
        limit = DOCX_MAX_UNPACK_FACTOR * settings.ATTACHMENT_MAX_BYTES
        if len(infos) > DOCX_MAX_PARTS or unpacked > limit:
            return False
        if part not in zf.namelist() or zf.testzip() is not None:
            return False
    fileobj.seek(0)
    return True


def _docx_opens(fileobj: BinaryIO) -> bool:
    import docx

    if not _zip_sound(fileobj, "word/document.xml"):
        return False
    # Raises ValueError for a ZIP that is not a Word document (a workbook, a macro document).
    docx.Document(fileobj)
    return True


def _doc_opens(fileobj: BinaryIO) -> bool:
    with olefile.OleFileIO(fileobj) as ole:
        return bool(ole.exists("WordDocument"))


OPENERS = {".pdf": _pdf_opens, ".docx": _docx_opens, ".doc": _doc_opens}


def attachment_check(upload: File, *, name: str) -> str:
    """The extension (".pdf", ".doc", ".docx") of an uploaded attachment that is what its name
    says and opens with its library; raises ValidationError naming the file otherwise."""
    rules.upload_name(name)
    if not upload.size:
        raise _error(_("“%(name)s” is empty (0 bytes)."), name, "empty")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise _error(
            _("“%(name)s” is larger than %(mb)d MB."),
            name,
            "too_large",
            mb=settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        )
    fileobj = cast(BinaryIO, upload)  # File proxies read/seek/tell; the stubs do not say so
    real = _content_extension(fileobj)
    if real is None:
        raise _error(_("“%(name)s” is not a PDF or Word file."), name, "attachment")
    named = _name_extension(name)
    if named != real:
        raise _error(
            _(
                "“%(name)s” holds a %(kind)s file but its name does not end in %(ext)s. "
                "Rename it to end in %(ext)s and upload it again."
            ),
            name,
            "extension",
            kind=KINDS[real],
            ext=real,
        )
    try:
        ok = OPENERS[real](fileobj)
    except Exception:  # noqa: BLE001 — the libraries raise many kinds; all mean "cannot open"
        ok = False
    finally:
        fileobj.seek(0)
    if not ok:
        raise _error(
            _(
                "“%(name)s” cannot be opened as a %(kind)s file: it is damaged, empty or "
                "protected by a password."
            ),
            name,
            "damaged",
            kind=KINDS[real],
        )
    return real


# ---------------------------------------------------------------- call documents
#: A call document may also be a workbook (a form to fill in, a list).
XLSX = ".xlsx"
DOCUMENT_KINDS = {**KINDS, XLSX: "Excel (.xlsx)"}


def _xlsx_opens(fileobj: BinaryIO) -> bool:
    if not _zip_sound(fileobj, "xl/workbook.xml"):
        return False
    return tabular.workbook_opens(fileobj)


def document_check(upload: File, *, name: str) -> str:
    """The extension of a call document: PDF or Word as `attachment_check` checks them, or a
    .xlsx workbook that opens with openpyxl; ValidationError naming the file otherwise."""
    if _name_extension(name) != XLSX:
        return attachment_check(upload, name=name)
    rules.upload_name(name)
    if not upload.size:
        raise _error(_("“%(name)s” is empty (0 bytes)."), name, "empty")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise _error(
            _("“%(name)s” is larger than %(mb)d MB."),
            name,
            "too_large",
            mb=settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        )
    fileobj = cast(BinaryIO, upload)
    if _content_extension(fileobj) != ".docx":  # a ZIP, as every .xlsx is
        raise _error(_("“%(name)s” is not a PDF, Word or Excel (.xlsx) file."), name, "document")
    try:
        ok = _xlsx_opens(fileobj)
    except Exception:  # noqa: BLE001 — openpyxl and zipfile raise many kinds
        ok = False
    finally:
        fileobj.seek(0)
    if not ok:
        raise _error(
            _("“%(name)s” cannot be opened as an Excel (.xlsx) file: it is damaged or empty."),
            name,
            "damaged",
        )
    return XLSX
