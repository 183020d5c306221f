"""Forgotten passwords: a reset link by email (Django's views in the portal's layout) and, when
an SMS backend is configured, a 6-digit code by text message.

It lives in the project package because it sends through `messaging`, which sits above
`accounts`. Neither way tells whether an account or an address exists: every request gets the
same answer. Requests are limited per account and per client address (core/cache.py); a wrong
code counts as a failed login for django-axes, and an account locked out by axes cannot reset by
code until the lockout ends.
"""

import secrets
import time
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.models import ResetCode, User
from audit.context import acts
from audit.middleware import client_address
from core import cache
from messaging import events, sms
from messaging.services import messages_dispatch

from .password_reset_forms import (
    CODE_DIGITS,
    ResetByEmailForm,
    ResetBySmsForm,
    ResetCodeForm,
    link_minutes,
)

#: A code sent by text message is valid this long, and refused after this many wrong tries.
CODE_MINUTES = 10
CODE_ATTEMPTS = 5
#: The session keys of the code path: who asked (user name given, user id or None), and who
#: gave the right code (user id, when).
PENDING_KEY = "reset_sms_pending"
PROVEN_KEY = "reset_sms_proven"


def over_limit(request: HttpRequest, account: str) -> bool:
    """Counts one reset request for the account (user name, email address: lower case) and for
    the client address; True when either is over the limit."""
    limit, window = cache.RESET_REQUESTS_PER_WINDOW, cache.RESET_WINDOW
    by_account = cache.rate_limit_hit(
        "reset-account", account.strip().lower(), limit=limit, window=window
    )
    address = client_address(request) or "unknown"
    by_address = cache.rate_limit_hit("reset-address", address, limit=limit, window=window)
    return by_account or by_address


def limit_message() -> str:
    return _(
        "Too many password reset requests for this account or from this computer. Try again "
        "in an hour, or ask the organizer."
    )


def locked(request: HttpRequest, username: str) -> bool:
    """The account (user name, from this address: settings.AXES_LOCKOUT_PARAMETERS) is locked
    out by django-axes."""
    if not settings.AXES_ENABLED:
        return False
    return AxesProxyHandler.is_locked(request, {"username": username})


def locked_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return _(
        "This account is locked after too many failed logins or wrong codes. It cannot be "
        "reset by text message until the lockout ends, in at most %(minutes)d minutes."
    ) % {"minutes": minutes}


# ---- by email --------------------------------------------------------------------------------


def _sms_context() -> dict:
    return {"sms_enabled": sms.enabled()}


class EmailResetView(auth_views.PasswordResetView):
    form_class = ResetByEmailForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("reset:email_sent")
    extra_context = None

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_sms_context()}

    def form_valid(self, form):
        if over_limit(self.request, form.cleaned_data["email"]):
            form.add_error(None, limit_message())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class EmailSentView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "minutes": link_minutes()}


class ConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("reset:complete")


class CompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


# ---- by text message -------------------------------------------------------------------------


def code_hash(user_id: int, code: str) -> str:
    return salted_hmac("civiccases.password_reset.code", f"{user_id}:{code}").hexdigest()


def _account_for(who: str) -> User | None:
    """The active account of this user name, or the only active account with this mobile
    number."""
    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(username__iexact=who).first()
    if user is not None:
        return user
    by_phone = list(users.filter(~Q(phone=""), phone=who)[:2])
    return by_phone[0] if len(by_phone) == 1 else None


