"""A database that is down or restarting gives visitors a clean 503 page, never a traceback.

The page is rendered without the database, the session or any context processor (all of which
would fail again) and asks the browser to come back after a minute (Retry-After). Nothing is
cached: the next request opens a new connection (CONN_HEALTH_CHECKS) and the portal recovers by
itself once the database is back.
"""

import logging
import sys

from django.conf import settings
from django.contrib.sessions import middleware as sessions
from django.contrib.sessions.exceptions import SessionInterrupted
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve

from core import errors
from core.uploads import upload_limit

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 60
DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable(request, exc: BaseException) -> HttpResponse:
    """The 503 response for a request that failed because the database is unreachable."""
    log.warning(
        "database unavailable for %s %s: %s: %s",
        request.method,
        request.path,
        exc.__class__.__name__,
        str(exc).strip()[:300],
    )
    body = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database connection error raised by a view (or its template) into the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request, exception)
        return None


def _database_error_in(exc: BaseException | None) -> BaseException | None:
    """The database connection error behind `exc` (itself, its cause or context), if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DATABASE_ERRORS):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


# Answered without a session: a load balancer's health check must report the database, not
# fail on the session that a cookie may name. Kept in step with civiccases/urls.py by a test.
SESSIONLESS_PATHS = frozenset({"/healthz"})


class SessionMiddleware(sessions.SessionMiddleware):
    """Django's session middleware, except

    * on SESSIONLESS_PATHS the request gets an empty session that is never loaded nor saved
      (the visitor's cookie is left alone);
    * when the database goes away while the session is read or saved after the view, Django
      would answer 400 (its session save turns every database error into "session
      interrupted") or 500. The answer is the 503 page; an error response (5xx), whose session
      Django never saves, goes out as it is."""

    def process_request(self, request):
        if request.path_info in SESSIONLESS_PATHS:
            request.session = self.SessionStore(None)
            request.sessionless = True
            return
        super().process_request(request)

    def process_response(self, request, response):
        if getattr(request, "sessionless", False):
            return response
        try:
            return super().process_response(request, response)
        except (SessionInterrupted, *DATABASE_ERRORS) as exc:
            cause = _database_error_in(exc)
            if cause is None:
                raise
            if response.status_code >= 500:
                return response
            return database_unavailable(request, cause)


def server_error(request):
    """handler500: an error raised outside a view (e.g. by a middleware) because the database is
    unreachable still gives the 503 page; every other error gives the portal's 500 page
    (core/errors.py: in the visitor's language, rendered without the database)."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        return database_unavailable(request, exc)
    return errors.server_error(request)


def content_length(request) -> int:
    """The Content-Length the client announced (0 when absent or malformed, as Django reads it:
    then nothing of the body is read)."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def body_limit(request) -> int:
    """The largest body this request may carry: an upload URL's own limit for a signed-in user,
    DATA_UPLOAD_MAX_MEMORY_SIZE for everything else."""
    small = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if not request.user.is_authenticated:
        return small
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return small
    return max(small, upload_limit(match.func) or 0)


def request_too_large(request, limit: int) -> HttpResponse:
    log.warning(
        "request body refused for %s %s: %s bytes announced, at most %s",
        request.method,
        request.path,
        request.META.get("CONTENT_LENGTH"),
        limit,
    )
    body = loader.get_template("413.html").render({"limit_mb": max(1, limit // (1024 * 1024))})
    response = HttpResponse(body, status=413, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["Connection"] = "close"  # the body was not read: the connection cannot be reused
    return response


class RequestBodyLimitMiddleware:
    """Refuses with 413, before anything reads the body, a request whose announced length is over
    its limit (`body_limit`). Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds only the form fields of a
    multipart body: without this, an anonymous 150 MB upload to the login page was parsed (and
    spooled to disk) in full before the page refused it. Placed after the authentication
    middleware and before any that reads request.POST (CSRF reads it in process_view, after
    every __call__)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = content_length(request)
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            limit = body_limit(request)
            if length > limit:
                return request_too_large(request, limit)
        return self.get_response(request)
