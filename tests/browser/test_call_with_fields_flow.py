"""A call with its own form fields and two categories (组别), walked by every role in a real
browser with the Chinese interface, from the call's creation to a published installment:

- the ORGANIZER creates the call through the call form, adds two categories and three fields
  (a required number, a choice asked of 社区组 only, a link hidden in blind rounds) in the form
  editor, and opens the call;
- a UNIT fills the form, is told at the field and in the summary that the required number is
  missing, fixes it and submits;
- the organizer accepts the case, sets up a blind round judged by category (a shared criterion
  and one per category), and opens it, answering the question about collection;
- a JUDGE sees the visible answers but not the link, scores and confirms;
- the organizer closes the round, reads the results by category, proposes the awards,
  publishes the notice and finalizes;
- an EDITOR drafts the series category by category and publishes installment (一);
- an anonymous READER opens it and sees the category line.

The other cases and the other judge's reviews are set up through factories and services, as the
other flows do. Selectors use ids, names and data- attributes.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from judging.models import Assignment, Award, Notice, Round
from judging.services import rounds
from judging.services.reviews import review_save
from publishing.models import Installment, Series
from submissions.models import Call, CallField, Case, Category

from ..factories import CaseFactory
from ..judging.setupkit import judge_profile
from .kit import assert_accessible, login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TITLE = "志愿服务“时间银行”"


def _post(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _add_field(page, base, slug, *, kind, label, required=False, blind=False, only=None):
    page.goto(f"{base}/collect/calls/{slug}/form/fields/new/")
    page.select_option("#id_kind", kind)
    page.fill("#id_label", label)
    if kind == "choice":
        page.fill("#id_choices_text", "助老\n助残\n助学")
    if required:
        page.check("#id_required")
    if blind:
        page.check("#id_blind_mask")
    if only is not None:
        page.check(f"input[name='categories'][value='{only.pk}']")
    _post(page, "#field-form button[type=submit]")
    page.wait_for_url(f"**/collect/calls/{slug}/form/")
    return CallField.objects.get(call__slug=slug, label=label)


def test_a_call_with_fields_and_categories_from_creation_to_a_published_installment(
    browsing, screenshot, live_server, organizer, unit_a, user_a, editor
):
    base = live_server.url
    now = timezone.now()

    # ================================================================ ORGANIZER: the call
    org = browsing.new_page()
    org.on("dialog", lambda dialog: dialog.accept())
    login(org, base, organizer.username)
    org.goto(f"{base}/collect/calls/new/")
    org.fill("#id_title", "2026年度志愿服务案例征集")
    org.fill("#id_slug", "volunteer-2026")
    org.fill("#id_host_line", "某区委宣传部 某区文明办")
    org.fill("#id_opens_at", _local(now - timedelta(days=1)))
    org.fill("#id_closes_at", _local(now + timedelta(days=20)))
    org.fill("#id_min_photos", "0")
    org.fill("#id_award_top_n", "1")
    org.fill("#id_award_excellent_m", "1")
    _post(org, "main form[method=post] button[type=submit]")
    call = Call.objects.get(slug="volunteer-2026")
    assert org.url.endswith(call.get_absolute_url())
    assert call.status == Call.Status.DRAFT

    # ---- two categories and three fields through the form editor
    _post(org, "#case-form-link")
    org.wait_for_url(f"**/collect/calls/{call.slug}/form/")
    for name in ("社区组", "机关组"):
        org.fill("#id_new-name", name)
        _post(org, "#category-add button[type=submit]")
    assert org.locator("#category-table tbody tr").count() == 2
    community, office = Category.objects.filter(call=call).order_by("position", "pk")
    volunteers = _add_field(org, base, call.slug, kind="integer", label="志愿者人数", required=True)
    service = _add_field(org, base, call.slug, kind="choice", label="服务类型", only=community)
    video = _add_field(org, base, call.slug, kind="url", label="视频链接", blind=True)
    assert org.locator("#field-table tbody tr").count() == 3
    assert (volunteers.required, video.blind_mask) == (True, True)
    assert list(service.categories.all()) == [community]
    assert_accessible(org)
    screenshot(org, "walk-01-organizer-form-editor")
    # on a phone the table scrolls sideways (reachable by keyboard), its buttons on one line
    org.set_viewport_size(PHONE)
    org.reload()
    tops = org.eval_on_selector_all(
        f"#field-{video.pk} .btn", "buttons => buttons.map(b => b.getBoundingClientRect().top)"
    )
    assert len(tops) == 4 and len(set(tops)) == 1, tops
    assert org.get_attribute("#field-table >> xpath=..", "tabindex") == "0"
    assert_accessible(org)
    screenshot(org, "walk-01-organizer-form-editor-390")
    org.set_viewport_size({"width": 1280, "height": 900})

    # ---- opens the call
    org.goto(f"{base}{call.get_absolute_url()}")
    _post(org, "button[name=status][value=open]")
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN
    assert_accessible(org)

    # ================================================================ UNIT: the case form
    unit = browsing.new_page()
    unit.set_viewport_size(PHONE)
    login(unit, base, user_a.username)
    unit.goto(f"{base}/collect/calls/{call.slug}/cases/new/")
    unit.fill("#id_title", TITLE)
    unit.select_option("#id_category", label="社区组")
    unit.fill("#id_contact_name", "张某某")
    unit.fill("#id_contact_phone", "13812345678")
    unit.fill("#id_summary", "志愿服务时长可存可取。")
    unit.fill("#id_body", "社区推行志愿服务“时间银行”，服务时长可存可取。")
    unit.select_option(f"#id_field_{service.pk}", "助老")
    unit.fill(f"#id_field_{video.pk}", "https://video.example.org/1")
    assert_accessible(unit)
    _post(unit, "#case-form button[name=save]")
    unit.wait_for_url(re.compile(r"/collect/cases/\d+/edit/$"))
    case = Case.objects.get(call=call)
    assert case.category == community

    # ---- submits without the required number: the summary and the message at the field
    _post(unit, "#case-form button[name=submit]")
    unit.wait_for_url(re.compile(r"/collect/cases/\d+/edit/\?check=1$"))
    summary = unit.locator("#problem-summary")
    link = summary.locator(f"a[href='#id_field_{volunteers.pk}']")
    assert "志愿者人数" in link.inner_text()
    number = unit.locator(f"#id_field_{volunteers.pk}")
    assert "is-invalid" in (number.get_attribute("class") or "")
    feedback = unit.locator(f"#id_field_{volunteers.pk} ~ .invalid-feedback")
    assert feedback.is_visible() and "志愿者人数" in feedback.inner_text()
    assert Case.objects.get(pk=case.pk).status == Case.Status.DRAFT
    screenshot(unit, "walk-02-unit-missing-field-390")

    # ---- fixes it and submits
    number.fill("35")
    _post(unit, "#case-form button[name=submit]")
    unit.wait_for_url(re.compile(rf"/collect/cases/{case.pk}/(#.*)?$"))
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert case.extra == {
        volunteers.key: 35,
        service.key: "助老",
        video.key: "https://video.example.org/1",
    }
    unit.goto(f"{base}/collect/cases/")
    assert TITLE in unit.locator("main").inner_text()
    # on the phone the table scrolls sideways rather than breaking titles every few characters
    assert unit.eval_on_selector("td.title-cell", "td => td.getBoundingClientRect().width") >= 150
    screenshot(unit, "walk-02-unit-case-list-390")
    assert_accessible(unit)

    # ================================================================ ORGANIZER: screening
    org.goto(f"{base}/collect/cases/{case.pk}/")
    answers = org.locator("#case-answers").inner_text()
    assert "志愿者人数" in answers and "35" in answers and "助老" in answers
    org.select_option("#id_action", "accept")
    _post(org, "#screening-form button[type=submit]")
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
    # the other cases of the call (not under test): two of 社区组, two of 机关组
    others = {
        title: CaseFactory.create(
            call=call,
            status=Case.Status.ACCEPTED,
            category=category,
            title=title,
            number=case.number + i,
            extra={volunteers.key: 10},
        )
        for i, (title, category) in enumerate(
            (
                ("楼道文化进万家", community),
                ("一张清单管到底", office),
                ("政务窗口延时服务", office),
            ),
            1,
        )
    }

    # ---- the case list on a phone: the status bar's segments show their counts in full
    Case.objects.filter(pk=others["楼道文化进万家"].pk).update(status=Case.Status.REJECTED)
    org.set_viewport_size(PHONE)
    org.goto(f"{base}{call.get_absolute_url()}?col={volunteers.pk}")
    segments = org.eval_on_selector_all(
        ".progress-stacked .progress-bar",
        "bars => bars.map(b => [b.innerText.trim(), b.scrollWidth <= b.clientWidth + 1])",
    )
    assert segments == [["3", True], ["1", True]]
    assert_accessible(org)
    screenshot(org, "walk-03-organizer-case-list-390")
    Case.objects.filter(pk=others["楼道文化进万家"].pk).update(status=Case.Status.ACCEPTED)
    org.set_viewport_size({"width": 1280, "height": 900})

    # ---- a blind round judged by category: a shared criterion and one per category
    judges = [judge_profile("walk-judge1", name="林评委"), judge_profile("walk-judge2")]
    org.goto(f"{base}/judging/calls/{call.slug}/rounds/new/")
    org.fill("#id_name", "初评")
    org.check("#id_by_category")
    org.check("#id_blind")
    org.select_option("#id_mode", "all")
    org.fill("#id_criteria-0-name", "创新性")
    org.fill("#id_criteria-0-max_points", "40")
    for i, (name, category) in enumerate((("居民参与", community), ("服务实效", office)), 1):
        if org.locator(f"#id_criteria-{i}-name").count() == 0:
            org.click("[data-formset-add='criteria']")
        org.fill(f"#id_criteria-{i}-name", name)
        org.fill(f"#id_criteria-{i}-max_points", "60")
        org.select_option(f"#id_criteria-{i}-category", str(category.pk))
    assert org.inner_text("[data-role='criteria-total']") == "100"
    # the criteria table takes its box's width (it once sat squeezed beside the legend)
    share = org.evaluate(
        """() => { const t = document.querySelector('[data-criteria-total]');
                   return t.getBoundingClientRect().width / t.closest('fieldset').clientWidth; }"""
    )
    assert share > 0.85
    assert_accessible(org)
    screenshot(org, "walk-04-round-form")
    _post(org, "#round-form button[type=submit]")
    rnd = Round.objects.get(call=call, name="初评")
    assert (rnd.by_category, rnd.blind) == (True, True)
    rounds.round_set_panel(round=rnd, judges=judges, actor=organizer)
    rounds.round_set_entries(round=rnd, case_ids=None, actor=organizer)
    rounds.round_assign(round=rnd, actor=organizer)

    # ---- opens it while the call still collects: the question, answered "close now"
    org.goto(f"{base}/judging/rounds/{rnd.pk}/")
    assert org.locator("#open-question").is_visible()
    org.check("#collection-close")
    _post(org, "#open-round")
    rnd.refresh_from_db()
    call.refresh_from_db()
    assert rnd.status == Round.Status.OPEN
    assert call.status == Call.Status.JUDGING

    # ================================================================ JUDGE: scoring
    shared = rnd.criteria.get(name="创新性")
    own = {c.category_id: c for c in rnd.criteria.exclude(name="创新性")}
    review = Assignment.objects.get(round=rnd, judge=judges[0], case=case)
    judge = browsing.new_page()
    login(judge, base, judges[0].user.username)
    judge.goto(f"{base}/judging/")
    # a new round asks the pledge (回避与保密承诺书) before any case: the queue comes after it
    _post(judge, f"#pledges-pending a[data-pledge='{rnd.pk}']")
    assert "某某" not in judge.inner_text("#pledge-text")
    judge.fill("#id_typed_name", judges[0].name)
    judge.check("#id_agreed")
    assert_accessible(judge)
    _post(judge, "#sign-pledge")
    if "/queue" not in judge.url:
        judge.goto(f"{base}/judging/")
        _post(judge, f"#my-rounds a[data-round='{rnd.pk}']")
    assert judge.locator("#queue tbody tr[data-review]").count() == 4
    assert_accessible(judge)
    _post(judge, f"#queue tr[data-review='{review.pk}'] a.btn")
    answers = judge.locator("#case-answers").inner_text()
    assert "志愿者人数" in answers and "35" in answers
    assert "服务类型" in answers and "助老" in answers
    article = judge.locator("article.case-for-review").inner_text()
    assert "视频链接" not in article and "video.example.org" not in article
    assert "某某" not in judge.locator("#case-unit").all_inner_texts()  # blind: no unit
    assert judge.locator(f"#id_c{own[office.pk].pk}").count() == 0
    judge.fill(f"#id_c{shared.pk}", "36")
    judge.fill(f"#id_c{own[community.pk].pk}", "55")
    assert judge.inner_text("[data-role='review-total']") == "91"
    assert_accessible(judge)
    screenshot(judge, "walk-04-judge-scoring")
    _post(judge, "#submit-review")
    judge.wait_for_url(f"**/judging/review/{review.pk}/?confirm")
    assert judge.inner_text("#confirm-total").startswith("91")
    assert_accessible(judge)
    screenshot(judge, "walk-05-judge-confirm")
    _post(judge, "#confirm-submit")
    review.refresh_from_db()
    assert (review.status, str(review.total)) == ("submitted", "91.00")

    # the other reviews, through the service the judges' form calls
    given = {
        (judges[0], others["楼道文化进万家"]): (30, 40),
        (judges[1], case): (34, 52),
        (judges[1], others["楼道文化进万家"]): (28, 42),
        (judges[0], others["一张清单管到底"]): (35, 50),
        (judges[1], others["一张清单管到底"]): (33, 52),
        (judges[0], others["政务窗口延时服务"]): (20, 30),
        (judges[1], others["政务窗口延时服务"]): (22, 28),
    }
    for (who, which), (first, second) in given.items():
        assignment = Assignment.objects.get(round=rnd, judge=who, case=which)
        points = {shared.pk: first, own[which.category_id].pk: second}
        review_save(assignment=assignment, actor=who.user, points=points, submit=True)

    # ================================================================ ORGANIZER: results
    org.goto(f"{base}/judging/rounds/{rnd.pk}/")
    _post(org, "#close-round")
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.CLOSED
    org.goto(f"{base}/judging/results/rounds/{rnd.pk}/")
    headings = org.locator("#results-table [data-category-heading]")
    assert [headings.nth(i).get_attribute("data-category-heading") for i in range(2)] == [
        str(community.pk),
        str(office.pk),
    ]
    ranks = org.eval_on_selector_all(
        "#results-table tbody tr[data-case] [data-col='rank']",
        "cells => cells.map(c => c.innerText)",
    )
    assert ranks == ["1", "2", "1", "2"]
    assert_accessible(org)
    screenshot(org, "walk-06-results-by-category")

    _post(org, "#propose-awards")
    assert org.url.endswith(f"/judging/results/calls/{call.slug}/awards/")
    assert org.locator("[data-award-category]").count() == 2
    assert sorted(
        (a.category.name, a.level, a.case.title) for a in Award.objects.select_related("category")
    ) == [
        ("机关组", "excellent", "政务窗口延时服务"),
        ("机关组", "top", "一张清单管到底"),
        ("社区组", "excellent", "楼道文化进万家"),
        ("社区组", "top", TITLE),
    ]
    assert_accessible(org)
    screenshot(org, "walk-07-awards")

    # ---- the notice, through its form: a period in the past is refused (公示 cannot be
    # skipped); one from now on is published; then the period passes, and the call is final
    org.goto(f"{base}/judging/results/calls/{call.slug}/notice/")
    org.fill("#id_title", "关于志愿服务优秀案例评选结果的公示")
    org.fill("#id_starts_at", _local(now - timedelta(days=8)))
    org.fill("#id_ends_at", _local(now - timedelta(minutes=5)))
    _post(org, "#notice-form button[type=submit]")
    assert org.locator("#notice-state[data-published='1']").count() == 0
    assert "公示不能从过去的时间开始" in org.inner_text("main")
    org.fill("#id_starts_at", _local(timezone.now()))
    org.fill("#id_ends_at", _local(now + timedelta(days=21)))
    _post(org, "#notice-form button[type=submit]")
    assert org.locator("#notice-state[data-published='1']").count() == 1
    # three weeks later: the period has ended (moved back in the database, no objection came)
    Notice.objects.filter(call=call).update(
        starts_at=now - timedelta(days=22), ends_at=now - timedelta(minutes=5)
    )
    org.reload()
    assert org.locator("#finalize").is_enabled()
    screenshot(org, "walk-08-notice")
    _post(org, "#finalize")
    call.refresh_from_db()
    assert call.is_final

    # ================================================================ EDITOR: the series
    ed = browsing.new_page()
    ed.on("dialog", lambda dialog: dialog.accept())
    login(ed, base, editor.username)
    ed.goto(f"{base}/publish/")
    _post(ed, f"a[data-draft='{call.slug}']")
    ed.fill("#id_title", "志愿服务优秀案例巡礼")
    ed.fill("#id_slug", "zhiyuan")
    ed.fill("#id_per_installment", "2")
    ed.check("input[name='by_category'][value='category']")
    _post(ed, "#series-draft-form button[type=submit]")
    ed.wait_for_url("**/publish/series/zhiyuan/")
    series = Series.objects.get(slug="zhiyuan")
    titles = [
        [f.title for f in inst.features.order_by("position")]
        for inst in series.installments.order_by("number")
    ]
    assert titles == [[TITLE, "楼道文化进万家"], ["一张清单管到底", "政务窗口延时服务"]]
    assert_accessible(ed)
    screenshot(ed, "walk-09-series")
    ed.click("#installments tr[data-number='1'] a")
    ed.wait_for_url("**/publish/series/zhiyuan/1/")
    ed.fill("#id_headline", "时间银行 存下温暖")
    _post(ed, "#installment-form button[type=submit]")
    assert ed.locator("#publish-problems").count() == 0
    assert_accessible(ed)
    screenshot(ed, "walk-10-installment-editor")
    _post(ed, "#publish-button")
    assert ed.locator("[data-state='published']").count() == 1
    assert Installment.objects.get(series=series, number=1).current_version is not None

    # ================================================================ READER: the installment
    reader = browsing.new_page()
    reader.set_viewport_size(PHONE)
    reader.goto(f"{base}/series/zhiyuan/1/")
    article = reader.locator("article.publication")
    assert TITLE in article.inner_text()
    lines = reader.locator("article.publication .pub-category").all_inner_texts()
    assert lines == ["组别：社区组", "组别：社区组"]
    # the award line, the unit's and the category's are not indented as the body's paragraphs
    indents = reader.eval_on_selector_all(
        "article.publication .pub-case > p", "ps => ps.map(p => getComputedStyle(p).textIndent)"
    )
    assert indents[:4] == ["0px", "0px", "0px", "32px"]
    assert reader.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(reader)
    screenshot(reader, "walk-11-reader-installment-390")

    browsing.assert_only_local_requests()
    browsing.assert_healthy()
