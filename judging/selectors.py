"""Reads of judging. `assignments_for_judge` is the judge-side visibility policy: every page,
export, image and file a judge reaches goes through it; organizers see everything."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from audit import selectors as audit_selectors
from core import cache as caches
from submissions import casefields, lifecycle
from submissions.models import Attachment, Call, CallField, Case, Photo

from .models import (
    Assignment,
    Award,
    AwardChange,
    Conflict,
    Criterion,
    Discussion,
    Invitation,
    Judge,
    Notice,
    PledgeSignature,
    Result,
    Round,
    RoundCase,
    Score,
)


def judge_for(user: User | AnonymousUser) -> Judge | None:
    """The user's profile in the expert pool (what makes a judge: `roles.is_judge`), or None."""
    if isinstance(user, AnonymousUser) or not roles.is_judge(user):
        return None
    return user.judge_profile


def assignments_for_judge(
    user: User | AnonymousUser, *, round: Round | None = None
) -> QuerySet[Assignment]:
    """The user's own reviews in open rounds, minus any case he or she has a conflict with, and
    nothing of a round whose pledge the judge has not signed (judging/services/pledges.py)."""
    judge = judge_for(user)
    if judge is None:
        return Assignment.objects.none()
    qs = (
        Assignment.objects.filter(judge=judge, round__status=Round.Status.OPEN)
        .exclude(Exists(Conflict.objects.filter(judge=judge, case=OuterRef("case"))))
        .exclude(
            Q(round__pledge_required=True)
            & ~Exists(PledgeSignature.objects.filter(judge=judge, round=OuterRef("round")))
        )
    )
    # Not a case of the judge's own unit, nor of a unit he or she is a member of. The ids are
    # resolved first (a short list, read once per user object): a subquery here would make the
    # planner scan every case of the call instead of following the judge's assignments.
    own_units = set(roles.unit_ids(user)) | ({judge.unit_id} if judge.unit_id else set())
    if own_units:
        qs = qs.exclude(case__unit_id__in=sorted(own_units))
    if round is not None:
        qs = qs.filter(round=round)
    return qs


def pledges_pending(user: User | AnonymousUser) -> QuerySet[Round]:
    """Rounds not closed whose panel holds the judge and whose pledge he or she has not signed
    yet: the judge's start page leads to the pledge of each."""
    judge = judge_for(user)
    if judge is None:
        return Round.objects.none()
    return (
        Round.objects.filter(panel=judge, pledge_required=True)
        .exclude(status=Round.Status.CLOSED)
        .exclude(pledges__judge=judge)
        .select_related("call")
        .order_by("deadline", "call_id", "number")
    )


def pledge_round_for_judge(user: User | AnonymousUser, *, pk: int | str) -> Round | None:
    """A round the judge must sign the pledge of before seeing it (None otherwise)."""
    return pledges_pending(user).filter(pk=pk).first()


def review_awaiting_pledge(user: User | AnonymousUser, *, pk: int | str) -> Round | None:
    """The round of one of the judge's reviews hidden only because the pledge is not signed:
    the link leads to the pledge, not to a 404."""
    judge = judge_for(user)
    if judge is None:
        return None
    return pledges_pending(user).filter(assignments__pk=pk, assignments__judge=judge).first()


def round_invitations(*, round: Round) -> QuerySet[Invitation]:
    """The round's invitations for its page: drawn, manual, then backups in order (one query)."""
    return Invitation.objects.filter(round=round).select_related("judge", "replaces__judge")


def round_pledges(*, round: Round) -> QuerySet[PledgeSignature]:
    """The round's signed pledges, in the order they were signed (one query)."""
    return PledgeSignature.objects.filter(round=round).select_related("judge")


def photos_for_judge(user: User | AnonymousUser) -> QuerySet[Photo]:
    return Photo.objects.filter(case__in=assignments_for_judge(user).values("case"))


def attachments_for_judge(user: User | AnonymousUser) -> QuerySet[Attachment]:
    """Attachments reach a judge only in rounds that are not blind: a PDF or Word file cannot be
    checked for the unit's name."""
    return Attachment.objects.filter(
        case__in=assignments_for_judge(user).filter(round__blind=False).values("case")
    ).exclude(field__judges_see=False)  # a form field's files only when judges see the field


