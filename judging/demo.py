"""Demo data of expert judging, built through the services on the demo call of
`demo/builders.py` ("2026-civic-cases"): five experts, a closed blind first round (初评) fully
scored, and an open second round (复评) with the top four, partly scored, so that the judge demo
accounts have work waiting. Idempotent; seeded, so every build gives the same scores.

Opening a round moves the call to “judging” (as in real use). Awards are not made here.

A call with categories (the finished demo call) is judged category by category: both rounds
judge the categories separately, and the second has one criterion of each category's own.
"""

import hashlib
import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from submissions.models import Call, Unit

from . import demo_invitations, drawing
from .models import Assignment, Judge, Round
from .selectors import criteria_for
from .services import drawing as drawing_services
from .services import pool, results, reviews, rounds
from .services.rounds import CriterionSpec

DEMO_CALL = "2026-civic-cases"
PASSWORD = "demo12345"  # noqa: S105 — the documented demo password
SEED = 2026

# username → (name, affiliation, submitting unit the expert works for, expertise)
JUDGES = [
    ("judge1", "张教授", "某大学公共管理学院", "", "城市治理"),
    ("judge2", "李研究员", "市社会科学院", "", "社会学"),
    ("judge3", "王主任", "", "区教育局", "基础教育"),  # conflicts with 区教育局's cases
    ("judge4", "赵编辑", "某日报社", "", "新闻传播"),
    ("judge5", "陈老师", "市委党校", "", "精神文明建设"),
]
# The pool beside the five: fields of expertise (专业领域) for the drawing, and more experts, one
# of them unavailable, so that a drawing has backups and an exclusion to show.
FIELDS = {
    "judge1": ["城市管理"],
    "judge2": ["社会治理"],
    "judge3": ["公共服务"],
    "judge4": ["社会治理"],
    "judge5": ["城市管理", "社会治理"],
}
# username → (name, affiliation, fields, region, title, why unavailable)
MORE_EXPERTS = [
    ("expert6", "周研究员", "市城市规划设计研究院", ["城市管理"], "市辖区", "正高级工程师", ""),
    ("expert7", "吴教授", "某大学社会学院", ["社会治理"], "市辖区", "教授", ""),
    ("expert8", "郑处长", "市民政局", ["社会治理", "公共服务"], "市辖区", "", ""),
    ("expert9", "孙老师", "市委党校", ["城市管理"], "市辖区", "副教授", "出国访学"),
]
FIRST_CRITERIA = [
    CriterionSpec("创新性", 30, "做法新颖，有首创或突破。"),
    CriterionSpec("实效性", 40, "成效明显，群众认可，有数据支撑。"),
    CriterionSpec("示范性", 30, "可复制、可推广，对同类单位有借鉴意义。"),
]
SECOND_CRITERIA = [
    CriterionSpec("工作成效", 60, "解决了什么问题，群众获得感如何。"),
    CriterionSpec("推广价值", 40, "经验能否在全区推广。"),
]
COMMENTS = [
    "做法扎实，成效数据翔实，建议补充群众评价。",
    "创新点突出，示范意义较强。",
    "案例典型，但推广路径尚需提炼。",
    "群众参与度高，文字表述可再精炼。",
    "亮点鲜明，建议进一步总结长效机制。",
    "基础工作扎实，特色还不够突出。",
]


#: In a call with categories, the second round's criterion of each category (by position).
CATEGORY_CRITERIA = [
    ("居民参与", "群众参与程度和满意度。"),
    ("服务效能", "办事效率和服务质量的提升。"),
]


def _second_criteria(call: Call) -> list[CriterionSpec]:
    """The second round's criteria: shared, plus one of each category's own when the call has
    categories (the round then judges them separately)."""
    categories = list(call.categories.all())
    if not categories:
        return SECOND_CRITERIA
    return [
        CriterionSpec("工作成效", 60, "解决了什么问题，群众获得感如何。"),
        *[
            CriterionSpec(name, 40, description, category_id=category.pk)
            for category, (name, description) in zip(categories, CATEGORY_CRITERIA, strict=False)
        ],
    ]


def _judges(organizer) -> list[Judge]:
    User = get_user_model()
    judges = []
    for username, name, affiliation, unit_name, expertise in JUDGES:
        judge = Judge.objects.filter(user__username=username).first()
        if judge is None:
            if not Unit.objects.filter(name=unit_name).exists():
                unit_name = ""
            existing = User.objects.filter(username=username).exists()
            judge = pool.judge_create(
                name=name,
                username=username,
                email=f"{username}@example.org",
                unit_name=unit_name,
                affiliation=affiliation,
                expertise=expertise,
                password="" if existing else PASSWORD,
                must_change_password=False,  # demo accounts keep demo12345
                actor=organizer,
            ).judge
        judges.append(judge)
    return judges


