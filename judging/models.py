from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from submissions.models import Call, Case, Unit


class Judge(models.Model):
    """An expert of the pool (评审专家)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="judge_profile",
        verbose_name=_("user account"),
    )
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="judges",
        verbose_name=_("unit (if the expert works for a submitting unit)"),
    )
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    expertise = models.CharField(_("expertise"), max_length=300, blank=True)
    # The expert pool (专家库) the random drawing reads: fields of expertise (the names the
    # drawing's "from which fields" rules use), region, professional title, availability.
    fields = models.JSONField(
        _("fields of expertise"),
        default=list,
        blank=True,
        help_text=_("For example 城市管理, 社会治理; the drawing picks experts by these."),
    )
    region = models.CharField(_("region"), max_length=100, blank=True)
    title = models.CharField(_("professional title"), max_length=100, blank=True)
    available = models.BooleanField(
        _("available for drawing"),
        default=True,
        help_text=_("Untick for an expert who cannot serve for now (leave, illness)."),
    )
    unavailable_reason = models.CharField(_("why unavailable"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("judge")
        verbose_name_plural = _("judges")

    def __str__(self):
        return self.name

    @property
    def affiliation_label(self) -> str:
        return self.affiliation or (self.unit.name if self.unit is not None else "")


class Round(models.Model):
    """A judging round of a call (初评, 复评 …)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being set up")
        OPEN = "open", _("Open for scoring")
        CLOSED = "closed", _("Closed")

    class Rule(models.TextChoices):
        MEAN = "mean", _("Mean")
        TRIMMED = "trimmed", _("Trimmed mean (drop highest and lowest)")
        ZSCORE = "zscore", _("Per-judge z-score normalisation")

    class Entry(models.TextChoices):
        ACCEPTED = "accepted", _("All accepted cases")
        TOP_N = "top_n", _("The top N of an earlier round")
        PICKED = "picked", _("A hand-picked list")

    class Mode(models.TextChoices):
        BALANCED = "balanced", _("Each case to k judges, balanced")
        ALL = "all", _("Every judge scores every case")

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("call")
    )
    number = models.PositiveSmallIntegerField(_("round number"), default=1)
    name = models.CharField(_("name"), max_length=50, help_text=_("For example 初评 or 复评."))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    blind = models.BooleanField(
        _("blind review"), default=True, help_text=_("Judges do not see the unit or its contact.")
    )
    score_step = models.DecimalField(
        _("score step"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("1"),
        choices=[(Decimal("1"), _("Whole points")), (Decimal("0.5"), _("Half points"))],
    )
    rule = models.CharField(
        _("scoring rule"), max_length=8, choices=Rule.choices, default=Rule.TRIMMED
    )
    trim_min_judges = models.PositiveSmallIntegerField(
        _("trim only with at least this many judges"), default=5
    )
    mode = models.CharField(
        _("assignment"), max_length=8, choices=Mode.choices, default=Mode.BALANCED
    )
    judges_per_case = models.PositiveSmallIntegerField(_("judges per case (k)"), default=5)
    entry = models.CharField(
        _("which cases enter"), max_length=8, choices=Entry.choices, default=Entry.ACCEPTED
    )
    entry_round = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("earlier round"),
    )
    entry_top_n = models.PositiveIntegerField(_("top N"), null=True, blank=True)
    deadline = models.DateTimeField(_("scoring deadline"), null=True, blank=True)
    by_category = models.BooleanField(
        _("judge each category separately"),
        default=False,
        help_text=_("Results, ranks and awards within each category of the call."),
    )
    changes_until_close = models.BooleanField(
        _("judges may change submitted scores until the round closes"),
        default=False,
        help_text=_("Otherwise a judge's submission is final (after a confirmation)."),
    )
    panel = models.ManyToManyField(
        Judge, related_name="rounds", blank=True, verbose_name=_("panel")
    )
    # The panel leader (评审组长): records the panel's decision on discussed cases and signs the
    # 评分汇总表 with the supervisor.
    leader = models.ForeignKey(
        Judge,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("panel leader"),
    )
    # Invitations (judging/services/invitations.py): how long an invited expert has to answer
    # before the next backup is invited.
    answer_hours = models.PositiveSmallIntegerField(
        _("hours an invited expert has to answer"),
        default=48,
        help_text=_("Without an answer by then, the next backup is invited."),
    )
    # Judges sign the call's pledge before seeing any case of the round (judging/selectors.py).
    # Rounds set up before pledges existed do not require one (migration 0013).
    pledge_required = models.BooleanField(
        _("judges sign the pledge before seeing any case"),
        default=True,
        help_text=_("The pledge of impartiality and confidentiality (回避与保密承诺书)."),
    )
    results_computed_at = models.DateTimeField(
        _("results computed at"), null=True, blank=True, editable=False
    )
    # The call's award numbers the stored results were computed with (their cut-line flags
    # and top-N probabilities depend on them): results are stale once the call's differ.
    results_top_n = models.PositiveIntegerField(
        _("number of top cases the results were computed with"),
        null=True,
        blank=True,
        editable=False,
    )
    results_excellent_m = models.PositiveIntegerField(
        _("number of excellent cases the results were computed with"),
        null=True,
        blank=True,
        editable=False,
    )
    # In a round that judges categories separately, the categories' quotas the stored results
    # were computed with ({category id: [top, excellent]}): stale once a quota changes.
    results_quotas = models.JSONField(
        _("category quotas the results were computed with"),
        null=True,
        blank=True,
        editable=False,
    )
    # When a recomputation of the results was queued to a task (None: none is). Kept here, not
    # in a per-process cache, so every web process and worker sees the same state; the task
    # clears it (judging/services/results.py).
    results_queued_at = models.DateTimeField(
        _("results recomputation queued at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["call", "number"]
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="round_number_unique"),
        ]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")

    def __str__(self):
        return f"{self.call} · {self.name}"

    def get_absolute_url(self):
        return reverse("judging:round_detail", kwargs={"pk": self.pk})


