from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import roles
from accounts.roles import organizer_required

from .fields import bound_upload
from .files import serve_protected
from .forms import SiteProfileForm
from .models import SiteProfile
from .params import local_url
from .site import site_profile_save


@login_required
def start(request):
    """Each role lands on its own start page (the public home's "进入工作台", and where
    logging in leads)."""
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


@organizer_required
def site_profile_edit(request):
    """网站信息: the header and footer every page shows (organizers). The logo (at most 2 MB)
    fits the ordinary request body limit: this is not an upload URL (core.uploads)."""
    profile = SiteProfile.current()
    form = SiteProfileForm(*bound_upload(request), instance=profile)
    if request.method == "POST" and form.is_valid():
        site_profile_save(
            profile=form.instance,
            logo=form.cleaned_data.get("logo_file") or None,
            remove_logo=form.cleaned_data.get("remove_logo", False),
            actor=request.user,
        )
        messages.success(request, _("The site information was saved."))
        return redirect("site_profile")
    return render(
        request,
        "site_profile.html",
        {"form": form, "profile": profile},
        status=400 if form.errors else 200,
    )


@require_GET
def site_logo(request, token):
    """The logo, for everyone (the header of public pages); its name changes with each upload."""
    profile = SiteProfile.objects.filter(logo_token=token).exclude(logo_token="").first()
    if profile is None or not profile.logo:
        raise Http404
    response = serve_protected(profile.logo, content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response
