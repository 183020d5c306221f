"""The certificates' part of a unit's outcomes (submissions/outcomes.py): a "获奖证书" link on
each awarded case whose certificate is issued and not revoked."""

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext as _

from submissions.models import Case
from submissions.outcomes import Link, Outcome

from .models import Certificate


def provide(cases: Sequence[Case], outcomes: dict[int, Outcome]) -> None:
    """One query, whatever the number of cases."""
    rows = (
        Certificate.objects.filter(case__in=[c.pk for c in cases], revoked_at__isnull=True)
        .exclude(pdf="")
        .values_list("case_id", "pk")
    )
    for case_id, pk in rows:
        if case_id in outcomes:
            outcomes[case_id].links.append(
                Link(_("Award certificate"), reverse("certificates:download", args=[pk]))
            )
