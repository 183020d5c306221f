"""A case's receipts (回执) as PDFs, for the unit's members and organizers."""

from django.urls import path

from ..views import receipts

urlpatterns = [
    path(
        "cases/<int:pk>/receipts/<int:version>/",
        receipts.receipt_pdf,
        name="receipt_pdf",
    ),
]
