"""Invitations and pledges: the expert's personal invitation link (no login), the judge's
pledge page, and the organizer's actions on the round page (invite by hand, resend, the pledge
text, the record of pledges and invitations as .xlsx)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import organizer_required
from audit.middleware import client_address
from core import spreadsheet
from core.flash import flash_errors
from submissions.models import Unit

from .. import selectors
from ..exports_pledges import pledges_filename, pledges_workbook
from ..forms_invitations import InvitationAnswerForm, InviteForm, PledgeForm, PledgeTextForm
from ..models import Invitation, Round
from ..services import invitations, pledges
from .common import organizer_round
from .scoring import judge_required


def round_context(rnd: Round) -> dict:
    """What the round page shows of invitations and pledges (four queries)."""
    return {
        "invitations": list(selectors.round_invitations(round=rnd)),
        "n_unfilled": invitations.unfilled(round=rnd).count(),
        "n_waiting": Invitation.objects.filter(round=rnd, status=Invitation.Status.WAITING).count(),
        "pledges": list(selectors.round_pledges(round=rnd)),
        "invite_form": InviteForm(round=rnd),
        "pledge_text_form": PledgeTextForm(initial={"pledge_text": rnd.call.pledge_text}),
    }


@never_cache
def invitation_respond(request, token):
    """The expert's personal link: the call, the round, the dates and the duty; accept, or
    decline with a reason. No login: the link is the key (404 for any other)."""
    inv = invitations.invitation_by_token(token)
    if inv is None:
        raise Http404
    form = InvitationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["answer"] == "accept":
                invitations.invitation_accept(invitation=inv, actor=inv.judge.user)
                messages.success(
                    request,
                    _(
                        "Thank you: you are on the panel. Log in and sign the pledge before "
                        "the cases are shown to you."
                    ),
                )
            else:
                invitations.invitation_decline(
                    invitation=inv, reason=form.cleaned_data["reason"], actor=inv.judge.user
                )
                messages.success(request, _("Your answer was recorded. Thank you."))
        except ValidationError as exc:
            flash_errors(request, exc)
        return redirect("judging:invitation", token=inv.token)
    inv.refresh_from_db()
    return render(
        request,
        "judging/invitation.html",
        {
            "inv": inv,
            "round": inv.round,
            "call": inv.round.call,
            "form": form,
            "late": inv.respond_by is not None and inv.respond_by < timezone.now(),
        },
        status=400 if form.errors else 200,
    )


@organizer_required
@require_POST
def round_invite(request, pk):
    rnd = organizer_round(pk)
    form = InviteForm(request.POST, round=rnd)
    if not form.is_valid():
        messages.error(request, _("Choose an expert of the pool who is not invited yet."))
        return redirect("judging:round_detail", pk=rnd.pk)
    try:
        inv = invitations.invitation_add(
            round=rnd, judge=form.cleaned_data["judge"], actor=request.user
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request, _("%(name)s was invited; the email is on its way.") % {"name": inv.judge.name}
        )
    return redirect(f"{rnd.get_absolute_url()}#invitations")


@organizer_required
@require_POST
def invitation_resend(request, pk):
    inv = get_object_or_404(Invitation.objects.select_related("round", "judge"), pk=pk)
    try:
        invitations.invitation_resend(invitation=inv, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("The invitation was sent again to %(name)s.") % {"name": inv.judge.name},
        )
    return redirect(f"{inv.round.get_absolute_url()}#invitations")


@organizer_required
@require_POST
def round_pledge_text(request, pk):
    rnd = organizer_round(pk)
    form = PledgeTextForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The pledge text is empty or too long."))
    else:
        try:
            pledges.pledge_text_set(
                call=rnd.call, text=form.cleaned_data["pledge_text"], actor=request.user
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("The pledge text was saved."))
    return redirect(f"{rnd.get_absolute_url()}#pledges")


@organizer_required
@require_GET
def round_pledges_export(request, pk):
    rnd = organizer_round(pk)
    return spreadsheet.response(pledges_workbook(round=rnd), pledges_filename(rnd))


@never_cache
@judge_required
def pledge(request, pk):
    """The pledge of a round: its text, the round's units (declare a conflict right here), the
    name typed and a tick box. Nothing of the round's cases is shown before it is signed."""
    rnd = selectors.pledge_round_for_judge(request.user, pk=pk)
    if rnd is None:
        raise Http404
    judge = selectors.judge_for(request.user)
    assert judge is not None  # judge_required
    units = pledges.round_units(round=rnd)
    form = PledgeForm(request.POST or None, units=Unit.objects.filter(pk__in=[u.pk for u in units]))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pledges.pledge_sign(
                round=rnd,
                judge=judge,
                typed_name=data["typed_name"],
                agreed=data["agreed"],
                ip_address=client_address(request),
                conflict_unit_ids=[u.pk for u in data["conflict_units"]],
                conflict_reason=data["conflict_reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(request, _("Your pledge was signed. Thank you."))
            if selectors.assignments_for_judge(request.user, round=rnd).exists():
                return redirect("judging:queue", pk=rnd.pk)
            return redirect("judging:home")
    return render(
        request,
        "judging/pledge.html",
        {"round": rnd, "judge": judge, "units": units, "form": form},
        status=400 if form.errors else 200,
    )