def review_for_judge(user: User | AnonymousUser, *, pk: int | str) -> Assignment:
    """One of the judge's visible reviews with what the scoring page needs; DoesNotExist else.

    Two short queries, not one join of seven tables: PostgreSQL takes longer to plan that join
    than to run both (BENCHMARKS.md, "Where the time goes"). The case is read by the id the
    visible review names.
    """
    review = assignments_for_judge(user).select_related("round__call").get(pk=pk)
    review.case = Case.objects.select_related("unit", "category").get(pk=review.case_id)
    return review


def closed_review_for_judge(user: User | AnonymousUser, *, pk: int | str) -> Assignment | None:
    """One of the user's own reviews in a round that has closed (None otherwise), for the page
    telling a judge what became of the scores: the judge learns nothing but the state of his or
    her own review. A case the judge declared a conflict with is no longer assigned (None)."""
    judge = judge_for(user)
    if judge is None:
        return None
    return (
        Assignment.objects.filter(judge=judge, pk=pk, round__status=Round.Status.CLOSED)
        .exclude(  # nothing of a round whose pledge the judge never signed
            Q(round__pledge_required=True)
            & ~Exists(PledgeSignature.objects.filter(judge=judge, round=OuterRef("round")))
        )
        .select_related("round__call", "case")
        .first()
    )


def reassigned_review_for_judge(user: User | AnonymousUser, *, pk: int | str) -> Round | None:
    """The round of one of the user's own reviews that no longer exists because its case went
    to another judge (a declared or recorded conflict of interest, a new assignment): the judge
    following an old link learns that, and nothing about who has the case now."""
    judge = judge_for(user)
    if judge is None:
        return None
    was = audit_selectors.deleted_fields(Assignment, pk)
    if not was or was.get("judge") != str(judge.pk) or not str(was.get("round", "")).isdigit():
        return None
    return Round.objects.select_related("call").filter(pk=int(was["round"])).first()


def case_judging_started(case: Case) -> bool:
    """Whether judging of the case has started: it entered a round that is open or closed."""
    return RoundCase.objects.filter(case=case).exclude(round__status=Round.Status.DRAFT).exists()


def criteria_for(*, round: Round, category_id: int | None) -> QuerySet[Criterion]:
    """The criteria a case of a category is scored on, in order: in a round that judges
    categories separately, the shared criteria and its category's own; otherwise all of them."""
    qs = Criterion.objects.filter(round=round)
    if round.by_category:
        qs = qs.filter(Q(category__isnull=True) | Q(category_id=category_id))
    return qs.order_by("position", "pk")


def review_criteria(*, assignment: Assignment) -> list[tuple[Criterion, Decimal | None]]:
    """The criteria of the review's case in order (criteria_for), each with the review's points
    for it (None when not scored yet): one query."""
    mine = Score.objects.filter(assignment=assignment, criterion=OuterRef("pk"))
    criteria = criteria_for(
        round=assignment.round, category_id=assignment.case.category_id
    ).annotate(my_points=Subquery(mine.values("points")[:1]))
    return [(c, c.my_points) for c in criteria]


def review_neighbours(
    user: User | AnonymousUser, *, assignment: Assignment
) -> tuple[int | None, int | None, int, int]:
    """(previous id, next id, position, count) of a review in the judge's queue of its round.

    One query whatever the length of the queue, or none while the queue is cached
    (core/cache.py).
    """
    ids, version = caches.judge_queue_get(assignment.judge_id, assignment.round_id)
    if ids is None or assignment.pk not in ids:
        ids = list(judge_queue(user, round=assignment.round).values_list("pk", flat=True))
        caches.judge_queue_put(assignment.judge_id, assignment.round_id, version, ids)
    try:
        i = ids.index(assignment.pk)
    except ValueError:
        return None, None, 0, len(ids)
    return (
        ids[i - 1] if i > 0 else None,
        ids[i + 1] if i + 1 < len(ids) else None,
        i + 1,
        len(ids),
    )


