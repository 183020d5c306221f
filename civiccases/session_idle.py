"""The idle timeout without a database write on every request.

A session ends SESSION_COOKIE_AGE seconds after it was last refreshed. Django's
SESSION_SAVE_EVERY_REQUEST refreshes it on every request, which costs an UPDATE (and a
transaction) on every page view. This middleware refreshes a signed-in session at most once every
SESSION_REFRESH_SECONDS, so the idle timeout holds to within that interval and most page views
write nothing. Anonymous visitors get no session from it (public pages stay cacheable).
"""

import time

from django.conf import settings

REFRESHED_KEY = "_refreshed_at"


class SessionIdleRefreshMiddleware:
    """Place right after SessionMiddleware (its response step runs before the session is saved)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            response.status_code >= 500
            or session is None
            or session.is_empty()
            or not session.session_key
        ):
            return response  # a failed request (the database may be down) refreshes nothing
        now = int(time.time())
        if now - session.get(REFRESHED_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
            session[REFRESHED_KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        return response
