"""Links on a unit's own case pages (submissions.outcomes) to the published installments where
the case appears: as readers see them (the current published version), never a draft or a
scheduled installment not yet out."""

from collections.abc import Sequence

from django.urls import reverse

from submissions.models import Case
from submissions.outcomes import Link, Outcome

from .models import Installment


def installment_outcomes(cases: Sequence[Case], outcomes: dict[int, Outcome]) -> None:
    """One query for any number of cases: the published installments of their calls' series,
    with the content readers see (which cases it holds)."""
    wanted = {c.pk for c in cases}
    rows = (
        Installment.objects.filter(
            series__call_id__in={c.call_id for c in cases}, current_version__isnull=False
        )
        .order_by("series_id", "number")
        .values_list("series__slug", "number", "current_version__content")
    )
    for slug, number, content in rows:
        url = reverse("publishing:installment_detail", kwargs={"slug": slug, "number": number})
        for feature in (content or {}).get("features", []):
            case_id = feature.get("case_id")
            if case_id in wanted:
                outcomes[case_id].links.append(Link(content.get("heading", ""), url))
