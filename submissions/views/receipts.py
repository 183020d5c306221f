"""Receipts (回执): the PDF for the unit's members and organizers, and the public verification
page its QR code leads to (found by the receipt's token only)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import receipts, selectors


@login_required
@require_GET
def receipt_pdf(request, pk, version):
    receipt = selectors.receipt_for(user=request.user, pk=pk, version=version)
    if receipt is None:
        raise Http404
    response = HttpResponse(receipts.receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipts.receipt_filename(receipt)}"'
    return response


@require_GET
def receipt_verify(request, token):
    receipt = selectors.receipt_by_token(token=token)
    if receipt is None:
        raise Http404
    return render(
        request,
        "submissions/receipt_verify.html",
        {"receipt": receipt, "verify_url": receipts.verify_url(receipt)},
    )
