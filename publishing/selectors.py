"""Reads of publishing. `installments_visible_to` is the one visibility policy of this app:
readers (anyone who is not an editor or organizer) see published installments only; every public
page, feed, photo and export reaches installments through it."""

from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from judging.models import Award
from submissions.models import Call, Case, Photo

from . import content as content_mod
from .models import Feature, FeaturePhoto, Installment, InstallmentVersion, PublishedPhoto, Series
from .numerals import installment_heading


def can_publish(user: User | AnonymousUser) -> bool:
    """Editors and organizers draft, edit, publish and export series."""
    return roles.is_editor(user) or roles.is_organizer(user)


def installments_visible_to(user: User | AnonymousUser | None) -> QuerySet[Installment]:
    """Publishers see every installment; everyone else only published ones."""
    qs = Installment.objects.all()
    if user is not None and can_publish(user):
        return qs
    return qs.filter(current_version__isnull=False)


def series_visible_to(user: User | AnonymousUser | None) -> QuerySet[Series]:
    """Series with at least one installment the user may see."""
    return Series.objects.filter(
        Exists(installments_visible_to(user).filter(series=OuterRef("pk")))
    )


def published_photo_visible_to(
    user: User | AnonymousUser, *, uid: UUID | str
) -> PublishedPhoto | None:
    """A frozen photo: readers get only those of the current version of a published
    installment; publishers also those of earlier versions (to look back at them)."""
    qs = PublishedPhoto.objects.filter(uid=uid).select_related("version__installment__series")
    if not can_publish(user):
        qs = qs.filter(version__installment__current_version=F("version"))
    return qs.first()


def source_photo_for_publisher(user: User | AnonymousUser, *, uid: UUID | str) -> Photo | None:
    """A case photo an editor may look at: one of a case that is part of some series."""
    if not can_publish(user):
        return None
    return Photo.objects.filter(uid=uid, case__publishing_features__isnull=False).first()


# ---------------------------------------------------------------- public pages


def public_series(user: User | AnonymousUser | None, *, slug: str) -> Series:
    return series_visible_to(user).select_related("call").get(slug=slug)


def public_installments(
    user: User | AnonymousUser | None, *, series: Series
) -> QuerySet[Installment]:
    """The installments of a series page, with their current version, in one query."""
    return (
        installments_visible_to(user)
        .filter(series=series)
        .select_related("current_version")
        .order_by("number")
    )


def public_installment(user: User | AnonymousUser | None, *, slug: str, number: int) -> Installment:
    return (
        installments_visible_to(user)
        .select_related("series", "current_version")
        .get(series__slug=slug, number=number)
    )


def series_public_latest(*, limit: int = 20) -> list[dict]:
    """The published series of the public home, the latest first, each with its latest
    installment (number, heading, headline as published, date): two queries whatever the
    number of series. Always the readers' view (the page is the same for everyone)."""
    series_list = list(series_visible_to(None).order_by("-created_at", "-id")[:limit])
    if not series_list:
        return []
    newest = (
        installments_visible_to(None)
        .filter(series=OuterRef("series"))
        .order_by("-number")
        .values("number")[:1]
    )
    latest = {
        row["series_id"]: row
        for row in installments_visible_to(None)
        .filter(series__in=series_list, number=Subquery(newest))
        .values(
            "series_id",
            "number",
            "first_published_at",
            published_headline=KeyTextTransform("headline", "current_version__content"),
        )
    }
    rows = []
    for series in series_list:
        inst = latest.get(series.pk)
        rows.append(
            {
                "series": series,
                "latest": inst
                and {
                    "number": inst["number"],
                    "heading": installment_heading(series.title, inst["number"]),
                    "headline": inst["published_headline"] or "",
                    "published_at": inst["first_published_at"],
                    "url": reverse(
                        "publishing:installment_detail",
                        kwargs={"slug": series.slug, "number": inst["number"]},
                    ),
                },
            }
        )
    return rows


def feed_installments(*, series: Series, limit: int = 50) -> QuerySet[Installment]:
    """A feed is read by machines without a session: always the readers' view."""
    return (
        installments_visible_to(None)
        .filter(series=series)
        .select_related("current_version", "series")
        .order_by("-first_published_at", "-number")[:limit]
    )


