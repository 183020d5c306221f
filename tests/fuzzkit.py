"""Shared pieces of the fuzz tests (tests/test_fuzz_*.py).

- `hostile` text: any Unicode (Chinese, RTL override U+202E, zero-width U+200B/U+FEFF, control
  characters including NUL, emoji, characters outside the BMP), format strings, markup and
  1 MB strings. Lone surrogates cannot travel in an HTTP request (UTF-8 cannot encode them), so
  they are left out.
- `hostile_filename`: path traversal, 300-character and Chinese names, NUL and control
  characters, names that are only dots or spaces.
- `FUZZ`: bounded hypothesis settings, so the whole fuzz suite runs in a few minutes.
- `post_ok` / `get_ok`: a request whose answer must not be a server error; `assert_form_error`:
  a page (or a redirect to one) that shows an error message.
- `fuzzes(FormClass, ...)`: the registry tests/test_fuzz_coverage.py checks: every Form and
  ModelForm class of the project must be fuzzed by some test.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# ---- text -------------------------------------------------------------------------------------

SPECIAL = [
    "\u200f",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\x00",
    "\x07",
    "\x1b",
    "\x0b",
    "\x0c",
    "\r\n",
    "\r",
    "\t",
    "😀",
    "👨‍👩‍👧",
    "𠮷",
    "中文",
    "文明城市",
    "'\"<>&",
    "</textarea>",
    "<script>alert(1)</script>",
    "%(name)s",
    "%s",
    "{{ x }}",
    "{% x %}",
    "\ud7ff",
    "\uffff",
    "=cmd|' /C calc'!A0",
    "../",
    "NaN",
    "-1",
    "1e309",
    "9" * 30,
]
#: Characters any text field may get, without surrogates (not encodable in a request).
CHARACTERS = st.characters(blacklist_categories=["Cs"])
BIG = ["x" * 1_000_001, "中" * 350_000, "\x00" * 1000, "😀" * 260_000]

#: Hostile text without the 1 MB strings.
hostile_small = st.one_of(
    st.text(CHARACTERS, max_size=300),
    st.lists(st.sampled_from(SPECIAL) | st.text(CHARACTERS, max_size=5), max_size=40).map("".join),
    st.sampled_from(["", " ", "\x00", "\x00" * 1000]),
)
#: One hostile string in twenty is a 1 MB one. At one in five, a form with six text fields got
#: one in most examples, each costing about a second (the answer page echoes it back), which made
#: the fuzz tests most of the suite's time. Shrinking goes towards the small strings (n = 0).
hostile = st.integers(0, 19).flatmap(lambda n: st.sampled_from(BIG) if n == 19 else hostile_small)
#: Hostile text that is not blank (to reach a form's deeper checks).
hostile_nonblank = hostile.filter(lambda s: s.strip() != "")

#: Numbers, dates and ids as a person (or an attacker) might type them.
hostile_number = st.one_of(
    hostile,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "0",
            "1",
            "-1",
            "0.5",
            "1,5",
            "１２",
            "٣",
            "1e3",
            "inf",
            "nan",
            "2**64",
            "9223372036854775808",
            "99999999999999999999",
        ]
    ),
)
hostile_datetime = st.one_of(
    hostile,
    st.sampled_from(
        [
            "0001-01-01T00:00",
            "9999-12-31T23:59",
            "1900-01-01T00:00",
            "2026-02-30T10:00",
            "2026-13-01T00:00",
            "10000-01-01T00:00",
            "0000-00-00T00:00",
            "2026-06-01T25:61",
            "2026-06-01",
            "1970-01-01T00:00",
            "2100-01-01T00:00",
            "1999-12-31T23:59",
            "2026-06-01T10:00:00+99:00",
            "2026-06-01 10:00",
        ]
    ),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
)


def db_text(text: str, limit: int | None = None) -> str:
    """Hostile text as a form lets it through to a direct service or factory call: without
    NUL (every form field refuses it; PostgreSQL cannot store it), cut to `limit`."""
    text = text.replace("\x00", "")
    return text[:limit] if limit is not None else text


# ---- file names and contents ------------------------------------------------------------------

FILENAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "C:\\boot.ini",
    "..",
    ".",
    "...",
    " ",
    ".jpg",
    "a" * 300 + ".jpg",
    "中" * 300 + ".jpg",
    "文明案例照片.jpg",
    "photo\x00.jpg",
    "ph\noto.jpg",
    "\u202egpj.exe",
    "\u200b.jpg",
    "😀.png",
    "CON.jpg",
    "a/b/c.jpg",
    "%2e%2e%2fx.jpg",
    "x.JPG",
    "x.jpg.php",
    "<script>.jpg",
    "'\";.jpg",
]
hostile_filename = st.one_of(
    st.sampled_from(FILENAMES),
    st.text(CHARACTERS, min_size=1, max_size=300).map(lambda s: s + ".jpg"),
    st.text(CHARACTERS, min_size=1, max_size=50),
)

HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(1)</script></svg>"
)


def zip_bytes(files: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in (files or {"a.txt": b"hello"}).items():
            zf.writestr(name, data)
    return buf.getvalue()


#: (name, bytes) pairs whose content is not what the name says.
MISNAMED = [
    ("photo.jpg", HTML),
    ("photo.jpg", SVG),
    ("photo.png", zip_bytes()),
    ("photo.jpg", b""),
    ("table.xlsx", HTML),
    ("table.xlsx", zip_bytes()),
    ("table.csv", b"\x00\x01\x02\xff" * 50),
    ("table.csv", SVG),
    ("doc.pdf", HTML),
    ("doc.docx", zip_bytes()),
    ("doc.pdf", b"%PDF-"),
    ("archive.zip", b"PK\x03\x04 broken"),
    ("table.xlsx", b""),
    ("table.csv", b""),
]
hostile_content = st.one_of(
    st.sampled_from([c for _n, c in MISNAMED]),
    st.binary(max_size=2000),
)


XML_ILLEGAL = re.compile("[\ufffe\uffff\ud800-\udfff]")


def table_file(header: list[str], rows: list[list[str]], fmt: str = "csv") -> bytes:
    """A table as .csv (UTF-8, every character kept) or .xlsx (characters an .xlsx cannot hold,
    the control characters, are dropped: openpyxl refuses them)."""
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows([header, *rows])
        return buf.getvalue().encode("utf-8", "surrogatepass")
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def fit(value) -> str:
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        return XML_ILLEGAL.sub("", value)[:32767]

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has one sheet
    for row in [header, *rows]:
        ws.append([fit(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class RawFile:
    """A file part sent with exactly this name (the test client's own files refuse names such
    as ".." before they reach the server; a browser or a script sends them)."""

    def __init__(self, name: str, content: bytes, content_type: str = "application/octet-stream"):
        self.name, self.content, self.content_type = name, content, content_type


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return RawFile(name, content, content_type)


BOUNDARY = "----fuzzkitBoundary7MA4YWxkTrZu0gW"


def _part_name(name: str) -> bytes:
    # As browsers do (HTML spec): LF, CR and the double quote are percent-encoded, the rest
    # is sent as UTF-8.
    name = name.replace("\n", "%0A").replace("\r", "%0D").replace('"', "%22")
    return name.encode("utf-8", "surrogatepass")


def multipart(data: dict) -> bytes:
    """A multipart/form-data body; values are strings, lists of strings or RawFile(s)."""
    out = []
    for key, value in data.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            head = b"--" + BOUNDARY.encode() + b"\r\n"
            disposition = b'Content-Disposition: form-data; name="' + key.encode() + b'"'
            if isinstance(item, RawFile):
                out.append(
                    head
                    + disposition
                    + b'; filename="'
                    + _part_name(item.name)
                    + b'"\r\nContent-Type: '
                    + item.content_type.encode()
                    + b"\r\n\r\n"
                    + item.content
                    + b"\r\n"
                )
            else:
                out.append(
                    head
                    + disposition
                    + b"\r\n\r\n"
                    + str(item).encode("utf-8", "surrogatepass")
                    + b"\r\n"
                )
    out.append(b"--" + BOUNDARY.encode() + b"--\r\n")
    return b"".join(out)


def post_files(client, url, data: dict):
    """POST `data` (with RawFile values) as a browser would; never a server error."""
    return assert_ok(
        client.post(url, multipart(data), content_type=f"multipart/form-data; boundary={BOUNDARY}")
    )


# ---- settings and assertions ------------------------------------------------------------------

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
FUZZ_FEW = settings(FUZZ, max_examples=12)


def assert_ok(response):
    """Never a server error. 200 (a page), 302 (a redirect after a POST) or 400 (the page
    again with its errors)."""
    assert response.status_code < 500, response.status_code
    assert response.status_code in (200, 302, 400), response.status_code
    return response


def _has_files(data) -> bool:
    return any(
        isinstance(v, RawFile)
        or (isinstance(v, (list, tuple)) and any(isinstance(i, RawFile) for i in v))
        for v in (data or {}).values()
    )


def post_ok(client, url, data=None, **extra):
    """POST (as multipart/form-data when `data` holds RawFile uploads); never a server error."""
    if _has_files(data):
        return assert_ok(
            client.post(
                url,
                multipart(data),
                **extra,
                content_type=f"multipart/form-data; boundary={BOUNDARY}",
            )
        )
    return assert_ok(client.post(url, data or {}, **extra))


def get_ok(client, url, data=None, **extra):
    return assert_ok(client.get(url, data or {}, **extra))


ERROR_MARKS = ("invalid-feedback", "alert-danger", "alert-warning", "errorlist")


def assert_form_error(response, client=None):
    """The input was refused and the page says so: a 400 page showing a field or form error, or
    a redirect to a page showing an error message (follows one redirect with `client`)."""
    assert response.status_code < 500, response.status_code
    if response.status_code == 302:
        assert client is not None, "a redirect: pass the client to follow it"
        response = client.get(response["Location"])
        assert response.status_code == 200, response.status_code
    else:
        assert response.status_code in (200, 400), response.status_code
    text = response.content.decode()
    assert any(mark in text for mark in ERROR_MARKS), "no error message on the page"
    return response


# ---- the registry of fuzzed forms --------------------------------------------------------------

FUZZED: set[str] = set()


def form_key(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def fuzzes(*form_classes):
    """Mark a test as fuzzing these Form/ModelForm/FormSet classes (see test_fuzz_coverage)."""
    for cls in form_classes:
        FUZZED.add(form_key(cls))

    def mark(test):
        return test

    return mark