def next_open_review(user: User | AnonymousUser, *, assignment: Assignment) -> Assignment | None:
    """The judge's next review of the round still to submit, after this one (wrapping round)."""
    queue = (
        judge_queue(user, round=assignment.round)
        .exclude(status=Assignment.Status.SUBMITTED)
        .exclude(pk=assignment.pk)
        .only("pk", "case__number")
    )
    after = queue.filter(
        Q(case__number__gt=assignment.case.number)
        | Q(case__number=assignment.case.number, pk__gt=assignment.pk)
    ).first()
    return after or queue.first()


def judge_rounds(user: User | AnonymousUser) -> list[Round]:
    """Open rounds in which the judge has visible reviews, with counts (one query)."""
    visible = assignments_for_judge(user)
    return list(
        Round.objects.filter(pk__in=visible.values("round"))
        .select_related("call")
        .annotate(
            n_assigned=Count("assignments", filter=Q(assignments__in=visible)),
            n_submitted=Count(
                "assignments",
                filter=Q(assignments__in=visible.filter(status=Assignment.Status.SUBMITTED)),
            ),
            n_drafts=Count(
                "assignments",
                filter=Q(assignments__in=visible.filter(status=Assignment.Status.DRAFT)),
            ),
        )
        .order_by("deadline", "call_id", "number")
    )


# ---- what a judge is shown of a case -------------------------------------------------------


@dataclass(frozen=True)
class ReviewPhoto:
    uid: str
    caption: str
    width: int
    height: int


@dataclass(frozen=True)
class ReviewCase:
    """A case as one judge may see it. In a blind round the unit and contact are absent and
    their mentions in the text are masked; templates get this, never the Case."""

    pk: int
    code: str
    number: int
    title: str
    summary: str
    body: str
    category: str
    blind: bool
    unit_name: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    photos: list[ReviewPhoto] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    #: The answers to the call's own fields a judge of the round sees (casefields.for_judges):
    #: (label, answer as shown, files), in order; files only outside blind rounds.
    answers: list[tuple[str, str, list[Attachment]]] = field(default_factory=list)


def _identity_pattern(case: Case) -> re.Pattern | None:
    """A pattern matching the case's unit name, contact name and phone (digits with any
    spacing or dashes), longest first."""
    words = {w.strip() for w in (case.unit.name, case.contact_name) if w and len(w.strip()) >= 2}
    parts = [re.escape(w) for w in sorted(words, key=len, reverse=True)]
    digits = re.sub(r"\D", "", case.contact_phone or "")
    if len(digits) >= 5:
        parts.append(r"[\s-]*".join(digits))
    return re.compile("|".join(parts)) if parts else None


def mask_identity(text: str, *, pattern: re.Pattern | None) -> str:
    if not text or pattern is None:
        return text
    mask = _("[withheld]")
    return pattern.sub(lambda _match: mask, text)


def case_title_for_round(case: Case, *, blind: bool) -> str:
    """A case's title as judges of a round may read it (unit and contact withheld if blind)."""
    return mask_identity(case.title, pattern=_identity_pattern(case)) if blind else case.title


def review_case(
    *,
    assignment: Assignment,
    photos: Iterable[Photo] | None = None,
    attachments: Iterable[Attachment] | None = None,
) -> ReviewCase:
    """The judge's view of the assignment's case (its case and unit loaded; photos given or
    queried once)."""
    case, blind = assignment.case, assignment.round.blind
    if photos is None:
        photos = Photo.objects.filter(case=case).order_by("position", "id")
    pattern = _identity_pattern(case) if blind else None

    def mask(text: str) -> str:
        return mask_identity(text, pattern=pattern)

    fields = casefields.for_judges(
        casefields.fields_for(casefields.call_fields(case.call_id), case.category_id),
        blind=blind,
    )
    files: list[Attachment] = []
    if blind:
        fields = [f for f in fields if f.kind != CallField.Kind.FILE]  # files are withheld
    if attachments is None and not blind:
        attachments = list(Attachment.objects.filter(case=case))
    if attachments is not None:
        attachments = list(attachments)
        files = [a for a in attachments if a.field_id is not None]
        attachments = [a for a in attachments if a.field_id is None]
    answers = [
        (label, mask(text), att_files)
        for _f, label, text, att_files in casefields.answer_rows(
            fields, case.extra or {}, category_id=case.category_id, files=files
        )
    ]

    return ReviewCase(
        pk=case.pk,
        code=case.code,
        number=case.number,
        title=mask(case.title),
        summary=mask(case.summary),
        body=mask(case.body),
        category=case.category.name if case.category is not None else "",
        blind=blind,
        unit_name="" if blind else case.unit.name,
        contact_name="" if blind else case.contact_name,
        contact_phone="" if blind else case.contact_phone,
        photos=[
            ReviewPhoto(uid=str(p.uid), caption=mask(p.caption), width=p.width, height=p.height)
            for p in photos
        ],
        attachments=[] if blind else list(attachments or []),
        answers=answers,
    )


