"""An account made with a password its holder did not choose (by import, or by an organizer:
`User.must_change_password`) is sent to the password change page on every page until the
password is changed; the page says why (templates/registration/password_change_form.html).
`User.set_password` clears the flag, so a change or a reset (by link or code) ends it."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from .middleware import DATABASE_ERRORS, database_unavailable

#: What such an account may still reach: changing the password, logging out, the language, the
#: health check (static files are served before any middleware, or skipped below).
EXEMPT = frozenset(
    {
        "accounts:password_change",
        "accounts:password_change_done",
        "accounts:logout",
        "set_language",
        "language_switch",
        "healthz",
    }
)


def exempt(path: str) -> bool:
    if path.startswith(settings.STATIC_URL):
        return True
    try:
        return resolve(path).view_name in EXEMPT
    except Resolver404:
        return False


class FirstLoginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            must_change = self.must_change(request)
        except DATABASE_ERRORS as exc:  # reading the session or the user: the clean 503 page
            return database_unavailable(request, exc)
        if must_change:
            return redirect("accounts:password_change")
        return self.get_response(request)

    @staticmethod
    def must_change(request) -> bool:
        user = getattr(request, "user", None)
        return bool(
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not exempt(request.path_info)
        )
