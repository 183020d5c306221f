"""The life of a call (征集活动): its states, the moves between them, and what each state allows.

States, in order: draft → open → closed → judging → notice (公示) → final.

Moves (`TRANSITIONS`; `via` names the one service that makes each move):

=========  =========  ==========  ==========================================================
from       to         via         made by
=========  =========  ==========  ==========================================================
draft      open       organizer   services.call_set_status ("Open for submissions")
open       draft      organizer   services.call_set_status (back to a draft)
open       closed     organizer   services.call_set_status ("Close the call")
closed     open       organizer   services.call_set_status (collection reopened)
closed     judging    round       judging.services.rounds.round_set_status (a round opens)
open       judging    round       the same, while collection is still open: see below
judging    notice     notice      judging.services.results.notice_publish
notice     final      finalize    judging.services.results.call_finalize
=========  =========  ==========  ==========================================================

Every other pair is refused. A service asking for a move names its `via`; a move listed for
another service is refused too (the organizer's status buttons cannot start judging).

Collection and judging may overlap (`COLLECTION_AND_JUDGING_OVERLAP`, on), but only when the
organizer says so. Opening a round while the call still collects cases (open, deadline ahead)
asks the organizer (judging.services.rounds.round_set_status):

- close collection now: the call moves to "judging" (units can no longer submit or withdraw,
  a returned case can no longer be resubmitted, screening ends) and its deadline
  (`closes_at`) becomes that moment, so every page tells when collection really ended;
- keep collecting: the call stays "open" until its deadline (`Call.judging_while_open` records
  the answer; the call cannot go back to a draft); the round judges the cases it was filled
  with, and the organizer adds later accepted cases from the round's page. Collection ends
  when the organizer ends it from the round's page or opens a later round after the deadline
  (both move the call to "judging", via ROUND).

What a state allows (`ALLOWS`) is read through `allows(call, WHAT)` and the model's
`Call.is_final` / `Call.is_open_for_submissions`; querysets filter on `states_allowing(WHAT)`.
These check the status only: the deadline, extensions and the case's own state are the
services' business.

`call_transition` is the only writer of `Call.status` in the application. Demo builders, the
benchmarks and tests that must place a call in a state without walking the services use
`call_place_for_setup` (and nothing else does).
"""

from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit import services as audit
from core import cache as site_cache

from .models import Call

S = Call.Status

#: The state a new call starts in.
INITIAL = S.DRAFT

# Who makes a move (`via`).
ORGANIZER = "organizer"  # the organizer's status buttons: services.call_set_status
ROUND = "round"  # opening a judging round: judging.services.rounds.round_set_status
NOTICE = "notice"  # publishing the public notice: judging.services.results.notice_publish
FINALIZE = "finalize"  # finalizing the awards: judging.services.results.call_finalize
# finalizing an imported historical call (Call.imported): no notice on the portal, the reason
# for the import is recorded instead (judging.services.results.call_finalize)
FINALIZE_IMPORTED = "finalize_imported"

#: Whether a round may open (and end collection) while the call is still open.
COLLECTION_AND_JUDGING_OVERLAP = True


class Transition(NamedTuple):
    source: str
    target: str
    via: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.OPEN, ORGANIZER),
    Transition(S.OPEN, S.DRAFT, ORGANIZER),
    Transition(S.OPEN, S.CLOSED, ORGANIZER),
    Transition(S.CLOSED, S.OPEN, ORGANIZER),
    Transition(S.CLOSED, S.JUDGING, ROUND),
    *((Transition(S.OPEN, S.JUDGING, ROUND),) if COLLECTION_AND_JUDGING_OVERLAP else ()),
    Transition(S.JUDGING, S.NOTICE, NOTICE),
    Transition(S.NOTICE, S.FINAL, FINALIZE),
    Transition(S.JUDGING, S.FINAL, FINALIZE_IMPORTED),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}

# What a state allows.
SUBMIT = "submit"  # units submit and withdraw cases (within the deadline)
RESUBMIT_RETURNED = "resubmit_returned"  # a returned case is resubmitted, even after the deadline
SCREEN = "screen"  # the organizer accepts, rejects or returns cases
JUDGING_PAGES = "judging_pages"  # the call is listed on the judging and results pages
OPEN_ROUND = "open_round"  # a judging round may be opened
CHANGE_RESULTS = "change_results"  # scores imported, results computed, awards proposed/adjusted
CHANGE_AWARD_NUMBERS = "change_award_numbers"  # the number of 十佳 and 优秀 awards
PUBLISH_NOTICE = "publish_notice"  # the public notice is published (again)
FINALIZE_AWARDS = "finalize_awards"  # results and awards are locked
PUBLISH_SERIES = "publish_series"  # a series is drafted from the awards
EDIT_FORM = "edit_form"  # the organizer shapes the case form: its fields and categories

_COLLECTING = {SUBMIT, RESUBMIT_RETURNED, SCREEN}
# The case form may change until judging starts; answers given before are checked against the
# new rules when a case is (re)submitted.
_UNLOCKED = {CHANGE_RESULTS, CHANGE_AWARD_NUMBERS}

