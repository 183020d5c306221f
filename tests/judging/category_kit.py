"""A call with two categories (社区组 with its own quota, 机关组 with the call's numbers) and a
round that judges them separately: a shared criterion and one 实效性 criterion per category
(the same name twice), scored through the services as judges do it."""

from dataclasses import dataclass

from judging.models import Assignment, Criterion, Judge, Round
from judging.services import rounds
from judging.services.reviews import review_save
from judging.services.rounds import CriterionSpec
from submissions.models import Call, Case, Category

from ..factories import CategoryFactory
from .results_kit import commit_hooks, panel
from .setupkit import accepted_case

# (title, [(创新性, 实效性) per judge]) of each category's cases; two judges each.
COMMUNITY = [
    ("社区案例甲", [(30, 50), (30, 50)]),  # 80: 十佳 (the category's quota: one)
    ("社区案例乙", [(20, 40), (20, 40)]),  # 60: tied with 丙 at the 优秀 line
    ("社区案例丙", [(20, 40), (20, 40)]),  # 60
]
OFFICE = [
    ("机关案例甲", [(35, 55), (35, 55)]),  # 90: 十佳 (the call's numbers: two)
    ("机关案例乙", [(30, 45), (30, 45)]),  # 75: 十佳
    ("机关案例丙", [(20, 40), (20, 40)]),  # 60: 优秀 (equal to 社区案例乙, but not its rival)
    ("机关案例丁", [(10, 10), (10, 10)]),  # 20
]


@dataclass
class CategoryWorld:
    call: Call
    community: Category
    office: Category
    round: Round
    judges: list[Judge]
    cases: dict[str, Case]
    shared: Criterion
    own: dict[int | None, Criterion]  # category id (None: shared) → its 实效性


def categories(call: Call) -> tuple[Category, Category]:
    Call.objects.filter(pk=call.pk).update(award_top_n=2, award_excellent_m=1)
    call.refresh_from_db()
    community = CategoryFactory.create(
        call=call, name="社区组", position=0, award_top_n=1, award_excellent_m=1
    )
    office = CategoryFactory.create(call=call, name="机关组", position=1)
    return community, office


def category_round(
    call: Call,
    *,
    by_category: bool = True,
    close: bool = True,
    scored: bool = True,
    actor=None,
    community_rows=COMMUNITY,
    office_rows=OFFICE,
) -> CategoryWorld:
    community, office = categories(call)
    judges = panel(2)
    cases = {}
    for category, rows in ((office, office_rows), (community, community_rows)):
        for title, _scores in rows:
            cases[title] = accepted_case(call, title=title, category=category)
    rnd = Round(
        call=call, name="初评", mode=Round.Mode.ALL, by_category=by_category, pledge_required=False
    )
    criteria = [CriterionSpec(name="创新性", max_points=40)]
    if by_category:
        criteria += [
            CriterionSpec(name="实效性", max_points=60, category_id=community.pk),
            CriterionSpec(name="实效性", max_points=60, category_id=office.pk),
        ]
    else:
        criteria += [CriterionSpec(name="实效性", max_points=60)]
    rounds.round_save(round=rnd, criteria=criteria, actor=actor)
    rounds.round_set_panel(round=rnd, judges=judges, actor=actor)
    rounds.round_set_entries(round=rnd, case_ids=None, actor=actor)
    rounds.round_assign(round=rnd, actor=actor)
    rounds.round_set_status(round=rnd, status=Round.Status.OPEN, actor=actor, collection="close")
    shared = rnd.criteria.get(name="创新性")
    own = {c.category_id: c for c in rnd.criteria.exclude(name="创新性")}
    world = CategoryWorld(call, community, office, rnd, judges, cases, shared, own)
    for title, scores in [*community_rows, *office_rows] if scored else []:
        case = cases[title]
        for judge, (first, second) in zip(judges, scores, strict=True):
            score(world, judge, case, first, second)
    if close:
        rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=actor)
    commit_hooks()
    rnd.refresh_from_db()
    return world


def score(world: CategoryWorld, judge: Judge, case: Case, first, second, submit=True):
    """A judge scores the shared criterion and the case's category's own (as the form does)."""
    assignment = Assignment.objects.get(round=world.round, judge=judge, case=case)
    # own: keyed by category, or by None (shared) in a round that does not judge them apart
    own = world.own[case.category_id if world.round.by_category else None]
    points = {world.shared.pk: first, own.pk: second}
    return review_save(assignment=assignment, actor=judge.user, points=points, submit=submit)
