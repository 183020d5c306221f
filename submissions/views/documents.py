"""A call's documents and its public import template.

The organizer adds and removes documents on the call's page. Anyone — signed in or not —
downloads the documents of a call that is out of draft (the public rule of
`selectors.call_document_public`) and, while the call is open, its import template."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import organizer_required
from core import spreadsheet
from core.files import attachment_type, serve_protected
from core.flash import flash_errors, flash_form_errors
from core.uploads import takes_uploads

from .. import importsheet, selectors, services
from ..forms import CallDocumentForm
from ..models import Call, CallDocument


@takes_uploads()
@require_POST
@organizer_required
def document_add(request, slug):
    call = get_object_or_404(Call, slug=slug)
    form = CallDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            doc = services.call_document_add(
                call=call,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                actor=request.user,
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("“%(title)s” was added to the call.") % {"title": doc})
    else:
        flash_form_errors(request, form)
    return redirect(call)


@require_POST
@organizer_required
def document_remove(request, slug, uid):
    doc = get_object_or_404(CallDocument, call__slug=slug, uid=uid)
    services.call_document_remove(document=doc, actor=request.user)
    messages.success(request, _("“%(title)s” was removed from the call.") % {"title": doc})
    return redirect("submissions:call_detail", slug=slug)


@require_GET
def document_file(request, slug, uid):
    doc = selectors.call_document_public(slug=slug, uid=str(uid))
    if doc is None:
        raise Http404
    response = serve_protected(
        doc.file,
        content_type=attachment_type(doc.extension),
        filename=doc.filename,
        attachment=True,
    )
    response["Cache-Control"] = "public, max-age=600"
    return response


@require_GET
def call_template(request, slug):
    """The import template of an open call, for anyone (the organizer's own is on the import
    page, for every call)."""
    try:
        call = selectors.call_public(slug=slug)
    except Call.DoesNotExist:
        raise Http404 from None
    if not call.is_open_for_submissions:
        raise Http404
    return spreadsheet.response(
        importsheet.template_workbook(call), importsheet.template_filename(call)
    )
