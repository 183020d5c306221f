"""Rounds that judge each category (组别) separately: criteria per category in the judge's form,
results ranked within each category with its quotas and its own tie flags, awards proposed and
adjusted per category, the results page, the export and the public notice grouped by category;
and the same call judged as one list when the round does not separate them."""

from datetime import timedelta

import openpyxl
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from judging import exports, importing
from judging.models import Award, Criterion, Result, Round
from judging.services import results as services
from judging.services import rounds
from judging.services.rounds import CriterionSpec

from .. import access
from ..factories import CallFactory, CategoryFactory, ConflictFactory, UserFactory, unit_user
from . import test_access_results as access_results
from .category_kit import category_round, score
from .results_kit import commit_hooks, page_rows, panel, propose_awards, sheet_table, workbook
from .setupkit import accepted_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _results(world) -> dict[str, tuple[str, int | None, bool]]:
    """{case title: (category name, rank, tie flag)} as stored."""
    return {
        r.case.title: (r.category.name if r.category else "", r.rank, r.near_cut)
        for r in Result.objects.filter(round=world.round).select_related("case", "category")
    }


def _awards(call) -> list[tuple[str, str, str, int]]:
    return [
        (a.category.name if a.category else "", a.level, a.case.title, a.rank)
        for a in Award.objects.filter(call=call)
        .select_related("case", "category")
        .order_by("category__position", "level", "rank")
    ]


# ---------------------------------------------------------------------------- criteria


def test_the_judges_form_has_the_shared_criteria_and_those_of_the_cases_category(client, call):
    world = category_round(call, close=False, scored=False)
    judge = world.judges[0]
    community_case = world.cases["社区案例甲"]
    assignment = world.round.assignments.get(judge=judge, case=community_case)
    client.force_login(judge.user)

    html = client.get(reverse("judging:review", kwargs={"pk": assignment.pk})).content.decode()

    assert f'name="c{world.shared.pk}"' in html
    assert f'name="c{world.own[world.community.pk].pk}"' in html
    assert f'name="c{world.own[world.office.pk].pk}"' not in html


def test_a_review_is_complete_with_its_own_categorys_criteria(call):
    world = category_round(call, close=False)
    case = world.cases["机关案例甲"]
    review = world.round.assignments.get(judge=world.judges[0], case=case)

    assert review.status == "submitted"
    assert review.total == 90  # 创新性 35 + the office's 实效性 55
    scored = {s.criterion.category_id for s in review.scores.select_related("criterion")}
    assert scored == {None, world.office.pk}