class Criterion(models.Model):
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("round")
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    max_points = models.DecimalField(_("maximum points"), max_digits=5, decimal_places=1)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    # In a round that judges categories separately, a criterion of one category only
    # (None: shared by every category).
    category = models.ForeignKey(
        "submissions.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="criteria",
        verbose_name=_("category"),
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            # A name once among the shared criteria, once within each category (a partial
            # index each: NULL categories would never collide in one index on PostgreSQL).
            models.UniqueConstraint(
                fields=["round", "name"],
                condition=Q(category__isnull=True),
                name="criterion_name_unique",
            ),
            models.UniqueConstraint(
                fields=["round", "category", "name"],
                condition=Q(category__isnull=False),
                name="criterion_name_unique_in_category",
            ),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="criterion_max_positive"),
        ]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self):
        return f"{self.name} ({self.max_points})"


class RoundCase(models.Model):
    """A case that entered a round."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="entries", verbose_name=_("round")
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="round_entries", verbose_name=_("case")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "case"], name="round_case_unique"),
        ]
        verbose_name = _("case in a round")
        verbose_name_plural = _("cases in a round")

    def __str__(self):
        return f"{self.case.code} {self.case.title} · {self.round.name}"


class Conflict(models.Model):
    """A conflict of interest (回避) a judge declared, or an organizer recorded, for a case."""

    judge = models.ForeignKey(
        Judge, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("judge")
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("case")
    )
    reason = models.CharField(_("reason"), max_length=500)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["judge", "case"], name="conflict_unique"),
        ]
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")

    def __str__(self):
        return f"{self.judge} · {self.case.code} {self.case.title}"


class Assignment(models.Model):
    """One judge's review of one case in a round; `total` and `first_points` (the points on the
    round's first criterion, which break ties) are kept by services.review_save."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not started")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("round")
    )
    judge = models.ForeignKey(
        Judge, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("judge")
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("case")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    comment = models.TextField(_("comment"), blank=True)
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2, null=True, blank=True)
    first_points = models.DecimalField(
        _("points on the first criterion"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["round", "case_id", "judge_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "judge", "case"], name="assignment_unique"),
        ]
        indexes = [
            models.Index(fields=["round", "judge", "status"]),
            models.Index(fields=["round", "case"]),
        ]
        verbose_name = _("review (judge and case)")
        verbose_name_plural = _("reviews (judge and case)")

    def __str__(self):
        return f"{self.judge} · {self.case.code} {self.case.title} · {self.round.name}"


class Score(models.Model):
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("review")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="scores", verbose_name=_("criterion")
    )
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_unique"),
            models.CheckConstraint(condition=Q(points__gte=0), name="score_non_negative"),
        ]
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")

    def __str__(self):
        return f"{self.criterion.name}: {self.points}"


