"""List pages run the same number of queries for 1 case and for 50 (no query per row)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from submissions.models import Case

from ..factories import CallFactory, UnitFactory
from .casekit import case_with_photos

STATUSES = [
    Case.Status.DRAFT,
    Case.Status.SUBMITTED,
    Case.Status.RETURNED,
    Case.Status.ACCEPTED,
    Case.Status.REJECTED,
]


def _cases(n: int, *, calls, units, start: int = 0) -> None:
    for i in range(start, start + n):
        case_with_photos(
            photos=2,
            call=calls[i % len(calls)],
            unit=units[i % len(units)],
            status=STATUSES[i % len(STATUSES)],
            status_reason="理由" * (i % 2),
        )


def _count_queries(client, url) -> int:
    client.get(url)  # warm up one-time caches (content types, sessions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _assert_same_for_50(client, url, django_assert_num_queries, grow) -> None:
    one = _count_queries(client, url)
    grow()
    with django_assert_num_queries(one):
        response = client.get(url)
    assert response.status_code == 200


def test_queries_organizer_call_page(
    client, call, unit_a, unit_b, organizer, django_assert_num_queries
):
    units = [unit_a, unit_b, UnitFactory()]
    _cases(1, calls=[call], units=units)
    client.force_login(organizer)
    url = call.get_absolute_url()

    _assert_same_for_50(
        client,
        url,
        django_assert_num_queries,
        lambda: _cases(49, calls=[call], units=units, start=1),
    )

    response = client.get(url)
    assert len(response.context["page"].object_list) == 50
    assert [c.photo_count for c in response.context["page"].object_list] == [2] * 50


def test_queries_unit_my_cases_page(client, call, unit_a, user_a, django_assert_num_queries):
    calls = [call, CallFactory()]
    _cases(1, calls=calls, units=[unit_a])
    client.force_login(user_a)
    url = reverse("submissions:case_list")

    _assert_same_for_50(
        client,
        url,
        django_assert_num_queries,
        lambda: _cases(49, calls=calls, units=[unit_a], start=1),
    )

    response = client.get(url)
    assert len(response.context["cases"]) == 50


def test_queries_unit_call_page(client, call, unit_a, unit_b, user_a, django_assert_num_queries):
    _cases(1, calls=[call], units=[unit_a])
    client.force_login(user_a)
    url = call.get_absolute_url()

    _assert_same_for_50(
        client,
        url,
        django_assert_num_queries,
        lambda: _cases(49, calls=[call], units=[unit_a], start=1),
    )

    response = client.get(url)
    assert len(response.context["cases"]) == 50


def test_queries_case_detail_page(client, call, unit_a, user_a, django_assert_num_queries):
    """A case's page does not grow with its photos and history either."""
    case = case_with_photos(photos=1, call=call, unit=unit_a)
    client.force_login(user_a)
    url = case.get_absolute_url()

    def grow():
        from .casekit import photo_add

        for i in range(4):
            photo_add(case, caption=f"■{i}", position=i + 2)

    _assert_same_for_50(client, url, django_assert_num_queries, grow)


def _open_calls(n: int, *, unit) -> None:
    """Open calls, every other one with an extension for `unit`."""
    from datetime import timedelta

    from ..factories import DeadlineExtensionFactory

    for i in range(n):
        call = CallFactory.create()
        if i % 2:
            DeadlineExtensionFactory(call=call, unit=unit, until=call.closes_at + timedelta(days=3))


def test_queries_units_call_list_and_my_cases_with_deadlines(
    client, unit_a, user_a, django_assert_num_queries
):
    """The unit's deadline of each open call (extensions included) costs no query per call."""
    _open_calls(1, unit=unit_a)
    client.force_login(user_a)
    urls = (reverse("submissions:call_list"), reverse("submissions:case_list"))
    one = [_count_queries(client, url) for url in urls]
    _open_calls(9, unit=unit_a)
    for url, n in zip(urls, one, strict=True):
        with django_assert_num_queries(n):
            response = client.get(url)
        page = response.content.decode()
        assert page.count("data-deadline") == 10
        assert page.count("(extended for your unit)") == 4
