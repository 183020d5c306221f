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

from .. import importing, importsheet
from ..forms import ImportUploadForm
from ..models import Call, ImportJob


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
            "columns": importsheet.column_help(call),
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
    """The call's import template (.xlsx): the columns to fill in, with data validation, and
    a 说明 sheet explaining them (submissions/importsheet.py)."""
    call = get_object_or_404(Call, slug=slug)
    return spreadsheet.response(
        importsheet.template_workbook(call), importsheet.template_filename(call)
    )