def _pool_details(organizer) -> None:
    """Fields of expertise of the five, and the other experts of the pool (no reviews)."""
    User = get_user_model()
    for judge in Judge.objects.filter(user__username__in=FIELDS, fields=[]).select_related("user"):
        pool.judge_update(
            judge=judge,
            name=judge.name,
            email=judge.user.email,
            unit=judge.unit,
            affiliation=judge.affiliation,
            expertise=judge.expertise,
            fields=FIELDS[judge.user.username],
            region="市辖区",
            actor=organizer,
        )
    for username, name, affiliation, fields, region, title, away in MORE_EXPERTS:
        if Judge.objects.filter(user__username=username).exists():
            continue
        existing = User.objects.filter(username=username).exists()
        judge = pool.judge_create(
            name=name,
            username=username,
            email=f"{username}@example.org",
            affiliation=affiliation,
            password="" if existing else PASSWORD,
            must_change_password=False,  # demo accounts keep demo12345
            actor=organizer,
        ).judge
        pool.judge_update(
            judge=judge,
            name=name,
            email=judge.user.email,
            affiliation=affiliation,
            fields=fields,
            region=region,
            title=title,
            available=not away,
            unavailable_reason=away,
            actor=organizer,
        )


def _drawing(rnd: Round, judges: list[Judge], organizer) -> tuple[list[Judge], list[Judge]] | None:
    """A drawing record of the round whose result is the demo's fixed panel (the demo accounts
    keep their reviews), with backups. A real drawing takes a fresh secret seed
    (services.drawing.drawing_commit); the demo instead takes the first seed of a fixed sequence
    whose draw gives that panel. The record verifies like any other (verify_draw)."""
    if organizer is None:
        return None
    rules = drawing_services.DrawingRules(
        count=len(judges),
        backups=2,
        quotas=[("城市管理", 1), ("社会治理", 1)],
        own_unit=drawing_services.OWN_UNIT_OFF,  # judge3's unit: the assignment keeps it apart
    )
    eligible, _excluded = drawing_services.pool_snapshot(round=rnd, rules=rules)
    pure = drawing_services.pure_rules(rules)
    # The story the invitations tell (judging/demo_invitations.py): the panel's last expert is
    # the first backup, drawn in place of an expert who declines.
    decliner = demo_invitations.decliner(organizer)
    wanted = {j.pk for j in judges[:-1]} | {decliner.pk}
    for i in range(50000):
        seed = hashlib.sha256(f"civiccases-demo-drawing-{rnd.call.slug}-{i}".encode()).digest()
        result = drawing.draw(seed, eligible, pure)
        if set(result.drawn) == wanted and result.backups[:1] == (judges[-1].pk,):
            break
    else:
        return None
    record = drawing_services.build_record(
        round=rnd,
        rules=rules,
        witness="市纪委监委派驻纪检组 刘监督员",
        seed=seed,
        operator=organizer,
    )
    drawing_services.reveal(record)  # the demo invites through demo_invitations itself
    by_pk = Judge.objects.in_bulk([*result.drawn, *result.backups])
    return [by_pk[pk] for pk in result.drawn], [by_pk[pk] for pk in result.backups]


