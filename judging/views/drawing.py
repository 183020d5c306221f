"""The random drawing of experts for a round (organizers) and the public verify page."""

import json
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import organizer_required
from core.flash import flash_errors, flash_form_errors
from core.params import id_param

from .. import drawing, pool_selectors
from ..drawing_forms import DrawingRulesForm, RatingForm, RecordUploadForm
from ..models import DrawingRecord, Judge
from ..services import drawing as services
from .common import organizer_round


def _records(rnd):
    records = list(rnd.drawings.select_related("operator").order_by("-committed_at", "-id"))
    ids = {i for r in records for i in (r.result.get("drawn", []) + r.result.get("backups", []))}
    names = dict(Judge.objects.filter(pk__in=ids).values_list("pk", "name"))
    for r in records:
        r.drawn_names = [names.get(i, str(i)) for i in r.result.get("drawn", [])]
        r.backup_names = [names.get(i, str(i)) for i in r.result.get("backups", [])]
        r.excluded = r.payload["snapshot"]["excluded"]
        r.n_eligible = len(r.payload["snapshot"]["eligible"])
        r.exclusions = r.payload["rules"]
    return records


@organizer_required
def round_drawing(request, pk):
    rnd = organizer_round(pk)
    form = DrawingRulesForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.drawing_commit(
                    round=rnd,
                    rules=form.rules(),
                    witness=form.cleaned_data["witness"],
                    redraw_reason=form.cleaned_data["redraw_reason"],
                    actor=request.user,
                )
            except ValidationError as exc:
                flash_errors(request, exc)
            else:
                messages.success(
                    request, _("The commitment is published. Now draw, with the witness present.")
                )
                return redirect("judging:round_drawing", pk=rnd.pk)
    current = services.current_record(rnd)
    return render(
        request,
        "judging/drawing.html",
        {"round": rnd, "form": form, "current": current, "records": _records(rnd)},
        status=400 if form.errors else 200,
    )


@require_POST
@organizer_required
def drawing_reveal(request, pk):
    record = get_object_or_404(DrawingRecord, pk=pk)
    rnd = organizer_round(record.round_id)
    try:
        services.drawing_reveal(record=record, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The experts were drawn and the seed is revealed."))
    return redirect("judging:round_drawing", pk=rnd.pk)


@organizer_required
def drawing_record(request, pk):
    record = get_object_or_404(DrawingRecord, pk=pk)
    organizer_round(record.round_id)
    response = JsonResponse(
        services.record_json(record), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    name = f"drawing-{record.round.call.slug}-{record.round.number}-{record.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def drawing_verify(request):
    """Anyone: upload a drawing record and see whether it holds (judging/drawing.py)."""
    form = RecordUploadForm(request.POST or None, request.FILES or None)
    verdict = None
    if request.method == "POST" and form.is_valid():
        try:
            data = json.loads(form.cleaned_data["record"].read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            verdict = {"ok": False, "problems": [_("The file is not a JSON text.")]}
        else:
            problems = drawing.verify(data)
            problems = [p[:500] for p in problems[:20]]  # what a page shows of a hostile file
            stored = None
            commitment = data.get("commitment") if isinstance(data, dict) else None
            if isinstance(commitment, str) and re.fullmatch(r"[0-9a-f]{64}", commitment):
                stored = (
                    DrawingRecord.objects.filter(commitment=commitment)
                    .select_related("round__call")
                    .first()
                )
            verdict = {"ok": not problems, "problems": problems, "stored": stored}
    return render(
        request,
        "judging/drawing_verify.html",
        {"form": form, "verdict": verdict},
        status=400 if form.errors else 200,
    )


@organizer_required
def round_ratings(request, pk):
    """After a round closes: each panel expert's lateness, declines, outliers and severity, and
    the organizer's rating (一项目一评价)."""
    rnd = organizer_round(pk)
    if request.method == "POST":
        form = RatingForm(request.POST)
        judge = rnd.panel.filter(pk=id_param(request.POST.get("judge")) or 0).first()
        if judge is None:
            messages.error(request, _("Only the round's panel is rated."))
        elif form.is_valid():
            try:
                services.expert_rate(
                    judge=judge,
                    round=rnd,
                    rating=form.cleaned_data["rating"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ValidationError as exc:
                flash_errors(request, exc)
            else:
                messages.success(request, _("“%(name)s” was rated.") % {"name": judge.name})
        else:
            flash_form_errors(request, form)
        return redirect("judging:round_ratings", pk=rnd.pk)
    rows = pool_selectors.round_rating_rows(round=rnd)
    for row in rows:
        row.form = RatingForm(
            initial={"rating": row.rating.rating, "note": row.rating.note} if row.rating else None,
            prefix=f"j{row.judge.pk}",
        )
    return render(request, "judging/ratings.html", {"round": rnd, "rows": rows})