class ScoreAudit(models.Model):
    """Every change of a review: drafts, submissions, reopenings, imports."""

    class Action(models.TextChoices):
        DRAFT = "draft", _("Draft saved")
        SUBMIT = "submit", _("Submitted")
        REOPEN = "reopen", _("Reopened")
        IMPORT = "import", _("Imported")
        REVISE = "revise", _("Revised in a consensus discussion")

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="audits", verbose_name=_("review")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("review change")
        verbose_name_plural = _("review changes")

    def __str__(self):
        return f"{self.assignment} · {self.get_action_display()}"


class Result(models.Model):
    """A case's computed result in a round (recomputed by services.results_compute)."""

    # Derived rows, rewritten wholesale by results_compute: no database-level foreign key
    # checks (deletes still cascade in Django).
    # Three indexes (the primary key, (case, round) unique, (round, rank, case)) are all the
    # writes of 100,000 rows have to maintain: by round, the rank index serves; by case, the
    # unique one.
    round = models.ForeignKey(
        Round,
        on_delete=models.CASCADE,
        related_name="results",
        db_constraint=False,
        db_index=False,
        verbose_name=_("round"),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="results",
        db_constraint=False,
        db_index=False,
        verbose_name=_("case"),
    )
    n_judges = models.PositiveSmallIntegerField(_("judges who scored"), default=0)
    mean = models.FloatField(_("mean"), null=True)
    trimmed_mean = models.FloatField(_("trimmed mean"), null=True)
    median = models.FloatField(_("median"), null=True)
    zscore = models.FloatField(_("z-score"), null=True)
    rank_mean = models.PositiveIntegerField(_("rank by mean"), null=True)
    rank_trimmed = models.PositiveIntegerField(_("rank by trimmed mean"), null=True)
    rank_zscore = models.PositiveIntegerField(_("rank by z-score"), null=True)
    rank = models.PositiveIntegerField(
        _("rank"), null=True, help_text=_("The rank under the round's scoring rule.")
    )
    rank_changes = models.BooleanField(_("rank depends on the method"), default=False)
    near_cut = models.BooleanField(_("near an award cut line"), default=False)
    top_probability = models.FloatField(_("probability of the top ten"), null=True)
    # In a round that judges categories separately, the category the case was ranked in (its
    # rank is within it); None otherwise.
    category = models.ForeignKey(
        "submissions.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("category"),
    )

    # Not stored: set on the rows of a results page by judging.views.results for its table.
    judge_totals: list[tuple[str, object]]  # (judge name, total) of the submitted reviews
    zone: str  # "top", "excellent" or ""
    cut_before: str  # the award cut line drawn above this row, if any
    heading: str  # the category heading drawn above this row (rounds by category), if any
    tied: bool  # shares its rank with another case of the page (并列)

    class Meta:
        ordering = ["round", "rank", "case_id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round"], name="result_unique"),
        ]
        indexes = [models.Index(fields=["round", "rank", "case"], name="result_round_rank")]
        verbose_name = _("result")
        verbose_name_plural = _("results")

    def __str__(self):
        rank = self.rank if self.rank is not None else "—"
        return _("%(case)s · %(round)s: rank %(rank)s") % {
            "case": f"{self.case.code} {self.case.title}",
            "round": self.round.name,
            "rank": rank,
        }


