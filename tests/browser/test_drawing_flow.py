"""The random drawing through a real browser: the organizer draws a round's experts with a
witness, sees the commitment first and then the result, downloads the record; the public verify
page says OK for it and "not valid" for an edited copy.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import json

import pytest

from judging.models import DrawingRecord, Round

from ..judging.setupkit import accepted_case, judge_profile, make_round
from .kit import login

pytestmark = pytest.mark.browser


def test_organizer_draws_with_a_witness_and_anyone_verifies_the_record(
    browsing, screenshot, live_server, call, organizer, tmp_path
):
    experts = [judge_profile(f"expert{n}") for n in range(8)]
    for judge in experts[:3]:
        judge.fields = ["城市管理"]
        judge.save()
    rnd = make_round(
        call, judges=[], cases=[accepted_case(call)], status=Round.Status.DRAFT, actor=organizer
    )
    base = live_server.url
    page = browsing.new_page()
    login(page, base, organizer.username)

    # ---- the rules and the witness; the commitment is published before anything is drawn
    page.goto(f"{base}/judging/rounds/{rnd.pk}/drawing/")
    page.fill("#drawing-form [name=count]", "4")
    page.fill("#drawing-form [name=backups]", "2")
    page.fill("#drawing-form [name=quotas]", "城市管理=2")
    page.fill("#drawing-form [name=witness]", "纪检组 刘监督员")
    with page.expect_navigation():
        page.click("#commit")
    record = DrawingRecord.objects.get(round=rnd)
    assert page.locator("#commitment").inner_text() == record.commitment
    assert record.seed not in page.content()
    screenshot(page, "drawing-01-committed")

    # ---- the draw: the seed and the result appear
    with page.expect_navigation():
        page.click("#draw-now")
    record.refresh_from_db()
    card = page.locator(".drawing-record[data-status='drawn']")
    assert card.locator(".seed").inner_text() == record.seed
    names = {j.pk: j.name for j in experts}
    drawn = card.locator(".drawn").inner_text()
    assert all(names[i] in drawn for i in record.result["drawn"])
    assert len(record.result["drawn"]) == 4 and len(record.result["backups"]) == 2
    screenshot(page, "drawing-02-drawn")

    # ---- the record downloads
    with page.expect_download() as info:
        card.locator(".download-record").click()
    target = tmp_path / "record.json"
    info.value.save_as(target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["commitment"] == record.commitment and data["seed"] == record.seed

    # ---- anyone (logged out) verifies it: OK; an edited copy: not valid
    visitor = browsing.new_page()
    visitor.goto(f"{base}/judging/drawings/verify/")
    visitor.set_input_files("#verify-form [name=record]", str(target))
    with visitor.expect_navigation():
        visitor.click("#verify")
    assert visitor.locator("#verdict").get_attribute("data-ok") == "1"
    screenshot(visitor, "drawing-03-verified")
    data["result"]["backups"].reverse()
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    visitor.set_input_files("#verify-form [name=record]", str(edited))
    with visitor.expect_navigation():
        visitor.click("#verify")
    assert visitor.locator("#verdict").get_attribute("data-ok") == "0"
    assert "result.backups" in visitor.locator("#verdict").inner_text()
    screenshot(visitor, "drawing-04-not-valid")
    browsing.assert_only_local_requests()
    browsing.assert_healthy()
