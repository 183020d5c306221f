"""Every list page where cases appear runs the same number of queries for a call of 1 case and
for a call of many, both with 20 form fields of their own (some asked of one category only,
one hidden in blind rounds) and two categories judged separately: the organizer's case list
(with field filters and columns), the unit's case list and call page, the judge's queue, the
round's overview, cases, assignment and progress, the results, the awards, the notice, the
series and the installment editor, and the public installment and notice."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from judging.models import Round
from judging.services import results as result_services
from judging.services import rounds
from publishing import services as publishing
from submissions.models import CallField, Case

from .factories import CallFactory, CallFieldFactory, UnitFactory, unit_user
from .judging.category_kit import category_round
from .judging.results_kit import commit_hooks
from .judging.setupkit import photo_add

Kind = CallField.Kind
KINDS = [Kind.INTEGER, Kind.CHOICE, Kind.MULTI_CHOICE, Kind.TEXT, Kind.DECIMAL]


def _answer(field: CallField, n: int) -> object:
    answers: dict[str, object] = {
        Kind.INTEGER: n,
        Kind.CHOICE: "甲",
        Kind.MULTI_CHOICE: ["乙"],
        Kind.DECIMAL: 1.5,
    }
    return answers.get(field.kind, "文字")


def _rows(prefix: str, n: int) -> list:
    return [(f"{prefix}{i}", [(20 + i % 15, 30 + i % 25)] * 2) for i in range(n)]


TITLES = [f"社区{i}" for i in range(9)] + [f"机关{i}" for i in range(8)]


class World:
    """A call judged by category from collection to a published installment; `measure(stage)`
    is called with the pages of each stage, as {name: (user or None, url)}."""

    def __init__(self, slug: str, community: int, office: int, organizer, editor, measure):
        call = CallFactory.create(slug=slug)
        world = category_round(
            call,
            close=False,
            actor=organizer,
            community_rows=_rows("社区", community),
            office_rows=_rows("机关", office),
        )
        fields = []
        for i in range(20):
            field = CallFieldFactory.create(
                call=call,
                kind=KINDS[i % 5],
                label=f"字段{i}",
                choices=["甲", "乙"],
                blind_mask=i == 3,
                judges_see=i != 4,
            )
            if i % 3 == 0:
                field.categories.add(world.community if i % 2 else world.office)
            fields.append(field)
        unit = UnitFactory()
        user = unit_user(unit, username=f"unit-{slug}")
        for n, case in enumerate(Case.objects.filter(call=call).order_by("number")):
            Case.objects.filter(pk=case.pk).update(
                unit=unit, extra={f.key: _answer(f, n) for f in fields}
            )
            photo_add(case)
        rnd = world.round
        judge = world.judges[0]
        measure(
            "open",
            {
                "organizer case list": (
                    organizer,
                    call.get_absolute_url()
                    + f"?f{fields[1].pk}=甲&min{fields[0].pk}=0&sort=-{fields[0].pk}"
                    + f"&col={fields[0].pk}&col={fields[2].pk}&col={fields[3].pk}",
                ),
                "unit case list": (user, "/collect/cases/"),
                "unit call page": (user, call.get_absolute_url()),
                "judge queue": (judge.user, f"/judging/review/rounds/{rnd.pk}/"),
                "round overview": (organizer, f"/judging/rounds/{rnd.pk}/"),
                "round cases": (organizer, f"/judging/rounds/{rnd.pk}/cases/"),
                "assignments": (organizer, f"/judging/rounds/{rnd.pk}/assignments/"),
                "progress": (organizer, f"/judging/rounds/{rnd.pk}/progress/"),
            },
        )
        rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=organizer)
        commit_hooks()
        result_services.awards_propose(call=call, actor=organizer)
        now = timezone.now()
        result_services.notice_publish(
            call=call,
            title="公示",
            text="",
            starts_at=now - timedelta(days=10),
            ends_at=now - timedelta(days=1),
            actor=organizer,
            now=now - timedelta(days=10),  # published when it started, ten days ago
        )
        measure(
            "notice",
            {
                "results": (organizer, f"/judging/results/rounds/{rnd.pk}/"),
                "awards": (organizer, f"/judging/results/calls/{slug}/awards/"),
                "notice": (organizer, f"/judging/results/calls/{slug}/notice/"),
                "public notice": (None, f"/judging/notice/{slug}/"),
                # with its awards (judging's outcome provider)
                "unit case list on notice": (user, "/collect/cases/"),
            },
        )
        result_services.call_finalize(call=call, actor=organizer)
        series = publishing.series_draft_from_awards(
            call=call,
            actor=editor,
            slug=f"s-{slug}",
            title="巡礼",
            per_installment=50,
            by_category=True,
        )
        installment = series.installments.get(number=1)
        publishing.installment_update(
            installment=installment,
            actor=editor,
            headline="标题",
            editors_note="",
            byline="",
            publish_at=None,
        )
        publishing.installment_publish(installment=installment, actor=editor)
        measure(
            "published",
            {
                "series editor": (editor, f"/publish/series/{series.slug}/"),
                "installment editor": (editor, f"/publish/series/{series.slug}/1/"),
                "public installment": (None, f"/series/{series.slug}/1/"),
                # with the installment links (publishing's outcome provider)
                "unit call page when published": (user, call.get_absolute_url()),
            },
        )


def test_list_pages_run_as_many_queries_for_1_case_as_for_many_with_20_fields(
    client, organizer, editor, django_assert_num_queries
):
    counts: dict[str, int] = {}

    def count(stage, pages):
        for name, (user, url) in pages.items():
            client.logout()
            if user is not None:
                client.force_login(user)
            client.get(url)  # warm the one-time caches (content types, sessions, results)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200, name
            counts[name] = len(ctx.captured_queries)

    World("one-case", 1, 0, organizer, editor, count)
    assert len(counts) == 17

    checked = []
    shown: dict[str, int] = {}

    def same(stage, pages):
        for name, (user, url) in pages.items():
            client.logout()
            if user is not None:
                client.force_login(user)
            client.get(url)
            with django_assert_num_queries(counts[name]):
                response = client.get(url)
            assert response.status_code == 200, name
            html = response.content.decode()
            shown[name] = sum(1 for title in TITLES if title in html)
            checked.append(name)

    World("many-cases", 9, 8, organizer, editor, same)
    assert sorted(checked) == sorted(counts)
    # the pages really list the many cases (the round's overview, cases page, the notice's
    # and the series' pages name none; the installment editor also offers the others to add)
    assert shown == {
        "organizer case list": 17,
        "unit case list": 17,
        "unit call page": 17,
        "judge queue": 17,
        "round overview": 0,
        "round cases": 0,
        "assignments": 17,
        "progress": 17,
        "results": 17,
        "awards": 5,
        "notice": 0,
        "public notice": 5,
        "series editor": 0,
        "installment editor": 14,
        "public installment": 2,
        "unit case list on notice": 17,
        "unit call page when published": 17,
    }