class Award(models.Model):
    """An award of a call: 十佳案例 (top) or 优秀案例 (excellent)."""

    class Level(models.TextChoices):
        TOP = "top", _("十佳案例 (top ten)")
        EXCELLENT = "excellent", _("优秀案例 (excellent)")

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="awards", verbose_name=_("call")
    )
    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="award", verbose_name=_("case")
    )
    level = models.CharField(_("award"), max_length=10, choices=Level.choices)
    # Awarded within a category (the last round judged categories separately: the rank is
    # within it); None: one list for the whole call.
    category = models.ForeignKey(
        "submissions.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="awards",
        verbose_name=_("category"),
    )
    rank = models.PositiveIntegerField(_("rank"))
    adjusted = models.BooleanField(_("adjusted"), default=False)
    reason = models.TextField(_("reason for the adjustment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["call", "rank"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self):
        return f"{self.get_level_display()} {self.rank}: {self.case}"


class AwardChange(models.Model):
    """A recorded adjustment of the award list."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="award_changes", verbose_name=_("call")
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    before = models.CharField(_("before"), max_length=50, blank=True)
    after = models.CharField(_("after"), max_length=50, blank=True)
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("award adjustment")
        verbose_name_plural = _("award adjustments")

    def __str__(self):
        before, after = self.before or "—", self.after or "—"
        return f"{self.case.code} {self.case.title}: {before} → {after}"


class Notice(models.Model):
    """The public notice period (公示) of a call's provisional awards."""

    call = models.OneToOneField(
        Call, on_delete=models.CASCADE, related_name="notice_period", verbose_name=_("call")
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # Units see the rank of their own awarded cases on their pages (never on the public page).
    publish_ranks = models.BooleanField(_("show the units their ranks"), default=False)
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("finalized by"),
    )

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")

    def __str__(self):
        return self.title


class Objection(models.Model):
    """An objection (异议) received during the notice, with the organizer's answer."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="objections", verbose_name=_("public notice")
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case concerned"),
    )
    received_at = models.DateTimeField(_("received"))
    submitter = models.CharField(_("from"), max_length=200, blank=True)
    # A written, named objection: name (submitter), unit and contact. One without them is
    # recorded as anonymous, one received after the notice ended as late; neither is accepted.
    unit = models.CharField(_("unit"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    late = models.BooleanField(_("received after the notice ended"), default=False)
    accepted = models.BooleanField(_("accepted for handling"), default=True)
    text = models.TextField(_("objection"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self):
        text = self.text if len(self.text) <= 30 else self.text[:30] + "…"
        received = date_format(timezone.localtime(self.received_at), "Y-m-d")
        return f"{received} · {self.submitter}: {text}" if self.submitter else f"{received}: {text}"


class Invitation(models.Model):
    """An expert's invitation to a round's panel (drawn at random, or a backup in order).

    Experts answer through a personal link (`token`); an accepted expert joins the panel and
    signs the pledge before seeing any case. A decline, or no answer by `respond_by`, invites
    the next backup (judging/services/invitations.py)."""

    class Role(models.TextChoices):
        DRAWN = "drawn", _("Drawn")
        BACKUP = "backup", _("Backup")
        MANUAL = "manual", _("Chosen by the organizer")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Backup, not yet invited")
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("No answer in time")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("round")
    )
    judge = models.ForeignKey(
        Judge, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("expert")
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    token = models.CharField(_("personal link key"), max_length=64, unique=True)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    respond_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The invitation this one replaced (a backup invited after a decline or no answer).
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replaces"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["round", "role", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "judge"], name="invitation_once_per_round"),
        ]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.judge} · {self.round}"


class PledgeSignature(models.Model):
    """An expert's signed pledge (回避与保密承诺书) for one round: what was signed (the text as it
    stood), the name typed, when, from which address, and the round's units as listed on the
    pledge page. Part of the round's record; never changed once signed."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="pledges", verbose_name=_("round")
    )
    judge = models.ForeignKey(
        Judge, on_delete=models.CASCADE, related_name="pledges", verbose_name=_("expert")
    )
    text = models.TextField(_("text signed"))
    typed_name = models.CharField(_("name typed"), max_length=100)
    signed_at = models.DateTimeField(_("signed at"))
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    units_listed = models.JSONField(_("units listed"), default=list, blank=True)

    class Meta:
        ordering = ["round", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "judge"], name="pledge_once_per_round"),
        ]
        verbose_name = _("signed pledge")
        verbose_name_plural = _("signed pledges")

    def __str__(self):
        return f"{self.judge} · {self.round}"

    @property
    def text_hash(self) -> str:
        """SHA-256 of the text signed (hex), printed in the export."""
        import hashlib

        return hashlib.sha256(self.text.encode()).hexdigest()


