"""The call's own case form through a real browser: the organizer adds a category and fields;
a unit fills a draft, submits with a required answer missing, sees the summary and the message
at the field, fixes it and submits; a judge of a blind round sees the fields shown to judges
only, without the one hidden in blind rounds.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import re

import pytest

from judging.models import Assignment
from submissions import services
from submissions.models import CallField, Case

from ..factories import CallFactory
from ..judging.setupkit import judge_profile, make_round
from .kit import login

pytestmark = pytest.mark.browser


def _post(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _add_field(page, base, slug, *, kind, label, required=False, blind=False, judges=True):
    page.goto(f"{base}/collect/calls/{slug}/form/fields/new/")
    page.select_option("#id_kind", kind)
    page.fill("#id_label", label)
    if required:
        page.check("#id_required")
    if not judges:
        page.uncheck("#id_judges_see")
    if blind:
        page.check("#id_blind_mask")
    _post(page, "#field-form button[type=submit]")
    page.wait_for_url(f"**/collect/calls/{slug}/form/")
    return CallField.objects.get(call__slug=slug, label=label)


def test_organizer_shapes_the_form_unit_fills_it_judge_reads_it(
    browsing, screenshot, live_server, user_a, organizer
):
    base = live_server.url
    call = CallFactory(slug="fields-2026", min_photos=0)

    # ---- the organizer opens the case form from the call's page and adds a category
    org = browsing.new_page()
    login(org, base, organizer.username)
    org.goto(f"{base}{call.get_absolute_url()}")
    _post(org, "#case-form-link")
    org.wait_for_url(f"**/collect/calls/{call.slug}/form/")
    org.fill("#id_new-name", "社区组")
    _post(org, "#category-add button[type=submit]")
    assert org.locator("#category-table tbody tr").count() == 1

    # ---- and three fields: a required number, a link hidden in blind rounds, a private one
    volunteers = _add_field(org, base, call.slug, kind="integer", label="志愿者人数", required=True)
    video = _add_field(org, base, call.slug, kind="url", label="视频链接", blind=True)
    private = _add_field(org, base, call.slug, kind="text", label="身份证号", judges=False)
    assert org.locator("#field-table tbody tr").count() == 3
    screenshot(org, "01-organizer-case-form")
    assert (volunteers.required, video.blind_mask, private.judges_see) == (True, True, False)

    # ---- the unit writes a draft without the number
    unit = browsing.new_page()
    login(unit, base, user_a.username)
    unit.goto(f"{base}/collect/calls/{call.slug}/cases/new/")
    unit.fill("#id_title", "志愿服务“时间银行”")
    unit.select_option("#id_category", label="社区组")
    unit.fill("#id_contact_name", "张某某")
    unit.fill("#id_contact_phone", "13812345678")
    unit.fill("#id_summary", "志愿服务时长可存可取。")
    unit.fill("#id_body", "社区推行志愿服务“时间银行”。")
    unit.fill(f"#id_field_{video.pk}", "https://video.example.org/1")
    unit.fill(f"#id_field_{private.pk}", "110101199001011234")
    _post(unit, "#case-form button[name=save]")
    unit.wait_for_url(re.compile(r"/collect/cases/\d+/edit/$"))
    case = Case.objects.get(call=call)
    assert case.extra == {
        video.key: "https://video.example.org/1",
        private.key: "110101199001011234",
    }

    # ---- submits: refused, with a summary linking to the field and the message at it
    _post(unit, "#case-form button[name=submit]")
    unit.wait_for_url(re.compile(r"/collect/cases/\d+/edit/\?check=1$"))
    summary = unit.locator("#problem-summary")
    assert summary.count() == 1
    link = summary.locator(f"a[href='#id_field_{volunteers.pk}']")
    assert link.count() == 1
    assert "志愿者人数" in link.inner_text()
    number = unit.locator(f"#id_field_{volunteers.pk}")
    assert "is-invalid" in (number.get_attribute("class") or "")
    feedback = unit.locator(f"#id_field_{volunteers.pk} ~ .invalid-feedback")
    assert feedback.is_visible()
    assert "志愿者人数" in feedback.inner_text()
    screenshot(unit, "02-unit-problems")
    link.click()
    assert unit.url.endswith(f"#id_field_{volunteers.pk}")
    assert Case.objects.get(pk=case.pk).status == Case.Status.DRAFT

    # ---- fixes it and submits
    number.fill("35")
    _post(unit, "#case-form button[name=submit]")
    # (the browser keeps the #fragment of the summary's link across the redirect)
    unit.wait_for_url(re.compile(rf"/collect/cases/{case.pk}/(#.*)?$"))
    assert unit.locator('[data-status="submitted"]').count() == 1
    assert "35" in unit.locator("#case-answers").inner_text()
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert case.extra[volunteers.key] == 35

    # ---- a judge of a blind round reads the number, not the link nor the private answer
    services.cases_screen(cases=[case], actor=organizer, action="accept")
    judge = judge_profile("judge-fields", name="林评委")
    rnd = make_round(call, judges=[judge], cases=[case], blind=True)
    review = Assignment.objects.get(round=rnd, judge=judge)
    page = browsing.new_page()
    login(page, base, judge.user.username)
    page.goto(f"{base}/judging/review/{review.pk}/")
    answers = page.locator("#case-answers").inner_text()
    screenshot(page, "03-judge-answers")
    assert "志愿者人数" in answers and "35" in answers
    text = page.locator("article.case-for-review").inner_text()
    assert "视频链接" not in text and "video.example.org" not in text
    assert "身份证号" not in text and "110101199001011234" not in text
    browsing.assert_healthy()
    browsing.assert_only_local_requests()
