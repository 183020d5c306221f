"""The message publishing sends through messaging.services.messages_dispatch (the outbox): a
case published in an installment, to the members of its unit."""

from accounts.models import User
from messaging import events
from messaging.services import messages_dispatch
from submissions.messages import absolute, unit_members

from .models import Feature, Installment


def installment_published(*, installment: Installment, actor: User | None) -> int:
    """One message per case of the installment to its unit's members (first publication)."""
    link = absolute(installment.get_absolute_url())
    sent = 0
    features = Feature.objects.filter(installment=installment).select_related(
        "case__unit", "case__call"
    )
    for feature in features.order_by("position", "pk"):
        rows = messages_dispatch(
            event=events.CASE_PUBLISHED,
            recipients=unit_members([feature.case.unit]),
            context={"case": feature.title, "installment": str(installment), "link": link},
            scope=feature.case.call,
            about=str(installment),
            about_url=link,
            actor=actor,
        )
        sent += len(rows)
    return sent
