"""The public home `/` and the public call pages: what anyone reads without an account.

The home pulls from three apps through their public selectors — the open calls
(submissions), the public notices (judging) and the published series (publishing) — so it
lives here, in the highest app that reads them. Anonymous visitors all get the same page,
served whole from the cache (core/cache.py); signed-in users get the same content with their
way to their start page ("进入工作台")."""

from django.contrib.messages import get_messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from core import cache as caches
from judging import selectors as judging_selectors
from submissions import selectors as submission_selectors
from submissions.models import Call

from .. import selectors

#: How many notices and series the home lists (the latest ones).
HOME_NOTICES = 20
HOME_SERIES = 20


def _notice_rows(notices, now) -> tuple[list, list]:
    current: list = []
    past: list = []
    for notice in notices:
        running = notice.finalized_at is None and now < notice.ends_at
        (current if running else past).append(notice)
    return current, past


@require_GET
def home(request):
    # A visitor with a message waiting (shown once, by base.html) gets a page of his own.
    shared = not request.user.is_authenticated and len(get_messages(request)) == 0
    if shared:
        key = caches.public_home_key(language=get_language())
        html = caches.public_home_get(key)
        if html is not None:
            return HttpResponse(html)
    now = timezone.now()
    current, past = _notice_rows(judging_selectors.public_notices(now=now)[:HOME_NOTICES], now)
    response = render(
        request,
        "publishing/home.html",
        {
            "calls": list(submission_selectors.calls_open_public(now=now)),
            "current_notices": current,
            "past_notices": past,
            "series_rows": selectors.series_public_latest(limit=HOME_SERIES),
            "now": now,
        },
    )
    if shared:
        caches.public_home_put(key, response.content)
    return response


@require_GET
def call_detail(request, slug):
    """A call as the public reads it: its notice, dates, rules, documents and what came of it
    (its public notice, its series). Never a draft call."""
    now = timezone.now()
    try:
        call = submission_selectors.call_public(slug=slug, now=now)
    except Call.DoesNotExist:
        raise Http404 from None
    notice = judging_selectors.public_notice(slug=call.slug, now=now)
    return render(
        request,
        "publishing/call_public.html",
        {
            "call": call,
            "now": now,
            "deadline": submission_selectors.collection_deadline(call=call),
            "documents": list(submission_selectors.call_documents(call=call)),
            "categories": list(call.categories.order_by("position", "id")),
            "open": call.is_open_for_submissions and call.closes_at > now,
            "template": call.is_open_for_submissions,
            "notice": notice,
            "series_list": list(
                selectors.series_visible_to(None).filter(call=call).order_by("created_at", "id")
            ),
        },
    )
