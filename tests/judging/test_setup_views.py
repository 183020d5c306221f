"""The organizer's judging pages: the expert pool and its import, rounds with criteria, panel,
cases, assignment and manual changes, conflicts, opening, progress, reminders, reopening."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from judging.models import Assignment, Conflict, Criterion, Judge, Round, ScoreAudit
from judging.services.reviews import review_save
from submissions.models import Case

from ..factories import UnitFactory, UserFactory
from .setupkit import accepted_case, judge_profile, make_round, points_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(client, organizer):
    client.force_login(organizer)
    return client


def url(name, **kwargs):
    return reverse(f"judging:{name}", kwargs=kwargs)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# ---- start page -----------------------------------------------------------------------------


def test_organizer_start_page_lists_calls_with_rounds_and_new_round_links(org, call):
    j = judge_profile("j1")
    accepted_case(call)
    rnd = make_round(call, judges=[j], name="初评")
    page = org.get(url("home")).content.decode()
    assert f'href="{url("round_create", slug=call.slug)}"' in page
    assert f'href="{url("round_detail", pk=rnd.pk)}">1. 初评</a>' in page


# ---- the pool -------------------------------------------------------------------------------


def test_add_an_expert_with_a_generated_password(org, client):
    unit = UnitFactory(name="区教育局")
    response = org.post(
        url("judge_list"),
        {
            "name": "周教授",
            "username": "zhoujs",
            "email": "zhou@example.org",
            "unit": unit.pk,
            "affiliation": "师范大学",
            "expertise": "基础教育",
            "password": "",
        },
    )
    assert response.status_code == 200
    judge = Judge.objects.get(user__username="zhoujs")
    assert (judge.name, judge.unit, judge.affiliation, judge.expertise) == (
        "周教授",
        unit,
        "师范大学",
        "基础教育",
    )
    assert roles.is_judge(judge.user)
    password = re.search(
        r'id="new-accounts".*?<code>([^<]+)</code>', response.content.decode(), re.S
    ).group(1)
    client.logout()
    assert client.login(username="zhoujs", password=password)


def test_adding_an_expert_twice_is_refused(org):
    judge_profile("lisi")
    response = org.post(url("judge_list"), {"name": "李四", "username": "lisi"})
    assert response.status_code == 400
    assert "“lisi” is already in the expert pool." in response.content.decode()


def test_edit_an_expert(org):
    judge = judge_profile("j1")
    response = org.post(
        url("judge_edit", pk=judge.pk),
        {
            "name": "赵研究员",
            "email": "",
            "unit": "",
            "affiliation": "社科院",
            "expertise": "社会学",
        },
    )
    assert response.status_code == 302
    judge.refresh_from_db()
    assert (judge.name, judge.affiliation, judge.expertise) == ("赵研究员", "社科院", "社会学")


def _xlsx(rows) -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has one sheet
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("专家.xlsx", buf.getvalue())


def test_import_experts_from_xlsx_with_a_title_row(org):
    UnitFactory(name="东城街道")
    upload = _xlsx(
        [
            ["2026年评审专家名单"],
            ["姓名", "用户名", "邮箱", "单位", "工作单位", "专业领域", "初始密码"],
            ["王专家", "wangzj", "wang@example.org", "", "市委党校", "城市治理", ""],
            ["陈专家", "chenzj", "", "东城街道", "", "社区工作", "Long-enough-pass-9"],
        ]
    )
    response = org.post(url("judge_import"), {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert list(
        Judge.objects.order_by("name").values_list("name", "affiliation", "unit__name")
    ) == [("王专家", "市委党校", None), ("陈专家", "", "东城街道")]
    assert "wangzj" in page and "chenzj" not in page.split('id="new-accounts"')[1]


def test_import_with_a_bad_row_imports_nothing_and_names_the_row(org):
    csv = "姓名,用户名,单位\n王专家,wangzj,\n陈专家,chenzj,不存在的单位\n".encode()
    response = org.post(url("judge_import"), {"file": SimpleUploadedFile("j.csv", csv)})
    assert response.status_code == 400
    assert "Row 3: No unit is called “不存在的单位”" in response.content.decode()
    assert Judge.objects.count() == 0


def test_import_template_is_a_csv_with_the_columns(org):
    response = org.get(url("judge_import_template"))
    assert response.content.decode("utf-8-sig").splitlines()[0] == (
        "姓名,用户名,邮箱,单位,工作单位,专业领域,初始密码"
    )


# ---- rounds ---------------------------------------------------------------------------------


def _round_post(name="初评", criteria=(("创新性", "40"), ("实效性", "60")), **fields):
    data = {
        "name": name,
        "blind": "on",
        "score_step": "0.5",
        "rule": "trimmed",
        "trim_min_judges": "5",
        "entry": "accepted",
        "mode": "balanced",
        "judges_per_case": "3",
        "deadline": "",
        "criteria-TOTAL_FORMS": str(len(criteria) + 1),
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "20",
    }
    for i, (cname, points) in enumerate(criteria):
        data.update(
            {
                f"criteria-{i}-name": cname,
                f"criteria-{i}-max_points": points,
                f"criteria-{i}-description": f"{cname}说明",
            }
        )
    data.update(fields)
    return data


def test_create_a_round_with_criteria(org, call):
    response = org.post(url("round_create", slug=call.slug), _round_post())
    rnd = Round.objects.get(call=call)
    assert response.status_code == 302 and response.url == url("round_detail", pk=rnd.pk)
    assert (
        rnd.number,
        rnd.name,
        rnd.blind,
        rnd.score_step,
        rnd.rule,
        rnd.trim_min_judges,
        rnd.mode,
        rnd.judges_per_case,
        rnd.status,
    ) == (1, "初评", True, Decimal("0.5"), "trimmed", 5, "balanced", 3, "draft")
    assert list(rnd.criteria.values_list("name", "max_points", "description", "position")) == [
        ("创新性", Decimal("40"), "创新性说明", 0),
        ("实效性", Decimal("60"), "实效性说明", 1),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"criteria": (("创新性", "40"), ("创新性", "60"))}, "Two criteria have the same name."),
        ({"criteria": ()}, "A round needs at least one criterion."),
        ({"criteria": (("创新性", "0"),)}, "Ensure this value is greater than or equal to 0.5."),
        ({"entry": "top_n"}, "Choose the earlier round."),
        ({"trim_min_judges": "2"}, "Trimming needs at least 3 judges."),
    ],
)
def test_invalid_round_is_not_created(org, call, data, message):
    response = org.post(url("round_create", slug=call.slug), _round_post(**data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Round.objects.count() == 0 and Criterion.objects.count() == 0


def test_a_new_round_starts_with_the_criteria_of_the_previous_one(org, call):
    accepted_case(call)
    make_round(call, judges=[judge_profile("j1")], status=Round.Status.DRAFT)
    formset = org.get(url("round_create", slug=call.slug)).context["formset"]
    assert [f.initial["name"] for f in formset.initial_forms] == ["创新性", "实效性"]


def test_criteria_lock_once_scoring_started(org, call):
    j = judge_profile("j1")
    accepted_case(call)
    rnd = make_round(call, judges=[j])
    review_save(
        assignment=Assignment.objects.get(round=rnd), actor=j.user, points=points_for(rnd, "1", "")
    )
    page = org.get(url("round_edit", pk=rnd.pk)).content.decode()
    assert 'id="criteria-locked"' in page
    data = _round_post(name="初评（改）", criteria=(("全新标准", "100"),))
    response = org.post(url("round_edit", pk=rnd.pk), data)
    assert response.status_code == 302
    rnd.refresh_from_db()
    assert rnd.name == "初评（改）"
    assert list(rnd.criteria.values_list("name", flat=True)) == ["创新性", "实效性"]


def test_set_up_a_round_step_by_step(org, call):
    cases = [accepted_case(call) for _ in range(4)]
    Case.objects.filter(pk=cases[3].pk).update(status=Case.Status.REJECTED)
    judges = [judge_profile(f"j{i}") for i in range(3)]
    org.post(url("round_create", slug=call.slug), _round_post(judges_per_case="2"))
    rnd = Round.objects.get()
    response = org.post(url("round_panel", pk=rnd.pk), {"judges": [j.pk for j in judges]})
    assert response.status_code == 302 and set(rnd.panel.all()) == set(judges)
    org.post(url("round_entries", pk=rnd.pk))
    assert set(rnd.entries.values_list("case_id", flat=True)) == {c.pk for c in cases[:3]}
    response = org.post(url("round_assign", pk=rnd.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("assignment_list", pk=rnd.pk)
    assert Assignment.objects.filter(round=rnd).count() == 6
    assert "Assignment done: 6 review(s) added, 0 removed." in _messages(response)
    loads = sorted(Assignment.objects.filter(round=rnd, judge=j).count() for j in judges)
    assert loads == [2, 2, 2]
    # the call still collects cases: the organizer answers what happens to collection
    org.post(url("round_status", pk=rnd.pk), {"status": "open", "collection": "close"})
    rnd.refresh_from_db()
    assert rnd.status == "open"
    org.post(url("round_status", pk=rnd.pk), {"status": "closed"})
    rnd.refresh_from_db()
    assert rnd.status == "closed"


def test_opening_without_assignments_is_refused(org, call):
    accepted_case(call)
    rnd = make_round(call, judges=[judge_profile("j1")], status=Round.Status.DRAFT)
    response = org.post(url("round_status", pk=rnd.pk), {"status": "open"}, follow=True)
    assert "Assign the cases before opening the round." in _messages(response)
    rnd.refresh_from_db()
    assert rnd.status == "draft"


def test_hand_picked_cases_by_ticks_and_numbers(org, call):
    cases = [accepted_case(call) for _ in range(4)]
    rnd = make_round(
        call, judges=[judge_profile("j1")], cases=[cases[0]], status=Round.Status.DRAFT
    )
    page = org.get(url("round_entries", pk=rnd.pk)).content.decode()
    assert f'value="{cases[0].pk}" id="pick-{cases[0].pk}" checked' in page
    numbers = f"{cases[2].number}，{cases[3].number}"
    response = org.post(
        url("round_entries", pk=rnd.pk), {"cases": [cases[1].pk], "numbers": numbers}
    )
    assert response.status_code == 302
    assert set(rnd.entries.values_list("case_id", flat=True)) == {c.pk for c in cases[1:]}
    response = org.post(url("round_entries", pk=rnd.pk), {"numbers": "999"})
    assert response.status_code == 400
    assert "No accepted case has the number(s) 999." in response.content.decode()


def test_unassignable_cases_are_reported_with_the_reason(org, call):
    unit = UnitFactory()
    inside = judge_profile("inside", unit=unit)
    outside = judge_profile("outside")
    own_case = accepted_case(call, unit=unit, title="本单位案例")
    accepted_case(call)
    rnd = make_round(
        call, judges=[inside, outside], mode=Round.Mode.BALANCED, k=2, status=Round.Status.DRAFT
    )
    response = org.post(url("round_assign", pk=rnd.pk), follow=True)
    assert "1 case(s) could not be assigned; see the list of cases short of judges." in (
        _messages(response)
    )
    page = response.content.decode()
    assert f'<li data-case="{own_case.pk}">' in page
    assert (
        "Only 1 judge(s) of the panel are free of a conflict of interest with this case; 2 needed."
    ) in page
    assert not Assignment.objects.filter(round=rnd, case=own_case).exists()


def test_manual_add_and_remove(org, call):
    case = accepted_case(call)
    j1, j2, j3 = (judge_profile(f"j{i}") for i in (1, 2, 3))
    rnd = make_round(call, judges=[j1, j2, j3], mode=Round.Mode.BALANCED, k=1)
    holder = Assignment.objects.get(round=rnd).judge
    other = next(j for j in (j1, j2, j3) if j != holder)
    response = org.post(
        url("assignment_add", pk=rnd.pk),
        {"case_number": case.number, "judge": other.pk},
        follow=True,
    )
    assert f"{other.name} now scores case {case.number}." in _messages(response)
    response = org.post(
        url("assignment_add", pk=rnd.pk),
        {"case_number": case.number, "judge": other.pk},
        follow=True,
    )
    assert f"{other.name} already scores this case." in _messages(response)
    added = Assignment.objects.get(round=rnd, judge=other)
    response = org.post(
        url("assignment_remove", pk=added.pk), {"next": "https://elsewhere.example/"}
    )
    assert response.url == url("assignment_list", pk=rnd.pk)  # never off-site
    assert not Assignment.objects.filter(pk=added.pk).exists()
    started = Assignment.objects.get(round=rnd, judge=holder)
    review_save(assignment=started, actor=holder.user, points=points_for(rnd, "1", ""))
    response = org.post(url("assignment_remove", pk=started.pk), follow=True)
    assert Assignment.objects.filter(pk=started.pk).exists()
    assert (
        f"{holder.name} has started scoring this case; reopen or keep the review instead."
        in _messages(response)
    )


def test_manual_add_refuses_a_conflicted_judge(org, call):
    unit = UnitFactory()
    inside = judge_profile("inside", unit=unit)
    case = accepted_case(call, unit=unit)
    other = judge_profile("other")
    rnd = make_round(call, judges=[inside, other])
    response = org.post(
        url("assignment_add", pk=rnd.pk),
        {"case_number": case.number, "judge": inside.pk},
        follow=True,
    )
    assert (
        f"{inside.name} has a conflict of interest with this case and cannot score it."
        in _messages(response)
    )
    assert not Assignment.objects.filter(round=rnd, judge=inside).exists()


def test_organizer_records_a_conflict_and_the_case_moves(org, call):
    case = accepted_case(call)
    judges = [judge_profile(f"j{i}") for i in range(3)]
    rnd = make_round(call, judges=judges, mode=Round.Mode.BALANCED, k=1)
    holder = Assignment.objects.get(round=rnd).judge
    response = org.post(
        url("conflict_record", pk=rnd.pk),
        {"judge": holder.pk, "case_number": case.number, "reason": "电话告知：曾在该单位挂职"},
        follow=True,
    )
    new_holder = Assignment.objects.get(round=rnd).judge
    assert new_holder != holder
    assert f"The case moved to {new_holder.name}." in _messages(response)
    assert Conflict.objects.get().reason == "电话告知：曾在该单位挂职"


# ---- progress, reminders, reopening ---------------------------------------------------------


@pytest.fixture
def scored_round(call):
    cases = [accepted_case(call) for _ in range(2)]
    done = judge_profile("done", name="完成专家")
    half = judge_profile("half", name="一半专家")
    rnd = make_round(call, judges=[done, half])
    for c in cases:
        a = Assignment.objects.get(round=rnd, judge=done, case=c)
        review_save(assignment=a, actor=done.user, points=points_for(rnd, "30", "50"), submit=True)
    a = Assignment.objects.get(round=rnd, judge=half, case=cases[0])
    review_save(assignment=a, actor=half.user, points=points_for(rnd, "30", "50"), submit=True)
    return rnd, done, half


def test_progress_per_judge_and_per_case(org, scored_round):
    rnd, done, half = scored_round
    response = org.get(url("round_progress", pk=rnd.pk))
    page = response.content.decode()
    judges = dict(re.findall(r'data-judge="(\d+)" data-percent-value="(\d+)"', page))
    assert judges == {str(done.pk): "100", str(half.pk): "50"}
    assert len(re.findall(r'data-case="\d+"', page)) == 2
    assert 'data-percent="75"' in page  # 3 of 4 reviews overall
    page = org.get(url("round_progress", pk=rnd.pk) + "?open=1").content.decode()
    assert len(re.findall(r'data-case="\d+"', page)) == 1


def test_reminders_go_to_judges_with_open_reviews_only(
    org, scored_round, mailoutbox, django_capture_on_commit_callbacks
):
    rnd, done, half = scored_round
    with django_capture_on_commit_callbacks(execute=True):
        response = org.post(url("round_remind", pk=rnd.pk), follow=True)
    assert "Reminders are on their way to 1 judge(s)." in _messages(response)
    assert [m.to for m in mailoutbox] == [[half.user.email]]
    assert "1" in mailoutbox[0].body


def test_reopen_needs_a_reason_and_is_shown_in_the_history(org, scored_round, organizer):
    rnd, done, _half = scored_round
    a = Assignment.objects.filter(round=rnd, judge=done).first()
    response = org.post(url("review_reopen", pk=a.pk), {"reason": " "}, follow=True)
    assert "Give the reason for reopening: it is recorded." in _messages(response)
    a.refresh_from_db()
    assert a.status == "submitted"
    response = org.post(url("review_reopen", pk=a.pk), {"reason": "误将实效性打低"}, follow=True)
    a.refresh_from_db()
    assert a.status == "draft"
    page = response.content.decode()
    assert re.findall(r'data-action="(\w+)"', page) == ["submit", "reopen"]
    assert "误将实效性打低" in page
    assert list(ScoreAudit.objects.filter(assignment=a).values_list("action", "actor")) == [
        ("submit", done.user.pk),
        ("reopen", organizer.pk),
    ]


def test_an_editor_or_unit_user_is_refused_the_pool(client, user_a):
    editor = UserFactory(is_editor=True)
    for user in (editor, user_a):
        client.force_login(user)
        assert client.get(url("judge_list")).status_code == 403


def test_organizer_round_pages_queries_do_not_grow_with_the_cases(
    org, call, django_assert_num_queries
):
    judges = [judge_profile(f"j{i}") for i in range(3)]

    def build(n, name):
        cases = [accepted_case(call) for _ in range(n)]
        rnd = make_round(call, judges=judges, cases=cases, name=name)
        a = Assignment.objects.filter(round=rnd).first()
        review_save(assignment=a, actor=a.judge.user, points=points_for(rnd, "1", "1"), submit=True)
        return rnd

    small, large = build(5, "小"), build(50, "大")
    for name in ("round_detail", "assignment_list", "round_progress"):
        with CaptureQueriesContext(connection) as ctx:
            assert org.get(url(name, pk=small.pk)).status_code == 200
        with django_assert_num_queries(len(ctx.captured_queries)):
            assert org.get(url(name, pk=large.pk)).status_code == 200
