"""The events the portal sends messages for, with their placeholders and default wording.

A template's text names placeholders in braces, `{case}`; `render` fills them in. Every event
knows `{name}` (the recipient) and `{portal}` (the portal's name) besides its own. The default
wording is used until the organizer words a template of his or her own (messaging.models
.MessageTemplate: per call, or for the whole portal).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CALL_OPENED = "call_opened"
DEADLINE_APPROACHING = "deadline_approaching"
CASE_RETURNED = "case_returned"
CASE_ACCEPTED = "case_accepted"
CASE_REJECTED = "case_rejected"
JUDGE_INVITED = "judge_invited"
JUDGE_REMINDER = "judge_reminder"
NOTICE_PUBLISHED = "notice_published"
RESULTS_FINAL = "results_final"
CASE_PUBLISHED = "case_published"
CERTIFICATE_READY = "certificate_ready"
PASSWORD_RESET = "password_reset"  # noqa: S105 — an event name
ACCOUNT_INVITED = "account_invited"

#: Placeholders every event knows.
COMMON = {"name": _("the recipient's name"), "portal": _("the portal's name")}

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Event:
    key: str
    label: Promise
    placeholders: Mapping[str, Promise]  # name → what it holds (shown beside the editor)
    subject: Promise
    body: Promise
    sms: Promise
    sensitive: bool = False  # the text holds a secret (a reset link): the outbox hides it


EVENTS: dict[str, Event] = {
    e.key: e
    for e in (
        Event(
            CALL_OPENED,
            _("Call opened"),
            {
                "call": _("the call's title"),
                "deadline": _("the deadline"),
                "link": _("the link to the call"),
            },
            _("Call for cases: {call}"),
            _(
                "{name}:\n\nThe call “{call}” is open for submissions until {deadline}.\n"
                "Read the notice and submit your cases: {link}\n\n{portal}"
            ),
            _("{portal}: the call “{call}” is open until {deadline}. {link}"),
        ),
        Event(
            DEADLINE_APPROACHING,
            _("Deadline approaching (催交)"),
            {
                "call": _("the call's title"),
                "unit": _("the unit"),
                "deadline": _("the deadline"),
                "days": _("days left"),
                "link": _("the link to the call"),
            },
            _("{days} days left to submit to “{call}”"),
            _(
                "{name}:\n\n{unit} has not submitted a case to “{call}” yet. Submissions close "
                "on {deadline}, in {days} days.\n{link}\n\n{portal}"
            ),
            _("{portal}: {unit} has no case submitted to “{call}”; closes {deadline}. {link}"),
        ),
        Event(
            CASE_RETURNED,
            _("Case returned for revision"),
            {
                "case": _("the case's title"),
                "code": _("the case's code"),
                "call": _("the call's title"),
                "unit": _("the unit"),
                "reason": _("the organizer's reason"),
                "link": _("the link to the case"),
            },
            _("Case {code} “{case}” returned for revision"),
            _(
                "{name}:\n\nThe case “{case}” ({code}) of {unit} was returned for revision.\n"
                "Reason: {reason}\n\nRevise and submit it again: {link}\n\n{portal}"
            ),
            _("{portal}: case {code} “{case}” was returned for revision: {reason}"),
        ),
        Event(
            CASE_ACCEPTED,
            _("Case accepted"),
            {
                "case": _("the case's title"),
                "code": _("the case's code"),
                "call": _("the call's title"),
                "unit": _("the unit"),
                "link": _("the link to the case"),
            },
            _("Case {code} “{case}” accepted"),
            _(
                "{name}:\n\nThe case “{case}” ({code}) of {unit} passed screening and goes to "
                "judging.\n"
                "{link}\n\n{portal}"
            ),
            _("{portal}: case {code} “{case}” passed screening."),
        ),
        Event(
            CASE_REJECTED,
            _("Case rejected"),
            {
                "case": _("the case's title"),
                "code": _("the case's code"),
                "call": _("the call's title"),
                "unit": _("the unit"),
                "reason": _("the organizer's reason"),
                "link": _("the link to the case"),
            },
            _("Case {code} “{case}” not accepted"),
            _(
                "{name}:\n\nThe case “{case}” ({code}) of {unit} was not accepted.\nReason: "
                "{reason}\n"
                "{link}\n\n{portal}"
            ),
            _("{portal}: case {code} “{case}” was not accepted: {reason}"),
        ),
        Event(
            JUDGE_INVITED,
            _("Expert invited"),
            {
                "call": _("the call's title"),
                "round": _("the round"),
                "answer_by": _("answer by"),
                "link": _("the personal link to accept or decline"),
            },
            _("Invitation to judge: {call}, {round}"),
            _(
                "{name}:\n\nYou were drawn to judge “{call}”, {round}. Please accept or decline "
                "by {answer_by}: {link}\n\n{portal}"
            ),
            _("{portal}: you were drawn to judge “{call}”. Answer by {answer_by}: {link}"),
        ),
        Event(
            JUDGE_REMINDER,
            _("Expert reminder"),
            {
                "call": _("the call's title"),
                "round": _("the round"),
                "open": _("cases left to score"),
                "link": _("the link to the judge's queue"),
            },
            _("Reminder: {open} cases left to score in {round}"),
            _(
                "{name}:\n\n{open} cases of “{call}”, {round}, are waiting for your scores.\n"
                "{link}\n\n{portal}"
            ),
            _("{portal}: {open} cases of {round} are waiting for your scores. {link}"),
        ),
        Event(
            NOTICE_PUBLISHED,
            _("Public notice published"),
            {
                "call": _("the call's title"),
                "starts": _("the notice's first day"),
                "ends": _("the notice's last day"),
                "link": _("the link to the public notice"),
            },
            _("Public notice: {call}"),
            _(
                "{name}:\n\nThe results of “{call}” are on public notice from {starts} to "
                "{ends}.\n{link}\n\n{portal}"
            ),
            _("{portal}: the results of “{call}” are on public notice until {ends}. {link}"),
        ),
        Event(
            RESULTS_FINAL,
            _("Results final"),
            {"call": _("the call's title"), "link": _("the link to the unit's cases")},
            _("Final results: {call}"),
            _("{name}:\n\nThe results of “{call}” are final.\n{link}\n\n{portal}"),
            _("{portal}: the results of “{call}” are final. {link}"),
        ),
        Event(
            CASE_PUBLISHED,
            _("Case published"),
            {
                "case": _("the case's title"),
                "installment": _("the installment's title"),
                "link": _("the link to the installment"),
            },
            _("“{case}” is published"),
            _("{name}:\n\n“{case}” appears in {installment}.\n{link}\n\n{portal}"),
            _("{portal}: “{case}” appears in {installment}. {link}"),
        ),
        Event(
            CERTIFICATE_READY,
            _("Certificate ready"),
            {
                "case": _("the case's title"),
                "award": _("the award"),
                "number": _("the certificate's number"),
                "link": _("the link to download it"),
            },
            _("Award certificate: {case}"),
            _(
                "{name}:\n\nThe certificate for “{case}” ({award}, No. {number}) is ready to "
                "download: {link}\n\n{portal}"
            ),
            _("{portal}: the certificate for “{case}” ({award}) is ready. {link}"),
        ),
        Event(
            PASSWORD_RESET,
            _("Password reset"),
            {
                "username": _("the user name"),
                "link": _("the reset link (email)"),
                "code": _("the reset code (text message)"),
                "minutes": _("minutes the code is valid"),
            },
            _("Reset your password"),
            _(
                "{name}:\n\nSomeone asked to reset the password of {username}. If it was you, "
                "open this link: {link}\nOtherwise ignore this message.\n\n{portal}"
            ),
            _("{portal}: your password reset code is {code}, valid {minutes} minutes."),
            sensitive=True,
        ),
        Event(
            ACCOUNT_INVITED,
            _("Account invitation"),
            {"username": _("the user name"), "link": _("the link to set a password")},
            _("Your account at {portal}"),
            _(
                "{name}:\n\nAn account {username} was made for you. Set its password here: "
                "{link}\n\n{portal}"
            ),
            _("{portal}: account {username} was made for you. Set a password: {link}"),
            sensitive=True,
        ),
    )
}

EVENT_CHOICES = [(e.key, e.label) for e in EVENTS.values()]

#: Events about a person's account, never about a call: worded for the whole portal only.
PORTAL_ONLY = frozenset({PASSWORD_RESET, ACCOUNT_INVITED})

#: Sample values for the template editor's preview.
SAMPLES: Mapping[str, Promise] = {
    "name": _("Zhang Wei"),
    "call": _("2026 call for civic cases"),
    "deadline": _("30 June 2026, 17:00"),
    "link": _("https://cases.example.gov.cn/…"),
    "unit": _("Xinhua Street Office"),
    "days": _("3"),
    "case": _("A pocket park run by the neighbours"),
    "code": _("2026-0007"),
    "reason": _("Please add two photos of the park in use."),
    "round": _("first round"),
    "answer_by": _("12 July 2026, 18:00"),
    "open": _("5"),
    "starts": _("1 August 2026"),
    "ends": _("7 August 2026"),
    "installment": _("Civic cases (1)"),
    "award": _("Top ten"),
    "number": _("2026-001"),
    "username": _("zhangwei"),
    "minutes": _("15"),
}


def placeholders_used(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def unknown_placeholders(event: str, text: str) -> set[str]:
    """The placeholders `text` names that `event` does not know."""
    known = set(EVENTS[event].placeholders) | set(COMMON)
    return placeholders_used(text) - known


def render(text: str, context: Mapping[str, object]) -> str:
    """Fill the placeholders of `text` from `context`; a placeholder it lacks stays as written.
    Braces that name no placeholder (`{`, `{ x }`) are left alone."""
    return PLACEHOLDER.sub(
        lambda m: str(context[m.group(1)]) if m.group(1) in context else m.group(0), str(text)
    )
