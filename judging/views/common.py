"""What several judging pages share: the round an organizer opens, the state of its stored
results, and the messages after a declared conflict of interest."""

from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .. import selectors
from ..models import Round
from ..services import results as result_services


def organizer_round(pk) -> Round:
    """The round with this id among the organizer's rounds (404 otherwise)."""
    return get_object_or_404(selectors.rounds_for_organizer(), pk=pk)


def results_state(rnd: Round) -> str:
    """The state of the stored results to show: "fresh", "queued" or "stale". Only read: the
    services queue a recomputation when they make results stale, and the Recompute button
    (a POST) runs one (judging/services/results.py)."""
    return result_services.results_state(round=rnd)


def conflict_messages(request, outcome, *, organizer: bool) -> None:
    """What a declared conflict changed: to whom the case moved (names for the organizer only)
    and the rounds where no other judge was free."""
    messages.success(request, _("The conflict of interest was recorded."))
    if outcome.moved_to:
        if organizer:
            names = "、".join(j.name for j in outcome.moved_to)
            messages.info(request, _("The case moved to %(names)s.") % {"names": names})
        else:
            messages.info(request, _("The case was given to another judge."))
    for rnd in outcome.not_moved:
        messages.warning(
            request,
            _(
                "In “%(round)s” no other judge was free to take the case; "
                "the organizer sees it among the cases short of judges."
            )
            % {"round": rnd.name},
        )
