from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from accounts import roles


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
        try:
            return redirect(reverse("publishing:series_list"))
        except NoReverseMatch:
            pass
    return render(request, "home.html")