def _points(
    rng: random.Random, quality: float, severity: float, criterion, step: Decimal
) -> Decimal:
    share = min(0.98, max(0.35, quality + severity + rng.gauss(0, 0.05)))
    raw = Decimal(str(float(criterion.max_points) * share))
    return (raw / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def _score(
    rnd: Round,
    assignment: Assignment,
    rng: random.Random,
    quality: dict,
    severity: dict,
    *,
    submit: bool,
    partial: bool = False,
) -> None:
    criteria = list(criteria_for(round=rnd, category_id=assignment.case.category_id))
    points: dict[int, object] = {
        c.pk: _points(
            rng, quality[assignment.case_id], severity[assignment.judge_id], c, rnd.score_step
        )
        for c in criteria
    }
    if partial:
        points[criteria[-1].pk] = ""
    reviews.review_save(
        assignment=assignment,
        actor=assignment.judge.user,
        points=points,
        comment=rng.choice(COMMENTS),
        submit=submit,
    )


def _set_up(
    call: Call, round: Round, criteria, judges, *, seed: int, organizer, draw: bool = False
) -> Round:
    rounds.round_save(round=round, criteria=criteria, actor=organizer)
    drawn = _drawing(round, judges, organizer) if draw else None
    # Invitations (in a drawn round: one declines, the first backup accepts) and pledges.
    demo_invitations.invite_panel(
        round, judges, organizer, with_decline=round.number == 1, drawn=drawn
    )
    rounds.round_set_panel(round=round, judges=judges, actor=organizer)
    rounds.round_set_entries(round=round, actor=organizer)
    demo_invitations.sign_pledges(round, judges)
    rounds.round_assign(round=round, seed=seed, actor=organizer)
    rounds.round_set_status(
        round=round,
        status=Round.Status.OPEN,
        actor=organizer,
        collection=rounds.CLOSE_COLLECTION,  # a demo call still collecting closes
    )
    return round


def _assignments(rnd: Round) -> list[Assignment]:
    return list(
        Assignment.objects.filter(round=rnd)
        .select_related("judge__user")
        .order_by("judge__user__username", "case__number")
    )


@transaction.atomic
def _first_round(call: Call, judges: list[Judge], organizer, rng, quality, severity) -> Round:
    now = timezone.now()
    rnd = _set_up(
        call,
        Round(
            call=call,
            name="初评",
            blind=True,
            score_step=Decimal("1"),
            rule=Round.Rule.TRIMMED,
            trim_min_judges=3,
            mode=Round.Mode.BALANCED,
            judges_per_case=3,
            entry=Round.Entry.ACCEPTED,
            deadline=now - timedelta(days=3),
            by_category=call.categories.exists(),
        ),
        FIRST_CRITERIA,
        judges,
        seed=SEED,
        organizer=organizer,
        draw=True,
    )
    mine = _assignments(rnd)
    for a in mine:
        _score(rnd, a, rng, quality, severity, submit=True)
    if organizer is not None and mine:  # one reopened and resubmitted review in the audit
        reviews.review_reopen(
            assignment=mine[0],
            actor=organizer,
            reason="专家来电：实效性一项误将附件数据看错，申请修改。",
        )
        _score(
            rnd,
            Assignment.objects.select_related("judge__user").get(pk=mine[0].pk),
            rng,
            quality,
            severity,
            submit=True,
        )
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=organizer)
    results.results_compute(round=rnd, actor=organizer)
    return rnd


@transaction.atomic
def _second_round(
    call: Call, first: Round, judges: list[Judge], organizer, rng, quality, severity
) -> Round:
    rnd = _set_up(
        call,
        Round(
            call=call,
            name="复评",
            blind=True,
            score_step=Decimal("0.5"),
            rule=Round.Rule.MEAN,
            mode=Round.Mode.ALL,
            entry=Round.Entry.TOP_N,
            entry_round=first,
            entry_top_n=4,
            deadline=timezone.now() + timedelta(days=7),
            by_category=call.categories.exists(),
        ),
        _second_criteria(call),
        judges,
        seed=SEED,
        organizer=organizer,
    )
    by_judge: dict[str, list[Assignment]] = {}
    for a in _assignments(rnd):
        by_judge.setdefault(a.judge.user.username, []).append(a)
    for a in by_judge.get("judge2", []):  # done
        _score(rnd, a, rng, quality, severity, submit=True)
    for a in by_judge.get("judge1", [])[:1]:  # one submitted, one draft, the rest waiting
        _score(rnd, a, rng, quality, severity, submit=True)
    for a in by_judge.get("judge1", [])[1:2]:
        _score(rnd, a, rng, quality, severity, submit=False, partial=True)
    for a in by_judge.get("judge3", [])[:2]:
        _score(rnd, a, rng, quality, severity, submit=True)
    for a in by_judge.get("judge4", [])[-1:]:  # a declared conflict of interest
        rounds.conflict_declare(
            judge=a.judge,
            case=a.case,
            reason="曾参与该案例的宣传报道，申请回避。",
            actor=a.judge.user,
        )
    return rnd


def build_judging(slug: str = DEMO_CALL) -> list[str]:
    """Create the judging demo on a demo call, or leave it as it is when already there."""
    call = Call.objects.filter(slug=slug).first()
    if call is None:
        return ["Demo judging skipped: the demo call is missing."]
    organizer = get_user_model().objects.filter(username="organizer").first()
    judges = _judges(organizer)
    _pool_details(organizer)
    rng = random.Random(SEED)
    cases = list(call.cases.order_by("number").values_list("pk", flat=True))
    quality = {c: rng.uniform(0.62, 0.9) for c in cases}
    severity = {j.pk: rng.gauss(0, 0.04) for j in judges}
    done = []
    first = call.rounds.filter(name="初评").first()
    if first is None:
        first = _first_round(call, judges, organizer, rng, quality, severity)
        done.append(
            f"Round “{first.name}”: closed, "
            f"{Assignment.objects.filter(round=first).count()} reviews scored."
        )
    if not call.rounds.filter(name="复评").exists():
        second = _second_round(call, first, judges, organizer, rng, quality, severity)
        done.append(
            f"Round “{second.name}”: open with the top {second.entries.count()} cases, "
            f"partly scored."
        )
    return done or ["Demo judging already present."]
