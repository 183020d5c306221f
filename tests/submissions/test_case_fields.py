"""The call's own form fields and categories: the organizer's services, and cases answering
them (save, submit, category scoping, file fields)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from submissions import lifecycle, services, services_fields
from submissions.models import Attachment, Call, CallField, Case, Category

from ..factories import CallFactory, CallFieldFactory, CategoryFactory, CriterionFactory
from .casekit import attachment_add, case_with_photos

K = CallField.Kind


def _errors(excinfo) -> dict[str, list[str]]:
    return {k: ValidationError(v).messages for k, v in excinfo.value.error_dict.items()}


def _new_field(call, organizer, *, categories=None, **kwargs) -> CallField:
    return services_fields.call_field_save(
        field=CallField(call=call, **kwargs), categories=categories, actor=organizer
    )


# ---------------------------------------------------------------- the organizer's fields


def test_fields_are_added_in_order(call, organizer):
    first = _new_field(call, organizer, kind=K.INTEGER, label="志愿者人数")
    second = _new_field(call, organizer, kind=K.DATE, label="开始日期")

    assert list(call.fields.values_list("label", flat=True)) == ["志愿者人数", "开始日期"]
    assert second.position == first.position + 1


def test_a_choice_field_needs_two_choices(call, organizer):
    with pytest.raises(ValidationError) as excinfo:
        _new_field(call, organizer, kind=K.CHOICE, label="项目类型", choices=["志愿服务", " "])

    assert _errors(excinfo) == {"choices": ["Give at least two choices, one per line."]}
    assert not CallField.objects.exists()


def test_choices_are_trimmed_and_deduplicated(call, organizer):
    field = _new_field(
        call, organizer, kind=K.CHOICE, label="项目类型", choices=[" 志愿服务", "其他", "其他", ""]
    )

    assert field.choices == ["志愿服务", "其他"]


def test_minimum_above_maximum_is_refused(call, organizer):
    with pytest.raises(ValidationError) as excinfo:
        _new_field(call, organizer, kind=K.INTEGER, label="人数", min_value=10, max_value=5)

    assert _errors(excinfo) == {"max_value": ["The maximum cannot be below the minimum."]}


def test_limits_of_a_kind_without_limits_are_dropped(call, organizer):
    field = _new_field(call, organizer, kind=K.DATE, label="开始日期", min_value=1, max_value=2)

    assert (field.min_value, field.max_value) == (None, None)


def test_a_text_length_must_be_whole(call, organizer):
    with pytest.raises(ValidationError) as excinfo:
        _new_field(call, organizer, kind=K.TEXT, label="口号", max_value=Decimal("2.5"))

    assert _errors(excinfo) == {"max_value": ["Give a whole number."]}


def test_a_label_is_unique_in_its_call(call, organizer):
    _new_field(call, organizer, kind=K.TEXT, label="口号")

    with pytest.raises(ValidationError) as excinfo:
        _new_field(call, organizer, kind=K.URL, label="口号")

    assert _errors(excinfo) == {"label": ["The form already has a field “口号”."]}


def test_the_kind_of_an_answered_field_cannot_change(call, organizer, unit_a, user_a):
    field = _new_field(call, organizer, kind=K.INTEGER, label="人数")
    services.case_save(
        case=case_with_photos(call=call, unit=unit_a),
        actor=user_a,
        photos=[],
        answers={field.key: "12"},
    )
    field.kind = K.TEXT

    with pytest.raises(ValidationError) as excinfo:
        services_fields.call_field_save(field=field, actor=organizer)

    assert _errors(excinfo) == {
        "kind": [
            "Cases have already answered “人数”: its kind can no longer change. "
            "Add a new field instead."
        ]
    }
    assert CallField.objects.get(pk=field.pk).kind == K.INTEGER


def test_the_kind_of_an_unanswered_field_may_change(call, organizer):
    field = _new_field(call, organizer, kind=K.INTEGER, label="人数")
    field.kind = K.TEXT

    services_fields.call_field_save(field=field, actor=organizer)

    assert CallField.objects.get(pk=field.pk).kind == K.TEXT


@pytest.mark.parametrize("status", [Call.Status.JUDGING, Call.Status.NOTICE, Call.Status.FINAL])
def test_the_form_cannot_change_once_judging_started(call, organizer, status):
    field = CallFieldFactory(call=call, label="人数", kind=K.INTEGER)
    lifecycle.call_place_for_setup(call=call, status=status)
    message = ["Judging has started: the case form of this call can no longer change."]

    with pytest.raises(ValidationError) as excinfo:
        _new_field(call, organizer, kind=K.TEXT, label="口号")
    assert excinfo.value.messages == message
    with pytest.raises(ValidationError):
        services_fields.call_field_delete(field=field, actor=organizer)
    with pytest.raises(ValidationError):
        services_fields.call_field_move(field=field, direction="up", actor=organizer)
    assert list(call.fields.all()) == [field]


@pytest.mark.parametrize("status", [Call.Status.DRAFT, Call.Status.OPEN, Call.Status.CLOSED])
def test_the_form_may_change_before_judging(call, organizer, status):
    lifecycle.call_place_for_setup(call=call, status=status)

    _new_field(call, organizer, kind=K.TEXT, label="口号")

    assert call.fields.count() == 1


def test_categories_of_another_call_are_refused(call, organizer):
    other = CategoryFactory(call=CallFactory(), name="社区组")

    with pytest.raises(ValidationError) as excinfo:
        _new_field(call, organizer, kind=K.TEXT, label="口号", categories=[other])

    assert _errors(excinfo) == {"categories": ["Choose categories of this call."]}


def test_fields_move_up_and_down(call, organizer):
    a, b, c = (_new_field(call, organizer, kind=K.TEXT, label=n) for n in ("甲", "乙", "丙"))

    services_fields.call_field_move(field=c, direction="up", actor=organizer)
    assert list(call.fields.values_list("label", flat=True)) == ["甲", "丙", "乙"]
    services_fields.call_field_move(field=a, direction="up", actor=organizer)  # already first
    services_fields.call_field_move(field=a, direction="down", actor=organizer)
    assert list(call.fields.values_list("label", flat=True)) == ["丙", "甲", "乙"]
    assert b.pk in call.fields.values_list("pk", flat=True)


def test_deleting_a_field_deletes_its_answers(call, organizer, unit_a, user_a):
    kept = _new_field(call, organizer, kind=K.INTEGER, label="人数")
    gone = _new_field(call, organizer, kind=K.TEXT, label="口号")
    case = services.case_save(
        case=case_with_photos(call=call, unit=unit_a),
        actor=user_a,
        photos=[],
        answers={kept.key: "3", gone.key: "文明你我他"},
    )

    n = services_fields.call_field_delete(field=gone, actor=organizer)

    case.refresh_from_db()
    assert n == 1
    assert case.extra == {kept.key: 3}
    assert list(call.fields.all()) == [kept]


def test_deleting_a_file_field_deletes_its_files(call, organizer, unit_a, user_a):
    field = _new_field(call, organizer, kind=K.FILE, label="申报书")
    case = case_with_photos(call=call, unit=unit_a)
    att = attachment_add(case, user=user_a)
    Attachment.objects.filter(pk=att.pk).update(field=field)
    ordinary = attachment_add(case, user=user_a)

    assert services_fields.call_field_delete(field=field, actor=organizer) == 1

    assert list(case.attachments.all()) == [ordinary]


# ---------------------------------------------------------------- categories


def test_categories_are_added_renamed_and_ordered(call, organizer):
    first = services_fields.category_save(
        category=Category(call=call, name=" 社区组 ", award_top_n=2), actor=organizer
    )
    second = services_fields.category_save(
        category=Category(call=call, name="机关组"), actor=organizer
    )
    second.name, second.award_excellent_m = "机关单位组", 3
    services_fields.category_save(category=second, actor=organizer)
    services_fields.category_move(category=second, direction="up", actor=organizer)

    assert [(c.name, c.award_top_n, c.award_excellent_m) for c in call.categories.all()] == [
        ("机关单位组", None, 3),
        ("社区组", 2, None),
    ]
    assert first.name == "社区组"


def test_a_category_name_is_unique_in_its_call(call, organizer):
    CategoryFactory(call=call, name="社区组")

    with pytest.raises(ValidationError) as excinfo:
        services_fields.category_save(category=Category(call=call, name="社区组"), actor=organizer)

    assert _errors(excinfo) == {"name": ["The call already has a category “社区组”."]}


def test_a_category_with_cases_cannot_be_deleted(call, organizer, unit_a):
    category = CategoryFactory(call=call, name="社区组")
    case_with_photos(call=call, unit=unit_a, category=category)

    with pytest.raises(ValidationError) as excinfo:
        services_fields.category_delete(category=category, actor=organizer)

    assert excinfo.value.messages == [
        "1 case(s) are in “社区组”: move them to another category before deleting it."
    ]
    assert Category.objects.filter(pk=category.pk).exists()


def test_a_category_a_round_judges_by_cannot_be_deleted(call, organizer):
    category = CategoryFactory(call=call, name="社区组")
    CriterionFactory(round__call=call, category=category, name="创新性")

    with pytest.raises(ValidationError) as excinfo:
        services_fields.category_delete(category=category, actor=organizer)

    assert excinfo.value.messages == ["“社区组” is used by: criteria. Remove those first."]
    assert Category.objects.filter(pk=category.pk).exists()


def test_an_unused_category_is_deleted(call, organizer):
    category = CategoryFactory(call=call, name="社区组")
    field = CallFieldFactory(call=call)
    field.categories.add(category)

    services_fields.category_delete(category=category, actor=organizer)

    assert not Category.objects.exists()
    assert list(field.categories.all()) == []


# ---------------------------------------------------------------- cases answering them


@pytest.fixture
def form(call, organizer):
    """Two categories and four fields: a required number (at most 500), a required choice, a
    multiple choice of the first category only, a required file field (at most 2 files)."""
    community = CategoryFactory(call=call, name="社区组")
    office = CategoryFactory(call=call, name="机关组")
    return {
        "community": community,
        "office": office,
        "volunteers": _new_field(
            call, organizer, kind=K.INTEGER, label="志愿者人数", required=True, max_value=500
        ),
        "kind": _new_field(
            call, organizer, kind=K.CHOICE, label="项目类型", required=True, choices=["甲", "乙"]
        ),
        "where": _new_field(
            call,
            organizer,
            kind=K.MULTI_CHOICE,
            label="覆盖社区",
            required=True,
            choices=["东风", "红旗", "向阳"],
            categories=[community],
        ),
        "plan": _new_field(
            call, organizer, kind=K.FILE, label="申报书", required=True, max_value=2
        ),
    }


def _draft(call, unit, user, category, answers) -> Case:
    return services.case_save(
        case=case_with_photos(call=call, unit=unit, category=category),
        actor=user,
        photos=[],
        answers=answers,
    )


def _plan(case, field, user) -> Attachment:
    att = attachment_add(None, user=user, name="申报书.pdf")
    att.field = field
    att.save(update_fields=["field"])
    return att


def test_a_draft_keeps_its_answers_cleaned(call, unit_a, user_a, form):
    case = _draft(
        call,
        unit_a,
        user_a,
        form["community"],
        {form["volunteers"].key: "1,20", form["where"].key: ["红旗", "东风"]},
    )

    case.refresh_from_db()
    assert case.extra == {form["volunteers"].key: 120, form["where"].key: ["东风", "红旗"]}


def test_an_invalid_answer_refuses_the_save(call, unit_a, user_a, form):
    case = case_with_photos(call=call, unit=unit_a, category=form["community"])

    with pytest.raises(ValidationError) as excinfo:
        services.case_save(
            case=case, actor=user_a, photos=[], answers={form["volunteers"].key: "1200"}
        )

    assert _errors(excinfo) == {
        f"field_{form['volunteers'].key}": ["1200 is above the maximum of 500."]
    }
    assert Case.objects.get(pk=case.pk).extra == {}


def test_an_empty_answer_removes_the_stored_one_and_others_stay(call, unit_a, user_a, form):
    volunteers, kind = form["volunteers"].key, form["kind"].key
    case = _draft(call, unit_a, user_a, form["office"], {volunteers: "7", kind: "乙"})

    services.case_save(case=case, actor=user_a, photos=[], answers={volunteers: ""})

    assert Case.objects.get(pk=case.pk).extra == {kind: "乙"}


def test_submit_names_every_missing_answer_at_its_field(call, unit_a, user_a, form):
    case = _draft(call, unit_a, user_a, form["community"], {form["volunteers"].key: "12"})

    with pytest.raises(ValidationError) as excinfo:
        services.case_submit(case=case, actor=user_a)

    assert _errors(excinfo) == {
        f"field_{form['kind'].key}": ["“项目类型” is required."],
        f"field_{form['where'].key}": ["“覆盖社区” is required."],
        f"field_{form['plan'].key}": ["“申报书” is required."],
    }
    assert Case.objects.get(pk=case.pk).status == Case.Status.DRAFT


def test_core_problems_come_before_the_fields_problems(call, unit_a, user_a, form):
    case = _draft(call, unit_a, user_a, form["office"], {})
    Case.objects.filter(pk=case.pk).update(summary="")

    problems = services.case_submission_problem_map(Case.objects.get(pk=case.pk))

    assert list(problems) == [
        "summary",
        f"field_{form['volunteers'].key}",
        f"field_{form['kind'].key}",
        f"field_{form['plan'].key}",
    ]


def test_a_field_of_another_category_does_not_ask_the_case(call, unit_a, user_a, form):
    answers = {form["volunteers"].key: "12", form["kind"].key: "甲"}
    plan = _plan(None, form["plan"], user_a)
    case = services.case_save(
        case=case_with_photos(call=call, unit=unit_a, category=form["office"]),
        actor=user_a,
        photos=[],
        answers=answers,
        attachments=[plan],
    )

    services.case_submit(case=case, actor=user_a)

    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED
    assert list(case.attachments.values_list("field", flat=True)) == [form["plan"].pk]


def test_more_files_than_the_field_allows_are_refused(call, unit_a, user_a, form):
    files = [_plan(None, form["plan"], user_a) for _ in range(3)]

    with pytest.raises(ValidationError) as excinfo:
        services.case_save(
            case=case_with_photos(call=call, unit=unit_a, category=form["office"]),
            actor=user_a,
            photos=[],
            attachments=files,
        )

    assert _errors(excinfo) == {
        f"field_{form['plan'].key}": ["At most 2 file(s); this case would have 3."]
    }


def test_a_file_of_another_calls_field_is_refused(call, unit_a, user_a, form):
    elsewhere = CallFieldFactory(kind=K.FILE, label="其他")
    stray = _plan(None, elsewhere, user_a)

    with pytest.raises(ValidationError) as excinfo:
        services.case_save(
            case=case_with_photos(call=call, unit=unit_a),
            actor=user_a,
            photos=[],
            attachments=[stray],
        )

    assert excinfo.value.messages == ["This file answers a field of another call."]


def test_an_answer_a_later_rule_makes_invalid_blocks_submission(
    call, organizer, unit_a, user_a, form
):
    answers = {form["volunteers"].key: "120", form["kind"].key: "甲"}
    case = services.case_save(
        case=case_with_photos(call=call, unit=unit_a, category=form["office"]),
        actor=user_a,
        photos=[],
        answers=answers,
        attachments=[_plan(None, form["plan"], user_a)],
    )
    volunteers = form["volunteers"]
    volunteers.max_value = Decimal(50)
    services_fields.call_field_save(field=volunteers, actor=organizer)

    with pytest.raises(ValidationError) as excinfo:
        services.case_submit(case=case, actor=user_a)

    assert _errors(excinfo) == {f"field_{volunteers.key}": ["120 is above the maximum of 50."]}
