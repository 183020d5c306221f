"""What a unit sees of its cases' awards on its own pages (submissions.outcomes): the award,
its category, the rank when the organizer publishes ranks, whether the results are final, and
a link to the public notice. Nothing before the notice is published: the call must be on
notice with the notice started, or final (an imported historical call is final without a
notice, so it has no link)."""

from collections.abc import Sequence

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from submissions import lifecycle
from submissions.models import Call, Case
from submissions.outcomes import Link, Outcome

from .models import Award


def award_outcomes(cases: Sequence[Case], outcomes: dict[int, Outcome]) -> None:
    """One query for any number of cases."""
    on_notice = lifecycle.states_allowing(lifecycle.FINALIZE_AWARDS)
    rows = (
        Award.objects.filter(case_id__in=[c.pk for c in cases])
        .filter(
            Q(call__status=Call.Status.FINAL)
            | Q(call__status__in=on_notice, call__notice_period__starts_at__lte=timezone.now())
        )
        .values(
            "case_id",
            "level",
            "rank",
            "category__name",
            "case__category__name",
            "call__slug",
            "call__status",
            "call__notice_period__starts_at",
            "call__notice_period__publish_ranks",
        )
    )
    names = {str(Award.Level.TOP): _("十佳案例"), str(Award.Level.EXCELLENT): _("优秀案例")}
    for row in rows:
        outcome = outcomes[row["case_id"]]
        outcome.award = names.get(row["level"], row["level"])
        outcome.category = row["category__name"] or row["case__category__name"] or ""
        outcome.final = lifecycle.is_final(row["call__status"])
        if row["call__notice_period__publish_ranks"]:
            outcome.rank = row["rank"]
        if row["call__notice_period__starts_at"] is not None:
            outcome.links.append(
                Link(
                    _("The public notice"),
                    reverse("judging:public_notice", kwargs={"slug": row["call__slug"]}),
                )
            )
