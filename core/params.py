"""Query-string and POST parameters read by hand (not through a form), made safe once.

Anything can arrive in ``?page=``, ``?judge=``, ``?q=``, ``next`` or a list of ids: letters,
NUL characters (PostgreSQL refuses them in text), numbers too big for a database integer
(SQLite raises OverflowError), a megabyte of text, another site's address. These helpers turn
such input into "no value" instead of a server error.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.http import url_has_allowed_host_and_scheme

#: The largest id a database integer column holds (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
SEARCH_MAX = 100


def id_param(value) -> int | None:
    """An id typed as ASCII digits (1 … 2**63-1), else None. Never raises."""
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    value = value.strip()
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def id_list(values) -> list[int]:
    """The valid ids of a list (e.g. ``request.POST.getlist("cases")``), junk dropped."""
    ids = (id_param(v) for v in values or [])
    return list(dict.fromkeys(i for i in ids if i is not None))


def clean_text(value, *, max_length: int | None = None) -> str:
    """Text without NUL and other control characters (line breaks and tabs become spaces),
    surrounding white space stripped, cut to ``max_length``."""
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    if max_length is not None:
        value = value[: max_length * 2]  # bound the work before cleaning
    value = "".join(
        " " if ch in "\t\r\n" else ch
        for ch in value
        if ch in "\t\r\n" or unicodedata.category(ch) != "Cc"
    )
    value = value.strip()
    return value[:max_length] if max_length is not None else value


def search_param(value, *, max_length: int = SEARCH_MAX) -> str:
    """A search box's text, fit for an icontains lookup on any database."""
    return clean_text(value, max_length=max_length)


def choice_param(value, choices, default=""):
    """``value`` when it is one of ``choices``, else ``default``."""
    return value if isinstance(value, str) and value in choices else default


def local_url(request, target, fallback: str) -> str:
    """``target`` when it is an address on this site, else ``fallback`` (never an open
    redirect: other hosts, ``//host``, ``javascript:`` and control characters are refused)."""
    if not isinstance(target, str) or not target or len(target) > 2000:
        return fallback
    if any(unicodedata.category(ch) == "Cc" for ch in target):
        return fallback
    # Only a path on this site: "/…". A bare word such as "0" would be taken by redirect() for
    # a view name (NoReverseMatch, a 500); "//host" and "/\\host" are other sites.
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
