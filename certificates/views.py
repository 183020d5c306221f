"""Pages of the certificates app: the organizer's design, preview, generating job and list;
the unit's downloads; the public verification page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import organizer_required
from core.fields import bound_upload
from core.files import serve_protected
from core.flash import flash_errors, flash_form_errors
from submissions.models import Call

from . import archive, selectors, services
from .forms import DesignForm, RevokeForm
from .models import Certificate, CertificateJob

#: Certificates per page of the organizer's list.
PAGE_SIZE = 100


def _call(slug: str) -> Call:
    return get_object_or_404(Call, slug=slug)


@organizer_required
@require_http_methods(["GET", "POST"])
def design(request, slug):
    call = _call(slug)
    current = selectors.design_for(call)
    instance = current or services.default_design(call)
    form = DesignForm(*bound_upload(request), instance=instance)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.design_save(
                call=call,
                title=data["title"],
                body=data["body"],
                issuer=data["issuer"],
                issued_on=data["issued_on"],
                orientation=data["orientation"],
                seal=data.get("seal_upload"),
                background=data.get("background_upload"),
                remove_seal=data.get("remove_seal", False),
                remove_background=data.get("remove_background", False),
                actor=request.user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("The certificate design was saved."))
            return redirect("certificates:design", slug=call.slug)
    return render(
        request,
        "certificates/design.html",
        {"call": call, "form": form, "design": current},
        status=400 if form.errors else 200,
    )


@organizer_required
@require_GET
def preview(request, slug):
    """The design drawn with the first award (or sample values), inline; never stored."""
    call = _call(slug)
    design = selectors.design_for(call) or services.default_design(call)
    response = HttpResponse(services.preview_pdf(design=design), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="preview.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@organizer_required
@require_GET
def call_list(request, slug):
    call = _call(slug)
    rows = selectors.call_certificates(request.user, call=call)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certificates/list.html",
        {
            "call": call,
            "design": selectors.design_for(call),
            "page": page,
            "certificates": page.object_list,
            "total": page.paginator.count,
            "revoked_count": rows.filter(revoked_at__isnull=False).count(),
            "jobs": list(selectors.recent_jobs(call)),
            "refusal": services.generate_refusal(call),
            "revoke_form": RevokeForm(),
        },
    )


@organizer_required
@require_POST
def generate(request, slug):
    call = _call(slug)
    try:
        job = services.job_start(call=call, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("certificates:list", slug=call.slug)
    return redirect("certificates:job", pk=job.pk)


def _progress(job: CertificateJob) -> dict:
    if job.status == CertificateJob.Status.PENDING:
        message = _("Waiting for the job to start…")
    elif job.status == CertificateJob.Status.RUNNING:
        message = _("Making the certificates: %(done)d of %(total)d.") % {
            "done": job.done,
            "total": job.total,
        }
    elif job.status == CertificateJob.Status.DONE:
        message = ngettext(
            "%(n)d certificate is ready.", "%(n)d certificates are ready.", job.done
        ) % {"n": job.done}
    else:
        message = _("Some certificates could not be made; the others are ready.")
    return {
        "status": job.status,
        "status_display": job.get_status_display(),
        "done": job.done,
        "total": job.total,
        "percent": 100 if job.status == CertificateJob.Status.DONE else job.percent,
        "errors": job.errors,
        "finished": job.finished,
        "message": message,
    }


@organizer_required
@require_GET
def job(request, pk):
    job = get_object_or_404(CertificateJob.objects.select_related("call", "created_by"), pk=pk)
    return render(
        request,
        "certificates/job.html",
        {"job": job, "call": job.call, "progress": _progress(job)},
    )


@organizer_required
@require_GET
@never_cache
def job_progress(request, pk):
    return JsonResponse(_progress(get_object_or_404(CertificateJob, pk=pk)))


@organizer_required
@require_GET
def download_all(request, slug):
    """Every valid certificate of the call in one .zip, streamed."""
    call = _call(slug)
    certificates = (
        selectors.certificates_visible_to(request.user)
        .filter(call=call, revoked_at__isnull=True)
        .order_by("number")
        .exclude(pdf="")
        .only("number", "check_code", "unit_name", "case_title", "pdf", "issued_at")
        .iterator(chunk_size=500)
    )
    response = StreamingHttpResponse(
        archive.stream_zip(certificates), content_type="application/zip"
    )
    name = f"certificates-{call.slug}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _certificate(request, pk) -> Certificate:
    return get_object_or_404(selectors.certificates_visible_to(request.user), pk=pk)


@login_required
@require_GET
def download(request, pk):
    """One certificate's PDF: organizers, and the members of the case's unit (404 for anyone
    else, signed in or not)."""
    cert = _certificate(request, pk)
    return serve_protected(
        cert.pdf,
        content_type="application/pdf",
        filename=cert.download_name,
        attachment=request.GET.get("inline") != "1",
    )


@organizer_required
@require_POST
def revoke(request, pk):
    cert = get_object_or_404(Certificate, pk=pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        try:
            services.certificate_revoke(
                certificate=cert, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request, _("Certificate %(number)s was revoked.") % {"number": cert.full_number}
            )
    return redirect("certificates:list", slug=cert.call.slug)


@organizer_required
@require_POST
def restore(request, pk):
    cert = get_object_or_404(Certificate, pk=pk)
    try:
        services.certificate_restore(certificate=cert, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request, _("Certificate %(number)s is valid again.") % {"number": cert.full_number}
        )
    return redirect("certificates:list", slug=cert.call.slug)


@login_required
@require_GET
def mine(request):
    """A unit member's certificates (anyone signed in sees the page; others' list is empty)."""
    certificates = list(selectors.my_certificates(request.user).select_related("call"))
    return render(request, "certificates/mine.html", {"certificates": certificates})


@require_GET
def verify(request, number):
    """The public verification page a certificate's QR code opens."""
    cert = selectors.certificate_to_verify(number)
    if cert is None:
        return render(request, "certificates/verify_unknown.html", {"number": number}, status=404)
    return render(request, "certificates/verify.html", {"cert": cert})