class DrawingRecord(models.Model):
    """A random drawing of experts for a round (judging/drawing.py, docs/drawing.md).

    Committed first (the commitment published, the seed kept secret), then drawn (the seed and
    the result revealed). A redraw is a new record pointing at the one it replaces, with a reason;
    the first record stays."""

    class Status(models.TextChoices):
        COMMITTED = "committed", _("Committed, not yet drawn")
        DRAWN = "drawn", _("Drawn")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="drawings", verbose_name=_("round")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.COMMITTED
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("operator"),
    )
    witness = models.CharField(_("witness or supervisor present"), max_length=100)
    algorithm = models.CharField(_("algorithm"), max_length=40)
    # What the commitment covers: {"facts": …, "snapshot": …, "rules": …} (judging/drawing.py).
    payload = models.JSONField(_("pool snapshot and rules"))
    seed = models.CharField(_("seed"), max_length=64)  # hex; shown only once drawn
    commitment = models.CharField(_("commitment (SHA-256)"), max_length=64, unique=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    committed_at = models.DateTimeField(_("committed at"))
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    redraw_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redrawn_by",
        verbose_name=_("redraw of"),
    )
    redraw_reason = models.TextField(_("reason for the redraw"), blank=True)

    class Meta:
        ordering = ["round", "committed_at", "id"]
        verbose_name = _("drawing record")
        verbose_name_plural = _("drawing records")

    def __str__(self):
        return f"{self.round} · {self.commitment[:12]}"


class ExpertRating(models.Model):
    """The organizer's rating of an expert's work in a round (一项目一评价)."""

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        COMPETENT = "competent", _("Competent")
        BASIC = "basic", _("Basically competent")
        INCOMPETENT = "incompetent", _("Incompetent")

    judge = models.ForeignKey(
        Judge, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("expert")
    )
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="expert_ratings", verbose_name=_("round")
    )
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rated by"),
    )
    at = models.DateTimeField(_("rated at"), auto_now=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["judge", "round"], name="expert_rating_once_per_round"),
        ]
        verbose_name = _("expert rating")
        verbose_name_plural = _("expert ratings")

    def __str__(self):
        return f"{self.judge} · {self.round}: {self.get_rating_display()}"


