"""Copying a call from an earlier one (services.call_copy and the organizer's copy page):
everything that sets a call up is copied, nothing of what happened in it."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.forms.models import model_to_dict
from django.urls import reverse

from judging.models import Assignment, Criterion, Round, RoundCase
from submissions import services
from submissions.forms import CallCopyForm, CallForm
from submissions.models import Call, CallField, Case, Category, DeadlineExtension

from ..factories import (
    CallFactory,
    CallFieldFactory,
    CategoryFactory,
    DeadlineExtensionFactory,
)
from ..judging.setupkit import accepted_case, judge_profile, make_round

BJ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def source(organizer):
    """A finished-looking call: categories, fields, two rounds with criteria, cases, a panel,
    assignments and an extension."""
    call = CallFactory(
        slug="2025-cases",
        title="2025年度文明城市创建优秀案例征集",
        host_line="某区委宣传部 某区文明办",
        notice="请各单位选送案例。",
        opens_at=datetime(2025, 3, 1, 9, 0, tzinfo=BJ),
        closes_at=datetime(2025, 4, 30, 18, 0, tzinfo=BJ),
        status=Call.Status.CLOSED,
        min_photos=2,
        max_photos=7,
        max_photo_mb=12,
        body_max_chars=5000,
        award_top_n=6,
        award_excellent_m=12,
    )
    town = CategoryFactory(call=call, name="街道社区", position=1, award_top_n=3)
    firms = CategoryFactory(call=call, name="企业", position=2, award_excellent_m=4)
    CallFieldFactory(
        call=call,
        kind=CallField.Kind.INTEGER,
        label="受益人数",
        required=True,
        min_value=Decimal("1"),
        max_value=Decimal("100000"),
        position=1,
        blind_mask=True,
    )
    choice = CallFieldFactory(
        call=call,
        kind=CallField.Kind.CHOICE,
        label="项目类型",
        choices=["志愿服务", "环境整治"],
        position=2,
        judges_see=False,
    )
    choice.categories.set([town])
    case = accepted_case(call, category=town)
    judges = [judge_profile("j1"), judge_profile("j2")]
    first = make_round(
        call,
        judges=judges,
        name="初评",
        blind=True,
        step="0.5",
        rule=Round.Rule.MEAN,
        trim_min_judges=4,
        by_category=True,
        changes_until_close=True,
    )
    Criterion.objects.create(round=first, name="社区特色", max_points=10, position=5, category=town)
    second = Round(
        call=call,
        name="复评",
        entry=Round.Entry.TOP_N,
        entry_round=first,
        entry_top_n=5,
        mode=Round.Mode.BALANCED,
        judges_per_case=3,
    )
    from judging.services import rounds

    rounds.round_save(
        round=second,
        criteria=[rounds.CriterionSpec(name="综合", max_points=100)],
        actor=organizer,
    )
    Criterion.objects.create(round=second, name="企业担当", max_points=20, category=firms)
    DeadlineExtensionFactory(call=call, unit=case.unit)
    return call


def _copy(source, organizer, **kw):
    data = dict(
        source=source,
        slug="2026-cases",
        title="2026年度文明城市创建优秀案例征集",
        opens_at=datetime(2026, 3, 1, 9, 0, tzinfo=BJ),
        closes_at=datetime(2026, 4, 30, 18, 0, tzinfo=BJ),
        actor=organizer,
    )
    data.update(kw)
    return services.call_copy(**data)


def test_the_copy_is_a_draft_with_the_sources_texts_limits_and_award_numbers(source, organizer):
    copy = _copy(source, organizer)

    copy.refresh_from_db()
    assert copy.status == Call.Status.DRAFT
    assert (copy.slug, copy.title) == ("2026-cases", "2026年度文明城市创建优秀案例征集")
    assert (copy.opens_at, copy.closes_at) == (
        datetime(2026, 3, 1, 9, 0, tzinfo=BJ),
        datetime(2026, 4, 30, 18, 0, tzinfo=BJ),
    )
    assert (copy.host_line, copy.notice) == ("某区委宣传部 某区文明办", "请各单位选送案例。")
    assert (copy.min_photos, copy.max_photos, copy.max_photo_mb, copy.body_max_chars) == (
        2,
        7,
        12,
        5000,
    )
    assert (copy.award_top_n, copy.award_excellent_m) == (6, 12)


def test_categories_and_fields_are_copied_with_their_quotas_order_and_categories(source, organizer):
    copy = _copy(source, organizer)

    assert list(
        Category.objects.filter(call=copy).values_list(
            "name", "position", "award_top_n", "award_excellent_m"
        )
    ) == [("街道社区", 1, 3, None), ("企业", 2, None, 4)]
    fields = list(CallField.objects.filter(call=copy).prefetch_related("categories"))
    assert [
        (f.label, f.kind, f.required, f.min_value, f.max_value, f.judges_see, f.blind_mask)
        for f in fields
    ] == [
        ("受益人数", "integer", True, Decimal("1"), Decimal("100000"), True, True),
        ("项目类型", "choice", False, None, None, False, False),
    ]
    assert fields[1].choices == ["志愿服务", "环境整治"]
    assert [c.call_id for c in fields[1].categories.all()] == [copy.pk]
    assert [c.name for c in fields[1].categories.all()] == ["街道社区"]
    assert list(fields[0].categories.all()) == []


def test_rounds_and_criteria_are_copied_and_mapped_to_the_new_call(source, organizer):
    copy = _copy(source, organizer)

    first, second = Round.objects.filter(call=copy).order_by("number")
    assert (first.number, first.name, first.status) == (1, "初评", Round.Status.DRAFT)
    assert (first.blind, first.score_step, first.rule, first.trim_min_judges) == (
        True,
        Decimal("0.5"),
        Round.Rule.MEAN,
        4,
    )
    assert (first.by_category, first.changes_until_close) == (True, True)
    assert (second.entry, second.entry_round, second.entry_top_n) == (Round.Entry.TOP_N, first, 5)
    assert (second.mode, second.judges_per_case) == (Round.Mode.BALANCED, 3)
    assert [
        (c.name, c.max_points, c.category.name if c.category else None)
        for c in first.criteria.select_related("category")
    ] == [
        ("创新性", Decimal("40.0"), None),
        ("实效性", Decimal("60.0"), None),
        ("社区特色", Decimal("10.0"), "街道社区"),
    ]
    town = Category.objects.get(call=copy, name="街道社区")
    assert first.criteria.get(name="社区特色").category == town
    assert [(c.name, c.category_id is not None) for c in second.criteria.all()] == [
        ("综合", False),
        ("企业担当", True),
    ]
    assert second.criteria.get(name="企业担当").category.call == copy


def test_nothing_that_happened_in_the_source_is_copied(source, organizer):
    copy = _copy(source, organizer)

    assert Case.objects.filter(call=copy).count() == 0
    assert DeadlineExtension.objects.filter(call=copy).count() == 0
    assert RoundCase.objects.filter(round__call=copy).count() == 0
    assert Assignment.objects.filter(round__call=copy).count() == 0
    assert [r.panel.count() for r in Round.objects.filter(call=copy)] == [0, 0]
    assert [r.deadline for r in Round.objects.filter(call=copy)] == [None, None]
    assert [r.results_computed_at for r in Round.objects.filter(call=copy)] == [None, None]
    assert copy.judging_while_open is False
    # and the source is untouched
    assert Case.objects.filter(call=source).count() == 1
    assert Category.objects.filter(call=source).count() == 2
    assert Round.objects.filter(call=source).count() == 2


def test_the_copy_passes_the_call_forms_validation(source, organizer):
    copy = _copy(source, organizer)

    data = model_to_dict(copy, fields=CallForm.Meta.fields)
    for name in ("opens_at", "closes_at"):
        data[name] = data[name].astimezone(BJ).strftime("%Y-%m-%dT%H:%M")
    form = CallForm(data, instance=copy)

    assert form.is_valid(), form.errors


def test_the_audit_trail_records_the_copy_and_who_made_it(source, organizer):
    copy = _copy(source, organizer)

    entries = LogEntry.objects.get_for_object(copy).order_by("pk")
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert entries[1].additional_data == {
        "note": "Copied from the call “2025年度文明城市创建优秀案例征集” (2025-cases)."
    }
    assert {e.actor for e in entries} == {organizer}
    new_round = Round.objects.filter(call=copy).first()
    assert LogEntry.objects.get_for_object(new_round).get().actor == organizer


def test_a_taken_short_name_is_refused_and_nothing_is_created(source, organizer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        _copy(source, organizer, slug="2025-cases")

    assert Call.objects.count() == 1
    assert Round.objects.count() == 2


@pytest.mark.parametrize(
    ("title", "offered"),
    [
        ("2025年度文明城市创建优秀案例征集", "2026年度文明城市创建优秀案例征集"),
        ("2025—2026学年案例", "2026—2027学年案例"),
        ("文明实践优秀案例征集", "文明实践优秀案例征集(copy)"),
    ],
)
def test_the_offered_title_moves_the_year_on_or_says_it_is_a_copy(title, offered):
    assert services.call_copy_title(title) == offered


def test_the_copy_form_offers_the_same_dates_a_year_later(source):
    form = CallCopyForm(source=source)

    assert form.initial["title"] == "2026年度文明城市创建优秀案例征集"
    assert form.initial["slug"] == "2026-cases"
    assert form.initial["opens_at"] == datetime(2026, 3, 1, 9, 0, tzinfo=BJ)
    assert form.initial["closes_at"] == datetime(2026, 4, 30, 18, 0, tzinfo=BJ)


def test_the_organizer_copies_a_call_from_its_page(org_client, source):
    page = org_client.get(reverse("submissions:call_detail", args=[source.slug]))
    assert reverse("submissions:call_copy", args=[source.slug]) in page.content.decode()

    form = org_client.get(reverse("submissions:call_copy", args=[source.slug]))
    assert form.status_code == 200
    assert 'value="2026年度文明城市创建优秀案例征集"' in form.content.decode()
    assert "2 categories with their quotas" in form.content.decode()

    response = org_client.post(
        reverse("submissions:call_copy", args=[source.slug]),
        {
            "title": "2026年度文明城市创建优秀案例征集",
            "slug": "2026-cases",
            "opens_at": "2026-03-01T09:00",
            "closes_at": "2026-04-30T18:00",
        },
    )

    copy = Call.objects.get(slug="2026-cases")
    assert response.status_code == 302
    assert response["Location"] == copy.get_absolute_url()
    assert Round.objects.filter(call=copy).count() == 2


def test_the_new_call_page_offers_the_earlier_calls_and_sends_to_the_copy_page(org_client, source):
    page = org_client.get(reverse("submissions:call_create"))
    assert '<option value="2025-cases">2025年度文明城市创建优秀案例征集</option>' in (
        page.content.decode()
    )

    response = org_client.get(reverse("submissions:call_create") + "?copy=2025-cases")

    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:call_copy", args=["2025-cases"])


def test_a_copy_with_closing_before_opening_is_refused_on_the_form(org_client, source):
    response = org_client.post(
        reverse("submissions:call_copy", args=[source.slug]),
        {
            "title": "2026",
            "slug": "2026-cases",
            "opens_at": "2026-04-30T18:00",
            "closes_at": "2026-03-01T09:00",
        },
    )

    assert response.status_code == 200
    assert "The closing time must be after the opening time." in response.content.decode()
    assert not Call.objects.filter(slug="2026-cases").exists()


def test_a_taken_short_name_is_not_offered(source):
    CallFactory(slug="2026-cases")

    assert CallCopyForm(source=source).initial["slug"] == ""
