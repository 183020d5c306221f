"""The case rules (submissions/rules.py): limits read from the models and the call, field-keyed
messages, and the same rule behind the form, the services and the import."""

import pytest
from django.core.exceptions import ValidationError

from submissions import rules
from submissions.forms import CallForm, CaseForm, PhotoRowForm, UnitForm
from submissions.models import Call, Case, Photo, Unit

PHONE_ERROR = (
    "“12345” is not a valid phone number. Use a mobile number such as 13812345678 or a "
    "landline such as 010-12345678."
)


def _call(**fields) -> Call:
    return Call(
        **{"min_photos": 1, "max_photos": 3, "body_max_chars": 10, "max_photo_mb": 5, **fields}
    )


def test_limits_come_from_the_models_and_the_call():
    call = _call(body_max_chars=1234)
    assert rules.text_limit(call, "body") == 1234
    for field in ("title", "contact_name", "contact_phone", "summary"):
        assert rules.text_limit(call, field) == Case._meta.get_field(field).max_length
    assert rules.caption_limit() == Photo._meta.get_field("caption").max_length
    assert rules.unit_name_limit() == Unit._meta.get_field("name").max_length
    assert rules.photo_max_bytes(call) == 5 * 1024 * 1024


def test_case_text_cleans_line_breaks_and_the_phone():
    cleaned = rules.case_text(
        _call(),
        {"summary": "甲\r\n乙", "body": "一\r\n二", "contact_phone": "１３８１２３４５６７８"},
    )
    assert cleaned == {"summary": "甲\n乙", "body": "一\n二", "contact_phone": "13812345678"}


def test_case_text_leaves_an_empty_phone_empty():
    assert rules.case_text(_call(), {"contact_phone": "  "}) == {"contact_phone": ""}


def test_case_text_names_every_problem_by_field():
    title_max = Case._meta.get_field("title").max_length
    with pytest.raises(ValidationError) as raised:
        rules.case_text(
            _call(), {"title": "题" * (title_max + 1), "contact_phone": "12345", "body": "x" * 11}
        )
    assert raised.value.message_dict == {
        "title": [f"The text has {title_max + 1} characters; at most {title_max} are allowed."],
        "contact_phone": [PHONE_ERROR],
        "body": ["The body has 11 characters; at most 10 are allowed."],
    }


def test_the_body_limit_counts_a_line_break_as_one_character():
    assert (
        rules.case_text(_call(), {"body": "一二三四\r\n五六七八九"})["body"]
        == "一二三四\n五六七八九"
    )


@pytest.mark.parametrize(
    ("n", "for_submission", "expected"),
    [
        (0, True, {"photos": ["At least 1 photo(s) are required; the case has 0."]}),
        (0, False, None),
        (3, True, None),
        (4, False, {"photos": ["At most 3 photos are allowed; this case has 4."]}),
        (4, True, {"photos": ["At most 3 photos are allowed; this case has 4."]}),
    ],
)
def test_photo_count(n, for_submission, expected):
    if expected is None:
        rules.photo_count(_call(), n, for_submission=for_submission)
        return
    with pytest.raises(ValidationError) as raised:
        rules.photo_count(_call(), n, for_submission=for_submission)
    assert raised.value.message_dict == expected


def test_captions_over_the_photo_field_limit_are_refused():
    limit = rules.caption_limit()
    rules.captions(["说明", "x" * limit])
    with pytest.raises(ValidationError) as raised:
        rules.captions(["x" * (limit + 1)])
    assert raised.value.message_dict == {
        "caption": [f"The text has {limit + 1} characters; at most {limit} are allowed."]
    }


def test_case_for_submission_lists_missing_fields_first():
    with pytest.raises(ValidationError) as raised:
        rules.case_for_submission(
            _call(),
            {
                "title": "题",
                "contact_name": "",
                "contact_phone": "12345",
                "summary": " ",
                "body": "",
            },
            n_photos=0,
        )
    assert raised.value.messages == [
        "The contact person is missing.",
        "The summary is missing.",
        "The body is missing.",
        PHONE_ERROR,
        "At least 1 photo(s) are required; the case has 0.",
    ]


def test_a_complete_case_passes():
    rules.case_for_submission(
        _call(),
        {
            "title": "题",
            "contact_name": "张某某",
            "contact_phone": "13812345678",
            "summary": "摘要",
            "body": "正文",
        },
        n_photos=1,
    )


# ---------------------------------------------------------------- the forms read the same limits


@pytest.mark.django_db
def test_the_case_form_applies_the_rules():
    call = Call.objects.create(
        slug="rules",
        title="t",
        opens_at="2026-01-01T00:00+08:00",
        closes_at="2026-02-01T00:00+08:00",
        body_max_chars=10,
    )
    unit = Unit.objects.create(name="甲街道")
    form = CaseForm(
        data={"title": "题", "contact_phone": "12345", "body": "x" * 11},
        call=call,
        units=Unit.objects.filter(pk=unit.pk),
    )
    assert not form.is_valid()
    assert form.errors["contact_phone"] == [PHONE_ERROR]
    assert form.errors["body"] == ["The body has 11 characters; at most 10 are allowed."]
    # The live counter of the page counts against the same limit (static/js/portal.js).
    attrs = form.fields["body"].widget.attrs
    assert (attrs["data-max"], attrs["data-max-message"]) == (
        10,
        "At most 10 characters: shorten the text before saving or submitting.",
    )


def test_the_other_forms_read_their_limits_from_the_models():
    assert PhotoRowForm().fields["caption"].max_length == rules.caption_limit()
    assert UnitForm().fields["name"].max_length == rules.unit_name_limit()


@pytest.mark.django_db
def test_the_photo_size_choice_is_bounded_by_the_portal_limit(settings):
    settings.PHOTO_MAX_BYTES = 8 * 1024 * 1024
    form = CallForm(
        data={
            "title": "t",
            "slug": "s",
            "opens_at": "2026-01-01 08:00",
            "closes_at": "2026-02-01 08:00",
            "min_photos": 1,
            "max_photos": 5,
            "max_photo_mb": 9,
            "body_max_chars": 100,
            "award_top_n": 1,
            "award_excellent_m": 1,
        }
    )
    assert not form.is_valid()
    assert form.errors["max_photo_mb"] == ["Choose between 1 and 8 MB."]


@pytest.mark.django_db
def test_the_service_applies_the_rules_to_a_draft_too():
    from submissions import services

    from ..factories import CallFactory, UnitFactory, unit_user

    call = CallFactory(body_max_chars=10)
    unit = UnitFactory()
    case = Case(
        call=call, unit=unit, title="题", body="x" * 11, contact_phone="１３８１２３４５６７８"
    )
    with pytest.raises(ValidationError) as raised:
        services.case_save(case=case, actor=unit_user(unit), photos=[])
    assert raised.value.message_dict == {
        "body": ["The body has 11 characters; at most 10 are allowed."]
    }

    case.body = "正文"
    saved = services.case_save(case=case, actor=unit_user(unit, username="u2"), photos=[])
    assert Case.objects.get(pk=saved.pk).contact_phone == "13812345678"