def queue_rows(user: User | AnonymousUser, *, round: Round) -> list[tuple[Assignment, str, str]]:
    """The judge's list as (assignment, title as shown, unit as shown): two queries."""
    rows = []
    for a in judge_queue(user, round=round).select_related("case__unit"):
        if round.blind:
            title = mask_identity(a.case.title, pattern=_identity_pattern(a.case))
            rows.append((a, title, ""))
        else:
            rows.append((a, a.case.title, a.case.unit.name))
    return rows


def rounds_for_organizer() -> QuerySet[Round]:
    return Round.objects.select_related("call")


def judge_queue(user: User | AnonymousUser, *, round: Round) -> QuerySet[Assignment]:
    """The judge's list: one row per assigned case, in case order, fixed query count."""
    return (
        assignments_for_judge(user, round=round)
        .select_related("case")
        .order_by("case__number", "pk")
    )


def round_judge_progress(*, round: Round) -> QuerySet[Judge]:
    """Judges with reviews in the round, annotated with assigned, submitted and drafts."""
    return (
        Judge.objects.filter(assignments__round=round)
        .annotate(
            assigned=Count("assignments", filter=Q(assignments__round=round)),
            submitted=Count(
                "assignments", filter=Q(assignments__round=round, assignments__status="submitted")
            ),
            drafts=Count(
                "assignments", filter=Q(assignments__round=round, assignments__status="draft")
            ),
        )
        .order_by("name", "pk")
    )


def round_case_progress(*, round: Round) -> QuerySet[Case]:
    """Cases with reviews in the round, annotated with assigned and submitted (to paginate)."""
    return (
        Case.objects.filter(assignments__round=round)
        .annotate(
            assigned=Count("assignments", filter=Q(assignments__round=round)),
            submitted=Count(
                "assignments", filter=Q(assignments__round=round, assignments__status="submitted")
            ),
        )
        .select_related("unit")
        .order_by("number")
    )


def calls_with_rounds() -> list[Call]:
    """Calls that can be judged (not drafts), newest first, each with its rounds (two queries)."""
    return list(
        Call.objects.filter(status__in=lifecycle.states_allowing(lifecycle.JUDGING_PAGES))
        .annotate(n_accepted=Count("cases", filter=Q(cases__status=Case.Status.ACCEPTED)))
        .prefetch_related(Prefetch("rounds", queryset=Round.objects.order_by("number")))
    )