# ---------------------------------------------------------------- the editor's area


def calls_for_drafting() -> QuerySet[Call]:
    """Calls that have awards (final or not: the page says which can be drafted)."""
    return (
        Call.objects.filter(Exists(Award.objects.filter(call=OuterRef("pk"))))
        .annotate(n_awards=Count("awards", distinct=True), n_series=Count("series", distinct=True))
        .order_by("-opens_at", "-id")
    )


def series_for_editor() -> QuerySet[Series]:
    return Series.objects.select_related("call").annotate(
        n_installments=Count("installments", distinct=True),
        n_published=Count(
            "installments", filter=Q(installments__current_version__isnull=False), distinct=True
        ),
        n_scheduled=Count("installments", filter=Q(installments__scheduled=True), distinct=True),
    )


def _feature_prefetch() -> Prefetch:
    return Prefetch(
        "features",
        queryset=Feature.objects.select_related("case__category", "case__award")
        .order_by("position", "id")
        .prefetch_related(
            Prefetch(
                "photos",
                queryset=FeaturePhoto.objects.select_related("photo").order_by("position", "id"),
            )
        ),
    )


def installment_with_draft(*, installment_qs: QuerySet[Installment]) -> QuerySet[Installment]:
    """Installments with everything `content.draft_content` reads, in a fixed query count."""
    return installment_qs.select_related("series", "current_version").prefetch_related(
        _feature_prefetch()
    )


def installment_for_editing(*, slug: str, number: int) -> Installment:
    return installment_with_draft(installment_qs=Installment.objects.all()).get(
        series__slug=slug, number=number
    )


def feature_for_editing(*, pk: int | str) -> Feature:
    return Feature.objects.select_related("installment__series", "case__unit", "series").get(pk=pk)


def candidate_cases(*, series: Series) -> QuerySet[Case]:
    """Cases that may be added: awarded or accepted cases of the call, not yet in the series."""
    return (
        Case.objects.filter(call_id=series.call_id)
        .filter(Q(status=Case.Status.ACCEPTED) | Q(award__isnull=False))
        .exclude(publishing_features__series=series)
        .select_related("unit", "award")
        .order_by("award__rank", "number")
    )


def versions_of(installment: Installment) -> QuerySet[InstallmentVersion]:
    return installment.versions.select_related("published_by").order_by("-number")


# ---------------------------------------------------------------- the print check


@dataclass(frozen=True)
class PrintProblem:
    feature_id: int
    title: str
    message: str


def print_check(installment: Installment) -> list[PrintProblem]:
    """Photos too small for print and bodies over the series' length (draft prefetched)."""
    series = installment.series
    problems = []
    for feature in installment.features.all():
        n = content_mod.body_length(feature.body)
        if n > series.print_max_body_chars:
            problems.append(
                PrintProblem(
                    feature.pk,
                    feature.title,
                    _("The body has %(n)d characters; print allows %(max)d.")
                    % {"n": n, "max": series.print_max_body_chars},
                )
            )
        if not n:
            problems.append(PrintProblem(feature.pk, feature.title, _("The body is empty.")))
        for i, fp in enumerate(feature.photos.all(), start=1):
            side = max(fp.photo.width, fp.photo.height)
            if side < series.print_min_long_side:
                problems.append(
                    PrintProblem(
                        feature.pk,
                        feature.title,
                        _(
                            "Photo %(n)d is %(w)d×%(h)d pixels: too small for print (at least "
                            "%(min)d on the long side)."
                        )
                        % {
                            "n": i,
                            "w": fp.photo.width,
                            "h": fp.photo.height,
                            "min": series.print_min_long_side,
                        },
                    )
                )
            if not fp.caption.strip():
                problems.append(
                    PrintProblem(
                        feature.pk, feature.title, _("Photo %(n)d has no caption.") % {"n": i}
                    )
                )
    return problems


def feature_print_flags(feature: Feature, series: Series) -> dict:
    """What the feature list shows per case: body length and small photos."""
    return {
        "chars": content_mod.body_length(feature.body),
        "too_long": content_mod.body_length(feature.body) > series.print_max_body_chars,
        "small_photos": sum(
            1
            for fp in feature.photos.all()
            if max(fp.photo.width, fp.photo.height) < series.print_min_long_side
        ),
    }