@acts
@transaction.atomic
def reset_code_send(*, user: User, actor: User | None) -> None:
    """A new code for `user` (earlier ones are void), sent by text message through the outbox;
    only its hash is kept."""
    now = timezone.now()
    ResetCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    ResetCode.objects.create(
        user=user,
        code_hash=code_hash(user.pk, code),
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    messages_dispatch(
        event=events.PASSWORD_RESET,
        recipients=[user],
        context={"username": user.username, "link": "", "code": code, "minutes": CODE_MINUTES},
        channels=["sms"],
        actor=actor,
    )


RIGHT, WRONG, EXPIRED, SPENT = "right", "wrong", "expired", "spent"


@acts
@transaction.atomic
def reset_code_check(*, user_id: int | None, code: str, actor: User | None) -> str:
    """RIGHT (the code is used up), WRONG (one attempt counted), EXPIRED or SPENT (too many
    wrong tries): the user's latest code against `code`."""
    row = (
        ResetCode.objects.select_for_update()
        .filter(user_id=user_id, used_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
        if user_id is not None
        else None
    )
    if row is None:
        return WRONG
    if row.expires_at <= timezone.now():
        return EXPIRED
    if row.attempts >= CODE_ATTEMPTS:
        return SPENT
    if constant_time_compare(row.code_hash, code_hash(row.user_id, code)):
        row.used_at = timezone.now()
        row.save(update_fields=["used_at"])
        return RIGHT
    row.attempts += 1
    row.save(update_fields=["attempts"])
    return SPENT if row.attempts >= CODE_ATTEMPTS else WRONG


def _sms_only():
    if not sms.enabled():
        raise Http404


@never_cache
def sms_start(request: HttpRequest) -> HttpResponse:
    _sms_only()
    form = ResetBySmsForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        who = form.cleaned_data["who"]
        user = _account_for(who)
        username = user.username if user is not None else who
        if over_limit(request, username):
            form.add_error(None, limit_message())
            status = 429
        elif locked(request, username):
            form.add_error(None, locked_message())
            status = 429
        else:
            if user is not None and user.phone.strip():
                reset_code_send(user=user, actor=None)
            request.session[PENDING_KEY] = {
                "username": username,
                "user": user.pk if user is not None else None,
            }
            request.session.pop(PROVEN_KEY, None)
            return redirect("reset:sms_code")
    return render(request, "registration/password_reset_sms.html", {"form": form}, status=status)


@never_cache
def sms_code(request: HttpRequest) -> HttpResponse:
    _sms_only()
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return redirect("reset:sms")
    username = pending["username"]
    form = ResetCodeForm(request.POST or None)
    context = {"form": form, "minutes": CODE_MINUTES}
    if locked(request, username):
        return render(
            request,
            "registration/password_reset_sms_code.html",
            {**context, "locked": locked_message()},
            status=429,
        )
    if request.method == "POST" and form.is_valid():
        result = reset_code_check(
            user_id=pending["user"], code=form.cleaned_data["code"], actor=None
        )
        if result == RIGHT:
            request.session.pop(PENDING_KEY, None)
            request.session[PROVEN_KEY] = {"user": pending["user"], "at": int(time.time())}
            return redirect("reset:sms_set")
        # A wrong code is a failed login for django-axes (the lockout of settings.AXES_*).
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        form.add_error(
            "code",
            {
                WRONG: _("The code is wrong. Check the text message and type it again."),
                EXPIRED: _("The code has expired. Ask for a new one."),
                SPENT: _("Too many wrong codes. Ask for a new one."),
            }[result],
        )
        return render(request, "registration/password_reset_sms_code.html", context, status=400)
    return render(request, "registration/password_reset_sms_code.html", context)


@never_cache
@sensitive_post_parameters()
def sms_set(request: HttpRequest) -> HttpResponse:
    _sms_only()
    proven = request.session.get(PROVEN_KEY) or {}
    fresh = int(time.time()) - int(proven.get("at", 0)) <= CODE_MINUTES * 60
    user_id = proven.get("user")
    user = (
        get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if isinstance(user_id, int)
        else None
    )
    if user is None or not fresh:
        request.session.pop(PROVEN_KEY, None)
        return redirect("reset:sms")
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()  # set_password: the first-login request to change it is met too
        request.session.pop(PROVEN_KEY, None)
        if settings.AXES_ENABLED:
            AxesProxyHandler.reset_attempts(username=user.username)
        return redirect("reset:complete")
    return render(
        request,
        "registration/password_reset_confirm.html",
        {"form": form, "validlink": True},
        status=400 if form.errors else 200,
    )


app_name = "reset"

urlpatterns = [
    path("password/reset/", EmailResetView.as_view(), name="email"),
    path("password/reset/sent/", EmailSentView.as_view(), name="email_sent"),
    path("reset/<uidb64>/<token>/", ConfirmView.as_view(), name="confirm"),
    path("reset/done/", CompleteView.as_view(), name="complete"),
    path("password/reset/sms/", sms_start, name="sms"),
    path("password/reset/sms/code/", sms_code, name="sms_code"),
    path("password/reset/sms/new/", sms_set, name="sms_set"),
]
