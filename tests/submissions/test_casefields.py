"""The call's own form fields, kind by kind (submissions/casefields.py): what is stored, what a
person reads, what a spreadsheet cell holds, and the message for each mistake."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from submissions import casefields
from submissions.models import CallField

Kind = CallField.Kind


def field(kind, pk=1, **kwargs):
    return CallField(pk=pk, kind=kind, label=kwargs.pop("label", "字段"), **kwargs)


def message(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


@pytest.mark.parametrize(
    "kind, raw, stored, shown, cell",
    [
        (Kind.TEXT, "  社区  食堂 ", "社区 食堂", "社区 食堂", "社区 食堂"),
        (Kind.LONG_TEXT, "第一行\r\n第二行", "第一行\n第二行", "第一行\n第二行", "第一行\n第二行"),
        (Kind.INTEGER, "1,200", 1200, "1200", 1200),
        (Kind.DECIMAL, "12.50", 12.5, "12.5", 12.5),
        (Kind.DATE, "2026/3/1", "2026-03-01", "2026-03-01", "2026-03-01"),
        (
            Kind.DATE_RANGE,
            "2026-03-01～2026-06-30",
            ["2026-03-01", "2026-06-30"],
            "2026-03-01 ~ 2026-06-30",
            "2026-03-01~2026-06-30",
        ),
        (Kind.URL, "https://example.org/v/1", "https://example.org/v/1", None, None),
    ],
)
def test_each_kind_stores_shows_and_exports(kind, raw, stored, shown, cell):
    f = field(kind)
    assert casefields.clean(f, raw) == stored
    assert casefields.display(f, stored) == (shown if shown is not None else stored)
    assert casefields.cell(f, stored) == (cell if cell is not None else stored)
    # What the export writes, the import reads back.
    assert casefields.parse_cell(f, casefields.cell(f, stored)) == stored


def test_choices_keep_the_fields_order_and_read_lines_or_semicolons():
    f = field(Kind.MULTI_CHOICE, choices=["助老", "助残", "环保"])
    assert casefields.clean(f, "环保；助老") == ["助老", "环保"]
    assert casefields.parse_cell(f, "环保\n助残") == ["助残", "环保"]
    assert casefields.display(f, ["助老", "环保"]) == "助老、环保"
    single = field(Kind.CHOICE, choices=["社区", "机关"])
    assert casefields.clean(single, " 机关 ") == "机关"


@pytest.mark.parametrize(
    "f, raw, expected",
    [
        (field(Kind.INTEGER, min_value=Decimal(0)), "-3", "below the minimum of 0"),
        (field(Kind.INTEGER, max_value=Decimal(100)), "101", "above the maximum of 100"),
        (field(Kind.INTEGER), "3.5", "not a whole number"),
        (field(Kind.DECIMAL), "十二", "not a number"),
        (field(Kind.DECIMAL), "1.23456", "too many digits"),
        (field(Kind.TEXT, max_value=Decimal(5)), "一二三四五六", "at most 5 are allowed"),
        (field(Kind.TEXT, min_value=Decimal(3)), "一二", "at least 3 are needed"),
        (field(Kind.DATE), "去年春天", "not a date"),
        (field(Kind.DATE_RANGE), "2026-06-30~2026-03-01", "last date is before the first"),
        (field(Kind.DATE_RANGE), "2026-06-30", "not a date range"),
        (field(Kind.CHOICE, choices=["甲", "乙"]), "丙", "“丙” is not one of the choices: 甲、乙"),
        (
            field(Kind.MULTI_CHOICE, choices=["甲", "乙", "丙"], max_value=Decimal(2)),
            "甲;乙;丙",
            "at most 2",
        ),
        (field(Kind.URL), "javascript:alert(1)", "not a web address"),
    ],
)
def test_each_mistake_gets_a_message_that_says_what_is_wrong(f, raw, expected):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        casefields.clean(f, raw)
    assert expected in message(exc)


def test_empty_answers_are_not_stored():
    fields = [field(Kind.TEXT, pk=1), field(Kind.INTEGER, pk=2), field(Kind.MULTI_CHOICE, pk=3)]
    cleaned, errors = casefields.clean_all(fields, {"1": "  ", "2": "", "3": []})
    assert cleaned == {} and errors == {}


def test_clean_all_keys_every_problem_by_field():
    fields = [field(Kind.INTEGER, pk=1), field(Kind.DATE, pk=2), field(Kind.TEXT, pk=3)]
    cleaned, errors = casefields.clean_all(fields, {"1": "x", "2": date(2026, 1, 2), "3": "好"})
    assert cleaned == {"2": "2026-01-02", "3": "好"}
    assert list(errors) == ["1"]


@pytest.mark.django_db
def test_submission_needs_required_answers_of_the_cases_category_only():
    from tests.factories import CallFactory, CallFieldFactory, CategoryFactory

    call = CallFactory()
    community, office = CategoryFactory(call=call), CategoryFactory(call=call)
    everyone = CallFieldFactory(call=call, label="志愿者人数", kind=Kind.INTEGER, required=True)
    only_office = CallFieldFactory(call=call, label="机关处室", required=True)
    only_office.categories.add(office)
    photos = CallFieldFactory(call=call, label="证明材料", kind=Kind.FILE, min_value=2)
    fields = casefields.call_fields(call)

    with translation.override("en"):
        problems = casefields.submission_problems(fields, {}, category_id=community.pk)
        assert list(problems) == [everyone.key]
        assert "“志愿者人数” is required." in problems[everyone.key][0].messages

        problems = casefields.submission_problems(
            fields, {everyone.key: 3}, category_id=office.pk, files={photos.pk: 1}
        )
        assert set(problems) == {only_office.key, photos.key}
        assert "at least 2" in problems[photos.key][0].messages[0]


@pytest.mark.django_db
def test_an_answer_the_organizer_made_invalid_since_is_caught_at_submission():
    from tests.factories import CallFieldFactory

    f = CallFieldFactory(kind=Kind.INTEGER, max_value=Decimal(10))
    problems = casefields.submission_problems([f], {f.key: 12}, category_id=None)
    assert f.key in problems


def test_judges_see_only_shown_fields_and_not_masked_ones_in_blind_rounds():
    shown = field(Kind.TEXT, pk=1)
    hidden = field(Kind.TEXT, pk=2, judges_see=False)
    masked = field(Kind.TEXT, pk=3, blind_mask=True)
    assert casefields.for_judges([shown, hidden, masked], blind=True) == [shown]
    assert casefields.for_judges([shown, hidden, masked], blind=False) == [shown, masked]


def test_english_label_when_english_is_asked_for():
    f = field(Kind.TEXT, label="志愿者人数", label_en="Volunteers")
    with translation.override("en"):
        assert casefields.label(f) == "Volunteers"
    with translation.override("zh-hans"):
        assert casefields.label(f) == "志愿者人数"
    assert casefields.label(field(Kind.TEXT, label="年级")) == "年级"


def test_every_kind_has_a_form_field_and_an_import_hint():
    for kind in Kind:
        f = field(kind, choices=["甲", "乙"])
        assert casefields.form_field(f).required is False
        assert str(casefields.CELL_HINTS[kind])