class Discussion(models.Model):
    """A consensus discussion (合议) of one case in a round, opened by an organizer once the
    case's judges have all submitted. The judges see each other's scores and comments, may
    revise their score once (ScoreAudit, action "revise"), and the panel leader records the
    panel's decision, which closes it (judging/services/consensus.py)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Under discussion")
        DECIDED = "decided", _("Decided")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="discussions", verbose_name=_("round")
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="discussions", verbose_name=_("case")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    reason = models.TextField(_("why it is discussed"), blank=True)
    # The results page's flags when it was opened: "outlier", "rank_changes", "near_cut".
    flags = models.JSONField(_("flags"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    decision = models.TextField(_("the panel's decision"), blank=True)
    decided_by = models.ForeignKey(
        Judge,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by (panel leader)"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["round", "opened_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "case"], name="discussion_once_per_case"),
        ]
        verbose_name = _("consensus discussion")
        verbose_name_plural = _("consensus discussions")

    def __str__(self):
        return f"{self.case.code} {self.case.title} · {self.round.name}"


class DiscussionComment(models.Model):
    """A judge's comment in a consensus discussion."""

    discussion = models.ForeignKey(
        Discussion, on_delete=models.CASCADE, related_name="comments", verbose_name=_("discussion")
    )
    judge = models.ForeignKey(
        Judge, on_delete=models.CASCADE, related_name="+", verbose_name=_("judge")
    )
    text = models.TextField(_("comment"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("discussion comment")
        verbose_name_plural = _("discussion comments")

    def __str__(self):
        return f"{self.judge} · {self.discussion}"


class TieDecision(models.Model):
    """People's decision on a tie that an award cut line splits (cases sharing a rank across the
    十佳 or the 优秀 line): the order of the tied cases, by the organizer with a reason or by a
    panel vote with its count. awards_propose refuses while such a tie has no decision; no tie
    touching an award is broken by an internal id (judging/services/ties.py)."""

    class Line(models.TextChoices):
        TOP = "top", _("十佳 line")
        EXCELLENT = "excellent", _("优秀 line")

    class Method(models.TextChoices):
        REASON = "reason", _("Decided by the organizer, with a reason")
        VOTE = "vote", _("Panel vote")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="tie_decisions", verbose_name=_("round")
    )
    category = models.ForeignKey(
        "submissions.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    line = models.CharField(_("cut line"), max_length=10, choices=Line.choices)
    #: The tied cases' ids, sorted (the tie this decision is for).
    cases = models.JSONField(_("tied cases"), default=list)
    #: The same ids in the decided order, best first.
    order = models.JSONField(_("decided order"), default=list)
    method = models.CharField(_("how it was decided"), max_length=8, choices=Method.choices)
    vote_count = models.CharField(_("vote count"), max_length=200, blank=True)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["round", "at", "id"]
        verbose_name = _("tie decision")
        verbose_name_plural = _("tie decisions")

    def __str__(self):
        return f"{self.round} · {self.get_line_display()} · {len(self.cases)}"


class RoundSigning(models.Model):
    """The signing of a round's results (签字确认): the deadline, the supervisor, and the lock.

    Once every panel judge has signed, refused with dissent or been deemed to agree, and the
    panel leader and the supervisor signed the 评分汇总表, the results lock: the SHA-256 of the
    评分汇总表 .xlsx (made byte for byte again from the lock time) and of the audit trail up to
    then are kept and printed on the public notice (judging/services/signing.py)."""

    round = models.OneToOneField(
        Round, on_delete=models.CASCADE, related_name="signing", verbose_name=_("round")
    )
    sign_by = models.DateTimeField(
        _("sign by"),
        null=True,
        blank=True,
        help_text=_("A judge who neither signs nor refuses by then is recorded as agreeing."),
    )
    supervisor_name = models.CharField(_("supervisor"), max_length=100, blank=True)
    supervisor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supervisor's account"),
        help_text=_("The organizer account the supervisor signs with."),
    )
    locked_at = models.DateTimeField(_("results locked at"), null=True, blank=True)
    sheet_sha256 = models.CharField(_("SHA-256 of the 评分汇总表"), max_length=64, blank=True)
    audit_sha256 = models.CharField(_("SHA-256 of the audit trail"), max_length=64, blank=True)
    audit_upto = models.PositiveBigIntegerField(
        _("last audit entry counted"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("signing of results")
        verbose_name_plural = _("signings of results")

    def __str__(self):
        return str(self.round)


class ResultSignature(models.Model):
    """A signature on a round's results: a judge's on his or her score sheet, the panel
    leader's and the supervisor's on the 评分汇总表."""

    class Role(models.TextChoices):
        JUDGE = "judge", _("Judge")
        LEADER = "leader", _("Panel leader")
        SUPERVISOR = "supervisor", _("Supervisor")

    class State(models.TextChoices):
        SIGNED = "signed", _("Signed")
        REFUSED = "refused", _("Refused, with dissent")
        DEEMED = "deemed", _("Deemed to agree (no answer by the deadline)")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("round")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    judge = models.ForeignKey(
        Judge,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatures",
        verbose_name=_("judge"),
    )
    name = models.CharField(_("name"), max_length=100)
    state = models.CharField(_("state"), max_length=8, choices=State.choices)
    dissent = models.TextField(_("dissent"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by account"),
    )
    at = models.DateTimeField(_("at"))
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        ordering = ["round", "role", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "judge"],
                condition=Q(role="judge"),
                name="signature_once_per_judge",
            ),
            models.UniqueConstraint(
                fields=["round", "role"],
                condition=~Q(role="judge"),
                name="signature_once_per_role",
            ),
        ]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self):
        return f"{self.name} · {self.get_role_display()} · {self.get_state_display()}"


class WorkCalendarDay(models.Model):
    """The organizer's override of one day of the working calendar, for a year the holiday
    library does not know yet (or a local change): it wins over the library."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("working calendar day")
        verbose_name_plural = _("working calendar days")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.note}".strip()
