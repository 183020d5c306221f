"""The public notice page (公示): anyone, logged in or not, reads the provisional award list.

Only the case titles, their units and the award levels are shown — never a score, a rank
number of the ranking, a judge or a contact — and only from the notice's start."""

from collections import Counter

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import selectors, workdays
from ..models import Award, ResultSignature, RoundSigning
from ..services import ties


@require_GET
def public_notice(request, slug):
    notice = selectors.public_notice(slug=slug)
    if notice is None:
        raise Http404
    awards = selectors.public_awards(call=notice.call)
    groups = selectors.awards_by_category(awards)
    now = timezone.now()
    if notice.finalized_at:
        state = "final"
    elif now < notice.ends_at:
        state = "running"
    else:
        state = "ended"
    last_round = notice.call.rounds.order_by("-number").first()
    signed = (
        RoundSigning.objects.filter(round=last_round, locked_at__isnull=False).first()
        if last_round is not None
        else None
    )
    states = (
        Counter(
            ResultSignature.objects.filter(
                round=last_round, role=ResultSignature.Role.JUDGE
            ).values_list("state", flat=True)
        )
        if signed
        else Counter()
    )
    return render(
        request,
        "judging/public_notice.html",
        {
            # The signed results (no judge's name: counts of the three states) and the hashes
            # anyone can check a sheet against (manage.py verify_results).
            "signed": signed,
            "signed_counts": [
                (label, states.get(value, 0)) for value, label in ResultSignature.State.choices
            ],
            "notice_workdays": workdays.workdays_between(
                timezone.localtime(notice.starts_at).date(),
                timezone.localtime(notice.ends_at).date(),
            ),
            "notice": notice,
            "call": notice.call,
            "state": state,
            "top": [a for a in awards if a["level"] == Award.Level.TOP],
            "excellent": [a for a in awards if a["level"] == Award.Level.EXCELLENT],
            # Awards given within categories: one section per category, in their order.
            "categories": groups if any(g.category for g in groups) else [],
            # People's decisions on ties at an award line (cases named by their titles).
            "tie_decisions": ties.public_decisions(call=notice.call),
        },
    )
