"""Text made fit for the formats it is written into.

Users can type (or paste, or import) any character, including NUL and other control
characters. XML-based formats cannot hold them: openpyxl raises IllegalCharacterError for an
.xlsx cell, python-docx and lxml refuse them in a .docx, and a feed with them is not XML.
Every export passes its text through `xml_text` (or `one_line` where one line is required,
such as an e-mail subject or a sheet title).
"""

import re

#: Characters XML 1.0 cannot hold: C0 controls other than tab, LF and CR; DEL and C1
#: controls (legal but invisible junk); lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
#: Characters an Excel sheet title cannot have.
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


def xml_text(value):
    """`value` without the characters XML cannot hold; non-strings are returned unchanged."""
    if not isinstance(value, str):
        return value
    return _NOT_XML.sub("", value)


def one_line(value: str) -> str:
    """One line: line breaks become spaces, other control characters are dropped."""
    return xml_text(_LINE_BREAKS.sub(" ", value or "")).strip()


def sheet_title(value: str, *, fallback: str = "Sheet") -> str:
    """A valid Excel sheet title: one line, without []:*?/\\, at most 31 characters."""
    title = _SHEET_TITLE_BAD.sub("", one_line(value))[:31].strip("'").strip()
    return title or fallback
