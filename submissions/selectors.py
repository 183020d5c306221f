"""Reads. `cases_visible_to` is the one visibility policy of this app: every view, export and
task that shows cases, photos or attachments gets its rows through it."""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts import roles
from accounts.models import User

from . import snapshots
from .casefields import ListQuery
from .lifecycle import SUBMIT, states_allowing
from .models import (
    Attachment,
    Call,
    CallDocument,
    Case,
    CaseSnapshot,
    ChunkedUpload,
    DeadlineExtension,
    Photo,
    Receipt,
    Unit,
)


def cases_visible_to(user: User | AnonymousUser) -> QuerySet[Case]:
    """Organizers see every case; unit members see their own units' cases; nobody else any."""
    qs = Case.objects.all()
    if roles.is_organizer(user):
        return qs
    ids = roles.unit_ids(user)
    if ids:
        return qs.filter(unit_id__in=ids)
    return qs.none()


def photos_visible_to(user: User | AnonymousUser) -> QuerySet[Photo]:
    """Photos of visible cases, plus the user's own staged uploads (not yet on a case)."""
    if not user.is_authenticated:
        return Photo.objects.none()
    return Photo.objects.filter(
        Q(case__in=cases_visible_to(user)) | Q(case__isnull=True, uploaded_by=user)
    )


def attachments_visible_to(user: User | AnonymousUser) -> QuerySet[Attachment]:
    if not user.is_authenticated:
        return Attachment.objects.none()
    return Attachment.objects.filter(
        Q(case__in=cases_visible_to(user)) | Q(case__isnull=True, uploaded_by=user)
    )


def chunked_uploads_of(user: User | AnonymousUser) -> QuerySet[ChunkedUpload]:
    """A person's own chunked uploads: nobody else's, not a colleague's of the same unit (a
    staged file is its uploader's until a case holds it)."""
    if not user.is_authenticated:
        return ChunkedUpload.objects.none()
    return ChunkedUpload.objects.filter(user=user)


def staged_uploads_for_form(
    *, user: User, call: Call, case: Case | None
) -> tuple[list[Photo], list[Attachment]]:
    """The photos and attachments the person uploaded through the case form's script for this
    case (or a new case of `call`) that no case holds yet: the form shows them again after the
    browser was closed. In upload order."""
    qs = chunked_uploads_of(user).filter(call=call, case=case)
    photos = Photo.objects.filter(
        case__isnull=True, uploaded_by=user, pk__in=qs.values("photo")
    ).order_by("created_at", "pk")
    atts = Attachment.objects.filter(
        case__isnull=True, uploaded_by=user, pk__in=qs.values("attachment")
    ).order_by("created_at", "pk")
    return list(photos), list(atts)


def calls_for_units(*, now: datetime | None = None) -> QuerySet[Call]:
    """Calls a unit user may see: open ones (whether or not the deadline has passed)."""
    now = now or timezone.now()
    return Call.objects.filter(status__in=states_allowing(SUBMIT), opens_at__lte=now)


def calls_seen_by_units(*, now: datetime | None = None) -> QuerySet[Call]:
    """Calls whose page a unit user may open: every call that has opened (a closed one says
    when collection ended); the lists offer only those open for submissions."""
    now = now or timezone.now()
    return Call.objects.exclude(status=Call.Status.DRAFT).filter(opens_at__lte=now)


def calls_public(*, now: datetime | None = None) -> QuerySet[Call]:
    """Calls anyone may read (the public call pages): every call out of draft that has opened.
    Draft calls are never public."""
    return calls_seen_by_units(now=now)


def calls_open_public(*, now: datetime | None = None) -> QuerySet[Call]:
    """The open calls of the public home (征集通知), the latest deadline first."""
    return calls_for_units(now=now).order_by("-closes_at", "-id")


def call_public(*, slug: str, now: datetime | None = None) -> Call:
    """A public call page's call (DoesNotExist for a draft or one not yet opened)."""
    return calls_public(now=now).get(slug=slug)


def call_documents(*, call: Call) -> QuerySet[CallDocument]:
    """A call's documents in their order (the public rule: the call is public)."""
    return CallDocument.objects.filter(call=call).order_by("position", "id")


def call_document_public(*, slug: str, uid: str) -> CallDocument | None:
    """A document of a public call, or None."""
    return (
        CallDocument.objects.filter(call__in=calls_public(), call__slug=slug, uid=uid)
        .select_related("call")
        .first()
    )


