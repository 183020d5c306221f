"""Bulk import of offline-collected cases by organizers: upload, progress page, template."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import organizer_required
from core import spreadsheet
from core.fields import bound_upload
from core.uploads import takes_uploads

from .. import importing, rules
from ..forms import ImportUploadForm
from ..models import Call, ImportJob


def column_help(call: Call) -> list[tuple[str, bool, str]]:
    """(column, required, explanation) for the page and the template's second sheet."""
    return [
        (
            importing.COL_UNIT,
            True,
            _("The submitting unit's full name. A unit not registered yet is created."),
        ),
        (
            importing.COL_TITLE,
            True,
            _(
                "The case title, at most %(max)d characters. A unit cannot have two cases with the "
                "same title in one call."
            )
            % {"max": rules.text_limit(call, "title")},
        ),
        (importing.COL_CONTACT, False, _("The contact person (may be empty).")),
        (
            importing.COL_PHONE,
            False,
            _(
                "A mobile number such as 13812345678 or a landline such as 010-12345678 "
                "(may be empty)."
            ),
        ),
        (
            importing.COL_SUMMARY,
            False,
            _("A short summary, at most %(max)d characters.")
            % {"max": rules.text_limit(call, "summary")},
        ),
        (
            importing.COL_BODY,
            False,
            _("The full text, at most %(max)d characters.")
            % {"max": rules.text_limit(call, "body")},
        ),
        (
            importing.COL_PHOTOS,
            False,
            _(
                "Photo files inside the ZIP, written relative to the table and separated by “；”, "
                "e.g. 图片/1.jpg；图片/2.jpg. At most %(n)d photos of at most %(mb)d MB each "
                "(JPEG, PNG, WebP or HEIC). Leave empty when you upload the table alone."
            )
            % {"n": call.max_photos, "mb": call.max_photo_mb},
        ),
        (
            importing.COL_CAPTIONS,
            False,
            _(
                "The photos' captions in the same order, separated by “；”. There may be fewer "
                "captions than photos, not more."
            ),
        ),
    ]


def import_body_limit() -> int:
    """The import page takes the largest file the import accepts, plus room for the form."""
    return int(settings.IMPORT_MAX_UPLOAD_BYTES) + 1024 * 1024


@takes_uploads(import_body_limit)
@organizer_required
@require_http_methods(["GET", "POST"])
def import_start(request, slug):
    call = get_object_or_404(Call, slug=slug)
    form = ImportUploadForm(*bound_upload(request))
    if request.method == "POST" and form.is_valid():
        try:
            job = importing.import_job_create(
                call=call, upload=form.cleaned_data["file"], actor=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            return redirect("submissions:import_status", pk=job.pk)
    jobs = ImportJob.objects.filter(call=call).select_related("created_by")[:10]
    return render(
        request,
        "submissions/import_start.html",
        {
            "call": call,
            "form": form,
            "columns": column_help(call),
            "jobs": jobs,
        },
        status=400 if form.errors else 200,
    )


def _progress_data(job: ImportJob) -> dict:
    done = job.status == ImportJob.Status.DONE
    if job.status == ImportJob.Status.PENDING:
        message = _("Waiting for the import to start…")
    elif job.status == ImportJob.Status.RUNNING:
        message = _("Checking and importing the rows: step %(processed)d of %(total)d.") % {
            "processed": job.processed,
            "total": job.total,
        }
    elif done:
        message = ngettext(
            "%(n)d case was imported.", "%(n)d cases were imported.", job.created_count
        ) % {"n": job.created_count}
    else:
        message = _(
            "Nothing was imported. Correct the problems below in the table and upload it again."
        )
    return {
        "status": job.status,
        "status_display": job.get_status_display(),
        "processed": job.processed,
        "total": job.total,
        "percent": 100 if done else job.percent,
        "errors": job.errors,
        "created_count": job.created_count,
        "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
        "message": message,
    }


@organizer_required
@require_GET
def import_status(request, pk):
    job = get_object_or_404(ImportJob.objects.select_related("call", "created_by"), pk=pk)
    return render(
        request,
        "submissions/import_status.html",
        {
            "job": job,
            "call": job.call,
            "progress": _progress_data(job),
        },
    )


@organizer_required
@require_GET
@never_cache
def import_progress(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    return JsonResponse(_progress_data(job))


@organizer_required
@require_GET
def import_template(request, slug):
    """An .xlsx with the header row to fill in, and a second sheet explaining the columns."""
    call = get_object_or_404(Call, slug=slug)
    wb = spreadsheet.XlsxBook()
    widths = {
        importing.COL_TITLE: 30,
        importing.COL_SUMMARY: 40,
        importing.COL_BODY: 60,
        importing.COL_PHOTOS: 36,
        importing.COL_CAPTIONS: 40,
    }
    ws = wb.sheet(_("Cases"), widths=[widths.get(c, 16) for c in importing.COLUMNS], freeze="A2")
    ws.append([spreadsheet.styled(c, bold=True) for c in importing.COLUMNS])
    # Phone numbers as text, so a landline keeps its leading 0.
    phone = importing.COLUMNS.index(importing.COL_PHONE)
    for _row in range(2, 501):
        ws.append([None] * phone + [spreadsheet.styled(None, fmt="@")])

    notes = wb.sheet(_("How to fill in"), widths=[14, 10, 100])
    notes.append(
        [spreadsheet.styled(h, bold=True) for h in (_("Column"), _("Required"), _("Explanation"))]
    )

    def wrapped(*values: str) -> list[spreadsheet.Styled]:
        return [spreadsheet.styled(v, wrap=True) for v in values]

    for column, required, text in column_help(call):
        notes.append(wrapped(column, _("yes") if required else _("no"), text))
    notes.append([])
    for line in (
        _(
            "Fill in the first sheet, one case per row, below the header row. Do not rename "
            "the columns."
        ),
        _("With photos, put this table and the photo files into one ZIP file and upload the ZIP."),
        _(
            "Nothing is imported when any row has an error; every error is listed with its row "
            "and column."
        ),
    ):
        notes.append(wrapped(line))
    filename = _("case-import-template-%(slug)s.xlsx") % {"slug": call.slug}
    return spreadsheet.response(wb.to_bytes(), filename)
