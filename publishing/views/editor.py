"""The editor's area (/publish/…): draft a series from final awards, edit installments and
features, preview, publish, schedule, withdraw and export. Editors and organizers only:
anonymous users go to the login page, everyone else gets 403."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import role_required
from core.files import serve_protected
from core.flash import flash_errors
from core.params import id_param
from submissions import lifecycle
from submissions.models import Call, Photo

from .. import content as content_mod
from .. import exports, selectors, services
from ..forms import (
    FeatureAddForm,
    FeatureForm,
    FeatureMoveForm,
    InstallmentForm,
    PhotoRowFormSet,
    SeriesDraftForm,
    SeriesForm,
)
from ..models import Feature, Installment, InstallmentVersion, Series
from .public import published_photo_url, source_photo_url

publisher_required = role_required(selectors.can_publish)


def _installment(slug, number) -> Installment:
    try:
        return selectors.installment_for_editing(slug=slug, number=number)
    except Installment.DoesNotExist:
        raise Http404


# ---------------------------------------------------------------- series


@publisher_required
def series_list(request):
    calls = list(selectors.calls_for_drafting())
    return render(
        request,
        "publishing/series_list.html",
        {
            "series_list": selectors.series_for_editor(),
            "final_calls": [c for c in calls if c.allows(lifecycle.PUBLISH_SERIES)],
            "pending_calls": [c for c in calls if not c.allows(lifecycle.PUBLISH_SERIES)],
        },
    )


@publisher_required
def series_draft(request, call_slug):
    call = get_object_or_404(Call, slug=call_slug)
    is_final = call.allows(lifecycle.PUBLISH_SERIES)
    n = 2
    slug = call.slug
    while Series.objects.filter(slug=slug).exists():
        slug, n = f"{call.slug}-{n}", n + 1
    form = SeriesDraftForm(
        request.POST or None,
        initial={
            "title": services.default_series_title(call),
            "slug": slug,
            "host_line": call.host_line,
            "per_installment": 5,
        },
        call=call,
    )
    if request.method == "POST" and form.is_valid():
        try:
            series = services.series_draft_from_awards(
                call=call, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("The series was drafted with %(n)d installments. Nothing is public yet.")
                % {"n": series.installments.count()},
            )
            return redirect("publishing:series_edit", slug=series.slug)
    return render(
        request,
        "publishing/series_draft.html",
        {
            "call": call,
            "form": form,
            "is_final": is_final,
            "n_awards": call.awards.count(),
        },
    )


@publisher_required
def series_edit(request, slug):
    series = get_object_or_404(Series.objects.select_related("call"), slug=slug)
    form = SeriesForm(request.POST or None, instance=series)
    if request.method == "POST" and form.is_valid():
        try:
            services.series_update(series=series, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _(
                    "The series settings were saved. Published installments "
                    "keep what they had until they are republished."
                ),
            )
            return redirect("publishing:series_edit", slug=series.slug)
    installments = list(
        selectors.installment_with_draft(installment_qs=series.installments.all()).order_by(
            "number"
        )
    )
    for inst in installments:
        inst.n_problems = len(selectors.print_check(inst))
    return render(
        request,
        "publishing/series_edit.html",
        {
            "series": series,
            "form": form,
            "installments": installments,
        },
    )


@require_POST
@publisher_required
def installment_add(request, slug):
    series = get_object_or_404(Series, slug=slug)
    try:
        inst = services.installment_add(series=series, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("publishing:series_edit", slug=slug)
    messages.success(request, _("Installment (%(n)s) was added.") % {"n": inst.numeral})
    return redirect(inst.get_edit_url())


@require_POST
@publisher_required
def installment_delete(request, slug, number):
    inst = _installment(slug, number)
    try:
        services.installment_delete(installment=inst, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(inst.get_edit_url())
    messages.success(request, _("The installment was deleted."))
    return redirect("publishing:series_edit", slug=slug)


# ---------------------------------------------------------------- installments


def _state(inst: Installment) -> dict:
    draft = content_mod.draft_content(inst)
    published = inst.current_version.content if inst.current_version else None
    return {
        "draft": draft,
        "problems": services.publish_problems(draft),
        "changed": published is not None
        and content_mod.comparable(draft) != content_mod.comparable(published),
    }


@publisher_required
def installment_edit(request, slug, number):
    inst = _installment(slug, number)
    form = InstallmentForm(request.POST or None, instance=inst)
    if request.method == "POST" and form.is_valid():
        try:
            services.installment_update(installment=inst, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("The installment was saved."))
            return redirect(inst.get_edit_url())
    series = inst.series
    features = list(inst.features.all())
    for feature in features:
        feature.flags = selectors.feature_print_flags(feature, series)
    others = [i for i in series.installments.order_by("number") if i.pk != inst.pk]
    return render(
        request,
        "publishing/installment_edit.html",
        {
            "inst": inst,
            "series": series,
            "form": form,
            "features": features,
            "others": others,
            "add_form": FeatureAddForm(cases=selectors.candidate_cases(series=series)),
            "print_problems": selectors.print_check(inst),
            "versions": selectors.versions_of(inst),
            **_state(inst),
        },
    )


@require_GET
@publisher_required
def installment_preview(request, slug, number):
    """Exactly what readers will see once the draft is published."""
    inst = _installment(slug, number)
    return render(
        request,
        "publishing/installment_detail.html",
        {
            "series": inst.series,
            "c": content_mod.with_photo_urls(content_mod.draft_content(inst), source_photo_url),
            "banner": _("Preview of the draft: readers see this once it is published."),
            "banner_kind": "preview",
            "edit_url": inst.get_edit_url(),
        },
    )


@require_GET
@publisher_required
def installment_version(request, slug, number, version):
    inst = _installment(slug, number)
    frozen = get_object_or_404(InstallmentVersion, installment=inst, number=version)
    current = inst.current_version_id == frozen.pk
    return render(
        request,
        "publishing/installment_detail.html",
        {
            "series": inst.series,
            "c": content_mod.with_photo_urls(frozen.content, published_photo_url(inst)),
            "published_at": frozen.published_at,
            "banner": (
                _("Version %(n)d, published %(at)s: the one readers see.")
                if current
                else _(
                    "Version %(n)d, published %(at)s: kept for the record; readers no longer "
                    "see it."
                )
            )
            % {"n": frozen.number, "at": localtime(frozen.published_at).strftime("%Y-%m-%d %H:%M")},
            "banner_kind": "version",
            "edit_url": inst.get_edit_url(),
        },
    )


@require_POST
@publisher_required
def installment_publish(request, slug, number):
    inst = _installment(slug, number)
    try:
        version = services.installment_publish(installment=inst, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Published as version %(n)d.") % {"n": version.number})
    return redirect(inst.get_edit_url())


@require_POST
@publisher_required
def installment_schedule(request, slug, number):
    inst = _installment(slug, number)
    try:
        inst = services.installment_schedule(installment=inst, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("Scheduled for %(at)s (Beijing time).")
            % {"at": localtime(inst.publish_at).strftime("%Y-%m-%d %H:%M")},
        )
    return redirect(inst.get_edit_url())


@require_POST
@publisher_required
def installment_unschedule(request, slug, number):
    inst = _installment(slug, number)
    services.installment_unschedule(installment=inst, actor=request.user)
    messages.success(request, _("The schedule was cancelled."))
    return redirect(inst.get_edit_url())


@require_POST
@publisher_required
def installment_withdraw(request, slug, number):
    inst = _installment(slug, number)
    services.installment_withdraw(installment=inst, actor=request.user)
    messages.success(request, _("The installment is no longer public. Its versions are kept."))
    return redirect(inst.get_edit_url())


@require_GET
@publisher_required
def installment_export(request, slug, number, fmt):
    inst = _installment(slug, number)
    source = request.GET.get("source", "draft")
    version = request.GET.get("version")
    try:
        exported = exports.export_installment(
            installment=inst,
            fmt=fmt,
            published=source == "published",
            version=id_param(version),
        )
    except (InstallmentVersion.DoesNotExist, ValueError):
        raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(inst.get_edit_url())
    response = HttpResponse(exported.data, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- features


@require_POST
@publisher_required
def feature_add(request, slug, number):
    inst = _installment(slug, number)
    form = FeatureAddForm(request.POST, cases=selectors.candidate_cases(series=inst.series))
    if form.is_valid():
        try:
            services.feature_add(
                installment=inst, case=form.cleaned_data["case"], actor=request.user
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("The case was added."))
    else:
        messages.error(request, _("Choose an awarded or accepted case of this call."))
    return redirect(inst.get_edit_url())


def _feature(pk) -> Feature:
    try:
        return selectors.feature_for_editing(pk=pk)
    except Feature.DoesNotExist:
        raise Http404


def _photo_rows(feature: Feature) -> tuple[list[Photo], list[dict]]:
    """Every photo of the case, those in the feature first (in its order)."""
    photos = list(Photo.objects.filter(case_id=feature.case_id).order_by("position", "id"))
    chosen = {fp.photo_id: fp for fp in feature.photos.all()}
    photos.sort(
        key=lambda p: (
            p.pk not in chosen,
            chosen[p.pk].position if p.pk in chosen else p.position,
            p.pk,
        )
    )
    initial = [
        {
            "photo": p.pk,
            "include": p.pk in chosen,
            "position": i,
            "caption": chosen[p.pk].caption
            if p.pk in chosen
            else content_mod.clean_caption(p.caption),
        }
        for i, p in enumerate(photos, start=1)
    ]
    return photos, initial


@publisher_required
def feature_edit(request, pk):
    feature = _feature(pk)
    inst = feature.installment
    series = inst.series
    photos, initial = _photo_rows(feature)
    by_pk = {p.pk: p for p in photos}
    form = FeatureForm(
        request.POST or None, instance=feature, char_limit=series.print_max_body_chars
    )
    formset = PhotoRowFormSet(request.POST or None, initial=initial, prefix="photos")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [
            services.FeaturePhotoRow(
                photo=by_pk[row["photo"]], position=row["position"], caption=row.get("caption", "")
            )
            for row in formset.cleaned_data
            if row.get("include") and row.get("photo") in by_pk
        ]
        try:
            services.feature_update(
                feature=feature,
                actor=request.user,
                photos=rows,
                **{k: form.cleaned_data[k] for k in ("title", "unit_line", "body")},
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("The case's published version was saved. The submission itself is unchanged."),
            )
            return redirect(inst.get_edit_url())
    rows = list(
        zip(formset.forms, [by_pk.get(f.initial.get("photo")) for f in formset.forms], strict=True)
    )
    return render(
        request,
        "publishing/feature_edit.html",
        {
            "feature": feature,
            "inst": inst,
            "series": series,
            "form": form,
            "formset": formset,
            "rows": rows,
            "case": feature.case,
            "chars": content_mod.body_length(form["body"].value() or ""),
            "source_chars": content_mod.body_length(feature.case.body),
            "min_side": series.print_min_long_side,
        },
    )


@require_POST
@publisher_required
def feature_shift(request, pk):
    feature = _feature(pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.feature_shift(feature=feature, offset=offset, actor=request.user)
    return redirect(feature.installment.get_edit_url())


@require_POST
@publisher_required
def feature_move(request, pk):
    feature = _feature(pk)
    form = FeatureMoveForm(request.POST, series=feature.series)
    if form.is_valid():
        target = form.cleaned_data["installment"]
        try:
            services.feature_move(feature=feature, installment=target, actor=request.user)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("“%(title)s” moved to installment (%(n)s).")
                % {"title": feature.title, "n": target.numeral},
            )
    return redirect(feature.installment.get_edit_url())


@require_POST
@publisher_required
def feature_remove(request, pk):
    feature = _feature(pk)
    inst = feature.installment
    services.feature_remove(feature=feature, actor=request.user)
    messages.success(
        request, _("“%(title)s” was taken out of the series draft.") % {"title": feature.title}
    )
    return redirect(inst.get_edit_url())


@require_GET
@publisher_required
def source_photo(request, uid, variant):
    """A case photo for the editor's pages (only photos of cases that are in a series)."""
    photo = selectors.source_photo_for_publisher(request.user, uid=uid)
    if photo is None or variant not in ("web", "thumb"):
        raise Http404
    shown = photo.rendition(variant)
    return serve_protected(shown.file, content_type=shown.content_type, filename=shown.filename)