def test_the_same_criterion_name_serves_two_categories_but_not_twice_in_one(call):
    world = category_round(call, close=False)
    fresh = Round(call=call, name="复评", by_category=True)

    with pytest.raises(ValidationError) as shared_twice:
        rounds.round_save(
            round=fresh,
            criteria=[
                CriterionSpec(name="实效性", max_points=50),
                CriterionSpec(name="实效性", max_points=50, category_id=world.office.pk),
            ],
            actor=None,
        )
    assert "same name" in shared_twice.value.messages[0]
    # the database too: a name once among the shared criteria, once within a category
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.create(round=world.round, name="实效性", max_points=10, category=None)
        Criterion.objects.create(round=world.round, name="实效性", max_points=10, category=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.create(
            round=world.round, name="实效性", max_points=10, category=world.office
        )
    assert world.round.criteria.filter(name="实效性").count() == 2


def test_a_criterion_of_another_calls_category_is_refused(call):
    world = category_round(call, close=False)
    stranger = CategoryFactory(name="别的组")  # of another call

    with pytest.raises(ValidationError) as refused:
        rounds.round_save(
            round=Round(call=call, name="复评", by_category=True),
            criteria=[CriterionSpec(name="创新性", max_points=40, category_id=stranger.pk)],
            actor=None,
        )

    assert "one of this call's categories" in refused.value.messages[0]
    assert world.round.by_category


def test_by_category_cannot_change_once_judges_scored(call):
    world = category_round(call, close=False)
    world.round.by_category = False

    with pytest.raises(ValidationError) as refused:
        rounds.round_save(round=world.round, actor=None)

    assert "fixed" in refused.value.messages[0]


# ---------------------------------------------------------------------------- results


def test_results_are_ranked_within_each_category_with_its_own_tie_flags(call):
    world = category_round(call)

    assert _results(world) == {
        # 社区组: 十佳 1, 优秀 1 — 乙 and 丙 tie across the 优秀 line (top 2)
        "社区案例甲": ("社区组", 1, False),
        "社区案例乙": ("社区组", 2, True),
        "社区案例丙": ("社区组", 2, True),
        # 机关组: the call's numbers, 十佳 2, 优秀 1; 丙 equals 社区案例乙 but is not its rival
        "机关案例甲": ("机关组", 1, False),
        "机关案例乙": ("机关组", 2, False),
        "机关案例丙": ("机关组", 3, False),
        "机关案例丁": ("机关组", 4, False),
    }


def test_a_round_that_does_not_separate_categories_ranks_one_list(call):
    world = category_round(call, by_category=False)

    ranks = {title: rank for title, (category, rank, _f) in _results(world).items()}
    assert {category for category, _r, _f in _results(world).values()} == {""}
    assert ranks == {
        "机关案例甲": 1,
        "社区案例甲": 2,
        "机关案例乙": 3,
        "社区案例乙": 4,
        "社区案例丙": 4,
        "机关案例丙": 4,
        "机关案例丁": 7,
    }


def test_the_results_page_groups_by_category_with_cut_lines_per_category(org_client, call):
    world = category_round(call)

    response = org_client.get(reverse("judging:round_results", kwargs={"pk": world.round.pk}))

    html = response.content.decode()
    rows, order = page_rows(html)
    code = {title: case.code for title, case in world.cases.items()}
    assert order == [
        code[t]
        for t in ("社区案例甲", "社区案例乙", "社区案例丙", "机关案例甲", "机关案例乙")
        + ("机关案例丙", "机关案例丁")
    ]
    assert html.index("社区组 · 十佳 1, 优秀 1") < html.index("机关组 · 十佳 2, 优秀 1")
    assert [rows[code[t]]["rank"] for t in ("社区案例甲", "机关案例甲")] == ["1", "1"]
    assert html.count("十佳 cut line (top 1)") == 1  # 社区组
    assert html.count("十佳 cut line (top 2)") == 1  # 机关组
    assert 'id="by-category-rule"' in html


def test_the_results_page_query_count_does_not_grow_with_cases(
    org_client, call, django_assert_num_queries
):
    small = category_round(call, community_rows=[("社区一", [(20, 30), (20, 30)])], office_rows=[])
    cache.clear()
    with CaptureQueriesContext(connection) as one:
        response = org_client.get(reverse("judging:round_results", args=[small.round.pk]))
    assert response.status_code == 200
    n_queries = len(one)
    # a second call with every case of the kit
    big = category_round(CallFactory(slug="civic-2027"))
    org_client.get(reverse("judging:round_results", args=[big.round.pk]))
    cache.clear()

    with django_assert_num_queries(n_queries):
        response = org_client.get(reverse("judging:round_results", args=[big.round.pk]))

    assert len(page_rows(response.content.decode())[0]) == 7


READ_ROWS = [
    row
    for row in access_results.TABLE
    if row.url
    in ("judging:round_results", "judging:results_export", "judging:awards", "judging:notice")
]


@pytest.mark.parametrize("row", [pytest.param(row, id=row.id) for row in READ_ROWS])
def test_only_organizers_see_the_grouped_results(client, call, organizer, row):
    """The results access table (tests/judging/test_access_results.py) on a by-category round."""
    world = category_round(call)
    propose_awards(call, organizer)
    conflicted = panel(1)[0]
    ConflictFactory(judge=conflicted, case=world.cases["社区案例甲"], reason="同一单位")
    people = {
        "organizer": organizer,
        "owner": world.judges[0].user,
        "member": world.judges[1].user,
        "outsider": panel(1)[0].user,
        "conflicted": conflicted.user,
        "unit": unit_user(world.cases["社区案例甲"].unit),
        "editor": UserFactory(is_editor=True),
        "anonymous": None,
    }

    access.check_row(
        client,
        {"call": call, "round": world.round, "judge": world.judges[0], "people": people},
        row,
    )


def test_the_export_has_a_category_column_and_ranks_within_it(org_client, call):
    world = category_round(call)

    response = org_client.get(reverse("judging:results_export", kwargs={"pk": world.round.pk}))

    rows = sheet_table(workbook(response.content)[exports.SUMMARY_SHEET], 3)
    assert [(r[exports.COL_CATEGORY], r[exports.COL_RANK], r[exports.COL_TITLE]) for r in rows] == [
        ("社区组", 1, "社区案例甲"),
        ("社区组", 2, "社区案例乙"),
        ("社区组", 2, "社区案例丙"),
        ("机关组", 1, "机关案例甲"),
        ("机关组", 2, "机关案例乙"),
        ("机关组", 3, "机关案例丙"),
        ("机关组", 4, "机关案例丁"),
    ]


def test_the_export_of_a_round_without_categories_has_no_category_column(org_client, call):
    world = category_round(call, by_category=False)

    response = org_client.get(reverse("judging:results_export", kwargs={"pk": world.round.pk}))

    headers = [c.value for c in workbook(response.content)[exports.SUMMARY_SHEET][3]]
    assert exports.COL_CATEGORY not in headers


# ---------------------------------------------------------------------------- awards


def test_awards_are_proposed_within_each_category_with_its_quota(call, organizer):
    world = category_round(call)

    n = propose_awards(call, organizer)

    assert n == 5
    assert _awards(call) == [
        ("社区组", "excellent", "社区案例乙", 2),  # the tie: the lower case id goes first
        ("社区组", "top", "社区案例甲", 1),
        ("机关组", "excellent", "机关案例丙", 3),
        ("机关组", "top", "机关案例甲", 1),
        ("机关组", "top", "机关案例乙", 2),
    ]
    assert world.round.results.filter(near_cut=True).count() == 2


def test_a_category_without_a_quota_takes_the_calls_numbers(call, organizer):
    world = category_round(call)
    assert services.results_state(round=world.round) == "fresh"
    world.community.award_top_n = None
    world.community.save()

    # the stored cut lines were drawn with the old quota: stale, and recomputed to propose
    assert services.results_state(round=world.round) == "stale"
    propose_awards(call, organizer)

    community = [a for a in _awards(call) if a[0] == "社区组"]
    assert sorted((level, title) for _c, level, title, _r in community) == [
        ("excellent", "社区案例丙"),
        ("top", "社区案例乙"),
        ("top", "社区案例甲"),
    ]


def test_an_adjusted_award_stays_within_its_category(org_client, call, organizer):
    world = category_round(call)
    propose_awards(call, organizer)
    case = world.cases["社区案例丙"]

    response = org_client.post(
        reverse("judging:award_adjust", kwargs={"slug": call.slug}),
        {"case": case.code, "level": "excellent", "rank": 3, "reason": "并列，评委会讨论决定"},
    )

    assert response.status_code == 302
    award = Award.objects.get(case=case)
    assert (award.category, award.level, award.rank) == (world.community, "excellent", 3)
    html = org_client.get(reverse("judging:awards", kwargs={"slug": call.slug})).content.decode()
    assert html.index('data-award-category="社区组"') < html.index('data-award-category="机关组"')
    assert f'id="awards-{world.community.pk}-excellent"' in html


def test_the_public_notice_groups_the_awards_by_category(client, call, organizer):
    category_round(call)
    propose_awards(call, organizer)
    now = timezone.now()
    services.notice_publish(
        call=call,
        title="评选结果公示",
        text="",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
        actor=organizer,
        now=now - timedelta(hours=1),  # published an hour ago
    )

    html = client.get(reverse("judging:public_notice", kwargs={"slug": call.slug})).content
    html = html.decode()

    positions = [
        html.index(t)
        for t in ("社区组", "社区案例甲", "社区案例乙", "机关组", "机关案例甲", "机关案例乙")
        + ("机关案例丙",)
    ]
    assert positions == sorted(positions)
    assert "社区案例丙" not in html and "机关案例丁" not in html
    assert html.count('data-level="top"') == 2


def test_the_category_of_a_case_changes_until_its_judging_starts(org_client, call):
    world = category_round(call, close=False)
    newcomer = accepted_case(call, title="新案例", category=world.community)
    url = reverse("submissions:case_category", kwargs={"pk": newcomer.pk})

    assert org_client.post(url, {"category": world.office.pk}).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.category == world.office

    judged = world.cases["社区案例甲"]
    response = org_client.post(
        reverse("submissions:case_category", kwargs={"pk": judged.pk}),
        {"category": world.office.pk},
        follow=True,
    )
    judged.refresh_from_db()
    assert judged.category == world.community
    assert any("can no longer change" in str(m) for m in response.context["messages"])


def test_the_case_page_offers_the_category_to_organizers_only(client, org_client, call):
    world = category_round(call, close=False)
    case = world.cases["社区案例甲"]
    url = reverse("submissions:case_detail", kwargs={"pk": case.pk})

    assert 'id="category-form"' in org_client.get(url).content.decode()
    client.force_login(unit_user(case.unit))
    assert 'id="category-form"' not in client.get(url).content.decode()


def test_a_late_review_in_a_category_round_recomputes_within_the_category(call):
    world = category_round(call, close=False)
    late = panel(1, affiliation="某研究院")[0]
    rounds.round_set_panel(round=world.round, judges=[*world.judges, late], actor=None)
    rounds.assignment_add(round=world.round, judge=late, case=world.cases["社区案例丙"], actor=None)

    score(world, late, world.cases["社区案例丙"], 40, 60)
    commit_hooks()

    # (60 + 60 + 100) / 3 = 73.3: below 甲 (80), above 乙 (60); the tie is gone
    assert _results(world)["社区案例丙"] == ("社区组", 2, False)
    assert _results(world)["社区案例乙"] == ("社区组", 3, False)
    assert _results(world)["机关案例甲"] == ("机关组", 1, False)


# ---------------------------------------------------------------------------- offline sheets


def test_a_judges_sheet_has_one_column_per_criterion_name_and_imports_back(call, tmp_path):
    world = category_round(call, close=False, scored=False)
    judge = world.judges[0]
    office_case, community_case = world.cases["机关案例甲"], world.cases["社区案例甲"]
    score(world, judge, office_case, 35, 55)

    sheet = exports.judge_sheet(round=world.round, judge=judge)

    assert sheet.headers.count("实效性") == 1
    assert "实效性60分（社区组）" in sheet.maxima
    row = next(r for r in sheet.rows if r.code == office_case.code)
    assert row.points == [35, 55]
    # the sheet filled in at a meeting: each row scores its case's own 实效性
    path = tmp_path / "scores.xlsx"
    book = openpyxl.Workbook()
    book.active.append([exports.COL_JUDGE, exports.COL_CODE, "创新性", "实效性"])
    book.active.append([world.judges[1].name, office_case.code, 30, 40])
    book.active.append([world.judges[1].name, community_case.code, 20, 50])
    book.save(path)

    report = importing.scores_import(round=world.round, source=str(path), actor=None)

    assert report.rows == 2
    reviews = {
        a.case_id: a.scores.get(criterion__name="实效性").criterion.category_id
        for a in world.round.assignments.filter(judge=world.judges[1], status="submitted")
    }
    assert reviews == {office_case.pk: world.office.pk, community_case.pk: world.community.pk}


def test_an_award_without_a_category_still_shows_on_the_notice(client, call, organizer):
    world = category_round(call)
    propose_awards(call, organizer)
    stray = accepted_case(call, title="未分组别的案例")
    Award.objects.create(call=call, case=stray, level=Award.Level.EXCELLENT, rank=9)
    now = timezone.now()
    services.notice_publish(
        call=call,
        title="评选结果公示",
        text="",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
        actor=organizer,
        now=now - timedelta(hours=1),  # published an hour ago
    )

    html = client.get(reverse("judging:public_notice", kwargs={"slug": call.slug})).content
    html = html.decode()

    assert html.index("机关案例甲") < html.index("No category") < html.index("未分组别的案例")
    assert world.round.by_category


def test_the_round_form_offers_categories_only_when_the_call_has_them(org_client, call):
    url = reverse("judging:round_create", kwargs={"slug": call.slug})
    html = org_client.get(url).content.decode()
    assert 'name="by_category"' not in html and 'name="criteria-0-category"' not in html

    CategoryFactory(call=call, name="社区组")
    html = org_client.get(url).content.decode()

    assert 'name="by_category"' in html and 'name="criteria-0-category"' in html


def test_a_round_that_does_not_separate_categories_keeps_every_criterion_shared(call):
    community = CategoryFactory(call=call, name="社区组")
    rnd = Round(call=call, name="初评", by_category=False)

    rounds.round_save(
        round=rnd,
        criteria=[
            CriterionSpec(name="创新性", max_points=40),
            CriterionSpec(name="居民参与", max_points=60, category_id=community.pk),
        ],
        actor=None,
    )

    assert list(rnd.criteria.values_list("name", "category")) == [
        ("创新性", None),
        ("居民参与", None),
    ]
