"""The organizer filters, sorts and adds columns to the case list by the call's own fields in
a real browser, then downloads the list as it is shown.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import io

import openpyxl
import pytest

from submissions.models import CallField

from ..factories import CallFieldFactory, CaseFactory
from .kit import login

pytestmark = pytest.mark.browser
Kind = CallField.Kind


def test_organizer_filters_sorts_and_downloads_by_fields(
    browsing, screenshot, live_server, call, organizer
):
    people = CallFieldFactory(call=call, kind=Kind.INTEGER, label="受益人数")
    area = CallFieldFactory(call=call, kind=Kind.CHOICE, label="所属领域", choices=["教育", "环境"])
    for title, n, choice in [("甲", 1200, "环境"), ("乙", 35, "环境"), ("丙", 400, "教育")]:
        CaseFactory(call=call, title=title, extra={people.key: n, area.key: choice})

    page = browsing.new_page()
    login(page, live_server.url, organizer.username)
    page.goto(f"{live_server.url}{call.get_absolute_url()}")
    page.click("#field-filters summary")
    page.select_option(f"#ff-f{area.pk}", "环境")
    page.fill(f"input[name=min{people.pk}]", "10")
    page.select_option("#ff-sort", f"-{people.pk}")
    page.check(f"#ff-col-{people.pk}")
    with page.expect_navigation():
        page.click("form[role=search] button[type=submit]")

    rows = page.locator("table.table-cases tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("a").inner_text() == "甲"
    assert rows.nth(0).locator("td.answer-cell").last.inner_text() == "1200"
    assert page.locator(f'th[data-field="{people.pk}"]').inner_text() == "受益人数"
    screenshot(page, "case-list-by-fields")

    with page.expect_download() as download:
        page.click("#cases-export")
    ws = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    titles = [row[1] for row in ws.iter_rows(min_row=3, values_only=True)]
    assert titles == ["甲", "乙"]
    browsing.assert_only_local_requests()
    browsing.assert_healthy()
