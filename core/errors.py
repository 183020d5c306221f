"""The error pages (400, 403, 404, 500) and the page of a form refused by the CSRF check.

Every page is in the visitor's language (the one LocaleMiddleware chose: the language cookie,
then the browser's, then Chinese) and offers a way back: the home page, the page the visitor came
from when it is on this site, and the login page when nobody is logged in (a session that ended).

400 and 500 are rendered without the database, the session or any context processor (a plain
template and a plain Context): what failed may be exactly those. 403 and 404 use the portal's
usual layout.

A form refused by the CSRF check (a page opened before the user logged in again, a session that
ended, cookies cleared) is never acted on: the page shows what was typed again as a form with a
fresh token, which the user sends again, so the view that owns the form does the work as usual.
It is offered only for a request from this site (its Origin, or else its Referer): a form posted
from another site must not come back pre-filled, one click away from being sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.template import Context, Engine, loader
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

from .params import local_url

#: Fields never shown again: the refused token, and passwords (never echoed into a page).
_NOT_RESENT = ("csrfmiddlewaretoken",)
#: Formset bookkeeping: sent again, not shown as "what you typed".
_MANAGEMENT_SUFFIXES = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")


def _url(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _safe_get_host(request: HttpRequest) -> str | None:
    try:
        return request.get_host()
    except DisallowedHost:  # the 400 page for a host this portal does not serve
        return None


def came_from(request: HttpRequest) -> str | None:
    """The page the visitor came from (Referer) when it is on this site and not this page
    (a form posted to its own address may go back to it)."""
    referer = request.META.get("HTTP_REFERER", "")
    host = _safe_get_host(request)
    if not referer or host is None or len(referer) > 2000:
        return None
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    target = local_url(request, path, "")
    if not target or (parts.path == request.path and request.method == "GET"):
        return None
    return target


def _is_anonymous(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def way_back(request: HttpRequest) -> dict[str, object]:
    """The links every error page offers; computed without the database."""
    login = None
    here = request.path if request.method == "GET" and request.path.startswith("/") else "/"
    if _is_anonymous(request):
        login = _url("accounts:login", "/accounts/login/")
        if here != "/":
            login += "?next=" + quote(here)
    languages = []
    for code, name in settings.LANGUAGES:
        try:
            switch = reverse("language_switch", args=[code])
        except NoReverseMatch:
            continue
        languages.append((code, name, f"{switch}?next={quote(here)}"))
    return {
        "home_url": _url("home", "/"),
        "back_url": came_from(request),
        "login_url": login,
        "switch_languages": languages,
    }


def _language(request: HttpRequest) -> str:
    """The language LocaleMiddleware chose (or would choose) for this request."""
    return translation.get_language_from_request(request)


def _plain(request: HttpRequest, template: str, status: int) -> HttpResponse:
    """A page rendered from a plain Context: no database, session or context processor."""
    language = _language(request)
    with translation.override(language):
        context = {
            **way_back(request),
            "login_url": None,  # whether anyone is logged in would need the session
            "LANGUAGE_CODE": translation.get_language(),
        }
        body = Engine.get_default().get_template(template).render(Context(context))
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a malformed request (or one for a host this portal does not serve)."""
    return _plain(request, "400.html", 400)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500 (through civiccases.middleware.server_error, which answers a database outage
    with the 503 page first)."""
    return _plain(request, "500.html", 500)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: in the portal's layout; a visitor who is not logged in is offered the login."""
    body = loader.render_to_string("403.html", way_back(request), request=request)
    return HttpResponse(body, status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: in the portal's layout, with the way back."""
    body = loader.render_to_string("404.html", way_back(request), request=request)
    return HttpResponse(body, status=404)


@dataclass(frozen=True)
class SentField:
    name: str
    value: str
    shown: bool  # listed under "what you typed" (not a formset's bookkeeping)


def _same_origin(request: HttpRequest) -> bool:
    """The refused POST came from a page of this site: its Origin header (sent by browsers on
    every POST) is this site, or, without one, its Referer is."""
    host = _safe_get_host(request)
    if host is None:
        return False
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        return origin == f"{request.scheme}://{host}"
    referer = request.META.get("HTTP_REFERER", "")
    parts = urlsplit(referer)
    return bool(referer) and parts.scheme == request.scheme and parts.netloc == host


def _sent_fields(request: HttpRequest) -> tuple[list[SentField], list[str], bool]:
    """(the posted fields to send again, the names of the files that must be chosen again,
    whether a password was left out)."""
    try:
        post = request.POST
        files = request.FILES
    except (SuspiciousOperation, MultiPartParserError, RawPostDataException, OSError):
        # an unreadable body: nothing to show again
        return [], [], False
    fields, password = [], False
    for name, values in post.lists():
        if name in _NOT_RESENT:
            continue
        if "password" in name.lower():
            password = True
            continue
        for value in values:
            shown = bool(value.strip()) and not name.endswith(_MANAGEMENT_SUFFIXES)
            fields.append(SentField(name=name, value=value, shown=shown))
    names = [f.name for uploads in files.lists() for f in uploads[1] if f.name]
    return fields, names, password


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: nothing is done; what was typed comes back as a form to send again."""
    offer = request.method == "POST" and _same_origin(request)
    fields, files, password = _sent_fields(request) if offer else ([], [], False)
    context = {
        **way_back(request),
        "resend": offer and bool(fields),
        "action": request.get_full_path(),
        "fields": fields,
        "shown": [f for f in fields if f.shown],
        "files": files,
        "password_left_out": password,
        "multipart": bool(files),
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
    }
    if context["login_url"] and request.method != "GET":
        context["login_url"] = _url("accounts:login", "/accounts/login/")
    body = loader.render_to_string("csrf_failure.html", context, request=request)
    response = HttpResponse(body, status=403)
    response["Cache-Control"] = "no-store"
    return response
