"""A series drafted category by category (组别), and the category line of a published case."""

import pytest
from django.urls import reverse

from judging.models import Award
from publishing import exports
from publishing.content import draft_content, layout_lines
from publishing.models import Series
from submissions.models import Case

from ..factories import CategoryFactory
from .kit import awarded_call, draft

pytestmark = pytest.mark.django_db


def _titles(installment):
    return list(installment.features.order_by("position").values_list("title", flat=True))


def _categorised_call():
    """Six awards: 案例标题1–3 十佳, 4–6 优秀; 1, 4, 5 in 机关组 (second), 2, 3, 6 in
    社区组 (first)."""
    call = awarded_call(top=3, excellent=3, photos=0)
    community = CategoryFactory.create(call=call, name="社区组", position=0)
    office = CategoryFactory.create(call=call, name="机关组", position=1)
    for place, category in ((1, office), (2, community), (3, community), (4, office)) + (
        (5, office),
        (6, community),
    ):
        case = Case.objects.get(call=call, title=f"案例标题{place}")
        Case.objects.filter(pk=case.pk).update(category=category)
        Award.objects.filter(case=case).update(category=category)
    return call


def test_a_series_can_take_the_cases_category_by_category(client, editor):
    call = _categorised_call()
    client.force_login(editor)
    page = client.get(reverse("publishing:series_draft", args=[call.slug])).content.decode()
    assert "Category by category" in page

    response = client.post(
        reverse("publishing:series_draft", args=[call.slug]),
        {
            "title": "某区文明城市创建优秀案例巡礼",
            "slug": "xunli",
            "host_line": "某区委宣传部",
            "per_installment": 2,
            "by_category": "category",
        },
    )

    assert response.status_code == 302
    series = Series.objects.get(slug="xunli")
    assert [_titles(i) for i in series.installments.order_by("number")] == [
        ["案例标题2", "案例标题3"],  # 社区组: 十佳 by rank, then 优秀
        ["案例标题6"],
        ["案例标题1", "案例标题4"],  # 机关组
        ["案例标题5"],
    ]


def test_all_categories_together_is_the_order_of_today(editor):
    call = _categorised_call()

    series = draft(call, editor=editor, per_installment=4)

    assert [_titles(i) for i in series.installments.order_by("number")] == [
        ["案例标题1", "案例标题2", "案例标题3", "案例标题4"],
        ["案例标题5", "案例标题6"],
    ]


def test_a_published_case_shows_its_category_in_every_form(editor):
    call = _categorised_call()
    series = draft(call, editor=editor, per_installment=6)
    installment = series.installments.get()

    content = draft_content(installment)

    lines = layout_lines(content)
    assert lines[lines.index("选送单位：选送单位1") + 1] == "组别：机关组"
    assert "组别：社区组" in exports.to_txt(content).decode()
    assert b"pub-category" in exports.to_html(content, photo_data={})


def test_a_case_without_a_category_has_no_category_line(editor):
    series = draft(awarded_call(top=1, excellent=0, photos=0), editor=editor)

    content = draft_content(series.installments.get())

    assert "category" not in content["features"][0]
    assert not [line for line in layout_lines(content) if line.startswith("组别：")]


def test_the_draft_form_offers_the_order_only_when_the_call_has_categories(client, editor):
    call = awarded_call(top=1, excellent=0, photos=0)
    client.force_login(editor)

    page = client.get(reverse("publishing:series_draft", args=[call.slug])).content.decode()

    assert "by_category" not in page
