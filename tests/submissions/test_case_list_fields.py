"""The organizer's case list by the call's own fields: filter by a choice or multiple-choice
answer and by a number's range, sort by a number or a choice (ascending or descending,
unanswered last), show chosen fields as columns; bad parameters give a message, not an error;
the query count does not grow with cases or fields. Runs on SQLite and PostgreSQL."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from submissions.models import CallField

from ..factories import CallFieldFactory, CaseFactory, CategoryFactory

pytestmark = pytest.mark.django_db
Kind = CallField.Kind


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(call, organizer, client):
    client.force_login(organizer)
    people = CallFieldFactory(call=call, kind=Kind.INTEGER, label="受益人数")
    money = CallFieldFactory(call=call, kind=Kind.DECIMAL, label="投入资金")
    area = CallFieldFactory(
        call=call, kind=Kind.CHOICE, label="所属领域", choices=["教育", "环境", "文化"]
    )
    tags = CallFieldFactory(
        call=call, kind=Kind.MULTI_CHOICE, label="参与方", choices=["社区", "学校", "企业"]
    )
    answers = {
        "甲": {people.key: 1200, money.key: 2.5, area.key: "环境", tags.key: ["社区", "学校"]},
        "乙": {people.key: 35, money.key: 10, area.key: "教育", tags.key: ["学校"]},
        "丙": {people.key: 400, area.key: "文化", tags.key: ["企业"]},
        "丁": {},
    }
    for title, extra in answers.items():
        CaseFactory(call=call, title=title, extra=extra)
    return {"call": call, "people": people, "money": money, "area": area, "tags": tags}


def titles(client, call, **params) -> list[str]:
    response = client.get(call.get_absolute_url(), params)
    assert response.status_code == 200
    return [c.title for c in response.context["page"].object_list]


def test_filter_by_a_choice(client, world):
    call, area = world["call"], world["area"]

    assert titles(client, call, **{f"f{area.pk}": "教育"}) == ["乙"]


def test_filter_by_one_of_several_choices(client, world):
    call, tags = world["call"], world["tags"]

    assert sorted(titles(client, call, **{f"f{tags.pk}": "学校"})) == ["乙", "甲"]


def test_filter_by_a_number_range(client, world):
    call, people = world["call"], world["people"]

    assert sorted(
        titles(client, call, **{f"min{people.pk}": "100", f"max{people.pk}": "1200"})
    ) == [
        "丙",
        "甲",
    ]
    assert titles(client, call, **{f"min{people.pk}": "1,000"}) == ["甲"]


@pytest.mark.parametrize(
    ("field", "sort", "answered"),
    [
        ("people", "", ["乙", "丙", "甲"]),
        ("people", "-", ["甲", "丙", "乙"]),
        ("money", "", ["甲", "乙"]),
        ("money", "-", ["乙", "甲"]),
        ("area", "", ["乙", "甲", "丙"]),  # in the order of the choices: 教育, 环境, 文化
        ("area", "-", ["丙", "甲", "乙"]),
    ],
)
def test_sort_by_a_number_or_a_choice_unanswered_last(client, world, field, sort, answered):
    call, f = world["call"], world[field]

    shown = titles(client, call, sort=f"{sort}{f.pk}")

    assert shown[: len(answered)] == answered
    assert set(shown[len(answered) :]) == {"甲", "乙", "丙", "丁"} - set(answered)


def test_chosen_fields_are_columns(client, world):
    call, people, tags = world["call"], world["people"], world["tags"]

    response = client.get(
        call.get_absolute_url(), {"col": [people.pk, tags.pk], "sort": f"-{people.pk}"}
    )

    html = response.content.decode()
    assert f'<th class="text-nowrap" data-field="{people.pk}">受益人数</th>' in html
    assert f'<th class="text-nowrap" data-field="{tags.pk}">参与方</th>' in html
    rows = [(c.title, c.answer_cells) for c in response.context["page"].object_list]
    assert rows[0] == ("甲", ["1200", "社区、学校"])
    assert rows[-1] == ("丁", ["", ""])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fAREA": "体育"}, "“体育” is not one of the choices of “所属领域”."),
        ({"minPEOPLE": "很多"}, "“很多” is not a number (“受益人数”)."),
        (
            {"minPEOPLE": "9", "maxPEOPLE": "1"},
            "The lowest value of “受益人数” is above its highest value.",
        ),
        ({"sort": "TAGS"}, "The list cannot be sorted by “TAGS_ID”."),
        (
            {"sort": "-99999999999999999999999"},
            "The list cannot be sorted by “-99999999999999999999999”.",
        ),
        ({"col": "abc"}, "There is no form field “abc”."),
    ],
)
def test_bad_parameters_give_a_message_and_the_whole_list(client, world, params, message):
    call = world["call"]
    ids = {"AREA": world["area"].pk, "PEOPLE": world["people"].pk, "TAGS": world["tags"].pk}

    def fill(text: str) -> str:
        for name, pk in ids.items():
            text = text.replace(f"{name}_ID", str(pk)).replace(name, str(pk))
        return text

    response = client.get(call.get_absolute_url(), {fill(k): fill(v) for k, v in params.items()})

    assert response.status_code == 200
    assert response.context["answers"].problems == [fill(message)]
    assert len(response.context["page"].object_list) == 4
    assert (
        fill(message).replace("“", "&ldquo;")[:5] in response.content.decode()
        or "list-problems" in response.content.decode()
    )


def _count(client, url, params) -> int:
    client.get(url, params)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_the_same_for_1_and_50_cases_with_20_fields(
    client, call, organizer, django_assert_num_queries
):
    client.force_login(organizer)
    category = CategoryFactory(call=call)
    fields = []
    for i in range(20):
        kind = [Kind.INTEGER, Kind.CHOICE, Kind.MULTI_CHOICE, Kind.TEXT, Kind.DECIMAL][i % 5]
        f = CallFieldFactory(call=call, kind=kind, label=f"字段{i}", choices=["甲", "乙"])
        if i % 3 == 0:
            f.categories.add(category)
        fields.append(f)

    def extra(n: int) -> dict:
        return {
            f.key: (
                n
                if f.kind == Kind.INTEGER
                else "甲"
                if f.kind == Kind.CHOICE
                else ["乙"]
                if f.kind == Kind.MULTI_CHOICE
                else 1.5
                if f.kind == Kind.DECIMAL
                else "文字"
            )
            for f in fields
        }

    CaseFactory(call=call, extra=extra(0), category=category)
    params = {
        f"f{fields[1].pk}": "甲",
        f"f{fields[2].pk}": "乙",
        f"min{fields[0].pk}": "0",
        "sort": f"-{fields[0].pk}",
        "col": [fields[0].pk, fields[2].pk, fields[3].pk],
    }
    url = call.get_absolute_url()
    one = _count(client, url, params)
    for n in range(1, 50):
        CaseFactory(call=call, extra=extra(n), category=category if n % 2 else None)

    with django_assert_num_queries(one):
        response = client.get(url, params)

    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].object_list[0].answer_cells[0] == "49"


# ---------------------------------------------------------------- the list's download


def export_rows(client, call, **params) -> tuple[list, list[list]]:
    response = client.get(reverse("submissions:call_cases_export", args=[call.slug]), params)
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    return rows[0], rows[1:]


def test_export_lists_the_filtered_sorted_cases_with_every_field(client, world):
    call, people, area = world["call"], world["people"], world["area"]

    header, rows = export_rows(client, call, sort=f"-{people.pk}", **{f"min{people.pk}": "100"})

    assert header[-4:] == ["受益人数", "投入资金", "所属领域", "参与方"]
    assert [(r[1], *r[-4:]) for r in rows] == [
        ("甲", 1200, 2.5, "环境", "社区\n学校"),
        ("丙", 400, None, "文化", "企业"),
    ]
    assert header[:3] == ["案例编号", "案例标题", "选送单位"]
    _header, only_education = export_rows(client, call, **{f"f{area.pk}": "教育"})
    assert [r[1] for r in only_education] == ["乙"]


def test_export_query_count_is_the_same_for_1_and_30_cases(
    client, call, organizer, django_assert_num_queries
):
    client.force_login(organizer)
    fields = [
        CallFieldFactory(
            call=call, kind=[Kind.INTEGER, Kind.FILE, Kind.TEXT][i % 3], label=f"字段{i}"
        )
        for i in range(20)
    ]
    CaseFactory(call=call, extra={fields[0].key: 1})
    url = reverse("submissions:call_cases_export", args=[call.slug])
    one = _count(client, url, {})
    for n in range(29):
        CaseFactory(call=call, extra={fields[0].key: n})

    with django_assert_num_queries(one):
        response = client.get(url)

    assert response.status_code == 200
    assert (
        len(list(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows()))
        == 32
    )
