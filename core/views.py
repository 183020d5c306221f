from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from accounts import roles

from .params import local_url


@login_required
def home(request):
    """Each role lands on its own start page."""
    user = request.user
    if roles.is_organizer(user):
        return redirect("submissions:call_list")
    if roles.is_unit_member(user):
        return redirect("submissions:case_list")
    if roles.is_judge(user):
        return redirect("judging:home")
    if roles.is_editor(user):
        return redirect("publishing:series_list")
    return render(request, "home.html")


def language_switch(request, code):
    """The language switch of visitors who are not logged in: a link, so that public pages carry
    no per-visitor token and can be cached whole. Only sets the language cookie."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    response = redirect(local_url(request, request.GET.get("next"), "/"))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
