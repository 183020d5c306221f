"""The audit trail's filter (audit.forms.LogFilterForm) on the log page and in the .xlsx export:
hostile text, numbers and dates in every field. Never a server error: a page or a workbook, or
the page again (400) showing what to correct. The shared strategies are in tests/fuzzkit.py."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from audit.forms import LogFilterForm

from .factories import CallFactory
from .fuzzkit import (
    FUZZ,
    assert_form_error,
    fuzzes,
    get_ok,
    hostile,
    hostile_number,
    hostile_small,
)

LOG = reverse("audit:log")
EXPORT = reverse("audit:export")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

hostile_id = st.one_of(hostile_small, hostile_number.filter(lambda s: len(s) < 1000))
#: Dates as typed into a date box, or forged in the query string.
hostile_date = st.one_of(
    hostile_small,
    st.sampled_from(
        [
            "0001-01-01",
            "1899-12-31",
            "1900-01-01",
            "9000-12-31",
            "9001-01-01",
            "9999-12-31",
            "2026-02-30",
            "2026-13-01",
            "0000-00-00",
            "10000-01-01",
            "2026/06/01",
            "01.06.2026",
            "2026-06-01T10:00",
        ]
    ),
    st.dates().map(str),
)


@pytest.fixture
def trail(db, organizer):
    """A few entries to filter: a call made, then changed."""
    call = CallFactory(title="旧标题", slug="civic-2026")
    call.title = "新标题"
    call.save()
    return call


@fuzzes(LogFilterForm)
@FUZZ
@given(
    actor=hostile_small,
    q=hostile,  # the 1 MB strings in one field only: each costs a second and tests nothing more
    kind=hostile_id,
    action=hostile_id,
    date_from=hostile_date,
    date_to=hostile_date,
    page=hostile_id,
)
def test_log_filter(org_client, trail, actor, q, kind, action, date_from, date_to, page):
    params = {
        "actor": actor,
        "q": q,
        "kind": kind,
        "action": action,
        "date_from": date_from,
        "date_to": date_to,
        "page": page,
    }
    response = get_ok(org_client, LOG, params)
    if response.status_code == 400:
        assert_form_error(response)
    else:
        assert response.status_code == 200
    export = get_ok(org_client, EXPORT, params)
    if response.status_code == 400:  # the same filter is refused the same way
        assert export.status_code == 400
        assert_form_error(export)
    else:
        assert (export.status_code, export["Content-Type"]) == (200, XLSX)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"actor": "ali\x00ce"}, "actor", "Null characters are not allowed."),
        ({"q": "\x00"}, "q", "Null characters are not allowed."),
        ({"date_from": "1899-12-31"}, "date_from", "Give a date between the years 1900 and 9000."),
        ({"date_to": "9001-01-01"}, "date_to", "Give a date between the years 1900 and 9000."),
        (
            {"date_from": "2026-06-02", "date_to": "2026-06-01"},
            "date_to",
            "The end date is before the start date.",
        ),
        (
            {"q": "中" * 101},
            "q",
            "Ensure this value has at most 100 characters (it has 101).",
        ),
        (
            {"actor": "中" * 5000},
            "actor",
            "Ensure this value has at most 100 characters (it has 5000).",
        ),
        ({"kind": "-1"}, "kind", "Select a valid choice. -1 is not one of the available choices."),
    ],
)
def test_refused_filters_say_what_to_correct(org_client, trail, params, field, message):
    for url in (LOG, EXPORT):
        response = org_client.get(url, params)
        assert response.status_code == 400
        assert response.context["form"].errors[field] == [message]
        assert_form_error(response)