ALLOWS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({*_UNLOCKED, EDIT_FORM}),
    S.OPEN: frozenset(
        {*_COLLECTING, *_UNLOCKED, JUDGING_PAGES, EDIT_FORM}
        | ({OPEN_ROUND} if COLLECTION_AND_JUDGING_OVERLAP else set())
    ),
    S.CLOSED: frozenset(
        {RESUBMIT_RETURNED, SCREEN, *_UNLOCKED, JUDGING_PAGES, OPEN_ROUND, EDIT_FORM}
    ),
    S.JUDGING: frozenset({*_UNLOCKED, JUDGING_PAGES, OPEN_ROUND, PUBLISH_NOTICE}),
    S.NOTICE: frozenset({*_UNLOCKED, JUDGING_PAGES, PUBLISH_NOTICE, FINALIZE_AWARDS}),
    S.FINAL: frozenset({JUDGING_PAGES, PUBLISH_SERIES}),
}

WHATS = (
    SUBMIT,
    RESUBMIT_RETURNED,
    SCREEN,
    JUDGING_PAGES,
    OPEN_ROUND,
    CHANGE_RESULTS,
    CHANGE_AWARD_NUMBERS,
    PUBLISH_NOTICE,
    FINALIZE_AWARDS,
    PUBLISH_SERIES,
    EDIT_FORM,
)


def _status_of(call_or_status) -> str:
    return getattr(call_or_status, "status", call_or_status)


def allows(call_or_status, what: str) -> bool:
    """Whether a call (or a status) allows `what` (one of this module's names)."""
    if what not in WHATS:
        raise ValueError(f"unknown lifecycle permission {what!r}")
    return what in ALLOWS[_status_of(call_or_status)]


def states_allowing(what: str) -> list[str]:
    """The statuses that allow `what`, for queryset filters (`status__in=`)."""
    if what not in WHATS:
        raise ValueError(f"unknown lifecycle permission {what!r}")
    return [status for status in S.values if what in ALLOWS[status]]


def is_final(call_or_status) -> bool:
    """Results and awards are final and locked."""
    return _status_of(call_or_status) == S.FINAL


def can_move(source: str, target: str, *, via: str | None = None) -> bool:
    """Whether the table lists the move (made by `via`, when given)."""
    move = _BY_PAIR.get((source, target))
    return move is not None and (via is None or move.via == via)


def moves_from(source: str, *, via: str | None = None) -> list[str]:
    """The states a call in `source` can move to (by `via`, when given), in table order."""
    return [t.target for t in TRANSITIONS if t.source == source and (via is None or t.via == via)]


def _refusal(source: str, target: str) -> ValidationError:
    return ValidationError(
        _("A call in state “%(state)s” cannot change to “%(new)s”."),
        code="transition",
        params={"state": S(source).label, "new": S(target).label},
    )


@transaction.atomic
def call_transition(*, call: Call, to: str, actor, reason: str = "", via: str | None = None):
    """Move the call to the state `to`: the only writer of `Call.status`.

    Locks the call row (a concurrent move waits, then sees the new state), checks the move
    against `TRANSITIONS` (and that it is `via`'s to make, when given), writes, and records one
    audit entry with the actor (the current one when None) and the reason. Updates and returns
    `call`. Refused with a ValidationError naming both states.
    """
    if to not in S.values:
        raise ValidationError(_("Unknown call state."), code="transition")
    source = Call.objects.select_for_update().values_list("status", flat=True).get(pk=call.pk)
    call.status = source
    if not can_move(source, to, via=via):
        raise _refusal(source, to)
    if (source, to) == (S.JUDGING, S.FINAL) and not Call.objects.filter(
        pk=call.pk, imported=True
    ).exists():
        # Only an imported historical call skips the public notice.
        raise _refusal(source, to)
    with audit.untracked():  # the entry below carries the reason
        call.status = to
        call.save(update_fields=["status", "updated_at"])
    audit.record(obj=call, changes={"status": (source, to)}, note=reason.strip(), actor=actor)
    site_cache.public_home_changed()  # the home lists open calls and running notices
    if (source, to) == (S.DRAFT, S.OPEN):
        from .messages import call_opened

        call_opened(call=call, actor=actor)
    return call


def call_place_for_setup(*, call: Call, status: str, note: str = "") -> Call:
    """Put a call straight into a state, skipping the table: ONLY for demo builders,
    benchmarks and tests that build data quickly (an audit entry says so)."""
    if status not in S.values:
        raise ValueError(f"unknown call status {status!r}")
    before = Call.objects.values_list("status", flat=True).get(pk=call.pk)
    with audit.untracked():
        Call.objects.filter(pk=call.pk).update(status=status)
    audit.record(
        obj=call,
        changes={"status": (before, status)},
        note=note or _("Placed in this state directly (demo or test data)."),
        actor=None,
    )
    call.status = status
    return call