def unit_deadlines(*, calls: Iterable[Call], unit_ids: Iterable[int]) -> dict[int, datetime]:
    """Each call's deadline for a user of the units `unit_ids` (the latest of the call's and
    the units' extensions), by call id, in one query."""
    out = {c.pk: c.closes_at for c in calls}
    for call_id, until in DeadlineExtension.objects.filter(
        call_id__in=list(out), unit_id__in=list(unit_ids)
    ).values_list("call_id", "until"):
        out[call_id] = max(out[call_id], until)
    return out


def collection_deadline(*, call: Call) -> datetime:
    """When the call's collection ends for the last unit: its deadline, or the latest
    extension granted to any unit."""
    latest = (
        DeadlineExtension.objects.filter(call=call).order_by("-until").values_list("until").first()
    )
    return max(call.closes_at, latest[0]) if latest else call.closes_at


def unit_deadline(*, call: Call, unit: Unit) -> datetime:
    """The unit's effective deadline: the call's, or a later extension granted to the unit."""
    ext = DeadlineExtension.objects.filter(call=call, unit=unit).values_list("until", flat=True)
    until = ext.first()
    return max(call.closes_at, until) if until else call.closes_at


def case_list(
    *,
    user: User | AnonymousUser,
    call: Call | None = None,
    unit_id: int | str | None = None,
    status: str | None = None,
    q: str | None = None,
    answers: ListQuery | None = None,
) -> QuerySet[Case]:
    """The case list of a page: visible cases with what the list shows, in a fixed query count.
    `answers` filters and sorts by the call's fields (`casefields.list_query`)."""
    qs = cases_visible_to(user).select_related("unit", "call", "category")
    if call is not None:
        qs = qs.filter(call=call)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q) | Q(unit__name__icontains=q))
    if answers is not None:
        qs = answers.apply(qs)
    qs = qs.annotate(
        photo_count=Count("photos", distinct=True),
        failed_photos=Count(
            "photos", filter=Q(photos__processing=Photo.Processing.FAILED), distinct=True
        ),
    )
    if answers is not None:
        return answers.order(qs, "-updated_at", "-id")
    return qs.order_by("-updated_at", "-id")


def status_counts(*, user: User | AnonymousUser, call: Call) -> dict[str, int]:
    rows = cases_visible_to(user).filter(call=call).values("status").annotate(n=Count("id"))
    counts = {s: 0 for s in Case.Status.values}
    for row in rows:
        counts[row["status"]] = row["n"]
    counts["all"] = sum(counts.values())
    return counts


def case_detail(*, user: User | AnonymousUser, pk: int | str) -> Case:
    """One visible case with its photos, attachments and history; raises DoesNotExist."""
    return (
        cases_visible_to(user)
        .select_related("unit", "call", "category", "created_by")
        .prefetch_related("photos", "attachments", "events__actor")
        .get(pk=pk)
    )


def case_changes(*, user: User | AnonymousUser, case: Case) -> snapshots.Diff | None:
    """What the latest resubmission of a visible case changed from the version that was
    returned (None: the case has not been resubmitted since snapshots were kept)."""
    latest = list(
        CaseSnapshot.objects.filter(case__in=cases_visible_to(user), case=case)
        .order_by("-version")
        .values_list("data", flat=True)[:2]
    )
    if len(latest) < 2:
        return None
    return snapshots.diff(latest[1], latest[0])


def receipts_of(*, user: User | AnonymousUser, case: Case) -> QuerySet[Receipt]:
    """The receipts of a visible case, the latest first."""
    return Receipt.objects.filter(case__in=cases_visible_to(user), case=case).order_by("-version")


def receipt_for(*, user: User | AnonymousUser, pk: int | str, version: int) -> Receipt | None:
    """The receipt of a case's `version`-th submission, for the unit's members and organizers
    (None for everyone else)."""
    return (
        Receipt.objects.filter(case__in=cases_visible_to(user), case_id=pk, version=version)
        .select_related("case")
        .first()
    )


def receipt_by_token(*, token: str) -> Receipt | None:
    """The receipt a verification address names: public, found by its token only (never by a
    case id, so the page tells nothing to someone without the receipt)."""
    if not token or len(token) > 64:
        return None
    return Receipt.objects.filter(token=token).first()
