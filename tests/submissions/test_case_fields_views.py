"""The case form's pages: the organizer's editor, the unit's form with the call's fields and
its problems at each field, the answers on the case pages and the judge's page, their query
counts, and the answers in the audit trail."""

import re
from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from judging.models import Assignment
from submissions import services, services_fields
from submissions.models import Attachment, CallField, Case

from ..factories import CallFactory, CallFieldFactory, CategoryFactory
from ..judging.setupkit import judge_profile, make_round
from .casekit import case_with_photos, pdf_bytes

K = CallField.Kind


def _field(call, organizer, **kwargs) -> CallField:
    categories = kwargs.pop("categories", None)
    return services_fields.call_field_save(
        field=CallField(call=call, **kwargs), categories=categories, actor=organizer
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# ---------------------------------------------------------------- the organizer's editor


def test_the_call_page_leads_to_the_case_form(org_client, call):
    page = org_client.get(call.get_absolute_url()).content.decode()

    assert f'href="{reverse("submissions:call_fields", args=[call.slug])}"' in page


def test_the_organizer_adds_a_choice_field(org_client, call):
    category = CategoryFactory(call=call, name="社区组")
    url = reverse("submissions:call_field_create", args=[call.slug])

    response = org_client.post(
        url,
        {
            "kind": "multi_choice",
            "label": "覆盖社区",
            "label_en": "Communities",
            "help_text": "可多选",
            "choices_text": "东风社区\r\n红旗社区\r\n向阳社区",
            "max_value": "2",
            "categories": [category.pk],
            "judges_see": "on",
        },
    )

    assert response.status_code == 302
    field = call.fields.get()
    assert (field.kind, field.label, field.choices, field.max_value) == (
        K.MULTI_CHOICE,
        "覆盖社区",
        ["东风社区", "红旗社区", "向阳社区"],
        2,
    )
    assert list(field.categories.all()) == [category]
    page = org_client.get(response.url).content.decode()
    assert "覆盖社区" in page and "at most 2" in page and "社区组" in page


def test_the_editor_shows_a_refusal_at_its_field(org_client, call):
    url = reverse("submissions:call_field_create", args=[call.slug])

    response = org_client.post(url, {"kind": "choice", "label": "项目类型", "choices_text": "甲"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "choices_text": ["Give at least two choices, one per line."]
    }
    assert not call.fields.exists()


def test_the_editor_says_why_a_category_stays(org_client, call, unit_a):
    category = CategoryFactory(call=call, name="社区组")
    case_with_photos(call=call, unit=unit_a, category=category)

    response = org_client.post(
        reverse("submissions:category_delete", args=[call.slug, category.pk]), follow=True
    )

    assert "1 case(s) are in “社区组”" in response.content.decode()


def test_the_editor_is_read_only_once_judging_started(org_client, call):
    from submissions import lifecycle

    CallFieldFactory(call=call, label="人数")
    lifecycle.call_place_for_setup(call=call, status=call.Status.JUDGING)

    page = org_client.get(reverse("submissions:call_fields", args=[call.slug])).content.decode()

    assert 'id="form-locked"' in page
    assert 'id="add-field"' not in page
    assert "call_field_delete" not in page and "/delete/" not in page


# ---------------------------------------------------------------- the unit's form


@pytest.fixture
def form(call, organizer):
    community = CategoryFactory(call=call, name="社区组")
    office = CategoryFactory(call=call, name="机关组")
    return {
        "community": community,
        "office": office,
        "volunteers": _field(
            call,
            organizer,
            kind=K.INTEGER,
            label="志愿者人数",
            required=True,
            max_value=500,
            help_text="参与活动的志愿者总数",
        ),
        "period": _field(call, organizer, kind=K.DATE_RANGE, label="实施周期"),
        "where": _field(
            call,
            organizer,
            kind=K.MULTI_CHOICE,
            label="覆盖社区",
            choices=["东风", "红旗"],
            categories=[community],
        ),
        "plan": _field(call, organizer, kind=K.FILE, label="申报书"),
    }


@pytest.fixture
def unit_client(client, user_a):
    client.force_login(user_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_form_asks_the_fields_of_the_cases_category(unit_client, call, unit_a, form):
    case = case_with_photos(call=call, unit=unit_a, category=form["office"])

    page = unit_client.get(reverse("submissions:case_edit", args=[case.pk])).content.decode()

    assert f'name="field_{form["volunteers"].pk}"' in page
    assert "参与活动的志愿者总数" in page
    assert f'name="field_{form["period"].pk}_0"' in page
    assert f'name="field_{form["plan"].pk}"' in page
    assert f'name="field_{form["where"].pk}"' not in page  # the community group's only
    # after the core fields
    assert page.index('name="body"') < page.index(f'name="field_{form["volunteers"].pk}"')


def test_a_new_case_sees_every_field_with_its_categories(unit_client, call, form):
    page = unit_client.get(reverse("submissions:case_create", args=[call.slug])).content.decode()

    assert f'name="field_{form["where"].pk}"' in page
    assert "Only for: 社区组" in page


def _post(case, **answers) -> dict:
    data = {
        "version": case.version,
        "title": case.title,
        "category": case.category_id,
        "contact_name": case.contact_name,
        "contact_phone": case.contact_phone,
        "summary": case.summary,
        "body": case.body,
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
    }
    data.update(answers)
    return data


def test_a_draft_saves_the_answers(unit_client, call, unit_a, form):
    case = case_with_photos(call=call, unit=unit_a, category=form["community"])
    v, p, w = (form[n].pk for n in ("volunteers", "period", "where"))

    response = unit_client.post(
        reverse("submissions:case_edit", args=[case.pk]),
        _post(
            case,
            **{
                f"field_{v}": "35",
                f"field_{p}_0": "2026-03-01",
                f"field_{p}_1": "2026-06-30",
                f"field_{w}": ["红旗"],
                f"field_{form['plan'].pk}": SimpleUploadedFile("申报书.pdf", pdf_bytes()),
                "save": "1",
            },
        ),
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.extra == {
        str(v): 35,
        str(p): ["2026-03-01", "2026-06-30"],
        str(w): ["红旗"],
    }
    plan = Attachment.objects.get(case=case)
    assert (plan.field, plan.original_name) == (form["plan"], "申报书.pdf")


def test_an_invalid_answer_is_shown_at_its_field_and_in_the_summary(
    unit_client, call, unit_a, form
):
    case = case_with_photos(call=call, unit=unit_a, category=form["office"])
    v = form["volunteers"].pk

    response = unit_client.post(
        reverse("submissions:case_edit", args=[case.pk]),
        _post(case, **{f"field_{v}": "很多", "contact_phone": "12345", "save": "1"}),
    )

    assert response.status_code == 400
    page = response.content.decode()
    summary = page[
        page.index('id="problem-summary"') : page.index(
            "</div>", page.index('id="problem-summary"')
        )
    ]
    assert re.findall(r'href="#([^"]+)"', summary) == ["id_contact_phone", f"id_field_{v}"]
    assert "“很多” is not a number." in summary
    assert re.search(rf'class="[^"]*is-invalid[^"]*"[^>]*id="id_field_{v}"', page) or re.search(
        rf'id="id_field_{v}"[^>]*class="[^"]*is-invalid', page
    )
    assert Case.objects.get(pk=case.pk).extra == {}


def test_submitting_with_a_missing_answer_shows_every_problem_at_its_field(
    unit_client, call, unit_a, form
):
    case = case_with_photos(call=call, unit=unit_a, category=form["office"], summary="")

    response = unit_client.post(
        reverse("submissions:case_edit", args=[case.pk]), _post(case, submit="1")
    )

    assert response.status_code == 302
    assert response.url == reverse("submissions:case_edit", args=[case.pk]) + "?check=1"
    page = unit_client.get(response.url).content.decode()
    v = form["volunteers"].pk
    summary = page[
        page.index('id="problem-summary"') : page.index("</ul>", page.index('id="problem-summary"'))
    ]
    assert re.findall(r'href="#([^"]+)"', summary) == ["id_summary", f"id_field_{v}"]
    assert "“志愿者人数” is required." in summary
    assert page.count("invalid-feedback") >= 2
    assert Case.objects.get(pk=case.pk).status == Case.Status.DRAFT


def test_a_missing_photo_links_to_the_photos(unit_client, call, unit_a):
    case = case_with_photos(call=call, unit=unit_a, photos=0)

    page = unit_client.get(
        reverse("submissions:case_edit", args=[case.pk]) + "?check=1"
    ).content.decode()

    assert 'href="#id_photos"' in page
    assert 'id="photo-problems"' in page


# ---------------------------------------------------------------- showing the answers


def _answered_call(organizer, n_fields: int):
    call = CallFactory()
    category = CategoryFactory(call=call, name="社区组")
    fields = [
        _field(call, organizer, kind=K.INTEGER, label=f"人数{i}", categories=[category])
        for i in range(n_fields)
    ]
    return call, category, {f.key: 10 + i for i, f in enumerate(fields)}


def test_the_case_page_shows_the_answers(org_client, call, unit_a, form):
    case = case_with_photos(
        call=call,
        unit=unit_a,
        category=form["community"],
        extra={form["volunteers"].key: 35, form["where"].key: ["东风", "红旗"]},
    )

    page = org_client.get(case.get_absolute_url()).content.decode()

    answers = page[page.index('id="case-answers"') :]
    assert "志愿者人数</dt>" in answers and "35</dd>" in answers
    assert "东风、红旗" in answers


def test_the_case_page_queries_do_not_grow_with_the_fields(
    org_client, organizer, unit_a, django_assert_num_queries
):
    pages = []
    for n in (1, 6):
        call, category, extra = _answered_call(organizer, n)
        case = case_with_photos(call=call, unit=unit_a, category=category, extra=extra)
        pages.append(case.get_absolute_url())

    expected = _queries(org_client, pages[0])
    with django_assert_num_queries(expected):
        assert org_client.get(pages[1]).status_code == 200


def test_the_units_form_queries_do_not_grow_with_the_fields(
    client, organizer, unit_a, user_a, django_assert_num_queries
):
    pages = []
    for n in (1, 6):
        call, category, extra = _answered_call(organizer, n)
        case = case_with_photos(call=call, unit=unit_a, category=category, extra=extra)
        pages.append(reverse("submissions:case_edit", args=[case.pk]) + "?check=1")
    client.force_login(user_a)

    expected = _queries(client, pages[0])
    with django_assert_num_queries(expected):
        assert client.get(pages[1]).status_code == 200


def _review_page(client, organizer, *, blind: bool, n_fields: int = 0):
    call = CallFactory()
    judge = judge_profile(f"j{n_fields}{int(blind)}")
    shown = _field(call, organizer, kind=K.INTEGER, label="志愿者人数")
    hidden = _field(call, organizer, kind=K.TEXT, label="身份证号", judges_see=False)
    masked = _field(call, organizer, kind=K.URL, label="视频链接", blind_mask=True)
    more = [_field(call, organizer, kind=K.TEXT, label=f"其他{i}") for i in range(n_fields)]
    extra = {
        shown.key: 35,
        hidden.key: "110101199001011234",
        masked.key: "https://video.example.org/1",
        **{f.key: f"答案{i}" for i, f in enumerate(more)},
    }
    case = case_with_photos(call=call, status=Case.Status.ACCEPTED, extra=extra)
    rnd = make_round(call, judges=[judge], cases=[case], blind=blind)
    a = Assignment.objects.get(round=rnd)
    client.force_login(judge.user)
    return reverse("judging:review", args=[a.pk])


def test_a_judge_sees_the_fields_shown_to_judges(client, organizer):
    page = client.get(_review_page(client, organizer, blind=False)).content.decode()

    answers = page[page.index('id="case-answers"') :]
    assert "志愿者人数" in answers and "35" in answers
    assert "https://video.example.org/1" in answers
    assert "身份证号" not in page and "110101199001011234" not in page


def test_a_judge_of_a_blind_round_does_not_see_the_masked_field(client, organizer):
    page = client.get(_review_page(client, organizer, blind=True)).content.decode()

    assert "志愿者人数" in page
    assert "视频链接" not in page and "video.example.org" not in page
    assert "身份证号" not in page


def test_the_judges_page_queries_do_not_grow_with_the_fields(
    client, organizer, django_assert_num_queries
):
    small = _review_page(client, organizer, blind=True, n_fields=1)
    expected = _queries(client, small)
    large = _review_page(client, organizer, blind=True, n_fields=6)

    with django_assert_num_queries(expected):
        assert client.get(large).status_code == 200


# ---------------------------------------------------------------- the audit trail


def test_the_audit_trail_names_the_answers_by_their_labels(org_client, call, unit_a, user_a, form):
    case = case_with_photos(call=call, unit=unit_a, category=form["office"])
    services.case_save(
        case=case,
        actor=user_a,
        photos=[],
        answers={
            form["volunteers"].key: "35",
            form["period"].key: [date(2026, 3, 1), date(2026, 6, 30)],
        },
    )
    services.case_save(
        case=Case.objects.get(pk=case.pk),
        actor=user_a,
        photos=[],
        answers={form["volunteers"].key: "40"},
    )
    assert LogEntry.objects.filter(object_pk=str(case.pk)).count() >= 2

    from audit import display

    entries = LogEntry.objects.filter(object_pk=str(case.pk), content_type__model="case").order_by(
        "pk"
    )
    lines = [
        (c.label, c.before, c.after)
        for row in display.rows(entries)
        for c in row.changes
        if c.label in ("志愿者人数", "实施周期")
    ]

    assert lines == [
        ("志愿者人数", "", "35"),
        ("实施周期", "", "2026-03-01 ~ 2026-06-30"),
        ("志愿者人数", "35", "40"),
    ]