def round_overview(*, round: Round) -> dict:
    """Counts for the round page: cases, panel, reviews by state (three queries)."""
    by_status = dict(
        Assignment.objects.filter(round=round)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    total = sum(by_status.values())
    return {
        "entries": RoundCase.objects.filter(round=round).count(),
        "panel": round.panel.count(),
        "assignments": total,
        "submitted": by_status.get(Assignment.Status.SUBMITTED, 0),
        "drafts": by_status.get(Assignment.Status.DRAFT, 0),
        "percent": int(100 * by_status.get(Assignment.Status.SUBMITTED, 0) / total) if total else 0,
    }


@dataclass(frozen=True)
class Shortfall:
    case: Case
    assigned: int
    needed: int
    available: int  # panel judges free of any conflict with the case

    @property
    def reason(self) -> str:
        if self.available < self.needed:
            return _(
                "Only %(available)d judge(s) of the panel are free of a conflict of "
                "interest with this case; %(needed)d needed. Add judges to the panel."
            ) % {"available": self.available, "needed": self.needed}
        return _(
            "%(assigned)d of %(needed)d judges assigned. Run the assignment again or add "
            "a judge by hand."
        ) % {"assigned": self.assigned, "needed": self.needed}


def round_shortfalls(*, round: Round) -> list[Shortfall]:
    """Cases of the round with fewer judges than they need, each with the reason.

    A balanced round needs k judges per case; an "everyone scores" round needs every panel judge
    without a conflict. A conflict declared when nobody else was free shows up here.
    """
    from .services.rounds import conflict_pairs

    counts = dict(
        Assignment.objects.filter(round=round)
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )
    panel = round.panel.count()
    conflicted: dict[int, int] = {}
    for _judge, case_id in conflict_pairs(round=round):
        conflicted[case_id] = conflicted.get(case_id, 0) + 1
    short = []
    for case_id in round.entries.values_list("case_id", flat=True).iterator(chunk_size=5000):
        available = panel - conflicted.get(case_id, 0)
        needed = round.judges_per_case if round.mode == Round.Mode.BALANCED else max(available, 1)
        if counts.get(case_id, 0) < needed:
            short.append((case_id, counts.get(case_id, 0), needed, available))
    cases = Case.objects.in_bulk([c for c, *_rest in short])
    return [
        Shortfall(case=cases[c], assigned=a, needed=n, available=v)
        for c, a, n, v in short
        if c in cases
    ]


# --------------------------------------------------------------------------- results (organizers)
# Ties keep case order (case ids follow case numbers): an index on (round, rank, case) serves
# the default order without sorting the whole round.
RESULT_ORDERS = {
    "rank": ("rank", "case_id"),
    "mean": ("rank_mean", "case_id"),
    "trimmed": ("rank_trimmed", "case_id"),
    "zscore": ("rank_zscore", "case_id"),
}


#: Rows of categories in the categories' order, those without a category last.
CATEGORY_ORDER = (
    F("category__position").asc(nulls_last=True),
    F("category_id").asc(nulls_last=True),
)


def results_list(*, round: Round, order: str = "rank", flag: str = "") -> QuerySet[Result]:
    """A round's stored results for the results page and exports, in a fixed query count:
    `order` is a key of RESULT_ORDERS; `flag` "changes", "near" or "any" keeps flagged cases."""
    qs = Result.objects.filter(round=round).select_related("case__unit", "case__award", "category")
    if flag == "changes":
        qs = qs.filter(rank_changes=True)
    elif flag == "near":
        qs = qs.filter(near_cut=True)
    elif flag == "any":
        qs = qs.filter(Q(rank_changes=True) | Q(near_cut=True))
    ordering: tuple[str, ...] = RESULT_ORDERS.get(order, RESULT_ORDERS["rank"])
    if round.by_category:
        # Ranks are within a category: the categories one after the other, in their order.
        return qs.order_by(*CATEGORY_ORDER, *ordering)
    return qs.order_by(*ordering)


def awards_version(*, call: Call) -> tuple[int, int, int]:
    """What the award column of the results table depends on: (number of awards, last award
    id, last adjustment id). A proposal replaces the rows and an adjustment is recorded, so
    any change of the award list changes this."""
    awards = Award.objects.filter(call=call).aggregate(n=Count("pk"), last=Max("pk"))
    changed = AwardChange.objects.filter(call=call).aggregate(last=Max("pk"))["last"]
    return awards["n"], awards["last"] or 0, changed or 0


def judge_totals_for_cases(
    *, round: Round, case_ids: Iterable[int]
) -> dict[int, list[tuple[str, object]]]:
    """{case id: [(judge name, total), …]} of the submitted reviews of some cases (one query)."""
    totals: dict[int, list[tuple[str, object]]] = {}
    for case_id, name, total in (
        Assignment.objects.filter(
            round=round, status=Assignment.Status.SUBMITTED, case_id__in=list(case_ids)
        )
        .order_by("case_id", "judge__name", "judge_id")
        .values_list("case_id", "judge__name", "total")
    ):
        totals.setdefault(case_id, []).append((name, total))
    return totals


def round_judges(*, round: Round) -> QuerySet[Judge]:
    """The judges with a review in the round, by name."""
    return Judge.objects.filter(
        pk__in=Assignment.objects.filter(round=round).values("judge_id")
    ).order_by("name", "pk")


def public_notice(*, slug: str, now: datetime | None = None) -> Notice | None:
    """The published notice of a call (from its start), or None. Public: anyone may read it."""
    from django.utils import timezone

    now = now or timezone.now()
    return Notice.objects.select_related("call").filter(call__slug=slug, starts_at__lte=now).first()


def public_notices(*, now: datetime | None = None) -> QuerySet[Notice]:
    """Every published notice (from its start), the latest first, for the public home."""
    from django.utils import timezone

    now = now or timezone.now()
    return (
        Notice.objects.filter(starts_at__lte=now)
        .select_related("call")
        .only("title", "starts_at", "ends_at", "finalized_at", "call__slug", "call__title")
        .order_by("-starts_at", "-id")
    )


def public_awards(*, call: Call) -> list[dict]:
    """The provisional award list as the public sees it: title, unit, level and category only —
    never a score, a contact or anything else of the case; whether an adjustment placed it, yes
    ("（调整）"). Awards given within categories come category by category (in the categories'
    order), each ranked within its category."""
    return [
        dict(row)
        for row in Award.objects.filter(call=call)
        .order_by(*CATEGORY_ORDER, "rank", "case__number")
        .values(
            "level", "case__title", "case__unit__name", "category_id", "category__name", "adjusted"
        )
    ]


@dataclass
class AwardGroup:
    """The awards of one category (category None: the whole call's list), by level."""

    category: str
    top: list = field(default_factory=list)
    excellent: list = field(default_factory=list)

    @property
    def levels(self) -> list[tuple[str, list, str]]:
        """(heading, awards, key) of each level, for the public notice."""
        return [(_("十佳案例"), self.top, "top"), (_("优秀案例"), self.excellent, "excellent")]


def awards_by_category(awards: Iterable) -> list[AwardGroup]:
    """Awards (model rows with `category`, or public_awards' dicts) grouped by category in the
    order they come, each group split into 十佳 and 优秀. One group named "" when the awards
    were not given within categories."""
    groups: dict[object, AwardGroup] = {}
    for a in awards:
        if isinstance(a, dict):
            key, name, level = a["category_id"], a["category__name"] or "", a["level"]
        else:
            key = a.category_id
            name, level = (a.category.name if a.category_id else ""), a.level
        group = groups.setdefault(key, AwardGroup(category=name))
        (group.top if level == Award.Level.TOP else group.excellent).append(a)
    return list(groups.values())


# --------------------------------------------------------------------------- consensus (合议)


def discussion_judges(*, round_id: int, case_id: int) -> QuerySet[Assignment]:
    """The reviews of a case in a round that take part in its discussion: assigned, not voided
    by a conflict (those judges' scores do not count either)."""
    return Assignment.objects.filter(round_id=round_id, case_id=case_id).exclude(
        Exists(Conflict.objects.filter(judge=OuterRef("judge"), case=OuterRef("case")))
    )


def discussions_visible_to(user: User | AnonymousUser) -> QuerySet[Discussion]:
    """The visibility policy of consensus discussions: organizers see every one; a judge those
    of the cases he or she reviewed in that round and those of the rounds he or she leads —
    never one of a case he or she has a conflict with or of the judge's own unit; nobody else
    any."""
    qs = Discussion.objects.select_related("round__call", "case", "round__leader")
    if isinstance(user, AnonymousUser) or not user.is_authenticated:
        return qs.none()
    if roles.is_organizer(user):
        return qs
    judge = judge_for(user)
    if judge is None:
        return qs.none()
    reviewed = Assignment.objects.filter(
        judge=judge, round=OuterRef("round"), case=OuterRef("case")
    ).exclude(Exists(Conflict.objects.filter(judge=judge, case=OuterRef("case"))))
    qs = qs.filter(Q(Exists(reviewed)) | Q(round__leader=judge)).exclude(
        Exists(Conflict.objects.filter(judge=judge, case=OuterRef("case")))
    )  # a leader with a conflict on the case stays out of its discussion too
    own_units = set(roles.unit_ids(user)) | ({judge.unit_id} if judge.unit_id else set())
    if own_units:
        qs = qs.exclude(case__unit_id__in=sorted(own_units))
    return qs


def discussions_for_judge(user: User | AnonymousUser) -> QuerySet[Discussion]:
    """The discussions a judge takes part in (for the judge's home page), newest first."""
    if judge_for(user) is None:
        return Discussion.objects.none()
    return discussions_visible_to(user).order_by("status", "-opened_at", "-pk")
