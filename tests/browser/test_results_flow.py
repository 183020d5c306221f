"""Results through a real browser: the organizer opens a closed round's results, proposes the
awards, downloads the 评分汇总表 (whose numbers are the ones the page shows) and looks at the
statistics page, whose charts Chart.js draws from the vendored file.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest

from judging import exports
from judging.models import Award

from ..judging.results_kit import random_rows, scored_round  # noqa: F401
from .kit import login

pytestmark = pytest.mark.browser


def _shown(value, places):
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _table(page) -> dict[str, dict[str, str]]:
    """{case code: {column: text}} of the results table as the browser shows it."""
    return page.eval_on_selector_all(
        "#results-table tbody tr[data-case]",
        """rows => Object.fromEntries(rows.map(r => [r.dataset.case, Object.fromEntries(
             Array.from(r.querySelectorAll('[data-col]')).map(c => [c.dataset.col,
             c.innerText.trim()]))]))""",
    )


def test_organizer_proposes_awards_and_downloads_the_summary(
    browsing, screenshot, live_server, call, organizer, tmp_path
):
    call.award_top_n, call.award_excellent_m = 2, 2
    call.save()
    rnd, judges, cases = scored_round(call, random_rows(6, 3, seed=17))
    base = live_server.url
    page = browsing.new_page()
    login(page, base, organizer.username)

    # ---- from the results index to the round's results (computed by the task once the reviews
    # were committed)
    page.goto(f"{base}/judging/results/")
    with page.expect_navigation():
        page.click(f"tr[data-round='{rnd.pk}'] a[href='/judging/results/rounds/{rnd.pk}/']")
    assert page.locator("#results-state").get_attribute("data-state") == "fresh"
    assert page.locator("#results-table tbody tr[data-case]").count() == 6
    assert page.locator("#tie-break ol li").count() == 4
    screenshot(page, "results-01-table")

    # ---- proposes the awards: the top 2 → 十佳, the next 2 → 优秀
    with page.expect_navigation():
        page.click("#propose-awards")
    assert page.url.endswith(f"/judging/results/calls/{call.slug}/awards/")
    assert page.locator("#awards-top tbody tr[data-level='top']").count() == 2
    assert page.locator("#awards-excellent tbody tr[data-level='excellent']").count() == 2
    assert Award.objects.filter(call=call).count() == 4
    screenshot(page, "results-02-awards")

    # ---- back to the results, which now show the awards
    with page.expect_navigation():
        page.click(f"[data-role='results-nav'] a[href$='/judging/results/rounds/{rnd.pk}/']")
    shown = _table(page)
    assert sum(1 for row in shown.values() if row["award"]) == 4

    # ---- downloads the 评分汇总表 and finds the page's numbers in it
    with page.expect_download() as download_info:
        page.click("#export-summary")
    download = download_info.value
    assert download.suggested_filename == exports.summary_filename(rnd)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    wb = openpyxl.load_workbook(target, data_only=True)
    ws = wb[exports.SUMMARY_SHEET]
    headers = [c.value for c in ws[3]]
    rows = [
        dict(zip(headers, values, strict=False))
        for values in ws.iter_rows(min_row=4, values_only=True)
    ]
    assert [r[exports.COL_CODE] for r in rows] == list(shown)
    names = sorted(j.name for j in judges)
    for row in rows:
        on_page = shown[row[exports.COL_CODE]]
        assert on_page["rank"] == str(row[exports.COL_RANK])
        assert on_page["title"] == row[exports.COL_TITLE]
        assert on_page["mean"] == _shown(row[exports.COL_MEAN], 2)
        assert on_page["trimmed_mean"] == _shown(row[exports.COL_TRIMMED], 2)
        assert on_page["median"] == _shown(row[exports.COL_MEDIAN], 2)
        assert on_page["zscore"] == _shown(row[exports.COL_ZSCORE], 3)
        assert on_page["ranks"].split(" / ") == [
            str(row[exports.COL_RANK_MEAN]),
            str(row[exports.COL_RANK_TRIMMED]),
            str(row[exports.COL_RANK_ZSCORE]),
        ]
        judges_text = on_page["judges"].replace("：", ": ")  # the separator is translated
        assert " ".join(judges_text.split()) == " ".join(f"{n}: {row[n]:g}" for n in names)
        assert bool(on_page["award"]) == bool(row[exports.COL_AWARD])

    # ---- the statistics page draws its four charts with the vendored Chart.js
    with page.expect_navigation():
        page.click("[data-role='results-nav'] a[href$='/statistics/']")
    page.wait_for_selector("#chart-stability[data-drawn='1']")
    assert page.locator("canvas[data-drawn='1']").count() == 4
    assert page.locator("#kendall-w").get_attribute("data-w") != ""
    # the dots of the severity chart carry the judges' names
    dots = page.get_attribute("#chart-severity", "data-point-names") or ""
    assert sorted(dots.split("、")) == names
    screenshot(page, "results-03-statistics")

    browsing.assert_only_local_requests()
    browsing.assert_healthy()


def test_organizer_publishes_the_notice_and_the_public_reads_it(
    browsing, screenshot, live_server, call, organizer
):
    from datetime import timedelta

    from django.utils import timezone

    from judging.services import results as services

    call.award_top_n, call.award_excellent_m = 2, 2
    call.save()
    scored_round(call, random_rows(5, 3, seed=23))
    services.awards_propose(call=call, actor=organizer)
    base = live_server.url
    org = browsing.new_page()
    login(org, base, organizer.username)

    org.goto(f"{base}/judging/results/calls/{call.slug}/notice/")
    org.fill("#id_title", "关于优秀案例评选结果的公示")
    start = timezone.localtime()
    org.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    # The end offered: the last of the call's five working days (公示 by the rules).
    assert org.input_value("#id_ends_at") > (start + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
    with org.expect_navigation():
        org.click("#notice-form button[type=submit]")
    assert org.locator("#notice-state[data-published='1']").count() == 1
    assert org.locator("#finalize").is_disabled()  # the notice period is running
    screenshot(org, "results-04-notice")

    reader = browsing.new_page()  # anonymous
    reader.goto(f"{base}/judging/notice/{call.slug}/")
    assert reader.locator("#public-notice").get_attribute("data-state") == "running"
    assert reader.locator("#public-top tbody tr").count() == 2
    assert reader.locator("#public-excellent tbody tr").count() == 2
    text = reader.locator("main").inner_text()
    assert "13812345678" not in text and "张某某" not in text
    screenshot(reader, "results-05-public-notice")

    browsing.assert_only_local_requests()
    browsing.assert_healthy()
