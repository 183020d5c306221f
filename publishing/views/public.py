"""Reader pages: series, installments and their photos. Everything through
`selectors.installments_visible_to`: what is not published is 404 for readers.

A published installment is rendered from its current version's JSON only (frozen, and the
same small number of queries whatever the number of cases and photos)."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import cache as caches
from core.files import serve_protected
from core.qr import qr_svg

from .. import content as content_mod
from .. import selectors
from ..models import Installment, Series
from ..numerals import chinese_numeral


def published_photo_url(installment: Installment):
    slug, number = installment.series.slug, installment.number

    def url_for(item: dict) -> str:
        return reverse(
            "publishing:photo", kwargs={"slug": slug, "number": number, "uid": item["uid"]}
        )

    return url_for


def source_photo_url(item: dict) -> str:
    return reverse("publishing:source_photo", kwargs={"uid": item["source_uid"], "variant": "web"})


def share_block(installment: Installment) -> dict:
    """The permalink of a published installment and its QR code (made here, no service)."""
    url = settings.PORTAL_BASE_URL.rstrip("/") + installment.get_absolute_url()
    return {"url": url, "qr": qr_svg(url)}


@require_GET
def series_index(request):
    series_list = selectors.series_visible_to(request.user).order_by("-created_at", "-id")
    return render(request, "publishing/series_index.html", {"series_list": series_list})


@require_GET
def series_detail(request, slug):
    try:
        series = selectors.public_series(request.user, slug=slug)
    except Series.DoesNotExist:
        raise Http404
    rows = []
    for inst in selectors.public_installments(request.user, series=series):
        inst.series = series
        version = inst.current_version
        content = version.content if version else None
        rows.append(
            {
                "number": inst.number,
                "heading": content["heading"] if content else inst.heading,
                "headline": content["headline"] if content else inst.headline,
                "summary": content_mod.summary(content) if content else "",
                "published": version is not None,
                "published_at": inst.first_published_at if version else None,
                "url": inst.get_absolute_url(),
            }
        )
    return render(
        request,
        "publishing/series_detail.html",
        {
            "series": series,
            "rows": rows,
            "can_publish": selectors.can_publish(request.user),
        },
    )


def _neighbours(request, installment: Installment) -> dict:
    numbers = list(
        selectors.installments_visible_to(request.user)
        .filter(series=installment.series)
        .order_by("number")
        .values_list("number", flat=True)
    )
    context = {}
    i = numbers.index(installment.number) if installment.number in numbers else -1
    for key, j in (("prev", i - 1), ("next", i + 1)):
        if i >= 0 and 0 <= j < len(numbers):
            n = numbers[j]
            context[f"{key}_url"] = reverse(
                "publishing:installment_detail",
                kwargs={"slug": installment.series.slug, "number": n},
            )
            context[f"{key}_label"] = f"({chinese_numeral(n)})"
    return context


@require_GET
def installment_detail(request, slug, number):
    # Anonymous readers all get the same page: serve it from the cache (core/cache.py).
    shared = not request.user.is_authenticated
    if shared:
        key = caches.public_page_key(slug=slug, number=number, language=get_language())
        html = caches.public_page_get(key)
        if html is not None:
            return HttpResponse(html)
    try:
        inst = selectors.public_installment(request.user, slug=slug, number=number)
    except Installment.DoesNotExist:
        raise Http404
    context = {"series": inst.series, **_neighbours(request, inst)}
    can_publish = selectors.can_publish(request.user)
    version = inst.current_version
    if version is not None:
        context["c"] = content_mod.with_photo_urls(version.content, published_photo_url(inst))
        context["published_at"] = inst.first_published_at
        context["share"] = share_block(inst)
        if version.number > 1:
            context["updated_at"] = version.published_at
        if can_publish:
            context.update(
                banner=_("Published version %(n)d. Readers see exactly this page.")
                % {"n": version.number},
                banner_kind="published",
                edit_url=inst.get_edit_url(),
            )
    else:  # only editors and organizers get here (the visibility policy)
        draft = selectors.installment_with_draft(
            installment_qs=Installment.objects.filter(pk=inst.pk)
        ).get()
        context["c"] = content_mod.with_photo_urls(
            content_mod.draft_content(draft), source_photo_url
        )
        context.update(
            banner=_("Preview: this installment is not published; readers get “not found” here."),
            banner_kind="preview",
            edit_url=inst.get_edit_url(),
        )
    response = render(request, "publishing/installment_detail.html", context)
    if shared and version is not None:
        caches.public_page_put(key, response.content)
    return response


@require_GET
def photo(request, slug, number, uid):
    """A frozen photo of a published version (never a case photo itself)."""
    copy = selectors.published_photo_visible_to(request.user, uid=uid)
    if copy is None:
        raise Http404
    inst = copy.version.installment
    if inst.series.slug != slug or inst.number != number:
        raise Http404
    response = serve_protected(copy.file, content_type="image/jpeg")
    if not selectors.can_publish(request.user):
        response["Cache-Control"] = "public, max-age=3600"
    return response
